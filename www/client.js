// RealtimeClient: the public JS class over the wasm WasmClient.
//
// It adds what a wasm export cannot have (rest parameters, Symbol.dispose) and
// makes the client usable synchronously: its listeners (www/listeners.js) live here
// from the start, and the other calls made before the wasm module is ready are
// queued and replayed in order, so `new RealtimeClient(url)` followed by `on(...)` /
// `emit(...)` works from a plain <script> as from an ESM import.
// Everything else happens in Rust (src/browser, src/protocol).

// @ts-check

import init, { WasmClient, preopen, generation, endFirst, onCrash, detachAll, urlParts } from "../pkg/frappe_realtime.js";
import { ListenerMethods, Listeners } from "./listeners.js";
import { ROOM_EVENTS, checkEmit, roomEmit, subscriptionArgs } from "./rules.js";
import { readOptions } from "./options.js";

/** @typedef {import("./client.js").RealtimeClientOptions} RealtimeClientOptions */
/** @typedef {import("./client.js").WasmSource} WasmSource */
/** @typedef {import("./client.js").TransportName} TransportName */
/** @typedef {import("./client.js").ClientState} ClientState */
/** @typedef {import("./client.js").LogLevel} LogLevel */
/** @typedef {WasmClient | import("./shared.js").SharedWasmClient} Inner the client calls go to */
/** @typedef {((w: Inner) => void) & {cancel?: (err?: unknown) => void}} Call a call queued until `Inner` exists */

/** @type {WasmSource | undefined} */
let wasmSource;
/** @type {Promise<unknown> | undefined} */
let ready;
let loaded = false;

/** Where the wasm module comes from (bytes, a URL or a Response); call before the first client.
 *  @param {WasmSource} source */
export function setWasmSource(source) {
  wasmSource = source;
}

/** Resolves once the wasm module is instantiated. */
export function whenReady() {
  if (!ready) {
    ready = init(wasmSource === undefined ? undefined : { module_or_path: wasmSource }).then((out) => {
      loaded = true;
      return out;
    });
  }
  return ready;
}

// ------------------------------------------------------------ recovery from a trap
//
// A trap inside the wasm (out of memory, a bug), or a JS exception that unwinds through
// it, leaves the module instance in an unknown state: a RefCell still borrowed, the
// allocator half-way through an update. Nothing more may run on it. Every client of the
// page shares that instance, so all of them move on together (`crash`):
//
//   1. at once, from JS alone: every hub is detached (transports closed, timer and page
//      listeners removed; src/browser/glue.js `detachAll`) and every RealtimeClient lets
//      go of its WasmClient, so its calls queue as they do before the module is ready;
//   2. on a later task, when no frame of the old instance can be on the stack (`renew`):
//      a fresh instance of the same compiled module (scripts/glue-generations.js), the old
//      one retired (its memory becomes garbage), and for each client: `disconnect`
//      ("transport error") if it was connected, one `error` (an Error named
//      InternalError, the trap as its `cause`), acks still pending rejected with it, then
//      a new WasmClient with the same URL, options and listeners, its subscriptions (as
//      many holds of each), debug level and connection intent (`connect()` /
//      `disconnect()`) as they were, and the queued calls.
//
// The call that trapped is not repeated (it may be what traps). Emits waiting in the old
// instance's offline buffer are lost with it. Traps in a row are spaced (`renewDelay`), so
// a bug that traps on every connection cannot spin.

/** The glue copy whose instance the clients use: `WasmClient` and how to retire it. */
let gen = { WasmClient, end: endFirst };
/** Every RealtimeClient running on the current instance.
 *  @type {Set<RealtimeClient>} */
const clients = new Set();
/** When the last traps happened (performance.now()), within the last minute.
 *  @type {number[]} */
let traps = [];
let renewing = false;

/** Milliseconds before the next fresh instance: 0 for a first trap, then 1 s doubling to
 *  30 s while traps come within a minute of each other. */
function renewDelay() {
  const t = performance.now();
  traps = traps.filter((x) => t - x < 60000);
  traps.push(t);
  return traps.length < 2 ? 0 : Math.min(30000, 1000 * 2 ** (traps.length - 2));
}

/** A trap (or an exception that unwound through the wasm): see above.
 *  @param {unknown} e */
function crash(e) {
  if (renewing) return;
  renewing = true;
  console.error("frappe-realtime: internal error; the client restarts:", e);
  detachAll();
  for (const c of clients) c._wasm = null;
  const err = /** @type {Error & {cause?: unknown}} */ (new Error("frappe-realtime: internal error (" + String(e) + "); the client restarted with its options, subscriptions and listeners"));
  err.name = "InternalError";
  err.cause = e;
  setTimeout(() => renew(err), renewDelay());
}
onCrash(crash);

/** @param {Error} err */
function renew(err) {
  let next;
  try {
    next = generation();
  } catch (e) {
    // No memory for a fresh instance yet: try again later.
    setTimeout(() => renew(err), renewDelay());
    return;
  }
  gen.end();
  gen = next;
  renewing = false;
  // A client that traps again stops the round: the next one takes every client left.
  for (const c of [...clients]) if (!renewing) c._restart(err);
}

const UNREACHED = "the realtime server is down or restarting, socketio_port or the path is wrong, or a proxy refused it";
/** Hints for the connect_error messages of Frappe's realtime server (contract §3) and the client's own. */
const HINTS = [
  ["Invalid origin", "the page's host name differs from the realtime server's Host: open the site by the realtime URL's host name, or pass Host / Origin through the proxy"],
  ["Invalid namespace", "the namespace must be the site name (frappe.boot.sitename); behind a proxy, set X-Frappe-Site-Name"],
  ["No cookie transmitted.", "no sid cookie reached the realtime server: log in; on another port or host keep withCredentials: true and check third-party (SameSite) cookie blocking"],
  ["Missing cookie and authorization header", "no sid cookie or Authorization header reached the realtime server: log in, or pass extraHeaders {Authorization: 'token key:secret'} with transports ['polling']"],
  ["No authentication method used", "the request carried cookies but no sid cookie: log in on this site"],
  ["Unauthorized", "the realtime server could not check the session with the web server (down, restarting or overloaded); retried until it can, at a growing delay"],
  // The client's own (socket.io-client's words), retried.
  ["websocket error", UNREACHED],
  ["xhr poll error", UNREACHED],
  ["timeout", "no answer in time: the realtime server, its web server or a proxy is overloaded, or the link is silent"],
];

/** @param {any} err */
function withHint(err) {
  if (err && typeof err.message === "string" && err.hint === undefined) {
    const h = HINTS.find(([m]) => err.message.startsWith(m));
    if (h) err.hint = h[1];
  }
  return err;
}

export class RealtimeClient extends ListenerMethods {
  /**
   * @param {string} url `https://host[:port]/<site>`; the path is the namespace.
   * @param {RealtimeClientOptions} [options] socket.io-client's option names, plus bufferMaxCount,
   *   bufferMaxAge, bufferOverflow, debug, ackTimeout.
   */
  constructor(url, options) {
    if (typeof url !== "string") throw new TypeError("frappe-realtime: url must be a string");
    // A bad URL or bad options throw here, whether the wasm module is there yet or not.
    const parts = urlParts(url);
    const checked = readOptions(options);
    super();
    /** The server's origin and the namespace (src/browser/glue.js `urlParts`). */
    this._parts = parts;
    this._options = options;
    /** What the core reads of the options (www/options.js). */
    this._checked = checked;
    // The application listeners live here from the start (listed and removable before
    // the module is ready); the client, in wasm or shared, calls them.
    this._ls = new Listeners();
    this._ls.self = this;
    /** @type {Inner | null} */
    this._wasm = null;
    /** @type {Call[]} */
    this._queue = [];
    this._closed = false;
    // What a fresh instance needs after a trap (see `crash`): the subscriptions with
    // their holds, whether the application wants the connection, the debug level, and
    // the rejections of the acks still pending.
    /** @type {Map<string, [string, string, string | undefined, number]>} */
    this._subs = new Map();
    /** `autoConnect` (default true): the client connects once created. */
    this._auto = !(options && options.autoConnect === false);
    this._want = this._auto;
    /** @type {string | undefined} */
    this._debug = undefined;
    /** @type {Set<(err: Error) => void>} */
    this._pending = new Set();
    const own = () => whenReady().then(() => this._boot(() => this._create()));
    if (options && options.shared) {
      // Shared mode (docs/shared.md) is its own module, loaded only when asked for: the
      // connection lives in a SharedWorker or a leader tab, not in this page's wasm.
      // Where the module cannot load (the script-tag build has no shared mode), the tab
      // connects by itself.
      // A tab that ends up running the connection (a leader) uses this module's
      // RealtimeClient rather than loading its own copy.
      this._ready = import("./shared.js").then(
        (m) => this._boot(() => (this._wasm = new m.SharedWasmClient(url, options, { listeners: this._ls, RealtimeClient }))),
        (e) => {
          console.warn("frappe-realtime: shared mode is not available here, this tab connects by itself:", e);
          return own();
        },
      );
    } else if (loaded) {
      // The module is there: construct now.
      this._create();
      this._ready = Promise.resolve();
    } else {
      // Its first WebSocket opens now, while the module loads (glue.js preopen).
      this._early = preopen(parts[0], options);
      this._ready = own();
    }
    // No module or no client: queued acks fail with the reason instead of waiting forever.
    this._ready.catch((e) => this._cancelQueue(e));
  }

  /** Creates the client with `make` once its module is there, then replays the queued calls.
   *  @param {() => void} make */
  _boot(make) {
    if (this._closed) return;
    try {
      make();
    } catch (e) {
      console.error("frappe-realtime: cannot create the client:", e);
      throw e;
    } finally {
      this._dropEarly();
    }
    this._replay(this._queue.splice(0));
  }

  /** Runs calls queued while there was no WasmClient; one that fails (a call made
   *  before the module loaded, or before a fresh instance) does not stop the others.
   *  @param {Call[]} calls */
  _replay(calls) {
    for (const call of calls) {
      try {
        this._w(call);
      } catch (e) {
        console.error("frappe-realtime:", e);
      }
    }
  }

  /** @param {unknown} [err] */
  _cancelQueue(err) {
    this._dropEarly();
    for (const call of this._queue.splice(0)) if (call.cancel) call.cancel(err);
  }

  /** Closes the early WebSocket unless the client adopted it (or there was none). */
  _dropEarly() {
    if (this._early) this._early = this._early();
  }

  _create() {
    clients.add(this);
    try {
      this._wasm = this._newWasm();
      // autoConnect: it connects first; `_boot` then replays the calls made before the
      // module was there.
      if (this._auto) this._wasm.connect();
    } catch (e) {
      // A trap: the fresh instance creates it (`_restart`); anything else: thrown.
      if (e instanceof WebAssembly.RuntimeError) return crash(e);
      clients.delete(this);
      throw e;
    }
  }

  /** A WasmClient of the current instance for this client's URL, options and
   *  listeners, not connected yet. */
  _newWasm() {
    const w = new gen.WasmClient(this._parts[0], this._parts[1], this._checked, this._ls);
    // Hints are added before any listener sees the error; a hook, not a
    // listener, so off() cannot remove it.
    w.setErrorHook(withHint);
    return w;
  }

  /** Starts again on a fresh instance after a trap (see `crash`).
   *  @param {Error} err */
  _restart(err) {
    if (this._ls.up) {
      this._ls.up = false;
      this._ls.emit("disconnect", ["transport error"]);
    }
    this._ls.emit("error", [err]);
    for (const reject of [...this._pending]) reject(err);
    const queued = this._queue.splice(0);
    let w;
    try {
      // The subscriptions go in before it connects.
      w = this._newWasm();
      if (this._debug !== undefined) w.debug = this._debug;
      for (const [kind, a, b, n] of this._subs.values()) for (let i = 0; i < n; i++) w.subscribe(kind, a, b);
      if (this._want) w.connect();
    } catch (e) {
      crash(e);
    }
    if (renewing) {
      // It trapped again: the next instance replays the calls.
      this._queue.unshift(...queued);
      return;
    }
    this._wasm = /** @type {WasmClient} */ (w);
    this._replay(queued);
  }

  /** @param {(w: Inner) => void} fn */
  _call(fn) {
    if (this._closed) return;
    if (this._wasm) this._w(fn);
    else this._queue.push(fn);
  }

  /** `f` on the client's WasmClient: its result, or `fallback` without one or when the
   *  wasm traps (the trap goes to `crash`).
   *  @template T
   *  @param {(w: Inner) => T} f
   *  @param {T} [fallback]
   *  @returns {T} */
  _w(f, fallback) {
    const w = this._wasm;
    try {
      if (w) return f(w);
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError)) throw e;
      crash(e);
    }
    return /** @type {T} */ (fallback);
  }

  /** `p`, also rejected by a trap (see `crash`) while it is pending.
   *  @param {Promise<any> | undefined} p
   *  @returns {Promise<any>} */
  _track(p) {
    const pending = this._pending;
    return new Promise((resolve, reject) => {
      pending.add(reject);
      // undefined: the call trapped (`_restart` rejects it).
      if (p) p.then(resolve, reject).finally(() => pending.delete(reject));
    });
  }

  /** Resolves once the wasm module is loaded and the client exists. */
  get ready() {
    return this._ready;
  }

  /** Emits; a function as the last argument receives the ack. Throws TypeError before sending on bad input.
   *  A Frappe room event with exactly the server's arguments (`emit("doc_subscribe",
   *  doctype, name)`, rules.js `roomEmit`) becomes `subscribe` / `unsubscribe`: the same
   *  frame, but kept by the core and sent again after every reconnect, and never dropped
   *  by the offline buffer.
   *  @param {string} event
   *  @param {...any} args */
  emit(event, ...args) {
    // One lookup for every other event.
    if (ROOM_EVENTS[event] !== undefined) {
      const r = roomEmit(event, args);
      if (r) return this._rawRoom(r[0], r[1], r[2], r[3]);
    }
    return this._emit(event, args);
  }

  /** A room joined or left by a raw emit. Socket.IO's server keeps a socket's rooms as a
   *  set (a second join does nothing, one leave leaves), and apps rely on it (they
   *  subscribe again at every `connect` or `reconnect`): the raw emits hold each room
   *  once, as one of the client's counted subscribers (src/protocol/rooms.rs), beside
   *  `subscribe()` and frappe.realtime's holders.
   *  @param {string} kind
   *  @param {boolean} join
   *  @param {string} a
   *  @param {string} [b] */
  _rawRoom(kind, join, a, b) {
    const raw = this._raw || (this._raw = new Set());
    const k = kind + "\0" + a + "\0" + b;
    if (join ? raw.has(k) : !raw.delete(k)) return this;
    if (!join) {
      // task_unsubscribe leaves the room progress_subscribe joined too.
      raw.delete("progress\0" + a + "\0" + b);
      return this.unsubscribe(kind, a, b);
    }
    raw.add(k);
    return this.subscribe(kind, a, b);
  }

  /** `emit` as it is: no room recognised.
   *  @param {string} event
   *  @param {any[]} args */
  _emit(event, args) {
    if (this._wasm) {
      this._w((w) => w.emit(event, args, undefined));
    } else {
      checkEmit(event, args);
      this._call((w) => w.emit(event, args, undefined));
    }
    return this;
  }

  /** Promise of the ack's first argument; rejects on timeout / disconnect.
   *  @param {string} event
   *  @param {...any} args */
  emitWithAck(event, ...args) {
    return this._emitWithAck(event, args, undefined);
  }

  /** @param {string} event
   *  @param {any[]} args
   *  @param {number | undefined} timeout
   *  @returns {Promise<any>} */
  _emitWithAck(event, args, timeout) {
    // A trap leaves the promise pending until `_restart` rejects it.
    if (this._wasm) return this._track(this._w((w) => w.emitWithAck(event, args, timeout)));
    checkEmit(event, args);
    // Queued with the other calls, so that it keeps its place among them; a close()
    // before the module is ready rejects it.
    return this._track(new Promise((resolve, reject) => {
      if (this._closed) return reject(new Error("frappe-realtime: the client is closed"));
      /** @type {Call} */
      const call = (w) => w.emitWithAck(event, args, timeout).then(resolve, reject);
      call.cancel = (err) => reject(err || new Error("frappe-realtime: the client was closed before it was ready"));
      this._queue.push(call);
    }));
  }

  /** socket.io-client's `timeout(ms).emit(...)` / `.emitWithAck(...)`.
   *  @param {number} ms */
  timeout(ms) {
    return {
      emit: (/** @type {string} */ event, /** @type {any[]} */ ...args) => {
        if (this._wasm) this._w((w) => w.emit(event, args, ms));
        else {
          checkEmit(event, args);
          this._call((w) => w.emit(event, args, ms));
        }
        return this;
      },
      emitWithAck: (/** @type {string} */ event, /** @type {any[]} */ ...args) => this._emitWithAck(event, args, ms),
    };
  }

  /** Frappe room subscription kept across reconnects: doctype | doc | doc_open | task | progress.
   *  @param {string} kind
   *  @param {string} first
   *  @param {string} [second] */
  subscribe(kind, first, second) {
    const [a, b] = subscriptionArgs(first, second);
    this._call((w) => {
      w.subscribe(String(kind), a, b);
      this._hold(String(kind), a, b, 1);
    });
    return this;
  }

  /** @param {string} kind
   *  @param {string} first
   *  @param {string} [second] */
  unsubscribe(kind, first, second) {
    const [a, b] = subscriptionArgs(first, second);
    this._call((w) => {
      w.unsubscribe(String(kind), a, b);
      this._hold(String(kind), a, b, -1);
    });
    return this;
  }

  /** Counts a hold of a subscription, as the core does (src/protocol/rooms.rs), for a
   *  fresh instance after a trap; counted as the call reaches a WasmClient, so that a
   *  call still queued at a trap is replayed once, not counted and replayed.
   *  @param {string} kind
   *  @param {string} a
   *  @param {string | undefined} b
   *  @param {number} d */
  _hold(kind, a, b, d) {
    const k = kind + "\0" + a + "\0" + b;
    const e = this._subs.get(k);
    const n = (e ? e[3] : 0) + d;
    if (n > 0) this._subs.set(k, [kind, a, b, n]);
    else this._subs.delete(k);
  }

  connect() {
    this._want = true;
    this._call((w) => w.connect());
    return this;
  }

  open() {
    return this.connect();
  }

  disconnect() {
    this._want = false;
    this._call((w) => w.disconnect());
    return this;
  }

  /** Disconnects and releases every listener, timer and page hook. */
  close() {
    if (this._closed) return;
    // Between a trap and the fresh instance, the acks pending are only here.
    const broken = !this._wasm && clients.has(this);
    clients.delete(this);
    this._w((w) => {
      w.close();
      w.free();
    });
    this._wasm = null;
    this._cancelQueue();
    if (broken) for (const reject of [...this._pending]) reject(new Error("frappe-realtime: the client is closed"));
    this._ls.off(0);
    this._closed = true;
  }

  [Symbol.dispose]() {
    this.close();
  }

  reconnectNow() {
    this._call((w) => w.reconnectNow());
  }

  get connected() {
    return this._w((w) => w.connected, false);
  }

  get disconnected() {
    return !this.connected;
  }

  get id() {
    return this._w((w) => w.id);
  }

  /** "polling" | "websocket" | undefined */
  get transport() {
    return /** @type {TransportName | undefined} */ (this._w((w) => w.transport));
  }

  /** "idle" | "connecting" | "connected" | "reconnecting" | "failed" | "closed" */
  get state() {
    if (this._closed) return "closed";
    if (this._wasm) return /** @type {ClientState} */ (this._w((w) => w.state, "reconnecting"));
    if (clients.has(this)) return "reconnecting"; // between a trap and the fresh instance
    return this._auto ? "connecting" : "idle";
  }

  /** Shared mode's view of this tab (`{role, hub}`, docs/shared.md); undefined otherwise. */
  get shared() {
    return this._wasm ? /** @type {{shared?: unknown}} */ (this._wasm).shared : undefined;
  }

  get buffered() {
    return this._w((w) => w.buffered, 0);
  }

  get debug() {
    return /** @type {LogLevel} */ (this._w((w) => w.debug) || this._debug || (this._options && this._options.debug) || "warn");
  }

  /** @param {LogLevel} level */
  set debug(level) {
    const name = String(level);
    // Checked as the option is (www/options.js): a TypeError now, module or not.
    readOptions({ debug: name });
    this._call((w) => {
      w.debug = name;
      this._debug = name;
    });
  }

  /** [listeners, transports, timer armed (0/1), page listeners, wasm memory bytes]: for leak checks. */
  resources() {
    return /** @type {[number, number, number, number, number]} */ (this._w((w) => Array.from(w.resources()), [this._ls.n, 0, 0, 0, 0]));
  }
}

/** `io(url, options)`-style shorthand.
 *  @param {string} url
 *  @param {RealtimeClientOptions} [options] */
export function connect(url, options) {
  return new RealtimeClient(url, options);
}
