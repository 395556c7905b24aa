//! The WebSocket transport: one `web_sys::WebSocket` (binaryType
//! `arraybuffer`), its four handlers stored beside it and detached on drop.

use crate::browser::driver::{self, Weak};
use crate::protocol::client::TransportId;
use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, MessageEvent, WebSocket};

/// An open (or opening) WebSocket reporting to the driver.
pub struct WebSocketTransport {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut()>,
    _on_error: Closure<dyn FnMut()>,
}

impl WebSocketTransport {
    /// Opens `url`; events go to the driver as inputs for transport `id`.
    pub fn open(url: &str, id: TransportId, driver: Weak) -> Result<WebSocketTransport, JsValue> {
        let ws = WebSocket::new(url)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let d = driver.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || {
            driver::input(&d, |c, now| c.handle_transport_open(now, id));
        });
        let d = driver.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            if let Some(text) = data.as_string() {
                driver::input(&d, |c, now| c.handle_text(now, id, &text));
            } else if let Some(buf) = data.dyn_ref::<ArrayBuffer>() {
                let bytes = Uint8Array::new(buf).to_vec();
                driver::input(&d, |c, now| c.handle_binary(now, id, &bytes));
            }
        });
        let d = driver.clone();
        let on_close = Closure::<dyn FnMut()>::new(move || {
            driver::input(&d, |c, now| c.handle_transport_closed(now, id, false));
        });
        let d = driver;
        let on_error = Closure::<dyn FnMut()>::new(move || {
            driver::input(&d, |c, now| c.handle_transport_closed(now, id, true));
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(WebSocketTransport {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
            _on_error: on_error,
        })
    }

    /// Sends a text frame; a failure surfaces as the socket's error/close event.
    pub fn send_text(&self, data: &str) {
        let _ = self.ws.send_with_str(data);
    }

    /// Sends a binary frame.
    pub fn send_binary(&self, data: &[u8]) {
        let _ = self.ws.send_with_u8_array(data);
    }
}

impl Drop for WebSocketTransport {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        // `close()` lets frames already handed to the socket go out first.
        let _ = self.ws.close();
    }
}
