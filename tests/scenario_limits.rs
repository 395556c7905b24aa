//! Scenarios: what the client holds for the server is bounded. A binary packet
//! announcing more attachments than `max_attachments`, attachments over
//! `max_attachment_bytes`, a polling response over `MAX_PAYLOAD_PACKETS` packets,
//! and the `MAX_PROTOCOL_ERRORS`-th malformed packet of a session close the
//! connection (`parse error`) after one report each, then the client reconnects;
//! unanswered server ack requests are capped, the oldest dropped and reported once.

mod support;

use frappe_realtime::protocol::client::{
    DisconnectReason, Event, MAX_PAYLOAD_PACKETS, MAX_PROTOCOL_ERRORS,
};
use frappe_realtime::protocol::config::TransportKind;
use frappe_realtime::protocol::error::{DecodeError, UsageError};
use support::*;

/// A client connected over WebSocket transport 1, its events and wire taken.
fn on_websocket(max_attachments: u32, max_bytes: usize) -> Harness {
    let mut c = config();
    c.transports = vec![TransportKind::WebSocket];
    c.max_attachments = max_attachments;
    c.max_attachment_bytes = max_bytes;
    let mut h = Harness::new(c);
    h.connected_websocket("w");
    h
}

/// The events `[Error(error), Disconnect(parse error), ReconnectScheduled…]`.
fn closed_by(h: &mut Harness, error: DecodeError) {
    let events = h.take_events();
    assert_eq!(events[0], Event::Error { error }, "{events:?}");
    assert_eq!(
        events[1],
        Event::Disconnect {
            reason: DisconnectReason::ParseError
        }
    );
    assert!(
        has(&events, |e| matches!(e, Event::ReconnectScheduled { .. })),
        "{events:?}"
    );
    assert!(!h.client.connected());
}

#[test]
fn more_attachments_than_max_attachments_closes_the_connection() {
    let mut h = on_websocket(10, 1000);
    // 10 is the limit (socket.io-parser's default): accepted.
    let ten: String = (0..10)
        .map(|n| format!(r#",{{"_placeholder":true,"num":{n}}}"#))
        .collect();
    h.client
        .handle_text(h.now, 1, &format!(r#"4510-/site,["f"{ten}]"#));
    for _ in 0..10 {
        h.client.handle_binary(h.now, 1, &[7]);
    }
    let events = h.take_events();
    assert!(matches!(&events[..], [Event::Message { attachments, .. }] if attachments.len() == 10));
    // 451000000000 announced: refused before anything is held.
    h.client.handle_text(
        h.now,
        1,
        r#"451000000000-/site,["f",{"_placeholder":true,"num":0}]"#,
    );
    closed_by(&mut h, DecodeError::TooManyAttachments);
    assert_eq!(
        DecodeError::TooManyAttachments.message(),
        "attachments over maxAttachments"
    );
    // The reconnect goes on as after any lost connection.
    h.advance_to_deadline();
    assert!(h.take_wire().iter().any(|t| matches!(
        t,
        frappe_realtime::protocol::client::Transmit::WebSocketOpen { .. }
    )));
}

#[test]
fn attachments_over_max_attachment_bytes_close_the_connection() {
    let mut h = on_websocket(10, 10);
    h.client.handle_text(
        h.now,
        1,
        r#"453-/site,["f",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]"#,
    );
    h.client.handle_binary(h.now, 1, &[0; 6]);
    assert!(h.take_events().is_empty());
    h.client.handle_binary(h.now, 1, &[0; 5]); // 11 bytes held > 10
    closed_by(&mut h, DecodeError::AttachmentsTooLarge);
}

#[test]
fn the_tenth_malformed_packet_of_a_session_closes_it() {
    let mut h = on_websocket(10, 1000);
    for _ in 0..MAX_PROTOCOL_ERRORS - 1 {
        h.client.handle_text(h.now, 1, "42/site,{not json");
    }
    let events = h.take_events();
    assert_eq!(events.len(), MAX_PROTOCOL_ERRORS as usize - 1);
    assert!(events.iter().all(|e| matches!(e, Event::Error { .. })));
    assert!(
        h.client.connected(),
        "nine are reported, the connection stays"
    );
    h.client.handle_text(h.now, 1, "42/site,{not json");
    closed_by(&mut h, DecodeError::InvalidJson);
    // Frames on the dead transport do nothing more.
    h.client.handle_text(h.now, 1, "42/site,{not json");
    assert!(h.take_events().is_empty());
}

#[test]
fn the_count_of_malformed_packets_starts_over_with_each_session() {
    let mut h = on_websocket(10, 1000);
    for _ in 0..MAX_PROTOCOL_ERRORS - 1 {
        h.client.handle_text(h.now, 1, "42/site,{not json");
    }
    h.client.handle_transport_closed(h.now, 1, true);
    h.take_events();
    h.take_wire();
    h.advance_to_deadline();
    h.client.handle_transport_open(h.now, 2);
    h.client.handle_text(h.now, 2, HANDSHAKE);
    h.client.handle_text(h.now, 2, r#"40/site,{"sid":"w2"}"#);
    h.take_events();
    h.client.handle_text(h.now, 2, "42/site,{not json");
    assert_eq!(h.take_events().len(), 1);
    assert!(h.client.connected());
}

#[test]
fn unanswered_server_ack_requests_are_capped_oldest_dropped_reported_once() {
    let mut h = on_websocket(10, 1000);
    for id in 0..1002u64 {
        h.client
            .handle_text(h.now, 1, &format!(r#"42/site,{id}["ask"]"#));
    }
    let events = h.take_events();
    let errors: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, Event::Error { .. }))
        .collect();
    assert_eq!(
        errors,
        vec![&Event::Error {
            error: DecodeError::TooManyAckRequests
        }]
    );
    assert!(h.client.connected());
    // The two oldest were dropped; the newest can still be answered.
    assert_eq!(h.client.ack(h.now, 0, "[]"), Err(UsageError::UnknownAck));
    assert_eq!(h.client.ack(h.now, 1, "[]"), Err(UsageError::UnknownAck));
    assert_eq!(h.client.ack(h.now, 2, "[]"), Ok(()));
    assert_eq!(h.client.ack(h.now, 1001, "[]"), Ok(()));
    assert_eq!(h.sent(), vec![r#"43/site,2[]"#, r#"43/site,1001[]"#]);
}

#[test]
fn a_polling_response_over_max_payload_packets_closes_the_connection() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.take_events();
    // MAX_PAYLOAD_PACKETS noops are accepted: the next GET goes out.
    let noops = vec!["6"; MAX_PAYLOAD_PACKETS].join("\u{1e}");
    h.reply_get(id, &noops);
    assert!(h.take_events().is_empty());
    assert!(h.client.connected());
    let next = h.pending_get().expect("the next GET");
    // One more: the events of the packets before the limit are kept, then one
    // report and `parse error`.
    let payload = format!(r#"42/site,["before"]{}{noops}"#, '\u{1e}');
    h.reply_get(next, &payload);
    let mut events = h.take_events();
    assert!(
        matches!(&events[0], Event::Message { name, .. } if name == "before"),
        "{events:?}"
    );
    events.remove(0);
    assert_eq!(
        events[0],
        Event::Error {
            error: DecodeError::TooManyPackets
        }
    );
    assert_eq!(
        events[1],
        Event::Disconnect {
            reason: DisconnectReason::ParseError
        }
    );
    assert!(!h.client.connected());
}
