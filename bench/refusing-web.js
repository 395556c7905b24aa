#!/usr/bin/env node
// What a web server that refuses when busy (502 once its workers are all taken, no
// queue: the "refuse" web server of bench/herd.js and the fleet simulation) does to
// independent callers, whatever their retry policy: calls arriving at random (Poisson)
// at a given rate are refused in the share Erlang's B formula gives, and the 100 ms
// periods with a refusal follow. A herd whose clients cannot see one another sends such
// a stream at best, so this bounds what any client-side policy can reach there: the
// issue's "back within N / capacity + 2 s" needs a rate at which nearly every period
// has a refusal, and "never overflowing for more than 1 s" a rate at which the herd
// takes several times longer (docs/scale.md, "What this run says").
//
//   node bench/refusing-web.js [--workers 4] [--service-ms 10] [--calls 4000] [--seconds 60]
//
// --calls: the herd's calls (1,000 clients × (1 + 3 rooms)), for the time they take at
// each rate. Deterministic (a seeded generator); three seeds per rate.

import { value } from "./args.js";

const WORKERS = Number(value("--workers", 4));
const SERVICE = Number(value("--service-ms", 10));
const CALLS = Number(value("--calls", 4000));
const SECONDS = Number(value("--seconds", 60));
const BIN = 100;

/** Erlang B: the share of calls refused at `erlangs` of offered load on `servers`. */
function erlangB(servers, erlangs) {
    let b = 1;
    for (let k = 1; k <= servers; k++) b = (erlangs * b) / (k + erlangs * b);
    return b;
}

/** A small seeded generator (mulberry32): uniform in [0, 1). */
function random(seed) {
    let s = seed >>> 0;
    return () => {
        s = (s + 0x6d2b79f5) >>> 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Poisson arrivals at `rate` per second for SECONDS against the web server. */
function simulate(rate, seed) {
    const next = random(seed);
    const busyUntil = [];
    const refusedBins = new Set();
    let calls = 0;
    let refused = 0;
    for (let t = 0; ; ) {
        t += (-Math.log(1 - next()) * 1000) / rate;
        if (t >= SECONDS * 1000) break;
        calls++;
        const free = busyUntil.findIndex((u) => u <= t);
        if (free >= 0) busyUntil[free] = t + SERVICE;
        else if (busyUntil.length < WORKERS) busyUntil.push(t + SERVICE);
        else {
            refused++;
            refusedBins.add(Math.floor(t / BIN));
        }
    }
    let run = 0;
    let longest = 0;
    for (let b = 0; b < (SECONDS * 1000) / BIN; b++) {
        run = refusedBins.has(b) ? run + 1 : 0;
        longest = Math.max(longest, run);
    }
    return { refused: refused / calls, bins: refusedBins.size / ((SECONDS * 1000) / BIN), longest: longest * BIN };
}

const capacity = (WORKERS * 1000) / SERVICE;
console.log(
    `web server: ${WORKERS} workers of ${SERVICE} ms, no queue (${capacity} calls/s); ` +
        `${CALLS} calls; Poisson arrivals for ${SECONDS} s, seeds 1-3`,
);
console.log("| calls/s | the calls take | refused (Erlang B) | refused (simulated) | 100 ms periods with a refusal | longest run of them |");
console.log("|---:|---:|---:|---:|---:|---:|");
const pct = (x) => (100 * x).toFixed(1) + " %";
for (const share of [0.25, 0.375, 0.5, 0.625, 0.8333, 1]) {
    const rate = capacity * share;
    const runs = [1, 2, 3].map((seed) => simulate(rate, seed));
    const span = (f) => {
        const v = runs.map(f);
        return [Math.min(...v), Math.max(...v)];
    };
    const [r0, r1] = span((r) => r.refused);
    const [b0, b1] = span((r) => r.bins);
    const [l0, l1] = span((r) => r.longest);
    console.log(
        `| ${Math.round(rate)} | ${(CALLS / rate).toFixed(1)} s | ${pct(erlangB(WORKERS, (rate * SERVICE) / 1000))} | ` +
            `${pct(r0)}–${pct(r1)} | ${pct(b0)}–${pct(b1)} | ${(l0 / 1000).toFixed(1)}–${(l1 / 1000).toFixed(1)} s |`,
    );
}
