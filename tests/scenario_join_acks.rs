//! Acknowledged joins (src/protocol/client/join_acks.rs), on virtual time with
//! exact wire strings: with `join_acks` on, every join asks for an ack; a join
//! answered `true` or `false` is never sent again on that connection, one answered
//! otherwise (the web server refused or timed out) is sent again after a wait that
//! grows with the failures in a row, even on a quick first connection; a reconnect
//! sends a few joins (one after a loaded CONNECT) and one more per answer. A server
//! that answers nothing (Frappe's own) gets what it gets with the option off, ack ids
//! aside (and one join at a loaded CONNECT). Without jitter (`randomization_factor`
//! 0) every wait is the middle of its window (scenario_heal.rs has the rounds'
//! arithmetic).

mod support;

use frappe_realtime::protocol::client::{
    AckRequest, Event, TransportId, JOINS_AT_ONCE, JOIN_RETRY_FIRST, LOADED_JOINS_AT_ONCE,
};
use frappe_realtime::protocol::rooms::Subscription;
use support::*;

/// The join of room `n` of [`subscribed`], with ack id `id`.
fn join(n: usize, id: u64) -> String {
    let args = [
        r#"["doc_subscribe","ToDo","T-1"]"#,
        r#"["doctype_subscribe","Note"]"#,
        r#"["doc_open","ToDo","T-1"]"#,
        r#"["task_subscribe","job-1"]"#,
        r#"["doc_subscribe","ToDo","T-2"]"#,
        r#"["doc_subscribe","ToDo","T-3"]"#,
    ];
    format!("42/site,{id}{}", args[n])
}

/// Without jitter, `join_acks` on; subscribed to the first `rooms` rooms of [`join`].
fn subscribed(rooms: usize) -> Harness {
    let mut c = config();
    c.randomization_factor = 0.0;
    c.join_acks = true;
    let mut h = Harness::new(c);
    let subs = [
        Subscription::doc("ToDo", "T-1"),
        Subscription::doctype("Note"),
        Subscription::doc_open("ToDo", "T-1"),
        Subscription::task("job-1"),
        Subscription::doc("ToDo", "T-2"),
        Subscription::doc("ToDo", "T-3"),
    ];
    for sub in subs.into_iter().take(rooms) {
        h.client.subscribe(h.now, sub).unwrap();
    }
    h
}

/// Connects in 20 ms (the web server idle); returns the transport, every join
/// checked to have gone out at the CONNECT with ack ids 0, 1, …
fn quick_connect(h: &mut Harness, rooms: usize) -> TransportId {
    let id = h.open_polling(SLOW_PINGS);
    assert_eq!(h.sent(), vec!["40/site,"]);
    h.advance(20);
    h.reply_get(id, r#"40/site,{"sid":"s"}"#);
    let joins: Vec<String> = (0..rooms).map(|n| join(n, n as u64)).collect();
    assert_eq!(h.sent(), joins);
    id
}

/// The connection `lost` fails; the next attempt's CONNECT is answered after
/// `after` ms. Returns the new transport and what went out at the CONNECT.
fn reconnect(h: &mut Harness, lost: TransportId, after: u64) -> (TransportId, Vec<String>) {
    h.fail_transport(lost);
    h.wire.clear();
    h.advance_to_deadline();
    let id = h.open_polling(SLOW_PINGS);
    assert_eq!(h.sent(), vec!["40/site,"]);
    h.advance(after);
    h.reply_get(id, r#"40/site,{"sid":"s2"}"#);
    (id, h.sent())
}

#[test]
fn a_failed_join_is_sent_again_and_answered_ones_never() {
    let mut h = subscribed(4);
    let id = quick_connect(&mut h, 4);
    // Taken, taken, refused for good, failed (the web server's 502).
    h.reply_get(
        id,
        "43/site,0[true]\x1e43/site,1[true]\x1e43/site,3[false]\x1e43/site,2[{\"error\":\"502\"}]",
    );
    // The failed one goes again after a wait anywhere in [1, JOIN_RETRY_FIRST]: its
    // middle. A quick first connection re-sends nothing without acks
    // (scenario_heal.rs).
    assert_eq!(JOIN_RETRY_FIRST.0, 2_000);
    assert_eq!(h.sent_until(60_000), vec![(1_000, vec![join(2, 4)])]);
    // The server's answers reach no listener of the application.
    assert!(!has(&h.take_events(), |e| matches!(e, Event::Ack { .. })));
    // Failed again: the window grows by half for the second in a row.
    h.reply_get(id, "43/site,4[{\"error\":\"timeout\"}]");
    assert_eq!(h.sent_until(60_000), vec![(1_500, vec![join(2, 5)])]);
    // Taken: every room answered, nothing is left to send.
    h.reply_get(id, "43/site,5[true]");
    assert_eq!(h.sent_until(3_000_000), vec![]);
}

#[test]
fn a_loaded_reconnect_sends_one_join_then_one_per_answer() {
    assert_eq!(LOADED_JOINS_AT_ONCE, 1);
    let mut h = subscribed(6);
    let id = quick_connect(&mut h, 6);
    h.advance(60_000);
    // 400 ms: a queue (scenario_heal.rs, `a_reconnect_to_a_loaded_web_server_…`).
    // Without acks no join goes out at the CONNECT; with them, one, and each answer
    // frees its place in the web server's queue for the next.
    let (id2, at_connect) = reconnect(&mut h, id, 400);
    assert!(h.client.joins_paced());
    assert_eq!(at_connect, vec![join(0, 6)]);
    // An answer of the previous connection's is no join's of this one.
    h.reply_get(id2, "43/site,5[true]");
    assert_eq!(h.sent(), Vec::<String>::new());
    for n in 1..6 {
        h.advance(30);
        h.reply_get(id2, &format!("43/site,{}[true]", n + 5));
        assert_eq!(
            h.sent(),
            vec![join(n, n as u64 + 6)],
            "the join after answer {n}"
        );
    }
    // A failed answer frees no place: the failed join goes again after its wait,
    // and the heal rounds have nothing to re-send once every join is answered.
    h.reply_get(id2, "43/site,11[{\"error\":\"502\"}]");
    assert_eq!(h.sent(), Vec::<String>::new());
    assert_eq!(h.sent_until(1_000), vec![(1_000, vec![join(5, 12)])]);
    h.reply_get(id2, "43/site,12[true]");
    assert!(!h.client.joins_paced());
    assert_eq!(h.sent_until(3_000_000), vec![]);
}

#[test]
fn a_quick_reconnect_sends_four_joins_then_one_per_answer() {
    assert_eq!(JOINS_AT_ONCE, 4);
    let mut h = subscribed(6);
    let id = quick_connect(&mut h, 6);
    h.advance(60_000);
    let (id2, at_connect) = reconnect(&mut h, id, 20);
    assert_eq!(
        at_connect,
        (0..4).map(|n| join(n, n as u64 + 6)).collect::<Vec<_>>()
    );
    h.reply_get(id2, "43/site,6[true]\x1e43/site,7[false]");
    assert_eq!(h.sent(), vec![join(4, 10), join(5, 11)]);
}

#[test]
fn joins_not_answered_are_paced_and_re_sent_as_without_acks() {
    let mut h = subscribed(6);
    let id = quick_connect(&mut h, 6);
    assert_eq!(h.sent_until(300_000), vec![], "a quick first connection");
    let (_, at_connect) = reconnect(&mut h, id, 400);
    assert_eq!(at_connect, vec![join(0, 6)]);
    // No answer: the others when the pace sends them, from (rooms − 1) × the wait = 5
    // × 400 ms after the CONNECT on, each the middle of [1, 400 ms / 6] after the
    // previous one; then the heal rounds re-send all six, from 2 G after the last (G =
    // max(10 s, 3 × 7 × 400 ms)), 10 s / 6 / 2 apart.
    let out = h.sent_until(30_000);
    let paced: Vec<(u64, Vec<String>)> = (1..6)
        .map(|n| (2_000 + 33 * n as u64, vec![join(n, n as u64 + 6)]))
        .collect();
    assert_eq!(out[..5], paced[..]);
    let resent: Vec<(u64, Vec<String>)> = (0..6)
        .map(|n| (22_165 + 833 * n as u64, vec![join(n, n as u64 + 12)]))
        .collect();
    assert_eq!(out[5..], resent[..]);
}

#[test]
fn a_room_left_and_joined_again_must_be_answered_again() {
    let mut h = subscribed(1);
    let id = quick_connect(&mut h, 1);
    h.reply_get(id, "43/site,0[true]");
    let sub = Subscription::doc("ToDo", "T-1");
    h.client.unsubscribe(h.now, &sub).unwrap();
    h.client.subscribe(h.now, sub).unwrap();
    assert_eq!(
        h.sent(),
        vec![
            r#"42/site,["doc_unsubscribe","ToDo","T-1"]"#.to_string(),
            join(0, 1)
        ]
    );
    h.reply_get(id, "43/site,1[{\"error\":\"timeout\"}]");
    assert_eq!(h.sent_until(30_000), vec![(1_000, vec![join(0, 2)])]);
}

#[test]
fn an_emit_s_ack_still_reaches_the_application() {
    let mut h = subscribed(1);
    let id = quick_connect(&mut h, 1);
    let ack = h
        .client
        .emit(
            h.now,
            "ping",
            "[]",
            vec![],
            AckRequest::Ack { timeout: None },
        )
        .unwrap();
    assert_eq!(ack, Some(1), "ids shared with the joins'");
    assert_eq!(h.sent(), vec![r#"42/site,1["ping"]"#]);
    h.take_events();
    h.reply_get(id, "43/site,1[\"pong\"]\x1e43/site,0[true]");
    assert_eq!(
        h.take_events(),
        vec![Event::Ack {
            id: 1,
            data: r#"["pong"]"#.into(),
            attachments: vec![]
        }]
    );
}
