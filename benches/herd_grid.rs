//! The reconnect herd on virtual time (tests/support/fleet.rs) over a grid of realtime
//! nodes that take the herd in at different speeds: 1,000 clients with default options,
//! a queueing web server of 4 workers, the node taking one connection every `open` ms
//! (0: all at once, the burst of docs/scale.md's table; the browser herd's node took one
//! every 3–9 ms), each client in `rooms` rooms, calls of `ms`. Each cell is the time to
//! every room back, the worst of the seeds, and `!` where a call timed out (the web
//! server's queue outgrew the realtime server's 10 s wait: the collapse of
//! docs/retry-policy.md, "Stop 36"); each row has its bound (N / capacity + 2 s).
//!
//! `cargo bench --bench herd_grid [-- --seeds K]` (default 3; about 30 s). Under `cargo
//! test` (no `--bench` argument) one small row runs as a smoke test.

#[path = "support/args.rs"]
mod args;
#[path = "../tests/support/fleet.rs"]
mod fleet;

use args::{arg, benching};
use fleet::{Fleet, Web};

fn main() {
    let bench = benching();
    let seeds = if bench {
        arg("--seeds").unwrap_or(3)
    } else {
        1
    };
    let (clients, opens, rows): (usize, &[u64], &[(usize, u64)]) = if bench {
        (
            1000,
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 15],
            &[
                (3, 10),
                (3, 14),
                (3, 18),
                (3, 25),
                (3, 30),
                (3, 35),
                (5, 10),
                (5, 14),
                (5, 18),
                (5, 22),
                (5, 25),
            ],
        )
    } else {
        (100, &[0, 5], &[(3, 10)])
    };
    let head: Vec<String> = opens.iter().map(|o| format!("{o} ms")).collect();
    println!("| rooms | ms per call | bound | {} |", head.join(" | "));
    println!("|---:|---:|---:|{}", "---:|".repeat(opens.len()));
    let (mut past, mut collapsed, mut cells, mut ratios) = (0, 0, 0, 0.0);
    for &(rooms, ms) in rows {
        let web = Web::queueing(4, ms);
        let bound = (clients * (1 + rooms)) as f64 / web.per_second() + 2.0;
        let mut line = Vec::new();
        for &open in opens {
            let (mut worst, mut failed) = (0u64, 0u32);
            for seed in 1..=seeds {
                let r = Fleet {
                    rooms,
                    open_ms: open,
                    seed,
                    limit_ms: 600_000,
                    ..Fleet::herd(clients, web)
                }
                .run();
                worst = worst.max(r.rooms_at.unwrap_or(u64::MAX));
                failed += r.failed_calls;
            }
            cells += 1;
            past += usize::from(worst as f64 > bound * 1000.0);
            ratios += (worst.min(600_000) as f64 / 1000.0) / bound;
            collapsed += usize::from(failed > 0);
            line.push(if worst == u64::MAX {
                String::from("not back")
            } else {
                format!(
                    "{:.1}{}",
                    worst as f64 / 1000.0,
                    if failed > 0 { " !" } else { "" }
                )
            });
        }
        println!("| {rooms} | {ms} | {bound:.1} | {} |", line.join(" | "));
    }
    println!(
        "\n{cells} cells: {past} past their bound, {collapsed} with calls timed out (!); \
         time over bound {:.2} on average.",
        ratios / cells as f64
    );
}
