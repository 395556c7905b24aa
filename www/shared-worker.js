// The hub of shared mode (`shared: true`, see www/shared.js and docs/shared.md): one
// RealtimeClient — one Engine.IO connection — serving every tab of a site.
//
// This file is two things:
//
// 1. The module SharedWorker script. Loaded as
//    `new SharedWorker(new URL("./shared-worker.js", import.meta.url), {type: "module",
//    name: "frappe-realtime"})`, it hosts one Hub per key (the absolute URL, the options
//    and the signed-in user: tabs with different keys never share a connection), each
//    Hub with one RealtimeClient.
// 2. The module exporting `Hub`, which the leader tab of the Web Locks fallback runs
//    in the page (www/shared.js) with exactly the same code.
//
// The hub holds no state a tab does not also hold: every tab (a "member", one per
// SharedRealtimeClient instance) keeps its own listened event names, subscriptions and
// whether it wants the connection, and sends all of it in its `hello`. A new hub
// (another leader tab, a restarted worker) is therefore rebuilt by the members'
// hellos alone; that is the whole takeover.
//
// Message protocol (structured-clone objects; `m` is the sending member's id)
//
//   member → hub
//     {t: "hello", m, key, url, options, want, events: [name…], subs: [[kind, a, b]…]}
//                                      full state; first message, and again for every new hub
//     {t: "want", m, on}               the member wants the connection (connect()) or not (disconnect())
//     {t: "listen" | "unlisten", m, event}     a server event gets its first / loses its last local listener
//     {t: "sub" | "unsub", m, s: [kind, a, b]} a subscription added / removed (repeats never sent)
//     {t: "emit", m, event, args, ack?, p?, timeout?}
//                                      `ack`: id for the answer; `p`: emitWithAck (promise)
//     {t: "sack", m, id, args}         the member's answer to a server event that asked for an ack
//     {t: "now", m}                    reconnect now if waiting (the tab became visible, reconnectNow())
//     {t: "debug", m, level}           log level of the shared client
//     {t: "bye", m}                    the member leaves (close(); pagehide when Web Locks are missing)
//
//   hub → member(s)   (`to`: a member id, a list of ids, or "*")
//     {t: "welcome", to, hub, status}  answer to hello; `hub` names the hub for liveness checks
//     {t: "ev", to, event, args, status?, sack?}
//                                      a client event (with the hub's status, to every member) or a
//                                      server event (only to members listening to it); `sack`: the
//                                      server asked for an ack, answer with {t: "sack", id: sack}
//     {t: "ack", to, id, args?, err?}  the answer to the member's emit `ack` id (only to that member)
//     {t: "status", to, status}        {state, id, transport, connected, buffered, debug}
//     {t: "hub-up", hub}               Web Locks mode only: a new leader is listening; say hello
//
// Errors travel as `{[ERR]: {name, message, type, data, hint}}` (structured clone keeps
// only an Error's name and message; connect_error's `type`, `data` and `hint` matter).
//
// Ref-counting: an event name is listened to on the client while at least one member
// listens; a subscription is joined (client.subscribe) while at least one member holds
// it, and left (client.unsubscribe: doc_unsubscribe, doc_close, …) when the last one
// drops it or goes away — so doc_open presence counts tabs, not sockets. The client
// connects while at least one member wants the connection.
//
// Liveness: a SharedWorker gets no event when a tab goes away, and a tab gets none when
// the worker or the leader dies. Every member holds a Web Lock named after its id
// ("frappe-realtime:m…") for as long as it lives; the hub requests that lock too, and the
// request is granted exactly when the member is gone (tab closed, crashed or navigated
// away). The worker holds "frappe-realtime:w…" the same way, and every member requests
// it. Without Web Locks (plain-http sites other than localhost), members say `bye` on
// pagehide instead, and a dead worker goes unnoticed.

/** Events of the client itself: sent with the hub's status to every member. */
export const LIFECYCLE = [
  "connect",
  "disconnect",
  "connect_error",
  "reconnect_attempt",
  "reconnect",
  "reconnect_failed",
  "reconnect_scheduled",
  "upgrade",
  "upgradeError",
  "error",
  "dropped",
];

/** The property marking a serialised Error. */
export const ERR = "__frappeRealtimeError";

/** Web Lock name of a member ("m…") or a worker ("w…"). */
export const lockName = (id) => "frappe-realtime:" + id;

/** A random id with a one-letter prefix. */
export function newId(prefix) {
  const b = new Uint8Array(9);
  crypto.getRandomValues(b);
  return prefix + Array.from(b, (x) => x.toString(36).padStart(2, "0")).join("");
}

/** Error → plain object (kept by structured clone); other values unchanged. */
export function wire(v) {
  if (!(v instanceof Error)) return v;
  const o = { name: v.name, message: v.message };
  for (const k of ["type", "data", "hint"]) if (v[k] !== undefined) o[k] = v[k];
  return { [ERR]: o };
}

/** The inverse of `wire`. */
export function unwire(v) {
  if (v === null || typeof v !== "object" || !v[ERR]) return v;
  const o = v[ERR];
  const e = new Error(o.message);
  e.name = o.name;
  for (const k of ["type", "data", "hint"]) if (k in o) e[k] = o[k];
  return e;
}

/**
 * Holds the Web Lock `name` until the returned release function is called (or the
 * context dies); resolves once held. `signal` aborts a request still waiting.
 */
export function holdLock(name, signal) {
  return new Promise((held, failed) => {
    navigator.locks
      .request(name, signal ? { signal } : {}, () => new Promise((release) => held(release)))
      .catch(failed);
  });
}

/** Calls `gone()` once the Web Lock `name` is free, i.e. its holder went away. */
export function whenGone(name, signal, gone) {
  navigator.locks.request(name, signal ? { signal } : {}, () => gone()).catch(() => {});
}

const subKey = (s) => s.join("\u0000");

export class Hub {
  /**
   * @param {() => object} makeClient creates the RealtimeClient (with `autoConnect: false`).
   * @param {(to: string | string[], msg: object) => void} send delivers to member(s); "*" = all.
   * @param {{id: string, onEmpty?: () => void, watch?: boolean}} opts `id`: this hub's id (a
   *   worker id, or the leader member's id); `onEmpty`: no member left; `watch`: detect gone
   *   members with Web Locks.
   */
  constructor(makeClient, send, { id, onEmpty, watch = typeof navigator !== "undefined" && !!navigator.locks }) {
    this.id = id;
    this._send = send;
    this._onEmpty = onEmpty;
    this._watch = watch;
    this._abort = new AbortController();
    this.members = new Map(); // id → {want, events: Set, subs: Map<key, [kind, a, b]>}
    this._events = new Map(); // event → [listening members count, forwarder]
    this._subs = new Map(); // subscription key → holders count
    this._wanted = 0;
    this._serverAcks = new Map(); // id → ack function of a server event
    this._nextAck = 0;
    this.closed = false;
    const c = (this.client = makeClient());
    for (const event of LIFECYCLE) {
      c.on(event, (...args) => {
        if (event === "disconnect") this._serverAcks.clear();
        this._send("*", { t: "ev", to: "*", event, args: args.map(wire), status: this.status() });
      });
    }
  }

  /** What members show as `state`, `id`, `connected`, … */
  status() {
    const c = this.client;
    return { state: c.state, id: c.id, transport: c.transport, connected: c.connected, buffered: c.buffered, debug: c.debug };
  }

  /** Handles one message from a member. */
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

  _hello(msg) {
    const id = msg.m;
    let mem = this.members.get(id);
    if (!mem) {
      mem = { want: false, events: new Set(), subs: new Map() };
      this.members.set(id, mem);
      if (this._watch) whenGone(lockName(id), this._abort.signal, () => this.detach(id));
    }
    // A repeated hello (a new hub announced itself twice, a retry) replaces the
    // member's state by difference, so rooms it keeps are never left in between.
    const events = new Set(msg.events || []);
    for (const e of mem.events) if (!events.has(e)) this._listen(mem, e, false);
    for (const e of events) this._listen(mem, e, true);
    const subs = new Map((msg.subs || []).map((s) => [subKey(s), s]));
    for (const [k, s] of mem.subs) if (!subs.has(k)) this._sub(mem, s, false);
    for (const s of subs.values()) this._sub(mem, s, true);
    this._want(mem, !!msg.want);
    this._send(id, { t: "welcome", to: id, hub: this.id, status: this.status() });
  }

  /** Removes a member: its listeners, subscriptions and demand go with it. */
  detach(id) {
    const mem = this.members.get(id);
    if (!mem || this.closed) return;
    for (const e of [...mem.events]) this._listen(mem, e, false);
    for (const s of [...mem.subs.values()]) this._sub(mem, s, false);
    this._want(mem, false);
    this.members.delete(id);
    if (this.members.size === 0 && this._onEmpty) this._onEmpty();
  }

  _want(mem, on) {
    if (mem.want === on) return;
    mem.want = on;
    this._wanted += on ? 1 : -1;
    if (on && this._wanted === 1) this.client.connect();
    else if (!on && this._wanted === 0) this.client.disconnect();
  }

  _listen(mem, event, on) {
    if (typeof event !== "string" || LIFECYCLE.includes(event) || mem.events.has(event) === on) return;
    if (on) mem.events.add(event);
    else mem.events.delete(event);
    let e = this._events.get(event);
    if (on) {
      if (!e) {
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

  _sub(mem, s, on) {
    if (!Array.isArray(s)) return;
    const k = subKey(s);
    if (mem.subs.has(k) === on) return;
    if (on) mem.subs.set(k, s);
    else mem.subs.delete(k);
    const n = (this._subs.get(k) || 0) + (on ? 1 : -1);
    if (n > 0) this._subs.set(k, n);
    else this._subs.delete(k);
    try {
      if (on && n === 1) this.client.subscribe(s[0], s[1], s[2]);
      else if (!on && n === 0) this.client.unsubscribe(s[0], s[1], s[2]);
    } catch (e) {
      console.error("frappe-realtime:", e);
    }
  }

  /** A server event: to the members listening to it, in one message. */
  _forward(event, args) {
    const to = [];
    for (const [id, mem] of this.members) if (mem.events.has(event)) to.push(id);
    if (to.length === 0) return;
    const msg = { t: "ev", to, event, args };
    if (typeof args[args.length - 1] === "function") {
      const id = ++this._nextAck;
      this._serverAcks.set(id, args[args.length - 1]);
      msg.args = args.slice(0, -1);
      msg.sack = id;
    }
    this._send(to, msg);
  }

  _emit(m, { event, args, ack, p, timeout }) {
    const c = this.client;
    const reply = (o) => this._send(m, Object.assign({ t: "ack", to: m, id: ack }, o));
    const before = c.buffered;
    try {
      const target = timeout === undefined ? c : c.timeout(timeout);
      if (ack === undefined) target.emit(event, ...args);
      else if (p) target.emitWithAck(event, ...args).then((v) => reply({ args: [v] }), (e) => reply({ err: wire(e) }));
      else target.emit(event, ...args, (...res) => reply({ args: res.map(wire) }));
    } catch (e) {
      // The member checked the same rules; this is only a safety net.
      if (ack !== undefined) reply({ err: wire(e) });
    }
    if (c.buffered !== before) this._send("*", { t: "status", to: "*", status: this.status() });
  }

  /** Stops the client and forgets every member. */
  close() {
    if (this.closed) return;
    this.closed = true;
    this._abort.abort();
    this.client.close();
    this.members.clear();
  }
}

// ---------------------------------------------------------------- the SharedWorker

function startWorker() {
  const wid = newId("w");
  const hubs = new Map(); // key → Hub
  const closers = new Map(); // key → timer of a hub with no member
  // Hold the worker's lock before answering anyone: a member that asked for it
  // earlier would be told the worker is already gone.
  const held = self.navigator.locks ? holdLock(lockName(wid)).catch(() => {}) : Promise.resolve();
  const loaded = import("./client.js");

  self.onconnect = (e) => {
    const port = e.ports[0];
    let hub = null;
    port.onmessage = (ev) => {
      const msg = ev.data;
      // In order: the chain only waits once, for the lock and the module.
      Promise.all([held, loaded]).then(([, mod]) => {
        if (!hub) {
          if (!msg || msg.t !== "hello" || typeof msg.key !== "string") return;
          hub = hubFor(msg, mod);
        }
        if (msg.t === "hello") hub._ports.set(msg.m, port);
        hub.receive(msg);
      });
    };
    port.start();
  };

  function hubFor(msg, { RealtimeClient }) {
    clearTimeout(closers.get(msg.key));
    closers.delete(msg.key);
    let hub = hubs.get(msg.key);
    if (hub && !hub.closed) return hub;
    const ports = new Map(); // member id → MessagePort
    const send = (to, m) => {
      if (to === "*") for (const p of ports.values()) p.postMessage(m);
      else if (typeof to === "string") ports.get(to)?.postMessage(m);
      else for (const id of to) ports.get(id)?.postMessage(m);
    };
    const options = Object.assign({}, msg.options, { autoConnect: false });
    hub = new Hub(() => new RealtimeClient(msg.url, options), send, {
      id: wid,
      onEmpty() {
        // A page reload leaves the hub empty for a moment: keep the connection a
        // little, then close it (the browser ends the worker itself once no page
        // is attached).
        closers.set(
          msg.key,
          setTimeout(() => {
            if (hub.members.size === 0) {
              hub.close();
              hubs.delete(msg.key);
            }
          }, 2000),
        );
      },
    });
    const detach = hub.detach.bind(hub);
    hub.detach = (id) => {
      ports.delete(id);
      detach(id);
    };
    hub._ports = ports;
    hubs.set(msg.key, hub);
    return hub;
  }
}

if (typeof SharedWorkerGlobalScope === "function" && globalThis instanceof SharedWorkerGlobalScope) startWorker();
