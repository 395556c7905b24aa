// ESM entry: the client and the frappe.realtime facade.
// @ts-check
export { RealtimeClient, connect, setWasmSource, whenReady } from "./client.js";
export { createRealtime, install } from "./frappe-realtime.js";
