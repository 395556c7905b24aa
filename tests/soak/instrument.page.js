// Injected into the soak page before any of its scripts runs (DevTools
// `Page.addScriptToEvaluateOnNewDocument`, tests/soak/soak.js). Not a module: the runner
// reads this file as text. It counts what a page can leak without anyone noticing:
//
// - live timers: setTimeout ids not yet fired or cleared, setInterval ids not cleared;
// - live event listeners added with addEventListener and not removed, per target kind
//   (window, document, other), with the DOM's de-duplication rule (same target, type,
//   listener and capture flag = one listener);
// - WebSockets not yet closed; fetch() calls not yet settled.
//
// `window.__soakProbe()` returns the counts; it also forgets closed WebSockets, so the
// probe itself retains nothing between two samples.
(() => {
  const g = window;
  const timeouts = new Set();
  const intervals = new Set();
  const setT = g.setTimeout;
  const clearT = g.clearTimeout;
  const setI = g.setInterval;
  const clearI = g.clearInterval;
  const counts = { setTimeout: 0, setInterval: 0, addEventListener: 0, removeEventListener: 0, webSockets: 0, fetches: 0 };

  g.setTimeout = function setTimeout(fn, ms, ...args) {
    counts.setTimeout++;
    if (typeof fn !== "function") return setT.call(g, fn, ms, ...args);
    let id;
    const run = function () {
      timeouts.delete(id);
      return fn.apply(this, arguments);
    };
    id = setT.call(g, run, ms, ...args);
    timeouts.add(id);
    return id;
  };
  // Timeout and interval ids share one pool: either clear function clears either kind.
  g.clearTimeout = function clearTimeout(id) {
    timeouts.delete(id);
    intervals.delete(id);
    return clearT.call(g, id);
  };
  g.setInterval = function setInterval(fn, ms, ...args) {
    counts.setInterval++;
    const id = setI.call(g, fn, ms, ...args);
    intervals.add(id);
    return id;
  };
  g.clearInterval = function clearInterval(id) {
    timeouts.delete(id);
    intervals.delete(id);
    return clearI.call(g, id);
  };

  // target → Map(type + capture flag → Set of listeners)
  const registry = new WeakMap();
  const live = { window: 0, document: 0, other: 0 };
  const kind = (t) => (t === g ? "window" : t === g.document ? "document" : "other");
  const capture = (o) => (typeof o === "boolean" ? o : !!(o && o.capture));
  const P = EventTarget.prototype;
  const add = P.addEventListener;
  const remove = P.removeEventListener;
  P.addEventListener = function addEventListener(type, listener, options) {
    counts.addEventListener++;
    // `once` and `signal` listeners go away without a removeEventListener call; they are
    // not counted as live (nothing in the client uses them).
    const countable = listener && !(options && typeof options === "object" && (options.once || options.signal));
    if (countable) {
      const target = this == null ? g : this;
      let byType = registry.get(target);
      if (!byType) registry.set(target, (byType = new Map()));
      const key = capture(options) + ":" + type;
      let set = byType.get(key);
      if (!set) byType.set(key, (set = new Set()));
      if (!set.has(listener)) {
        set.add(listener);
        live[kind(target)]++;
      }
    }
    return add.call(this, type, listener, options);
  };
  P.removeEventListener = function removeEventListener(type, listener, options) {
    counts.removeEventListener++;
    const target = this == null ? g : this;
    const byType = registry.get(target);
    const key = capture(options) + ":" + type;
    const set = byType && byType.get(key);
    if (set && set.delete(listener)) {
      live[kind(target)]--;
      if (set.size === 0) byType.delete(key);
    }
    return remove.call(this, type, listener, options);
  };

  // WebSocket: a subclass, so `instanceof WebSocket` and the constants still hold.
  const sockets = new Set();
  const WS = g.WebSocket;
  class WebSocket extends WS {
    constructor(...args) {
      super(...args);
      counts.webSockets++;
      sockets.add(this);
    }
  }
  g.WebSocket = WebSocket;

  let fetching = 0;
  const fetch0 = g.fetch;
  g.fetch = function fetch(...args) {
    counts.fetches++;
    fetching++;
    let p;
    try {
      p = fetch0.apply(g, args);
    } catch (e) {
      fetching--;
      throw e;
    }
    const done = () => {
      fetching--;
    };
    p.then(done, done);
    return p;
  };

  g.__soakProbe = () => {
    let open = 0;
    for (const ws of sockets) {
      if (ws.readyState === WS.CLOSED) sockets.delete(ws);
      else open++;
    }
    return {
      timeouts: timeouts.size,
      intervals: intervals.size,
      listeners: { ...live },
      webSocketsOpen: open,
      fetchesInFlight: fetching,
      calls: { ...counts },
    };
  };
})();
