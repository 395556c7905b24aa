//! The options as the core applies them (src/protocol/options.rs): defaults, meanings
//! and the values at their limits. The rules and messages of the options object are
//! www/options.js's (tests/unit/options.test.js).

use frappe_realtime::protocol::config::{ClientConfig, OverflowPolicy, TransportKind};
use frappe_realtime::protocol::options::{parse, Options, Source, Value, OPTIONS};
use frappe_realtime::protocol::seam::LogLevel;
use frappe_realtime::protocol::time::Duration;

/// Checked options: the values given, by name; everything else is absent.
struct Given(Vec<(&'static str, Value)>);

impl Source for Given {
    fn get(&mut self, at: usize) -> Value {
        let name = OPTIONS[at].0;
        let found = self.0.iter().find(|(n, _)| *n == name);
        found.map_or(Value::Absent, |(_, v)| v.clone())
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// An object's JSON text, as www/options.js hands it over.
fn json(s: &str) -> Value {
    Value::Text(s.into())
}

fn read(given: Vec<(&'static str, Value)>) -> Options {
    parse("/site", 7, &mut Given(given))
}

#[test]
fn no_options_give_the_defaults() {
    let o = read(vec![]);
    let mut expected = ClientConfig::new("/site");
    expected.jitter_seed = 7;
    assert_eq!(o.config, expected);
    assert_eq!(o.log, None);
    assert_eq!(o.ack_timeout, None);
    assert!(o.with_credentials);
    assert_eq!(o.extra_headers, None);
}

#[test]
fn websocket_comes_first_unless_headers_need_polling() {
    use TransportKind::{Polling, WebSocket};
    let transports = |given| read(given).config.transports;
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
        transports(vec![headers(), ("transports", text("wp"))]),
        vec![WebSocket, Polling],
        "an explicit order wins"
    );
    assert_eq!(
        transports(vec![("transports", text("pw"))]),
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
        ("transports", text("wp")),
        ("upgrade", Value::Bool(false)),
        ("tryAllTransports", Value::Bool(false)),
        ("path", text("rt")),
        ("query", text("a=1&b=x%20y")),
        ("withCredentials", Value::Bool(false)),
        ("extraHeaders", json(r#"{"Authorization":"token k:s"}"#)),
        ("bufferMaxCount", Value::Number(3.0)),
        ("bufferMaxAge", Value::Number(10.0)),
        ("bufferOverflow", text("drop-newest")),
        ("debug", text("true")),
        ("autoConnect", Value::Bool(false)),
        ("ackTimeout", Value::Number(2500.5)),
        ("rejectionRetries", Value::Number(1e12)),
        ("firstRetryDelay", Value::Number(50.0)),
        ("auth", json(r#"{"token":"t"}"#)),
        ("maxAttachments", Value::Number(2.0)),
        ("maxAttachmentBytes", Value::Number(1e5)),
        ("joinAcks", Value::Bool(true)),
    ]);
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
        c.query, "a=1&b=x%20y",
        "URL text, as www/options.js encodes it"
    );
    assert_eq!(c.buffer_max_count, 3);
    assert_eq!(c.buffer_max_age, Duration(10));
    assert_eq!(c.buffer_overflow, OverflowPolicy::DropNewest);
    assert_eq!(c.first_retry_delay, Duration(50));
    assert_eq!(c.auth.as_deref(), Some(r#"{"token":"t"}"#));
    assert_eq!(o.log, Some(LogLevel::Debug));
    assert_eq!(o.ack_timeout, Some(Duration(2500)));
    assert!(!o.with_credentials);
    assert_eq!(
        o.extra_headers.as_deref(),
        Some(r#"{"Authorization":"token k:s"}"#)
    );
    assert_eq!(c.max_attachments, 2);
    assert_eq!(c.max_attachment_bytes, 100_000);
    assert!(c.join_acks);
    assert_eq!(OPTIONS.len(), 25, "a new option gets a line in this test");
}

#[test]
fn values_at_their_limits() {
    let o = read(vec![
        ("reconnectionAttempts", Value::Number(f64::INFINITY)),
        ("path", text("/socket.io/")),
        ("ackTimeout", Value::Number(f64::NAN)),
        ("debug", text("false")),
        ("transports", text("")),
    ]);
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
    ]);
    assert_eq!(o.ack_timeout, Some(Duration(0)));
    assert_eq!(o.log, Some(LogLevel::Info));
}
