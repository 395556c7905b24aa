//! The driver: owns the core [`Client`], carries out its transmits through the
//! hub in `glue.js`, arms its one timer, and turns its events into calls of JS
//! listeners.
//!
//! Every input (a WebSocket event, a fetch result, the timer, a page signal, an
//! ack function called by a listener) arrives through the client's one closure,
//! `hub.input(kind, id, data)`, and goes through [`run`]: borrow the driver, feed
//! the core with `performance.now()`, carry out every transmit, re-arm the timer,
//! then release the borrow and only then call JS listeners, so a listener may
//! call back into the client (`emit` inside `on("connect")`).
//!
//! The one exception is the hot path: after every input the driver tells the hub
//! whether plain EVENT frames on the current WebSocket may skip the core
//! ([`Client::plain_event_transport`]) and until when (the core's next deadline).
//! Such a frame is then parsed by `JSON.parse` on the frame itself and handed to the
//! listeners in JS; it never enters wasm memory. The core guarantees that this is
//! exactly what it would have done with it.
//!
//! The closure keeps only a [`Weak`] reference: dropping the client releases
//! everything it installed.

use super::jstypes::{Array, Function, Uint8Array};
use crate::browser::js;
use crate::protocol::client::{Client, Event, Transmit, TransportId};
use crate::protocol::config::TransportKind;
use crate::protocol::error::reserved_event_message;
use crate::protocol::seam::{self, ErrorName, Input, Lifecycle, LogLevel};
use crate::protocol::time::{Duration, Instant};
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What a driver holds: the hub (outside the `RefCell`, so listeners can be
/// called while nothing is borrowed) and the state.
pub struct Shared {
    /// The JS hub of this client (see `glue.js`).
    pub hub: JsValue,
    /// The driver's state.
    pub cell: RefCell<Inner>,
}

/// The client's one closure: `hub.input(kind, id, data)`.
type InputClosure = Closure<dyn FnMut(u32, f64, JsValue)>;

/// The reference the input closure keeps to the driver.
pub type Weak = alloc::rc::Weak<Shared>;

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
    origin: String,
    ws_origin: String,
    /// The deadline the timer is armed for.
    timer: Option<Instant>,
    /// The fast-path state last given to the hub: (transport or -1, until).
    fast: (f64, f64),
    acks: Vec<(u64, AckSink)>,
    /// Console logging.
    pub log: LogLevel,
    /// Default ack timeout.
    pub ack_timeout: Option<Duration>,
    /// Called with every `connect_error` Error before the listeners (the JS
    /// wrapper adds hints); not a listener, so `off()` cannot remove it.
    pub error_hook: Option<Function>,
    _input: Option<InputClosure>,
}

/// The current time.
pub fn now() -> Instant {
    Instant(js::now() as u64)
}

/// A driver for `client`, talking to `origin` (`http(s)://host:port`), calling
/// `listeners` (a `Listeners` of `www/listeners.js`).
pub fn new(
    client: Client,
    origin: String,
    with_credentials: bool,
    headers: Option<&str>,
    listeners: &JsValue,
) -> Rc<Shared> {
    let mut ws_origin = String::from(if origin.starts_with("https:") {
        "wss"
    } else {
        "ws"
    });
    // "://host:port"
    let rest = origin
        .strip_prefix("https")
        .or_else(|| origin.strip_prefix("http"));
    ws_origin.push_str(rest.unwrap_or(&origin));
    // Every plain EVENT frame of the namespace starts with this.
    let mut prefix = String::from("42");
    let namespace = &client.config().namespace;
    if namespace != "/" {
        prefix.push_str(namespace);
        prefix.push(',');
    }
    Rc::new_cyclic(|weak: &Weak| {
        let w = weak.clone();
        let closure = InputClosure::new(move |kind, id, data| {
            if let Some(rc) = w.upgrade() {
                on_input(&rc, kind, id, data);
            }
        });
        let hub = js::hub_new(
            closure.as_ref().unchecked_ref(),
            &prefix,
            with_credentials,
            headers,
            listeners,
        );
        js::hooks(&hub, true);
        Shared {
            hub,
            cell: RefCell::new(Inner {
                client,
                origin,
                ws_origin,
                timer: None,
                fast: (-1.0, 0.0),
                acks: Vec::new(),
                log: LogLevel::Warn,
                ack_timeout: None,
                error_hook: None,
                _input: Some(closure),
            }),
        }
    })
}

fn on_input(rc: &Rc<Shared>, kind: u32, id: f64, data: JsValue) {
    let Some(kind) = Input::from_number(kind) else {
        return;
    };
    let t = id as TransportId;
    // What the input carries is read before the driver is borrowed; then one call of
    // `run` for every kind (one instance of the drive loop in the module, not one per kind).
    // Frames, responses and attachments are copied into wasm memory once, exactly
    // (`text`), and given away to the core, which keeps a payload as it came.
    let text = match kind {
        Input::Text => utf8_text(&data),
        Input::Ack => match js::encode_args(data.unchecked_ref()) {
            Ok(enc) => enc.get(0).as_string().unwrap_or_default(),
            Err(_) => return,
        },
        _ => String::new(),
    };
    let mut parts = Vec::new();
    if kind == Input::Payload {
        let a: &Array = data.unchecked_ref();
        for i in 0..a.length() {
            parts.push(utf8_text(&a.get(i)));
        }
    }
    let bytes = if kind == Input::Binary {
        bytes(data.unchecked_ref())
    } else {
        Vec::new()
    };
    if kind == Input::Timeout {
        // The timer fired, so it is no longer armed.
        if let Ok(mut inner) = rc.cell.try_borrow_mut() {
            inner.timer = None;
        }
    }
    run(rc, |c, now| match kind {
        Input::Open => c.handle_transport_open(now, t),
        Input::Found => c.handle_check_found(now, t),
        Input::Text => c.handle_text_owned(now, t, text),
        Input::Payload => c.handle_poll_response(now, t, parts),
        Input::Binary => c.handle_binary_owned(now, t, bytes),
        Input::Closed | Input::Failed => c.handle_transport_closed(now, t, kind == Input::Failed),
        Input::Sent => c.handle_sent(now, t),
        Input::TryNow => c.reconnect_now(now),
        Input::Ack => {
            let _ = c.ack(now, id as u64, &text);
        }
        // The timer, or a page signal asking for a look at the deadlines.
        Input::Timeout | Input::Check => c.handle_timeout(now),
    });
}

impl Inner {
    /// Carries out every transmit, re-arms the timer, updates the fast path,
    /// returns the events.
    pub fn pump(&mut self, hub: &JsValue, now: Instant) -> Vec<Event> {
        while let Some(t) = self.client.poll_transmit() {
            self.execute(hub, t, now);
        }
        let mut events = Vec::new();
        while let Some(e) = self.client.poll_event() {
            events.push(e);
        }
        self.sync(hub, now);
        events
    }

    /// Re-arms the timer for the core's deadline and tells the hub whether (and
    /// until when) plain events may skip the core.
    pub fn sync(&mut self, hub: &JsValue, now: Instant) {
        let deadline = self.client.poll_timeout();
        if self.timer != deadline {
            self.timer = deadline;
            let ms = deadline.map_or(-1.0, |d| {
                d.saturating_since(now)
                    .as_millis()
                    .min(u64::from(u32::MAX / 2)) as f64
            });
            js::timer(hub, ms);
        }
        let fast = match self.client.plain_event_transport() {
            Some(id) if self.log < LogLevel::Debug => (
                f64::from(id),
                deadline.map_or(f64::INFINITY, |d| d.0 as f64),
            ),
            _ => (-1.0, 0.0),
        };
        if fast != self.fast {
            self.fast = fast;
            js::hub_fast(hub, fast.0, fast.1);
        }
    }

    fn execute(&mut self, hub: &JsValue, t: Transmit, now: Instant) {
        if self.log >= LogLevel::Debug {
            log_transmit(&t);
        }
        match t {
            Transmit::WebSocketOpen {
                transport,
                url,
                check,
            } => {
                let mut full = self.ws_origin.clone();
                full.push_str(&url);
                if js::ws_open(hub, transport, &full, check).is_err() {
                    // An invalid URL or a CSP refusal: the transport failed.
                    self.client.handle_transport_closed(now, transport, true);
                }
            }
            Transmit::WebSocketText { transport, data } => js::ws_send_text(hub, transport, &data),
            Transmit::WebSocketBinary { transport, data } => {
                js::ws_send_binary(hub, transport, &data)
            }
            Transmit::PollGet { transport, url } => {
                js::poll(hub, transport, &self.http_url(&url), None)
            }
            Transmit::PollPost {
                transport,
                url,
                body,
            } => js::poll(hub, transport, &self.http_url(&url), Some(&body)),
            Transmit::Close { transport } => js::close(hub, transport),
        }
    }

    fn http_url(&self, path: &str) -> String {
        let mut full = self.origin.clone();
        full.push_str(path);
        full
    }

    /// Registers where the answer to ack `id` goes.
    pub fn expect_ack(&mut self, id: u64, sink: AckSink) {
        self.acks.push((id, sink));
    }

    fn take_ack(&mut self, id: u64) -> Option<AckSink> {
        // Rebuilt rather than `Vec::remove`d: no index assertion (see `bytes`).
        let mut found = None;
        for (a, sink) in core::mem::take(&mut self.acks) {
            if a == id && found.is_none() {
                found = Some(sink);
            } else {
                self.acks.push((a, sink));
            }
        }
        found
    }
}

/// The string `s` (a JS string) as UTF-8 in wasm memory, exactly its size.
fn utf8_text(s: &JsValue) -> String {
    let bytes = bytes(&js::utf8(s));
    // SAFETY: `utf8` is `TextEncoder.encode`, whose output is well-formed UTF-8 (a lone
    // surrogate becomes U+FFFD) — the trust wasm-bindgen's own string passing puts in
    // `TextEncoder.encodeInto`. Checking again would link `from_utf8` (~430 B gzip).
    unsafe { String::from_utf8_unchecked(bytes) }
}

/// The bytes of a `Uint8Array`. Not `to_vec()`: its length assertion would bring
/// `core::fmt` into the shipped module (whose panics only trap; see `tiny.rs`).
pub fn bytes(a: &Uint8Array) -> Vec<u8> {
    let mut v = alloc::vec![0; a.length() as usize];
    js::copy_bytes(a, &mut v);
    v
}

/// A borrow that cannot fail on a valid path (inputs never arrive while the
/// driver is borrowed); if it did, the module traps instead of formatting a
/// panic message.
fn trap<T>() -> T {
    core::arch::wasm32::unreachable()
}

impl Shared {
    /// The driver's state.
    pub fn state(&self) -> core::cell::Ref<'_, Inner> {
        self.cell.try_borrow().unwrap_or_else(|_| trap())
    }

    /// The driver's state, mutably.
    pub fn state_mut(&self) -> core::cell::RefMut<'_, Inner> {
        self.cell.try_borrow_mut().unwrap_or_else(|_| trap())
    }

    /// Drops every transport, the timer, the page hooks and the listeners;
    /// returns the pending ack sinks (to reject).
    pub fn release(&self) -> Vec<AckSink> {
        js::release(&self.hub);
        let mut inner = self.state_mut();
        inner.timer = None;
        inner.fast = (-1.0, 0.0);
        core::mem::take(&mut inner.acks)
            .into_iter()
            .map(|(_, s)| s)
            .collect()
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Nothing in the page may call into a dropped closure.
        js::release(&self.hub);
    }
}

/// Feeds one input (or command) to the core and runs the drive loop; see the
/// module docs.
pub fn run(rc: &Rc<Shared>, f: impl FnOnce(&mut Client, Instant)) {
    let events = {
        // Inputs arrive from the event loop or from JS calls, never while the
        // driver is borrowed (listeners run after the borrow ends).
        let Ok(mut inner) = rc.cell.try_borrow_mut() else {
            return;
        };
        let now = now();
        f(&mut inner.client, now);
        inner.pump(&rc.hub, now)
    };
    dispatch_events(rc, events);
}

/// Calls the listeners of lifecycle event `event` with `a` (none when undefined).
fn fire(rc: &Rc<Shared>, event: Lifecycle, a: &JsValue) {
    js::fire(&rc.hub, event.name(), a, "");
}

const NONE: JsValue = JsValue::UNDEFINED;

fn attachments(bins: Vec<Vec<u8>>) -> Array {
    let out = Array::new();
    for b in &bins {
        out.push(&Uint8Array::copy_of(b));
    }
    out
}

/// The Error an ack sink is rejected with.
pub fn ack_error(message: &str) -> JsValue {
    js::make_error(false, ErrorName::Ack.name(), message, "", "")
}

/// Settles an ack sink with a failure.
pub fn fail_sink(sink: AckSink, error: &JsValue) {
    match sink {
        AckSink::Callback { f, with_error } => {
            if with_error {
                js::call1(&f, error);
            }
        }
        AckSink::Promise { reject, .. } => js::call1(&reject, error),
    }
}

fn log(rc: &Rc<Shared>, level: LogLevel, message: &str) {
    if rc.state().log >= level && level != LogLevel::Off {
        js::log(level <= LogLevel::Warn, message);
    }
}

fn log_transmit(t: &Transmit) {
    // Bodies are not logged: a CONNECT may carry an auth token.
    let (what, detail, len) = match t {
        Transmit::WebSocketOpen { url, check, .. } => {
            let what = if *check {
                "check, then open websocket "
            } else {
                "open websocket "
            };
            (what, url.as_str(), 0)
        }
        Transmit::WebSocketText { data, .. } => ("send text frame ", "", data.len()),
        Transmit::WebSocketBinary { data, .. } => ("send binary frame ", "", data.len()),
        Transmit::PollGet { url, .. } => ("poll GET ", url.as_str(), 0),
        Transmit::PollPost { url, body, .. } => ("poll POST ", url.as_str(), body.len()),
        Transmit::Close { .. } => ("close transport ", "", 0),
    };
    let mut m = String::from(what);
    m.push_str(detail);
    if len > 0 {
        m.push_str(" bytes=");
        crate::protocol::socket::push_u64(&mut m, len as u64);
    }
    js::log(false, &m);
}

/// Delivers core events to listeners and ack sinks; the driver must not be borrowed.
pub fn dispatch_events(rc: &Rc<Shared>, events: Vec<Event>) {
    for e in events {
        match e {
            Event::Connect { sid, recovered } => {
                let mut m = String::from("connected, sid ");
                m.push_str(&sid);
                if recovered {
                    m.push_str(" (session recovered)");
                }
                log(rc, LogLevel::Info, &m);
                fire(rc, Lifecycle::Connect, &NONE);
            }
            Event::ConnectError {
                kind,
                message,
                data,
            } => {
                let name = ErrorName::of_connect_error(kind).name();
                let err = js::make_error(false, name, &message, name, &data);
                let hook = rc.state().error_hook.clone();
                if let Some(hook) = hook {
                    js::call1(&hook, &err);
                }
                let mut m = String::from("connect_error: ");
                m.push_str(&message);
                log(rc, LogLevel::Warn, &m);
                fire(rc, Lifecycle::ConnectError, &err);
            }
            Event::Disconnect { reason } => {
                let mut m = String::from("disconnected: ");
                m.push_str(reason.as_str());
                log(rc, LogLevel::Info, &m);
                fire(rc, Lifecycle::Disconnect, &reason.as_str().into());
            }
            Event::ReconnectScheduled { attempt, delay, .. } => {
                // {attempt, delay, at}: `at` is the wall-clock time of the attempt.
                let delay = delay.as_millis();
                let mut json = String::from("{\"attempt\":");
                let fields: [(&str, u64); 3] = [
                    ("", u64::from(attempt)),
                    (",\"delay\":", delay),
                    (",\"at\":", (js::wall() as u64).saturating_add(delay)),
                ];
                for (key, n) in fields {
                    json.push_str(key);
                    crate::protocol::socket::push_u64(&mut json, n);
                }
                json.push('}');
                js::fire(&rc.hub, Lifecycle::ReconnectScheduled.name(), &NONE, &json);
            }
            Event::ReconnectAttempt { attempt } => {
                fire(rc, Lifecycle::ReconnectAttempt, &attempt.into())
            }
            Event::Reconnect { attempt } => fire(rc, Lifecycle::Reconnect, &attempt.into()),
            Event::ReconnectFailed => {
                log(rc, LogLevel::Warn, "reconnect_failed: attempts exhausted");
                fire(rc, Lifecycle::ReconnectFailed, &NONE)
            }
            Event::Upgrade => fire(
                rc,
                Lifecycle::Upgrade,
                &TransportKind::WebSocket.name().into(),
            ),
            Event::UpgradeError => {
                log(
                    rc,
                    LogLevel::Info,
                    "websocket upgrade failed; staying on polling",
                );
                fire(rc, Lifecycle::UpgradeError, &NONE)
            }
            Event::Message {
                name,
                data,
                ack,
                attachments: bins,
            } => {
                if rc.state().log >= LogLevel::Debug {
                    let mut m = String::from("event ");
                    m.push_str(&name);
                    js::log(false, &m);
                }
                let ack = ack.map_or(-1.0, |id| id as f64);
                if !js::deliver(&rc.hub, &data, &attachments(bins), ack) {
                    emit_error(rc, "event payload is not valid JSON");
                }
            }
            Event::Ack {
                id,
                data,
                attachments: bins,
            } => {
                let Some(sink) = rc.state_mut().take_ack(id) else {
                    continue;
                };
                let Ok(value) = js::decode_args(&data, &attachments(bins)) else {
                    fail_sink(sink, &ack_error("ack payload is not valid JSON"));
                    continue;
                };
                let args: Array = value.unchecked_into();
                match sink {
                    AckSink::Callback { f, with_error } => {
                        if with_error {
                            args.unshift(&JsValue::NULL);
                        }
                        js::call(&f, &args);
                    }
                    AckSink::Promise { resolve, .. } => js::call1(&resolve, &args.get(0)),
                }
            }
            Event::AckFailed { id, reason } => {
                let Some(sink) = rc.state_mut().take_ack(id) else {
                    continue;
                };
                fail_sink(sink, &ack_error(seam::ack_failure(reason)));
            }
            Event::Dropped { name, ack, reason } => {
                let why = seam::drop_reason(reason);
                let mut m = String::from("dropped emit ");
                m.push_str(&name);
                m.push_str(": ");
                m.push_str(why);
                log(rc, LogLevel::Warn, &m);
                if let Some(id) = ack {
                    let sink = rc.state_mut().take_ack(id);
                    if let Some(sink) = sink {
                        fail_sink(sink, &ack_error(&m));
                    }
                }
                // {event, reason}
                let mut json = String::from("{\"event\":");
                crate::protocol::json::write_string(&mut json, &name);
                json.push_str(",\"reason\":");
                crate::protocol::json::write_string(&mut json, why);
                json.push('}');
                js::fire(&rc.hub, Lifecycle::Dropped.name(), &NONE, &json);
            }
            Event::Error { error } => emit_error(rc, error.message()),
            Event::Refused { name } => emit_error(rc, &reserved_event_message(&name)),
        }
    }
}

fn emit_error(rc: &Rc<Shared>, message: &str) {
    log(rc, LogLevel::Warn, message);
    let err = js::make_error(false, ErrorName::Protocol.name(), message, "", "");
    fire(rc, Lifecycle::Error, &err);
}
