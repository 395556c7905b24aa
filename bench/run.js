#!/usr/bin/env node
// `npm run bench`: this package against socket.io-client 4.8 and a raw-WebSocket floor,
// side by side in one run, in headless Chromium on loopback. See docs/benchmarks.md.
//
//   node bench/run.js [--runs N] [--small N] [--large N] [--no-build] [--no-codec]
//                     [--no-docs] [--quick] [--only frappe-realtime,floor,...]
//                     [--pkg DIR] [--out DIR]
//
// --pkg DIR serves (and sizes) another build of pkg/ (implies --no-build), for A/B
// comparisons of an optimisation; --out DIR writes the JSON and SVG there instead
// (and leaves docs/benchmarks.md alone). --quick (1 run, 10k + 2k events) writes to
// $TMPDIR/frappe-realtime-bench.
//
// Writes docs/bench/latest.json, docs/bench/chart.svg and the figures section of
// docs/benchmarks.md (between its BEGIN/END markers); prints a table of ratios.

import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { launch, openPage, waitFor } from "./cdp.js";
import { ROOT } from "../scripts/start.js";
import { renderChart } from "./chart.js";
import { median } from "../tests/soak/stats.js";
import { bound } from "../tests/soak/time.js";
import { SHIPPED_FILES, fileSizes } from "../scripts/size-budget.js";
import { flag, value } from "./args.js";

// ---------------------------------------------------------------------------- options
const argv = process.argv.slice(2);
const quick = flag("--quick");
const RUNS = Number(value("--runs", process.env.BENCH_RUNS || (quick ? 1 : 5)));
const SMALL = Number(value("--small", process.env.BENCH_SMALL || (quick ? 10000 : 100000)));
const LARGE = Number(value("--large", process.env.BENCH_LARGE || (quick ? 2000 : 20000)));
const CLIENTS = ["frappe-realtime", "socket.io-client", "floor"];
const only = value("--only", null);
const clients = only ? CLIENTS.filter((c) => only.split(",").includes(c)) : CLIENTS;
const PAGE = { "frappe-realtime": "frappe-realtime.html", "socket.io-client": "socketio.html", floor: "floor.html" };
const ROOM = "doc:ToDo/TD-0001";
const FAST_DELAY = 100;
const PKG = value("--pkg", null) ? path.resolve(value("--pkg", null)) : path.join(ROOT, "pkg");
// The committed figures (docs/) come only from a full run of this build: --quick,
// --pkg and --out write elsewhere.
const OUT = value("--out", null)
    ? path.resolve(value("--out", null))
    : quick
      ? path.join(os.tmpdir(), "frappe-realtime-bench")
      : path.join(ROOT, "docs/bench");
const writeDocs = !flag("--no-docs") && !quick && !value("--out", null) && !value("--pkg", null);

const log = (...a) => console.error(...a);

// ---------------------------------------------------------------------------- build
if (!flag("--no-build") && !value("--pkg", null)) {
    log("==> build (scripts/build.sh)");
    execFileSync("bash", ["scripts/build.sh"], { cwd: ROOT, stdio: ["ignore", process.stderr, process.stderr] });
} else {
    // build.sh runs it first; a fresh clone needs node_modules either way.
    execFileSync("bash", ["scripts/setup.sh"], { cwd: ROOT, stdio: ["ignore", process.stderr, process.stderr] });
}
// Loaded once node_modules is there (socket.io).
const { startBenchServer } = await import("./server.js");

// ---------------------------------------------------------------------------- sizes (e)
function sizeOf(files) {
    let raw = 0;
    let gzip = 0;
    let brotli = 0;
    const each = [];
    for (const { file, abs } of files) {
        const z = fileSizes(abs);
        raw += z.raw;
        gzip += z.gzip;
        brotli += z.brotli;
        each.push({ file, ...z });
    }
    return { raw, gzip, brotli, files: each };
}
const sizes = {
    "frappe-realtime": sizeOf(SHIPPED_FILES(PKG)),
    "socket.io-client": sizeOf([
        { file: "node_modules/socket.io-client/dist/socket.io.min.js", abs: path.join(ROOT, "node_modules/socket.io-client/dist/socket.io.min.js") },
    ]),
};

// ---------------------------------------------------------------------------- codec (f)
let codec = null;
if (!flag("--no-codec")) {
    log("==> native codec throughput (cargo bench --bench codec)");
    const r = spawnSync("cargo", ["bench", "--quiet", "--bench", "codec", "--", "--json"], {
        cwd: ROOT,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    if (r.status !== 0) throw new Error("cargo bench --bench codec failed");
    const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
    codec = JSON.parse(line);
}

// ---------------------------------------------------------------------------- browser
const hooks = { onJoin: () => {}, onConnection: () => {} };
const serverOpts = (port) => ({
    port,
    pkgDir: PKG,
    onJoin: (room, id) => hooks.onJoin(room, id),
    onConnection: (id) => hooks.onConnection(id),
});
let server = await startBenchServer(serverOpts(0));
const port = server.port;
const base = server.url;

/** Kills the server (TCP connections dropped), restarts it on the same port, and times
 *  kill → the page's socket connected again and its room subscription received. */
async function killAndRestart() {
    let tConnected = null;
    const restored = new Promise((resolve) => {
        hooks.onJoin = (room) => room === ROOM && resolve(performance.now());
    });
    hooks.onConnection = () => {
        if (tConnected === null) tConnected = performance.now();
    };
    const tKill = performance.now();
    await server.close({ abrupt: true });
    server = await startBenchServer(serverOpts(port));
    const tRestored = await bound(restored, 20000, "subscription restored after a server restart");
    hooks.onJoin = () => {};
    hooks.onConnection = () => {};
    return { restoredMs: tRestored - tKill, connectedMs: tConnected === null ? null : tConnected - tKill };
}

const metric = (m, name) => (m.metrics.find((x) => x.name === name) || {}).value;

async function measuredRun(s, kind, n) {
    const m0 = await s.send("Performance.getMetrics");
    const r = await s.evaluate(`__bench.run(${JSON.stringify(kind)}, ${n})`);
    const m1 = await s.send("Performance.getMetrics");
    if (!r.ok || r.count !== n) throw new Error(`${kind}: delivered ${r.count}/${n}, checksum ${r.ok}`);
    const per = (name) => ((metric(m1, name) - metric(m0, name)) * 1e6) / n;
    return { ms: r.ms, firstMs: r.tFirst - r.t0, taskUs: per("TaskDuration"), scriptUs: per("ScriptDuration") };
}

async function heap(s) {
    await s.send("HeapProfiler.collectGarbage");
    await s.send("HeapProfiler.collectGarbage");
    const h = await s.send("Runtime.getHeapUsage");
    return h.usedSize;
}

async function waitWasmReady(s, client) {
    // The wasm client's linear memory (not part of the JS heap figure).
    if (client !== "frappe-realtime") return null;
    return s.evaluate(`(window.__bench.wasmMemory ? window.__bench.wasmMemory() : null)`);
}

/** Page load → connected, for `extra` more cold loads (each in a fresh context). */
async function moreLoads(browser, client, query, extra) {
    const out = [];
    for (let i = 0; i < extra; i++) {
        const s = await openPage(browser, `${base}/bench/pages/${PAGE[client]}?${query}`);
        try {
            out.push(await waitFor(s, "window.__bench && window.__bench.connectedAt", { what: `${client} connected` }));
        } finally {
            await s.close();
        }
    }
    return out;
}

/** Session A: WebSocket only, reconnection delay 100 ms without jitter. */
async function sessionA(browser, client) {
    const s = await openPage(browser, `${base}/bench/pages/${PAGE[client]}?transports=websocket&delay=${FAST_DELAY}&jitter=0`);
    try {
        // threadTicks: CPU time of the main thread, not wall time of its tasks (a task
        // descheduled by the OS would otherwise count as busy).
        await s.send("Performance.enable", { timeDomain: "threadTicks" });
        const connectMs = await waitFor(s, "window.__bench && window.__bench.connectedAt", { what: `${client} connected` });
        const heapIdle = await heap(s);
        const small = await measuredRun(s, "small", SMALL);
        const heapAfter = await heap(s);
        const wasmMemory = await waitWasmReady(s, client);
        const large = await measuredRun(s, "large", LARGE);
        const reconnect = await killAndRestart();
        return { connectMs, heapIdle, heapAfter, wasmMemory, small, large, reconnectFast: reconnect };
    } finally {
        await s.close();
    }
}

// Loads are noisy: each run's connect figure is the median of LOADS cold loads.
const LOADS = 3;

/** Session B: the clients' default options (polling first, then upgrade; backoff 1 s ± 50 %). */
async function sessionB(browser, client) {
    const s = await openPage(browser, `${base}/bench/pages/${PAGE[client]}?transports=default`);
    try {
        const connectMs = await waitFor(s, "window.__bench && window.__bench.connectedAt", { what: `${client} connected` });
        const reconnect = await killAndRestart();
        return { connectDefaultMs: connectMs, reconnectDefault: reconnect };
    } finally {
        await s.close();
    }
}

log(`==> browser: ${RUNS} run(s), ${SMALL} small + ${LARGE} large events, clients: ${clients.join(", ")}`);
const browser = await launch();
const runs = [];
try {
    // One throw-away load per client: the first page of a fresh browser pays one-time costs.
    for (const c of clients) {
        const s = await openPage(browser, `${base}/bench/pages/${PAGE[c]}?transports=websocket`);
        await waitFor(s, "window.__bench && window.__bench.connectedAt", { what: `${c} warm-up` });
        await s.close();
    }
    for (let r = 0; r < RUNS; r++) {
        // Rotate the order every run so no client always goes first.
        const order = clients.map((_, i) => clients[(i + r) % clients.length]);
        const run = {};
        for (const c of order) {
            const a = await sessionA(browser, c);
            const b = await sessionB(browser, c);
            a.connectLoads = [a.connectMs, ...(await moreLoads(browser, c, "transports=websocket", LOADS - 1))];
            b.connectDefaultLoads = [b.connectDefaultMs, ...(await moreLoads(browser, c, "transports=default", LOADS - 1))];
            a.connectMs = median(a.connectLoads);
            b.connectDefaultMs = median(b.connectDefaultLoads);
            run[c] = { ...a, ...b };
            log(
                `    run ${r + 1}/${RUNS} ${c.padEnd(16)} small ${a.small.ms.toFixed(0)} ms ${a.small.taskUs.toFixed(2)} µs/ev` +
                    ` | large ${a.large.ms.toFixed(0)} ms ${a.large.taskUs.toFixed(2)} µs/ev | connect ${a.connectMs.toFixed(0)} ms` +
                    ` | reconnect ${a.reconnectFast.restoredMs.toFixed(0)} / ${b.reconnectDefault.restoredMs.toFixed(0)} ms` +
                    ` | heap ${(a.heapAfter / 1024).toFixed(0)} KB`,
            );
        }
        runs.push(run);
    }
} finally {
    await browser.close();
    await server.close({ abrupt: true });
}

// ---------------------------------------------------------------------------- figures
const FIGURES = [
    ["small.ms", "100k small events: time to last callback", "ms", (x) => x.small.ms],
    ["small.taskUs", "100k small events: main-thread CPU per event", "µs", (x) => x.small.taskUs],
    ["small.scriptUs", "100k small events: script time per event", "µs", (x) => x.small.scriptUs],
    ["large.ms", "20k × 4 KB events: time to last callback", "ms", (x) => x.large.ms],
    ["large.taskUs", "20k × 4 KB events: main-thread CPU per event", "µs", (x) => x.large.taskUs],
    ["large.scriptUs", "20k × 4 KB events: script time per event", "µs", (x) => x.large.scriptUs],
    ["connect.ws", "page load → connected (WebSocket only)", "ms", (x) => x.connectMs],
    ["connect.default", "page load → connected (default transports)", "ms", (x) => x.connectDefaultMs],
    ["reconnect.fast", `server killed → subscription restored (delay ${FAST_DELAY} ms, no jitter)`, "ms", (x) => x.reconnectFast.restoredMs],
    ["reconnect.default", "server killed → subscription restored (default backoff)", "ms", (x) => x.reconnectDefault.restoredMs],
    ["heap.idle", "JS heap after GC, connected, before events", "KB", (x) => x.heapIdle / 1024],
    ["heap.after", "JS heap after GC following 100k events", "KB", (x) => x.heapAfter / 1024],
];
if (SMALL !== 100000) FIGURES.forEach((f) => (f[1] = f[1].replace("100k", `${SMALL / 1000}k`)));
if (LARGE !== 20000) FIGURES.forEach((f) => (f[1] = f[1].replace("20k", `${LARGE / 1000}k`)));

const results = {};
for (const [key, label, unit, get] of FIGURES) {
    const row = { label, unit, median: {}, ratio: {} };
    for (const c of clients) row.median[c] = median(runs.map((run) => get(run[c])));
    // Ratios pair by pair within each run, then the median of those ratios.
    const pair = (a, b) => (clients.includes(a) && clients.includes(b) ? median(runs.map((run) => get(run[a]) / get(run[b]))) : null);
    const diff = (a, b) => (clients.includes(a) && clients.includes(b) ? median(runs.map((run) => get(run[a]) - get(run[b]))) : null);
    row.ratio = {
        "frappe-realtime/floor": pair("frappe-realtime", "floor"),
        "socket.io-client/floor": pair("socket.io-client", "floor"),
        "frappe-realtime/socket.io-client": pair("frappe-realtime", "socket.io-client"),
    };
    row.diff = { "frappe-realtime-floor": diff("frappe-realtime", "floor") };
    results[key] = row;
}
results.wasmMemoryKB = median(runs.map((run) => run["frappe-realtime"] && run["frappe-realtime"].wasmMemory / 1024));

const ours = sizes["frappe-realtime"];
const sio = sizes["socket.io-client"];
const r = (k, key = "frappe-realtime/floor") => results[k] && results[k].ratio[key];
const targets = [
    { what: `time, ${SMALL / 1000}k small events`, target: "≤ 1.05 × floor", value: r("small.ms"), ok: r("small.ms") <= 1.05, shown: fmtRatio(r("small.ms")) },
    { what: "main-thread CPU per event, small", target: "≤ 1.10 × floor", value: r("small.taskUs"), ok: r("small.taskUs") <= 1.1, shown: fmtRatio(r("small.taskUs")) },
    {
        what: "page load → connected (WebSocket only)",
        target: "≤ floor + 20 ms",
        value: results["connect.ws"].diff["frappe-realtime-floor"],
        ok: results["connect.ws"].diff["frappe-realtime-floor"] <= 20,
        shown: fmtSigned(results["connect.ws"].diff["frappe-realtime-floor"]) + " ms",
    },
    {
        what: `reconnect, subscriptions restored (delay ${FAST_DELAY} ms)`,
        target: "≤ 400 ms",
        value: results["reconnect.fast"].median["frappe-realtime"],
        ok: results["reconnect.fast"].median["frappe-realtime"] <= 400,
        shown: fmt(results["reconnect.fast"].median["frappe-realtime"]) + " ms",
    },
    {
        what: "reconnect, subscriptions restored (default backoff)",
        target: "≤ 400 ms",
        value: results["reconnect.default"].median["frappe-realtime"],
        ok: results["reconnect.default"].median["frappe-realtime"] <= 400,
        shown: fmt(results["reconnect.default"].median["frappe-realtime"]) + " ms",
    },
    {
        what: `JS heap after GC following ${SMALL / 1000}k events`,
        target: "≤ 0.6 MB",
        value: results["heap.after"].median["frappe-realtime"] / 1024,
        ok: results["heap.after"].median["frappe-realtime"] <= 0.6 * 1024,
        shown: (results["heap.after"].median["frappe-realtime"] / 1024).toFixed(2) + " MB",
    },
    { what: "shipped size, gzip", target: "≤ 14.5 KB", value: ours.gzip / 1024, ok: ours.gzip <= 14.5 * 1024, shown: (ours.gzip / 1024).toFixed(1) + " KB" },
];

function fmt(v, digits) {
    if (v === null || v === undefined || !Number.isFinite(v)) return "–";
    if (digits === undefined) digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
    return v.toFixed(digits);
}
function fmtRatio(v) {
    return v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(2) + "×";
}
function fmtSigned(v) {
    return v === null || !Number.isFinite(v) ? "–" : (v >= 0 ? "+" : "") + v.toFixed(1);
}

// ---------------------------------------------------------------------------- output
const osName = safe(() => /^PRETTY_NAME="?([^"\n]*)/m.exec(fs.readFileSync("/etc/os-release", "utf8"))[1]);
const machine = {
    os: `${osName ? osName + ", " : ""}${os.type()} ${os.release()}`,
    cpu: os.cpus()[0] ? os.cpus()[0].model.trim() : "unknown",
    cores: os.cpus().length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    chromium: browser.version.product,
    rustc: safe(() => execFileSync("rustc", ["--version"], { encoding: "utf8" }).trim()),
    wasmBindgen: safe(() => execFileSync("wasm-bindgen", ["--version"], { encoding: "utf8" }).trim()),
};
function safe(f) {
    try {
        return f();
    } catch {
        return null;
    }
}
const commandLine = ["npm run bench", ...(argv.length ? ["--", ...argv] : [])].join(" ");
const out = {
    date: new Date().toISOString(),
    command: commandLine,
    machine,
    config: { runs: RUNS, smallEvents: SMALL, largeEvents: LARGE, clients, fastReconnectDelayMs: FAST_DELAY, pkg: path.relative(ROOT, PKG) || PKG },
    method: {
        driver: "Chromium launched with --remote-debugging-pipe; raw DevTools protocol (no Network domain, no automation framework)",
        time: "measured by the page: performance.now() from emitting bench_go to the n-th callback",
        cpu: "Performance.getMetrics (timeDomain threadTicks: main-thread CPU time) TaskDuration / ScriptDuration deltas around the run, divided by n",
        heap: "HeapProfiler.collectGarbage ×2, then Runtime.getHeapUsage().usedSize",
        connect: "performance.now() in the page's connect callback (from navigation start), fresh browser context each load; per run the median of 3 loads",
        reconnect: "Node clock: server closed with every TCP connection destroyed and restarted on the same port → the page's doc_subscribe received",
        sizes: "gzip -9 (zlib level 9) and brotli quality 11 of each file, summed",
    },
    targets,
    results,
    sizes,
    codec,
    runs,
};
fs.mkdirSync(OUT, { recursive: true });
fs.writeFileSync(path.join(OUT, "latest.json"), JSON.stringify(out, null, 2) + "\n");
fs.writeFileSync(path.join(OUT, "chart.svg"), renderChart(out));

const table = renderTable(out);
console.log(table);
if (writeDocs) updateDocs(out, table);
log(`==> wrote ${path.relative(ROOT, OUT) || "."}/latest.json, chart.svg` + (writeDocs ? ", docs/benchmarks.md" : ""));

function renderTable(o) {
    const lines = [];
    lines.push("| figure | frappe-realtime | socket.io-client | floor | ours / floor | socket.io-client / floor | ours / socket.io-client |");
    lines.push("|---|---:|---:|---:|---:|---:|---:|");
    for (const [key] of FIGURES) {
        const row = o.results[key];
        const m = (c) => (row.median[c] === undefined ? "–" : fmt(row.median[c]));
        lines.push(
            `| ${row.label} (${row.unit}) | ${m("frappe-realtime")} | ${m("socket.io-client")} | ${m("floor")} | ` +
                `${fmtRatio(row.ratio["frappe-realtime/floor"])} | ${fmtRatio(row.ratio["socket.io-client/floor"])} | ` +
                `${fmtRatio(row.ratio["frappe-realtime/socket.io-client"])} |`,
        );
    }
    if (o.results.wasmMemoryKB) lines.push(`| wasm linear memory after the runs (KB, not in the JS heap) | ${fmt(o.results.wasmMemoryKB)} | – | – | | | |`);
    const s = o.sizes;
    const kb = (b) => (b / 1024).toFixed(1);
    for (const k of ["raw", "gzip", "brotli"]) {
        lines.push(
            `| shipped size, ${k} (KB) | ${kb(s["frappe-realtime"][k])} | ${kb(s["socket.io-client"][k])} | – | | | ` +
                `${fmtRatio(s["frappe-realtime"][k] / s["socket.io-client"][k])} |`,
        );
    }
    if (o.codec) {
        lines.push("");
        lines.push("| native codec (Rust, release, one core) | packets/s | MB/s |");
        lines.push("|---|---:|---:|");
        for (const c of o.codec.cases) {
            lines.push(`| ${c.name} (${c.bytes} B) | ${(c.packetsPerSec / 1e6).toFixed(2)} M | ${((c.packetsPerSec * c.bytes) / 1e6).toFixed(0)} |`);
        }
    }
    lines.push("");
    lines.push("| target | goal | measured | met |");
    lines.push("|---|---|---:|:---:|");
    for (const t of o.targets) lines.push(`| ${t.what} | ${t.target} | ${t.shown} | ${t.ok ? "yes" : "**no**"} |`);
    return lines.join("\n");
}

function updateDocs(o, tableText) {
    const file = path.join(ROOT, "docs/benchmarks.md");
    const begin = "<!-- BEGIN bench/run.js: latest figures -->";
    const end = "<!-- END bench/run.js -->";
    const m = o.machine;
    const files = o.sizes["frappe-realtime"].files
        .map((f) => `| \`${f.file}\` | ${f.raw} | ${f.gzip} | ${f.brotli} |`)
        .join("\n");
    const block = [
        begin,
        "",
        `Measured ${o.date.slice(0, 10)} with \`${o.command}\` (${o.config.runs} runs, medians; ratios are medians of per-run ratios).`,
        `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, ${m.os}; ${m.chromium}; Node ${m.node}; ${m.rustc}; ${m.wasmBindgen}.`,
        "",
        tableText,
        "",
        "Shipped files (bytes):",
        "",
        "| file | raw | gzip | brotli |",
        "|---|---:|---:|---:|",
        files,
        "",
        "![chart](bench/chart.svg)",
        "",
        end,
    ].join("\n");
    let text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : `# Benchmarks\n\n${begin}\n${end}\n`;
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    if (i === -1 || j === -1) text = text.trimEnd() + "\n\n" + block + "\n";
    else text = text.slice(0, i) + block + text.slice(j + end.length);
    fs.writeFileSync(file, text);
}
