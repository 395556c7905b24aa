// Fakes for the unit tests of shared mode and the rules (tests/unit/*.test.js): a client
// with RealtimeClient's surface that records what it is asked, a clock whose time moves
// only when a test says so, and `settle()` to let posted messages arrive.

/** Resolves once every queued microtask (the fake channels' deliveries) has run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));

/** `now()`, `setTimeout`, `clearTimeout` over a time that only `advance(ms)` moves. */
export function fakeClock() {
  let t = 0;
  let next = 1;
  const timers = new Map(); // id → [at, f]
  return {
    now: () => t,
    setTimeout(f, ms) {
      timers.set(next, [t + ms, f]);
      return next++;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    /** How many timers are armed. */
    get armed() {
      return timers.size;
    },
    /** Moves the time by `ms`, running the timers due meanwhile in time order; throws if
     *  timers keep re-arming themselves for the same instant. */
    advance(ms) {
      const end = t + ms;
      for (let runs = 0; ; runs++) {
        // A timer that re-arms itself for now would spin here as it would in a page.
        if (runs > 1000) throw new Error("fakeClock: timers keep firing without time passing");
        let due = null;
        for (const [id, [at]] of timers) if (at <= end && (due === null || at < timers.get(due)[0])) due = id;
        if (due === null) break;
        const [at, f] = timers.get(due);
        timers.delete(due);
        t = at;
        f();
      }
      t = end;
    },
  };
}

/**
 * RealtimeClient's surface, connection-free: records calls in `calls` (connect,
 * disconnect, subscribe, unsubscribe, reconnectNow, close) and emits in `emits`
 * ({event, args, timeout, resolve?, reject?}); `fire(event, ...args)` calls its listeners
 * as the real client would for a lifecycle or server event; `up(id)` / `down(reason)`
 * connect and disconnect it.
 */
export class FakeClient {
  constructor(url, options) {
    this.url = url;
    this.options = options;
    this.calls = [];
    this.emits = [];
    this.listeners = new Map(); // event → [f]
    this.state = "idle";
    this.connected = false;
    this.id = undefined;
    this.transport = undefined;
    this.buffered = 0;
    this.debug = "warn";
    FakeClient.made.push(this);
  }

  on(event, f) {
    if (!this.listeners.has(event)) this.listeners.set(event, []);
    this.listeners.get(event).push(f);
    return this;
  }

  off(event, f) {
    const list = this.listeners.get(event) || [];
    const i = list.indexOf(f);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(event);
    return this;
  }

  /** The events with at least one listener, lifecycle ones included. */
  listened() {
    return [...this.listeners.keys()];
  }

  fire(event, ...args) {
    for (const f of [...(this.listeners.get(event) || [])]) f(...args);
  }

  up(id = "sock1") {
    Object.assign(this, { state: "connected", connected: true, id, transport: "websocket" });
    this.fire("connect");
  }

  down(reason = "transport close") {
    Object.assign(this, { state: "reconnecting", connected: false, id: undefined, transport: undefined });
    this.fire("disconnect", reason);
  }

  connect() {
    this.calls.push(["connect"]);
    if (this.state === "idle") this.state = "connecting";
  }

  disconnect() {
    this.calls.push(["disconnect"]);
    this.state = "idle";
  }

  subscribe(kind, a, b) {
    this.calls.push(["subscribe", kind, a, b]);
  }

  unsubscribe(kind, a, b) {
    this.calls.push(["unsubscribe", kind, a, b]);
  }

  reconnectNow() {
    this.calls.push(["reconnectNow"]);
  }

  close() {
    this.calls.push(["close"]);
    this.state = "closed";
  }

  emit(event, ...args) {
    this.emits.push({ event, args, timeout: undefined });
    return this;
  }

  emitWithAck(event, ...args) {
    return new Promise((resolve, reject) => this.emits.push({ event, args, timeout: undefined, resolve, reject }));
  }

  timeout(ms) {
    return {
      emit: (event, ...args) => this.emits.push({ event, args, timeout: ms }),
      emitWithAck: (event, ...args) => new Promise((resolve, reject) => this.emits.push({ event, args, timeout: ms, resolve, reject })),
    };
  }

  /** The calls of one kind (e.g. "subscribe"), without the kind. */
  called(what) {
    return this.calls.filter((c) => c[0] === what).map((c) => c.slice(1));
  }
}

/** Every FakeClient made, in order (`FakeClient.made.length = 0` between tests). */
FakeClient.made = [];
