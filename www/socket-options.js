// socket.io-client's options as the wasm client takes them (www/socket.js). The core
// (src/protocol/options.rs) reads the names it knows and ignores the others, but it is
// stricter than socket.io-client about the values of the names it knows, and a bad value
// is a TypeError from the constructor. An app written for socket.io-client passes values
// that library accepts: a query with numbers, `timeout: false`, an `auth` function,
// transport classes. Each is turned here into what the core takes, with socket.io-client's
// meaning, so that no option an app already passes breaks it.

// @ts-check

/** The transports socket.io-client exports (engine.io-client's classes), as markers:
 *  `transports: [WebSocket]` means "websocket" here. Importing them must not fail; there is
 *  nothing to construct. */
export class XHR {
  static transport = "polling";
}
export class Fetch {
  static transport = "polling";
}
export class NodeXHR {
  static transport = "polling";
}
export class WebSocket {
  static transport = "websocket";
}
export class NodeWebSocket {
  static transport = "websocket";
}
/** Not supported by the client: dropped from `transports`. */
export class WebTransport {
  static transport = "";
}

const NUMBERS = ["reconnectionAttempts", "reconnectionDelay", "reconnectionDelayMax", "randomizationFactor", "timeout", "ackTimeout"];

/** `{k: String(v)}` of an object's own values, leaving out null / undefined (socket.io-client
 *  writes the values into the query string, so a number and its string are the same).
 *  @param {object} o */
function strings(o) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [k, v] of Object.entries(o)) if (v != null) out[k] = String(v);
  return out;
}

/** The query of a URL (`?a=1&b=2`) or of a `query` string option, as an object.
 *  @param {string} q */
export function queryObject(q) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [k, v] of new URLSearchParams(q)) out[k] = v;
  return out;
}

/**
 * A copy of `o` the wasm client accepts, with socket.io-client's meaning of each value:
 * - `query`: a string is parsed; values become strings.
 * - `extraHeaders`: values become strings.
 * - `transports`: names and transport classes; `webtransport` (unsupported) is left out,
 *   and a list left empty is the default.
 * - `timeout: false` (no connect timeout in socket.io-client): the default, 20000 ms; a
 *   browser timer cannot wait longer than ~24.8 days anyway.
 * - a number given as a numeric string is that number; `randomizationFactor` is clamped
 *   to 0..1 (socket.io-client takes any number).
 * - `auth`: a function is called once, now, and what it passes synchronously to its
 *   callback is the CONNECT payload of every connection (socket.io-client calls it at
 *   every connect; the core keeps one payload). One that answers later is left out, with
 *   a warning.
 * Other names and values are copied as they are (the core ignores the names it does not know).
 * @param {object | null | undefined} o
 * @returns {Record<string, any>}
 */
export function clientOptions(o) {
  /** @type {Record<string, any>} */
  const out = Object.assign({}, o);
  const q = out.query;
  if (typeof q === "string") out.query = queryObject(q);
  else if (q && typeof q === "object") out.query = strings(q);
  if (out.extraHeaders && typeof out.extraHeaders === "object") out.extraHeaders = strings(out.extraHeaders);
  if (Array.isArray(out.transports)) {
    const t = out.transports
      .map((/** @type {unknown} */ x) => (typeof x === "function" ? /** @type {{transport?: unknown}} */ (x).transport : x))
      .filter((/** @type {unknown} */ x) => x === "polling" || x === "websocket");
    if (t.length) out.transports = t;
    else delete out.transports;
  }
  if (out.timeout === false) delete out.timeout;
  for (const k of NUMBERS) {
    const v = out[k];
    if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) out[k] = Number(v);
  }
  if (typeof out.randomizationFactor === "number") out.randomizationFactor = Math.min(1, Math.max(0, out.randomizationFactor));
  if (typeof out.auth === "function") {
    /** @type {unknown} */
    let got;
    try {
      out.auth((/** @type {unknown} */ data) => (got = data));
    } catch (e) {
      console.warn("frappe-realtime: the auth function threw:", e);
    }
    if (got && typeof got === "object") out.auth = got;
    else {
      if (got === undefined) console.warn("frappe-realtime: the auth function did not call back at once; connecting without auth");
      delete out.auth;
    }
  }
  return out;
}
