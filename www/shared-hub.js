// The hub of shared mode (`shared: true`, see www/shared.js and docs/shared.md): one
// client — one Engine.IO connection — serving every member (one per
// SharedRealtimeClient, in any tab of the site).
//
// The Hub is pure: everything it touches is passed in (`env`: the function creating the
// real client, how it posts to members, how it learns that a member is gone, its
// timers), so Node drives it with fakes (tests/unit/shared-hub.test.js). Two places wire
// it: www/shared-worker.js (a module SharedWorker, one Hub per key, members on
// MessagePorts) and the leader tab of the Web Locks mode in www/shared.js (members on a
// BroadcastChannel).
//
// The hub holds no state a member does not also hold: every member keeps its own
// listened event names, subscriptions and whether it wants the connection, and sends
// all of it in its `hello`. A new hub (another leader tab, a restarted worker) is
// therefore rebuilt by the members' hellos alone; that is the whole takeover.
//
// Message protocol (structured-clone objects; `m` is the sending member's id)
//
//   member → hub
//     {t: "hello", m, key, url, options, want, events: [name…], subs: [[kind, a, b?]…]}
//                                      full state; first message, and again for every new hub
//     {t: "want", m, on}               the member wants the connection (connect()) or not (disconnect())
//     {t: "listen" | "unlisten", m, event}     a server event gets its first / loses its last local listener
//     {t: "sub" | "unsub", m, s: [kind, a, b?]} a subscription added / removed (repeats never sent)
//     {t: "emit", m, event, args, ack?, p?, timeout?}
//                                      `ack`: id for the answer; `p`: emitWithAck (promise)
//     {t: "sack", m, id, args}         the member's answer to a server event that asked for an ack
//     {t: "now", m}                    reconnect now if waiting (the tab became visible, reconnectNow())
//     {t: "debug", m, level}           log level of the shared client
//     {t: "bye", m}                    the member leaves (close(); pagehide when Web Locks are missing)
//
//   hub → member(s)   (`to`: a member id, a list of ids, or "*")
//     {t: "welcome", to, hub, status}  answer to hello; `hub` names the hub for liveness checks
//     {t: "life", to, event, args, status}
//                                      a lifecycle event of the client (a name in seam.js LIFECYCLE),
//                                      with the hub's status, to every member
//     {t: "ev", to, event, args, sack?}
//                                      a server event, only to the members listening to it; `sack`:
//                                      the server asked for an ack, answer with {t: "sack", id: sack}.
//                                      Never a reserved name (rules.js isReserved): the hub does not
//                                      listen to those, and a member drops one that comes anyway.
//     {t: "ack", to, id, args?, err?}  the answer to the member's emit `ack` id (only to that member)
//     {t: "status", to, status}        {state, id, transport, connected, buffered, debug}
//     {t: "hub-up", hub}               Web Locks mode only: a new leader is listening; say hello
//
// Errors travel as `{[ERR]: {name, message, type, data, hint}}` (structured clone keeps
// only an Error's name and message; connect_error's `type`, `data` and `hint` matter).
//
// Ref-counting: an event name is listened to on the client while at least one member
// listens; a subscription is joined (client.subscribe) once at least one member holds
// it, and its room left (client.unsubscribe: doc_unsubscribe, doc_close, …) when no
// member holds any subscription to that room (rules.js roomKey) — so doc_open presence
// counts tabs, not sockets. The client connects while at least one member wants the
// connection.

// @ts-check

import { LIFECYCLE } from "./seam.js";
import { isReserved, roomKey } from "./rules.js";

/** @typedef {import("./client.js").RealtimeClient} RealtimeClient */
/** @typedef {import("./listeners.js").Listener} Listener */
/** @typedef {[string, string, string?]} Sub a subscription: `[kind, a, b?]` */
/** @typedef {{want: boolean, events: Set<string>, subs: Map<string, Sub>}} Member what the hub keeps of a member */
/** @typedef {string | string[]} To a member id, a list of ids, or "*" */
/** @typedef {Record<string, any>} Msg a message of the protocol above (structured clone) */
/**
 * @typedef {object} HubEnv what a Hub works with (see its constructor)
 * @property {string} id
 * @property {() => RealtimeClient} makeClient
 * @property {(to: To, msg: Msg) => void} send
 * @property {(member: string, gone: () => void, signal: AbortSignal) => void} [watch]
 * @property {(member: string) => void} [onLeave]
 * @property {number} [linger]
 * @property {{setTimeout: (f: () => void, ms: number) => any, clearTimeout: (t: any) => void}} [timers]
 * @property {() => void} [onClose]
 * @property {Pick<Console, "error">} [console]
 */

/** The property marking a serialised Error. */
export const ERR = "__frappeRealtimeError";

/** Error → plain object (kept by structured clone); other values unchanged.
 *  @param {unknown} v */
export function wire(v) {
  if (!(v instanceof Error)) return v;
  /** @type {Record<string, unknown>} */
  const o = { name: v.name, message: v.message };
  for (const k of ["type", "data", "hint"]) if (/** @type {any} */ (v)[k] !== undefined) o[k] = /** @type {any} */ (v)[k];
  return { [ERR]: o };
}

/** The inverse of `wire`.
 *  @param {any} v */
export function unwire(v) {
  if (v === null || typeof v !== "object" || !v[ERR]) return v;
  const o = v[ERR];
  const e = /** @type {Error & Record<string, unknown>} */ (new Error(o.message));
  e.name = o.name;
  for (const k of ["type", "data", "hint"]) if (k in o) e[k] = o[k];
  return e;
}

const subKey = (/** @type {Sub} */ s) => s.join("\u0000");

export class Hub {
  /**
   * env, what the hub works with:
   *   - `id`: this hub's id (a worker id, or the leader member's id), sent in `welcome`;
   *   - `makeClient()`: creates the real client (a RealtimeClient with `autoConnect: false`);
   *   - `send(to, msg)`: delivers `msg` to a member id, a list of ids, or "*" (every member);
   *   - `watch(member, gone, signal)` (optional): calls `gone()` once the member's context
   *     is gone (Web Locks); `signal` aborts when the hub closes;
   *   - `onLeave(member)` (optional): the member left (its port can be forgotten);
   *   - `linger` (optional, ms) with `timers` ({setTimeout, clearTimeout}) and `onClose()`:
   *     with no member left for `linger` ms, the hub closes itself and calls `onClose`
   *     (a page reload empties a worker's hub for a moment);
   *   - `console` (optional): where failures of the client's calls are reported.
   * @param {HubEnv} env
   */
  constructor(env) {
    this.id = env.id;
    this._env = env;
    this._abort = new AbortController();
    /** @type {Map<string, Member>} */
    this.members = new Map(); // id → {want, events: Set, subs: Map<key, [kind, a, b?]>}
    /** @type {Map<string, [number, Listener]>} */
    this._events = new Map(); // event → [listening members count, forwarder]
    /** @type {Map<string, number>} */
    this._subs = new Map(); // subscription key → holders count
    /** @type {Map<string, number>} */
    this._rooms = new Map(); // room key → holders count (of every subscription to it)
    this._wanted = 0;
    /** @type {Map<number, Function>} */
    this._serverAcks = new Map(); // id → ack function of a server event
    this._nextAck = 0;
    /** @type {any} */
    this._linger = null;
    this.closed = false;
    const c = (this.client = env.makeClient());
    for (const event of LIFECYCLE) {
      c.on(event, (...args) => {
        if (event === "disconnect") this._serverAcks.clear();
        this._send("*", { t: "life", to: "*", event, args: args.map(wire), status: this.status() });
      });
    }
  }

  /** @param {To} to
   *  @param {Msg} msg */
  _send(to, msg) {
    this._env.send(to, msg);
  }

  /** What members show as `state`, `id`, `connected`, … */
  status() {
    const c = this.client;
    return { state: c.state, id: c.id, transport: c.transport, connected: c.connected, buffered: c.buffered, debug: c.debug };
  }

  /** Handles one message from a member.
   *  @param {Msg} msg */
  receive(msg) {
    if (this.closed || !msg || typeof msg !== "object") return;
    const m = msg.m;
    if (msg.t === "hello") return this._hello(msg);
    const mem = this.members.get(m);
    if (!mem) return; // not (yet) known: its hello carries everything
    const c = this.client;
    switch (msg.t) {
      case "want":
        this._want(mem, !!msg.on);
        break;
      case "listen":
        this._listen(mem, msg.event, true);
        break;
      case "unlisten":
        this._listen(mem, msg.event, false);
        break;
      case "sub":
        this._sub(mem, msg.s, true);
        break;
      case "unsub":
        this._sub(mem, msg.s, false);
        break;
      case "emit":
        this._emit(m, msg);
        break;
      case "sack": {
        const f = this._serverAcks.get(msg.id);
        this._serverAcks.delete(msg.id);
        if (f) f(...(msg.args || []));
        break;
      }
      case "now":
        if (c.state === "reconnecting" || c.state === "failed") c.reconnectNow();
        break;
      case "debug":
        c.debug = msg.level;
        this._send("*", { t: "status", to: "*", status: this.status() });
        break;
      case "bye":
        this.detach(m);
        break;
    }
  }

  /** @param {Msg} msg */
  _hello(msg) {
    const id = msg.m;
    let mem = this.members.get(id);
    if (!mem) {
      mem = { want: false, events: new Set(), subs: new Map() };
      this.members.set(id, mem);
      if (this._linger !== null) {
        /** @type {NonNullable<HubEnv["timers"]>} */ (this._env.timers).clearTimeout(this._linger);
        this._linger = null;
      }
      if (this._env.watch) this._env.watch(id, () => this.detach(id), this._abort.signal);
    }
    // A repeated hello (a new hub announced itself twice, a retry) replaces the
    // member's state by difference, so rooms it keeps are never left in between.
    const events = new Set(msg.events || []);
    for (const e of mem.events) if (!events.has(e)) this._listen(mem, e, false);
    for (const e of events) this._listen(mem, e, true);
    const subs = new Map((msg.subs || []).filter(Array.isArray).map((/** @type {Sub} */ s) => [subKey(s), s]));
    for (const [k, s] of mem.subs) if (!subs.has(k)) this._sub(mem, s, false);
    for (const s of subs.values()) this._sub(mem, s, true);
    this._want(mem, !!msg.want);
    this._send(id, { t: "welcome", to: id, hub: this.id, status: this.status() });
  }

  /** Removes a member: its listeners, subscriptions and demand go with it.
   *  @param {string} id */
  detach(id) {
    const mem = this.members.get(id);
    if (!mem || this.closed) return;
    for (const e of [...mem.events]) this._listen(mem, e, false);
    for (const s of [...mem.subs.values()]) this._sub(mem, s, false);
    this._want(mem, false);
    this.members.delete(id);
    if (this._env.onLeave) this._env.onLeave(id);
    const { linger, timers } = this._env;
    if (this.members.size === 0 && linger !== undefined && this._linger === null) {
      this._linger = /** @type {NonNullable<HubEnv["timers"]>} */ (timers).setTimeout(() => {
        this._linger = null;
        if (this.members.size > 0) return;
        this.close();
        if (this._env.onClose) this._env.onClose();
      }, linger);
    }
  }

  /** @param {Member} mem
   *  @param {boolean} on */
  _want(mem, on) {
    if (mem.want === on) return;
    mem.want = on;
    this._wanted += on ? 1 : -1;
    if (on && this._wanted === 1) this.client.connect();
    else if (!on && this._wanted === 0) this.client.disconnect();
  }

  /** @param {Member} mem
   *  @param {unknown} event
   *  @param {boolean} on */
  _listen(mem, event, on) {
    if (typeof event !== "string" || isReserved(event) || mem.events.has(event) === on) return;
    if (on) mem.events.add(event);
    else mem.events.delete(event);
    let e = this._events.get(event);
    if (on) {
      if (!e) {
        /** @type {Listener} */
        const fwd = (...args) => this._forward(event, args);
        this._events.set(event, (e = [0, fwd]));
        this.client.on(event, fwd);
      }
      e[0]++;
    } else if (e && --e[0] === 0) {
      this._events.delete(event);
      this.client.off(event, e[1]);
    }
  }

  /** @param {Member} mem
   *  @param {Sub} s
   *  @param {boolean} on */
  _sub(mem, s, on) {
    if (!Array.isArray(s)) return;
    const k = subKey(s);
    if (mem.subs.has(k) === on) return;
    if (on) mem.subs.set(k, s);
    else mem.subs.delete(k);
    const n = count(this._subs, k, on);
    const room = count(this._rooms, roomKey(s), on);
    try {
      // (Kind and names as the member checked them, www/rules.js `room`.)
      if (on && n === 1) this.client.subscribe(/** @type {any} */ (s[0]), s[1], /** @type {string} */ (s[2]));
      // The client leaves the room (and forgets every subscription to it).
      else if (!on && room === 0) this.client.unsubscribe(/** @type {any} */ (s[0]), s[1], /** @type {string} */ (s[2]));
    } catch (e) {
      (this._env.console || console).error("frappe-realtime:", e);
    }
  }

  /** A server event: to the members listening to it, in one message.
   *  @param {string} event
   *  @param {unknown[]} args */
  _forward(event, args) {
    /** @type {string[]} */
    const to = [];
    for (const [id, mem] of this.members) if (mem.events.has(event)) to.push(id);
    if (to.length === 0) return;
    /** @type {Msg} */
    const msg = { t: "ev", to, event, args };
    if (typeof args[args.length - 1] === "function") {
      const id = ++this._nextAck;
      this._serverAcks.set(id, /** @type {Function} */ (args[args.length - 1]));
      msg.args = args.slice(0, -1);
      msg.sack = id;
    }
    this._send(to, msg);
  }

  /** @param {string} m
   *  @param {Msg} msg */
  _emit(m, { event, args, ack, p, timeout }) {
    const c = this.client;
    const reply = (/** @type {Msg} */ o) => this._send(m, Object.assign({ t: "ack", to: m, id: ack }, o));
    const before = c.buffered;
    try {
      const target = timeout === undefined ? c : c.timeout(timeout);
      if (ack === undefined) target.emit(event, ...args);
      else if (p) target.emitWithAck(event, ...args).then((v) => reply({ args: [v] }), (e) => reply({ err: wire(e) }));
      else target.emit(event, ...args, (/** @type {unknown[]} */ ...res) => reply({ args: res.map(wire) }));
    } catch (e) {
      // The member checked the same rules (www/rules.js); this is only a safety net.
      if (ack !== undefined) reply({ err: wire(e) });
    }
    if (c.buffered !== before) this._send("*", { t: "status", to: "*", status: this.status() });
  }

  /** Stops the client and forgets every member. */
  close() {
    if (this.closed) return;
    this.closed = true;
    if (this._linger !== null) /** @type {NonNullable<HubEnv["timers"]>} */ (this._env.timers).clearTimeout(this._linger);
    this._linger = null;
    this._abort.abort();
    this.client.close();
    this.members.clear();
  }
}

/** Adds (`up`) or removes one holder of `key` in `map`; returns how many remain.
 *  @param {Map<string, number>} map
 *  @param {string} key
 *  @param {boolean} up */
function count(map, key, up) {
  const n = (map.get(key) || 0) + (up ? 1 : -1);
  if (n > 0) map.set(key, n);
  else map.delete(key);
  return n;
}
