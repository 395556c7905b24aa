// Shared mode (`shared: true`): every tab of a site uses one connection. See
// docs/shared.md for when to use it and its limits; the hub and the message protocol
// are described at the top of www/shared-hub.js.
//
// SharedRealtimeClient has RealtimeClient's public surface (www/client.d.ts) but holds
// no connection and no wasm: it is a "member" of a hub (www/shared-hub.js) that does.
// It never loads www/client.js: whoever creates it passes the RealtimeClient class a hub
// in this page would run (RealtimeClient does, in shared mode), so the modules import
// each other in one direction only (client.js → shared.js → shared-hub.js).
//
//   mode "worker" (default where SharedWorker exists): the hub runs in a module
//     SharedWorker (www/shared-worker.js), one per origin and script URL; it ends when
//     the last tab of the origin goes away.
//   mode "locks" (`shared: "locks"`, or no SharedWorker: Chrome for Android before
//     SharedWorker shipped there, …): leader election with Web Locks. Every member asks
//     for the lock "frappe-realtime:<key hash>:leader"; the one holding it runs the hub
//     in its page and the others talk to it over a BroadcastChannel named after the key.
//     When the leader's page goes away its lock is released, the next member in the
//     lock's queue gets it, runs a hub and announces itself (`hub-up`); every member
//     says hello again with its whole state.
//   mode "solo" (neither SharedWorker nor Web Locks + BroadcastChannel): the member
//     runs a hub of its own — no sharing, same behaviour.
//
// What a member keeps (and replays in every hello): the event names it listens to,
// its subscriptions, whether it wants the connection. Emits made while no hub is
// known (start-up, takeover) wait in a buffer with the client's rules (www/rules.js
// EmitBuffer: bufferMaxCount, bufferMaxAge, bufferOverflow; each drop reported by
// `dropped`). Acks still pending when the hub goes away fail like on a disconnect
// ("socket has been disconnected").
//
// What a member shows: `connected`, `id`, `transport`, `state`, `buffered` are the
// shared connection's (so `id` is the same in every tab and changes at a takeover).
// A member that called disconnect() shows "idle", gets no events and no longer keeps
// the connection up; the connection closes when no member wants it. `connect` and
// `disconnect` events are per member: one on joining a hub that is connected, a
// `disconnect` ("transport close") when the hub goes away. The hub's lifecycle events
// (`life` messages) and server events (`ev`) stay apart: a server event with a
// reserved name is delivered to nobody.

// @ts-check

import { ListenerMethods, Listeners, call } from "./listeners.js";
import { LOG_LEVELS } from "./seam.js";
import { EmitBuffer, bufferOptions, checkClone, checkEmit, isReserved, room } from "./rules.js";
import { Hub, unwire } from "./shared-hub.js";
import { holdLock, lockName, lockWatch, newId, whenGone } from "./shared-locks.js";
import { readOptions } from "./options.js";

/** @typedef {import("./client.js").RealtimeClientOptions} RealtimeClientOptions */
/** @typedef {typeof import("./client.js").RealtimeClient} ClientClass */
/** @typedef {Record<string, any>} Msg a message of the protocol (www/shared-hub.js) */
/** @typedef {{now: () => number, setTimeout: (f: () => void, ms: number) => any, clearTimeout: (t: any) => void}} Clock */
/**
 * @typedef {object} Link what `own.start` gets (see the constructor)
 * @property {string} id
 * @property {string} key
 * @property {string} url
 * @property {RealtimeClientOptions} options
 * @property {(post: (msg: Msg) => void) => void} attach
 * @property {(msg: Msg) => void} receive
 * @property {() => void} lost
 */
/**
 * @typedef {object} Own what a member is given by its creator (see the constructor)
 * @property {ClientClass} RealtimeClient
 * @property {Listeners} [listeners]
 * @property {(link: Link) => void} [start]
 * @property {Clock} [clock]
 */
/** @typedef {{state: string, id?: string, transport?: string, connected: boolean, buffered: number, debug: string}} Status the hub's status */
/** @typedef {{f?: Function, p?: boolean, resolve?: (v: unknown) => void, reject?: (e: unknown) => void, timed?: boolean}} Ack a pending ack */

const hasLocks = () => typeof navigator !== "undefined" && !!navigator.locks && typeof navigator.locks.request === "function";

/** FNV-1a of a string, as 8 hex digits (lock and channel names stay short).
 *  @param {string} s */
function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** JSON with sorted object keys: equal options give equal keys.
 *  @param {any} v
 *  @returns {string} */
function canonical(v) {
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  if (v && typeof v === "object") {
    return "{" + Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
  }
  return JSON.stringify(v === undefined ? null : v);
}

/**
 * The page's session user, as Frappe's boot data gives it (`frappe.session.user`), so that
 * a tab opened after signing in as someone else never joins the old user's connection.
 * The client never reads cookies from script (docs/security.md); pages without Frappe's boot
 * data (SPAs) pass the user as `sharedKey`.
 */
function sessionUser() {
  const f = /** @type {any} */ (globalThis).frappe;
  return (f && f.session && typeof f.session.user === "string" && f.session.user) || "";
}

const ackError = (/** @type {string} */ message) => Object.assign(new Error(message), { name: "AckError" });

/** The page's clock and timers (called as functions: a browser's setTimeout needs its own `this`).
 *  @type {Clock} */
const CLOCK = { now: () => Date.now(), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (t) => clearTimeout(t) };

export class SharedRealtimeClient extends ListenerMethods {
  /**
   * @param {string} url `https://host[:port]/<site>`, as for RealtimeClient.
   * @param {RealtimeClientOptions | null} [options] RealtimeClient's options, plus `shared`: `true` / `"worker"`
   *   (SharedWorker, else Web Locks, else unshared), `"locks"` (Web Locks leader election
   *   even where SharedWorker exists); `workerUrl`: where www/shared-worker.js is served
   *   (default: next to this file); `sharedKey`: extra text in the key (tabs share only
   *   with the same URL, options, `frappe.session.user` and sharedKey).
   * @param {Own} own What the member is given by its creator:
   *   - `RealtimeClient` (required): the class a hub run in this page uses for its
   *     connection (RealtimeClient passes itself: no second copy of the client is loaded);
   *   - `listeners` (optional): the Listeners (www/listeners.js) to call, RealtimeClient's own;
   *   - `start(link)` (optional, tests): connects the member to a hub instead of the modes
   *     above. `link` has `id`, `key`, `url`, `options`, `attach(post)` (the channel to a
   *     hub: says hello), `receive(msg)` (a message from the hub) and `lost()` (the hub
   *     is gone);
   *   - `clock` (optional, tests): `{now, setTimeout, clearTimeout}` of the emit buffer.
   */
  constructor(url, options, own = /** @type {Own} */ ({})) {
    if (typeof url !== "string") throw new TypeError("frappe-realtime: url must be a string");
    if (options != null && typeof options !== "object") throw new TypeError("frappe-realtime: options must be an object");
    if (typeof own.RealtimeClient !== "function") {
      throw new TypeError("frappe-realtime: SharedRealtimeClient needs the RealtimeClient class: new SharedRealtimeClient(url, options, { RealtimeClient })");
    }
    super();
    const o = Object.assign({}, options);
    const mode = o.shared;
    const workerUrl = o.workerUrl;
    delete o.shared;
    delete o.workerUrl;
    this._url = new URL(url, typeof location !== "undefined" ? location.href : undefined).href;
    this._want = o.autoConnect !== false;
    delete o.autoConnect; // per member (want), not per connection: not part of the key
    this._options = o;
    this._key = canonical([this._url, o, sessionUser()]);
    this._id = newId("m");
    this._ls = own.listeners || new Listeners();
    if (!own.listeners) this._ls.self = this;
    // The hub forwards only the server events some member listens to.
    this._ls.watch = (event, on) => {
      if (!isReserved(event)) this._send({ t: on ? "listen" : "unlisten", m: this._id, event });
    };
    this._RealtimeClient = own.RealtimeClient;
    /** @type {Map<string, [string, string, string?]>} */
    this._subs = new Map(); // key → [kind, a, b?]
    /** @type {Map<number, Ack>} */
    this._acks = new Map(); // id → {f, p?, resolve?, reject?, timed}
    this._nextAck = 0;
    // Emits waiting for a hub, with the client's buffer rules.
    this._queue = new EmitBuffer(bufferOptions(o), own.clock || CLOCK, (msg, reason) => this._drop(msg, reason));
    /** @type {Status} */
    this._status = { state: this._want ? "connecting" : "idle", connected: false, buffered: 0, debug: o.debug || "warn" };
    this._on = false; // connected as this member shows it
    /** @type {string | null} */
    this._hub = null; // id of the hub that welcomed us
    /** @type {((msg: Msg) => void) | null} */
    this._post = null; // sends to the hub (set once a channel exists)
    /** @type {(() => void) | null} */
    this._relink = null; // after the hub is lost: finds a new one (worker mode)
    this._closed = false;
    this._abort = new AbortController();
    /** @type {((v?: unknown) => void)[]} */
    this._release = []; // functions run by close()
    /** "worker" | "leader" | "follower" | "solo" (null until decided).
     *  @type {string | null} */
    this.role = null;
    /** @type {Promise<void>} */
    this._ready = new Promise((resolve) => (this._welcomed = resolve));
    if (own.start) {
      own.start({
        id: this._id,
        key: this._key,
        url: this._url,
        options: this._options,
        attach: (post) => this._attach(post),
        receive: (msg) => this._receive(msg),
        lost: () => this._lost(),
      });
    } else this._start(mode, workerUrl).catch((e) => console.error("frappe-realtime: shared mode failed to start:", e));
  }

  // ------------------------------------------------------------ start, hub, takeover

  /** @param {RealtimeClientOptions["shared"]} mode
   *  @param {string | URL | undefined} workerUrl */
  async _start(mode, workerUrl) {
    if (hasLocks()) {
      // Our liveness lock, held before anyone is told our id.
      const release = await holdLock(lockName(this._id), this._abort.signal);
      this._release.push(release);
    } else if (typeof addEventListener === "function") {
      const bye = () => this._post && this._post({ t: "bye", m: this._id });
      addEventListener("pagehide", bye);
      this._release.push(() => removeEventListener("pagehide", bye));
    }
    if (this._closed) return;
    if (typeof document !== "undefined" && document.addEventListener) {
      const wake = () => document.visibilityState !== "hidden" && this._send({ t: "now", m: this._id });
      document.addEventListener("visibilitychange", wake);
      this._release.push(() => document.removeEventListener("visibilitychange", wake));
    }
    if (mode !== "locks" && typeof SharedWorker === "function") {
      try {
        this._worker(workerUrl || new URL("./shared-worker.js", import.meta.url));
        return;
      } catch (/** @type {any} */ e) {
        console.warn("frappe-realtime: no SharedWorker (" + ((e && e.message) || e) + "); using Web Locks");
      }
    }
    if (hasLocks() && typeof BroadcastChannel === "function") this._locks();
    else this._lead("solo");
  }

  /** Sets the channel to a hub and says hello on it.
   *  @param {(msg: Msg) => void} post */
  _attach(post) {
    this._post = post;
    this._hello();
  }

  /** Worker mode: one port to the SharedWorker; a new worker if that one dies.
   *  @param {string | URL} url */
  _worker(url) {
    const w = new SharedWorker(url, { type: "module", name: "frappe-realtime" });
    this.role = "worker";
    this._relink = () => {
      if (this._portClose) this._portClose();
      this._worker(url);
    };
    const port = w.port;
    let welcomed = false;
    w.onerror = (e) => {
      if (welcomed || this._closed) return;
      console.warn("frappe-realtime: the SharedWorker failed (" + ((e && e.message) || "load error") + "); using Web Locks");
      port.close();
      this._relink = null;
      if (this._post === post) this._post = null;
      if (hasLocks() && typeof BroadcastChannel === "function") this._locks();
      else this._lead("solo");
    };
    port.onmessage = (e) => {
      if (e.data && e.data.t === "welcome") welcomed = true;
      this._receive(e.data);
    };
    port.start();
    const post = (/** @type {Msg} */ msg) => port.postMessage(msg);
    this._portClose = () => port.close();
    this._attach(post);
  }

  /** Web Locks mode: queue for the leader lock; meanwhile talk to the leader. */
  _locks() {
    const name = "frappe-realtime:" + hash(this._key);
    const bc = new BroadcastChannel(name);
    this._bc = bc;
    this.role = "follower";
    bc.onmessage = (e) => {
      const msg = e.data;
      if (!msg || this._closed) return;
      if (msg.t === "hub-up") {
        if (msg.hub !== this._hub && msg.hub !== this._id) this._hello();
      } else if (msg.to === "hub") {
        if (this._hubObj) this._hubObj.receive(msg);
      } else if (msg.to === "*" || msg.to === this._id || (Array.isArray(msg.to) && msg.to.includes(this._id))) {
        this._receive(msg);
      }
    };
    this._release.push(() => bc.close());
    navigator.locks
      .request(name + ":leader", { signal: this._abort.signal }, () => this._lead("leader"))
      .catch(() => {});
    this._attach((/** @type {Msg} */ msg) => {
      msg.to = "hub";
      bc.postMessage(msg);
    });
  }

  /** Runs the hub here: as the elected leader (held until close) or alone.
   *  @param {string} role */
  _lead(role) {
    if (this._closed) return;
    this.role = role;
    const bc = role === "leader" ? this._bc : null;
    const self = this._id;
    this._lost(); // a previous leader's acks fail, as on a disconnect
    const options = Object.assign({}, this._options, { autoConnect: false });
    const hub = new Hub({
      id: self,
      makeClient: () => new this._RealtimeClient(this._url, options),
      send: (to, msg) => {
        const mine = to === "*" || to === self || (Array.isArray(to) && to.includes(self));
        // Others first: postMessage copies now, before our listeners may change the args.
        if (bc && to !== self) bc.postMessage(msg);
        if (mine) {
          const copy = structuredClone(msg);
          queueMicrotask(() => this._receive(copy));
        }
      },
      watch: bc ? lockWatch(navigator.locks) : undefined,
    });
    this._hubObj = hub;
    // Our own messages go straight to our hub.
    this._attach((/** @type {Msg} */ msg) => queueMicrotask(() => hub.receive(msg)));
    if (bc) bc.postMessage({ t: "hub-up", hub: self });
    // Held while we live; close() resolves it and the next member takes over.
    return new Promise((resign) => this._release.push(resign));
  }

  /** Says hello with our whole state (first contact, and to every new hub). */
  _hello() {
    if (!this._post || this._closed) return;
    this._post({
      t: "hello",
      m: this._id,
      key: this._key,
      url: this._url,
      options: this._options,
      want: this._want,
      events: this._ls.events().filter((e) => !isReserved(e)),
      subs: [...this._subs.values()],
    });
  }

  /** Sends a state change when a channel exists (a lost one is replayed by the next hello).
   *  @param {Msg} msg */
  _send(msg) {
    if (this._post && !this._closed) this._post(msg);
  }

  /** The hub is gone: fail pending acks, show the disconnect; a worker member starts a new worker. */
  _lost() {
    if (!this._hub) return;
    this._hub = null;
    for (const a of this._acks.values()) this._fail(a, ackError("socket has been disconnected"));
    this._acks.clear();
    this._status = Object.assign({}, this._status, { state: this._want ? "reconnecting" : "idle", connected: false, id: undefined, transport: undefined });
    this._show(false, "transport close");
    if (this._relink && !this._closed) this._relink();
  }

  /** @param {Msg} msg */
  _receive(msg) {
    if (!msg || this._closed) return;
    switch (msg.t) {
      case "welcome": {
        if (msg.hub !== this._hub) {
          this._lost(); // welcomed by a new hub before the old one was seen to go
          this._hub = msg.hub;
          // Watch the hub's lock: granted when the worker or the leader's page is gone.
          if (msg.hub !== this._id && hasLocks()) {
            whenGone(lockName(msg.hub), this._abort.signal, () => {
              if (this._hub === msg.hub) this._lost();
            });
          }
        }
        this._status = msg.status;
        for (const m of this._queue.take()) this._send(m);
        if (this._want && msg.status.connected) this._show(true);
        this._welcomed();
        break;
      }
      case "life": {
        // The hub's client: connect / disconnect as this member shows them, the others as they are.
        this._status = msg.status;
        const args = msg.args.map(unwire);
        if (msg.event === "connect") return this._show(this._want && this._status.connected);
        if (msg.event === "disconnect") return this._show(false, args[0]);
        if (this._want) this._dispatch(msg.event, args);
        break;
      }
      case "ev": {
        // A server event. One with a reserved name is never delivered (the hub does not
        // forward one; the core refuses them): lifecycle listeners hear only the hub's client.
        if (isReserved(msg.event)) {
          console.warn("frappe-realtime: a server event named " + JSON.stringify(msg.event) + " (a reserved name) was not delivered");
          return;
        }
        if (!this._want) return;
        const args = msg.args.map(unwire);
        if (msg.sack !== undefined) {
          let done = false;
          args.push((/** @type {unknown[]} */ ...a) => {
            if (!done) {
              done = true;
              this._send({ t: "sack", m: this._id, id: msg.sack, args: a });
            }
          });
        }
        this._ls.event(msg.event, args);
        break;
      }
      case "ack": {
        const a = this._acks.get(msg.id);
        if (!a) return;
        this._acks.delete(msg.id);
        if (msg.err) this._fail(a, unwire(msg.err));
        else if (a.p) /** @type {(v: unknown) => void} */ (a.resolve)(msg.args[0]);
        else call(/** @type {Function} */ (a.f), msg.args.map(unwire));
        break;
      }
      case "status":
        this._status = msg.status;
        break;
    }
  }

  /** This member's connect / disconnect, from its own point of view.
   *  @param {boolean} on
   *  @param {unknown} [reason] */
  _show(on, reason) {
    if (on === this._on) return;
    this._on = on;
    if (on) this._dispatch("connect", []);
    else this._dispatch("disconnect", [reason]);
  }

  /** @param {Ack} a
   *  @param {unknown} err */
  _fail(a, err) {
    if (a.p) /** @type {(e: unknown) => void} */ (a.reject)(err);
    else if (a.timed) call(/** @type {Function} */ (a.f), [err]);
  }

  // ------------------------------------------------------------ listeners
  // on, once, off, hasListeners, listeners: ListenerMethods (www/listeners.js).

  /** @param {string} event
   *  @param {unknown[]} args */
  _dispatch(event, args) {
    this._ls.emit(event, args);
  }

  // ------------------------------------------------------------ emits

  /** @param {unknown} event
   *  @param {unknown[]} args
   *  @param {number | undefined} timeout
   *  @param {boolean} promise
   *  @returns {Promise<any> | undefined} */
  _emit(event, args, timeout, promise) {
    /** @type {Function | undefined} */
    let ack;
    if (!promise && typeof args[args.length - 1] === "function") {
      ack = /** @type {Function} */ (args[args.length - 1]);
      args = args.slice(0, -1);
    }
    checkEmit(event, args);
    // The arguments cross to the hub by structured clone: no function left in them.
    checkClone(args);
    if (this._closed) return promise ? Promise.reject(ackError("socket has been disconnected")) : undefined;
    /** @type {Msg} */
    const msg = { t: "emit", m: this._id, event, args };
    if (timeout !== undefined) msg.timeout = timeout;
    let out;
    if (promise) {
      /** @type {Ack} */
      const a = { p: true };
      out = new Promise((resolve, reject) => Object.assign(a, { resolve, reject }));
      msg.ack = ++this._nextAck;
      msg.p = true;
      this._acks.set(msg.ack, a);
    } else if (ack) {
      msg.ack = ++this._nextAck;
      this._acks.set(msg.ack, { f: ack, timed: timeout !== undefined || this._options.ackTimeout !== undefined });
    }
    if (this._hub) this._send(msg);
    else this._queue.push(/** @type {{event: string}} */ (msg));
    return out;
  }

  /** An emit dropped from the buffer, as the client reports one (src/browser/driver.rs).
   *  @param {Msg} msg
   *  @param {string} reason */
  _drop(msg, reason) {
    const what = "dropped emit " + msg.event + ": " + reason;
    if (LOG_LEVELS.indexOf(this.debug) >= LOG_LEVELS.indexOf("warn")) console.warn("frappe-realtime:", what);
    const a = this._acks.get(msg.ack);
    this._acks.delete(msg.ack);
    if (a) this._fail(a, ackError(what));
    this._dispatch("dropped", [{ event: msg.event, reason }]);
  }

  /** @param {string} event
   *  @param {...any} args */
  emit(event, ...args) {
    this._emit(event, args, undefined, false);
    return this;
  }

  /** @param {string} event
   *  @param {...any} args */
  emitWithAck(event, ...args) {
    try {
      return this._emit(event, args, undefined, true);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** @param {number} ms */
  timeout(ms) {
    return {
      emit: (/** @type {string} */ event, /** @type {any[]} */ ...args) => {
        this._emit(event, args, ms, false);
        return this;
      },
      emitWithAck: (/** @type {string} */ event, /** @type {any[]} */ ...args) => {
        try {
          return this._emit(event, args, ms, true);
        } catch (e) {
          return Promise.reject(e);
        }
      },
    };
  }

  // ------------------------------------------------------------ subscriptions, connection

  /** @param {string} kind
   *  @param {string} first
   *  @param {string} [second] */
  subscribe(kind, first, second) {
    const s = room(kind, first, second);
    const k = s.join("\u0000");
    if (!this._subs.has(k)) {
      this._subs.set(k, s);
      this._send({ t: "sub", m: this._id, s });
    }
    return this;
  }

  /** @param {string} kind
   *  @param {string} first
   *  @param {string} [second] */
  unsubscribe(kind, first, second) {
    const s = room(kind, first, second);
    const k = s.join("\u0000");
    if (this._subs.delete(k)) this._send({ t: "unsub", m: this._id, s });
    return this;
  }

  connect() {
    if (this._closed) return this;
    if (!this._want) {
      this._want = true;
      this._send({ t: "want", m: this._id, on: true });
      if (this._hub && this._status.connected) queueMicrotask(() => this._show(this._want && this._status.connected));
    } else this._send({ t: "now", m: this._id });
    return this;
  }

  open() {
    return this.connect();
  }

  disconnect() {
    if (this._closed || !this._want) return this;
    this._want = false;
    this._send({ t: "want", m: this._id, on: false });
    this._show(false, "io client disconnect");
    return this;
  }

  reconnectNow() {
    this._send({ t: "now", m: this._id });
  }

  /** Leaves the hub (its rooms are left if no other member holds them); a leader hands over. */
  close() {
    if (this._closed) return;
    this._send({ t: "bye", m: this._id });
    this._show(false, "io client disconnect");
    this._closed = true;
    for (const a of this._acks.values()) this._fail(a, ackError("socket has been disconnected"));
    this._acks.clear();
    this._queue.clear();
    // "bye" has left every event: no unlisten messages.
    this._ls.watch = null;
    this._ls.off(0);
    if (this._hubObj) this._hubObj.close();
    if (this._portClose) this._portClose();
    this._abort.abort();
    for (const f of this._release.splice(0)) f();
  }

  [Symbol.dispose]() {
    this.close();
  }

  // ------------------------------------------------------------ state

  /** Resolves once a hub has welcomed this member. */
  get ready() {
    return this._ready;
  }

  get connected() {
    return this._on;
  }

  get disconnected() {
    return !this._on;
  }

  get id() {
    return this._on ? this._status.id : undefined;
  }

  get transport() {
    return this._on ? this._status.transport : undefined;
  }

  get state() {
    if (this._closed) return "closed";
    if (!this._want) return "idle";
    return this._status.state === "idle" ? "connecting" : this._status.state;
  }

  get buffered() {
    return this._queue.length + (this._status.buffered || 0);
  }

  get debug() {
    return this._status.debug || "warn";
  }

  /** @param {string} level */
  set debug(level) {
    readOptions({ debug: String(level) });
    this._status = Object.assign({}, this._status, { debug: String(level) });
    this._send({ t: "debug", m: this._id, level: String(level) });
  }

  /** [listeners, transports, timer armed, page listeners, wasm memory bytes] of this
   *  member (the connection and its module instance are the hub's). */
  resources() {
    return [this._ls.n, 0, 0, 0, 0];
  }

  /** Shared-mode details, for diagnostics: this member's id, its role, the hub's id. */
  get shared() {
    return { member: this._id, role: this.role, hub: this._hub };
  }
}

/**
 * SharedRealtimeClient with WasmClient's call shapes (arguments as one array), which is what
 * RealtimeClient drives: `new RealtimeClient(url, {shared: true})` delegates to it.
 */
export class SharedWasmClient extends SharedRealtimeClient {
  /** @param {string} event
   *  @param {unknown[]} args
   *  @param {number} [timeout] */
  // @ts-expect-error WasmClient's call shape (arguments as one array, returns nothing), what RealtimeClient drives; not SharedRealtimeClient's
  emit(event, args, timeout) {
    this._emit(event, args, timeout, false);
  }

  /** @param {string} event
   *  @param {unknown[]} args
   *  @param {number} [timeout] */
  emitWithAck(event, args, timeout) {
    return /** @type {Promise<any>} */ (this._emit(event, args, timeout, true));
  }

  /** Hints are added where the connection lives (the hub's own RealtimeClient). */
  setErrorHook() {}

  free() {}
}
