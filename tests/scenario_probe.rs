//! Probes while the server cannot be reached (src/protocol/client/recovery.rs,
//! "The retry policy"), on virtual time: between the backoff's counted attempts the
//! client tries every `first_retry_delay`, silently, so that a server back after an
//! outage of 1 to 60 s is reached within one probe interval.

mod support;

use frappe_realtime::protocol::client::{ConnectErrorKind, Event, State, PROBE_WINDOW};
use frappe_realtime::protocol::config::ClientConfig;
use frappe_realtime::protocol::time::Instant;
use support::*;

/// Polling, probes on; `factor` the jitter.
fn probing(factor: f64, seed: u64) -> ClientConfig {
    let mut c = config();
    c.probe = true;
    c.randomization_factor = factor;
    c.jitter_seed = seed;
    c
}

/// A client with probes on and `reconnection_attempts: limit`.
fn limited(factor: f64, seed: u64, limit: u32) -> Harness {
    let mut c = probing(factor, seed);
    c.reconnection_attempts = Some(limit);
    Harness::new(c)
}

/// Connects and stays up long enough to be healthy, then loses the connection;
/// returns the time of the loss.
fn connected_then_lost(h: &mut Harness) -> Instant {
    let id = h.connected("s1");
    h.advance(10_000);
    h.fail_transport(id);
    h.wire.clear();
    h.now
}

/// The server is away: each attempt's GET fails as a refused connection does.
/// Returns when each attempt started, until `until`.
fn away_until(h: &mut Harness, until: Instant) -> Vec<u64> {
    let mut starts = Vec::new();
    while h.client.poll_timeout().is_some_and(|t| t < until) {
        h.advance_to_deadline();
        let id = h.pending_get().expect("an attempt");
        starts.push(h.now.0);
        h.fail_transport(id);
        h.wire.clear();
    }
    starts
}

#[test]
fn while_the_server_is_away_probes_fill_the_backoff_silently() {
    let mut h = Harness::new(probing(0.0, 1));
    let lost = connected_then_lost(&mut h).0;
    h.events.clear();
    let starts = away_until(&mut h, Instant(lost + 3_300));
    let rel: Vec<u64> = starts.iter().map(|t| t - lost).collect();
    // Counted attempts at 250 (the quick retry), 1250, 3250 (250 + 1000 + 2000);
    // probes every 250 ms between them.
    assert_eq!(
        rel,
        vec![250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750, 3000, 3250]
    );
    // Only the counted attempts are reported.
    assert_eq!(h.reconnect_attempts(), vec![1, 2, 3]);
    let errors = h
        .events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::ConnectError {
                    kind: ConnectErrorKind::Transport,
                    ..
                }
            )
        })
        .count();
    assert_eq!(errors, 3, "{:?}", h.events);
    // The counted schedule after the quick retry (cleared above): 1 s, 2 s, 4 s.
    assert_eq!(h.scheduled_delays(), vec![1000, 2000, 4000]);
}

#[test]
fn a_server_back_after_1_to_60_s_is_reached_within_one_probe_interval() {
    // Default jitter (0.5): a probe every 125–375 ms.
    for outage in [1_000u64, 2_000, 7_500, 30_000, 60_000] {
        for seed in 1..20u64 {
            let mut h = Harness::new(probing(0.5, seed));
            let lost = connected_then_lost(&mut h).0;
            let back = Instant(lost + outage);
            away_until(&mut h, back);
            // The server answers from `back` on.
            h.advance_to_deadline();
            let waited = h.now.0 - back.0;
            assert!(
                waited <= 375,
                "outage {outage} ms, seed {seed}: reached {waited} ms after the server was back"
            );
            let id = h.pending_get().expect("an attempt");
            h.reply_get(id, HANDSHAKE);
            assert_eq!(h.sent(), vec!["40/site,"]);
            h.reply_get(id, r#"40/site,{"sid":"s2"}"#);
            assert!(h.client.connected());
            assert!(has(&h.events, |e| matches!(e, Event::Reconnect { .. })));
        }
    }
}

#[test]
fn probes_stop_after_the_window_and_the_backoff_goes_on() {
    let mut h = Harness::new(probing(0.0, 1));
    let lost = connected_then_lost(&mut h).0;
    let starts = away_until(&mut h, Instant(lost + PROBE_WINDOW.0 + 20_000));
    let after: Vec<u64> = starts
        .iter()
        .map(|t| t - lost)
        .filter(|t| *t > PROBE_WINDOW.0 + 250)
        .collect();
    // Past the window, only the backoff's attempts, 5 s apart (the cap).
    assert!(after.windows(2).all(|w| w[1] - w[0] == 5000), "{after:?}");
    assert!(!after.is_empty());
    assert!(matches!(h.client.state(), State::Reconnecting { .. }));
}

#[test]
fn a_reachable_server_gets_no_probes() {
    // The handshake comes but the attempt times out: not unreachable, so only
    // the backoff's attempts follow (the web server may be what is slow).
    // pingInterval + pingTimeout: 500 ms.
    const SHORT_HEARTBEAT: &str = r#"0{"sid":"eio1","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}"#;
    let mut h = Harness::new(probing(0.0, 1));
    let lost = connected_then_lost(&mut h).0;
    let mut starts = Vec::new();
    for _ in 0..4 {
        h.advance_to_deadline();
        let id = h.pending_get().expect("an attempt");
        starts.push(h.now.0 - lost);
        h.reply_get(id, SHORT_HEARTBEAT);
        h.sent();
        // No CONNECT answer and no ping: the heartbeat's deadline fails it.
        h.advance_to_deadline();
        h.wire.clear();
    }
    // 250 (quick), then 500 ms of attempt + 1000, + 2000, + 4000.
    assert_eq!(starts, vec![250, 1750, 4250, 8750]);
}

#[test]
fn socket_io_client_timing_has_no_probes() {
    let mut c = probing(0.0, 1);
    c.first_retry_delay = c.reconnection_delay;
    let mut h = Harness::new(c);
    let lost = connected_then_lost(&mut h).0;
    let starts = away_until(&mut h, Instant(lost + 8_000));
    let rel: Vec<u64> = starts.iter().map(|t| t - lost).collect();
    assert_eq!(rel, vec![1000, 3000, 7000]);
}

#[test]
fn reconnect_now_is_a_counted_attempt() {
    let mut h = Harness::new(probing(0.0, 1));
    let lost = connected_then_lost(&mut h).0;
    away_until(&mut h, Instant(lost + 600));
    h.events.clear();
    h.client.reconnect_now(h.now);
    h.pump();
    assert!(
        has(&h.events, |e| matches!(e, Event::ReconnectAttempt { .. })),
        "{:?}",
        h.events
    );
}

#[test]
fn attempts_that_find_nothing_are_not_counted_while_probes_run() {
    // CRM's and Helpdesk's limit, a server away for a minute (a `bench restart`
    // under load took 12-20 s on a real bench): the client is still trying when
    // it comes back.
    let mut h = limited(0.5, 7, 5);
    let lost = connected_then_lost(&mut h).0;
    away_until(&mut h, Instant(lost + 60_000));
    assert!(
        !has(&h.events, |e| *e == Event::ReconnectFailed),
        "{:?}",
        h.events
    );
    let numbers = h.reconnect_attempts();
    assert!(numbers.len() > 10, "{numbers:?}");
    h.advance_to_deadline();
    let id = h.pending_get().expect("an attempt");
    h.reply_get(id, HANDSHAKE);
    assert_eq!(h.sent(), vec!["40/site,".to_string()]);
    h.reply_get(id, r#"40/site,{"sid":"s2"}"#);
    assert!(h.client.connected());
    assert!(has(&h.events, |e| matches!(e, Event::Reconnect { .. })));
}

#[test]
fn a_server_away_for_good_ends_the_limit_after_the_window() {
    let mut h = limited(0.0, 1, 5);
    let lost = connected_then_lost(&mut h).0;
    let starts = away_until(&mut h, Instant(lost + 300_000));
    let after: Vec<u64> = starts
        .iter()
        .map(|t| t - lost)
        .filter(|t| *t >= PROBE_WINDOW.0)
        .collect();
    // Counted attempts every 5 s from 17,250 ms (250 + 1000 + 2000 + 4000 +
    // 5000 + 5000); the last in the window at 87,250 ms. Past it, no probes,
    // and the limit's five attempts (the probe at 90,000 ms was armed in it).
    assert_eq!(
        after,
        vec![90_000, 92_250, 97_250, 102_250, 107_250, 112_250]
    );
    let failed = h
        .events
        .iter()
        .filter(|e| **e == Event::ReconnectFailed)
        .count();
    assert_eq!(failed, 1);
    assert_eq!(h.events.last(), Some(&Event::ReconnectFailed));
    // Every counted attempt numbered: 21 before the window ended (the quick one
    // at 250 ms, then 1,250, 3,250, 7,250 and every 5 s), 5 after.
    assert_eq!(h.reconnect_attempts(), (1..=25).collect::<Vec<u32>>());
    assert_eq!(
        h.client.poll_timeout(),
        None,
        "nothing armed once it gave up"
    );
}

#[test]
fn attempts_at_a_server_that_is_there_count() {
    // The handshake comes, then the transport fails: the server is there.
    let mut h = limited(0.0, 1, 2);
    connected_then_lost(&mut h);
    let mut attempts = 0;
    while h.client.poll_timeout().is_some() && attempts < 20 {
        h.advance_to_deadline();
        let id = h.pending_get().expect("an attempt");
        h.reply_get(id, HANDSHAKE);
        h.sent();
        // The session's long-poll (same transport) fails.
        h.fail_transport(id);
        h.wire.clear();
        attempts += 1;
    }
    // The quick retry, then the limit's two.
    assert_eq!(attempts, 3);
    assert_eq!(h.events.last(), Some(&Event::ReconnectFailed));
}

#[test]
fn probes_end_when_the_attempts_run_out() {
    // Found in CI: a probe outlived the counted attempt's time and stood for it; that
    // was the last attempt, the client gave up, and a probe armed from the stale
    // counted time tried once more (a second reconnect_failed). Attempts that find
    // nothing count only past the probes' window, so the run goes past it.
    for fail_after in [100, 240, 300, 400] {
        let mut h = limited(0.0, 1, 2);
        let lost = connected_then_lost(&mut h).0;
        // Each attempt takes `fail_after` ms to fail (a loaded machine).
        while h
            .client
            .poll_timeout()
            .is_some_and(|t| t.0 < lost + 200_000)
        {
            h.advance_to_deadline();
            let id = h.pending_get().expect("an attempt");
            h.advance(fail_after);
            h.fail_transport(id);
            h.wire.clear();
        }
        let failed = h
            .events
            .iter()
            .filter(|e| **e == Event::ReconnectFailed)
            .count();
        assert_eq!(
            failed, 1,
            "attempts failing after {fail_after} ms: {:?}",
            h.events
        );
        assert!(
            h.now.0 >= lost + PROBE_WINDOW.0,
            "gave up at {}",
            h.now.0 - lost
        );
        assert_eq!(
            h.client.poll_timeout(),
            None,
            "nothing armed once it gave up"
        );
    }
}
