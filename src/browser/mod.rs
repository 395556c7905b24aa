//! The browser driver (wasm32 only). It owns a [`crate::protocol::client::Client`]
//! and only carries out what the core asks: WebSocket ([`websocket`]),
//! long-polling through `fetch` ([`polling`]), one timer ([`timer`]) and page
//! signals ([`page`]); [`driver`] runs the drive loop and [`exports`] is the
//! JS surface.

pub mod driver;
pub mod exports;
pub mod js;
pub mod listeners;
pub mod options;
pub mod page;
pub mod polling;
pub mod timer;
pub mod websocket;

use wasm_bindgen::prelude::wasm_bindgen;

/// The Engine.IO protocol revision this client speaks (`EIO=4`).
#[wasm_bindgen(js_name = engineProtocol)]
pub fn engine_protocol() -> u32 {
    crate::protocol::config::ENGINE_PROTOCOL
}
