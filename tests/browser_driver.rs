//! Browser tests of the driver (wasm32 only), run in headless Chromium by
//! wasm-bindgen-test-runner: resources are released on close, and errors
//! thrown to JS are real `Error` / `TypeError` objects with the right name
//! and message. The options' rules are www/options.js's
//! (tests/unit/options.test.js): the client here gets what they hand over.

#![cfg(target_arch = "wasm32")]

use frappe_realtime::browser::exports::WasmClient;
use frappe_realtime::protocol::options::OPTIONS;
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Options as www/options.js hands them to the core (`readOptions`): an array in
/// the order of `OPTIONS`; the values are given in that form (`transports` as
/// initials, `"p"`).
fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let a = Array::new_with_length(OPTIONS.len() as u32);
    for (k, v) in pairs {
        a.set(at(k), v.clone());
    }
    a.into()
}

/// The index of option `name` in the options array.
fn at(name: &str) -> u32 {
    OPTIONS.iter().position(|(n, _)| *n == name).expect(name) as u32
}

/// A server nobody listens on: every attempt fails fast.
const DEAD: &str = "http://127.0.0.1:9/site";

fn noop() -> Function {
    Function::new_no_args("")
}

async fn sleep(ms: i32) {
    let p = Promise::new(&mut |resolve, _| {
        web_sys_set_timeout(&resolve, ms);
    });
    JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn web_sys_set_timeout(f: &Function, ms: i32) -> JsValue;
}

// The application listeners a client calls: RealtimeClient's registry, the real module.
#[wasm_bindgen(module = "/www/listeners.js")]
extern "C" {
    type Listeners;
    #[wasm_bindgen(constructor)]
    fn new() -> Listeners;
    #[wasm_bindgen(method)]
    fn add(this: &Listeners, event: &str, f: &Function, once: bool);
    #[wasm_bindgen(method)]
    fn off(this: &Listeners, n: u32, event: &JsValue, f: &JsValue);
}

/// A client and the listeners it calls, connecting unless `autoConnect` is false
/// (as RealtimeClient does).
fn client(url: &str, options: JsValue) -> Result<(WasmClient, Listeners), JsValue> {
    let ls = Listeners::new();
    let auto = Array::from(&options).get(at("autoConnect")) != JsValue::FALSE;
    let c = WasmClient::new(url, options, &ls)?;
    if auto {
        c.connect();
    }
    Ok((c, ls))
}

fn error_name_and_message(e: &JsValue) -> (String, String, bool) {
    let name = Reflect::get(e, &"name".into())
        .unwrap()
        .as_string()
        .unwrap_or_default();
    let message = Reflect::get(e, &"message".into())
        .unwrap()
        .as_string()
        .unwrap_or_default();
    (name, message, e.is_instance_of::<js_sys::Error>())
}

#[wasm_bindgen_test]
async fn close_releases_listeners_transports_timer_and_page_hooks() {
    let (c, ls) = client(DEAD, options(&[("reconnectionDelay", 50.into())])).unwrap();
    ls.add("connect", &noop(), false);
    ls.add("connect_error", &noop(), false);
    // Let the first attempt fail so a reconnect timer is armed.
    sleep(300).await;
    let before = c.resources();
    assert_eq!(before[0], 2, "listeners {before:?}");
    assert_eq!(
        before[3], 4,
        "online, pageshow, offline, visibilitychange {before:?}"
    );
    assert!(
        before[1] + before[2] > 0,
        "a transport or a timer {before:?}"
    );
    // The fifth value is the size of the module's memory.
    let all = c.resources_js();
    assert_eq!(all.length(), 5, "five values");
    let memory = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>();
    let bytes = memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length();
    assert_eq!(all.get(4).as_f64(), Some(bytes as f64), "wasm memory bytes");
    c.close();
    assert_eq!(c.resources(), vec![0, 0, 0, 0]);
    // Nothing comes back to life: no timer fires into a closed client.
    sleep(300).await;
    assert_eq!(c.resources(), vec![0, 0, 0, 0]);
    assert_eq!(c.state(), "idle");
}

#[wasm_bindgen_test]
fn reserved_event_names_throw_a_type_error_before_sending() {
    let (c, _) = client(DEAD, options(&[("autoConnect", false.into())])).unwrap();
    for name in frappe_realtime::protocol::seam::EMIT_RESERVED {
        let e = c
            .emit(name.into(), Array::new().unchecked_into(), None)
            .unwrap_err();
        let (n, m, is_error) = error_name_and_message(&e);
        assert!(
            is_error && e.is_instance_of::<js_sys::TypeError>(),
            "{name}"
        );
        assert_eq!(n, "TypeError");
        assert_eq!(m, "frappe-realtime: event name is reserved");
    }
    assert_eq!(c.buffered(), 0, "nothing was buffered");
    c.close();
}

#[wasm_bindgen_test]
fn unserialisable_arguments_throw_a_type_error() {
    let (c, _) = client(DEAD, options(&[("autoConnect", false.into())])).unwrap();
    let cyclic = Object::new();
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    let e = c
        .emit("x".into(), Array::of1(&cyclic).unchecked_into(), None)
        .unwrap_err();
    assert!(e.is_instance_of::<js_sys::TypeError>());
    let (_, m, _) = error_name_and_message(&e);
    assert!(m.contains("cycle"), "{m}");
    let big = js_sys::BigInt::from(1u32);
    let e = c
        .emit("x".into(), Array::of1(&big.into()).unchecked_into(), None)
        .unwrap_err();
    assert!(e.is_instance_of::<js_sys::TypeError>());
    let e = c
        .emit(JsValue::from(5), Array::new().unchecked_into(), None)
        .unwrap_err();
    assert_eq!(
        error_name_and_message(&e).1,
        "frappe-realtime: event name must be a string"
    );
    assert_eq!(c.buffered(), 0);
    c.close();
}

#[wasm_bindgen_test]
async fn a_refused_connection_reports_a_transport_error_and_retries() {
    let (c, ls) = client(
        DEAD,
        options(&[
            ("reconnectionDelay", 20.into()),
            ("reconnectionDelayMax", 40.into()),
            ("transports", "p".into()),
        ]),
    )
    .unwrap();
    let errors = Array::new();
    let push = Function::new_with_args("e", "this.push(e)").bind0(&errors);
    ls.add("connect_error", &push, false);
    let attempts = Array::new();
    ls.add(
        "reconnect_attempt",
        &Function::new_with_args("n", "this.push(n)").bind0(&attempts),
        false,
    );
    sleep(600).await;
    assert!(errors.length() >= 2, "retried: {} errors", errors.length());
    let (name, message, is_error) = error_name_and_message(&errors.get(0));
    assert!(is_error);
    assert_eq!(name, "TransportError");
    assert_eq!(message, "xhr poll error");
    assert_eq!(
        Reflect::get(&errors.get(0), &"type".into()).unwrap(),
        "TransportError"
    );
    assert_eq!(attempts.get(0), JsValue::from(1));
    c.close();
}

#[wasm_bindgen_test]
fn off_removes_exactly_the_given_function() {
    let (c, ls) = client(DEAD, options(&[("autoConnect", false.into())])).unwrap();
    let a = noop();
    let b = noop();
    // `off` as called with `n` arguments (socket.io-client's emitter goes by arity).
    let off = |n: u32, event: Option<&str>, f: Option<&Function>| {
        ls.off(
            n,
            &event.map_or(JsValue::UNDEFINED, JsValue::from),
            f.map_or(&JsValue::UNDEFINED, |f| f.as_ref()),
        )
    };
    ls.add("doc_update", &a, false);
    ls.add("doc_update", &b, false);
    off(2, Some("doc_update"), Some(&a));
    assert_eq!(c.resources()[0], 1);
    // A different function with the same source is not the same listener.
    off(2, Some("doc_update"), Some(&noop()));
    assert_eq!(c.resources()[0], 1);
    off(2, Some("doc_update"), Some(&b));
    assert_eq!(c.resources()[0], 0);
    ls.add("x", &a, false);
    ls.add("x", &noop(), false);
    ls.add("y", &a, false);
    off(1, Some("x"), None);
    assert_eq!(c.resources()[0], 1);
    off(0, None, None);
    assert_eq!(c.resources()[0], 0);
    // `off(event, undefined)`, as Frappe's `frappe.realtime.off(event)` calls it: the
    // oldest listener added with `on`; a `once` listener is not one.
    ls.add("z", &a, true);
    ls.add("z", &b, false);
    ls.add("z", &noop(), false);
    off(2, Some("z"), None);
    assert_eq!(c.resources()[0], 2);
    off(2, Some("z"), None);
    assert_eq!(c.resources()[0], 1);
    off(2, Some("z"), None);
    assert_eq!(c.resources()[0], 1, "the once listener stays");
    c.close();
}

#[wasm_bindgen_test]
async fn emit_with_ack_rejects_with_an_error_on_timeout() {
    let (c, _) = client(DEAD, options(&[("autoConnect", false.into())])).unwrap();
    let p = c
        .emit_with_ack("slow".into(), Array::new().unchecked_into(), Some(50.0))
        .unwrap();
    let e = JsFuture::from(p.unchecked_into::<Promise>())
        .await
        .unwrap_err();
    let (name, message, is_error) = error_name_and_message(&e);
    assert!(is_error);
    assert_eq!(name, "AckError");
    assert_eq!(message, "operation has timed out");
    c.close();
}

#[wasm_bindgen_test]
fn debug_level_switches_at_run_time() {
    let (c, _) = client(DEAD, options(&[("autoConnect", false.into())])).unwrap();
    assert_eq!(c.debug(), "warn");
    c.set_debug("debug");
    assert_eq!(c.debug(), "debug");
    c.set_debug("verbose");
    assert_eq!(
        c.debug(),
        "debug",
        "checked in JS (www/options.js); ignored here"
    );
    c.close();
}
