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
const LIFECYCLE = ["connect", "connect_error", "disconnect", "reconnect_scheduled", "reconnect_attempt", "reconnect", "reconnect_failed", "upgrade", "upgradeError", "dropped", "error"];
const EMIT_RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];
const LOG_LEVELS = ["off", "error", "warn", "info", "debug"];
const ROOM_KINDS = ["doctype", "doc", "doc_open", "task", "progress"];
const ERROR_NAMES = ["ConnectError", "TransportError", "TimeoutError", "ProtocolError", "AckError"];
// </seam>

/** Milliseconds on the monotonic clock (window and workers). */
export const now = () => performance.now();

/**
 * Reads the URL and the options of a new client (socket.io-client's option names plus
 * ours), checking types and values; throws a TypeError naming the option. Fills `n`
 * (NaN: not given) with the numbers and flags, in the order `exports.rs` reads them, and
 * returns [origin, namespace, path, query (JSON [k, v, …]), auth (JSON), extraHeaders].
 */
export function prepare(url, o, n) {
  const fail = (m) => {
    throw new TypeError("frappe-realtime: " + m);
  };
  let u;
  try {
    u = new URL(url, typeof location !== "undefined" ? location.href : undefined);
  } catch (_) {
    fail("invalid URL");
  }
  if (o == null) o = {};
  else if (typeof o !== "object") fail("options must be an object");
  const get = (k, type, what) => {
    let v = o[k];
    if (v == null) return;
    if (type === "string" && typeof v === "boolean") v = String(v);
    if (type === "array" ? !Array.isArray(v) || v.some((x) => typeof x !== "string") : typeof v !== type)
      fail(`option ${k} must be ${what}`);
    if (type === "object") {
      v = Object.entries(v);
      if (v.some(([, x]) => typeof x !== "string")) fail(`option ${k} must be ${what}`);
    }
    return v;
  };
  const bool = (k) => get(k, "boolean", "a boolean");
  const num = (k) => get(k, "number", "a number");
  const str = (k) => get(k, "string", "a string");
  const map = (k) => get(k, "object", "an object of strings");
  // Types first, in this order; then the values.
  const reconnection = bool("reconnection");
  const attempts = num("reconnectionAttempts");
  const delay = num("reconnectionDelay");
  const delayMax = num("reconnectionDelayMax");
  const factor = num("randomizationFactor");
  const timeout = num("timeout");
  const transports = get("transports", "array", "an array of strings");
  const upgrade = bool("upgrade");
  const tryAll = bool("tryAllTransports");
  let path = str("path");
  const query = map("query");
  const cred = bool("withCredentials");
  const headers = map("extraHeaders");
  const maxCount = num("bufferMaxCount");
  const maxAge = num("bufferMaxAge");
  const overflow = str("bufferOverflow");
  const debug = str("debug");
  const auto = bool("autoConnect");
  const ackTimeout = num("ackTimeout");
  const rejectionRetries = num("rejectionRetries");
  const firstRetry = num("firstRetryDelay");
  let auth = o.auth;
  if (auth != null) {
    if (typeof auth !== "object") fail("auth must be a plain object");
    auth = JSON.stringify(auth);
  }
  const ms = (v, k) => {
    if (v === undefined) return NaN;
    if (!(Number.isFinite(v) && v >= 0)) fail(k + " must be a finite number >= 0");
    return Math.trunc(v);
  };
  const flag = (v) => (v === undefined ? NaN : +v);
  let t = NaN;
  if (transports) {
    t = 0;
    for (const x of transports) {
      if (x !== "polling" && x !== "websocket") fail('transports may only list "polling" and "websocket"');
      t = t * 10 + (x === "polling" ? 1 : 2);
    }
  }
  if (factor !== undefined && !(factor >= 0 && factor <= 1)) fail("randomizationFactor must be between 0 and 1");
  if (path !== undefined) path = (path[0] === "/" ? "" : "/") + path + (path.endsWith("/") ? "" : "/");
  const values = [
    flag(reconnection),
    // Infinity (socket.io-client's default) means no limit.
    attempts === undefined ? NaN : Number.isFinite(attempts) ? Math.min(ms(attempts, "reconnectionAttempts"), 4294967295) : Infinity,
    ms(delay, "reconnectionDelay"),
    ms(delayMax, "reconnectionDelayMax"),
    factor === undefined ? NaN : factor,
    ms(timeout, "timeout"),
    t,
    flag(upgrade),
    flag(tryAll),
    flag(cred),
    ms(maxCount, "bufferMaxCount"),
    ms(maxAge, "bufferMaxAge"),
    overflow === undefined ? NaN : ["drop-oldest", "drop-newest"].indexOf(overflow),
    NaN,
    flag(auto),
    ackTimeout === undefined ? NaN : Math.max(0, Math.trunc(ackTimeout)) || 0,
    Math.floor(Math.random() * 2 ** 53),
    rejectionRetries === undefined ? NaN : Math.min(ms(rejectionRetries, "rejectionRetries"), 4294967295),
    ms(firstRetry, "firstRetryDelay"),
  ];
  if (values[12] < 0) fail('bufferOverflow must be "drop-oldest" or "drop-newest"');
  if (debug !== undefined) {
    values[13] = levelIndex(debug);
    if (values[13] < 0) fail("debug must be off, error, warn, info or debug");
  }
  for (let i = 0; i < values.length; i++) n[i] = values[i];
  return [
    u.origin,
    u.pathname,
    path,
    query && JSON.stringify(query.flat()),
    auth,
    headers && Object.fromEntries(headers),
  ];
}

// Console log levels, indexed like `driver::LogLevel`.
const LEVELS = ["off", "error", "warn", "info", "debug"];

/** The index in LEVELS of a `debug` value ("false": off, "true": debug); -1 if none. */
export function levelIndex(v) {
  const i = [...LEVELS, "false", "true"].indexOf(v);
  return i > 4 ? (i === 5 ? 0 : 4) : i;
}

/** The name of level `i`. */
export const levelName = (i) => LEVELS[i];

/** A client's hub. `prefix`: the text every plain EVENT frame of its namespace starts with;
 *  `ls`: the client's application listeners (a Listeners of www/listeners.js). */
export function hubNew(input, prefix, withCredentials, headers, ls) {
  return {
    input,
    prefix,
    fast: -1, // transport id whose plain EVENT frames may skip the core
    due: 0, // …until this performance.now() (the core's next deadline)
    cred: withCredentials ? "include" : "same-origin",
    headers,
    t: new Map(), // transport id → WebSocket | polling channel
    timer: undefined,
    hooks: [],
    ls,
  };
}

/** Sets the fast path (see the top of this file); `id` -1 turns it off. */
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
const early = new Map(); // URL → { ws, ev: events so far }

/**
 * Opens the WebSocket the core will ask for first, if its options make that certain
 * (WebSocket first in `transports`, autoConnect, no `query`: then the URL is the
 * origin, the path and `?EIO=4&transport=websocket`, exactly what the driver builds).
 * Returns a function that closes it unless it was adopted, or undefined.
 */
export function preopen(url, o) {
  let origin, path, query;
  const n = [];
  try {
    [origin, , path, query] = prepare(url, o, n);
  } catch (_) {
    return; // the client's constructor reports bad options
  }
  if (query || String(n[6])[0] !== "2" || n[14] === 0) return;
  const full = origin.replace(/^http/, "ws") + (path || "/socket.io/") + "?EIO=4&transport=websocket";
  if (early.has(full)) return;
  let ws;
  try {
    ws = new WebSocket(full);
  } catch (_) {
    return; // the driver will meet the same refusal and report it
  }
  const pre = { ws, ev: [] };
  ws.binaryType = "arraybuffer";
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = (e) => pre.ev.push(e);
  early.set(full, pre);
  return () => {
    if (early.get(full) !== pre) return;
    early.delete(full);
    shut(ws);
  };
}

/** Closes a WebSocket after the frames already handed to it; no event reaches us. */
function shut(ws) {
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
  ws.close();
}

/** Opens a WebSocket as transport `id` (or adopts the early one for `url`); throws
 *  (SyntaxError) on an invalid URL. */
export function wsOpen(hub, id, url) {
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
        if (args !== undefined && typeof args[0] === "string") return hub.ls.emit(args.shift(), args);
      }
    }
    input(TEXT, id, d);
  };
  hub.t.set(id, ws);
  // What the early socket saw, in order, before anything newer (events are tasks).
  if (pre) queueMicrotask(() => pre.ev.forEach((e) => ws["on" + e.type] && ws["on" + e.type](e)));
}

/** Sends a text (string) or binary (Uint8Array) frame on WebSocket `id`. */
export function wsSend(hub, id, data) {
  const ws = hub.t.get(id);
  if (ws) ws.send(data);
}

/** One long-polling request of transport `id`: a GET (`body` null) or a POST. */
export function poll(hub, id, url, body) {
  let ch = hub.t.get(id);
  if (!ch) hub.t.set(id, (ch = { get: null }));
  const post = body != null;
  const init = { method: post ? "POST" : "GET", credentials: hub.cred, cache: "no-store", headers: hub.headers };
  if (post) init.body = body;
  else init.signal = (ch.get = new AbortController()).signal;
  fetch(url, init)
    .then((r) => (r.ok ? r.text().then((t) => [post ? SENT : TEXT, t]) : [FAILED]))
    .catch(() => [FAILED])
    .then(([kind, text]) => {
      if (hub.t.get(id) === ch) hub.input(kind, id, text);
    });
}

/** Closes transport `id`: a WebSocket after the frames already handed to it; a polling
 *  channel by aborting its GET (a POST in flight completes silently). */
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

/** Arms the client's one timer for `ms` (replacing the previous one); -1 disarms. */
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
    for (const [target, event, f] of [[g, "online", tryNow], [g, "pageshow", tryNow], [g, "offline", check], [doc, "visibilitychange", tryNow]]) {
      if (target && target.addEventListener) {
        target.addEventListener(event, f);
        hub.hooks.push([target, event, f]);
      }
    }
  }
  return hub.hooks.length;
}

/** Drops everything the client installed; later inputs (a late ack call) go nowhere. */
export function release(hub) {
  for (const id of [...hub.t.keys()]) close(hub, id);
  timer(hub, -1);
  hooks(hub, false);
  hub.ls.off();
  hub.fast = -1;
  hub.input = () => {};
}

/** Counts for leak checks: [listeners, transports, timer armed, page listeners]. */
export function resources(hub) {
  return [hub.ls.n, hub.t.size, hub.timer === undefined ? 0 : 1, hub.hooks.length];
}

// ----------------------------------------------------------------- listener calls

/** Calls `f` with `args`; a throwing listener is reported, never breaks the client. */
export function call(f, args) {
  try {
    f.apply(undefined, args);
  } catch (e) {
    setTimeout(() => {
      throw e;
    });
  }
}

/** `call(f, [a])`. */
export function call1(f, a) {
  call(f, [a]);
}

/** Removes and returns the last argument when it is a function (an emit's ack callback). */
export function popCallback(args) {
  return typeof args[args.length - 1] === "function" ? args.pop() : undefined;
}

/** `[promise, resolve, reject]` of a new Promise (emitWithAck). */
export function deferred() {
  let resolve, reject;
  const promise = new Promise((a, b) => {
    resolve = a;
    reject = b;
  });
  return [promise, resolve, reject];
}

// ----------------------------------------------------------------- payloads

/**
 * Serialises emit arguments: binary values become Socket.IO placeholders and are
 * returned separately as Uint8Arrays. Throws a TypeError for what JSON cannot carry
 * (cycles, BigInt, Blob) before anything is sent.
 */
export function encodeArgs(args) {
  const bins = [];
  const seen = new Set();
  const fail = (m) => {
    throw new TypeError("frappe-realtime: " + m);
  };
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
  } catch (e) {
    fail("arguments cannot be serialised: " + ((e && e.message) || e));
  }
}

/** Parses a payload and puts the attachments (ArrayBuffers) back in place of their placeholders. */
export function decodeArgs(json, bins) {
  const value = JSON.parse(json);
  if (!bins || bins.length === 0) return value;
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
 */
export function deliver(hub, data, bins, ack) {
  let args;
  try {
    args = decodeArgs(data, bins);
  } catch (_) {
    return false;
  }
  const name = args.shift();
  if (ack >= 0) {
    let done = false;
    args.push((...a) => {
      if (!done) {
        done = true;
        hub.input(ACK, ack, a);
      }
    });
  }
  hub.ls.emit(name, args);
  return true;
}

// The driver's own events, indexed by `driver::ev`.
const EVENTS = [
  "connect",
  "connect_error",
  "disconnect",
  "reconnect_scheduled",
  "reconnect_attempt",
  "reconnect",
  "reconnect_failed",
  "upgrade",
  "upgradeError",
  "dropped",
  "error",
];

/** Calls the listeners of the driver's event `kind` with its argument, from `a` and `b`:
 *  none when `a` is undefined; `{attempt, delay, at}` for reconnect_scheduled (`at`: the
 *  wall-clock time of the attempt), `{event, reason}` for dropped, "websocket" for upgrade. */
export function fire(hub, kind, a, b) {
  if (kind === 3) a = { attempt: a, delay: b, at: Date.now() + b };
  else if (kind === 9) a = { event: a, reason: b };
  else if (kind === 7) a = "websocket";
  hub.ls.emit(EVENTS[kind], a === undefined ? [] : [a]);
}

/** A real Error (or TypeError) with a name and, optionally, `type` and `data`. */
export function makeError(typeError, name, message, type, data) {
  const e = typeError ? new TypeError(message) : new Error(message);
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

/** Copies a Uint8Array into a view of the same length (in wasm memory). */
export function copyBytes(src, dst) {
  dst.set(src);
}

/** `console.warn` / `console.log` with the package's prefix. */
export function log(warn, message) {
  (warn ? console.warn : console.log)("frappe-realtime:", message);
}
