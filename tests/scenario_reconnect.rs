//! Scenarios: reconnect with backoff, attempt limits, "try now", and the
//! disconnect reasons that must not reconnect.

mod support;

use frappe_realtime::protocol::backoff::{grown, Backoff};
use frappe_realtime::protocol::client::{DisconnectReason, Event, State, Transmit, HEALTHY};
use frappe_realtime::protocol::rooms::Subscription;
use frappe_realtime::protocol::time::{Duration, Instant};
use support::*;

/// Fails `n` attempts in a row by transport errors on their first GET.
fn fail_attempts(h: &mut Harness, n: usize) {
    for _ in 0..n {
        let id = h.pending_get().expect("an attempt in flight");
        h.fail_transport(id);
        h.wire.retain(|t| !matches!(t, Transmit::Close { .. }));
        assert!(h.pending_get().is_none(), "no request before the backoff");
        h.advance_to_deadline();
    }
}

#[test]
fn defaults_equal_socket_io_client() {
    let c = frappe_realtime::protocol::config::ClientConfig::new("site");
    assert_eq!(c.namespace, "/site");
    assert_eq!(c.reconnection_delay, Duration(1000));
    assert_eq!(
        c.first_retry_delay,
        Duration(250),
        "sooner than socket.io-client after a lost connection"
    );
    assert_eq!(c.reconnection_delay_max, Duration(5000));
    assert_eq!(c.randomization_factor, 0.5);
    assert_eq!(c.timeout, Duration(20_000));
    assert_eq!(c.reconnection_attempts, None, "unlimited, unlike Desk's 3");
    assert!(c.reconnection);
}

#[test]
fn backoff_without_jitter_doubles_up_to_the_cap() {
    let mut b = Backoff::new(Duration(1000), Duration(5000), 0.0, 1);
    let d: Vec<u64> = (0..6).map(|_| b.next_delay().as_millis()).collect();
    assert_eq!(d, vec![1000, 2000, 4000, 5000, 5000, 5000]);
    b.reset();
    assert_eq!(b.next_delay(), Duration(1000));
}

#[test]
fn backoff_delays_are_exact_for_a_given_seed() {
    // Golden values for seed 42: a change in the generator or the formula
    // changes them, and a test on virtual time must be able to rely on them.
    let mut b = Backoff::new(Duration(1000), Duration(5000), 0.5, 42);
    let d: Vec<u64> = (0..8).map(|_| b.next_delay().as_millis()).collect();
    assert_eq!(d, GOLDEN_SEED_42);
    // Same seed, same delays.
    let mut again = Backoff::new(Duration(1000), Duration(5000), 0.5, 42);
    let d2: Vec<u64> = (0..8).map(|_| again.next_delay().as_millis()).collect();
    assert_eq!(d, d2);
}

const GOLDEN_SEED_42: [u64; 8] = [1370, 1722, 3924, 4454, 4151, 4488, 3717, 3338];

#[test]
fn jittered_delays_stay_within_their_band() {
    for seed in 0..200 {
        let mut b = Backoff::new(Duration(1000), Duration(5000), 0.5, seed);
        let bands = [
            (500, 1500),
            (1000, 3000),
            (2000, 5000),
            (2500, 5000),
            (2500, 5000),
        ];
        for (lo, hi) in bands {
            let d = b.next_delay().as_millis();
            assert!(
                (lo..=hi).contains(&d),
                "seed {seed}: {d} not in {lo}..={hi}"
            );
        }
    }
}

#[test]
fn jitter_keeps_spreading_clients_at_the_cap() {
    // socket.io-client clamps to the cap, so about half of all clients retry at
    // exactly 5000 ms together. Here, at the cap, no delay value is shared by
    // more than a few of 1000 clients.
    let mut at_cap = Vec::new();
    for seed in 0..1000u64 {
        let mut b = Backoff::new(Duration(1000), Duration(5000), 0.5, seed * 7919);
        for _ in 0..6 {
            b.next_delay();
        }
        at_cap.push(b.next_delay().as_millis());
    }
    let exactly_max = at_cap.iter().filter(|&&d| d == 5000).count();
    assert!(
        exactly_max < 10,
        "{exactly_max} of 1000 clients at exactly the cap"
    );
    let min = *at_cap.iter().min().unwrap();
    assert!((2500..2600).contains(&min), "spread reaches down to {min}");
    let mut sorted = at_cap.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert!(sorted.len() > 800, "only {} distinct delays", sorted.len());
}

#[test]
fn scheduled_reconnects_use_the_seeded_delays_on_virtual_time() {
    let mut c = config();
    c.jitter_seed = 42;
    let mut h = Harness::new(c);
    h.connect();
    fail_attempts(&mut h, 8);
    assert_eq!(h.scheduled_delays(), GOLDEN_SEED_42.to_vec());
    assert_eq!(h.reconnect_attempts(), (1..=8).collect::<Vec<_>>());
    // Each attempt started exactly when it was scheduled.
    let total: u64 = GOLDEN_SEED_42.iter().sum();
    assert_eq!(h.now, Instant(total));
}

#[test]
fn reconnect_attempts_are_unlimited_by_default() {
    let mut h = Harness::new(config());
    h.connect();
    fail_attempts(&mut h, 60);
    assert!(!has(&h.events, |e| *e == Event::ReconnectFailed));
    assert!(h.pending_get().is_some(), "still trying after 60 failures");
}

#[test]
fn reconnect_attempts_limit_ends_with_reconnect_failed() {
    let mut c = config();
    c.reconnection_attempts = Some(3);
    let mut h = Harness::new(c);
    h.connect();
    fail_attempts(&mut h, 3);
    let id = h.pending_get().unwrap();
    h.fail_transport(id);
    assert_eq!(h.events.last(), Some(&Event::ReconnectFailed));
    assert_eq!(h.client.state(), State::Idle);
    assert_eq!(h.client.poll_timeout(), None);
}

#[test]
fn reconnection_false_never_retries() {
    let mut c = config();
    c.reconnection = false;
    let mut h = Harness::new(c);
    let id = h.connected("s");
    h.fail_transport(id);
    assert_eq!(
        h.take_events(),
        vec![Event::Disconnect {
            reason: DisconnectReason::TransportError
        }]
    );
    assert_eq!(h.client.poll_timeout(), None);
}

#[test]
fn lost_connection_reconnects_and_reports_reconnect_then_connect() {
    let mut c = config();
    c.randomization_factor = 0.0;
    let mut h = Harness::new(c);
    let id = h.connected("s1");
    // Up for HEALTHY (5 s): its loss gets the quick first retry.
    h.advance(HEALTHY.0);
    h.fail_transport(id);
    assert_eq!(
        h.take_events(),
        vec![
            Event::Disconnect {
                reason: DisconnectReason::TransportError
            },
            // The quick first retry after a lost connection (`first_retry_delay`).
            Event::ReconnectScheduled {
                attempt: 1,
                delay: Duration(250),
                at: Instant(5250)
            }
        ]
    );
    assert_eq!(
        h.client.state(),
        State::Reconnecting {
            attempt: 1,
            at: Instant(5250)
        }
    );
    h.advance(250);
    let id2 = h.pending_get().unwrap();
    assert_ne!(id, id2, "a fresh transport");
    h.reply_get(id2, HANDSHAKE);
    h.sent();
    h.reply_get(id2, r#"40/site,{"sid":"s2"}"#);
    assert_eq!(
        h.take_events(),
        vec![
            Event::ReconnectAttempt { attempt: 1 },
            Event::Reconnect { attempt: 1 },
            Event::Connect {
                sid: "s2".into(),
                recovered: false
            }
        ]
    );
}

#[test]
fn backoff_starts_over_after_a_successful_reconnect() {
    let mut c = config();
    c.randomization_factor = 0.0;
    c.first_retry_delay = c.reconnection_delay; // socket.io-client's sequence
    let mut h = Harness::new(c);
    let id = h.connected("s");
    h.fail_transport(id);
    h.advance_to_deadline();
    fail_attempts(&mut h, 2); // 1000, 2000, then a third attempt at 4000
    let id = h.pending_get().unwrap();
    h.reply_get(id, HANDSHAKE);
    h.sent();
    h.reply_get(id, r#"40/site,{"sid":"s"}"#);
    // Once the connection has stayed up HEALTHY (tests/scenario_retry.rs: a
    // shorter one goes on with the backoff).
    h.advance(HEALTHY.0);
    h.fail_transport(id);
    assert_eq!(h.scheduled_delays(), vec![1000, 2000, 4000, 1000]);
}

#[test]
fn engine_close_packet_reports_transport_close() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.reply_get(id, "1");
    assert_eq!(
        h.take_events()[0],
        Event::Disconnect {
            reason: DisconnectReason::TransportClose
        }
    );
    assert!(matches!(h.client.state(), State::Reconnecting { .. }));
}

#[test]
fn reason_strings_match_socket_io_client() {
    let all = [
        (DisconnectReason::IoServerDisconnect, "io server disconnect"),
        (DisconnectReason::IoClientDisconnect, "io client disconnect"),
        (DisconnectReason::PingTimeout, "ping timeout"),
        (DisconnectReason::TransportClose, "transport close"),
        (DisconnectReason::TransportError, "transport error"),
    ];
    for (r, s) in all {
        assert_eq!(r.as_str(), s);
    }
}

#[test]
fn server_side_disconnect_does_not_reconnect() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.reply_get(id, "41/site,");
    assert_eq!(
        h.take_events(),
        vec![Event::Disconnect {
            reason: DisconnectReason::IoServerDisconnect
        }]
    );
    assert_eq!(h.client.state(), State::Idle);
    assert_eq!(h.client.poll_timeout(), None);
    h.take_wire();
    h.advance(600_000);
    assert!(h.take_wire().is_empty());
}

#[test]
fn client_disconnect_says_goodbye_and_does_not_reconnect() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.client.disconnect(h.now);
    assert_eq!(h.sent(), vec!["41/site,", "1"]);
    assert!(h.wire.contains(&Transmit::Close { transport: id }));
    assert_eq!(
        h.take_events(),
        vec![Event::Disconnect {
            reason: DisconnectReason::IoClientDisconnect
        }]
    );
    assert_eq!(h.client.poll_timeout(), None);
    // Late frames of the closed transport change nothing.
    h.client.handle_text(h.now, id, "2");
    assert!(h.take_events().is_empty());
}

#[test]
fn disconnect_while_waiting_to_reconnect_cancels_the_retry() {
    let mut h = Harness::new(config());
    let id = h.connected("s");
    h.fail_transport(id);
    h.client.disconnect(h.now);
    assert_eq!(h.client.state(), State::Idle);
    assert_eq!(h.client.poll_timeout(), None);
}

#[test]
fn reconnect_now_skips_the_remaining_backoff() {
    let mut c = config();
    c.randomization_factor = 0.0;
    c.first_retry_delay = c.reconnection_delay; // socket.io-client's sequence
    let mut h = Harness::new(c);
    let id = h.connected("s");
    h.fail_transport(id);
    h.advance_to_deadline();
    fail_attempts(&mut h, 1);
    let id = h.pending_get().unwrap();
    h.fail_transport(id);
    assert_eq!(h.scheduled_delays().last(), Some(&4000));
    h.take_wire();
    h.advance(100);
    assert!(h.pending_get().is_none());
    // `online` / `visibilitychange` → try now.
    h.client.reconnect_now(h.now);
    h.pump();
    assert!(h.pending_get().is_some());
    assert_eq!(
        h.events.last(),
        Some(&Event::ReconnectAttempt { attempt: 3 })
    );
}

#[test]
fn reconnect_now_while_connected_detects_a_connection_that_died_asleep() {
    let mut h = Harness::new(config());
    h.connected("s");
    h.now = Instant(120_000); // the laptop slept; no timer fired
    h.client.reconnect_now(h.now);
    h.pump();
    let events = h.take_events();
    assert_eq!(
        events[0],
        Event::Disconnect {
            reason: DisconnectReason::PingTimeout
        }
    );
}

#[test]
fn reconnect_now_does_nothing_after_an_auth_rejection() {
    let mut h = Harness::new(config());
    let id = h.open_polling(HANDSHAKE);
    h.sent();
    // A refusal that is not retried (an `Unauthorized: …` one is, without end).
    h.reply_get(id, r#"44/site,{"message":"No cookie transmitted."}"#);
    h.take_wire();
    h.client.reconnect_now(h.now);
    assert!(h.take_wire().is_empty());
    assert_eq!(h.client.state(), State::Failed);
}

/// Connects, loses the connection and fails every one of `max` attempts: the
/// client has given up (`ReconnectFailed`), with rooms to restore.
fn given_up(max: u32) -> Harness {
    let mut c = config();
    c.reconnection_attempts = Some(max);
    let mut h = Harness::new(c);
    let id = h.connected("s");
    h.client
        .subscribe(h.now, Subscription::doc("ToDo", "TD-1"))
        .unwrap();
    h.sent();
    h.fail_transport(id);
    h.advance_to_deadline();
    // The quick first retry (not counted), then `max − 1` of the counted ones.
    fail_attempts(&mut h, max as usize);
    let id = h.pending_get().unwrap();
    h.fail_transport(id);
    assert_eq!(h.events.last(), Some(&Event::ReconnectFailed));
    assert_eq!(h.client.poll_timeout(), None);
    h.take_wire();
    h
}

#[test]
fn reconnect_now_revives_a_client_whose_attempts_ran_out() {
    let mut h = given_up(5);
    h.take_events();
    // The network came back (`online`) or the tab became visible: one more
    // round of attempts, reported as a reconnect, and the rooms come back.
    h.client.reconnect_now(h.now);
    h.pump();
    let events = h.take_events();
    assert!(
        matches!(
            events[..],
            [
                Event::ReconnectScheduled { attempt: 1, .. },
                Event::ReconnectAttempt { attempt: 1 }
            ]
        ),
        "{events:?}"
    );
    let id = h.open_polling(HANDSHAKE);
    assert_eq!(h.sent(), vec!["40/site,".to_string()]);
    h.reply_get(id, r#"40/site,{"sid":"back"}"#);
    assert_eq!(
        h.sent(),
        vec![r#"42/site,["doc_subscribe","ToDo","TD-1"]"#.to_string()]
    );
    let events = h.take_events();
    assert!(has(&events, |e| *e == Event::Reconnect { attempt: 1 }));
    assert_eq!(h.client.state(), State::Connected);
}

#[test]
fn a_revived_client_that_fails_again_gives_up_after_its_attempts() {
    let mut h = given_up(2);
    h.client.reconnect_now(h.now);
    h.pump();
    fail_attempts(&mut h, 1);
    let id = h.pending_get().unwrap();
    h.take_events();
    h.fail_transport(id);
    assert_eq!(h.events.last(), Some(&Event::ReconnectFailed));
    assert_eq!(h.client.poll_timeout(), None);
    // And it can be revived again.
    h.client.reconnect_now(h.now);
    h.pump();
    assert!(h.pending_get().is_some());
}

#[test]
fn reconnect_now_does_not_undo_a_disconnect() {
    let mut h = given_up(1);
    h.client.disconnect(h.now);
    h.take_wire();
    h.client.reconnect_now(h.now);
    h.pump();
    assert!(h.take_wire().is_empty());
    assert_eq!(h.client.state(), State::Idle);
}

#[test]
fn grown_is_a_capped_power_of_one_and_a_half_or_of_two() {
    // By half of itself (rounded up) each time, or doubled; at most the cap.
    let halves: Vec<u64> = (0..11).map(|k| grown(2000, k, false, 60_000)).collect();
    assert_eq!(
        halves,
        [2000, 3000, 4500, 6750, 10_125, 15_188, 22_782, 34_173, 51_260, 60_000, 60_000]
    );
    // A window of 1 ms grows too.
    assert_eq!(grown(1, 4, false, 60_000), 8);
    let doubles: Vec<u64> = (0..7).map(|k| grown(5000, k, true, 120_000)).collect();
    assert_eq!(
        doubles,
        [5000, 10_000, 20_000, 40_000, 80_000, 120_000, 120_000]
    );
    // Nothing overflows, whatever the start, the count or the cap.
    for v in [0, 1, 2_000, 120_000, u64::MAX >> 1, u64::MAX] {
        for cap in [0, 60_000, u64::MAX] {
            for double in [false, true] {
                for k in [0, 1, 20, u32::MAX] {
                    let g = grown(v, k, double, cap);
                    assert!(g <= cap, "{v} grown {k} times: {g} past {cap}");
                    assert!(g >= v.min(cap), "{v} grown {k} times: {g}");
                }
            }
        }
    }
}
