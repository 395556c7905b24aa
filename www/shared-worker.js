// The module SharedWorker script of shared mode (`shared: true`, docs/shared.md): wires
// Hubs (www/shared-hub.js, the hub itself and its message protocol) to the members'
// MessagePorts. Loaded by www/shared.js as
// `new SharedWorker(new URL("./shared-worker.js", import.meta.url), {type: "module",
// name: "frappe-realtime"})`; nothing imports it.
//
// One Hub per key (the absolute URL, the options and the signed-in user: tabs with
// different keys never share a connection), each with one RealtimeClient. A port
// belongs to the hub its first `hello` names. The worker holds the Web Lock of its own
// id before answering anyone (members watch it to see the worker die, www/shared-locks.js)
// and watches each member's lock to drop it when its tab goes away.

// @ts-check

import { Hub } from "./shared-hub.js";
import { holdLock, lockName, lockWatch, newId } from "./shared-locks.js";

/** @typedef {{hub: Hub, ports: Map<string, MessagePort>}} At a hub and its members' ports */
/** @typedef {typeof import("./client.js").RealtimeClient} ClientClass */

/** How long a hub with no member keeps its connection (a page reload empties it for a moment). */
const LINGER = 2000;

function startWorker() {
  const wid = newId("w");
  /** @type {Map<string, At>} */
  const hubs = new Map(); // key → {hub, ports: Map<member id, MessagePort>}
  const locks = self.navigator.locks;
  // Hold the worker's lock before answering anyone: a member that asked for it
  // earlier would be told the worker is already gone.
  const held = locks ? holdLock(lockName(wid)).catch(() => {}) : Promise.resolve();
  // The client is loaded once, while the first port says hello.
  const loaded = import("./client.js");

  /** @type {SharedWorkerGlobalScope} */ (/** @type {unknown} */ (self)).onconnect = (e) => {
    const port = e.ports[0];
    /** @type {At | null} */
    let at = null; // the {hub, ports} of this port's first hello
    port.onmessage = (ev) => {
      const msg = ev.data;
      // In order: the chain only waits once, for the lock and the module.
      Promise.all([held, loaded]).then(([, mod]) => {
        if (!at || at.hub.closed) {
          if (!msg || msg.t !== "hello" || typeof msg.key !== "string") return;
          at = hubFor(msg, mod.RealtimeClient);
        }
        if (msg.t === "hello") /** @type {At} */ (at).ports.set(msg.m, port);
        /** @type {At} */ (at).hub.receive(msg);
      });
    };
    port.start();
  };

  /** @param {Record<string, any>} msg a `hello`
   *  @param {ClientClass} RealtimeClient
   *  @returns {At} */
  function hubFor(msg, RealtimeClient) {
    const known = hubs.get(msg.key);
    if (known && !known.hub.closed) return known;
    /** @type {Map<string, MessagePort>} */
    const ports = new Map();
    const post = (/** @type {string} */ id, /** @type {unknown} */ m) => ports.get(id)?.postMessage(m);
    const options = Object.assign({}, msg.options, { autoConnect: false });
    const hub = new Hub({
      id: wid,
      makeClient: () => new RealtimeClient(msg.url, options),
      send(to, m) {
        if (to === "*") for (const p of ports.values()) p.postMessage(m);
        else if (typeof to === "string") post(to, m);
        else for (const id of to) post(id, m);
      },
      watch: lockWatch(locks),
      onLeave: (id) => ports.delete(id),
      // The browser ends the worker itself once no page is attached.
      linger: LINGER,
      timers: { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (t) => clearTimeout(t) },
      onClose: () => hubs.delete(msg.key),
    });
    const at = { hub, ports };
    hubs.set(msg.key, at);
    return at;
  }
}

if (typeof SharedWorkerGlobalScope === "function" && globalThis instanceof SharedWorkerGlobalScope) startWorker();
