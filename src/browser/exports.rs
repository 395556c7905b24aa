//! The `#[wasm_bindgen]` surface: `WasmClient`, wrapped by `www/client.js`
//! (which adds rest parameters and `Symbol.dispose`). Errors thrown to JS are
//! real `Error` / `TypeError` objects with a `name`.

use crate::browser::driver::{self, ack_error, fail_sink, AckSink, Inner, LogLevel};
use crate::browser::js;
use crate::browser::options::Options;
use crate::protocol::client::{AckRequest, Client, State};
use crate::protocol::error::UsageError;
use crate::protocol::rooms::Subscription;
use crate::protocol::time::Duration;
use alloc::rc::Rc;
use core::cell::RefCell;
use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A Socket.IO client for one namespace of one server.
#[wasm_bindgen]
pub struct WasmClient {
    inner: Rc<RefCell<Inner>>,
}

fn usage(e: UsageError) -> JsValue {
    js::type_error(e.message())
}

fn subscription(kind: &str, first: &str, second: Option<String>) -> Result<Subscription, JsValue> {
    let second = second.unwrap_or_default();
    Ok(match kind {
        "doctype" => Subscription::doctype(first),
        "doc" => Subscription::doc(first, &second),
        "doc_open" => Subscription::doc_open(first, &second),
        "task" => Subscription::task(first),
        "progress" => Subscription::progress(first),
        _ => {
            return Err(js::type_error(
                "subscription kind must be doctype, doc, doc_open, task or progress",
            ))
        }
    })
}

#[wasm_bindgen]
impl WasmClient {
    /// A client for `url` (`https://host[:port]/<namespace>`), connecting at
    /// once unless `options.autoConnect === false`.
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, options: JsValue) -> Result<WasmClient, JsValue> {
        let parts = js::split_url(url).map_err(|_| js::type_error("invalid URL"))?;
        let origin = parts.get(0).as_string().unwrap_or_default();
        let path = parts.get(1).as_string().unwrap_or_default();
        let opts = Options::from_js(&options)?;
        let auth = if options.is_object() {
            let a = Reflect::get(&options, &"auth".into()).unwrap_or(JsValue::UNDEFINED);
            if a.is_undefined() || a.is_null() {
                None
            } else if a.is_object() && !a.is_function() {
                js_sys::JSON::stringify(&a).ok().and_then(|s| s.as_string())
            } else {
                return Err(js::type_error("auth must be a plain object"));
            }
        } else {
            None
        };
        let seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64 ^ js::now() as u64;
        let namespace = if path.is_empty() { "/" } else { path.as_str() };
        let config = opts.config(namespace, auth, seed)?;
        let client = Client::new(config).map_err(usage)?;
        let headers = match &opts.extra_headers {
            Some(h) => {
                let o = js_sys::Object::new();
                for (k, v) in h {
                    let _ = Reflect::set(&o, &k.into(), &v.into());
                }
                o.into()
            }
            None => JsValue::UNDEFINED,
        };
        let inner = Inner::new(
            client,
            origin,
            opts.with_credentials.unwrap_or(true),
            headers,
        );
        {
            let mut i = inner.borrow_mut();
            if let Some(level) = &opts.debug {
                i.log = LogLevel::parse(level).ok_or_else(|| {
                    js::type_error("debug must be off, error, warn, info or debug")
                })?;
            }
            i.ack_timeout = opts.ack_timeout.map(|t| Duration(t.max(0.0) as u64));
        }
        let me = WasmClient { inner };
        if opts.auto_connect.unwrap_or(true) {
            me.connect();
        }
        Ok(me)
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
        let sinks = self.inner.borrow_mut().release();
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

    /// Adds a listener.
    pub fn on(&self, event: &str, f: Function) {
        self.inner.borrow_mut().listeners.add(event, f, false);
    }

    /// Adds a listener called at most once.
    pub fn once(&self, event: &str, f: Function) {
        self.inner.borrow_mut().listeners.add(event, f, true);
    }

    /// Removes `f` from `event`; every listener of `event` without `f`; every
    /// listener without arguments.
    pub fn off(&self, event: Option<String>, f: Option<Function>) {
        self.inner
            .borrow_mut()
            .listeners
            .remove(event.as_deref(), f.as_ref());
    }

    /// The listeners of `event`, in registration order.
    pub fn listeners(&self, event: &str) -> Array {
        self.inner.borrow().listeners.of(event)
    }

    /// Sets the function called with every `connect_error` Error before the
    /// listeners (used by the JS wrapper to add hints).
    #[wasm_bindgen(js_name = setErrorHook)]
    pub fn set_error_hook(&self, f: Option<Function>) {
        self.inner.borrow_mut().error_hook = f;
    }

    /// Whether `event` has a listener.
    #[wasm_bindgen(js_name = hasListeners)]
    pub fn has_listeners(&self, event: &str) -> bool {
        self.inner.borrow().listeners.has(event)
    }

    /// Emits `event` with `args`; a function as the last argument receives the
    /// server's ack (`(err, ...args)` when `timeout` or `ackTimeout` applies).
    /// Throws a `TypeError` before sending anything for a reserved or empty
    /// name or arguments JSON cannot carry.
    pub fn emit(&self, event: JsValue, args: Array, timeout: Option<f64>) -> Result<(), JsValue> {
        let callback = args
            .get(args.length().wrapping_sub(1))
            .dyn_into::<Function>()
            .ok();
        if callback.is_some() {
            args.pop();
        }
        let timeout = timeout
            .map(|t| Duration(t.max(0.0) as u64))
            .or(self.inner.borrow().ack_timeout);
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
        let mut resolvers = None;
        let promise = Promise::new(&mut |resolve, reject| resolvers = Some((resolve, reject)));
        let (resolve, reject) = resolvers.ok_or_else(|| js::type_error("Promise unavailable"))?;
        let timeout = timeout
            .map(|t| Duration(t.max(0.0) as u64))
            .or(self.inner.borrow().ack_timeout);
        self.send(
            event,
            &args,
            Some(AckSink::Promise { resolve, reject }),
            timeout,
        )?;
        Ok(promise)
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
        let bins: Vec<Vec<u8>> = Array::from(&enc.get(1))
            .iter()
            .map(|b| Uint8Array::from(b).to_vec())
            .collect();
        let ack = if sink.is_some() {
            AckRequest::Ack { timeout }
        } else {
            AckRequest::None
        };
        let (result, events) = {
            let mut inner = self.inner.borrow_mut();
            let now = driver::now();
            let result = inner.client.emit(now, &name, &json, bins, ack);
            if let (Ok(Some(id)), Some(sink)) = (&result, sink) {
                inner.expect_ack(*id, sink);
            }
            (result, inner.pump(now))
        };
        driver::dispatch_events(&self.inner, events);
        result.map(|_| ()).map_err(usage)
    }

    /// Registers a Frappe subscription (`doctype`, `doc`, `doc_open`, `task`,
    /// `progress`), restored after every reconnect; `false` if already there.
    pub fn subscribe(
        &self,
        kind: &str,
        first: &str,
        second: Option<String>,
    ) -> Result<bool, JsValue> {
        let sub = subscription(kind, first, second)?;
        let mut out = Ok(false);
        driver::run(&self.inner, |c, now| out = c.subscribe(now, sub));
        out.map_err(usage)
    }

    /// Leaves the room of a subscription; `false` if it was not registered.
    pub fn unsubscribe(
        &self,
        kind: &str,
        first: &str,
        second: Option<String>,
    ) -> Result<bool, JsValue> {
        let sub = subscription(kind, first, second)?;
        let mut out = Ok(false);
        driver::run(&self.inner, |c, now| out = c.unsubscribe(now, &sub));
        out.map_err(usage)
    }

    /// Whether the namespace is connected.
    #[wasm_bindgen(getter)]
    pub fn connected(&self) -> bool {
        self.inner.borrow().client.connected()
    }

    /// The socket id while connected.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> Option<String> {
        self.inner.borrow().client.id().map(String::from)
    }

    /// `"polling"` or `"websocket"` while a transport is open.
    #[wasm_bindgen(getter)]
    pub fn transport(&self) -> Option<String> {
        self.inner
            .borrow()
            .client
            .transport()
            .map(|t| String::from(t.name()))
    }

    /// `"idle"`, `"connecting"`, `"connected"`, `"reconnecting"` or `"failed"`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        String::from(match self.inner.borrow().client.state() {
            State::Idle => "idle",
            State::Connecting => "connecting",
            State::Connected => "connected",
            State::Reconnecting { .. } => "reconnecting",
            State::Failed => "failed",
        })
    }

    /// How many emits wait in the offline buffer.
    #[wasm_bindgen(getter)]
    pub fn buffered(&self) -> usize {
        self.inner.borrow().client.buffered()
    }

    /// The console log level.
    #[wasm_bindgen(getter)]
    pub fn debug(&self) -> String {
        String::from(self.inner.borrow().log.name())
    }

    /// Sets the console log level at run time.
    #[wasm_bindgen(setter)]
    pub fn set_debug(&self, level: &str) -> Result<(), JsValue> {
        let level = LogLevel::parse(level)
            .ok_or_else(|| js::type_error("debug must be off, error, warn, info or debug"))?;
        self.inner.borrow_mut().log = level;
        Ok(())
    }

    /// What the client holds, for leak checks:
    /// `[listeners, transports, timer armed, page listeners]`.
    pub fn resources(&self) -> Vec<u32> {
        self.inner
            .borrow()
            .resources()
            .iter()
            .map(|&n| n as u32)
            .collect()
    }
}
