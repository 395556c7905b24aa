//! Rooms that heal (src/protocol/client/heal.rs, "The policy"), on virtual
//! time with exact wire strings: a reconnect, or a first connection made under stress
//! (a transient refusal in its run, or an attempt of SLOW_CONNECT or more), re-sends its
//! joins in HEAL_ROUNDS rounds, since Frappe's server drops a join whose permission call
//! failed without telling the client (a join of a room held already changes nothing).
//! Each round waits past the herd and trickles, one join at a time. Without jitter
//! (`randomization_factor` 0) every wait is the middle of its window: a round starts 2 G
//! after the last one's end (G = max(HEAL_FIRST, HEAL_AFTER_SLOW × the attempt's time),
//! doubling), its joins G / (2 × rooms) apart.

mod support;

use frappe_realtime::protocol::client::{
    TransportId, HANDSHAKE_PART, HEAL_AFTER_LOADED, HEAL_AFTER_SLOW, HEAL_FIRST, HEAL_ROUNDS,
    JOINS_AT_ONCE, LOADED_FACTOR, LOADED_MIN, SLOW_CONNECT,
};
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
    let id = h.open_polling(SLOW_PINGS);
    assert_eq!(h.sent(), vec!["40/site,"]);
    h.advance(after);
    h.reply_get(id, r#"40/site,{"sid":"s"}"#);
    assert!(h.client.connected());
    assert_eq!(h.sent(), JOINS.to_vec(), "every join at CONNECT");
    id
}

/// Subscribed, connected in 20 ms (the page's quickest CONNECT: its web server
/// idle), a minute on: the page before a restart.
fn a_minute_after_a_quick_connect() -> (Harness, TransportId) {
    let mut h = subscribed();
    let id = connect_after(&mut h, 20);
    h.advance(60_000);
    (h, id)
}

/// Connects after a connection lost: the server answers the CONNECT `after` ms after
/// the attempt began; returns the transport and what went out at the CONNECT.
fn reconnect_after(h: &mut Harness, lost: TransportId, after: u64) -> (TransportId, Vec<String>) {
    reconnect_after_handshake(h, lost, 0, after)
}

/// As `reconnect_after`, the Engine.IO handshake coming `handshake` ms after the
/// attempt began and the CONNECT's answer `after` ms after it was sent.
fn reconnect_after_handshake(
    h: &mut Harness,
    lost: TransportId,
    handshake: u64,
    after: u64,
) -> (TransportId, Vec<String>) {
    h.fail_transport(lost);
    h.wire.clear();
    h.advance_to_deadline();
    h.advance(handshake);
    let id = h.open_polling(SLOW_PINGS);
    assert_eq!(h.sent(), vec!["40/site,"]);
    h.advance(after);
    h.reply_get(id, r#"40/site,{"sid":"s2"}"#);
    assert!(h.client.connected());
    (id, h.sent())
}

/// As `reconnect_after_handshake`, for a CONNECT that found the web server loaded:
/// checks that no join went out at the CONNECT (they are paced one at a time) and
/// returns the new transport.
fn reconnect_loaded(h: &mut Harness, lost: TransportId, handshake: u64, after: u64) -> TransportId {
    let (id, at_connect) = reconnect_after_handshake(h, lost, handshake, after);
    assert!(h.client.joins_paced());
    assert_eq!(at_connect, Vec::<String>::new(), "no join at the CONNECT");
    id
}

/// `(ms from the CONNECT, join)` for every join re-sent in `rounds`, each round given
/// as (its start, the gap between its joins), the joins in registration order.
fn rounds(rounds: &[(u64, u64)], joins: &[&str]) -> Vec<(u64, Vec<String>)> {
    let mut out = Vec::new();
    for (start, pace) in rounds {
        for (i, join) in joins.iter().enumerate() {
            out.push((start + pace * i as u64, vec![join.to_string()]));
        }
    }
    out
}

/// The six rounds after a quick CONNECT: G is HEAL_FIRST (10 s), then 20, 40, 80,
/// 160 and 320 s.
fn quick_rounds() -> Vec<(u64, Vec<String>)> {
    rounds(
        &[
            (20_000, 1_250),
            (63_750, 2_500),
            (151_250, 5_000),
            (326_250, 10_000),
            (676_250, 20_000),
            (1_376_250, 40_000),
        ],
        &JOINS,
    )
}

#[test]
fn a_first_quick_connection_re_sends_nothing() {
    let mut h = subscribed();
    connect_after(&mut h, 20);
    assert_eq!(h.sent_until(300_000), vec![]);
}

#[test]
fn a_slow_connection_re_sends_its_joins_in_six_paced_rounds() {
    let mut h = subscribed();
    let took = 6 * SLOW_CONNECT.0; // 6 s: the web server's queue
    connect_after(&mut h, took);
    let out = h.sent_until(3_000_000);
    // G = 2 × 6 s = 12 s: the first round 24 s after the CONNECT, its joins
    // 1.5 s apart; then G = 24 s (48 s after the round, 3 s apart), 48, 96, 192
    // and 384 s; then nothing more.
    assert_eq!(HEAL_AFTER_SLOW * took, 12_000);
    assert_eq!(
        out,
        rounds(
            &[
                (24_000, 1_500),
                (76_500, 3_000),
                (181_500, 6_000),
                (391_500, 12_000),
                (811_500, 24_000),
                (1_651_500, 48_000)
            ],
            &JOINS
        )
    );
    assert_eq!(out.len() as u32, HEAL_ROUNDS * JOINS.len() as u32);
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
    // A quick attempt: G is HEAL_FIRST.
    assert_eq!(HEAL_FIRST.0, 10_000);
    assert_eq!(h.sent_until(3_000_000), quick_rounds());
}

#[test]
fn every_reconnect_re_sends_them_and_a_lost_connection_ends_its_rounds() {
    // Whichever client's join lands when the web server is busy is dropped, so a
    // reconnect re-sends its joins even when it connected quickly.
    let mut h = subscribed();
    let id = connect_after(&mut h, 4_000);
    h.advance(1_000);
    h.fail_transport(id);
    h.wire.clear();
    h.advance_to_deadline();
    connect_after(&mut h, 20);
    // The old connection's first round (due 20 s after its CONNECT, some 18 s
    // from here) is gone; the new one's starts 20 s after its CONNECT.
    assert_eq!(h.sent_until(60_000), rounds(&[(20_000, 1_250)], &JOINS));
}

#[test]
fn an_unsubscribed_room_is_not_re_sent() {
    let mut h = subscribed();
    connect_after(&mut h, 6_000);
    h.client
        .unsubscribe(h.now, &Subscription::doctype("Note"))
        .unwrap();
    assert_eq!(h.sent(), vec![r#"42/site,["doctype_unsubscribe","Note"]"#]);
    // Three rooms left: G = 12 s, the joins 2 s apart.
    assert_eq!(
        h.sent_until(30_000),
        rounds(&[(24_000, 2_000)], &[JOINS[0], JOINS[2], JOINS[3]])
    );
}

#[test]
fn a_reconnect_to_a_loaded_web_server_spreads_its_first_joins() {
    // The page's first attempt took 20 ms: its web server idle. After a restart the
    // CONNECT takes 400 ms (more than LOADED_FACTOR times that, and than LOADED_MIN):
    // a queue, which the joins would join in one block with every other client's.
    assert_eq!((LOADED_FACTOR, LOADED_MIN.0, HEAL_AFTER_LOADED), (4, 25, 3));
    let (mut h, id) = a_minute_after_a_quick_connect();
    reconnect_loaded(&mut h, id, 0, 400);
    // One at a time from (rooms − 1) × 400 ms = 1.2 s on (the CONNECT's wait: a queue
    // of 400 ms of get_user_info calls ahead of it), each the middle of [1, 400 ms / 4]
    // after the previous one: across a herd whose waits grow by one call per client,
    // the joins come a little slower than the web server serves them, never into a
    // queue longer than the herd's first. Then the heal rounds: G = max(10 s, 3 ×
    // (rooms + 1) × 400 ms = 6 s) = 10 s, the first 2 G after the last of those joins.
    assert_eq!(
        h.sent_until(60_000),
        rounds(&[(1_250, 50), (21_400, 1_250)], &JOINS)
    );
}

#[test]
fn a_reconnect_a_little_slower_sends_its_joins_at_once() {
    let (mut h, id) = a_minute_after_a_quick_connect();
    // 4 × 20 ms, then LOADED_MIN: no more than the page's quickest attempt allows.
    let (id, at_connect) = reconnect_after(&mut h, id, 80);
    assert_eq!(
        at_connect,
        JOINS.to_vec(),
        "every join at the CONNECT after 80 ms"
    );
    h.advance(60_000);
    let (_, at_connect) = reconnect_after(&mut h, id, LOADED_MIN.0);
    assert_eq!(
        at_connect,
        JOINS.to_vec(),
        "every join at the CONNECT after 100 ms"
    );
}

#[test]
fn a_room_left_while_the_first_joins_are_paced_skips_none_of_the_others() {
    let (mut h, id) = a_minute_after_a_quick_connect();
    reconnect_loaded(&mut h, id, 0, 400);
    // The first join goes out (1.2 s, then the middle of [1, 400 ms / 4]); then the
    // page leaves that room.
    assert_eq!(
        h.sent_until(1_250),
        vec![(1_250, vec![JOINS[0].to_string()])]
    );
    h.client
        .unsubscribe(h.now, &Subscription::doc("ToDo", "T-1"))
        .unwrap();
    assert_eq!(
        h.sent(),
        vec![r#"42/site,["doc_unsubscribe","ToDo","T-1"]"#]
    );
    // The joins start over on the three rooms left, the next when it was due (50 ms
    // on), then 66 ms apart (the middle of 400 ms / 3): the doctype room, whose index
    // moved to 0, is not skipped.
    assert_eq!(
        h.sent_until(1_000),
        rounds(&[(50, 66)], &[JOINS[1], JOINS[2], JOINS[3]])
    );
}

#[test]
fn a_long_paced_window_holds_the_heal_rounds_back() {
    let (mut h, id) = a_minute_after_a_quick_connect();
    // A CONNECT after 3 s: the client's measure of the herd's work is 5 × 3 s = 15 s;
    // the heal rounds' G is three times that (45 s, longer than max(10 s, 2 × 3 s)), so
    // no round re-sends a join while the herd, on average twice what this client saw
    // ahead of it, may still be in the web server's queue (with a margin: twice, until
    // stop 36, let the first clients' rounds re-send into the tail of herds that took
    // the realtime node seconds to take in). The joins themselves go from 3 × 3 s = 9 s
    // on, each the middle of [1, 3 s / 4] after the previous one; the first round 2 G
    // after the last of them, its joins G / 8 apart.
    reconnect_loaded(&mut h, id, 0, 3_000);
    assert_eq!(
        h.sent_until(130_000),
        rounds(&[(9_375, 375), (100_500, 5_625)], &JOINS)
    );
}

#[test]
fn a_slow_handshake_before_a_quick_connect_sends_the_joins_at_once() {
    let (mut h, id) = a_minute_after_a_quick_connect();
    // The transport and the Engine.IO handshake take 3 s (a realtime node busy with
    // the herd's handshakes); they do not reach the web server. The CONNECT is then
    // answered in 20 ms: the web server has no queue, so nothing is paced.
    let (_, at_connect) = reconnect_after_handshake(&mut h, id, 3_000, 20);
    assert!(!h.client.joins_paced());
    assert_eq!(at_connect, JOINS.to_vec(), "every join at the CONNECT");
}

#[test]
fn a_slow_handshake_does_not_hold_the_heal_rounds_back() {
    let (mut h, id) = a_minute_after_a_quick_connect();
    // The transport and the Engine.IO handshake take 6 s (a realtime node busy with
    // the herd's handshakes), the CONNECT is answered in 20 ms: G is HEAL_FIRST, as
    // after any quick CONNECT. Counted from the attempt's start (until stop 33) G was
    // 2 × 6.02 s, and every round came later: the first 24.08 s after the
    // CONNECT, the fifth 814.2 s (checked on that code) instead of 676.25 s.
    reconnect_after_handshake(&mut h, id, 6_000, 20);
    assert_eq!(h.sent_until(3_000_000), quick_rounds());
}

#[test]
fn a_connect_as_slow_as_its_handshake_counts_half_of_it_as_a_queue_and_as_the_handshake() {
    let (mut h, id) = a_minute_after_a_quick_connect();
    // The transport and the Engine.IO handshake take 3 s, and the CONNECT is answered
    // 3 s later: a realtime node that far behind with the herd's own work, or one that
    // took the connection late and then waited 3 s for the web server. Nothing tells
    // the two apart, and taking the handshake's time off whole calls the second no
    // queue at all (on the fleet, a node taking a connection every 5 ms had its later
    // clients send their joins at once into the queue: 1,611 calls timed out). At
    // least half the round trip counts as the web server's wait: 1.5 s. The joins are
    // paced on it and on the herd's work the web server served meanwhile: as much of
    // the handshake as the wait, whole (the queue built up meanwhile), and a third
    // (HANDSHAKE_PART) of the rest (the web server may have stood idle): 1.5 s + 0.5 s.
    // Paced on 3.5 s: from (rooms − 1) × 3.5 s on, each the middle of [1, 3.5 s / 4]
    // after the previous one.
    assert_eq!(HANDSHAKE_PART, 3);
    let id = reconnect_loaded(&mut h, id, 3_000, 3_000);
    assert_eq!(h.sent_until(13_000), rounds(&[(10_937, 437)], &JOINS));
    // The same node, and the CONNECT answered 400 ms later still: a wait of half of
    // 3.4 s, as much of the handshake and a third of the other 1.3 s: paced on 3,833 ms.
    h.advance(60_000);
    reconnect_loaded(&mut h, id, 3_000, 3_400);
    assert_eq!(h.sent_until(14_000), rounds(&[(11_978, 479)], &JOINS));
}

#[test]
fn a_longer_handshake_paces_the_joins_slower_for_the_same_wait() {
    let (mut h, id) = a_minute_after_a_quick_connect();
    // Two reconnects whose CONNECTs are answered in 2 s alike, a wait of 1 s (half the
    // round trip: a standing queue at the web server), after a handshake of 1.5 s and
    // of 2.5 s: the second client came later in the node's intake, and more of the
    // herd's work was served ahead of it. The pace grows with the handshake: 1 s + 1 s
    // + 0.5 s / 3 = 2,166 ms, then 1 s + 1 s + 1.5 s / 3 = 2.5 s (until stop 37 both 2
    // s: a handshake of one to three waits counted as one wait, and the joins of all
    // the clients taken in behind a standing queue came together).
    let id = reconnect_loaded(&mut h, id, 1_500, 2_000);
    assert_eq!(h.sent_until(9_000), rounds(&[(6_768, 270)], &JOINS));
    h.advance(60_000);
    reconnect_loaded(&mut h, id, 2_500, 2_000);
    assert_eq!(h.sent_until(10_000), rounds(&[(7_812, 312)], &JOINS));
}

#[test]
fn a_handshake_shorter_than_the_wait_counts_whole() {
    let (mut h, id) = a_minute_after_a_quick_connect();
    // The transport and the Engine.IO handshake take 1 s, the CONNECT's answer 3 s
    // more: a wait of 2 s (the round trip less the handshake's time, the node's share,
    // as in every test here). The web server's queue grew while the node took this
    // client in, so it was busy throughout, serving clients ahead of this one whose
    // joins are still to come: the whole handshake counts (until stop 36 a third of it:
    // on the fleet, nodes taking the herd in at 1–4 ms a connection let the queue of
    // herds of 25–38 s of work outgrow the realtime server's wait). Paced on 3 s (the
    // wait and the whole handshake): from 3 × 3 s on, each the middle of [1, 750 ms]
    // after the previous one.
    reconnect_loaded(&mut h, id, 1_000, 3_000);
    assert_eq!(h.sent_until(11_000), rounds(&[(9_375, 375)], &JOINS));
}

#[test]
fn a_long_handshake_before_a_loaded_connect_counts_a_third_of_what_outlasts_the_wait() {
    let (mut h, id) = a_minute_after_a_quick_connect();
    // A handshake of 6 s (a node taking the herd in slowly), then a CONNECT answered in
    // 400 ms: a wait of 200 ms (half the round trip), loaded. While this client waited
    // for the node, the web server served the clients ahead of it, whose joins its
    // wait does not show: as much of the handshake as the wait counts whole, a third of
    // the other 5.8 s (1,933 ms). Paced on 2,333 ms: from 3 × 2,333 ms on, each the
    // middle of [1, 583 ms] after the previous one; the heal rounds' G is max(10 s, 2 ×
    // 400 ms, 3 × 5 × 2,333 ms) = 34,995 ms, the first 2 G after the last of those joins.
    reconnect_loaded(&mut h, id, 6_000, 400);
    assert_eq!(
        h.sent_until(95_000),
        rounds(&[(7_290, 291), (78_153, 4_374)], &JOINS)
    );
}

#[test]
fn a_quick_reconnect_in_more_rooms_than_it_joins_at_once_paces_the_others() {
    // Six rooms: the four of `subscribed` and two more.
    let (mut h, id) = a_minute_after_a_quick_connect();
    let more = [
        (
            Subscription::doc("ToDo", "T-2"),
            r#"42/site,["doc_subscribe","ToDo","T-2"]"#,
        ),
        (
            Subscription::task("job-2"),
            r#"42/site,["task_subscribe","job-2"]"#,
        ),
    ];
    for (sub, join) in &more {
        h.client.subscribe(h.now, sub.clone()).unwrap();
        assert_eq!(h.sent(), vec![join.to_string()]);
    }
    let all: Vec<&str> = JOINS.iter().copied().chain(more.map(|m| m.1)).collect();
    // The CONNECT is answered in 20 ms, as quickly as the page's first: no queue. The
    // first JOINS_AT_ONCE joins go at once, as a page in a few rooms sends them all; the
    // others as after a loaded CONNECT, paced on its wait (20 ms): from (rooms − 1) ×
    // 20 ms on, each the middle of [1, 20 ms / 6] after the previous one. At the head
    // of a herd the clients meet no queue; had each sent all its joins at once, they
    // would have gone ahead of the CONNECTs still arriving, and every client behind
    // would have measured a wait made of them, which its pace multiplies by its rooms.
    assert_eq!(JOINS_AT_ONCE, 4);
    let (_, at_connect) = reconnect_after(&mut h, id, 20);
    assert!(h.client.joins_paced());
    assert_eq!(at_connect, all[..JOINS_AT_ONCE].to_vec());
    // Then the heal rounds of any reconnect: G = HEAL_FIRST, the first 2 G after the
    // last of those joins, its joins G / 12 apart.
    let mut expected = rounds(&[(101, 1)], &all[JOINS_AT_ONCE..]);
    expected.extend(rounds(&[(20_102, 833)], &all));
    assert_eq!(h.sent_until(30_000), expected);
}

#[test]
fn a_quick_reconnect_in_as_many_rooms_as_it_joins_at_once_sends_them_all() {
    let (mut h, id) = a_minute_after_a_quick_connect();
    assert_eq!(JOINS.len(), JOINS_AT_ONCE);
    let (_, at_connect) = reconnect_after(&mut h, id, 20);
    assert!(!h.client.joins_paced());
    assert_eq!(at_connect, JOINS.to_vec(), "every join at the CONNECT");
}
