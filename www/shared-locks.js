// Liveness for shared mode (docs/shared.md "Liveness and takeover"), with Web Locks.
//
// A SharedWorker gets no event when a tab goes away, and a tab gets none when the worker
// or the leader dies. Every member holds a Web Lock named after its id
// ("frappe-realtime:m…") for as long as it lives; the hub requests that lock too, and the
// request is granted exactly when the member is gone (tab closed, crashed or navigated
// away). The worker holds "frappe-realtime:w…" the same way, and every member requests
// it. Without Web Locks (plain-http sites other than localhost), members say `bye` on
// pagehide instead, and a dead worker goes unnoticed.

// @ts-check

/** Web Lock name of a member ("m…") or a worker ("w…"). */
export const lockName = (/** @type {string} */ id) => "frappe-realtime:" + id;

/** A random id with a one-letter prefix.
 *  @param {string} prefix */
export function newId(prefix) {
  const b = new Uint8Array(9);
  crypto.getRandomValues(b);
  return prefix + Array.from(b, (x) => x.toString(36).padStart(2, "0")).join("");
}

/**
 * Holds the Web Lock `name` until the returned release function is called (or the
 * context dies); resolves once held. `signal` aborts a request still waiting.
 * @param {string} name
 * @param {AbortSignal} [signal]
 * @returns {Promise<() => void>}
 */
export function holdLock(name, signal) {
  return new Promise((held, failed) => {
    navigator.locks
      .request(name, signal ? { signal } : {}, () => new Promise((release) => held(/** @type {() => void} */ (release))))
      .catch(failed);
  });
}

/** Calls `gone()` once the Web Lock `name` is free, i.e. its holder went away.
 *  @param {string} name
 *  @param {AbortSignal | undefined} signal
 *  @param {() => void} gone */
export function whenGone(name, signal, gone) {
  navigator.locks.request(name, signal ? { signal } : {}, () => gone()).catch(() => {});
}

/** A Hub's `watch` (www/shared-hub.js) with Web Locks, or undefined where there are none.
 *  @param {LockManager | undefined} locks
 *  @returns {((id: string, gone: () => void, signal: AbortSignal) => void) | undefined} */
export function lockWatch(locks) {
  return locks ? (id, gone, signal) => whenGone(lockName(id), signal, gone) : undefined;
}
