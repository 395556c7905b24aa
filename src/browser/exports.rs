//! The `#[wasm_bindgen]` surface: `WasmClient`, wrapped by `www/client.js`
//! (which adds rest parameters and `Symbol.dispose`). Errors thrown to JS are
//! real `Error` / `TypeError` objects with a `name`.

use super::jstypes::{Array, Function, Promise};
use crate::browser::driver::{self, ack_error, fail_sink, AckSink, Shared};
use crate::browser::js;
use crate::protocol::client::{AckRequest, Client, State};
use crate::protocol::error::UsageError;
use crate::protocol::options::{self, Source, Value};
use crate::protocol::rooms::{Subscription, SubscriptionKind};
use crate::protocol::seam::LogLevel;
use crate::protocol::time::Duration;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A Socket.IO client for one namespace of one server.
#[wasm_bindgen]
pub struct WasmClient {
    inner: Rc<Shared>,
}

fn usage(e: UsageError) -> JsValue {
    js::type_error(e.message())
}

fn subscription(
    kind: &JsValue,
    first: &JsValue,
    second: &JsValue,
) -> Result<Subscription, JsValue> {
    let kind = kind.as_string().unwrap_or_default();
    let kind = SubscriptionKind::named(&kind).ok_or_else(|| {
        js::type_error("subscription kind must be doctype, doc, doc_open, task or progress")
    })?;
    let first = first.as_string().unwrap_or_default();
    let second = second.as_string().unwrap_or_default();
    Ok(Subscription::of(kind, &first, &second))
}

/// The options as `www/options.js` checked them (`readOptions`): an array in the
/// order of `protocol::options::OPTIONS`, read entry by entry.
struct CheckedOptions<'a>(&'a JsValue);

impl Source for CheckedOptions<'_> {
    fn get(&mut self, at: usize) -> Value {
        // The kind is classified in JS (`js::option`); the value read after it.
        match js::option(self.0, at as u32) {
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::Number(js::option_number()),
            4 => Value::Text(js::option_text()),
            _ => Value::Absent,
        }
    }
}

#[wasm_bindgen]
impl WasmClient {
    /// A client of the server at `origin` (`https://host[:port]`) for its namespace
    /// `namespace` (`/<site>`; `/` when empty), not connected yet (`connect()`),
    /// calling `listeners` (a `Listeners` of `www/listeners.js`: the caller keeps it
    /// and adds to it). The caller parsed the URL (`urlParts` of glue.js) and
    /// checked the options: `options` is what `readOptions` of `www/options.js`
    /// made of them, read entry by entry (`protocol::options`).
    #[wasm_bindgen(constructor)]
    pub fn new_js(
        #[wasm_bindgen(unchecked_param_type = "string")] origin: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] namespace: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "unknown[]")] options: &JsValue,
        listeners: &JsValue,
    ) -> Result<WasmClient, JsValue> {
        let namespace = namespace.as_string().unwrap_or_default();
        let seed = js::seed() as u64 ^ js::now() as u64;
        let o = options::parse(
            if namespace.is_empty() {
                "/"
            } else {
                &namespace
            },
            seed,
            &mut CheckedOptions(options),
        );
        let client = Client::new(o.config).map_err(usage)?;
        let inner = driver::new(
            client,
            origin.as_string().unwrap_or_default(),
            o.with_credentials,
            o.extra_headers.as_deref(),
            listeners,
        );
        {
            let mut i = inner.state_mut();
            if let Some(level) = o.log {
                i.log = level;
            }
            i.ack_timeout = o.ack_timeout;
        }
        Ok(WasmClient { inner })
    }

    /// Connects (or, while waiting to reconnect, tries now).
    pub fn connect(&self) {
        driver::run(&self.inner, |c, now| c.connect(now));
    }

    /// Disconnects (`io client disconnect`); `connect()` may follow.
    pub fn disconnect(&self) {
        driver::run(&self.inner, |c, now| c.disconnect(now));
    }

    /// Disconnects and releases every listener, transport, timer and page hook;
    /// pending acks reject. The client cannot be used afterwards.
    pub fn close(&self) {
        self.disconnect();
        let sinks = self.inner.release();
        let err = ack_error("client closed");
        for s in sinks {
            fail_sink(s, &err);
        }
    }

    /// Tries to reconnect now (network back, tab visible).
    #[wasm_bindgen(js_name = reconnectNow)]
    pub fn reconnect_now(&self) {
        driver::run(&self.inner, |c, now| c.reconnect_now(now));
    }

    /// Sets the function called with every `connect_error` Error before the
    /// listeners (used by the JS wrapper to add hints).
    #[wasm_bindgen(js_name = setErrorHook)]
    pub fn set_error_hook(&self, f: Option<Function>) {
        self.inner.state_mut().error_hook = f;
    }

    /// Emits `event` with `args`; a function as the last argument receives the
    /// server's ack (`(err, ...args)` when `timeout` or `ackTimeout` applies).
    /// Throws a `TypeError` before sending anything for a reserved or empty
    /// name or arguments JSON cannot carry.
    pub fn emit(&self, event: JsValue, args: Array, timeout: Option<f64>) -> Result<(), JsValue> {
        let callback = js::pop_callback(&args);
        let timeout = self.ack_timeout(timeout);
        let sink = callback.map(|f| AckSink::Callback {
            f,
            with_error: timeout.is_some(),
        });
        self.send(event, &args, sink, timeout)
    }

    /// Emits and returns a Promise of the ack's first argument, rejected with an
    /// `Error` on timeout or disconnect.
    #[wasm_bindgen(js_name = emitWithAck)]
    pub fn emit_with_ack(
        &self,
        event: JsValue,
        args: Array,
        timeout: Option<f64>,
    ) -> Result<Promise, JsValue> {
        // `[promise, resolve, reject]`, made in JS: no Rust closure for the executor.
        let d = js::deferred();
        let (resolve, reject) = (d.get(1).unchecked_into(), d.get(2).unchecked_into());
        self.send(
            event,
            &args,
            Some(AckSink::Promise { resolve, reject }),
            self.ack_timeout(timeout),
        )?;
        Ok(d.get(0).unchecked_into())
    }

    /// The ack timeout of an emit: its own (`timeout(ms)`), else the `ackTimeout` option.
    fn ack_timeout(&self, timeout: Option<f64>) -> Option<Duration> {
        timeout
            .map(|t| Duration(t.max(0.0) as u64))
            .or(self.inner.state().ack_timeout)
    }

    fn send(
        &self,
        event: JsValue,
        args: &Array,
        sink: Option<AckSink>,
        timeout: Option<Duration>,
    ) -> Result<(), JsValue> {
        let name = event
            .as_string()
            .ok_or_else(|| js::type_error("event name must be a string"))?;
        let enc = js::encode_args(args)?;
        let json = enc.get(0).as_string().unwrap_or_default();
        let bins: Array = enc.get(1).unchecked_into();
        let bins: Vec<Vec<u8>> = (0..bins.length())
            .map(|i| driver::bytes(bins.get(i).unchecked_ref()))
            .collect();
        let ack = if sink.is_some() {
            AckRequest::Ack { timeout }
        } else {
            AckRequest::None
        };
        let (result, events) = {
            let mut inner = self.inner.state_mut();
            let now = driver::now();
            let result = inner.client.emit(now, &name, &json, bins, ack);
            if let (Ok(Some(id)), Some(sink)) = (&result, sink) {
                inner.expect_ack(*id, sink);
            }
            (result, inner.pump(&self.inner.hub, now))
        };
        driver::dispatch_events(&self.inner, events);
        result.map(|_| ()).map_err(usage)
    }

    /// Registers a Frappe subscription (`doctype`, `doc`, `doc_open`, `task`,
    /// `progress`), restored after every reconnect; `false` if already there.
    #[wasm_bindgen(js_name = subscribe)]
    pub fn subscribe_js(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] kind: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] first: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] second: &JsValue,
    ) -> Result<bool, JsValue> {
        self.change_subscription(true, kind, first, second)
    }

    /// Leaves the room of a subscription; `false` if it was not registered.
    #[wasm_bindgen(js_name = unsubscribe)]
    pub fn unsubscribe_js(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] kind: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] first: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] second: &JsValue,
    ) -> Result<bool, JsValue> {
        self.change_subscription(false, kind, first, second)
    }

    /// Whether the namespace is connected.
    #[wasm_bindgen(getter)]
    pub fn connected(&self) -> bool {
        self.inner.state().client.connected()
    }

    /// The socket id while connected.
    #[wasm_bindgen(getter = id)]
    #[wasm_bindgen(unchecked_return_type = "string | undefined")]
    pub fn id_js(&self) -> JsValue {
        self.inner
            .state()
            .client
            .id()
            .map_or(JsValue::UNDEFINED, JsValue::from)
    }

    /// `"polling"` or `"websocket"` while a transport is open.
    #[wasm_bindgen(getter = transport)]
    #[wasm_bindgen(unchecked_return_type = "string | undefined")]
    pub fn transport_js(&self) -> JsValue {
        let transport = self.inner.state().client.transport();
        transport.map_or(JsValue::UNDEFINED, |t| t.name().into())
    }

    /// `"idle"`, `"connecting"`, `"connected"`, `"reconnecting"` or `"failed"`.
    #[wasm_bindgen(getter = state)]
    #[wasm_bindgen(unchecked_return_type = "string")]
    pub fn state_js(&self) -> JsValue {
        self.state_name().into()
    }

    /// How many emits wait in the offline buffer.
    #[wasm_bindgen(getter)]
    pub fn buffered(&self) -> usize {
        self.inner.state().client.buffered()
    }

    /// The console log level.
    #[wasm_bindgen(getter = debug)]
    #[wasm_bindgen(unchecked_return_type = "string")]
    pub fn debug_js(&self) -> JsValue {
        self.inner.state().log.name().into()
    }

    /// Sets the console log level at run time: a level's name (or `"true"`,
    /// `"false"`), checked by the caller (`www/options.js`); any other value is
    /// ignored.
    #[wasm_bindgen(setter = debug)]
    pub fn set_debug_js(&self, #[wasm_bindgen(unchecked_param_type = "string")] level: &JsValue) {
        let Some(level) = level.as_string().as_deref().and_then(LogLevel::named) else {
            return;
        };
        let mut inner = self.inner.state_mut();
        inner.log = level;
        // The fast path skips the per-event debug log: re-decide it.
        inner.sync(&self.inner.hub, driver::now());
    }

    /// What the client holds, for leak checks:
    /// `[listeners, transports, timer armed, page listeners, wasm memory bytes]` (the
    /// last is the module instance's linear memory, shared by its clients; it never
    /// shrinks, see docs/reliability.md).
    #[wasm_bindgen(js_name = resources)]
    #[wasm_bindgen(unchecked_return_type = "number[]")]
    pub fn resources_js(&self) -> Array {
        let pages = core::arch::wasm32::memory_size(0);
        js::resources(&self.inner.hub, pages as f64 * 65536.0)
    }
}

/// What the driver's browser tests call, with Rust types.
/// The exported ones above take and return JS values as they are: an event name or a
/// state string then crosses the boundary as a reference, with no copy into or out of
/// wasm memory and no conversion code in the module or the glue.
impl WasmClient {
    /// A client for `url` calling `listeners` (see the constructor in JS).
    pub fn new(url: &str, options: JsValue, listeners: &JsValue) -> Result<WasmClient, JsValue> {
        let parts = js::url_parts(&url.into())?;
        WasmClient::new_js(&parts.get(0), &parts.get(1), &options, listeners)
    }

    /// `"idle"`, `"connecting"`, `"connected"`, `"reconnecting"` or `"failed"`.
    pub fn state(&self) -> String {
        String::from(self.state_name())
    }

    /// The console log level.
    pub fn debug(&self) -> String {
        self.debug_js().as_string().unwrap_or_default()
    }

    /// Sets the console log level at run time (a level's name; anything else is
    /// ignored).
    pub fn set_debug(&self, level: &str) {
        self.set_debug_js(&level.into())
    }

    /// `[listeners, transports, timer armed, page listeners]` (the counts of
    /// `resources_js`, without its memory size).
    pub fn resources(&self) -> Vec<u32> {
        let counts = self.resources_js();
        (0..4)
            .map(|i| counts.get(i).as_f64().unwrap_or(0.0) as u32)
            .collect()
    }

    fn state_name(&self) -> &'static str {
        match self.inner.state().client.state() {
            State::Idle => "idle",
            State::Connecting => "connecting",
            State::Connected => "connected",
            State::Reconnecting { .. } => "reconnecting",
            State::Failed => "failed",
        }
    }

    /// `subscribe` (`on`) or `unsubscribe`: one body for both.
    fn change_subscription(
        &self,
        on: bool,
        kind: &JsValue,
        first: &JsValue,
        second: &JsValue,
    ) -> Result<bool, JsValue> {
        let sub = subscription(kind, first, second)?;
        let mut out = Ok(false);
        driver::run(&self.inner, |c, now| {
            out = if on {
                c.subscribe(now, sub)
            } else {
                c.unsubscribe(now, &sub)
            }
        });
        out.map_err(usage)
    }
}
