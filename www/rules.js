// The rules of emits, rooms and the offline buffer on the JS side, in one module for
// both clients: RealtimeClient (www/client.js) checks an emit here while its wasm module
// is not ready yet (afterwards the core checks it), and shared mode (www/shared.js)
// checks every emit and room here before posting it to the hub, and buffers emits here
// while no hub is known. The names come from www/seam.js, generated from the Rust core
// (src/protocol/seam.rs); the buffer follows the core's (src/protocol/client.rs
// `buffer_emit`, `expire_buffer`, `drop_buffered`; defaults in src/protocol/config.rs).
//
// Nothing here runs at import time, so a bundle keeps only what it uses.

// @ts-check

import { EMIT_RESERVED, LIFECYCLE, ROOM_KINDS } from "./seam.js";
import { at, fail, readOptions } from "./options.js";

/** @typedef {{maxCount: number, maxAge: number, overflow: string}} BufferLimits */

/** Whether `event` is a name of the client's own (a lifecycle event or a reserved name):
 *  never emitted, never delivered as a server event.
 *  @param {string} event */
export function isReserved(event) {
  return LIFECYCLE.includes(event) || EMIT_RESERVED.includes(event);
}

/**
 * Throws a TypeError unless `event` may be emitted with `args`: a non-empty string, not
 * in EMIT_RESERVED, arguments JSON can serialise (no symbol, BigInt, Blob or cycle; a
 * trailing function is the ack and is not an argument).
 * @param {unknown} event
 * @param {unknown[]} args
 */
export function checkEmit(event, args) {
  // Shipped in RealtimeClient's bundle: written out, as it compresses best.
  if (typeof event !== "string" || event === "") throw new TypeError("frappe-realtime: event name must be a non-empty string");
  if (EMIT_RESERVED.includes(event)) throw new TypeError("frappe-realtime: event name is reserved");
  if (typeof args[args.length - 1] === "function") args = args.slice(0, -1);
  try {
    JSON.stringify(args, (k, v) => {
      if (typeof v === "symbol" || v instanceof Blob) throw Error(String(v));
      return v;
    });
  } catch (/** @type {any} */ e) {
    throw new TypeError("frappe-realtime: arguments cannot be serialised: " + ((e && e.message) || e));
  }
}

/**
 * Shared mode's one more rule: the arguments cross to the hub by structured clone, so
 * no function may be in them, anywhere (the caller has taken the ack off), where
 * RealtimeClient's JSON would drop one. Run after checkEmit.
 * @param {unknown[]} args
 */
export function checkClone(args) {
  try {
    JSON.stringify(args, (k, v) => {
      if (typeof v === "function") throw Error("function");
      return v;
    });
  } catch (/** @type {any} */ e) {
    fail("arguments cannot be serialised: " + ((e && e.message) || e));
  }
}

/** A room's names as the core takes them: `[first, second]`, strings (`""` / undefined when not given).
 *  @param {unknown} first
 *  @param {unknown} [second]
 *  @returns {[string, string | undefined]} */
export function subscriptionArgs(first, second) {
  return [first == null ? "" : String(first), second == null ? undefined : String(second)];
}

/**
 * A room checked as the core checks it (src/browser/exports.rs `subscription`, same
 * messages): `[kind, first]`, or `[kind, doctype, name]` for the kinds that take two
 * names (doc, doc_open). Throws a TypeError for an unknown kind or an empty name.
 * @param {any} kind
 * @param {unknown} first
 * @param {unknown} [second]
 * @returns {[string, string, string?]}
 */
export function room(kind, first, second) {
  kind = String(kind);
  if (!ROOM_KINDS.includes(kind)) {
    fail("subscription kind must be " + ROOM_KINDS.slice(0, -1).join(", ") + " or " + ROOM_KINDS[ROOM_KINDS.length - 1]);
  }
  const [a, b] = subscriptionArgs(first, second);
  const two = kind === "doc" || kind === "doc_open";
  if (a === "" || (two && !b)) fail("subscription arguments must be non-empty strings");
  return two ? [kind, a, /** @type {string} */ (b)] : [kind, a];
}

/**
 * The server-side room a `room()` joins, as a key: two subscriptions with one key join
 * one room (task and progress both join `task_progress:<id>`, src/protocol/rooms.rs
 * `room`), and the core's unsubscribe leaves the room, forgetting both.
 * @param {ReadonlyArray<string | undefined>} s
 */
export function roomKey(s) {
  return (s[0] === "progress" ? "task" : s[0]) + "\u0000" + s.slice(1).join("\u0000");
}

/**
 * The room events an application may emit itself, as socket.io-client apps do
 * (`socket.emit("doc_subscribe", doctype, name)`): event → [subscription kind, 1 join /
 * 0 leave, number of names]. A null prototype, so that any other name costs one
 * property lookup that finds nothing (RealtimeClient.emit's fast path).
 * @type {{[event: string]: [string, number, number] | undefined}}
 */
export const ROOM_EVENTS = /** @type {any} */ ({
  __proto__: null,
  doctype_subscribe: ["doctype", 1, 1],
  doctype_unsubscribe: ["doctype", 0, 1],
  doc_subscribe: ["doc", 1, 2],
  doc_unsubscribe: ["doc", 0, 2],
  doc_open: ["doc_open", 1, 2],
  doc_close: ["doc_open", 0, 2],
  task_subscribe: ["task", 1, 1],
  task_unsubscribe: ["task", 0, 1],
  progress_subscribe: ["progress", 1, 1],
});

/**
 * A raw room emit recognised: `[kind, join, first, second?]` when `event` is one of
 * ROOM_EVENTS and `args` are exactly the names Frappe's handlers take (realtime/handlers
 * `doc_subscribe(doctype, docname)`, …): that many, each a non-empty string or a finite
 * number (a number names the same room: the server builds the room name as a template
 * string; it is sent as its string), and no ack function. Anything else (an ack, an extra
 * argument, an object, an empty name) is null: the emit goes out as it is, unkept.
 * @param {unknown} event
 * @param {readonly unknown[]} args
 * @returns {[string, boolean, string, string?] | null}
 */
export function roomEmit(event, args) {
  const r = typeof event === "string" ? ROOM_EVENTS[event] : undefined;
  if (r === undefined || args.length !== r[2]) return null;
  /** @type {string[]} */
  const names = [];
  for (const a of args) {
    if (typeof a === "number" ? !Number.isFinite(a) : typeof a !== "string" || a === "") return null;
    names.push(String(a));
  }
  return [r[0], r[1] === 1, names[0], names[1]];
}

/** The buffer's defaults, as src/protocol/config.rs has them. */
export const BUFFER_DEFAULTS = { maxCount: 100, maxAge: 60000, overflow: "drop-oldest" };

/**
 * `{maxCount, maxAge, overflow}` from a client's options (bufferMaxCount, bufferMaxAge,
 * bufferOverflow), with the defaults for what is not given; the options are checked as
 * RealtimeClient checks them (www/options.js: a TypeError naming the option).
 * @param {unknown} o
 * @returns {BufferLimits}
 */
export function bufferOptions(o) {
  const v = readOptions(o);
  const count = v[at("bufferMaxCount")];
  const age = v[at("bufferMaxAge")];
  return {
    maxCount: count === undefined ? BUFFER_DEFAULTS.maxCount : Math.trunc(/** @type {number} */ (count)),
    maxAge: age === undefined ? BUFFER_DEFAULTS.maxAge : Math.trunc(/** @type {number} */ (age)),
    overflow: /** @type {string | undefined} */ (v[at("bufferOverflow")]) || BUFFER_DEFAULTS.overflow,
  };
}

/**
 * Emits waiting for a connection, oldest first, bounded as the core's offline buffer:
 * at most `maxCount` (a full buffer drops its oldest entry for a new one, or with
 * "drop-newest" the new one; 0 keeps nothing), each for at most `maxAge` ms. Every drop
 * is reported as `dropped(item, reason)`, reason "buffer full" or "expired".
 * Items are objects with an `event` name; the buffer does not look at anything else.
 */
export class EmitBuffer {
  /**
   * @param {BufferLimits} limits from `bufferOptions`.
   * @param {{now: () => number, setTimeout: Function, clearTimeout: Function}} clock
   * @param {(item: {event: string}, reason: string) => void} dropped
   */
  constructor(limits, clock, dropped) {
    this._limits = limits;
    this._clock = clock;
    this._dropped = dropped;
    /** @type {[number, {event: string}][]} */
    this._items = []; // [at, item]
    /** @type {unknown} */
    this._timer = null;
  }

  get length() {
    return this._items.length;
  }

  /** Adds `item` (dropping one entry if the buffer is full).
   *  @param {{event: string}} item */
  push(item) {
    const { maxCount, overflow } = this._limits;
    /** @type {[number, {event: string}]} */
    const entry = [this._clock.now(), item];
    if (this._items.length >= maxCount) {
      let out = entry;
      if (overflow !== "drop-newest" && this._items.length > 0) {
        out = /** @type {[number, {event: string}]} */ (this._items.shift());
        this._items.push(entry);
      }
      this._dropped(out[1], "buffer full");
    } else this._items.push(entry);
    this._arm();
  }

  /** Empties the buffer: drops what has expired, returns the rest, oldest first. */
  take() {
    this._expire();
    this._disarm();
    return this._items.splice(0).map((e) => e[1]);
  }

  /** Empties the buffer without reporting anything (the client is closing). */
  clear() {
    this._disarm();
    this._items.length = 0;
  }

  /** Drops the entries `maxAge` old or older. */
  _expire() {
    const now = this._clock.now();
    while (this._items.length > 0 && now >= this._items[0][0] + this._limits.maxAge) {
      this._dropped(/** @type {[number, {event: string}]} */ (this._items.shift())[1], "expired");
    }
  }

  /** One timer, for the oldest entry's expiry. */
  _arm() {
    if (this._timer !== null || this._items.length === 0) return;
    const due = this._items[0][0] + this._limits.maxAge - this._clock.now();
    this._timer = this._clock.setTimeout(() => {
      this._timer = null;
      this._expire();
      this._arm();
    }, Math.max(0, due));
  }

  _disarm() {
    if (this._timer !== null) this._clock.clearTimeout(this._timer);
    this._timer = null;
  }
}
