//! Bindings to `glue.js`, the small JS half of the driver, and to console.

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/browser/glue.js")]
extern "C" {
    /// `performance.now()`.
    pub fn now() -> f64;
    /// `[origin, pathname, search]` of `url` resolved against the page.
    #[wasm_bindgen(js_name = splitUrl, catch)]
    pub fn split_url(url: &str) -> Result<Array, JsValue>;
    /// A long-polling channel calling `cb(isPost, ok, text)`.
    #[wasm_bindgen(js_name = pollOpen)]
    pub fn poll_open(cb: &Function, with_credentials: bool, headers: &JsValue) -> JsValue;
    /// Issues a GET (`is_post == false`) or a POST of `body` on a channel.
    #[wasm_bindgen(js_name = pollRequest)]
    pub fn poll_request(ch: &JsValue, is_post: bool, url: &str, body: &str);
    /// Silences a channel and aborts its GET.
    #[wasm_bindgen(js_name = pollClose)]
    pub fn poll_close(ch: &JsValue);
    /// `[json, attachments]` of emit arguments; throws a TypeError when they cannot be serialised.
    #[wasm_bindgen(js_name = encodeArgs, catch)]
    pub fn encode_args(args: &Array) -> Result<Array, JsValue>;
    /// `JSON.parse(json)` with attachments put back in place of their placeholders.
    #[wasm_bindgen(js_name = decodeArgs, catch)]
    pub fn decode_args(json: &str, bins: &Array) -> Result<JsValue, JsValue>;
    /// A real `Error` / `TypeError` with a name and extra properties.
    #[wasm_bindgen(js_name = makeError)]
    pub fn make_error(kind: &str, name: &str, message: &str, extra: &JsValue) -> JsValue;
    /// Calls a listener; a throw is rethrown asynchronously, not into the driver.
    #[wasm_bindgen(js_name = callListener)]
    pub fn call_listener(f: &Function, args: &Array);
    /// `document.visibilityState !== "hidden"`.
    #[wasm_bindgen(js_name = pageVisible)]
    pub fn page_visible() -> bool;

    /// A one-shot function calling `sender(id, args)`.
    #[wasm_bindgen(js_name = makeAck)]
    pub fn make_ack(sender: &Function, id: f64) -> JsValue;
    /// An object from alternating keys and values.
    pub fn record(pairs: &Array) -> JsValue;
}

#[wasm_bindgen]
extern "C" {
    /// `console.log(prefix, message)`.
    #[wasm_bindgen(js_namespace = console, js_name = log)]
    pub fn console_log(prefix: &str, message: &str);
    /// `console.warn(prefix, message)`.
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    pub fn console_warn(prefix: &str, message: &str);
}

/// A `TypeError` named `TypeError` with `message` (prefixed with the package name).
pub fn type_error(message: &str) -> JsValue {
    let mut m = String::from("frappe-realtime: ");
    m.push_str(message);
    make_error("TypeError", "TypeError", &m, &JsValue::UNDEFINED)
}
