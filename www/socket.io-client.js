// The `socket.io-client` entry (package export "frappe-realtime/socket.io-client"): what
// socket.io-client 4.8 exports, over frappe-realtime's wasm client. An app migrates with
// one line of its bundler config, e.g. Vite's
//
//   resolve: { alias: { "socket.io-client": "frappe-realtime/socket.io-client" } }
//
// and its `io(url, {withCredentials: true, reconnectionAttempts: 5})`,
// `socket.emit("doc_subscribe", doctype, name)` and `socket.io.on("reconnect", …)` work as
// they did, with Frappe's rooms kept across reconnects by the core (www/client.js `emit`).

// @ts-check

import { Manager, Socket, resolveUrl } from "./socket.js";
import { Fetch, NodeWebSocket, NodeXHR, WebSocket, WebTransport, XHR, queryObject } from "./socket-options.js";

/** @typedef {Record<string, any>} Options socket.io-client's ManagerOptions & SocketOptions, and the client's */

/** The Managers `io()` shares, by server and path (socket.io-client's cache).
 *  @type {Record<string, Manager>} */
const cache = Object.create(null);

/**
 * socket.io-client's `io()` (its `lookup`): the socket of the URL's namespace (its path;
 * `/` without one). No URL is the page's origin; a relative one resolves against the page.
 * Sockets of one server and `path` share a Manager (its events, its settings), unless
 * `forceNew` or `multiplex: false`; asking again for a namespace the cached Manager
 * already has gives a new Manager and a new Socket, a connection of its own, as
 * socket.io-client does. A query in the URL is `opts.query` when that is not given.
 * @param {string | Options} [uri]
 * @param {Options} [opts]
 * @returns {Socket}
 */
function lookup(uri, opts) {
  if (uri && typeof uri === "object") {
    opts = uri;
    uri = undefined;
  }
  opts = opts || {};
  const url = resolveUrl(/** @type {string | undefined} */ (uri));
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const id = url.protocol + "//" + url.hostname + ":" + port + (opts.path || "/socket.io");
  const nsp = url.pathname || "/";
  const cached = cache[id];
  const fresh = opts.forceNew || opts["force new connection"] || opts.multiplex === false || (cached && nsp in cached.nsps);
  /** @type {Manager} */
  let io;
  if (fresh) io = new Manager(url.href, opts);
  else io = cached || (cache[id] = new Manager(url.href, opts));
  if (url.search.length > 1 && !opts.query) opts.query = queryObject(url.search);
  return io.socket(nsp, opts);
}

// `io` is also a namespace of the others (`io.Manager`, `io.connect`), as the default
// export of socket.io-client is.
Object.assign(lookup, { Manager, Socket, io: lookup, connect: lookup });

/** The Socket.IO protocol version. */
export const protocol = 5;

export { Manager, Socket, lookup as io, lookup as connect, lookup as default };
export { Fetch, NodeWebSocket, NodeXHR, WebSocket, WebTransport, XHR };
