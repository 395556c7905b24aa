// Entry of the script-tag build, dist/frappe-realtime.js (scripts/build-dist.sh):
// one classic <script> file, an IIFE, with the wasm module inlined, so that it
// works from any path (a Frappe app's /assets/<app>/js/, a CDN, a page's folder)
// and under a strict CSP (no eval, no inline script, no worker; WebAssembly only
// needs 'wasm-unsafe-eval').
//
// On load it installs window.frappe.realtime and its alias frappe.socketio
// synchronously, so a page (Desk's app_include_js, a website's web_include_js)
// can call frappe.realtime.init() right away; calls made before the wasm module
// is instantiated are queued by RealtimeClient. It also exposes the ESM entry's
// exports as window.FrappeRealtime (esbuild --global-name) for pages that want a
// RealtimeClient of their own.

// @ts-check

// esbuild --loader:.wasm=binary turns this import into the module's bytes.
import wasmBytes from "../pkg/frappe_realtime_bg.wasm";
import { RealtimeClient, connect, setWasmSource, whenReady } from "./client.js";
import { createRealtime, install } from "./frappe-realtime.js";

setWasmSource(wasmBytes);
install(globalThis);

/** The package version (set by the build). */
export const version = typeof __FRAPPE_REALTIME_VERSION__ === "string" ? __FRAPPE_REALTIME_VERSION__ : "dev";
export { RealtimeClient, connect, whenReady, createRealtime, install };
