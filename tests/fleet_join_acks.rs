//! The reconnect herd on virtual time (tests/support/fleet.rs) with acknowledged
//! joins (src/protocol/client/join_acks.rs): every client with `join_acks` on, the
//! node answering each join that asks, as Frappe's does with the companion app of
//! frappe-app/. The fleets that the blind pace (`heal.rs`) leaves past N / capacity +
//! 2 s, because no client can see how many rooms the others hold or which joins were
//! taken (docs/retry-policy.md, "Stop 40" and "Stop 41").

mod support;

use support::fleet::{answered_joins, Fleet, Report, Web, FRAPPE_WAIT};

/// `f` with every client's `join_acks` on.
fn acked(f: Fleet) -> Fleet {
    Fleet {
        config: answered_joins,
        ..f
    }
}

/// N / capacity + 2 s, in ms: the bound.
fn bound_ms(f: &Fleet) -> u64 {
    ((f.clients + f.total_rooms()) as f64 / f.web.per_second() * 1000.0) as u64 + 2000
}

/// Asserts that no client gave up and every room came back within `limit_ms`.
fn back_within(r: &Report, limit_ms: u64) -> u64 {
    assert_eq!(r.given_up, 0, "{r:?}");
    let rooms = r.rooms_at.expect("every room back");
    assert!(rooms <= limit_ms, "rooms back after {rooms} ms: {r:?}");
    rooms
}

#[test]
fn a_mixed_fleet_is_back_when_its_work_is_done_each_join_sent_once() {
    // 500 clients in 3 rooms, one in ten in 30: 8.4 s of work. Blind, a client in 30
    // rooms waits for joins of the others that never come (33.5–34.8 s, seeds 1–3);
    // answered, each client keeps one join in the web server's queue.
    let f = acked(Fleet {
        heavy: Some((10, 30)),
        ..Fleet::herd(500, Web::queueing(4, 10))
    });
    let r = f.run();
    assert_eq!(r.failed_calls, 0, "{r:?}");
    // Measured 8.4 s: the least possible.
    back_within(&r, f.least_rooms_ms() + 100);
    assert_eq!(
        r.calls as usize,
        f.clients + f.total_rooms(),
        "no join sent twice"
    );
}

#[test]
fn joins_past_gunicorns_backlog_are_answered_failed_and_sent_again_in_time() {
    // 190 clients in 20 rooms behind a backlog of 2,048 calls: blind, fine (11.3 s);
    // 1,000 in 20 rooms (five times the work) took 452–501 s, the heal rounds of the
    // first clients overflowing the backlog and the joins it dropped waiting for
    // later rounds. Answered: one join of each client in the queue at a time, a
    // refused one sent again after a short wait. Measured 52.5 s (bound 54.5 s).
    let f = acked(Fleet {
        rooms: 20,
        call_timeout_ms: FRAPPE_WAIT,
        ..Fleet::herd(
            1000,
            Web {
                queue: 2048,
                ..Web::refusing(4, 10)
            },
        )
    });
    back_within(&f.run(), bound_ms(&f));
}

#[test]
fn a_refusing_web_server_gets_every_room_back_with_a_third_of_the_calls() {
    // 1,000 clients in 3 rooms, 4 workers of 10 ms refusing when busy (bound 12 s):
    // blind 92.8–96.7 s and 24,137–24,211 calls (each join sent again in every heal
    // round, unseen); answered, a refused join is sent again alone, after a wait that
    // grows with the refusals in a row. Measured 23.7–30.4 s and 9,081–9,179 calls;
    // still past the bound: independent clients' calls meet a web server with no
    // queue as a random stream (docs/retry-policy.md, "What no policy can do").
    for seed in [1, 2] {
        let r = acked(Fleet {
            seed,
            ..Fleet::herd(1000, Web::refusing(4, 10))
        })
        .run();
        back_within(&r, 40_000);
        assert!(r.calls < 12_000, "{} calls", r.calls);
    }
}
