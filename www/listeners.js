// The application listeners of one client, socket.io-client's emitter semantics: `on`,
// `once`, `off` in its three forms, `listeners`, `hasListeners`.
//
// RealtimeClient owns one from its construction, so listeners can be added, listed and
// removed before the wasm module is ready. The driver's hub (src/browser/glue.js) calls
// `emit` on it for every event; shared mode (www/shared.js) calls it for what its hub
// forwards and sets `watch` to tell the hub which events the tab listens to. Also here,
// as both use them: the public listener methods. It imports nothing: the driver's
// browser tests load it on its own.

// @ts-check

/** @typedef {(...args: any[]) => unknown} Listener an application listener */
/** @typedef {ListenerMethods & {_ls: Listeners, _closed: boolean}} Owner a class using ListenerMethods */

export class Listeners {
  constructor() {
    /** event → [{f, once}], in registration order
     *  @type {Map<string, {f: Listener, once: boolean}[]>} */
    this.m = new Map();
    /** How many listeners there are (leak checks). */
    this.n = 0;
    /** Called as `watch(event, true)` when `event` gets its first listener and
     *  `watch(event, false)` when it loses its last.
     *  @type {((event: string, on: boolean) => void) | null} */
    this.watch = null;
    /** `this` of every listener call: the client (socket.io-client calls its
     *  listeners with the socket as `this`; Frappe's Desk code relies on it).
     *  @type {unknown} */
    this.self = undefined;
    /** The catch-all listeners (`onAny`), called before the others for every
     *  server event (`event`), never for lifecycle events; null when none.
     *  @type {Listener[] | null} */
    this.any = null;
    /** Sees every event before its listeners, out of reach of `off` (the facade's
     *  own bookkeeping of connect / disconnect); null when none.
     *  @type {((event: string, args: unknown[]) => void) | null} */
    this.tap = null;
    /** Whether the last lifecycle event was `connect` rather than `disconnect` (set by
     *  the driver's hub, read by RealtimeClient after a trap). */
    this.up = false;
  }

  /** Adds `f` to `event`; `once`: removed before its first call.
   *  @param {string} event
   *  @param {Listener} f
   *  @param {boolean} once */
  add(event, f, once) {
    let list = this.m.get(event);
    if (!list) {
      this.m.set(event, (list = []));
      if (this.watch) this.watch(event, true);
    }
    list.push({ f, once });
    this.n++;
  }

  /** socket.io-client's `off`, by the number of arguments `n` it was called with (as
   *  its emitter does): `()` every listener, `(event)` every listener of the event,
   *  `(event, f)` the first registration of `f`. `(event, undefined)` — what Frappe's
   *  `frappe.realtime.off(event)` passes — removes the oldest listener added with `on`
   *  (not `once`), and `(event, x)` with any other non-function removes nothing.
   *  @param {number} n
   *  @param {string} [event]
   *  @param {unknown} [f] */
  off(n, event, f) {
    if (n === 0 || event === undefined) {
      for (const e of [...this.m.keys()]) this._drop(e);
      return;
    }
    const list = this.m.get(event);
    if (!list) return;
    if (n === 1) return this._drop(event);
    const i = list.findIndex(f === undefined ? (l) => !l.once : (l) => l.f === f);
    if (i >= 0) {
      list.splice(i, 1);
      this.n--;
      if (list.length === 0) this._drop(event);
    }
  }

  /** @param {string} event */
  _drop(event) {
    this.n -= /** @type {unknown[]} */ (this.m.get(event)).length;
    this.m.delete(event);
    if (this.watch) this.watch(event, false);
  }

  /** The listeners of `event`, in registration order.
   *  @param {string} event */
  get(event) {
    const list = this.m.get(event);
    return list ? list.map((l) => l.f) : [];
  }

  /** The events that have listeners. */
  events() {
    return [...this.m.keys()];
  }

  /** A server event: the catch-all listeners with `event` first, then `emit`.
   *  @param {string} event
   *  @param {unknown[]} args */
  event(event, args) {
    if (this.any) for (const f of this.any.slice()) call(f, [event, ...args], this.self);
    this.emit(event, args);
  }

  /** Calls the listeners of `event` with `args` (once-listeners are removed first; a
   *  listener added or removed meanwhile does not change this call).
   *  @param {string} event
   *  @param {unknown[]} args */
  emit(event, args) {
    if (this.tap) this.tap(event, args);
    const list = this.m.get(event);
    if (list === undefined) return;
    if (list.length === 1 && !list[0].once) return call(list[0].f, args, this.self);
    const snapshot = list.slice();
    const kept = list.filter((l) => !l.once);
    if (kept.length === 0) this._drop(event);
    else if (kept.length < list.length) {
      this.n -= list.length - kept.length;
      this.m.set(event, kept);
    }
    for (const l of snapshot) call(l.f, args, this.self);
  }
}

/**
 * The listener methods of a client class, over its `_ls` (a Listeners) and `_closed`:
 * RealtimeClient and SharedRealtimeClient extend it, so both behave alike. Event names
 * are strings (`String(event)`, as socket.io-client keys them); `off()` with no event
 * removes every listener, `off(null)` those of the event "null". A closed client takes
 * no new listeners.
 */
export class ListenerMethods {
  /** @template {Owner} T
   *  @param {unknown} event
   *  @param {Listener} fn
   *  @this {T}
   *  @returns {T} */
  on(event, fn) {
    return this._add(event, fn, false);
  }

  /** @template {Owner} T
   *  @param {unknown} event
   *  @param {Listener} fn
   *  @this {T}
   *  @returns {T} */
  once(event, fn) {
    return this._add(event, fn, true);
  }

  /** @template {Owner} T
   *  @param {unknown} event
   *  @param {Listener} fn
   *  @param {boolean} once
   *  @this {T}
   *  @returns {T} */
  _add(event, fn, once) {
    if (typeof fn !== "function") throw new TypeError("frappe-realtime: listener must be a function");
    if (!this._closed) this._ls.add(String(event), fn, once);
    return this;
  }

  /** socket.io-client's `off`: `()`, `(event)`, `(event, fn)`; see `Listeners.off`
   *  for `(event, undefined)`.
   *  @template {Owner} T
   *  @param {unknown} [event]
   *  @param {Listener} [fn]
   *  @this {T}
   *  @returns {T} */
  off(event, fn) {
    this._ls.off(arguments.length, event === undefined ? undefined : String(event), fn);
    return this;
  }

  /** @param {unknown} event
   *  @this {Owner} */
  hasListeners(event) {
    return this._ls.get(String(event)).length > 0;
  }

  /** The listeners of `event`, in registration order.
   *  @param {unknown} event
   *  @this {Owner} */
  listeners(event) {
    return this._ls.get(String(event));
  }
}

/** Calls `f` with `args` and `self` as `this`; a throwing listener is reported, never
 *  breaks the client.
 *  @param {Function} f
 *  @param {unknown[]} args
 *  @param {unknown} [self] */
export function call(f, args, self) {
  try {
    f.apply(self, args);
  } catch (e) {
    setTimeout(() => {
      throw e;
    });
  }
}
