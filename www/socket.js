// socket.io-client's Socket and Manager over RealtimeClient, for the apps that use that
// library directly (frappe-ui, Helpdesk, CRM, Gameplan: www/socket.io-client.js is the
// entry a bundler alias points `socket.io-client` at) and for the facade's
// `frappe.realtime.socket`. Names and semantics are socket.io-client 4.8's; what differs,
// and why, is said where it is done. The differences that come from the design:
//
// - One connection per Socket: every namespace has its own (the core runs one namespace
//   per connection), so a Manager with two namespaces holds two connections and hears
//   each one's lifecycle.
// - The Manager's events are the lifecycle events of its sockets, mapped (`_lifecycle`):
//   the engine below them is the core's, and has no events of its own here.
// - Reconnection settings are fixed when a connection is created: the Manager's setters
//   change what its later sockets get (and `reconnection(false)` stops the current ones
//   from reconnecting).

// @ts-check

import { RealtimeClient } from "./client.js";
import { ListenerMethods, Listeners, call } from "./listeners.js";
import { checkEmit } from "./rules.js";
import { clientOptions } from "./socket-options.js";

/** @typedef {import("./client.js").RealtimeClientOptions} RealtimeClientOptions */
/** @typedef {(...args: any[]) => unknown} Fn */
/** @typedef {{volatile?: boolean, compress?: boolean, timeout?: number}} Flags the next emit's */
/** @typedef {{_ls: Listeners, _wasm: {recovered?: unknown} | null, _emit(event: string, args: any[]): unknown, _emitWithAck(event: string, args: any[], timeout: number | undefined): Promise<any>}} Internals
 *  RealtimeClient's members used here (client.d.ts declares only the public ones) */

/** `s` with RealtimeClient's internal members.
 *  @param {Socket} s */
const own = (s) => /** @type {Internals} */ (/** @type {unknown} */ (s));

/** The states in which a client will connect or reconnect by itself (`active`). */
const ACTIVE = ["connecting", "connected", "reconnecting"];

/** The lifecycle events `_lifecycle` looks at: one property lookup per event. */
const LIFECYCLE = /** @type {{[event: string]: 1 | undefined}} */ (
  /** @type {unknown} */ ({
    __proto__: null,
    connect: 1,
    disconnect: 1,
    connect_error: 1,
    reconnect_attempt: 1,
    reconnect: 1,
    reconnect_failed: 1,
    reconnect_scheduled: 1,
    upgrade: 1,
  })
);

/** The page's location, when there is one. */
const here = () => /** @type {Location | undefined} */ (typeof location !== "undefined" ? location : undefined);

/**
 * `uri` resolved as socket.io-client resolves it (its url.js; written anew here): none →
 * the page's origin; `//host/…` → the page's scheme; `/path` → the page's host; no scheme →
 * the page's scheme (https without a page). `ws(s):` counts as `http(s):`.
 * @param {string | undefined | null} uri
 * @returns {URL}
 */
export function resolveUrl(uri) {
  const loc = here();
  let u = uri == null ? (loc ? loc.protocol + "//" + loc.host : "") : String(uri);
  if (u.startsWith("//")) u = (loc ? loc.protocol : "https:") + u;
  else if (u.startsWith("/") && loc) u = loc.host + u;
  if (!/^(https?|wss?):\/\//i.test(u)) u = (loc ? loc.protocol : "https:") + "//" + u;
  const url = new URL(u);
  // The client speaks HTTP(S) first; ws(s) names the same server.
  if (url.protocol === "ws:" || url.protocol === "wss:") return new URL(u.replace(/^ws/i, "http"));
  return url;
}

/** The Engine.IO session of a Manager: what apps read of it (`transport.name`) and its
 *  `upgrade` / `open` / `close` events, from the Manager's sockets. The core has no
 *  `ping` event, and the Engine.IO session id is not exposed: `id` is undefined. */
class Engine extends ListenerMethods {
  /** @param {Manager} manager */
  constructor(manager) {
    super();
    this._ls = new Listeners();
    this._ls.self = this;
    this._closed = false;
    this._m = manager;
    const engine = this;
    /** The open transport; `name` is undefined while none is open. */
    this.transport = {
      get name() {
        const s = engine._m._first();
        return s ? s.transport : undefined;
      },
    };
    /** @type {string | undefined} */
    this.id = undefined;
  }

  /** "open" while a socket is connected, "opening" while one tries, else "closed". */
  get readyState() {
    return this._m._readyState === "open" ? "open" : this._m._readyState === "opening" ? "opening" : "closed";
  }
}

/**
 * socket.io-client's Manager: the socket of each namespace on one server, the
 * reconnection settings, and the events `open`, `close`, `error`, `reconnect_attempt`,
 * `reconnect`, `reconnect_error`, `reconnect_failed` (no `ping` or `packet`: the core has
 * neither as an event).
 */
export class Manager extends ListenerMethods {
  /**
   * @param {string | Record<string, any>} [uri] the server (its path is not used: namespaces are `socket(nsp)`'s)
   * @param {Record<string, any>} [opts] socket.io-client's options, and the client's (client.d.ts)
   */
  constructor(uri, opts) {
    super();
    if (uri && typeof uri === "object") {
      opts = uri;
      uri = undefined;
    }
    opts = opts || {};
    // socket.io-client's defaults, written into its options as it does.
    opts.path = opts.path || "/socket.io";
    /** The options sockets are created with. */
    this.opts = opts;
    /** The URL as given. */
    this.uri = uri;
    this._origin = resolveUrl(/** @type {string | undefined} */ (uri)).origin;
    this._ls = new Listeners();
    this._ls.self = this;
    this._closed = false;
    /** @type {Record<string, Socket>} namespace → its socket */
    this.nsps = {};
    this._reconnection = opts.reconnection !== false;
    // `||` as socket.io-client: 0 means the default.
    this._reconnectionAttempts = opts.reconnectionAttempts || Infinity;
    this._reconnectionDelay = opts.reconnectionDelay || 1000;
    this._reconnectionDelayMax = opts.reconnectionDelayMax || 5000;
    this._randomizationFactor = opts.randomizationFactor == null ? 0.5 : opts.randomizationFactor;
    /** @type {number | boolean} */
    this._timeout = opts.timeout == null ? 20000 : opts.timeout;
    this._autoConnect = opts.autoConnect !== false;
    this.engine = new Engine(this);
  }

  /** The socket of namespace `nsp` (one per namespace); an inactive one is connected
   *  again when the Manager auto-connects, as socket.io-client does.
   *  @param {string} nsp
   *  @param {Record<string, any>} [opts] */
  socket(nsp, opts) {
    nsp = namespace(nsp);
    let s = this.nsps[nsp];
    if (!s) this.nsps[nsp] = s = new Socket(this, nsp, opts);
    else if (this._autoConnect && !s.active) s.connect();
    return s;
  }

  /** Connects every socket that is not active; `fn` is called once, with nothing at the
   *  first `open`, or with the error at the first `error`.
   *  @param {(err?: Error) => void} [fn] */
  open(fn) {
    if (typeof fn === "function") {
      /** @param {Error} [err] */
      const done = (err) => {
        this.off("open", opened);
        this.off("error", failed);
        err ? fn(err) : fn();
      };
      const opened = () => done();
      const failed = (/** @type {Error} */ err) => done(err);
      this.once("open", opened);
      this.once("error", failed);
    }
    for (const s of this._sockets()) if (!s.active) s.connect();
    return this;
  }

  /** @param {(err?: Error) => void} [fn] */
  connect(fn) {
    return this.open(fn);
  }

  /** Disconnects every socket (socket.io-client's `_close`: "forced close"). */
  _close() {
    for (const s of this._sockets()) s.disconnect();
  }

  disconnect() {
    this._close();
  }

  /** Whether to reconnect. With an argument: sets it and returns the Manager; `false`
   *  also stops the current sockets from reconnecting (at their next scheduled attempt).
   *  @param {boolean} [v] */
  reconnection(v) {
    if (!arguments.length) return this._reconnection;
    this._reconnection = !!v;
    return this;
  }

  /** The following setters change what sockets created afterwards get; a socket keeps
   *  the values it was created with (the core's settings are fixed per connection).
   *  @param {number} [v] */
  reconnectionAttempts(v) {
    if (v === undefined) return this._reconnectionAttempts;
    this._reconnectionAttempts = v;
    return this;
  }

  /** @param {number} [v] */
  reconnectionDelay(v) {
    if (v === undefined) return this._reconnectionDelay;
    this._reconnectionDelay = v;
    return this;
  }

  /** @param {number} [v] */
  reconnectionDelayMax(v) {
    if (v === undefined) return this._reconnectionDelayMax;
    this._reconnectionDelayMax = v;
    return this;
  }

  /** @param {number} [v] */
  randomizationFactor(v) {
    if (v === undefined) return this._randomizationFactor;
    this._randomizationFactor = v;
    return this;
  }

  /** @param {number | boolean} [v] */
  timeout(v) {
    if (!arguments.length) return this._timeout;
    this._timeout = /** @type {number | boolean} */ (v);
    return this;
  }

  /** "open" while a socket is connected, "opening" while one is trying, else "closed". */
  get _readyState() {
    const states = this._sockets().map((s) => s.state);
    return states.includes("connected") ? "open" : states.some((s) => s === "connecting" || s === "reconnecting") ? "opening" : "closed";
  }

  /** Whether a socket is waiting for or making a reconnect attempt. */
  get _reconnecting() {
    return this._sockets().some((s) => s.state === "reconnecting");
  }

  /** The options of a new socket of namespace `nsp`: the Manager's, the socket's, the
   *  Manager's current reconnection settings, and the URL's query.
   *  @param {Record<string, any>} [opts]
   *  @returns {RealtimeClientOptions} */
  _optionsFor(opts) {
    const o = Object.assign({}, this.opts, opts, {
      reconnection: this._reconnection,
      reconnectionAttempts: this._reconnectionAttempts,
      reconnectionDelay: this._reconnectionDelay,
      reconnectionDelayMax: this._reconnectionDelayMax,
      randomizationFactor: this._randomizationFactor,
      timeout: this._timeout,
      autoConnect: this._autoConnect,
    });
    return /** @type {RealtimeClientOptions} */ (clientOptions(o));
  }

  /** @returns {Socket[]} */
  _sockets() {
    return Object.values(this.nsps);
  }

  /** The socket the engine reports on: the first connected one, else the first. */
  _first() {
    const all = this._sockets();
    return all.find((s) => s.connected) || all[0];
  }

  /** @param {string} event
   *  @param {unknown[]} args */
  _fire(event, args) {
    this._ls.emit(event, args);
  }
}

/**
 * socket.io-client's Socket: RealtimeClient (listeners, emits, acks, rooms kept across
 * reconnects) plus what socket.io-client has beyond it. `new Socket(url, options)` makes
 * its own Manager; `new Socket(manager, nsp, options)` is socket.io-client's form.
 */
export class Socket extends RealtimeClient {
  /**
   * @param {string | Manager} url the namespace's URL, or a Manager
   * @param {Record<string, any> | string} [options] the options, or (with a Manager) the namespace
   * @param {Record<string, any>} [nspOptions] (with a Manager) the socket's options
   */
  constructor(url, options, nspOptions) {
    /** @type {Manager | null} */
    const manager = url instanceof Manager ? url : null;
    /** @type {string} */
    let href;
    /** @type {Record<string, any>} */
    let opts;
    if (manager) {
      href = manager._origin + namespace(options);
      opts = manager._optionsFor(nspOptions);
    } else {
      if (typeof url !== "string") throw new TypeError("frappe-realtime: url must be a string");
      href = url;
      opts = clientOptions(/** @type {Record<string, any> | undefined} */ (options));
    }
    super(href, opts);
    // As RealtimeClient resolves it (a relative URL against the page).
    const loc = here();
    const u = new URL(href, loc ? loc.href : undefined);
    /** The namespace. */
    this.nsp = manager ? namespace(options) : u.pathname || "/";
    // (A copy: the Manager writes socket.io-client's defaults into its options.)
    /** @type {Manager} */
    this._io = manager || new Manager(u.origin, Object.assign({}, typeof options === "object" ? options : null));
    if (!manager) this._io.nsps[this.nsp] = this;
    /** socket.io-client's `auth`: here the CONNECT payload is fixed when the socket is created. */
    this.auth = opts.auth;
    /** @type {Flags | null} */
    this._flags = null;
    /** @type {Fn[] | null} the onAnyOutgoing listeners */
    this._out = null;
    // Whether a reconnect attempt has started since the last connect (`reconnect_error`),
    // and whether `open` went out with `reconnect` already (it precedes `connect`).
    this._attempting = false;
    this._opened = false;
    // The Manager's events come from this socket's lifecycle, before its own listeners
    // see it (socket.io-client's order: the Manager's `close` before the socket's
    // `disconnect`, `open` and `reconnect` before `connect`). A hook on this client's
    // Listeners (its tap), not a listener, so that `off()` cannot remove it.
    own(this)._ls.tap = (event, args) => {
      if (LIFECYCLE[event] !== undefined) this._lifecycle(event, /** @type {any[]} */ (args));
    };
  }

  /** The Manager. */
  get io() {
    return this._io;
  }

  /** Will connect or reconnect by itself: connecting, connected or waiting to reconnect. */
  get active() {
    return ACTIVE.includes(this.state);
  }

  /** Whether the last connect restored the previous session (connection state recovery).
   *  False unless the wasm client tells (it reports recovery in its log only, today). */
  get recovered() {
    const w = own(this)._wasm;
    return !!(w && w.recovered === true);
  }

  /**
   * socket.io-client's emit: with the flags `volatile`, `timeout(ms)`, `compress(v)` set
   * just before, and the onAnyOutgoing listeners told. A volatile emit while not connected
   * is dropped (its ack, with a timeout, then gets the timeout error).
   * @param {string} event
   * @param {...any} args */
  emit(event, ...args) {
    if (this._flags === null && this._out === null) return super.emit(event, ...args);
    const f = this._flags || {};
    this._flags = null;
    checkEmit(event, args);
    const ack = typeof args[args.length - 1] === "function" ? args[args.length - 1] : null;
    if (f.volatile && !this.connected) {
      if (ack && f.timeout !== undefined) setTimeout(() => call(ack, [new Error("operation has timed out")], this), f.timeout);
      return this;
    }
    if (ack && f.timeout !== undefined) super.timeout(f.timeout).emit(event, ...args);
    else super.emit(event, ...args);
    this._notifyOutgoing(event, ack ? args.slice(0, -1) : args);
    return this;
  }

  /**
   * @param {string} event
   * @param {...any} args */
  emitWithAck(event, ...args) {
    const f = this._flags || {};
    this._flags = null;
    if (f.volatile && !this.connected) {
      checkEmit(event, args);
      // socket.io-client: a dropped volatile emit settles only by its timeout.
      return new Promise((resolve, reject) => {
        if (f.timeout !== undefined) setTimeout(() => reject(new Error("operation has timed out")), f.timeout);
      });
    }
    const p = own(this)._emitWithAck(event, args, f.timeout);
    this._notifyOutgoing(event, args);
    return p;
  }

  /** The next emit waits at most `ms` for its ack (socket.io-client's flag; returns the socket).
   *  @param {number} ms
   *  @returns {this} */
  timeout(ms) {
    (this._flags || (this._flags = {})).timeout = ms;
    return this;
  }

  /** The next emit is dropped unless the socket is connected. */
  get volatile() {
    (this._flags || (this._flags = {})).volatile = true;
    return this;
  }

  /** Kept for compatibility: the browser and the server negotiate WebSocket compression.
   *  @param {boolean} v */
  compress(v) {
    (this._flags || (this._flags = {})).compress = v;
    return this;
  }

  /** `emit("message", ...args)`.
   *  @param {...any} args */
  send(...args) {
    return this.emit("message", ...args);
  }

  /** @param {string} event
   *  @param {any[]} args */
  _notifyOutgoing(event, args) {
    if (this._out) for (const f of this._out.slice()) call(f, [event, ...args], this);
  }

  /** A listener of every server event, called as `f(event, ...args)` before the event's listeners.
   *  @param {Fn} f */
  onAny(f) {
    const ls = own(this)._ls;
    (ls.any || (ls.any = [])).push(f);
    return this;
  }

  /** @param {Fn} f */
  prependAny(f) {
    const ls = own(this)._ls;
    (ls.any || (ls.any = [])).unshift(f);
    return this;
  }

  /** Removes `f`, or every catch-all listener without one.
   *  @param {Fn} [f] */
  offAny(f) {
    const ls = own(this)._ls;
    ls.any = drop(ls.any, f);
    return this;
  }

  listenersAny() {
    return own(this)._ls.any || [];
  }

  /** A listener of every emit of the app, called as `f(event, ...args)` (no ack function)
   *  when the emit is made (socket.io-client: when it is written; an emit waiting for a
   *  connection is told here at once).
   *  @param {Fn} f */
  onAnyOutgoing(f) {
    (this._out || (this._out = [])).push(f);
    return this;
  }

  /** @param {Fn} f */
  prependAnyOutgoing(f) {
    (this._out || (this._out = [])).unshift(f);
    return this;
  }

  /** @param {Fn} [f] */
  offAnyOutgoing(f) {
    this._out = drop(this._out, f);
    return this;
  }

  listenersAnyOutgoing() {
    return this._out || [];
  }

  /** component-emitter's other names of `on` and `off` (off by arity: `()`, `(event)`, `(event, fn)`).
   *  @param {string} event
   *  @param {Fn} fn */
  addEventListener(event, fn) {
    return this.on(event, fn);
  }

  /** @param {[string?, Fn?]} a */
  removeListener(...a) {
    return this.off(...a);
  }

  /** @param {[string?, Fn?]} a */
  removeAllListeners(...a) {
    return this.off(...a);
  }

  /** @param {[string?, Fn?]} a */
  removeEventListener(...a) {
    return this.off(...a);
  }

  /** socket.io-client's `close()`: `disconnect()`; `connect()` / `open()` may follow. */
  close() {
    return this.disconnect();
  }

  /** RealtimeClient's `close()`: disconnects and releases every listener, timer and page
   *  hook; the socket cannot be used afterwards. */
  destroy() {
    super.close();
    own(this)._ls.any = this._out = null;
    if (this._io.nsps[this.nsp] === this) delete this._io.nsps[this.nsp];
  }

  [Symbol.dispose]() {
    this.destroy();
  }

  /** Feeds the Manager (and its engine) from this socket's lifecycle event `event`.
   *  @param {string} event
   *  @param {any[]} args */
  _lifecycle(event, args) {
    const m = this._io;
    const engine = m.engine;
    switch (event) {
      case "reconnect":
        this._opened = true;
        this._attempting = false;
        m._fire("open", []);
        engine._ls.emit("open", []);
        m._fire("reconnect", args);
        break;
      case "connect":
        this._attempting = false;
        if (!this._opened) {
          m._fire("open", []);
          engine._ls.emit("open", []);
        }
        this._opened = false;
        break;
      case "disconnect": {
        // The Manager closes its connection "forced close" when its socket is
        // disconnected by either side (socket.io-client's `_destroy` → `_close`); the
        // transport's own reasons pass as they are.
        const reason = args[0] === "io client disconnect" || args[0] === "io server disconnect" ? "forced close" : args[0];
        m._fire("close", [reason]);
        engine._ls.emit("close", [reason]);
        break;
      }
      case "connect_error": {
        // A refusal of the namespace (ConnectError: CONNECT_ERROR from the server) is the
        // socket's affair in socket.io-client; failures to reach the server are the Manager's.
        const err = args[0];
        if (err && err.type === "ConnectError") break;
        m._fire("error", args);
        if (this._attempting) m._fire("reconnect_error", args);
        break;
      }
      case "reconnect_attempt":
        this._attempting = true;
        m._fire("reconnect_attempt", args);
        break;
      case "reconnect_failed":
        this._attempting = false;
        m._fire("reconnect_failed", []);
        break;
      case "reconnect_scheduled":
        // `reconnection(false)` set on the Manager after this socket was created.
        if (!m._reconnection) queueMicrotask(() => this.disconnect());
        break;
      case "upgrade":
        engine._ls.emit("upgrade", [engine.transport]);
        break;
    }
  }
}

/** A namespace as given to `Manager.socket`, with its leading "/".
 *  @param {unknown} nsp */
function namespace(nsp) {
  const s = nsp ? String(nsp) : "/";
  return s[0] === "/" ? s : "/" + s;
}

/** `list` without `f` (its first occurrence), or emptied without `f`; null when empty.
 *  @param {Fn[] | null} list
 *  @param {Fn} [f]
 *  @returns {Fn[] | null} */
function drop(list, f) {
  if (!list || !f) return null;
  const i = list.indexOf(f);
  if (i >= 0) list.splice(i, 1);
  return list.length ? list : null;
}
