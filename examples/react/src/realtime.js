// One socket for the whole app, as an SPA written for socket.io-client has it. The code
// is socket.io-client's API; vite.config.js aliases "socket.io-client" to
// "frappe-realtime/socket.io-client", which is the whole move to frappe-realtime.
import { io } from "socket.io-client";

/**
 * The realtime server's URL with the site as namespace: `?realtime=<url>` on the page
 * (local development, the tests), else VITE_REALTIME_URL, else the page's origin plus
 * `/<site>` — production, where Frappe's nginx proxies /socket.io/ to the realtime
 * server. `window.site_name` is what Frappe's page template sets for its SPAs.
 */
export function realtimeUrl() {
  const fromQuery = new URLSearchParams(location.search).get("realtime");
  if (fromQuery) return fromQuery;
  if (import.meta.env.VITE_REALTIME_URL) return import.meta.env.VITE_REALTIME_URL;
  return `${location.origin}/${window.site_name || location.hostname}`;
}

// withCredentials: the `sid` cookie of the Frappe session authenticates the socket,
// also when the realtime server listens on another port (development).
export const socket = io(realtimeUrl(), { withCredentials: true });

/** "connected" or "disconnected", and the transport in use (socket.io-client's engine). */
export function connectionInfo() {
  return {
    state: socket.connected ? "connected" : "disconnected",
    transport: socket.connected ? socket.io.engine.transport.name : "",
  };
}
