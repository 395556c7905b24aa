//! The options object's rules (src/protocol/options.rs): types, values, defaults and
//! the exact messages the browser throws as TypeErrors.

use frappe_realtime::protocol::config::{ClientConfig, OverflowPolicy, TransportKind};
use frappe_realtime::protocol::options::{parse, OptionError, Options, Source, Value, OPTIONS};
use frappe_realtime::protocol::seam::LogLevel;
use frappe_realtime::protocol::time::Duration;

/// An options object: the values given, by name; everything else is absent.
struct Given(Vec<(&'static str, Value)>);

impl Source for Given {
    fn get(&mut self, name: &str) -> Value {
        let found = self.0.iter().find(|(n, _)| *n == name);
        found.map_or(Value::Absent, |(_, v)| v.clone())
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn json(s: &str) -> Value {
    Value::Json(s.into())
}

fn read(given: Vec<(&'static str, Value)>) -> Result<Options, OptionError> {
    parse("/site", 7, &mut Given(given))
}

fn message(given: Vec<(&'static str, Value)>) -> String {
    read(given).expect_err("refused").0
}

#[test]
fn no_options_give_the_defaults() {
    let o = read(vec![]).unwrap();
    let mut expected = ClientConfig::new("/site");
    expected.jitter_seed = 7;
    assert_eq!(o.config, expected);
    assert_eq!(o.log, None);
    assert_eq!(o.ack_timeout, None);
    assert!(o.auto_connect && o.with_credentials);
    assert_eq!(o.extra_headers, None);
}

#[test]
fn websocket_comes_first_unless_headers_need_polling() {
    use TransportKind::{Polling, WebSocket};
    let transports = |given| read(given).unwrap().config.transports;
    assert_eq!(transports(vec![]), vec![WebSocket, Polling], "the default");
    let headers = || ("extraHeaders", json(r#"{"Authorization":"token k:s"}"#));
    assert_eq!(
        transports(vec![headers()]),
        vec![Polling, WebSocket],
        "headers only go on polling requests: polling first"
    );
    assert_eq!(
        transports(vec![("extraHeaders", json("{}"))]),
        vec![Polling, WebSocket],
        "the option given, even empty"
    );
    assert_eq!(
        transports(vec![
            headers(),
            ("transports", json(r#"["websocket","polling"]"#))
        ]),
        vec![WebSocket, Polling],
        "an explicit order wins"
    );
    assert_eq!(
        transports(vec![("transports", json(r#"["polling","websocket"]"#))]),
        vec![Polling, WebSocket],
        "socket.io-client's order, when asked for"
    );
}

#[test]
fn every_option_is_applied() {
    let o = read(vec![
        ("reconnection", Value::Bool(false)),
        ("reconnectionAttempts", Value::Number(5.9)),
        ("reconnectionDelay", Value::Number(100.0)),
        ("reconnectionDelayMax", Value::Number(900.0)),
        ("randomizationFactor", Value::Number(0.0)),
        ("timeout", Value::Number(3000.0)),
        ("transports", json(r#"["websocket","polling"]"#)),
        ("upgrade", Value::Bool(false)),
        ("tryAllTransports", Value::Bool(false)),
        ("path", text("rt")),
        ("query", json(r#"{"a":"1","b":"x y"}"#)),
        ("withCredentials", Value::Bool(false)),
        ("extraHeaders", json(r#"{"Authorization":"token k:s"}"#)),
        ("bufferMaxCount", Value::Number(3.0)),
        ("bufferMaxAge", Value::Number(10.0)),
        ("bufferOverflow", text("drop-newest")),
        ("debug", Value::Bool(true)),
        ("autoConnect", Value::Bool(false)),
        ("ackTimeout", Value::Number(2500.5)),
        ("rejectionRetries", Value::Number(1e12)),
        ("firstRetryDelay", Value::Number(50.0)),
        ("auth", json(r#"{"token":"t"}"#)),
        ("maxAttachments", Value::Number(2.0)),
        ("maxAttachmentBytes", Value::Number(1e5)),
    ])
    .unwrap();
    let c = &o.config;
    assert!(!c.reconnection && !c.upgrade && !c.try_all_transports);
    assert_eq!(c.reconnection_attempts, Some(5));
    assert_eq!(c.reconnection_delay, Duration(100));
    assert_eq!(c.reconnection_delay_max, Duration(900));
    assert_eq!(c.randomization_factor, 0.0);
    assert_eq!(c.timeout, Duration(3000));
    assert_eq!(
        c.transports,
        [TransportKind::WebSocket, TransportKind::Polling]
    );
    assert_eq!(c.path, "/rt/");
    assert_eq!(
        c.query,
        [("a".into(), "1".into()), ("b".into(), "x y".into())]
    );
    assert_eq!(c.buffer_max_count, 3);
    assert_eq!(c.buffer_max_age, Duration(10));
    assert_eq!(c.buffer_overflow, OverflowPolicy::DropNewest);
    assert_eq!(c.first_retry_delay, Duration(50));
    assert_eq!(c.auth.as_deref(), Some(r#"{"token":"t"}"#));
    assert_eq!(o.log, Some(LogLevel::Debug));
    assert_eq!(o.ack_timeout, Some(Duration(2500)));
    assert!(!o.auto_connect && !o.with_credentials);
    assert_eq!(
        o.extra_headers.as_deref(),
        Some(r#"{"Authorization":"token k:s"}"#)
    );
    assert_eq!(c.max_attachments, 2);
    assert_eq!(c.max_attachment_bytes, 100_000);
    assert_eq!(OPTIONS.len(), 24, "a new option gets a line in this test");
}

#[test]
fn values_at_their_limits() {
    let o = read(vec![
        ("reconnectionAttempts", Value::Number(f64::INFINITY)),
        ("path", text("/socket.io/")),
        ("ackTimeout", Value::Number(f64::NAN)),
        ("debug", text("false")),
        ("transports", json("[]")),
    ])
    .unwrap();
    assert_eq!(o.config.reconnection_attempts, None, "Infinity: no limit");
    assert_eq!(o.config.path, "/socket.io/", "already normalised");
    assert_eq!(o.ack_timeout, Some(Duration(0)), "NaN is 0");
    assert_eq!(o.log, Some(LogLevel::Off));
    assert!(
        o.config.transports.is_empty(),
        "the core refuses an empty list"
    );
    let o = read(vec![
        ("ackTimeout", Value::Number(-5.0)),
        ("debug", text("info")),
    ])
    .unwrap();
    assert_eq!(o.ack_timeout, Some(Duration(0)));
    assert_eq!(o.log, Some(LogLevel::Info));
}

#[test]
fn wrong_types_are_named() {
    for (name, value, expected) in [
        (
            "reconnection",
            text("yes"),
            "option reconnection must be a boolean",
        ),
        ("timeout", text("soon"), "option timeout must be a number"),
        ("path", Value::Number(1.0), "option path must be a string"),
        (
            "transports",
            text("websocket"),
            "option transports must be an array of strings",
        ),
        (
            "transports",
            json("[1]"),
            "option transports must be an array of strings",
        ),
        (
            "transports",
            json(r#"{"0":"polling"}"#),
            "option transports must be an array of strings",
        ),
        (
            "query",
            json(r#"{"a":1}"#),
            "option query must be an object of strings",
        ),
        (
            "extraHeaders",
            json(r#"["a"]"#),
            "option extraHeaders must be an object of strings",
        ),
        (
            "autoConnect",
            Value::Other,
            "option autoConnect must be a boolean",
        ),
        ("auth", Value::Number(7.0), "auth must be a plain object"),
        ("auth", json("[]"), "auth must be a plain object"),
    ] {
        assert_eq!(message(vec![(name, value)]), expected, "{name}");
    }
}

#[test]
fn bad_values_are_named() {
    for (name, value, expected) in [
        (
            "transports",
            json(r#"["carrier-pigeon"]"#),
            r#"transports may only list "polling" and "websocket""#,
        ),
        (
            "randomizationFactor",
            Value::Number(2.0),
            "randomizationFactor must be between 0 and 1",
        ),
        (
            "randomizationFactor",
            Value::Number(f64::NAN),
            "randomizationFactor must be between 0 and 1",
        ),
        (
            "reconnectionAttempts",
            Value::Number(-1.0),
            "reconnectionAttempts must be a finite number >= 0",
        ),
        (
            "reconnectionDelay",
            Value::Number(f64::INFINITY),
            "reconnectionDelay must be a finite number >= 0",
        ),
        (
            "firstRetryDelay",
            Value::Number(-1.0),
            "firstRetryDelay must be a finite number >= 0",
        ),
        (
            "bufferMaxCount",
            Value::Number(f64::NAN),
            "bufferMaxCount must be a finite number >= 0",
        ),
        (
            "bufferOverflow",
            text("explode"),
            r#"bufferOverflow must be "drop-oldest" or "drop-newest""#,
        ),
        (
            "debug",
            text("loud"),
            "debug must be off, error, warn, info or debug",
        ),
    ] {
        assert_eq!(message(vec![(name, value)]), expected, "{name}");
    }
}

#[test]
fn types_are_checked_before_values_in_table_order() {
    let m = message(vec![
        ("debug", text("loud")),
        ("timeout", text("soon")),
        ("reconnection", Value::Number(1.0)),
    ]);
    assert_eq!(m, "option reconnection must be a boolean");
    let m = message(vec![
        ("debug", text("loud")),
        ("timeout", Value::Number(-1.0)),
    ]);
    assert_eq!(m, "timeout must be a finite number >= 0");
}
