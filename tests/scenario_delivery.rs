//! Scenarios: the offline emit buffer, acks, connection state recovery, and
//! Frappe subscriptions restored after every reconnect.

mod support;

use frappe_realtime::protocol::client::{AckFailure, AckRequest, DropReason, Event, JOINS_AT_ONCE};
use frappe_realtime::protocol::config::{OverflowPolicy, TransportKind};
use frappe_realtime::protocol::error::UsageError;
use frappe_realtime::protocol::rooms::Subscription;
use frappe_realtime::protocol::time::Duration;
use support::*;

fn emit(h: &mut Harness, name: &str, args: &str) {
    h.client
        .emit(h.now, name, args, vec![], AckRequest::None)
        .unwrap();
    h.pump();
}

/// Reconnects after a transport failure and answers CONNECT with `reply`.
fn reconnect(h: &mut Harness, old: u32, connect_payload: &str, reply: &str) -> u32 {
    h.fail_transport(old);
    h.wire.clear();
    h.advance_to_deadline();
    let id = h.open_polling(HANDSHAKE);
    assert_eq!(h.sent(), vec![format!("40/site,{connect_payload}")]);
    h.reply_get(id, &format!("40/site,{reply}"));
    id
}

#[test]
fn emits_while_offline_are_sent_once_after_the_subscriptions() {
    let mut h = Harness::new(config());
    h.client
        .subscribe(h.now, Subscription::doc("ToDo", "TD-1"))
        .unwrap();
    emit(&mut h, "custom", r#"[{"a":1}]"#);
    h.client
        .subscribe(h.now, Subscription::doctype("ToDo"))
        .unwrap();
    emit(&mut h, "second", "[]");
    assert_eq!(h.client.buffered(), 2);
    let id = h.open_polling(HANDSHAKE);
    assert_eq!(h.sent(), vec!["40/site,"]);
    h.reply_get(id, r#"40/site,{"sid":"s1"}"#);
    assert_eq!(
        h.sent(),
        vec![
            r#"42/site,["doc_subscribe","ToDo","TD-1"]"#,
            r#"42/site,["doctype_subscribe","ToDo"]"#,
            r#"42/site,["custom",{"a":1}]"#,
            r#"42/site,["second"]"#,
        ]
    );
    assert_eq!(h.client.buffered(), 0);
    // After a reconnect the rooms come back, the emits do not come again.
    reconnect(&mut h, id, "", r#"{"sid":"s2"}"#);
    assert_eq!(
        h.sent(),
        vec![
            r#"42/site,["doc_subscribe","ToDo","TD-1"]"#,
            r#"42/site,["doctype_subscribe","ToDo"]"#,
        ]
    );
}

#[test]
fn every_kind_of_subscription_is_restored_in_order_after_each_reconnect() {
    let mut h = Harness::new(config());
    let mut id = h.connected("s");
    let subs = [
        Subscription::doctype("ToDo"),
        Subscription::doc("ToDo", "TD-1"),
        Subscription::doc_open("ToDo", "TD-1"),
        Subscription::task("job-9"),
        Subscription::progress("job-9"),
    ];
    for s in &subs {
        assert!(h.client.subscribe(h.now, s.clone()).unwrap());
    }
    let expected = vec![
        r#"42/site,["doctype_subscribe","ToDo"]"#.to_string(),
        r#"42/site,["doc_subscribe","ToDo","TD-1"]"#.to_string(),
        r#"42/site,["doc_open","ToDo","TD-1"]"#.to_string(),
        r#"42/site,["task_subscribe","job-9"]"#.to_string(),
        r#"42/site,["progress_subscribe","job-9"]"#.to_string(),
    ];
    assert_eq!(h.sent(), expected, "sent at once while connected");
    for round in 0..3 {
        id = reconnect(&mut h, id, "", r#"{"sid":"again"}"#);
        // The first JOINS_AT_ONCE at the CONNECT, the fifth paced after them ("Joins
        // paced after a reconnect" in heal.rs: here 1 ms later, the CONNECT answered
        // at once).
        assert_eq!(h.sent(), expected[..JOINS_AT_ONCE], "round {round}");
        h.advance(1);
        assert_eq!(h.sent(), expected[JOINS_AT_ONCE..], "round {round}");
    }
}

#[test]
fn repeated_subscribe_is_skipped() {
    let mut h = Harness::new(config());
    h.connected("s");
    assert!(h
        .client
        .subscribe(h.now, Subscription::doc("ToDo", "A"))
        .unwrap());
    assert!(!h
        .client
        .subscribe(h.now, Subscription::doc("ToDo", "A"))
        .unwrap());
    assert_eq!(h.sent(), vec![r#"42/site,["doc_subscribe","ToDo","A"]"#]);
}

#[test]
fn unsubscribe_leaves_the_room_and_it_is_not_restored() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.client
        .subscribe(h.now, Subscription::doc("ToDo", "A"))
        .unwrap();
    h.client
        .subscribe(h.now, Subscription::doc_open("ToDo", "A"))
        .unwrap();
    h.client.subscribe(h.now, Subscription::task("t1")).unwrap();
    h.client
        .subscribe(h.now, Subscription::progress("t1"))
        .unwrap();
    h.sent();
    h.client
        .unsubscribe(h.now, &Subscription::doc("ToDo", "A"))
        .unwrap();
    h.client
        .unsubscribe(h.now, &Subscription::doc_open("ToDo", "A"))
        .unwrap();
    // task and progress share the task_progress room: one leave for both.
    h.client
        .unsubscribe(h.now, &Subscription::task("t1"))
        .unwrap();
    assert!(!h
        .client
        .unsubscribe(h.now, &Subscription::progress("t1"))
        .unwrap());
    assert_eq!(
        h.sent(),
        vec![
            r#"42/site,["doc_unsubscribe","ToDo","A"]"#,
            r#"42/site,["doc_close","ToDo","A"]"#,
            r#"42/site,["task_unsubscribe","t1"]"#,
        ]
    );
    assert_eq!(h.client.subscriptions().count(), 0);
    reconnect(&mut h, id, "", r#"{"sid":"s2"}"#);
    assert!(h.sent().is_empty());
}

#[test]
fn empty_subscription_arguments_are_refused() {
    let mut h = Harness::new(config());
    assert_eq!(
        h.client.subscribe(h.now, Subscription::doc("ToDo", "")),
        Err(UsageError::EmptySubscription)
    );
    assert_eq!(
        h.client.subscribe(h.now, Subscription::task("")),
        Err(UsageError::EmptySubscription)
    );
}

#[test]
fn leaving_a_room_while_offline_is_told_only_to_a_recovered_session() {
    let mut h = Harness::new(config());
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    h.reply_get(id, r#"40/site,{"sid":"s1","pid":"p1"}"#);
    h.client
        .subscribe(h.now, Subscription::doctype("Note"))
        .unwrap();
    h.sent();
    h.fail_transport(id);
    h.client
        .unsubscribe(h.now, &Subscription::doctype("Note"))
        .unwrap();
    h.wire.clear();
    h.advance_to_deadline();
    let id2 = h.open_polling(HANDSHAKE);
    assert_eq!(h.sent(), vec![r#"40/site,{"pid":"p1"}"#]);
    h.reply_get(id2, r#"40/site,{"sid":"s2","pid":"p1"}"#);
    // The recovered server still has us in doctype:Note, so we leave it.
    assert_eq!(h.sent(), vec![r#"42/site,["doctype_unsubscribe","Note"]"#]);

    // A session that was not recovered has no rooms: nothing to leave.
    h.client
        .subscribe(h.now, Subscription::doctype("Task"))
        .unwrap();
    h.sent();
    h.fail_transport(id2);
    h.client
        .unsubscribe(h.now, &Subscription::doctype("Task"))
        .unwrap();
    h.wire.clear();
    h.advance_to_deadline();
    let id3 = h.open_polling(HANDSHAKE);
    assert_eq!(h.sent(), vec![r#"40/site,{"pid":"p1"}"#]);
    h.reply_get(id3, r#"40/site,{"sid":"s3","pid":"p2"}"#);
    assert!(h.sent().is_empty());
}

#[test]
fn buffer_drops_the_oldest_when_full_by_default() {
    let mut c = config();
    c.buffer_max_count = 2;
    let mut h = Harness::new(c);
    emit(&mut h, "one", "[]");
    emit(&mut h, "two", "[]");
    assert!(h.take_events().is_empty());
    emit(&mut h, "three", "[]");
    assert_eq!(
        h.take_events(),
        vec![Event::Dropped {
            name: "one".into(),
            ack: None,
            reason: DropReason::BufferFull
        }]
    );
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    h.reply_get(id, r#"40/site,{"sid":"s"}"#);
    assert_eq!(h.sent(), vec![r#"42/site,["two"]"#, r#"42/site,["three"]"#]);
}

#[test]
fn buffer_can_refuse_the_newest_instead() {
    let mut c = config();
    c.buffer_max_count = 2;
    c.buffer_overflow = OverflowPolicy::DropNewest;
    let mut h = Harness::new(c);
    emit(&mut h, "one", "[]");
    emit(&mut h, "two", "[]");
    let ack = h
        .client
        .emit(
            h.now,
            "three",
            "[]",
            vec![],
            AckRequest::Ack { timeout: None },
        )
        .unwrap();
    assert_eq!(
        h.take_events(),
        vec![Event::Dropped {
            name: "three".into(),
            ack,
            reason: DropReason::BufferFull
        }]
    );
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    h.reply_get(id, r#"40/site,{"sid":"s"}"#);
    assert_eq!(h.sent(), vec![r#"42/site,["one"]"#, r#"42/site,["two"]"#]);
}

#[test]
fn buffer_of_zero_sends_nothing_while_offline() {
    let mut c = config();
    c.buffer_max_count = 0;
    let mut h = Harness::new(c);
    emit(&mut h, "lost", "[]");
    assert!(matches!(
        &h.take_events()[..],
        [Event::Dropped {
            reason: DropReason::BufferFull,
            ..
        }]
    ));
}

#[test]
fn buffered_emits_expire_after_max_age() {
    let mut c = config();
    c.buffer_max_age = Duration(30_000);
    let mut h = Harness::new(c);
    emit(&mut h, "old", "[]");
    h.advance(10_000);
    emit(&mut h, "newer", "[]");
    h.advance(19_999);
    assert!(h.take_events().is_empty());
    h.advance(1);
    assert_eq!(
        h.take_events(),
        vec![Event::Dropped {
            name: "old".into(),
            ack: None,
            reason: DropReason::Expired
        }]
    );
    assert_eq!(h.client.buffered(), 1);
}

#[test]
fn ack_is_delivered_with_its_arguments() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    let ack = h
        .client
        .emit(
            h.now,
            "get_count",
            r#"["ToDo"]"#,
            vec![],
            AckRequest::Ack {
                timeout: Some(Duration(5000)),
            },
        )
        .unwrap();
    assert_eq!(ack, Some(0));
    assert_eq!(h.sent(), vec![r#"42/site,0["get_count","ToDo"]"#]);
    h.reply_get(id, r#"43/site,0[42,{"ok":true}]"#);
    assert_eq!(
        h.take_events(),
        vec![Event::Ack {
            id: 0,
            data: r#"[42,{"ok":true}]"#.into(),
            attachments: vec![]
        }]
    );
    // A second ack for the same id is ignored.
    h.reply_get(id, "43/site,0[1]");
    assert!(h.take_events().is_empty());
}

#[test]
fn ack_times_out_exactly_and_a_late_answer_is_ignored() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.client
        .emit(
            h.now,
            "slow",
            "[]",
            vec![],
            AckRequest::Ack {
                timeout: Some(Duration(5000)),
            },
        )
        .unwrap();
    h.sent();
    h.advance(4999);
    assert!(h.take_events().is_empty());
    h.advance(1);
    assert_eq!(
        h.take_events(),
        vec![Event::AckFailed {
            id: 0,
            reason: AckFailure::Timeout
        }]
    );
    h.reply_get(id, "43/site,0[1]");
    assert!(h.take_events().is_empty());
}

#[test]
fn ack_timeout_counts_while_buffered_and_the_emit_is_then_not_sent() {
    let mut h = Harness::new(config());
    h.client
        .emit(
            h.now,
            "offline",
            "[]",
            vec![],
            AckRequest::Ack {
                timeout: Some(Duration(1000)),
            },
        )
        .unwrap();
    h.advance(1000);
    assert!(matches!(
        h.take_events()[..],
        [Event::AckFailed {
            reason: AckFailure::Timeout,
            ..
        }]
    ));
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    h.reply_get(id, r#"40/site,{"sid":"s"}"#);
    assert!(h.sent().is_empty());
}

#[test]
fn sent_acks_fail_on_disconnect_but_buffered_ones_wait() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.client
        .emit(h.now, "a", "[]", vec![], AckRequest::Ack { timeout: None })
        .unwrap();
    h.sent();
    h.fail_transport(id);
    let events = h.take_events();
    assert!(events.contains(&Event::AckFailed {
        id: 0,
        reason: AckFailure::Disconnected
    }));
    h.client
        .emit(h.now, "b", "[]", vec![], AckRequest::Ack { timeout: None })
        .unwrap();
    h.wire.clear();
    h.advance_to_deadline();
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    h.reply_get(id, r#"40/site,{"sid":"s"}"#);
    assert_eq!(h.sent(), vec![r#"42/site,1["b"]"#]);
    h.reply_get(id, "43/site,1[]");
    assert!(h.take_events().contains(&Event::Ack {
        id: 1,
        data: "[]".into(),
        attachments: vec![]
    }));
}

#[test]
fn server_requested_acks_are_answered() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.reply_get(id, r#"42/site,7["question",1]"#);
    assert!(matches!(
        &h.take_events()[0],
        Event::Message { ack: Some(7), .. }
    ));
    h.client.ack(h.now, 7, r#"["answer"]"#).unwrap();
    assert_eq!(h.sent(), vec![r#"43/site,7["answer"]"#]);
    assert_eq!(
        h.client.ack(h.now, 7, "[]"),
        Err(UsageError::UnknownAck),
        "answered once"
    );
}

#[test]
fn reserved_names_and_bad_arguments_are_refused_before_anything_is_sent() {
    let mut h = Harness::new(config());
    h.connected("s");
    for name in [
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ] {
        assert_eq!(
            h.client.emit(h.now, name, "[]", vec![], AckRequest::None),
            Err(UsageError::ReservedEventName)
        );
    }
    assert_eq!(
        h.client.emit(h.now, "", "[]", vec![], AckRequest::None),
        Err(UsageError::EmptyEventName)
    );
    for args in ["{}", "1", "[1", "", "[1]x"] {
        assert_eq!(
            h.client.emit(h.now, "ok", args, vec![], AckRequest::None),
            Err(UsageError::ArgumentsNotArray),
            "{args}"
        );
    }
    assert!(h.sent().is_empty());
    assert_eq!(h.client.buffered(), 0);
}

#[test]
fn event_names_are_escaped_on_the_wire() {
    let mut h = Harness::new(config());
    h.connected("s");
    emit(&mut h, "say \"hi\"\n", "[]");
    assert_eq!(h.sent(), vec![r#"42/site,["say \"hi\"\n"]"#]);
}

#[test]
fn connection_state_recovery_sends_pid_and_offset_and_reports_recovery() {
    let mut c = config();
    c.auth = Some(r#"{"token":"t"}"#.into());
    let mut h = Harness::new(c);
    let id = h.open_polling(HANDSHAKE);
    assert_eq!(h.sent(), vec![r#"40/site,{"token":"t"}"#]);
    h.reply_get(id, r#"40/site,{"sid":"s1","pid":"p1"}"#);
    assert!(h.take_events().contains(&Event::Connect {
        sid: "s1".into(),
        recovered: false
    }));
    // The server appends each packet's offset as the last argument.
    h.reply_get(id, r#"42/site,["doc_update",{"x":1},"off-7"]"#);
    h.take_events();
    let id = reconnect(
        &mut h,
        id,
        r#"{"pid":"p1","offset":"off-7","token":"t"}"#,
        r#"{"sid":"s2","pid":"p1"}"#,
    );
    assert!(h.take_events().contains(&Event::Connect {
        sid: "s2".into(),
        recovered: true
    }));
    // A server that could not recover gives a new pid: not recovered.
    reconnect(
        &mut h,
        id,
        r#"{"pid":"p1","offset":"off-7","token":"t"}"#,
        r#"{"sid":"s3","pid":"p9"}"#,
    );
    assert!(h.take_events().contains(&Event::Connect {
        sid: "s3".into(),
        recovered: false
    }));
}

#[test]
fn without_recovery_no_pid_is_sent() {
    let mut h = Harness::new(config());
    let id = h.connected("s1");
    h.reply_get(id, r#"42/site,["doc_update",{"x":1},"not-an-offset"]"#);
    reconnect(&mut h, id, "", r#"{"sid":"s2"}"#);
}

#[test]
fn an_emit_larger_than_max_payload_is_dropped_and_the_connection_kept() {
    // The server closes a connection carrying a message above its maxPayload;
    // the client refuses the emit instead, and says so.
    let mut h = Harness::new(config());
    let id = h.open_polling(
        r#"0{"sid":"eio1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":40}"#,
    );
    h.sent();
    h.reply_get(id, r#"40/site,{"sid":"s"}"#);
    h.take_events();
    // `42/site,["big","x…"]`: 40 bytes, 41 with the Engine.IO "4": one too many.
    let big = format!(r#"["{}"]"#, "x".repeat(22));
    let ack = h
        .client
        .emit(
            h.now,
            "big",
            &big,
            vec![],
            AckRequest::Ack { timeout: None },
        )
        .unwrap();
    emit(&mut h, "small", r#"["y"]"#);
    assert_eq!(
        h.take_events(),
        vec![Event::Dropped {
            name: "big".into(),
            ack,
            reason: DropReason::TooLarge
        }]
    );
    assert_eq!(h.sent(), vec![r#"42/site,["small","y"]"#]);
    assert!(h.client.connected());
    // Exactly at the limit is allowed: "4" + 39 bytes.
    let fits = format!(r#"["{}"]"#, "x".repeat(20));
    emit(&mut h, "fits", &fits);
    let sent = h.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].len() + 1, 40, "{sent:?}");
    assert!(h.take_events().is_empty());
}

#[test]
fn a_buffered_emit_larger_than_max_payload_is_dropped_at_flush() {
    let mut h = Harness::new(config());
    let big = format!(r#"["{}"]"#, "x".repeat(100));
    emit(&mut h, "big", &big);
    emit(&mut h, "small", "[]");
    let id = h.open_polling(
        r#"0{"sid":"eio1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":60}"#,
    );
    h.sent();
    h.reply_get(id, r#"40/site,{"sid":"s"}"#);
    let events = h.take_events();
    assert!(
        events.contains(&Event::Dropped {
            name: "big".into(),
            ack: None,
            reason: DropReason::TooLarge
        }),
        "{events:?}"
    );
    assert_eq!(h.sent(), vec![r#"42/site,["small"]"#]);
}

#[test]
fn a_room_held_twice_is_left_only_by_its_last_subscriber() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    let doc = Subscription::doc("ToDo", "A");
    assert!(h.client.subscribe(h.now, doc.clone()).unwrap());
    assert!(!h.client.subscribe(h.now, doc.clone()).unwrap());
    assert_eq!(h.sent(), vec![r#"42/site,["doc_subscribe","ToDo","A"]"#]);
    // One of the two lets go: the room stays, and comes back after a reconnect.
    assert!(!h.client.unsubscribe(h.now, &doc).unwrap());
    assert!(h.sent().is_empty());
    let id = reconnect(&mut h, id, "", r#"{"sid":"s2"}"#);
    assert_eq!(h.sent(), vec![r#"42/site,["doc_subscribe","ToDo","A"]"#]);
    // The last one leaves it.
    assert!(h.client.unsubscribe(h.now, &doc).unwrap());
    assert_eq!(h.sent(), vec![r#"42/site,["doc_unsubscribe","ToDo","A"]"#]);
    assert!(!h.client.unsubscribe(h.now, &doc).unwrap());
    reconnect(&mut h, id, "", r#"{"sid":"s3"}"#);
    assert!(h.sent().is_empty());
}

/// `handle_poll_response` / `handle_binary_owned` (the driver's way: the input given
/// away, a payload that ends a packet taken rather than copied) give exactly the
/// events and the wire of `handle_text` / `handle_binary`, for events with and
/// without ack ids, binary events, acks of the app's emits and payloads of several
/// packets.
#[test]
fn inputs_given_away_give_the_same_events_and_wire_as_borrowed_ones() {
    let run = |owned: bool| {
        let mut h = Harness::new(config());
        let id = h.connected("s");
        let ack = h
            .client
            .emit(h.now, "q", "[1]", vec![], AckRequest::Ack { timeout: None });
        assert_eq!(ack, Ok(Some(0)));
        let text = |h: &mut Harness, id, t: &str| {
            if owned {
                let parts = t.split('\u{1e}').map(String::from).collect();
                h.client.handle_poll_response(h.now, id, parts);
            } else {
                h.client.handle_text(h.now, id, t);
            }
        };
        let mut wire = Vec::new();
        // Polling: several packets, the last payload ending the response.
        text(
            &mut h,
            id,
            "42/site,[\"a\",1]\u{1e}2\u{1e}42/site,7[\"b\",{\"x\":\"\u{e9}\"}]",
        );
        wire.extend(h.sent());
        text(&mut h, id, "43/site,0[\"answer\"]");
        wire.extend(h.sent());
        // Binary event: the header's payload is taken, the attachment kept as given.
        text(
            &mut h,
            id,
            "451-/site,3[\"bin\",{\"_placeholder\":true,\"num\":0}]",
        );
        if owned {
            h.client.handle_binary_owned(h.now, id, vec![1, 2, 3]);
        } else {
            h.client.handle_binary(h.now, id, &[1, 2, 3]);
        }
        text(&mut h, id, "b4AQID");
        wire.extend(h.sent());
        (h.take_events(), wire)
    };
    let (borrowed, owned) = (run(false), run(true));
    assert_eq!(owned, borrowed);
    let names: Vec<&str> = owned
        .0
        .iter()
        .filter_map(|e| match e {
            Event::Message { name, .. } => Some(name.as_str()),
            Event::Ack { .. } => Some("ack"),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["a", "b", "ack", "bin"], "{:?}", owned.0);
}

/// The payload of a WebSocket frame given away is the frame's own buffer (no copy).
#[test]
fn the_payload_of_a_frame_given_away_is_that_frame_s_buffer() {
    let mut c = config();
    c.transports = vec![TransportKind::WebSocket];
    let mut h = Harness::new(c);
    h.connected_websocket("w");
    h.take_events();
    let frame = String::from("42/site,5[\"big\",\"xxxxxxxx\"]");
    let buffer = frame.as_ptr();
    h.client.handle_text_owned(h.now, 1, frame);
    match &h.take_events()[..] {
        [Event::Message {
            name, data, ack, ..
        }] => {
            assert_eq!((name.as_str(), ack), ("big", &Some(5)));
            assert_eq!(data, "[\"big\",\"xxxxxxxx\"]");
            assert_eq!(
                data.as_ptr(),
                buffer,
                "the frame's buffer, its head removed"
            );
        }
        other => panic!("{other:?}"),
    }
}
