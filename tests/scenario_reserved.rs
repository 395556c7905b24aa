//! Scenarios: a server event whose name is reserved (`seam::is_reserved`: a name
//! the application cannot emit, or a lifecycle event's name) never reaches the
//! application as a `Message`. The client reports a `Refused` instead, does not
//! answer the event's ack request, and goes on delivering the events after it.

mod support;

use frappe_realtime::protocol::client::{Event, State, RESERVED_EVENTS};
use frappe_realtime::protocol::config::TransportKind;
use frappe_realtime::protocol::error::{reserved_event_message, UsageError};
use frappe_realtime::protocol::seam::{Lifecycle, EMIT_RESERVED};
use support::*;

/// The report of a refused server event named `name`.
fn refused(name: &str) -> Event {
    Event::Refused { name: name.into() }
}

/// Checks that `events` is exactly one refusal of `name`, and the exact message
/// the driver reports it with (as a ProtocolError on `error`).
fn assert_refused(events: &[Event], name: &str) {
    assert_eq!(events, [refused(name)], "{name}");
    let Event::Refused { name: refused_name } = &events[0] else {
        unreachable!()
    };
    assert_eq!(
        reserved_event_message(refused_name),
        format!("server event \"{name}\" has a reserved name; not delivered")
    );
}

#[test]
fn reserved_server_events_are_reported_and_not_delivered() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    for (frame, name) in [
        (r#"42/site,["reconnect",1]"#, "reconnect"),
        (r#"42/site,["error","x"]"#, "error"),
        (r#"42/site,["connect"]"#, "connect"),
        (r#"42/site,7["disconnect"]"#, "disconnect"),
    ] {
        h.reply_get(id, frame);
        assert_refused(&h.take_events(), name);
        assert_eq!(h.sent(), Vec::<String>::new(), "nothing answers {frame}");
    }
    // The ack request of the refused `disconnect` was never recorded.
    assert_eq!(h.client.ack(h.now, 7, "[]"), Err(UsageError::UnknownAck));
    assert_eq!(h.sent(), Vec::<String>::new());
    // The connection goes on: the next event is delivered, its ack answered.
    h.reply_get(id, r#"42/site,8["doc_update",{"a":1}]"#);
    assert_eq!(
        h.take_events(),
        [Event::Message {
            name: "doc_update".into(),
            data: r#"["doc_update",{"a":1}]"#.into(),
            ack: Some(8),
            attachments: vec![],
        }]
    );
    h.client.ack(h.now, 8, "[1]").unwrap();
    assert_eq!(h.sent(), vec![r#"43/site,8[1]"#]);
    assert_eq!(h.client.state(), State::Connected);
}

#[test]
fn refused_events_in_one_polling_payload_leave_the_others_in_order() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.reply_get(
        id,
        "42/site,[\"a\"]\x1e42/site,[\"reconnect\",1]\x1e42/site,5[\"error\",\"x\"]\x1e42/site,[\"b\"]",
    );
    let message = |name: &str| Event::Message {
        name: name.into(),
        data: format!("[\"{name}\"]"),
        ack: None,
        attachments: vec![],
    };
    assert_eq!(
        h.take_events(),
        [
            message("a"),
            refused("reconnect"),
            refused("error"),
            message("b")
        ]
    );
    assert_eq!(h.sent(), Vec::<String>::new());
    assert_eq!(h.client.ack(h.now, 5, "[]"), Err(UsageError::UnknownAck));
}

#[test]
fn a_refused_binary_event_still_takes_its_attachments() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    // `bAQID` is the attachment [1, 2, 3] as a polling record.
    h.reply_get(
        id,
        "451-/site,7[\"upgrade\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID\x1e42/site,[\"after\"]",
    );
    assert_eq!(
        h.take_events(),
        [
            refused("upgrade"),
            Event::Message {
                name: "after".into(),
                data: r#"["after"]"#.into(),
                ack: None,
                attachments: vec![],
            }
        ],
        "the attachment is not reported as unexpected"
    );
    assert_eq!(h.sent(), Vec::<String>::new());
    assert_eq!(h.client.ack(h.now, 7, "[]"), Err(UsageError::UnknownAck));
}

#[test]
fn every_reserved_name_is_refused_and_near_misses_are_delivered() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    let names: Vec<&str> = Lifecycle::ALL
        .iter()
        .map(|l| l.name())
        .chain(EMIT_RESERVED)
        .collect();
    for name in names {
        h.reply_get(id, &format!("42/site,[\"{name}\"]"));
        assert_refused(&h.take_events(), name);
    }
    // Names are compared exactly: other spellings are plain events.
    for name in ["Error", "errors", "reconnecting", "connect ", "message"] {
        h.reply_get(id, &format!("42/site,[\"{name}\"]"));
        assert!(
            matches!(&h.take_events()[..], [Event::Message { name: n, .. }] if n == name),
            "{name:?}"
        );
    }
    assert_eq!(h.sent(), Vec::<String>::new());
}

#[test]
fn the_plain_event_contract_holds_for_a_refused_name() {
    // On the driver's fast path (a plain WebSocket session), a plain frame with a
    // reserved name gives one Refused and nothing else: nothing sent, no deadline
    // moved, no state changed.
    let mut c = config();
    c.transports = vec![TransportKind::WebSocket];
    let mut h = Harness::new(c);
    h.connect();
    h.client.handle_text(h.now, 1, HANDSHAKE);
    h.client.handle_text(h.now, 1, r#"40/site,{"sid":"w"}"#);
    h.take_wire();
    h.take_events();
    assert_eq!(h.client.plain_event_transport(), Some(1));
    let deadline = h.client.poll_timeout();
    h.client.handle_text(h.now, 1, r#"42/site,["error","x"]"#);
    assert_refused(&h.take_events(), "error");
    assert_eq!(h.take_wire(), vec![]);
    assert_eq!(h.client.poll_timeout(), deadline);
    assert_eq!(h.client.state(), State::Connected);
    assert_eq!(h.client.plain_event_transport(), Some(1));
}

#[test]
fn reserved_events_keeps_its_path_and_names() {
    assert_eq!(
        RESERVED_EVENTS,
        [
            "connect",
            "connect_error",
            "disconnect",
            "disconnecting",
            "newListener",
            "removeListener"
        ]
    );
}
