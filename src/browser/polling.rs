//! The long-polling transport: `fetch` GETs and POSTs through one channel in
//! `glue.js` (credentials `include` when `withCredentials`, extra headers such
//! as `Authorization`), reporting to the driver through one long-lived closure.

use crate::browser::driver::{self, Weak};
use crate::browser::js;
use crate::protocol::client::TransportId;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A polling session's requests.
pub struct PollingTransport {
    channel: JsValue,
    _on_result: Closure<dyn FnMut(bool, bool, String)>,
}

impl PollingTransport {
    /// A channel for transport `id`; requests start with [`PollingTransport::get`].
    pub fn new(
        id: TransportId,
        driver: Weak,
        with_credentials: bool,
        headers: &JsValue,
    ) -> PollingTransport {
        let on_result = Closure::<dyn FnMut(bool, bool, String)>::new(
            move |is_post: bool, ok: bool, text: String| {
                driver::input(&driver, |c, now| match (is_post, ok) {
                    (false, true) => c.handle_text(now, id, &text),
                    (true, true) => c.handle_sent(now, id),
                    (_, false) => c.handle_transport_closed(now, id, true),
                });
            },
        );
        let channel = js::poll_open(
            on_result.as_ref().unchecked_ref(),
            with_credentials,
            headers,
        );
        PollingTransport {
            channel,
            _on_result: on_result,
        }
    }

    /// Issues the long-polling GET.
    pub fn get(&self, url: &str) {
        js::poll_request(&self.channel, false, url, "");
    }

    /// POSTs a payload.
    pub fn post(&self, url: &str, body: &str) {
        js::poll_request(&self.channel, true, url, body);
    }
}

impl Drop for PollingTransport {
    fn drop(&mut self) {
        js::poll_close(&self.channel);
    }
}
