//! The browser driver (wasm32 only). It owns a [`crate::protocol::client::Client`]
//! and only carries out what the core asks, through the hub in `glue.js`
//! (WebSocket, long-polling through `fetch`, one timer, page signals, the
//! application's listeners); [`driver`] runs the drive loop, [`exports`] is the JS
//! surface.

pub mod driver;
pub mod exports;
pub mod js;
pub mod jstypes;
#[cfg(feature = "tiny")]
pub mod tiny;

use wasm_bindgen::prelude::wasm_bindgen;

/// The Engine.IO protocol revision this client speaks (`EIO=4`).
#[wasm_bindgen(js_name = engineProtocol)]
pub fn engine_protocol() -> u32 {
    crate::protocol::config::ENGINE_PROTOCOL
}
