#!/usr/bin/env node
// `npm run bench:herd`: a reconnect herd. N clients of one site (several per Chromium
// page), each in R document rooms, behind realtime nodes (tests/server/cluster.js: nginx,
// one Redis) whose web server has a bounded capacity (tests/server/capacity.js, like
// gunicorn behind nginx); node 1 is killed and started again after a short outage. Run
// for this client with its default options and for socket.io-client 4.8.4 configured as
// Frappe's Desk (reconnectionAttempts 3) and as the SPAs (5), against a web server that
// queues and one that refuses when busy. Then the same herd on virtual time with the
// client's core itself, at 1,000 and 10,000 clients (`cargo bench --bench fleet`,
// tests/support/fleet.rs). Writes docs/scale.md, docs/bench/herd.json and
// docs/bench/herd.svg (not with --out DIR or --quick).
//
//   node bench/herd.js [--clients 1000] [--per-page 10] [--rooms 3] [--nodes 1]
//                      [--down-ms 2000] [--workers 4] [--service-ms 10] [--limit-ms 2400000]
//                      [--libs a,b] [--webs queue,refuse] [--admission] [--in-process] [--quick]
//                      [--no-fleet] [--out DIR]
//   node bench/herd.js --render docs/bench/herd.json [--fleet]   (writes docs/scale.md and
//                      herd.svg again from a run's JSON, e.g. after a change of the text,
//                      keeping scale.md's hand-written part; --fleet runs the fleet on
//                      virtual time again into that JSON first)
//
// --quick: 100 clients, a 60 s limit, the fleet's 1,000-client rows with one seed,
// written to the system's temp directory. Each run is
// bench/herd-run.js (what is measured is said there).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { ensureBuilt } from "../scripts/start.js";
import { WITH_COMPANION_APP } from "../tests/server/companion-app.js";
import { flag, value } from "./args.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = (...a) => console.error(...a);
// A fresh clone has neither node_modules nor pkg/: set up and build (as `npm start`
// does), then load what needs them.
await ensureBuilt({ log, tools: ["chromium", "redis-server", "nginx"] });
const { startCluster } = await import("../tests/server/cluster.js");
const { startHerdCluster } = await import("./herd-cluster.js");
const { herdSide } = await import("./herd-side.js");
const { launchBrowser } = await import("../tests/e2e/harness.js");
const { herdRun, LIB_NAMES } = await import("./herd-run.js");
const quick = flag("--quick");
const N = Number(value("--clients", quick ? 100 : 1000));
const PER_PAGE = Number(value("--per-page", 10));
const ROOMS = Number(value("--rooms", 3));
const NODES = Number(value("--nodes", 1));
const DOWN = Number(value("--down-ms", 2000));
const WORKERS = Number(value("--workers", 4));
const SERVICE = Number(value("--service-ms", 10));
// How long a run may go on after the node is back. A run of this client ends once every
// room is back, one of socket.io-client once it settles (herd-run.js); the limit only
// bounds a run whose last rooms wait for the later heal rounds, which come up to about
// 1,890 s after a reconnect (six rounds; src/protocol/client/heal.rs), as the fleet
// on virtual time does (benches/fleet.rs, LIMIT_MS).
const LIMIT = Number(value("--limit-ms", quick ? 60000 : 2400000));
const libs = value("--libs", null) ? value("--libs").split(",").map((s) => LIB_NAMES.find((n) => n.startsWith(s))) : LIB_NAMES;
const WEBS = {
    queue: { workers: WORKERS, serviceMs: SERVICE, queue: Infinity, timeoutMs: Infinity },
    refuse: { workers: WORKERS, serviceMs: SERVICE, queue: 0, timeoutMs: Infinity },
};
// The refusing web server again, the companion app's admission on at the nodes for every
// client: what installing the app does to the same herd.
WEBS["refuse+admission"] = WEBS.refuse;
const ADMITTED = new Set(["refuse+admission"]);
const webs = value("--webs", "queue,refuse,refuse+admission").split(",");
for (const w of webs) if (!WEBS[w]) throw new Error(`--webs: no web server ${w} (${Object.keys(WEBS).join(", ")})`);
const OUT = value("--out", null) ? path.resolve(value("--out")) : quick ? path.join(os.tmpdir(), "frappe-realtime-herd") : path.join(ROOT, "docs/bench");
const writeDocs = !quick && !value("--out", null);

/** Where docs/scale.md's hand-written part begins (after a full run, written by hand). */
const HAND_WRITTEN = "## What this run says";

if (value("--render", null)) {
    const file = value("--render");
    const o = JSON.parse(fs.readFileSync(file, "utf8"));
    if (flag("--fleet")) {
        o.fleet = runFleet();
        o.fleetDate = new Date().toISOString();
        fs.writeFileSync(file, jsonLines(o));
    }
    fs.writeFileSync(path.join(ROOT, "docs/bench/herd.svg"), chart(o));
    // The same run rendered again: its hand-written reading (from HAND_WRITTEN on) stays.
    const scale = path.join(ROOT, "docs/scale.md");
    const before = fs.existsSync(scale) ? fs.readFileSync(scale, "utf8") : "";
    const hand = before.indexOf(HAND_WRITTEN);
    fs.writeFileSync(scale, markdown(o) + (hand >= 0 ? before.slice(hand) : ""));
    log(`==> wrote docs/scale.md${hand >= 0 ? " (its hand-written part kept)" : ""}, docs/bench/herd.svg`);
    process.exit(0);
}

const capacityPerS = (WORKERS * 1000) / SERVICE;
const results = [];
// The app's admission (frappe-app/realtime/admission.js: the node paces its calls to the
// web server and makes the refused ones again) only for refuse+admission, or every run
// with --admission: the other rows compare the clients against a node that passes the
// web server's refusals on, as Frappe's does.
const ADMISSION = flag("--admission");
// The nodes load the companion app's handler (frappe-app/), as Frappe's load an installed
// app's: it answers only joins that ask for an ack ("frappe-realtime (joins answered)");
// the other libraries' joins go to Frappe's handlers as without it.
// The nodes and the web server in a process of their own (herd-cluster.js), unless
// --in-process: in this one, as until stop 48, beside the work of driving the browsers.
const IN_PROCESS = flag("--in-process");
const clusterOpts = { nodes: NODES, mode: "round-robin", ...WITH_COMPANION_APP };
const local = IN_PROCESS ? await startCluster(clusterOpts) : null;
const side = local ? herdSide(local) : await startHerdCluster(clusterOpts);
const browser = await launchBrowser();
const chromium = `Chromium ${browser.browser.version()}`;
try {
    for (const web of webs) {
        for (const lib of libs) {
            log(`${web} web server, ${lib}:`);
            let r;
            try {
                await side.setAdmission(ADMISSION || ADMITTED.has(web));
                r = await herdRun({
                    side,
                    browser,
                    libName: lib,
                    clients: N,
                    perPage: PER_PAGE,
                    rooms: ROOMS,
                    downMs: DOWN,
                    limitMs: LIMIT,
                    capacity: WEBS[web],
                    log,
                });
            } catch (err) {
                // A run that could not be made is reported as such; the others go on.
                log(`  run failed: ${err.message}`);
                results.push({ web, lib, error: String(err.message) });
                continue;
            }
            r.web = web;
            results.push(r);
            log(`  connected ${fmtMs(r.connectedMs)}, rooms ${fmtMs(r.roomsMs)} (${r.roomsBack}/${r.roomsExpected}), peak get_user_info ${r.peakUserInfo}/100 ms, permission ${r.peakPermission}/100 ms, gave up ${r.gaveUp}, refusals ${r.refusals} (connect_errors ${r.connectErrors})`);
            log(`  connect_errors by message ${JSON.stringify(r.connectErrorsBy)}`);
            log(`  node errors ${JSON.stringify(r.nodeErrors)}`);
            log(`  this process's event loop ran a 10 ms timer after ${r.loopDelayMs.p50.toFixed(1)} ms (median), ${r.loopDelayMs.p90.toFixed(1)} ms (90 %), ${r.loopDelayMs.max.toFixed(1)} ms at most`);
        }
    }
} finally {
    await browser.close();
    await (local || side).stop();
}

// The fleet on virtual time: deterministic, so one run of each seed says it all.
let fleet = null;
if (!flag("--no-fleet")) {
    fleet = runFleet();
}

const machine = {
    cpu: os.cpus()[0] ? os.cpus()[0].model.trim() : "unknown",
    cores: os.cpus().length,
    node: process.version,
    chromium,
    nginx: nginxVersion(),
};
const config = { clients: N, perPage: PER_PAGE, rooms: ROOMS, nodes: NODES, downMs: DOWN, workers: WORKERS, serviceMs: SERVICE, capacityPerS, limitMs: LIMIT, admission: ADMISSION, inProcess: IN_PROCESS };
const out = { date: new Date().toISOString(), machine, config, results, fleet };
fs.mkdirSync(OUT, { recursive: true });
// One line per run: the per-100 ms arrivals make it long.
fs.writeFileSync(path.join(OUT, "herd.json"), jsonLines(out));
fs.writeFileSync(path.join(OUT, "herd.svg"), chart(out));
const md = markdown(out);
if (writeDocs) fs.writeFileSync(path.join(ROOT, "docs/scale.md"), md);
else fs.writeFileSync(path.join(OUT, "scale.md"), md);
log(`==> wrote ${path.relative(process.cwd(), OUT)}/herd.json, herd.svg${writeDocs ? ", docs/scale.md" : ", scale.md"}`);
process.stdout.write(table(out) + "\n");

/** The fleet on virtual time: `cargo bench --bench fleet`, its runs as JSON. */
function runFleet() {
    // --quick: the 1,000 clients' rows, one seed (a minute instead of a quarter of an hour).
    const only = quick ? ["--clients", "1000", "--seeds", "1"] : [];
    log(`the fleet on virtual time (cargo bench --bench fleet -- ${only.join(" ")}):`);
    const r = spawnSync("cargo", ["bench", "-q", "--bench", "fleet", "--", "--json", ...only], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`cargo bench --bench fleet failed (exit ${r.status})`);
    const runs = JSON.parse(r.stdout);
    log(fleetTable(runs));
    return runs;
}

// ------------------------------------------------------------------------- output

function jsonLines(o) {
    const runs = (list) => (list ? `[\n${list.map((r) => "  " + JSON.stringify(r)).join(",\n")}\n ]` : "null");
    const head = JSON.stringify({ date: o.date, ...(o.fleetDate ? { fleetDate: o.fleetDate } : {}), machine: o.machine, config: o.config });
    return `${head.slice(0, -1)},\n "results": ${runs(o.results)},\n "fleet": ${runs(o.fleet)}\n}\n`;
}

/** The fleet's runs grouped by size and web server, each cell the worst of its seeds. */
function fleetTable(runs) {
    const lines = [
        "| clients | rooms each | workers | ms per call | web server | N / capacity + 2 s | least possible | least, joins unseen | 100 % connected | 100 % rooms | rooms back | peak get_user_info / 100 ms | peak permission / 100 ms | calls refused or timed out | queue overflowing (longest) | given up | refusals seen |",
        "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ];
    const groups = new Map();
    for (const r of runs) {
        const k = `${r.clients}/${r.rooms}/${r.heavyEvery}/${r.heavyRooms}/${r.workers}/${r.serviceMs}/${r.web}`;
        if (!groups.has(k)) groups.set(k, []);
        groups.get(k).push(r);
    }
    const worst = (g, f) => (g.some((r) => r[f] === null) ? null : Math.max(...g.map((r) => r[f])));
    const max = (g, f) => Math.max(...g.map((r) => r[f]));
    const sec = (ms) => (ms === null ? "not within the limit" : `${(ms / 1000).toFixed(1)} s`);
    for (const g of groups.values()) {
        const r = g[0];
        const target = (r.clients + r.roomsTotal) / ((r.workers * 1000) / r.serviceMs) + 2;
        const rooms = r.heavyRooms == null ? `${r.rooms}` : `${r.rooms}, one in ${r.heavyEvery} in ${r.heavyRooms}`;
        lines.push(
            `| ${r.clients} | ${rooms} | ${r.workers} | ${r.serviceMs} | ${r.web} | ${target.toFixed(1)} s | ${r.leastMs == null ? "—" : sec(r.leastMs)} | ${r.leastUnseenMs == null ? "—" : sec(r.leastUnseenMs)} | ${sec(worst(g, "connectedMs"))} | ${sec(worst(g, "roomsMs"))} | ${Math.min(...g.map((x) => x.roomsBack))}/${r.roomsTotal} | ${max(g, "peakUserInfo")} | ${max(g, "peakPermission")} | ${max(g, "failedCalls")} | ${(max(g, "overflowMs") / 1000).toFixed(1)} s (${(max(g, "longestOverflowMs") / 1000).toFixed(1)} s) | ${max(g, "givenUp")} | ${max(g, "refusals")} |`,
        );
    }
    return lines.join("\n");
}

function fmtMs(ms) {
    return ms === null ? "not within the limit" : `${(ms / 1000).toFixed(1)} s`;
}

/** A time of a run: "never" when the run ended before its limit with nothing left to
 *  change (herd-run.js), "not within the limit" when the limit ended it. */
function runMs(r, ms, limitMs) {
    if (ms !== null) return fmtMs(ms);
    return r.endedMs != null && r.endedMs < limitMs ? `never (settled at ${(r.endedMs / 1000).toFixed(0)} s)` : fmtMs(null);
}

/** The herd's work at the capacity the web server had in the run (its calls held a
 *  worker `meanHeldMs`, not the nominal time), plus 2 s: the issue's bound, measured. */
function measuredBound(r, c, fleet) {
    if (!r.meanHeldMs) return "";
    const perS = (c.workers * 1000) / r.meanHeldMs;
    const unseen = unseenAt(r, c, fleet);
    return `${r.meanHeldMs.toFixed(1)} ms (${((r.clients * (1 + r.rooms)) / perS + 2).toFixed(1)} s${unseen})`;
}

/** For a refusing web server: "; joins unseen X s", the fleet's *least, joins unseen* for
 *  the same clients, rooms and workers, scaled to the run's mean call (the model's time is
 *  proportional to the call's); "" without such a fleet row. */
function unseenAt(r, c, fleet) {
    const f = (fleet || []).find(
        (x) => x.web === r.web && x.leastUnseenMs != null && x.clients === r.clients && x.rooms === r.rooms && x.workers === c.workers,
    );
    return f ? `; joins unseen ${((f.leastUnseenMs * r.meanHeldMs) / f.serviceMs / 1000).toFixed(1)} s` : "";
}

function table(o) {
    const lines = [
        "| web server | client | mean call (N / capacity + 2 s) | 100 % connected | 100 % rooms | rooms back | web server idle | WebSocket handshake (median, 90 %) | peak get_user_info / 100 ms | peak permission / 100 ms | calls refused or timed out | queue overflowing | given up | refusals seen |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ];
    for (const r of o.results) {
        if (r.error) {
            lines.push(`| ${r.web} | ${r.lib} | run failed: ${r.error} | | | | | | | | | | | |`);
            continue;
        }
        const lim = o.config.limitMs;
        lines.push(
            `| ${r.web} | ${r.lib} | ${measuredBound(r, o.config, o.fleet)} | ${runMs(r, r.connectedMs, lim)} | ${roomsCell(r, lim)} | ${r.roomsBack}/${r.roomsExpected}${orphanedCell(r)} | ${seconds(r.webIdleMs)} | ${handshakeCell(r.handshakeMs)} | ${r.peakUserInfo} | ${r.peakPermission} | ${r.failedCalls ?? r.refused + r.timedOut} | ${(r.overflowMs / 1000).toFixed(1)} s | ${r.gaveUp} | ${r.refusals} |`,
        );
    }
    return lines.join("\n");
}

/** *100 % rooms*: when the servers held every pair; when some were held only by orphaned
 *  sockets (herd-run.js), when they held them counting those, marked. */
function roomsCell(r, limitMs) {
    if (r.roomsMs === null && r.heldMs != null) return `${fmtMs(r.heldMs)} with orphaned sockets`;
    return runMs(r, r.roomsMs, limitMs);
}

/** The rooms held by orphaned sockets, after *rooms back* (which leaves them out). */
function orphanedCell(r) {
    const o = r.orphaned;
    return o && o.rooms > 0 ? ` (+${o.rooms} on ${o.sockets} orphaned sockets)` : "";
}

/** "1.3 s", or "–" for runs recorded before the figure existed. */
function seconds(ms) {
    return typeof ms === "number" ? `${(ms / 1000).toFixed(1)} s` : "–";
}

function handshakeCell(h) {
    return h && h.p50 !== null ? `${seconds(h.p50)}, ${seconds(h.p90)}` : "–";
}

function markdown(o) {
    const c = o.config;
    const work = c.clients * (1 + c.rooms);
    return `# Scale: a reconnect herd

Written by \`npm run bench:herd\` (bench/herd.js) on ${o.date.slice(0, 10)}; the numbers
below are that run's, nothing else. ${c.clients} clients of one site, ${c.perPage} per
Chromium page (each page its own browser context, as a user's browser: one context opens
one WebSocket to a host at a time), each in ${c.rooms} document rooms, behind ${c.nodes} realtime node${c.nodes > 1 ? "s" : ""}
(tests/server/cluster.js: Debian's nginx, round-robin, one Redis). The node${c.nodes > 1 ? " node-1" : ""} is
killed (its TCP connections dropped, like a crash) and started again ${c.downMs} ms later. The web
server has ${c.workers} workers of ${c.serviceMs} ms each (${c.capacityPerS} calls/s): **queue** waits
for a worker however long; **refuse** answers 502 at once when every worker is busy (gunicorn
behind nginx with a full backlog). Every reconnect costs one \`get_user_info\` call and one
permission call per document room: ${work} calls for the whole herd, ${(work / c.capacityPerS).toFixed(1)} s of
work at full capacity.

Clients: **frappe-realtime** with its default options (it re-joins its rooms itself);
**frappe-realtime (joins answered)** with \`joinAcks\` on, the nodes loading the companion
Frappe app (frappe-app/) that answers its joins (README, "Acknowledged joins"; the other
clients' joins go to Frappe's handlers as without it)${c.admission ? "; the app's admission on for every client (the nodes pace their calls to the web server and make the refused ones again: frappe-app/realtime/admission.js)" : `, its admission off (\`REALTIME_ACKS_ADMISSION=off\`: the nodes pass the web server's refusals on, as Frappe's do)${o.results.some((r) => ADMITTED.has(r.web)) ? " but for **refuse+admission**: the refusing web server again, the admission on for every client (the nodes pace their calls to the web server and make the refused ones again: frappe-app/realtime/admission.js)" : ""}`};
**socket.io-client 4.8.4** as Frappe's Desk configures it (\`reconnectionAttempts: 3\`) and as
the SPAs do (\`5\`), each re-emitting its \`doc_subscribe\`s at every \`connect\` (the best an
application does; Frappe's server restores only \`user:\`, \`website\` and \`all\`). Times are from
the moment the killed node answers again; rooms are counted on the servers.

${table(o)}

![web server calls per 100 ms after the restart](bench/herd.svg)

Machine: ${o.machine.cpu} × ${o.machine.cores}; ${o.machine.chromium}; ${o.machine.nginx}; Node ${o.machine.node}.
Limit per run: ${c.limitMs / 1000} s after the node is back ("not within the limit" = not reached).
Raw numbers, with the calls per 100 ms and each run's timeline: [bench/herd.json](bench/herd.json).

## Reading it

- *100 % rooms* is when the servers hold every (socket, room) pair again. Frappe's server drops a
  \`doc_subscribe\` whose permission call failed (a 502 from a busy web server) without telling the
  client; rooms that never come back show in *rooms back*.
- *mean call* is what a call held its worker on average in the run: the nominal
  ${c.serviceMs} ms, plus how late the web server's timers fired on this machine, which also
  runs the browsers; in brackets the issue's bound (the herd's work at that capacity, + 2 s),
  and for a web server that refuses, the least time to every room back for a client that
  cannot see its joins (*least, joins unseen* below, at that mean call).
- *web server idle*: the web server's workers left idle from the node's return until
  *100 % rooms* (or the run's end), over the workers: the seconds by which the herd could
  have been served sooner had its calls come sooner. On this machine the browsers, the
  nodes and the web server share ${o.machine.cores} cores: when the node accepts
  WebSocket upgrades slowly (*WebSocket handshake*: from a socket's creation to its
  \`open\`, for the sockets opened after the kill), connects reach the web server late.
- ${c.inProcess !== false ? "The nodes and the web server run in the benchmark's own process, one event loop (\`--in-process\`)" : "The nodes and the web server run in a Node process of their own (bench/herd-cluster.js), apart from the benchmark's, which drives the browsers"}: a run
  reads the servers' rooms every 100 ms but asks the pages for their clients' state once a
  second only, and takes when each client connected from the pages' own records afterwards
  (asking a hundred pages every 100 ms slowed the herd it measured; *loopDelayMs* in
  herd.json is how late the benchmark's event loop ran a 10 ms timer during each run,
  *clusterLoopDelayMs* the same for the nodes' process, with its CPU time, and *cpuBusy*
  the machine's busy share about once a second).
- *peak … / 100 ms* is what reached the web server in its busiest 100 ms, against a nominal
  capacity of ${c.capacityPerS / 10} per 100 ms.
- *orphaned sockets*: sockets connected into a site namespace that their node had already
  closed (socket.io closes an emptied namespace when its middleware refuses a socket, even
  while others are still in that middleware, Frappe's \`get_user_info\` call; Frappe sets
  \`cleanupEmptyChildNamespaces\`). They hold their rooms but no event published to the site
  reaches them until they reconnect: a server defect no client can see (README, "Running
  several realtime nodes"). *rooms back* leaves them out; *… with orphaned sockets* is when
  the servers held every pair counting theirs.
- *never (settled at …)*: a socket.io-client run ends once every client is connected or has
  given up and no room came back for 20 s: it sends its joins at a connect only, so nothing
  can change after that.
- *calls refused or timed out*: the web server calls that failed for the realtime node:
  refused (502), or given up after its 10 s wait while the call still queued at the web
  server (which serves it anyway, for nobody), or failed below HTTP. Each one is a refusal
  (\`get_user_info\`) or a dropped join (a permission call).
- *queue overflowing*: the 100 ms periods in which the web server refused a call (502) or
  a caller gave up on one that still waited.
${o.fleet ? fleetMarkdown(o) : ""}`;
}

function fleetMarkdown(o) {
    const f = o.fleet[0];
    const seeds = new Set(o.fleet.map((r) => r.seed)).size;
    return `
## On virtual time: the client's core at up to 10,000 clients

\`cargo bench --bench fleet\` (tests/support/fleet.rs): the client's core itself, default
options (WebSocket), each client in the rooms the table says (${[...new Set(o.fleet.map((r) => r.rooms))].join(" or ")}), against one simulated realtime node
that does what Frappe's does with the web server (a CONNECT costs \`get_user_info\`, a
refusal is \`Unauthorized: …\`, a join whose permission call fails is dropped without a
word), killed and back ${f.downMs} ms later, and a web server of workers × ms per call
that queues without bound (**queue**), queues up to 2,048 calls (gunicorn's default
listen backlog) and refuses (502) beyond (**backlog**), or refuses when every worker is
busy (**refuse**); the realtime node gives up on a call after 10 s, as the test server's
does, and the web server still serves it. **queue (Frappe's 120 s wait)** is the queueing
web server with a node that waits as Frappe's does: it sets no timeout of its own on its
calls to the web server, which go through nginx (120 s in bench's template), as long as
a page waits for its CONNECT's answer. **refuse (node batching 20 ms)**
is the refusing web server with a node that handles what its sockets sent once every 20
ms, all of it together, as the browser runs' node does under the herd: their calls reach
the web server in bursts, and more are refused, long after the herd too
(docs/retry-policy.md, "Stop 37"). **…, joins answered** are three of those again with
every client's \`joinAcks\` on and the node answering each join, as Frappe's does with the
companion app of frappe-app/ (README, "Acknowledged joins"): taken, refused, or failed
when its permission call failed. **…, admission** are the backlog's and the refusing web
server's rows with the node's calls through the companion app's admission
(tests/support/admission.rs, a model of frappe-app/realtime/admission.js: a window of
calls in flight that refusals shrink and served calls grow, the calls beyond it waiting
at the node, a refused call made again), joins blind and answered; in these rows only,
a call and its answer take 1 ms each way between the node and the web server (elsewhere
they arrive at once), and *least possible* and *least, joins unseen*, bounds for a
client's policy alone, do not apply. 1 ms each way between clients and node. Each cell
is the worst of ${seeds} seeds; limit ${f.limitMs / 1000} s.${o.fleetDate ? ` These rows were run again on ${o.fleetDate.slice(0, 10)} (\`node bench/herd.js --render docs/bench/herd.json --fleet\`), after the browser runs above.` : ""} The browser runs above cannot hold 10,000
clients on this machine; here 10,000 clients on 40 workers have the same N / capacity as
1,000 on 4, and 10,000 on 4 workers are a web server ten times too small for its herd.
1,000 clients on calls of 25 and 50 ms stand for the browser runs: their web server's
nominal 10 ms calls took longer on a machine that also ran the browsers (its
\`get_user_info\` calls waited past the realtime server's 10 s). Clients in 20 rooms
stand for connections that hold many: one shared by a browser's tabs holds all their
rooms (190 of them have the browser herd's work, 1,000 five times it); 500 clients of
whom one in ten holds 30 rooms, a site where some do.

*least possible* is computed, not run (\`Fleet::least_rooms_ms\`): the least time in which
any client policy that also brings a page alone back within 400 ms of its server (the
issue's one-page target) could have every room back. Such a page sends its CONNECT within
those 400 ms, and before it nothing tells it how many others do the same: the whole
fleet's \`get_user_info\` calls arrive at once. The herd's calls take their work over the
workers; where the web server takes in more of that burst than it can serve within the
wait (the realtime node's, or the client's own for its CONNECT's answer, 120 s,
whichever is shorter), the rest is served for nobody and called again, and that work
comes on top. Where it exceeds *N / capacity + 2 s*, no client can meet the bound.

*least, joins unseen* is computed too, on a model of a web server that refuses when busy
(\`Fleet::least_unseen_ms\`): Frappe's server drops a join whose permission call was
refused without a word, so a client can only send its joins again, blind. The calls of
clients that know nothing of one another's schedules reach the web server as a Poisson
stream, refused in the share Erlang's B formula gives at its load, whatever the calls'
durations; a CONNECT's refusal is seen and retried. The least time is then the CONNECTs'
work, and each join sent as many times, at the steady load, that gets every one taken
in half of all runs: the least over how many times and that load. A model, not a proof;
only a client that saw when workers are free could do better.

${fleetTable(o.fleet)}
`;
}

function chart(o) {
    const W = 780;
    const H = 170;
    const L = 60;
    const runs = o.results.filter((r) => !r.error);
    const maxBins = Math.max(...runs.map((r) => Math.max(r.arrivals.userInfo.length, r.arrivals.permission.length)), 1);
    const perBin = (r, i) => (r.arrivals.userInfo[i] || 0) + (r.arrivals.permission[i] || 0);
    const peak = Math.max(...runs.map((r) => Math.max(...Array.from({ length: maxBins }, (_, i) => perBin(r, i)))), o.config.capacityPerS / 10, 1);
    const colors = ["#2f6fde", "#9aa3ad", "#d08c2a", "#2a9d5c"];
    const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");
    const panels = [...new Set(runs.map((r) => r.web))];
    const parts = [];
    let y = 24;
    parts.push(`<text x="16" y="${y}" font-weight="bold">Web server calls per 100 ms (get_user_info + permission) from the kill; dashed: capacity</text>`);
    y += 16;
    runs.filter((r) => r.web === panels[0]).forEach((r, k) => {
        parts.push(`<rect x="${16 + k * 190}" y="${y}" width="12" height="4" fill="${colors[k % 4]}"/><text x="${32 + k * 190}" y="${y + 6}" font-size="10">${esc(r.lib)}</text>`);
    });
    y += 20;
    for (const web of panels) {
        const top = y;
        const x = (i) => L + (i / maxBins) * (W - L - 20);
        const yv = (v) => top + H - (Math.min(v, peak) / peak) * H;
        parts.push(`<text x="16" y="${top + 12}" font-size="12">${esc(web)}</text>`);
        parts.push(`<line x1="${L}" y1="${top + H}" x2="${W - 20}" y2="${top + H}" stroke="#999"/>`);
        parts.push(`<line x1="${L}" y1="${yv(o.config.capacityPerS / 10)}" x2="${W - 20}" y2="${yv(o.config.capacityPerS / 10)}" stroke="#c33" stroke-dasharray="4 3"/>`);
        parts.push(`<text x="${L - 6}" y="${yv(peak) + 4}" font-size="10" text-anchor="end">${peak}</text><text x="${L - 6}" y="${top + H}" font-size="10" text-anchor="end">0</text>`);
        runs.filter((r) => r.web === web).forEach((r, k) => {
            const pts = Array.from({ length: maxBins }, (_, i) => `${x(i).toFixed(1)},${yv(perBin(r, i)).toFixed(1)}`).join(" ");
            parts.push(`<polyline fill="none" stroke="${colors[k % 4]}" stroke-width="1.5" points="${pts}"/>`);
            parts.push(`<line x1="${x(r.backAtBin)}" y1="${top}" x2="${x(r.backAtBin)}" y2="${top + H}" stroke="#bbb" stroke-dasharray="2 3"/>`);
        });
        parts.push(`<text x="${W - 20}" y="${top + H + 14}" font-size="10" text-anchor="end">${(maxBins / 10).toFixed(0)} s</text>`);
        y += H + 30;
    }
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" font-family="sans-serif" font-size="13"><rect width="100%" height="100%" fill="#fff"/>${parts.join("")}</svg>\n`;
}

function nginxVersion() {
    const r = spawnSync("/usr/sbin/nginx", ["-v"], { encoding: "utf8" });
    return ((r.stderr || "") + (r.stdout || "")).trim() || "nginx (version unknown)";
}
