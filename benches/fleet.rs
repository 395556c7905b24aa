//! The reconnect herd on virtual time (tests/support/fleet.rs): the client's core
//! itself, N clients in 3 rooms (or 20, or some in 30) against one realtime node killed
//! and back 2 s later,
//! a web server of 10 ms calls that queues without bound, queues up to gunicorn's
//! listen backlog then refuses, or refuses when busy (also with a node that handles
//! its messages in batches), and the queueing one again with Frappe's realtime node,
//! which waits for it longer than the test server's; three of them again with
//! joins answered (`joinAcks`, the companion app of frappe-app/); and the backlog's and
//! the refusing one's with the app's admission on the node, joins blind and answered.
//! `npm run bench:herd` runs
//! `cargo bench --bench fleet -- --json` for docs/scale.md.
//!
//! Arguments: `--json` (one object per run), `--clients N` (only that size),
//! `--seeds K` (seeds 1..=K of each fleet, default 3). Under `cargo test` (no
//! `--bench` argument) one small fleet runs as a smoke test.

#[path = "support/args.rs"]
mod args;
#[path = "../tests/support/fleet.rs"]
mod fleet;

use args::{arg, benching};
use fleet::{answered_joins, Fleet, Report, Web, CALL_TIMEOUT, FRAPPE_WAIT, LATENCY};

/// How long each run goes on after the node is back (virtual time): past the sixth heal
/// round, which comes up to about 1,890 s after a reconnect.
const LIMIT_MS: u64 = 2_400_000;

/// The "backlog" web server's queue: gunicorn's default listen backlog (2,048
/// connections), beyond which nginx's connection to it is refused (502).
const BACKLOG: usize = 2048;

/// The refusing web server again, the realtime node handling what its sockets sent
/// in batches every [`NODE_TICK_MS`] (`Fleet::node_tick_ms`): the browser herd's node
/// does so, and its calls reach the web server in bursts (docs/retry-policy.md,
/// "Stop 37").
const REFUSE_BATCHED: &str = "refuse (node batching 20 ms)";
const NODE_TICK_MS: u64 = 20;

/// The queueing web server again, the realtime node waiting for it as Frappe's does
/// (`fleet::FRAPPE_WAIT`: no timeout of its own, nginx's 120 s) instead of the test
/// server's 10 s, as long as a page waits for its CONNECT's answer (`CONNECT_WAIT`).
const QUEUE_FRAPPE: &str = "queue (Frappe's 120 s wait)";

/// The rows again with every client's `joinAcks` on and the node answering joins, as
/// Frappe's does with the companion app of frappe-app/ (`fleet::answered_joins`).
const ANSWERED: &str = ", joins answered";

/// The rows again with the realtime node's calls through the companion app's
/// admission (`Fleet::admission`), each call and its answer [`LATENCY`] on the way
/// between the node and the web server (the other rows' arrive at once): a window
/// at a web server that refuses beyond its workers serves `workers / (call + 2 ×
/// LATENCY)` a second at most (docs/retry-policy.md, "Stop 48" and "Stop 49").
const ADMISSION: &str = ", admission";

fn ms(t: Option<u64>) -> String {
    t.map_or(String::from("null"), |t| t.to_string())
}

/// What one run is and measured, by name (the JSON keys), values as JSON.
fn fields(f: &Fleet, web: &str, r: &Report) -> Vec<(&'static str, String)> {
    vec![
        ("clients", f.clients.to_string()),
        ("rooms", f.rooms.to_string()),
        (
            "heavyEvery",
            f.heavy.map_or(String::from("null"), |h| h.0.to_string()),
        ),
        (
            "heavyRooms",
            f.heavy.map_or(String::from("null"), |h| h.1.to_string()),
        ),
        ("downMs", f.down_ms.to_string()),
        ("callTimeoutMs", f.call_timeout_ms.to_string()),
        ("web", format!("\"{web}\"")),
        ("workers", f.web.workers.to_string()),
        ("serviceMs", f.web.service_ms.to_string()),
        ("seed", f.seed.to_string()),
        ("limitMs", f.limit_ms.to_string()),
        // Both are bounds for a client's policy alone: none for a node that holds
        // the calls (admission), nor, joins unseen, for joins answered.
        (
            "leastMs",
            ms(Some(f.least_rooms_ms()).filter(|_| !f.admission)),
        ),
        (
            "leastUnseenMs",
            ms(f.least_unseen_ms()
                .filter(|_| !web.ends_with(ANSWERED) && !f.admission)),
        ),
        ("connectedMs", ms(r.connected_at)),
        ("roomsMs", ms(r.rooms_at)),
        ("roomsBack", r.rooms_back.to_string()),
        ("roomsTotal", r.rooms_total.to_string()),
        ("peakUserInfo", r.peak_user_info.to_string()),
        ("peakPermission", r.peak_permission.to_string()),
        ("calls", r.calls.to_string()),
        ("failedCalls", r.failed_calls.to_string()),
        (
            "overflowMs",
            (u64::from(r.overflow_bins) * fleet::BIN).to_string(),
        ),
        ("longestOverflowMs", r.longest_overflow_ms.to_string()),
        ("givenUp", r.given_up.to_string()),
        ("refusals", r.refusals.to_string()),
    ]
}

fn main() {
    let bench = benching();
    let as_json = std::env::args().any(|a| a == "--json");
    let only = arg("--clients").map(|n| n as usize);
    let seeds = if bench {
        arg("--seeds").unwrap_or(3)
    } else {
        1
    };
    // (clients, rooms, workers, ms per call): the browser herd's size; its web server
    // at 2.5 and 5 times slower (its herd's work past the realtime server's 10 s wait,
    // as the browser runs on this 2-core machine get); ten times the fleet on ten times
    // the workers (the same N / capacity); ten times the fleet on the same web server.
    // Then clients in 20 rooms (a connection shared by a browser's tabs holds all their
    // rooms): the browser herd's work in 190 of them, and five times it in 1,000; and
    // 500 clients in 3 rooms, one in ten of them in 30 (Fleet::heavy).
    type Size = (usize, usize, Option<(usize, usize)>, usize, u64);
    let sizes: &[Size] = if bench {
        &[
            (1000, 3, None, 4, 10),
            (1000, 3, None, 4, 25),
            (1000, 3, None, 4, 50),
            (10_000, 3, None, 40, 10),
            (10_000, 3, None, 4, 10),
            (190, 20, None, 4, 10),
            (1000, 20, None, 4, 10),
            (500, 3, Some((10, 30)), 4, 10),
        ]
    } else {
        &[(100, 3, None, 4, 10)]
    };
    let mut out = Vec::new();
    for &(clients, rooms, heavy, workers, service) in sizes
        .iter()
        .filter(|(n, ..)| only.map_or(true, |o| o == *n))
    {
        let queue = Web::queueing(workers, service);
        let refuse = Web::refusing(workers, service);
        let backlog = Web {
            queue: BACKLOG,
            ..queue
        };
        for (name, web, node_tick_ms, call_timeout_ms, answered, admission) in [
            ("queue", queue, 0, CALL_TIMEOUT, false, false),
            (QUEUE_FRAPPE, queue, 0, FRAPPE_WAIT, false, false),
            ("backlog", backlog, 0, CALL_TIMEOUT, false, false),
            ("refuse", refuse, 0, CALL_TIMEOUT, false, false),
            (
                REFUSE_BATCHED,
                refuse,
                NODE_TICK_MS,
                CALL_TIMEOUT,
                false,
                false,
            ),
            (QUEUE_FRAPPE, queue, 0, FRAPPE_WAIT, true, false),
            ("backlog", backlog, 0, CALL_TIMEOUT, true, false),
            ("refuse", refuse, 0, CALL_TIMEOUT, true, false),
            ("backlog", backlog, 0, CALL_TIMEOUT, false, true),
            ("refuse", refuse, 0, CALL_TIMEOUT, false, true),
            ("backlog", backlog, 0, CALL_TIMEOUT, true, true),
            ("refuse", refuse, 0, CALL_TIMEOUT, true, true),
        ] {
            for seed in 1..=seeds {
                let mut f = Fleet {
                    rooms,
                    heavy,
                    limit_ms: LIMIT_MS,
                    seed,
                    node_tick_ms,
                    call_timeout_ms,
                    admission,
                    web_transit_ms: if admission { LATENCY } else { 0 },
                    ..Fleet::herd(clients, web)
                };
                if answered {
                    f.config = answered_joins;
                }
                let r = f.run();
                let name = format!(
                    "{name}{}{}",
                    if admission { ADMISSION } else { "" },
                    if answered { ANSWERED } else { "" }
                );
                let fields = fields(&f, &name, &r);
                if as_json {
                    let members: Vec<String> =
                        fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                    out.push(format!("{{{}}}", members.join(",")));
                } else {
                    let line: Vec<String> =
                        fields.iter().map(|(k, v)| format!("{k} {v}")).collect();
                    println!("{}", line.join(", "));
                }
            }
        }
    }
    if as_json {
        println!("[{}]", out.join(",\n"));
    }
}
