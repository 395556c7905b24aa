#!/usr/bin/env node
// The companion app's admission (frappe-app/realtime/admission.js) alone: a realtime
// server's calls to a web server of bounded capacity, made through the app's window, on
// loopback. No browser, no socket.io: each call is what Frappe's `socket.frappe_request`
// does (a fetch), for a socket whose client stays.
//
//   node bench/admission.js [--calls 4000] [--workers 4] [--service-ms 10] [--down-ms 5000] [--nodes 3]
//                           [--transit-ms 0]
//
// Three runs, one JSON line each:
//   herd  `calls` calls made at once at a web server that refuses (502) when its workers
//         are busy (tests/server/capacity.js, no queue): a node's share of a herd;
//   down  the same, the web server answering every call 502 (nginx before a gunicorn
//         that is not up) for `down-ms`, then as above: a restart of everything;
//   queue the same calls at a web server that queues them however long (gunicorn's
//         backlog): the window must not slow it;
//   nodes the herd shared by `nodes` realtime servers (a window each) at one web server.
// Each: ms until every call was answered (from the start; for `down`, from the web
// server's return too), the least possible (calls × service / workers), the refusals,
// the 100 ms periods with a refusal and the longest run of them, the window at the end.
// `transit-ms`: each call waits half of it before it goes and half after its answer, as
// on a machine whose realtime node is slow to run its event loop (the browser herd's:
// bench/herd-run.js's loopDelayMs), so a worker stays idle that long between two calls.

import http from "node:http";
import { createGate } from "../tests/server/capacity.js";
import { admissionGateOf as gateOf } from "../tests/server/companion-app.js";
import { value } from "./args.js";

const CALLS = Number(value("--calls", 4000));
const WORKERS = Number(value("--workers", 4));
const SERVICE = Number(value("--service-ms", 10));
const DOWN = Number(value("--down-ms", 5000));
const NODES = Number(value("--nodes", 3));
const TRANSIT = Number(value("--transit-ms", 0));
const halfway = () => new Promise((resolve) => setTimeout(resolve, TRANSIT / 2));

/** A web server whose calls go through a capacity gate (`queue`: how many may wait for
 *  a worker); 502 to all until `upAt`. */
async function webServer(upAt, queue) {
    const gate = createGate({ workers: WORKERS, serviceMs: SERVICE, queue });
    let downRefused = 0;
    const server = http.createServer(async (req, res) => {
        if (Date.now() < upAt) {
            downRefused++;
            return res.writeHead(502).end();
        }
        const out = await gate.run(() => 200);
        res.writeHead(out).end();
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${server.address().port}/api/method/frappe.realtime.has_permission`;
    return { url, gate, downRefused: () => downRefused, close: () => new Promise((r) => server.close(r)) };
}

/** Runs of `bins` (100 ms periods with a refusal), longest, in ms. */
function longestRun(bins) {
    const sorted = [...bins].sort((a, b) => a - b);
    let best = 0;
    for (let i = 0, run = 0; i < sorted.length; i++) {
        run = i > 0 && sorted[i] === sorted[i - 1] + 1 ? run + 1 : 1;
        best = Math.max(best, run);
    }
    return best * 100;
}

async function run(name, downMs, queue = 0, nodes = 1) {
    const t0 = Date.now();
    const web = await webServer(t0 + downMs, queue);
    // One socket per realtime server, each server its own window; calls dealt in turn.
    const sockets = Array.from({ length: nodes }, () => ({ nsp: { server: {} }, conn: { readyState: "open" } }));
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    const get = () =>
        new Promise((resolve, reject) => {
            http.get(web.url, { agent }, (res) => {
                res.resume();
                resolve({ status: res.statusCode, ok: res.statusCode === 200, body: null });
            }).on("error", reject);
        });
    const request = TRANSIT > 0 ? () => halfway().then(get).then((res) => halfway().then(() => res)) : get;
    const gates = sockets.map((s) => gateOf(s.nsp.server));
    const calls = Array.from({ length: CALLS }, (_, i) => gates[i % nodes].call(sockets[i % nodes], request));
    const answers = await Promise.all(calls);
    const doneMs = Date.now() - t0;
    const s = web.gate.stats();
    agent.destroy();
    await web.close();
    // The gate's bins count from its creation (t0): refusals while "down" are not its.
    const row = {
        run: name,
        calls: CALLS,
        workers: WORKERS,
        serviceMs: SERVICE,
        downMs,
        nodes,
        transitMs: TRANSIT,
        allMs: doneMs,
        afterUpMs: doneMs - downMs,
        leastMs: Math.round((CALLS * SERVICE) / WORKERS),
        meanHeldMs: Number(s.meanHeldMs.toFixed(1)),
        notOk: answers.filter((a) => a.status !== 200).length,
        refused: s.refused,
        refusedWhileDown: web.downRefused(),
        periodsWithRefusal: s.fullBins,
        longestRunMs: longestRun([...Array(s.idleMs.length).keys()].filter((b) => (s.refusedBy.request || [])[b] > 0)),
        window: gates.map((g) => g.window),
        stats: gates.map((g) => g.stats),
    };
    console.log(JSON.stringify(row));
}

await run("herd", 0);
await run("down", DOWN);
await run("queue", 0, Infinity);
await run("nodes", 0, 0, NODES);
