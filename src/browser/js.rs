//! Bindings to `glue.js`, the JS half of the driver: the hub (transports, timer,
//! page listeners, the client's application listeners, the fast path for plain
//! events) and a few helpers that are smaller in JS than in Rust.

use super::jstypes::{Array, Function, Uint8Array};
use alloc::string::String;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/browser/glue.js")]
extern "C" {
    /// `performance.now()`.
    pub fn now() -> f64;
    /// `[origin, pathname]` of a client's URL; throws a TypeError when it is invalid.
    #[wasm_bindgen(js_name = urlParts, catch)]
    pub fn url_parts(url: &JsValue) -> Result<Array, JsValue>;
    /// The kind of option `at` of the checked options array (0 absent, 1 false,
    /// 2 true, 3 a number, 4 a string); see `protocol::options`.
    pub fn option(options: &JsValue, at: u32) -> u32;
    /// The number of the last `option` call that answered 3.
    #[wasm_bindgen(js_name = optionValue)]
    pub fn option_number() -> f64;
    /// The string of the last `option` call that answered 4.
    #[wasm_bindgen(js_name = optionValue)]
    pub fn option_text() -> String;
    /// A random seed for the reconnect jitter.
    pub fn seed() -> f64;
    /// `Date.now()`.
    pub fn wall() -> f64;

    /// A client's hub; every input comes back through `input(kind, id, data)`; its
    /// events go to `listeners` (a `Listeners` of `www/listeners.js`).
    #[wasm_bindgen(js_name = hubNew)]
    pub fn hub_new(
        input: &Function,
        prefix: &str,
        with_credentials: bool,
        headers: Option<&str>,
        listeners: &JsValue,
    ) -> JsValue;
    /// Lets plain EVENT frames on transport `id` (-1: none) skip the core until `due`.
    #[wasm_bindgen(js_name = hubFast)]
    pub fn hub_fast(hub: &JsValue, id: f64, due: f64);
    /// Closes every transport, the timer, the page listeners; removes every listener.
    pub fn release(hub: &JsValue);
    /// `[listeners, transports, timer armed, page listeners, wasm memory bytes]`,
    /// given the size of wasm memory.
    pub fn resources(hub: &JsValue, memory: f64) -> Array;

    /// Opens WebSocket transport `id`, after asking the same URL over HTTP
    /// with `check` (`Transmit::WebSocketOpen`); throws on an invalid URL (or
    /// a CSP refusal).
    #[wasm_bindgen(js_name = wsOpen, catch)]
    pub fn ws_open(hub: &JsValue, id: u32, url: &str, check: bool) -> Result<(), JsValue>;
    /// Sends a text frame.
    #[wasm_bindgen(js_name = wsSend)]
    pub fn ws_send_text(hub: &JsValue, id: u32, data: &str);
    /// Sends a binary frame.
    #[wasm_bindgen(js_name = wsSend)]
    pub fn ws_send_binary(hub: &JsValue, id: u32, data: &[u8]);
    /// A polling request of transport `id`: a GET without body, a POST with one.
    pub fn poll(hub: &JsValue, id: u32, url: &str, body: Option<&str>);
    /// Closes transport `id`.
    pub fn close(hub: &JsValue, id: u32);
    /// Arms the client's one timer for `ms` (-1: disarm).
    pub fn timer(hub: &JsValue, ms: f64);
    /// Installs (or removes) the page listeners; returns how many are installed.
    pub fn hooks(hub: &JsValue, on: bool) -> u32;

    /// Calls the listeners of lifecycle event `name` with `a`, or with the object the
    /// JSON text `json` describes when it is not empty.
    pub fn fire(hub: &JsValue, name: &str, a: &JsValue, json: &str);
    /// Calls `f` with `args`; a throw is rethrown asynchronously, not into the driver.
    pub fn call(f: &Function, args: &Array);
    /// `call(f, [a])`.
    pub fn call1(f: &Function, a: &JsValue);
    /// Removes and returns the last of `args` when it is a function (an ack callback).
    #[wasm_bindgen(js_name = popCallback)]
    pub fn pop_callback(args: &Array) -> Option<Function>;
    /// `[promise, resolve, reject]` of a new Promise.
    pub fn deferred() -> Array;

    /// `[json, attachments]` of emit arguments; throws a TypeError when they cannot be serialised.
    #[wasm_bindgen(js_name = encodeArgs, catch)]
    pub fn encode_args(args: &Array) -> Result<Array, JsValue>;
    /// `JSON.parse(json)` with attachments put back in place of their placeholders.
    #[wasm_bindgen(js_name = decodeArgs, catch)]
    pub fn decode_args(json: &str, bins: &Array) -> Result<JsValue, JsValue>;
    /// Hands an EVENT payload (`["name", …]`) to the listeners, with an ack function
    /// when `ack >= 0`; false when it is not valid JSON.
    pub fn deliver(hub: &JsValue, data: &str, bins: &Array, ack: f64) -> bool;
    /// A real `Error` / `TypeError` named `name`; with `type` and `data` (JSON) when `kind` is not empty.
    #[wasm_bindgen(js_name = makeError)]
    pub fn make_error(
        type_error: bool,
        name: &str,
        message: &str,
        kind: &str,
        data: &str,
    ) -> JsValue;
    /// `dst.set(src)`: `dst` has `src`'s length.
    /// The UTF-8 bytes of the string `s` (`TextEncoder`).
    pub fn utf8(s: &JsValue) -> Uint8Array;
    #[wasm_bindgen(js_name = copyBytes)]
    pub fn copy_bytes(src: &Uint8Array, dst: &mut [u8]);
    /// `console.warn` (or `console.log`) with the package prefix.
    pub fn log(warn: bool, message: &str);
}

/// A `TypeError` named `TypeError` with `message` (prefixed with the package name).
pub fn type_error(message: &str) -> JsValue {
    let mut m = String::from("frappe-realtime: ");
    m.push_str(message);
    make_error(true, "TypeError", &m, "", "")
}
