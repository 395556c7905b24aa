//! The driver: owns the core [`Client`], carries out its transmits, arms its
//! one timer, and turns its events into calls of JS listeners.
//!
//! Every input (a WebSocket event, a fetch result, the timer, a page signal,
//! a call from JS) goes through [`input`]: borrow the driver, feed the core
//! with `performance.now()`, carry out every transmit, re-arm the timer, then
//! release the borrow and only then call JS listeners, so a listener may call
//! back into the client (`emit` inside `on("connect")`).
//!
//! Closures held by transports, the timer and the page hooks keep only a
//! [`Weak`] reference: dropping the client drops everything it installed.

use crate::browser::js;
use crate::browser::listeners::Listeners;
use crate::browser::page::PageHooks;
use crate::browser::polling::PollingTransport;
use crate::browser::timer::Timer;
use crate::browser::websocket::WebSocketTransport;
use crate::protocol::client::{
    AckFailure, Client, ConnectErrorKind, DropReason, Event, Transmit, TransportId,
};
use crate::protocol::time::{Duration, Instant};
use alloc::rc::Rc;
use core::cell::RefCell;
use js_sys::{Array, Function, Uint8Array};
use wasm_bindgen::prelude::*;

/// The reference closures keep to the driver.
pub type Weak = alloc::rc::Weak<RefCell<Inner>>;

/// How much the driver logs to the console.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Failures only.
    Error,
    /// Failures and connection losses (default).
    Warn,
    /// Connection state changes.
    Info,
    /// Every transmit and event (never request bodies or cookies).
    Debug,
}

impl LogLevel {
    /// Parses `"off"`, `"error"`, `"warn"`, `"info"`, `"debug"` (or `true` → debug).
    pub fn parse(s: &str) -> Option<LogLevel> {
        Some(match s {
            "off" | "false" => LogLevel::Off,
            "error" => LogLevel::Error,
            "warn" => LogLevel::Warn,
            "info" => LogLevel::Info,
            "debug" | "true" => LogLevel::Debug,
            _ => return None,
        })
    }

    /// The name `parse` accepts.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Off => "off",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        }
    }
}

enum Transport {
    WebSocket(WebSocketTransport),
    Polling(PollingTransport),
}

/// Where an ack answer goes.
pub enum AckSink {
    /// `emit(…, fn)`: `fn(...args)`, or `fn(err, ...args)` when a timeout applies.
    Callback {
        /// The callback.
        f: Function,
        /// socket.io-client's `timeout(ms).emit`: the first argument is an error or null.
        with_error: bool,
    },
    /// `emitWithAck`: resolved with the first argument, rejected with an Error.
    Promise {
        /// The promise's resolve function.
        resolve: Function,
        /// The promise's reject function.
        reject: Function,
    },
}

/// The driver's state.
pub struct Inner {
    /// The protocol core.
    pub client: Client,
    /// `http(s)://host:port` of the server.
    pub origin: String,
    ws_origin: String,
    with_credentials: bool,
    headers: JsValue,
    transports: Vec<(TransportId, Transport)>,
    timer: Timer,
    /// Application listeners.
    pub listeners: Listeners,
    page: Option<PageHooks>,
    acks: Vec<(u64, AckSink)>,
    ack_sender: Option<Closure<dyn FnMut(f64, Array)>>,
    /// Console logging.
    pub log: LogLevel,
    /// Default ack timeout.
    pub ack_timeout: Option<Duration>,
    /// Called with every `connect_error` Error before the listeners (the JS
    /// wrapper adds hints); not a listener, so `off()` cannot remove it.
    pub error_hook: Option<Function>,
    me: Weak,
}

/// The current time.
pub fn now() -> Instant {
    Instant(js::now() as u64)
}

impl Inner {
    /// A driver for `client`, talking to `origin`.
    pub fn new(
        client: Client,
        origin: String,
        with_credentials: bool,
        headers: JsValue,
    ) -> Rc<RefCell<Inner>> {
        let ws_origin = if let Some(rest) = origin.strip_prefix("https:") {
            let mut s = String::from("wss:");
            s.push_str(rest);
            s
        } else {
            let mut s = String::from("ws:");
            s.push_str(origin.strip_prefix("http:").unwrap_or(&origin));
            s
        };
        let rc = Rc::new(RefCell::new(Inner {
            client,
            origin,
            ws_origin,
            with_credentials,
            headers,
            transports: Vec::new(),
            timer: Timer::default(),
            listeners: Listeners::default(),
            page: None,
            acks: Vec::new(),
            ack_sender: None,
            log: LogLevel::Warn,
            ack_timeout: None,
            error_hook: None,
            me: Weak::new(),
        }));
        let weak = Rc::downgrade(&rc);
        {
            let mut inner = rc.borrow_mut();
            inner.page = Some(PageHooks::install(weak.clone()));
            let w = weak.clone();
            inner.ack_sender = Some(Closure::<dyn FnMut(f64, Array)>::new(
                move |id: f64, args: Array| {
                    if let Ok(enc) = js::encode_args(&args) {
                        let json = enc.get(0).as_string().unwrap_or_default();
                        input(&w, |c, now| {
                            let _ = c.ack(now, id as u64, &json);
                        });
                    }
                },
            ));
            inner.me = weak;
        }
        rc
    }

    /// Carries out every transmit, re-arms the timer, returns the events.
    pub fn pump(&mut self, now: Instant) -> Vec<Event> {
        while let Some(t) = self.client.poll_transmit() {
            self.execute(t, now);
        }
        let mut events = Vec::new();
        while let Some(e) = self.client.poll_event() {
            events.push(e);
        }
        let deadline = self.client.poll_timeout();
        let me = self.me.clone();
        self.timer.arm(deadline, now, &me);
        events
    }

    fn execute(&mut self, t: Transmit, now: Instant) {
        if self.log >= LogLevel::Debug {
            log_transmit(&t);
        }
        match t {
            Transmit::WebSocketOpen { transport, url } => {
                let mut full = self.ws_origin.clone();
                full.push_str(&url);
                match WebSocketTransport::open(&full, transport, self.me.clone()) {
                    Ok(ws) => self.transports.push((transport, Transport::WebSocket(ws))),
                    // An invalid URL or a CSP refusal: the transport failed.
                    Err(_) => self.client.handle_transport_closed(now, transport, true),
                }
            }
            Transmit::WebSocketText { transport, data } => {
                if let Some(Transport::WebSocket(ws)) = self.find(transport) {
                    ws.send_text(&data);
                }
            }
            Transmit::WebSocketBinary { transport, data } => {
                if let Some(Transport::WebSocket(ws)) = self.find(transport) {
                    ws.send_binary(&data);
                }
            }
            Transmit::PollGet { transport, url } => {
                let full = self.http_url(&url);
                self.polling(transport).get(&full);
            }
            Transmit::PollPost {
                transport,
                url,
                body,
            } => {
                let full = self.http_url(&url);
                self.polling(transport).post(&full, &body);
            }
            Transmit::Close { transport } => {
                self.transports.retain(|(id, _)| *id != transport);
            }
        }
    }

    fn http_url(&self, path: &str) -> String {
        let mut full = self.origin.clone();
        full.push_str(path);
        full
    }

    fn find(&self, id: TransportId) -> Option<&Transport> {
        self.transports
            .iter()
            .find(|(t, _)| *t == id)
            .map(|(_, tr)| tr)
    }

    fn polling(&mut self, id: TransportId) -> &PollingTransport {
        if !matches!(self.find(id), Some(Transport::Polling(_))) {
            let p =
                PollingTransport::new(id, self.me.clone(), self.with_credentials, &self.headers);
            self.transports.push((id, Transport::Polling(p)));
        }
        match self.find(id) {
            Some(Transport::Polling(p)) => p,
            _ => unreachable!("inserted above"),
        }
    }

    /// Registers where the answer to ack `id` goes.
    pub fn expect_ack(&mut self, id: u64, sink: AckSink) {
        self.acks.push((id, sink));
    }

    /// Drops every transport, the timer and the page hooks; rejects pending acks.
    pub fn release(&mut self) -> Vec<AckSink> {
        self.transports.clear();
        self.timer.arm(None, now(), &Weak::new());
        self.page = None;
        self.listeners.remove(None, None);
        self.acks.drain(..).map(|(_, s)| s).collect()
    }

    /// Counts of what the driver holds: `[listeners, transports, timer armed, page hooks]`.
    pub fn resources(&self) -> [usize; 4] {
        [
            self.listeners.count(),
            self.transports.len(),
            usize::from(self.timer.is_armed()),
            self.page.as_ref().map_or(0, PageHooks::count),
        ]
    }

    fn take_ack(&mut self, id: u64) -> Option<AckSink> {
        let pos = self.acks.iter().position(|(a, _)| *a == id)?;
        Some(self.acks.remove(pos).1)
    }
}

/// Feeds one input to the core and runs the drive loop; see the module docs.
pub fn input(weak: &Weak, f: impl FnOnce(&mut Client, Instant)) {
    let Some(rc) = weak.upgrade() else {
        return;
    };
    run(&rc, f);
}

/// [`input`] for a caller holding the strong reference.
pub fn run(rc: &Rc<RefCell<Inner>>, f: impl FnOnce(&mut Client, Instant)) {
    let events = {
        // Inputs arrive from the event loop or from JS calls, never while the
        // driver is borrowed (listeners run after the borrow ends).
        let Ok(mut inner) = rc.try_borrow_mut() else {
            return;
        };
        let now = now();
        f(&mut inner.client, now);
        inner.pump(now)
    };
    dispatch_events(rc, events);
}

/// Calls the listeners of `event` with `args`.
pub fn emit_local(rc: &Rc<RefCell<Inner>>, event: &str, args: &Array) {
    let fs = rc.borrow_mut().listeners.take_for(event);
    for f in fs {
        js::call_listener(&f, args);
    }
}

fn array1(v: JsValue) -> Array {
    let a = Array::new();
    a.push(&v);
    a
}

fn attachments(bins: Vec<Vec<u8>>) -> Array {
    bins.iter()
        .map(|b| JsValue::from(Uint8Array::from(&b[..])))
        .collect()
}

/// The Error an ack sink is rejected with.
pub fn ack_error(message: &str) -> JsValue {
    js::make_error("Error", "AckError", message, &JsValue::UNDEFINED)
}

/// Settles an ack sink with a failure.
pub fn fail_sink(sink: AckSink, error: &JsValue) {
    match sink {
        AckSink::Callback { f, with_error } => {
            if with_error {
                js::call_listener(&f, &array1(error.clone()));
            }
        }
        AckSink::Promise { reject, .. } => {
            let _ = reject.call1(&JsValue::UNDEFINED, error);
        }
    }
}

fn log(rc: &Rc<RefCell<Inner>>, level: LogLevel, message: &str) {
    let current = rc.borrow().log;
    if current >= level && level != LogLevel::Off {
        if level <= LogLevel::Warn {
            js::console_warn("frappe-realtime:", message);
        } else {
            js::console_log("frappe-realtime:", message);
        }
    }
}

fn log_transmit(t: &Transmit) {
    // Bodies are not logged: a CONNECT may carry an auth token.
    let (what, detail, len) = match t {
        Transmit::WebSocketOpen { url, .. } => ("open websocket", url.as_str(), 0),
        Transmit::WebSocketText { data, .. } => ("send text frame", "", data.len()),
        Transmit::WebSocketBinary { data, .. } => ("send binary frame", "", data.len()),
        Transmit::PollGet { url, .. } => ("poll GET", url.as_str(), 0),
        Transmit::PollPost { url, body, .. } => ("poll POST", url.as_str(), body.len()),
        Transmit::Close { .. } => ("close transport", "", 0),
    };
    let mut m = String::from(what);
    m.push(' ');
    m.push_str(detail);
    if len > 0 {
        m.push_str(" bytes=");
        crate::protocol::socket::push_u64(&mut m, len as u64);
    }
    js::console_log("frappe-realtime:", &m);
}

/// Delivers core events to listeners and ack sinks; the driver must not be borrowed.
pub fn dispatch_events(rc: &Rc<RefCell<Inner>>, events: Vec<Event>) {
    for e in events {
        match e {
            Event::Connect { sid, recovered } => {
                let mut m = String::from("connected, sid ");
                m.push_str(&sid);
                if recovered {
                    m.push_str(" (session recovered)");
                }
                log(rc, LogLevel::Info, &m);
                emit_local(rc, "connect", &Array::new());
            }
            Event::ConnectError {
                kind,
                message,
                data,
            } => {
                let name = match kind {
                    ConnectErrorKind::Server => "ConnectError",
                    ConnectErrorKind::Transport | ConnectErrorKind::Handshake => "TransportError",
                    ConnectErrorKind::Timeout => "TimeoutError",
                };
                let parsed = if data.is_empty() {
                    JsValue::UNDEFINED
                } else {
                    js_sys::JSON::parse(&data).unwrap_or(JsValue::UNDEFINED)
                };
                let extra = js::record(&Array::of4(
                    &"type".into(),
                    &name.into(),
                    &"data".into(),
                    &parsed,
                ));
                let err = js::make_error("Error", name, &message, &extra);
                let hook = rc.borrow().error_hook.clone();
                if let Some(hook) = hook {
                    js::call_listener(&hook, &array1(err.clone()));
                }
                let mut m = String::from("connect_error: ");
                m.push_str(&message);
                log(rc, LogLevel::Warn, &m);
                emit_local(rc, "connect_error", &array1(err));
            }
            Event::Disconnect { reason } => {
                let mut m = String::from("disconnected: ");
                m.push_str(reason.as_str());
                log(rc, LogLevel::Info, &m);
                emit_local(rc, "disconnect", &array1(reason.as_str().into()));
            }
            Event::ReconnectScheduled { attempt, delay, .. } => {
                let at = js_sys::Date::now() + delay.as_millis() as f64;
                let info = js::record(
                    &[
                        JsValue::from("attempt"),
                        JsValue::from(attempt),
                        JsValue::from("delay"),
                        JsValue::from(delay.as_millis() as f64),
                        JsValue::from("at"),
                        JsValue::from(at),
                    ]
                    .into_iter()
                    .collect(),
                );
                emit_local(rc, "reconnect_scheduled", &array1(info));
            }
            Event::ReconnectAttempt { attempt } => {
                emit_local(rc, "reconnect_attempt", &array1(attempt.into()))
            }
            Event::Reconnect { attempt } => emit_local(rc, "reconnect", &array1(attempt.into())),
            Event::ReconnectFailed => {
                log(rc, LogLevel::Warn, "reconnect_failed: attempts exhausted");
                emit_local(rc, "reconnect_failed", &Array::new())
            }
            Event::Upgrade => emit_local(rc, "upgrade", &array1("websocket".into())),
            Event::UpgradeError => {
                log(
                    rc,
                    LogLevel::Info,
                    "websocket upgrade failed; staying on polling",
                );
                emit_local(rc, "upgradeError", &Array::new())
            }
            Event::Message {
                name,
                data,
                ack,
                attachments: bins,
            } => match js::decode_args(&data, &attachments(bins)) {
                Ok(value) => {
                    let args = Array::from(&value);
                    args.shift();
                    if let Some(id) = ack {
                        let inner = rc.borrow();
                        if let Some(sender) = &inner.ack_sender {
                            args.push(&js::make_ack(sender.as_ref().unchecked_ref(), id as f64));
                        }
                    }
                    if rc.borrow().log >= LogLevel::Debug {
                        js::console_log("frappe-realtime: event", &name);
                    }
                    emit_local(rc, &name, &args);
                }
                Err(_) => emit_error(rc, "ProtocolError", "event payload is not valid JSON"),
            },
            Event::Ack {
                id,
                data,
                attachments: bins,
            } => {
                let Some(sink) = rc.borrow_mut().take_ack(id) else {
                    continue;
                };
                let Ok(value) = js::decode_args(&data, &attachments(bins)) else {
                    fail_sink(sink, &ack_error("ack payload is not valid JSON"));
                    continue;
                };
                let args = Array::from(&value);
                match sink {
                    AckSink::Callback { f, with_error } => {
                        if with_error {
                            args.unshift(&JsValue::NULL);
                        }
                        js::call_listener(&f, &args);
                    }
                    AckSink::Promise { resolve, .. } => {
                        let _ = resolve.call1(&JsValue::UNDEFINED, &args.get(0));
                    }
                }
            }
            Event::AckFailed { id, reason } => {
                let Some(sink) = rc.borrow_mut().take_ack(id) else {
                    continue;
                };
                let message = match reason {
                    AckFailure::Timeout => "operation has timed out",
                    AckFailure::Disconnected => "socket has been disconnected",
                };
                fail_sink(sink, &ack_error(message));
            }
            Event::Dropped { name, ack, reason } => {
                let why = match reason {
                    DropReason::BufferFull => "buffer full",
                    DropReason::Expired => "expired",
                };
                let mut m = String::from("offline buffer dropped emit ");
                m.push_str(&name);
                m.push_str(": ");
                m.push_str(why);
                log(rc, LogLevel::Warn, &m);
                if let Some(id) = ack {
                    if let Some(sink) = rc.borrow_mut().take_ack(id) {
                        fail_sink(sink, &ack_error(&m));
                    }
                }
                let info = js::record(&Array::of4(
                    &"event".into(),
                    &name.into(),
                    &"reason".into(),
                    &why.into(),
                ));
                emit_local(rc, "dropped", &array1(info));
            }
            Event::Error { error } => emit_error(rc, "ProtocolError", error.message()),
        }
    }
}

fn emit_error(rc: &Rc<RefCell<Inner>>, name: &str, message: &str) {
    log(rc, LogLevel::Warn, message);
    let err = js::make_error("Error", name, message, &JsValue::UNDEFINED);
    emit_local(rc, "error", &array1(err));
}
