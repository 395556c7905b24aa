//! The reconnect herd on virtual time (tests/support/fleet.rs): the client's core
//! itself, a fleet against one realtime node killed and back 2 s later, and a web
//! server of bounded capacity. The retry policy's fleet targets (issue 16), on the
//! browser herd's numbers (docs/scale.md): 1,000 clients in 3 rooms, 4 workers of
//! 10 ms (10 s of work). Deterministic: a seed gives the same run every time.
//! `cargo bench --bench fleet` adds 10,000 clients.

mod support;

use frappe_realtime::protocol::client::HEAL_ROUNDS;
use frappe_realtime::protocol::config::ClientConfig;
use support::fleet::{
    answered_joins, copies_ms, default_options, erlang_b, highest_load, lost_allowed, Fleet,
    Report, Web, FRAPPE_WAIT, ROOMS,
};

const CLIENTS: usize = 1000;

fn run(web: Web, seed: u64) -> Report {
    run_admitting(web, 0, seed)
}

/// A run whose realtime node takes a WebSocket open every `open_ms` (0: at once).
fn run_admitting(web: Web, open_ms: u64, seed: u64) -> Report {
    run_until(web, open_ms, 300_000, seed)
}

/// A run that goes on `limit_ms` after the node is back.
fn run_until(web: Web, open_ms: u64, limit_ms: u64, seed: u64) -> Report {
    Fleet {
        open_ms,
        limit_ms,
        seed,
        ..Fleet::herd(CLIENTS, web)
    }
    .run()
}

/// Asserts that no client gave up, no call was refused or timed out, and every room was
/// back within `limit_ms`; returns when the rooms were back.
fn back_without_loss(r: &Report, limit_ms: u64) -> u64 {
    assert_eq!(r.given_up, 0, "{r:?}");
    assert_eq!(r.failed_calls, 0, "{r:?}");
    let rooms = r.rooms_at.expect("every room back");
    assert!(rooms <= limit_ms, "rooms back after {rooms} ms: {r:?}");
    rooms
}

/// The herd's work at full capacity, in ms.
fn work_ms(web: Web) -> u64 {
    ((CLIENTS * (1 + ROOMS)) as f64 / web.per_second() * 1000.0) as u64
}

#[test]
fn a_queueing_web_server_gets_the_herd_back_within_its_capacity() {
    let web = Web::queueing(4, 10);
    assert_eq!(work_ms(web), 10_000);
    for seed in [1, 2] {
        let r = run(web, seed);
        // N / capacity + 2 s, and nothing waits past the realtime server's timeout.
        let rooms = back_without_loss(&r, work_ms(web) + 2000);
        let connected = r.connected_at.expect("every client connected");
        assert!(connected <= rooms, "{r:?}");
        assert_eq!(r.refusals, 0, "{r:?}");
        // At most the herd's calls and the rounds of re-sent joins.
        assert!(
            r.calls <= (CLIENTS * (1 + ROOMS + HEAL_ROUNDS as usize * ROOMS)) as u32,
            "{r:?}"
        );
    }
}

#[test]
fn clients_in_many_rooms_get_the_herd_back_within_its_capacity() {
    // About 10 s of work on 4 workers of 10 ms, as above, in fewer clients with more
    // rooms (a connection shared by a browser's tabs holds all their rooms). When every
    // reconnect that met no queue sent all its joins at once (until stop 40), those of
    // the herd's first clients went ahead of the CONNECTs still arriving, and each
    // client behind paced its joins on a wait made of them, times its rooms: every room
    // back after 18.4–26.7 s (30 rooms) and 50.6–75.6 s (100 rooms; seeds 1–3), the
    // web server idle meanwhile. Past the first JOINS_AT_ONCE the joins of such a
    // reconnect are paced too: 11.0–11.1 s.
    let web = Web::queueing(4, 10);
    for (clients, rooms) in [(129, 30), (40, 100)] {
        let bound = (clients * (1 + rooms)) as u64 * 10 / 4 + 2000;
        for seed in [1, 2] {
            let f = Fleet {
                rooms,
                seed,
                ..Fleet::herd(clients, web)
            };
            back_without_loss(&f.run(), bound);
        }
    }
}

#[test]
fn a_fleet_of_mixed_clients_loses_no_call() {
    // 500 clients in 3 rooms, one in ten of them in 30 (Fleet::heavy): 8.4 s of work.
    // The pace of a client in 30 rooms assumes every client ahead holds as many, so it
    // waits for joins that never come: every room back after 33.5–34.8 s (seeds 1–3),
    // past N / capacity + 2 s (10.4 s) with the web server idle, a limit of this policy
    // (docs/retry-policy.md, "Stop 40"). What holds: no call lost, no client given up,
    // every room back.
    let f = Fleet {
        heavy: Some((10, 30)),
        ..Fleet::herd(500, Web::queueing(4, 10))
    };
    assert_eq!(f.total_rooms(), 450 * 3 + 50 * 30);
    assert_eq!(f.least_rooms_ms(), 8_375);
    back_without_loss(&f.run(), 40_000);
}

#[test]
fn a_herd_whose_work_outlasts_the_realtime_servers_wait_loses_no_call() {
    // Calls of 25 ms, as the browser herd's web server holds its workers on this
    // machine: 25 s of work, past the realtime server's 10 s wait for a call. The
    // get_user_info calls alone are 6.25 s of queue; joins sent at the CONNECT would
    // wait behind everyone's (1,689–1,745 calls timed out, rooms back after 57–58 s
    // when they went over twice the attempt's time).
    let web = Web::queueing(4, 25);
    assert_eq!(work_ms(web), 25_000);
    for seed in [1, 2] {
        // Measured 27.0–27.4 s (26.9–27.4 s over seeds 1–8): up to 1.5 % past N /
        // capacity + 2 s (27 s), the heal rounds of the clients that connected first
        // (they saw little of the herd). 27.7–28.3 s with the joins aimed at the middle
        // of each client's measure of the herd's work (stops 28 to 30), 29.6–30.1 s
        // with them spread from the CONNECT on (stops 23 to 27).
        back_without_loss(&run(web, seed), 28_000);
    }
}

#[test]
fn a_herd_a_little_further_past_the_wait_does_not_collapse() {
    // Calls of 27 ms: 27 s of work. With the joins of a loaded CONNECT spread from the
    // CONNECT on (stops 23 to 27), every one of seeds 1–8 timed calls out and had its
    // rooms back after up to 108 s (each timed-out join waits for a heal round, which
    // adds its N × R calls to the queue). Aimed at the middle of the herd's work (stops
    // 28 to 30): 31.2 s at worst over those seeds, none timed out, 29 ms collapsing in
    // 4 of 8. Sent no faster than the web server serves them (stop 31): 29.4–30.0 s;
    // 30 ms 33.3–33.9 s and 35 ms 39.7–40.2 s, none timed out: the edge is where the
    // burst of get_user_info calls alone outlasts the realtime server's wait (40 ms).
    let web = Web::queueing(4, 27);
    for seed in [1, 2] {
        back_without_loss(&run(web, seed), 31_000);
    }
}

#[test]
fn a_herd_in_five_rooms_past_the_wait_loses_no_call() {
    // Calls of 25 ms, 5 rooms each: 37.5 s of work. With the joins aimed at the middle
    // of each client's measure of the herd's work (stops 28 to 30) they reached the web
    // server 1.4 times as fast as it served them, the queue outgrew the realtime
    // server's wait, and 3,773–3,829 calls timed out: every room back after 153–160 s.
    // From `rooms − 1` waits after the CONNECT on, no faster than it serves them:
    // 42.7–43.1 s (seeds 1–4), 9 % past N / capacity + 2 s.
    let web = Web::queueing(4, 25);
    for seed in [1, 2] {
        let f = Fleet {
            rooms: 5,
            seed,
            ..Fleet::herd(CLIENTS, web)
        };
        back_without_loss(&f.run(), 45_000);
    }
}

#[test]
fn a_burst_past_the_test_servers_wait_but_within_frappes_loses_no_call() {
    // Calls of 50 ms: the burst of 1,000 get_user_info calls alone is 12.5 s of queue,
    // past the 10 s the test server's realtime node waits for a call (tests/server),
    // and the paced joins keep the queue as long as it is: with that wait every call
    // from 10 to 50 s after the node's return timed out and the rooms came back in the
    // heal rounds, after 439.0–449.5 s (seeds 1–3). Frappe's realtime node sets no
    // timeout of its own, and nginx waits 120 s (`FRAPPE_WAIT`): nothing times out.
    // Measured: 55.3–55.6 s (seeds 1–3), 50 s of work.
    let web = Web::queueing(4, 50);
    for seed in [1, 2] {
        let f = Fleet {
            call_timeout_ms: FRAPPE_WAIT,
            seed,
            ..Fleet::herd(CLIENTS, web)
        };
        let rooms = back_without_loss(&f.run(), 60_000);
        assert!(rooms >= f.least_rooms_ms(), "{rooms} ms");
    }
    // With the test server's wait the same herd times calls out.
    assert!(run(web, 1).failed_calls > 0);
}

#[test]
fn a_burst_past_a_pages_own_timeout_calls_get_user_info_once_per_client() {
    // Calls of 100 ms: the burst of 1,000 get_user_info calls is 25 s of queue, past the
    // 20 s of a page's `timeout`. Until stop 38 that bounded the CONNECT's answer too:
    // the last clients gave up on theirs, which the web server still served for nobody,
    // and called again behind the same herd (5,869–5,912 calls by the time every room
    // was back after 149.8–153.4 s, seeds 1–3). The CONNECT's answer now waits
    // CONNECT_WAIT: each client calls get_user_info once, every room back after
    // 113.5–114.2 s (100 s of work).
    for seed in [1, 2] {
        let f = Fleet {
            call_timeout_ms: FRAPPE_WAIT,
            seed,
            ..Fleet::herd(CLIENTS, Web::queueing(4, 100))
        };
        let r = f.run();
        back_without_loss(&r, 120_000);
        assert_eq!(r.user_info.iter().sum::<u32>(), CLIENTS as u32, "{r:?}");
    }
}

#[test]
fn a_node_that_takes_the_herd_in_slowly_loses_no_call() {
    // The realtime node takes one connection every 20 ms (50 per second, as the
    // browser herd's `get_user_info` calls trickled in on this machine before their
    // burst: docs/scale.md): the herd's CONNECTs reach the web server over 20 s, so
    // the first clients find it idle, send their joins at once, and re-send them in
    // heal rounds while the later ones still connect.
    for seed in [1, 2] {
        // A web server that keeps up: every room back as its client connects.
        // Measured: 20.0 s, 12 ms after the last connection (both seeds).
        let r = run_admitting(Web::queueing(4, 10), 20, seed);
        let connected = r.connected_at.expect("every client connected");
        assert!(
            connected >= 19_000,
            "the node's admission paced the herd: {r:?}"
        );
        back_without_loss(&r, connected + 2000);
        // 25 ms calls (25 s of work, as in the test above): the heal rounds of the
        // first clients overlap the later ones' connects, and no call waits past the
        // realtime server's 10 s. Measured: every room back after 38.1 and 38.2 s
        // (38.3 and 39.6 s with the joins paced on the CONNECT's wait alone, until
        // stop 35; 37.1 and 38.6 s with the heal rounds' first gap from the whole
        // attempt's time, until stop 33: the later clients' rounds came after the
        // herd), every client connected after 20.1 and 20.0 s. Before stop 31 (the
        // joins aimed at the middle of the herd's work, the handshake's time taken off
        // the CONNECT's whole):
        // 30.1 and 30.3 s, but with a connection every 5 ms instead the same policy
        // now comes back after 25.9–26.4 s where that one took 27.5–28.0 s
        // (docs/retry-policy.md).
        back_without_loss(&run_admitting(Web::queueing(4, 25), 20, seed), 40_000);
    }
}

#[test]
fn a_herd_trickling_in_through_a_slow_node_loses_no_call() {
    // The node takes one connection every 5 ms (the browser herd's took one every
    // 2–7 ms): the CONNECTs reach the web server over 5 s, which serves them as they
    // come, so each client's wait shows the queue left, not the clients served ahead
    // of it whose joins are still to come. Paced on the wait alone (until stop 35) the
    // joins of all came as fast as the clients connected and the queue outgrew the
    // realtime server's wait: 5 rooms on 25 ms calls 179.3–185.2 s with 1,511–1,585
    // calls timed out, 3 rooms on 30 ms 119.6–122.8 s (seeds 1–3). With a third of the
    // handshake's time counted (HANDSHAKE_PART), measured: 45.9–46.0 s and 33.6–34.1 s,
    // none timed out (bounds 39.5 and 32 s); with the heal rounds after a loaded CONNECT
    // at three times the herd's measure (stop 36), 44.7 and 33.3 s at worst; with the
    // whole handshake counted when it took no longer than the wait (stop 36, which
    // mended the node speeds around this one: `cargo bench --bench herd_grid`), 54.6 and
    // 34.5 s; with it counted whole up to the wait and a third of the rest (stop
    // 37), 48.4 and 34.3 s (worst of seeds 1–6).
    for seed in [1, 2] {
        let trickle = |rooms, web| Fleet {
            rooms,
            open_ms: 5,
            seed,
            ..Fleet::herd(CLIENTS, web)
        };
        back_without_loss(&trickle(5, Web::queueing(4, 25)).run(), 52_000);
        back_without_loss(&trickle(3, Web::queueing(4, 30)).run(), 36_000);
    }
}

#[test]
fn a_heavy_herd_taken_in_over_seconds_loses_no_call() {
    // 5 rooms on 25 ms calls (37.5 s of work) with the node taking one connection every
    // 2 or 3 ms, 3 rooms on 35 ms (35 s) every 4 ms: the CONNECTs queue at the web
    // server while the node takes the herd in, so each client's wait misses the calls
    // served during its handshake. With a third of the handshake counted the joins
    // came faster than the web server served them and the queue outgrew the realtime
    // server's 10 s wait: 341.7, 310.1 and 261.8 s, calls timed out (stop 36's grid,
    // `cargo bench --bench herd_grid`, worst of seeds 1–3). Counting the whole
    // handshake when it took no longer than the wait (the web server was busy
    // throughout), measured: 41.9, 42.3 and 39.0 s, none timed out (bounds 39.5, 39.5
    // and 37 s).
    //
    // 5 rooms on 25 ms calls with a connection every 7 or 8 ms, on 22 ms every 7 ms: the
    // node takes the herd in about as fast as the web server serves its CONNECTs, and
    // the first clients' joins (sent at once) leave a standing queue that every later
    // client's CONNECT waits in alike. With a handshake of one to three waits counted
    // as one wait (stop 36) the later clients' paces were alike and the joins of all
    // came together 20 s later: 290.1, 287.0 and 252.0 s, calls timed out. With the
    // handshake counted whole up to the wait and a third of the rest, measured:
    // 43.8, 43.0 and 38.6 s (worst of seeds 1–6), none timed out (bounds 39.5, 39.5
    // and 35 s).
    for seed in [1, 2] {
        let herd = |rooms, ms, open_ms| Fleet {
            rooms,
            open_ms,
            seed,
            ..Fleet::herd(CLIENTS, Web::queueing(4, ms))
        };
        back_without_loss(&herd(5, 25, 2).run(), 46_000);
        back_without_loss(&herd(5, 25, 3).run(), 46_000);
        back_without_loss(&herd(3, 35, 4).run(), 43_000);
        back_without_loss(&herd(5, 25, 7).run(), 48_000);
        back_without_loss(&herd(5, 25, 8).run(), 48_000);
        back_without_loss(&herd(5, 22, 7).run(), 43_000);
    }
}

#[test]
fn a_node_that_handles_its_messages_in_batches_loses_no_room() {
    // A refusing web server, and a node that handles what the clients sent every 20 or
    // 30 ms, all of it together (Fleet::node_tick_ms): the joins of clients that sent
    // them at different times reach the web server in bursts, and more of them are
    // refused, in the herd and after it. The browser herd's node did so: from 60 to 90
    // s after its return its web server refused 96 of 1,683 calls (5.7 %, at a sixth
    // of its capacity) and every room was back after 239.9 s; with 20 and 30 ms the
    // fleet measured 19–28 and 84–105 of 1,990–2,095 in that time, every room back after
    // 127.6–170.8 and 181.4–197.0 s (seeds 1–3; each as it comes: 12–16, 95.6–102.5 s).
    // The tail is long: over seeds 1–40 at 30 ms every room was back after 176.6 s at
    // best, 203.8 s in the median and 369.9 s at worst (seed 2; 3 of 40 past 260 s;
    // before the checks of session.rs, which move each reconnect by a round trip and
    // so the herd's course, 181.4, 202.8 and 286.1 s, 1 of 40). Every room comes back
    // all the same, none given up.
    for (tick, seed) in [(20, 1), (30, 2)] {
        let r = Fleet {
            open_ms: 5,
            node_tick_ms: tick,
            seed,
            limit_ms: 600_000,
            ..Fleet::herd(CLIENTS, Web::refusing(4, 12))
        }
        .run();
        assert_eq!(r.given_up, 0, "{r:?}");
        assert!(r.failed_calls > 0, "the herd was refused: {r:?}");
        let rooms = r
            .rooms_at
            .unwrap_or_else(|| panic!("every room back, node tick {tick} ms: {r:?}"));
        assert!(rooms <= 400_000, "rooms back after {rooms} ms: {r:?}");
    }
}

#[test]
fn a_node_slow_to_take_the_herd_in_does_not_hold_the_heal_rounds_back() {
    // A refusing web server, and a node that takes one connection every 20 ms: the
    // herd's attempts last up to 20 s, nearly all of it the node's handshakes, and the
    // joins refused in the herd wait for a heal round. With the first gap at twice the
    // whole attempt's time (until stop 33) the later clients' rounds came up to 40–120
    // s after their CONNECT, and every later round twice as late: every room back
    // after 127.0–146.6 s (seeds 1–6). From the CONNECT's round trip, measured: 64.3
    // and 65.3 s (60.7–111.4 s over seeds 1–6).
    for seed in [1, 2] {
        let r = run_admitting(Web::refusing(4, 10), 20, seed);
        assert_eq!(r.given_up, 0, "{r:?}");
        assert!(r.refusals > 0, "the herd was refused: {r:?}");
        let rooms = r.rooms_at.expect("every room back");
        assert!(rooms <= 100_000, "rooms back after {rooms} ms: {r:?}");
    }
}

#[test]
fn a_node_slow_to_hand_shake_does_not_hold_the_joins_back() {
    // The node takes one connection every 2 ms: the herd's handshakes take up to 2 s,
    // and none of that is the web server's. Measured from its CONNECT alone, each
    // client's wait then counted the node's handshake backlog as a web server queue,
    // and paced its joins over (rooms + 1) times it: every room back after 13.4 and
    // 13.5 s, past N / capacity + 2 s. With the handshake's time taken off: 10.3 and
    // 10.6 s; with the joins aimed at the middle of that window: 10.0 s.
    let web = Web::queueing(4, 10);
    for seed in [1, 2] {
        back_without_loss(&run_admitting(web, 2, seed), work_ms(web) + 2000);
    }
}

/// CRM's and Helpdesk's options: `reconnectionAttempts: 5`.
fn limit_of_five(i: usize) -> ClientConfig {
    let mut c = default_options(i);
    c.reconnection_attempts = Some(5);
    c
}

/// The same on socket.io-client's timing: no quick retry, no probes.
fn limit_of_five_without_probes(i: usize) -> ClientConfig {
    let mut c = limit_of_five(i);
    c.first_retry_delay = c.reconnection_delay;
    c
}

/// A fleet of clients with `config`, its realtime server away 20 s (a `bench restart`
/// under 1,000 clients kept it away 12–20 s on a real bench: docs/retry-policy.md,
/// "Stop 52").
fn through_a_restart(config: fn(usize) -> ClientConfig, seed: u64) -> Report {
    Fleet {
        down_ms: 20_000,
        seed,
        config,
        ..Fleet::herd(CLIENTS, Web::queueing(4, 10))
    }
    .run()
}

#[test]
fn an_applications_limit_outlasts_a_twenty_second_restart() {
    for seed in [1, 2] {
        // Attempts that find nothing while the probes run are not counted: none
        // given up, every room back 10.0 s after the return (seeds 1 and 2).
        let r = through_a_restart(limit_of_five, seed);
        back_without_loss(&r, work_ms(Web::queueing(4, 10)) + 2000);
        // socket.io-client's timing (no probes): every attempt counts, and five end
        // about 17 s after the loss: all 1,000 gave up (seeds 1 and 2).
        let counted = through_a_restart(limit_of_five_without_probes, seed);
        assert!(counted.given_up > CLIENTS / 2, "{counted:?}");
    }
}

#[test]
fn a_refusing_web_server_loses_no_client_and_no_room() {
    let web = Web::refusing(4, 10);
    for seed in [1, 2] {
        let r = run(web, seed);
        assert_eq!(r.given_up, 0, "{r:?}");
        assert!(r.refusals > 0, "the herd was refused: {r:?}");
        // A quick refusal's window grows by half: measured, every client connected
        // after 21.3 and 21.8 s (18.1–21.8 s over seeds 1–3). With windows doubling
        // (until stop 32) the last clients waited as long again as they had been
        // refused, long after the web server had room: 46.9 and 42.3 s.
        let connected = r.connected_at.expect("every client connected");
        assert!(connected <= 30_000, "{r:?}");
        assert_eq!(r.rooms_back, r.rooms_total, "{r:?}");
        // The rooms take longer: each client learns of the web server's load only
        // from its own refusals, and a join refused in the herd waits for a heal
        // round (docs/scale.md, "On virtual time"). Measured 96.7 s at worst (seeds
        // 1–3); no policy that cannot see its joins is likely under 55.5 s (below).
        let rooms = r.rooms_at.expect("every room back");
        let unseen = Fleet::herd(CLIENTS, web).least_unseen_ms().unwrap();
        assert!(rooms >= unseen, "{rooms} ms against {unseen} ms: {r:?}");
    }
}

#[test]
fn a_web_server_refusing_far_past_its_capacity_loses_no_room_for_good() {
    // Calls of 50 ms: 50 s of work for a web server that answers 502 when its 4
    // workers are busy. Clients connect over minutes, and its refusals go on for as
    // long: with three heal rounds, 2,990–2,994 of 3,000 rooms were back after 300 s
    // and after 1,200 s alike (refused in every round), the pages believing they
    // held them. With five, measured: every room back after 408.7 and 402.5 s
    // (392.6 and 424.4 s with refusal windows doubling, until stop 32).
    let web = Web::refusing(4, 50);
    for seed in [1, 2] {
        let r = run_until(web, 0, 600_000, seed);
        assert_eq!(r.given_up, 0, "{r:?}");
        assert!(r.refusals > 0, "the herd was refused: {r:?}");
        assert_eq!(r.rooms_back, r.rooms_total, "{r:?}");
        assert!(r.rooms_at.is_some(), "{r:?}");
    }
}

#[test]
fn the_least_possible_time_is_the_herds_work_and_the_calls_served_for_nobody() {
    let backlog = Web {
        queue: 2048,
        ..Web::queueing(4, 10)
    };
    let cases = [
        // The herd's work alone where the burst of CONNECTs fits the realtime server's
        // wait.
        (1000, Web::queueing(4, 10), 10_000),
        (1000, Web::queueing(4, 25), 25_000),
        (10_000, Web::queueing(40, 10), 10_000),
        // 1,000 CONNECTs on 4 workers of 50 ms: 832 can be served within 10.4 s, the
        // other 168 are served too late and called again: 4,168 calls of 12.5 ms.
        (1000, Web::queueing(4, 50), 52_100),
        // 10,000 on 4 workers of 10 ms: 4,160 in time, 5,840 for nobody.
        (10_000, Web::queueing(4, 10), 114_600),
        // A queue of 2,048 never holds 10 s of work there, and a refused call costs
        // nothing.
        (10_000, backlog, 100_000),
        (10_000, Web::refusing(4, 10), 100_000),
    ];
    for (clients, web, least) in cases {
        assert_eq!(
            Fleet::herd(clients, web).least_rooms_ms(),
            least,
            "{clients} clients, {web:?}"
        );
    }
    // With Frappe's realtime node, which waits for the web server as long as nginx
    // does (120 s), as long as a client waits for its CONNECT's answer: 1,000 CONNECTs
    // on 4 workers of 50 ms are all served in time, and 10,000 on 4 of 10 ms too (a
    // client that gave up on its CONNECT after 20 s, until stop 38: 8,160 in time,
    // 1,840 for nobody, 104.6 s).
    for (clients, web, least) in [
        (1000, Web::queueing(4, 50), 50_000),
        (10_000, Web::queueing(4, 10), 100_000),
    ] {
        let f = Fleet {
            call_timeout_ms: FRAPPE_WAIT,
            ..Fleet::herd(clients, web)
        };
        assert_eq!(f.least_rooms_ms(), least, "{clients} clients, {web:?}");
    }
    // No run beats it: the fleet's core comes back no sooner (10 ms calls: at it to
    // within the network's time; 25 ms: within the bound, 2 s past it).
    for web in [Web::queueing(4, 10), Web::queueing(4, 25)] {
        let f = Fleet::herd(1000, web);
        let rooms = f.run().rooms_at.expect("every room back");
        assert!(rooms >= f.least_rooms_ms(), "{rooms} ms: {web:?}");
    }
}

#[test]
fn erlang_b_is_the_textbook_figure() {
    // One worker: A / (1 + A). Four at 4 erlangs: (4⁴ / 4!) / Σ 4ᵏ / k! = 0.31068.
    assert!((erlang_b(1, 0.5) - 1.0 / 3.0).abs() < 1e-12);
    assert!((erlang_b(4, 4.0) - 0.310_68).abs() < 1e-5);
    for refused in [1e-6, 0.01, 0.1, 0.5] {
        let load = highest_load(4, refused);
        assert!((erlang_b(4, load) - refused).abs() < 1e-9, "{refused}");
    }
}

#[test]
fn with_joins_unseen_no_policy_meets_the_bound_on_a_refusing_web_server() {
    // (clients, workers, ms per call, least ms): the refusing rows of docs/scale.md.
    // 1,000 clients on 4 workers of 10 ms: the CONNECTs' 2.5 s of work, and each
    // join sent 5 times at 2.83 workers' worth of calls (18.7 % refused), 53.0 s.
    // 10,000 on 40: each join once, at 19.8 workers' worth (half the capacity).
    let cases = [
        (1000, 4, 10, 55_456),
        (1000, 4, 25, 138_640),
        (1000, 4, 50, 277_280),
        (10_000, 40, 10, 17_639),
        (10_000, 4, 10, 699_851),
    ];
    for (clients, workers, ms, least) in cases {
        let f = Fleet::herd(clients, Web::refusing(workers, ms));
        assert_eq!(
            f.least_unseen_ms(),
            Some(least),
            "{clients} on {workers} × {ms} ms"
        );
        // Past N / capacity + 2 s, every one.
        let bound = (clients * (1 + ROOMS)) as u64 * ms / workers as u64 + 2000;
        assert!(
            least > bound,
            "{clients} on {workers} × {ms} ms: {bound} ms"
        );
        // Sending the first copies of every join at one load and the others at
        // another comes out no quicker than one steady load (the first load on a
        // grid of 5 % steps, 1 to 7 copies at each; to within 1 ms).
        let joins = (clients * ROOMS) as f64;
        let lost = lost_allowed(joins).ln();
        let steady = least as f64 - (clients as u64 * ms) as f64 / workers as f64;
        for i in 0..140 {
            let a1 = workers as f64 * 0.02 * 1.05f64.powi(i);
            for k1 in 1..8 {
                let left = lost - f64::from(k1) * erlang_b(workers, a1).ln();
                let first = f64::from(k1) * joins * ms as f64 / a1;
                let rest = (1..8)
                    .map(|k2| {
                        let b = (left / f64::from(k2)).exp().min(1.0);
                        copies_ms(workers, ms as f64, joins, k2, b)
                    })
                    .fold(f64::INFINITY, f64::min);
                let mixed = first + if left >= 0.0 { 0.0 } else { rest };
                assert!(mixed >= steady - 1.0, "{clients}: {mixed} < {steady}");
            }
        }
    }
    // A queue (gunicorn's backlog) refuses only when 2,048 calls wait: no such figure.
    let backlog = Web {
        queue: 2048,
        ..Web::queueing(4, 10)
    };
    assert_eq!(Fleet::herd(1000, backlog).least_unseen_ms(), None);
}

/// A herd on Frappe's wait whose web server starts `start_ms` after the node's return.
fn web_starting_late(start_ms: u64, config: fn(usize) -> ClientConfig, seed: u64) -> Report {
    Fleet {
        web_start_ms: start_ms,
        call_timeout_ms: FRAPPE_WAIT,
        seed,
        config,
        ..Fleet::herd(CLIENTS, Web::queueing(4, 10))
    }
    .run()
}

#[test]
fn a_web_server_that_starts_after_the_node_loses_no_call() {
    // `bench restart`: gunicorn listens at once and its workers answer seconds after
    // the realtime server (2.3–2.9 s on the real bench). Every CONNECT waits for them,
    // and no client can tell that wait from a queue: the default client paces its joins
    // on it, from `rooms − 1` paces on, and its herd is back within `rooms + 1` times
    // the start and the CONNECTs' work (1,000 × 10 ms / 4 = 2.5 s), where the start and
    // the herd's work would do. With joins answered, each client sends its next join
    // at the answer to the last: back within the start, the work and 2 s.
    let web = Web::queueing(4, 10);
    let connects_ms = (CLIENTS as u64 * web.service_ms) / web.workers as u64;
    for start in [1000, 3000, 8000] {
        for seed in [1, 2] {
            let blind = web_starting_late(start, default_options, seed);
            let held = (ROOMS as u64 + 1) * (start + connects_ms) + 2000;
            back_without_loss(&blind, held);
            let answered = web_starting_late(start, answered_joins, seed);
            back_without_loss(&answered, start + work_ms(web) + 2000);
        }
    }
}
