//! The browser driver (wasm32 only). It owns a [`crate::protocol::client::Client`]
//! and carries out what it asks; the full driver arrives with the browser-driver
//! issue. For now it exports the protocol versions the core speaks, so the
//! package build (`npm run build`) has a real, minimal wasm surface.

use wasm_bindgen::prelude::wasm_bindgen;

/// The Engine.IO protocol revision this client speaks (`EIO=4`).
#[wasm_bindgen(js_name = engineProtocol)]
pub fn engine_protocol() -> u32 {
    crate::protocol::config::ENGINE_PROTOCOL
}
