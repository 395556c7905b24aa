//! Rooms that heal (src/protocol/client/recovery.rs, "The retry policy"), on virtual
//! time with exact wire strings: a reconnect, or a first connection made under stress
//! (a transient refusal in its run, or an attempt of SLOW_CONNECT or more), re-sends its
//! joins HEAL_ROUNDS times, since Frappe's server drops a join whose permission call
//! failed without telling the client (a join of a room held already changes nothing).

mod support;

use frappe_realtime::protocol::client::{TransportId, HEAL_FIRST, HEAL_ROUNDS, SLOW_CONNECT};
use frappe_realtime::protocol::rooms::Subscription;
use support::*;

const JOINS: [&str; 4] = [
    r#"42/site,["doc_subscribe","ToDo","T-1"]"#,
    r#"42/site,["doctype_subscribe","Note"]"#,
    r#"42/site,["doc_open","ToDo","T-1"]"#,
    r#"42/site,["task_subscribe","job-1"]"#,
];

/// Without jitter; subscribed to a doc, a doctype, an open doc and a task.
fn subscribed() -> Harness {
    let mut c = config();
    c.randomization_factor = 0.0;
    let mut h = Harness::new(c);
    for sub in [
        Subscription::doc("ToDo", "T-1"),
        Subscription::doctype("Note"),
        Subscription::doc_open("ToDo", "T-1"),
        Subscription::task("job-1"),
    ] {
        h.client.subscribe(h.now, sub).unwrap();
    }
    h
}

/// Connects, the server answering the CONNECT `after` ms after the attempt began;
/// returns the transport, with the joins at CONNECT checked and taken.
fn connect_after(h: &mut Harness, after: u64) -> TransportId {
    let id = h.open_polling(HANDSHAKE);
    assert_eq!(h.sent(), vec!["40/site,"]);
    h.advance(after);
    h.reply_get(id, r#"40/site,{"sid":"s"}"#);
    assert!(h.client.connected());
    assert_eq!(h.sent(), JOINS.to_vec(), "every join at CONNECT");
    id
}

/// What goes out until `until` ms from now (within the session's ping window),
/// with when (ms from now).
fn sent_until(h: &mut Harness, until: u64) -> Vec<(u64, Vec<String>)> {
    let start = h.now.0;
    let mut out = Vec::new();
    while h
        .client
        .poll_timeout()
        .is_some_and(|t| t.0 <= start + until)
    {
        h.advance_to_deadline();
        let sent = h.sent();
        if !sent.is_empty() {
            out.push((h.now.0 - start, sent));
        }
    }
    out
}

fn all_joins() -> Vec<String> {
    JOINS.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_first_quick_connection_re_sends_nothing() {
    let mut h = subscribed();
    connect_after(&mut h, 20);
    assert_eq!(sent_until(&mut h, 20_000), vec![]);
}

#[test]
fn a_slow_connection_re_sends_its_joins_three_times() {
    let mut h = subscribed();
    let took = SLOW_CONNECT.0 + 500; // 1.5 s: the web server's queue
    connect_after(&mut h, took);
    let out = sent_until(&mut h, 24_000);
    // At 2 × 1.5 s, then gaps of 6 s and 12 s.
    assert_eq!(
        out,
        vec![
            (3_000, all_joins()),
            (9_000, all_joins()),
            (21_000, all_joins()),
        ]
    );
    assert_eq!(out.len() as u32, HEAL_ROUNDS);
}

#[test]
fn a_connection_after_a_transient_refusal_re_sends_them_too() {
    let mut h = subscribed();
    // The first attempt is refused: the web server failed get_user_info.
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    h.reply_get(
        id,
        r#"44/site,{"message":"Unauthorized: TypeError: fetch failed"}"#,
    );
    h.wire.clear();
    h.advance_to_deadline();
    connect_after(&mut h, 20);
    let out = sent_until(&mut h, 15_000);
    // A quick attempt: the first gap is HEAL_FIRST (2 s), then 4 s and 8 s.
    let times: Vec<u64> = out.iter().map(|(t, _)| *t).collect();
    assert_eq!(times, vec![HEAL_FIRST.0, 6_000, 14_000]);
    assert!(out.iter().all(|(_, m)| *m == all_joins()));
}

#[test]
fn every_reconnect_re_sends_them_and_a_lost_connection_ends_its_rounds() {
    // Whichever client's join lands when the web server is busy is dropped, so a
    // reconnect re-sends its joins even when it connected quickly.
    let mut h = subscribed();
    let id = connect_after(&mut h, 2_000);
    h.advance(1_000);
    h.fail_transport(id);
    h.wire.clear();
    h.advance_to_deadline();
    connect_after(&mut h, 20);
    // The old connection's rounds (the first due 4 s after its CONNECT) are gone;
    // the new one's come at 2, 6 and 14 s.
    let times: Vec<u64> = sent_until(&mut h, 15_000).iter().map(|(t, _)| *t).collect();
    assert_eq!(times, vec![HEAL_FIRST.0, 6_000, 14_000]);
}

#[test]
fn an_unsubscribed_room_is_not_re_sent() {
    let mut h = subscribed();
    connect_after(&mut h, 1_500);
    h.client
        .unsubscribe(h.now, &Subscription::doctype("Note"))
        .unwrap();
    assert_eq!(h.sent(), vec![r#"42/site,["doctype_unsubscribe","Note"]"#]);
    let out = sent_until(&mut h, 3_500);
    assert_eq!(
        out,
        vec![(
            3_000,
            vec![
                r#"42/site,["doc_subscribe","ToDo","T-1"]"#.to_string(),
                r#"42/site,["doc_open","ToDo","T-1"]"#.to_string(),
                r#"42/site,["task_subscribe","job-1"]"#.to_string()
            ]
        )]
    );
}
