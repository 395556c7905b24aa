// JS half of the browser driver: only what is awkward or costly from Rust.
// Imported by the wasm-bindgen glue (src/browser/js.rs); no state of its own.

/** Milliseconds on the monotonic clock (window and workers). */
export function now() {
  return performance.now();
}

/** Resolves `url` against the page and splits it: [origin, pathname, search]. */
export function splitUrl(url) {
  const base = typeof location !== "undefined" ? location.href : undefined;
  const u = new URL(url, base);
  return [u.origin, u.pathname, u.search];
}

/**
 * A long-polling channel: one long-lived callback for every request of one
 * transport, so no closure is created per request. `cb(isPost, ok, text)`.
 * After `pollClose`, no callback fires (the Rust side may be gone).
 */
export function pollOpen(cb, withCredentials, headers) {
  return { cb, dead: false, get: null, credentials: withCredentials ? "include" : "same-origin", headers };
}

export function pollRequest(ch, isPost, url, body) {
  const init = { method: isPost ? "POST" : "GET", credentials: ch.credentials, cache: "no-store", headers: ch.headers };
  if (isPost) {
    init.body = body;
  } else {
    ch.get = new AbortController();
    init.signal = ch.get.signal;
  }
  fetch(url, init)
    .then((r) => (r.ok ? r.text().then((t) => [true, t]) : [false, "HTTP " + r.status]))
    .catch((e) => [false, String((e && e.message) || e)])
    .then(([ok, text]) => {
      if (!ch.dead) ch.cb(isPost, ok, text);
    });
}

/** Stops the channel: aborts the pending GET; POSTs already sent complete silently. */
export function pollClose(ch) {
  ch.dead = true;
  if (ch.get) ch.get.abort();
}

/**
 * Serialises emit arguments: binary values become Socket.IO placeholders and
 * are returned separately as Uint8Arrays. Throws a TypeError for what JSON
 * cannot carry (cycles, BigInt, Blob) before anything is sent.
 */
export function encodeArgs(args) {
  const bins = [];
  const seen = new Set();
  const walk = (v) => {
    if (v instanceof ArrayBuffer) {
      bins.push(new Uint8Array(v));
      return { _placeholder: true, num: bins.length - 1 };
    }
    if (ArrayBuffer.isView(v)) {
      bins.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return { _placeholder: true, num: bins.length - 1 };
    }
    if (typeof Blob !== "undefined" && v instanceof Blob) {
      throw new TypeError("frappe-realtime: Blob arguments are not supported; pass an ArrayBuffer");
    }
    if (typeof v === "bigint") {
      throw new TypeError("frappe-realtime: BigInt arguments cannot be serialised");
    }
    if (v === null || typeof v !== "object") return v;
    if (typeof v.toJSON === "function") return v;
    if (seen.has(v)) throw new TypeError("frappe-realtime: arguments contain a cycle");
    seen.add(v);
    let out;
    if (Array.isArray(v)) {
      out = v.map(walk);
    } else {
      out = {};
      for (const k of Object.keys(v)) out[k] = walk(v[k]);
    }
    seen.delete(v);
    return out;
  };
  const plain = args.map(walk);
  let json;
  try {
    json = JSON.stringify(plain);
  } catch (e) {
    throw new TypeError("frappe-realtime: arguments cannot be serialised: " + ((e && e.message) || e));
  }
  return [json, bins];
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

/** A real Error (or TypeError) with a name and extra own properties. */
export function makeError(kind, name, message, extra) {
  const e = kind === "TypeError" ? new TypeError(message) : new Error(message);
  if (name) e.name = name;
  if (extra) Object.assign(e, extra);
  return e;
}

/** Calls `fn` with `args`; a throwing listener is reported, never breaks the client. */
export function callListener(fn, args) {
  try {
    fn.apply(undefined, args);
  } catch (e) {
    setTimeout(() => {
      throw e;
    });
  }
}

/** Whether the page is visible (always true where there is no document). */
export function pageVisible() {
  return typeof document === "undefined" || document.visibilityState !== "hidden";
}

/** The function handed to a listener for an event the server wants acknowledged. */
export function makeAck(sender, id) {
  let done = false;
  return (...args) => {
    if (done) return;
    done = true;
    sender(id, args);
  };
}

/** A plain object from [key, value, key, value, …]. */
export function record(pairs) {
  const o = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) o[pairs[i]] = pairs[i + 1];
  return o;
}
