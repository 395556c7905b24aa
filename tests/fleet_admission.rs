//! The companion app's admission on virtual time (tests/support/admission.rs, a
//! model of frappe-app/realtime/admission.js): the window's rules on their own,
//! then herds whose realtime node makes its calls to the web server through it,
//! a call and its answer [`LATENCY`] on the way between node and web server.

mod support;

use support::fleet::admission::{Gate, FIRST_WINDOW};
use support::fleet::{answered_joins, Fleet, Report, Web, LATENCY, ROOMS};

const NONE_GONE: fn(usize) -> bool = |_| false;

fn ids(go: &[(usize, usize)]) -> Vec<usize> {
    go.iter().map(|(id, _)| *id).collect()
}

#[test]
fn the_first_window_goes_and_the_rest_wait_in_order() {
    let mut g = Gate::default();
    let mut made = Vec::new();
    for id in 0..20 {
        made.extend(ids(&g.turn(id, false, NONE_GONE)));
    }
    assert_eq!(made, (0..16).collect::<Vec<_>>());
    assert_eq!(g.waiting(), 4);
    // Served after a shrink's calm: the window grows while others wait.
    assert_eq!(ids(&g.served(0, NONE_GONE)), vec![16, 17]);
    assert_eq!(g.window, 17);
}

#[test]
fn a_refusal_shrinks_the_window_and_the_call_goes_first_again() {
    let mut g = Gate::default();
    for id in 0..18 {
        g.turn(id, false, NONE_GONE);
    }
    // Call 3, the 4th in flight, refused: the window shrinks, no place frees.
    assert!(g.refused(50, 4, NONE_GONE).is_empty());
    assert_eq!(g.window, 15);
    assert!(g.turn(3, true, NONE_GONE).is_empty());
    // Served within the calm: no growth; the place goes to the retried call.
    assert_eq!(g.served(500, NONE_GONE), vec![(3, 15)]);
    assert_eq!(g.window, 15);
    // Calm again: the window grows, and two go.
    assert_eq!(ids(&g.served(1050, NONE_GONE)), vec![16, 17]);
    assert_eq!(g.window, 16);
}

#[test]
fn a_call_refused_alone_pauses_without_shrinking_and_the_pause_doubles() {
    let mut g = Gate::default();
    g.turn(0, false, NONE_GONE);
    assert!(g.refused(10, 1, NONE_GONE).is_empty());
    assert_eq!((g.window, g.paused_until), (FIRST_WINDOW, Some(110)));
    assert!(g.turn(0, true, NONE_GONE).is_empty());
    assert!(g.unpause(109, NONE_GONE).is_empty());
    assert_eq!(ids(&g.unpause(110, NONE_GONE)), vec![0]);
    g.refused(120, 1, NONE_GONE);
    assert_eq!(g.paused_until, Some(320));
}

#[test]
fn a_call_whose_client_went_is_not_made() {
    let mut g = Gate::default();
    for id in 0..17 {
        g.turn(id, false, NONE_GONE);
    }
    g.turn(17, false, NONE_GONE);
    assert_eq!(ids(&g.release(|id| id == 16)), vec![17]);
    assert_eq!(g.stats.gone, 1);
}

const CLIENTS: usize = 1000;

/// 1,000 clients in 3 rooms, the node's calls through its admission.
fn admitted(web: Web, answered: bool, seed: u64) -> Report {
    let mut f = Fleet {
        admission: true,
        web_transit_ms: LATENCY,
        seed,
        ..Fleet::herd(CLIENTS, web)
    };
    if answered {
        f.config = answered_joins;
    }
    f.run()
}

/// The herd's calls, one `get_user_info` per client and one permission call per room.
const CALLS: u64 = (CLIENTS * (1 + ROOMS)) as u64;

#[test]
fn a_node_admitting_its_calls_keeps_a_herd_inside_a_short_backlog() {
    // A web server that queues 256 calls and refuses beyond: the herd's 1,000 CONNECTs
    // come within a second.
    let web = Web {
        queue: 256,
        ..Web::queueing(4, 10)
    };
    let work = CALLS * 10 / 4;
    for seed in [1, 2] {
        let r = admitted(web, true, seed);
        assert_eq!((r.failed_calls, r.given_up, r.refusals), (0, 0, 0), "{r:?}");
        assert_eq!(r.rooms_back, r.rooms_total, "{r:?}");
        let rooms = r.rooms_at.expect("every room back");
        assert!(rooms <= work + 2000, "rooms back after {rooms} ms: {r:?}");
        let gate = r.admission.expect("the admission's counters");
        assert_eq!(gate.not_served, 0, "{gate:?}");
    }
    // The node passing each call on at once, the same herd overflows that backlog.
    let r = Fleet {
        web_transit_ms: LATENCY,
        config: answered_joins,
        ..Fleet::herd(CLIENTS, web)
    }
    .run();
    assert!(r.failed_calls > 0, "{r:?}");
}

#[test]
fn at_a_web_server_that_refuses_when_busy_the_window_is_bound_by_the_transit() {
    // Four workers that refuse whenever all are busy: the window holds four calls, and
    // each worker waits, between two calls, for the answer to reach the node and the
    // next call to come: at most workers / (call + 2 × transit) a second.
    let web = Web::refusing(4, 10);
    let least = CALLS * (10 + 2 * LATENCY) / 4;
    for answered in [true, false] {
        let r = admitted(web, answered, 1);
        // Refused calls went again at the node: no client saw a refusal, none gave
        // up, no join was lost, and the refusals never ran for long.
        assert_eq!((r.given_up, r.refusals), (0, 0), "{r:?}");
        assert_eq!(r.rooms_back, r.rooms_total, "{r:?}");
        assert!(r.failed_calls > 0 && r.longest_overflow_ms <= 200, "{r:?}");
        let rooms = r.rooms_at.expect("every room back");
        assert!(
            (least..=least + 2000).contains(&rooms),
            "rooms back after {rooms} ms (least {least}): {r:?}"
        );
        let gate = r.admission.expect("the admission's counters");
        assert_eq!(gate.min_window, 4, "{gate:?}");
    }
}
