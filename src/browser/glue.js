// JS half of the browser driver (imported by the wasm-bindgen glue; see js.rs).
//
// Everything a client touches in the page hangs off one plain object, the hub: its
// transports (WebSockets, polling channels), its one timer, its page listeners and the
// client's application listeners (a Listeners of www/listeners.js, which the client's
// RealtimeClient owns and hands to the WasmClient constructor). Every input goes to the
// driver through one function, `hub.input(kind, id, data)`, so the wasm side needs a
// single closure per client.
//
// The hot path stays here: a text frame that is a plain EVENT of the client's
// namespace (`42/site,[…]`: no ack id, no attachments), on the transport the core
// named (`hub.fast`), before the core's next deadline (`hub.due`), is parsed with
// JSON.parse on the frame itself and handed to the listeners without entering wasm.
// The core says when this is exactly what it would do (Client::plain_event_transport);
// anything else, or anything JSON.parse refuses, goes to the core.

// @ts-check

// The seam's names and numbers (input kinds, lifecycle events, reserved names, …),
// generated from src/protocol/seam.rs and checked by tests/seam.rs.
// <seam>
// Generated from src/protocol/seam.rs; `SEAM_WRITE=1 cargo test --test seam` rewrites it.
const OPEN = 0;
const TEXT = 1;
const BINARY = 2;
const CLOSED = 3;
const FAILED = 4;
const SENT = 5;
const TIMEOUT = 6;
const TRY_NOW = 7;
const CHECK = 8;
const ACK = 9;
const PAYLOAD = 10;
const FOUND = 11;
const LIFECYCLE = ["connect", "connect_error", "disconnect", "reconnect_scheduled", "reconnect_attempt", "reconnect", "reconnect_failed", "upgrade", "upgradeError", "dropped", "error"];
const EMIT_RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];
const LOG_LEVELS = ["off", "error", "warn", "info", "debug"];
const ROOM_KINDS = ["doctype", "doc", "doc_open", "task", "progress"];
const ERROR_NAMES = ["ConnectError", "TransportError", "TimeoutError", "ProtocolError", "AckError"];
const DROP_REASONS = ["buffer full", "expired", "larger than the server's maxPayload"];
const OPTION_NAMES = ["reconnection", "reconnectionAttempts", "reconnectionDelay", "reconnectionDelayMax", "randomizationFactor", "timeout", "transports", "upgrade", "tryAllTransports", "path", "query", "withCredentials", "extraHeaders", "bufferMaxCount", "bufferMaxAge", "bufferOverflow", "debug", "autoConnect", "ackTimeout", "rejectionRetries", "firstRetryDelay", "auth", "maxAttachments", "maxAttachmentBytes", "joinAcks"];
const OPTION_KINDS = "bnnnnnlbbsmbmnnssbnnnonnb";
// </seam>

/** @typedef {import("../../www/listeners.js").Listeners} Listeners */
/** @typedef {(kind: number, id: number, data?: unknown) => void} Input the driver's one input */
/** @typedef {{get: AbortController | null}} PollChannel a polling transport (its GET in flight) */
/** @typedef {[EventTarget, string, () => void]} Hook a page listener: target, event, function */
/**
 * @typedef {object} Hub A client's hub (`hubNew`).
 * @property {Input} input
 * @property {string} prefix
 * @property {number} fast
 * @property {number} due
 * @property {RequestCredentials} cred
 * @property {HeadersInit | undefined} headers
 * @property {Map<number, WebSocket | PollChannel>} t
 * @property {ReturnType<typeof setTimeout> | undefined} timer
 * @property {Hook[]} hooks
 * @property {Listeners} ls
 */

/** Names a server event may not have (seam.rs `is_reserved`). */
const RESERVED = new Set([...LIFECYCLE, ...EMIT_RESERVED]);

/** Milliseconds on the monotonic clock (window and workers). */
export const now = () => performance.now();

/**
 * `[origin, pathname]` of a client's URL (relative to the page); throws a TypeError.
 * @param {string} url
 * @returns {[string, string]}
 */
export function urlParts(url) {
  try {
    const u = new URL(url, typeof location !== "undefined" ? location.href : undefined);
    return [u.origin, u.pathname];
  } catch (_) {
    throw new TypeError("frappe-realtime: invalid URL");
  }
}

/** The value `option` classified last: a number or a string.
 *  @type {unknown} */
let last;

/** Entry `at` of the options array www/options.js checked (`readOptions`; read by
 *  src/protocol/options.rs), as a kind: 0 not given, 1 false, 2 true, 3 a number,
 *  4 a string (or JSON text); `optionValue()` then returns the number or string.
 *  @param {unknown[]} a
 *  @param {number} at */
export function option(a, at) {
  const v = (last = a[at]);
  return typeof v == "boolean" ? (v ? 2 : 1) : typeof v == "number" ? 3 : typeof v == "string" ? 4 : 0;
}

/** The number or string of the last `option` call; not kept afterwards (the last
 *  option read is `maxAttachmentBytes`). */
export function optionValue() {
  const v = last;
  last = undefined;
  return v;
}

/** A random seed for the reconnect jitter. */
export const seed = () => Math.random() * 2 ** 53;

/** Milliseconds since the epoch (the `at` of reconnect_scheduled). */
export const wall = () => Date.now();

/** A client's hub. `prefix`: the text every plain EVENT frame of its namespace starts with;
 *  `headers`: the polling requests' extra headers (JSON text); `ls`: the client's
 *  application listeners (a Listeners of www/listeners.js).
 *  @param {Input} input
 *  @param {string} prefix
 *  @param {boolean} withCredentials
 *  @param {string | undefined} headers
 *  @param {Listeners} ls
 *  @returns {Hub} */
export function hubNew(input, prefix, withCredentials, headers, ls) {
  if (headers) headers = JSON.parse(headers);
  const hub = /** @type {Hub} */ ({
    // An exception out of the driver (a trap, or a JS error that unwound through the
    // wasm) leaves the module instance in an unknown state: `crashed` takes over.
    input: (/** @type {number} */ kind, /** @type {number} */ id, /** @type {unknown} */ data) => {
      try {
        input(kind, id, data);
      } catch (e) {
        crashed(e);
      }
    },
    prefix,
    fast: -1, // transport id whose plain EVENT frames may skip the core
    due: 0, // …until this performance.now() (the core's next deadline)
    cred: withCredentials ? "include" : "same-origin",
    headers,
    t: new Map(), // transport id → WebSocket | polling channel
    timer: undefined,
    hooks: [],
    ls,
  });
  hubs.add(hub);
  return hub;
}

/** Every hub not released yet (`detachAll`). */
const hubs = new Set();

/** What happens when the driver throws (see `hubNew`): by default the exception goes on
 *  to the event loop; RealtimeClient starts a fresh module instance (www/client.js).
 *  @type {(e: unknown) => void} */
let crashed = (e) => {
  throw e;
};

/** Sets what happens when the driver throws.
 *  @param {(e: unknown) => void} f */
export function onCrash(f) {
  crashed = f;
}

/** Sets the fast path (see the top of this file); `id` -1 turns it off.
 *  @param {Hub} hub
 *  @param {number} id
 *  @param {number} due */
export function hubFast(hub, id, due) {
  hub.fast = id;
  hub.due = due;
}

// ----------------------------------------------------------------- transports

// Early WebSockets: a client constructed before the wasm module is instantiated (the
// usual case: a page imports the package and creates its client at once) would open its
// first WebSocket only once the module is fetched, compiled and started. `preopen`
// opens it at construction instead, in parallel with all that, and keeps its events.
// The core still decides: when it asks for a WebSocket to exactly that URL, `wsOpen`
// adopts the socket and replays the kept events in order; otherwise the client's
// RealtimeClient closes it unused once its own client exists.
/** @type {Map<string, {ws: WebSocket, ev: Event[]}>} */
const early = new Map(); // URL → { ws, ev: events so far }

/**
 * Opens the WebSocket the core will ask for first, if its options make that likely
 * (WebSocket first: `transports` says so, or is absent without `extraHeaders`, as in
 * `options.rs`; autoConnect; no `query`: then the URL is the origin, the path and
 * `?EIO=4&transport=websocket`, what the driver builds).
 * It runs before the module is there, so it reads those few options by name itself
 * (www/options.js has checked them); a wrong guess costs only the head start (the
 * socket is closed unused).
 * Returns a function that closes it unless it was adopted, or undefined.
 * @param {string} origin the server's, from `urlParts`
 * @param {{transports?: string[], query?: unknown, autoConnect?: boolean, path?: unknown, extraHeaders?: unknown} | null} [o]
 * @returns {(() => void) | undefined}
 */
export function preopen(origin, o) {
  o = o || {};
  const t = o.transports;
  if (o.query || o.autoConnect === false || (t ? t[0] : o.extraHeaders == null ? "websocket" : "polling") != "websocket") return;
  let path = o.path == null ? "/socket.io/" : String(o.path);
  path = (path[0] === "/" ? "" : "/") + path + (path.endsWith("/") ? "" : "/");
  const full = origin.replace(/^http/, "ws") + path + "?EIO=4&transport=websocket";
  if (early.has(full)) return;
  let ws;
  try {
    ws = new WebSocket(full);
  } catch (_) {
    return; // the driver will meet the same refusal and report it
  }
  const pre = { ws, ev: /** @type {Event[]} */ ([]) };
  ws.binaryType = "arraybuffer";
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = (e) => pre.ev.push(e);
  early.set(full, pre);
  return () => {
    if (early.get(full) !== pre) return;
    early.delete(full);
    shut(ws);
  };
}

/** Closes a WebSocket after the frames already handed to it; no event reaches us.
 *  @param {WebSocket} ws */
function shut(ws) {
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
  ws.close();
}

/** Opens a WebSocket as transport `id` (or adopts the early one for `url`); throws
 *  (SyntaxError) on an invalid URL.
 *  With `check`, first asks the same URL over http(s) whether anything answers: a
 *  response that is not a proxy's 502–504 is reported FOUND and opens the WebSocket,
 *  none reports it CLOSED
 *  (no error: a WebSocket that fails reports FAILED first) without creating it
 *  (Transmit::WebSocketOpen's `check`; a cross-origin answer without CORS headers is
 *  none either).
 *  @param {Hub} hub
 *  @param {number} id
 *  @param {string} url
 *  @param {boolean} [check] */
export function wsOpen(hub, id, url, check) {
  if (check) {
    const ch = { get: new AbortController() };
    hub.t.set(id, ch);
    fetch(url.replace("ws", "http"), { credentials: hub.cred, cache: "no-store", signal: ch.get.signal })
      .then((r) => r.status < 502 || r.status > 504, () => false)
      .then((found) => {
        if (hub.t.get(id) !== ch) return;
        if (!found) return hub.input(CLOSED, id);
        hub.input(FOUND, id);
        if (hub.t.get(id) !== ch) return;
        try {
          wsOpen(hub, id, url);
        } catch (_) {
          hub.input(FAILED, id); // an invalid URL, as below
        }
      });
    return;
  }
  const pre = early.get(url);
  early.delete(url);
  const ws = pre ? pre.ws : new WebSocket(url);
  const input = hub.input;
  ws.binaryType = "arraybuffer";
  ws.onopen = () => input(OPEN, id);
  ws.onclose = () => input(CLOSED, id);
  ws.onerror = () => input(FAILED, id);
  ws.onmessage = (e) => {
    const d = e.data;
    if (typeof d !== "string") return input(BINARY, id, new Uint8Array(d));
    if (hub.fast === id) {
      const p = hub.prefix;
      if (d.charCodeAt(p.length) === 91 /* [ */ && d.startsWith(p) && performance.now() < hub.due) {
        let args;
        try {
          args = JSON.parse(d.slice(p.length));
        } catch (_) {
          // The core reports malformed frames.
        }
        // A reserved name goes to the core, which refuses it (seam.rs `is_reserved`).
        if (args !== undefined && typeof args[0] === "string" && !RESERVED.has(args[0])) return hub.ls.event(args.shift(), args);
      }
    }
    input(TEXT, id, d);
  };
  hub.t.set(id, ws);
  // What the early socket saw, in order, before anything newer (events are tasks).
  if (pre) queueMicrotask(() => pre.ev.forEach((e) => /** @type {any} */ (ws)["on" + e.type] && /** @type {any} */ (ws)["on" + e.type](e)));
}

/** Sends a text (string) or binary (Uint8Array) frame on WebSocket `id`.
 *  @param {Hub} hub
 *  @param {number} id
 *  @param {string | Uint8Array<ArrayBuffer>} data */
export function wsSend(hub, id, data) {
  const ws = /** @type {WebSocket | undefined} */ (hub.t.get(id));
  if (ws) ws.send(data);
}

/** One long-polling request of transport `id`: a GET (`body` null) or a POST.
 *  @param {Hub} hub
 *  @param {number} id
 *  @param {string} url
 *  @param {string | null | undefined} body */
export function poll(hub, id, url, body) {
  let ch = /** @type {PollChannel | undefined} */ (hub.t.get(id));
  if (!ch) hub.t.set(id, (ch = { get: null }));
  const post = body != null;
  /** @type {RequestInit} */
  const init = { method: post ? "POST" : "GET", credentials: hub.cred, cache: "no-store", headers: hub.headers };
  if (post) init.body = body;
  else init.signal = (ch.get = new AbortController()).signal;
  fetch(url, init)
    // A GET's response goes in as its packets (split at the record separator): the
    // core takes each one's payload over rather than copying it (seam.rs `Payload`).
    .then((r) => (r.ok ? r.text().then((t) => /** @type {[number, unknown?]} */ (post ? [SENT] : [PAYLOAD, t.split("\x1e")])) : /** @type {[number, unknown?]} */ ([FAILED])))
    .catch(() => /** @type {[number, unknown?]} */ ([FAILED]))
    .then(([kind, text]) => {
      if (hub.t.get(id) === ch) hub.input(kind, id, text);
    });
}

/** Closes transport `id`: a WebSocket after the frames already handed to it; a polling
 *  channel by aborting its GET (a POST in flight completes silently).
 *  @param {Hub} hub
 *  @param {number} id */
export function close(hub, id) {
  const t = hub.t.get(id);
  hub.t.delete(id);
  if (!t) return;
  if (t instanceof WebSocket) shut(t);
  else if (t.get) {
    t.get.abort();
  }
}

// ----------------------------------------------------------------- timer, page

/** Arms the client's one timer for `ms` (replacing the previous one); -1 disarms.
 *  @param {Hub} hub
 *  @param {number} ms */
export function timer(hub, ms) {
  clearTimeout(hub.timer);
  hub.timer =
    ms < 0
      ? undefined
      : setTimeout(() => {
          hub.timer = undefined;
          hub.input(TIMEOUT, 0);
        }, ms);
}

/**
 * Installs (`on`) or removes the page listeners: `online`, `pageshow` and
 * `visibilitychange` to visible make the client try now; `offline` makes it check its
 * deadlines. Returns how many are installed.
 * @param {Hub} hub
 * @param {boolean} on
 */
export function hooks(hub, on) {
  for (const [target, event, f] of hub.hooks) target.removeEventListener(event, f);
  hub.hooks = [];
  if (on) {
    const tryNow = () => {
      if (typeof document === "undefined" || document.visibilityState !== "hidden") hub.input(TRY_NOW, 0);
    };
    const check = () => hub.input(CHECK, 0);
    const g = globalThis;
    const doc = typeof document !== "undefined" ? document : null;
    for (const [target, event, f] of /** @type {[EventTarget | null, string, () => void][]} */ ([[g, "online", tryNow], [g, "pageshow", tryNow], [g, "offline", check], [doc, "visibilitychange", tryNow]])) {
      if (target && target.addEventListener) {
        target.addEventListener(event, f);
        hub.hooks.push([target, event, f]);
      }
    }
  }
  return hub.hooks.length;
}

/** Drops everything the client installed; later inputs (a late ack call) go nowhere.
 *  @param {Hub} hub */
export function release(hub) {
  detach(hub);
  hub.ls.off(0);
}

/** `release` but the application listeners, which stay with the client's Listeners.
 *  @param {Hub} hub */
function detach(hub) {
  hubs.delete(hub);
  for (const id of [...hub.t.keys()]) close(hub, id);
  timer(hub, -1);
  hooks(hub, false);
  hub.fast = -1;
  hub.input = () => {};
}

/** Detaches every hub, from JS alone (their module instance is not called): after a
 *  trap, before the clients move to a fresh instance. */
export function detachAll() {
  for (const hub of [...hubs]) detach(hub);
}

/** For leak checks: [listeners, transports, timer armed, page listeners, wasm memory
 *  bytes] (the module instance's memory size, given by the wasm).
 *  @param {Hub} hub @param {number} memory */
export function resources(hub, memory) {
  return [hub.ls.n, hub.t.size, hub.timer === undefined ? 0 : 1, hub.hooks.length, memory];
}

// ----------------------------------------------------------------- listener calls

/** Calls `f` with `args`; a throwing listener is reported, never breaks the client.
 *  @param {Function} f
 *  @param {unknown[]} args */
export function call(f, args) {
  try {
    f.apply(undefined, args);
  } catch (e) {
    setTimeout(() => {
      throw e;
    });
  }
}

/** `call(f, [a])`.
 *  @param {Function} f
 *  @param {unknown} a */
export function call1(f, a) {
  call(f, [a]);
}

/** Removes and returns the last argument when it is a function (an emit's ack callback).
 *  @param {unknown[]} args */
export function popCallback(args) {
  return typeof args[args.length - 1] === "function" ? args.pop() : undefined;
}

/** `[promise, resolve, reject]` of a new Promise (emitWithAck).
 *  @returns {[Promise<unknown>, (value: unknown) => void, (reason?: unknown) => void]} */
export function deferred() {
  /** @type {((value: unknown) => void) | undefined} */
  let resolve;
  /** @type {((reason?: unknown) => void) | undefined} */
  let reject;
  const promise = new Promise((a, b) => {
    resolve = a;
    reject = b;
  });
  return [promise, /** @type {(value: unknown) => void} */ (resolve), /** @type {(reason?: unknown) => void} */ (reject)];
}

// ----------------------------------------------------------------- payloads

/**
 * Serialises emit arguments: binary values become Socket.IO placeholders and are
 * returned separately as Uint8Arrays. Throws a TypeError for what JSON cannot carry
 * (cycles, BigInt, Blob) before anything is sent.
 * @param {unknown[]} args
 * @returns {[string, Uint8Array[]]}
 */
export function encodeArgs(args) {
  /** @type {Uint8Array[]} */
  const bins = [];
  const seen = new Set();
  /** @type {(m: string) => never} */
  const fail = (m) => {
    throw new TypeError("frappe-realtime: " + m);
  };
  /** @type {(v: any) => unknown} */
  const walk = (v) => {
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
      bins.push(v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return { _placeholder: true, num: bins.length - 1 };
    }
    if (typeof Blob !== "undefined" && v instanceof Blob) fail("Blob arguments are not supported; pass an ArrayBuffer");
    // JSON throws on a BigInt and turns a Symbol into null (or drops it): refuse both.
    if (typeof v === "bigint" || typeof v === "symbol") fail(typeof v + " arguments cannot be serialised");
    if (v === null || typeof v !== "object" || typeof v.toJSON === "function") return v;
    if (seen.has(v)) fail("arguments contain a cycle");
    seen.add(v);
    let out;
    if (Array.isArray(v)) {
      out = v.map(walk);
    } else {
      // fromEntries defines own properties: a "__proto__" key stays a key.
      out = Object.fromEntries(Object.keys(v).map((k) => [k, walk(v[k])]));
    }
    seen.delete(v);
    return out;
  };
  const plain = args.map(walk);
  try {
    return [JSON.stringify(plain), bins];
  } catch (/** @type {any} */ e) {
    fail("arguments cannot be serialised: " + ((e && e.message) || e));
  }
}

/** Parses a payload and puts the attachments (ArrayBuffers) back in place of their placeholders.
 *  @param {string} json
 *  @param {Uint8Array[] | undefined} bins
 *  @returns {any} */
export function decodeArgs(json, bins) {
  const value = JSON.parse(json);
  if (!bins || bins.length === 0) return value;
  /** @type {(v: any) => unknown} */
  const walk = (v) => {
    if (v === null || typeof v !== "object") return v;
    if (v._placeholder === true && typeof v.num === "number") {
      const b = bins[v.num];
      return b ? b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) : v;
    }
    for (const k of Object.keys(v)) v[k] = walk(v[k]);
    return v;
  };
  return walk(value);
}

/**
 * An EVENT the core delivered (`["name", …args]`): its arguments, plus the function
 * that acknowledges it when the server asked (`ack` ≥ 0), go to the listeners.
 * Returns false when the payload is not valid JSON.
 * @param {Hub} hub
 * @param {string} data
 * @param {Uint8Array[] | undefined} bins
 * @param {number} ack
 */
export function deliver(hub, data, bins, ack) {
  /** @type {unknown[]} */
  let args;
  try {
    args = decodeArgs(data, bins);
  } catch (_) {
    return false;
  }
  const name = /** @type {string} */ (args.shift());
  if (ack >= 0) {
    let done = false;
    args.push((/** @type {unknown[]} */ ...a) => {
      if (!done) {
        done = true;
        hub.input(ACK, ack, a);
      }
    });
  }
  hub.ls.event(name, args);
  return true;
}

/** Calls the listeners of lifecycle event `name` (seam.rs `Lifecycle`) with `a` (none
 *  when undefined), or with the object `json` describes when `json` is not empty.
 *  @param {Hub} hub
 *  @param {string} name
 *  @param {unknown} a
 *  @param {string | undefined} json */
export function fire(hub, name, a, json) {
  if (json) a = JSON.parse(json);
  // Whether the client last said it was connected (read after a trap, www/client.js).
  if (name === "connect" || name === "disconnect") hub.ls.up = name === "connect";
  hub.ls.emit(name, a === undefined ? [] : [a]);
}

/** A real Error (or TypeError) with a name and, optionally, `type` and `data`.
 *  @param {boolean} typeError
 *  @param {string} name
 *  @param {string} message
 *  @param {string | undefined} type
 *  @param {string | undefined} data */
export function makeError(typeError, name, message, type, data) {
  const e = /** @type {Error & {type?: string, data?: unknown}} */ (typeError ? new TypeError(message) : new Error(message));
  e.name = name;
  if (type) {
    e.type = type;
    try {
      e.data = data ? JSON.parse(data) : undefined;
    } catch (_) {
      e.data = undefined;
    }
  }
  return e;
}

const encoder = new TextEncoder();

/** The UTF-8 bytes of a string, made here rather than by wasm-bindgen's string passing
 *  (which reserves three bytes per character in wasm memory for non-ASCII text, then
 *  shrinks): a frame of S bytes then needs S bytes of wasm memory, no more.
 *  @param {string} s */
export function utf8(s) {
  return encoder.encode(s);
}

/** Copies a Uint8Array into a view of the same length (in wasm memory).
 *  @param {Uint8Array} src
 *  @param {Uint8Array} dst */
export function copyBytes(src, dst) {
  dst.set(src);
}

/** `console.warn` / `console.log` with the package's prefix.
 *  @param {boolean} warn
 *  @param {unknown} message */
export function log(warn, message) {
  (warn ? console.warn : console.log)("frappe-realtime:", message);
}
