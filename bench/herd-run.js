// One herd run (used by bench/herd.js and tests/e2e/herd.test.js): N clients of one
// library in Chromium pages (each page its own browser context, a user's browser), each
// in R document rooms, behind a cluster of realtime nodes
// (tests/server/cluster.js, reached through herd-side.js's calls, in this process or
// its own) whose web server has a bounded capacity; node 1 is killed and
// started again after `downMs`; then, until every client is connected and every room is
// back on the server (or `limitMs` passes), the run samples the pages and the server. A
// socket.io-client run also ends once nothing can change any more: every client is
// connected or has given up, and no room came back for SETTLED_MS (it sends its joins
// at a connect only, so a join the server dropped stays lost).
//
// Measured (times from the moment the killed node answers again, "back"; the server's
// own view for rooms):
//   connectedMs   until every client says it is connected
//   roomsMs       until the servers hold every (socket, room) pair of the herd
//   heldMs        the same, counting the pairs held by orphaned sockets (below)
//   orphaned      {sockets, rooms}: sockets connected into a namespace their node had
//                 closed under them (tests/server/realtime.js, `orphans()`: socket.io closes an
//                 emptied dynamic namespace when its middleware refuses a socket, even
//                 while others are still in it); they hold their rooms, but no event
//                 published to the site reaches them, and rooms/roomsBack leave them out
//   peakUserInfo  most get_user_info calls reaching the web server in one 100 ms bin
//   peakPermission  most permission calls (has_permission) in one 100 ms bin
//   overflowMs    100 ms bins in which the web server refused a call (502) or let one
//                 time out (504), × 100
//   refusedAt     {userInfo, permission}: the calls refused (502) per 100 ms bin from the kill
//   gaveUp        clients that stopped trying (reconnect_failed / failed) and are not connected
//   refusals      connect_errors "Unauthorized: …" the clients saw
//   connectErrors every connect_error the clients saw (refusals, their own timeouts, …)
//   connectErrorsBy  those by message
//   meanHeldMs    what a web server call held its worker on average (the nominal
//                 service time, plus the lateness of the gate's timers on a loaded machine)
//   webIdleMs     the web server's worker time left idle from "back" until every room was
//                 back (or the run ended), over its workers: how much sooner the herd's
//                 calls could have been served had they come sooner
//   handshakeMs   the WebSockets the pages opened after the kill: median and 90th
//                 percentile of the time each took from its creation to its `open` (the
//                 nodes accept upgrades no faster than this machine's CPU lets them), and
//                 how many opened
//   endedMs       when the run stopped sampling (the limit, or settled as above)
//   sent          when the pages sent namespace CONNECTs and doc_subscribes on their
//                 WebSockets, per 100 ms bin from the kill (as `arrivals`, the calls the
//                 web server got): a join sent late was held by its client, one that
//                 reached the web server long after it was sent was held by the node
//   missing       when rooms are missing at the end: the servers' socket count and, for
//                 the first 20 clients short of a room, what the page says (connected,
//                 state, transport, socket id) and what the servers hold for that id
//                 (null when they have no such socket), to tell a lost join from a lost
//                 socket; null when every room is back
//   failedCalls   web server calls that failed for the realtime nodes: refused (502),
//                 timed out (504, or their own 10 s timeout while the call still waited
//                 at the web server), or failed below HTTP
//   nodeErrors    those failures by message: `connect` (the refusals the nodes sent),
//                 `permission` (the joins they dropped), `fetch` (the cause of those that
//                 failed below HTTP)
//   admission     null, or when a node's admission (frappe-app/realtime/admission.js) made
//                 calls: `windows`, [t, node index, window, calls in flight, calls
//                 waiting] every 100 ms, and each node's `stats` since it started
//   loopDelayMs   {p50, p90, p99, max, cpuMs}: how late this process's event loop ran a 10 ms
//                 timer from "back" to the run's end, the 10 ms included (perf_hooks'
//                 monitorEventLoopDelay): where the realtime nodes and the web server
//                 run in this process too (herd-side.js), a busy loop here delays them
//   clusterLoopDelayMs  the same for the process the nodes and the web server run in
//                 (the same process unless herd-cluster.js started them), with `cpuMs`,
//                 the CPU time that process used from "back" to the run's end
//   cpuBusy       [t, share of the machine's CPU time busy since the sample before]
//                 about once a second from "back" (/proc/stat; null elsewhere): whether
//                 the machine, not the web server, set the pace
// null when not reached within `limitMs`.

import { readFileSync } from "node:fs";
import { login, newPage, openPage, waitInPage } from "../tests/e2e/harness.js";
import { sleep } from "../tests/server/util.js";
import { isHerdRoom, loopTimer, pairsOf } from "./herd-side.js";

/** The page's query for one library configuration. */
const LIBS = {
    "frappe-realtime": { lib: "frappe-realtime" },
    // `joinAcks` on, the nodes answering joins with the companion app (frappe-app/,
    // loaded by bench/herd.js's cluster as Frappe loads an installed app's handlers).
    "frappe-realtime (joins answered)": { lib: "frappe-realtime", acks: 1 },
    "socket.io-client (Desk: 3 attempts)": { lib: "socket.io-client", attempts: 3 },
    "socket.io-client (SPA: 5 attempts)": { lib: "socket.io-client", attempts: 5 },
};
export const LIB_NAMES = Object.keys(LIBS);

/**
 * Opens tests/e2e/pages/herd.html for `clients` clients, `perPage` a page, each page in a
 * browser context of its own logged in as alice (see `herdRun`), with `query` (a LIBS
 * entry) besides; pushes the contexts and pages onto the arrays given, for the caller
 * to close even when this throws.
 */
export async function openHerdPages({ browser, webUrl, clients, perPage, rooms, query, contexts, pages }) {
    for (let first = 0; first < clients; first += perPage) {
        const ctx = await browser.newContext();
        contexts.push(ctx);
        const p = await newPage(ctx);
        await login(p, webUrl, "alice@example.com");
        const n = Math.min(perPage, clients - first);
        const q = new URLSearchParams({ clients: String(n), rooms: String(rooms), first: String(first), ...stringify(query) });
        await openPage(p, `/pages/herd.html?${q}`, { siteUrl: webUrl });
        await waitInPage(p, () => window.__ready === true, null, { what: "herd page ready" });
        pages.push(p);
    }
}

/** The herd pages' `__herdStatus()`, summed: {connected, gaveUp, refusals, errors, errorsBy}. */
export async function herdStatus(pages) {
    const all = await Promise.all(pages.map((p) => p.evaluate(() => __herdStatus())));
    return all.reduce(
        (a, s) => ({
            connected: a.connected + s.connected,
            gaveUp: a.gaveUp + s.gaveUp,
            refusals: a.refusals + s.refusals,
            errors: a.errors + s.errors,
            errorsBy: addCounts(a.errorsBy, s.errorsBy),
        }),
        { connected: 0, gaveUp: 0, refusals: 0, errors: 0, errorsBy: {} },
    );
}

/** How long the rooms of a socket.io-client run must stay the same, once every client
 *  is connected or has given up, for the run to end before its limit. */
const SETTLED_MS = 20000;

/** How often a run reads the servers' rooms, and the pages' state. The pages only once a
 *  second: asking a hundred pages every 100 ms kept this process, which then also ran the
 *  realtime nodes and the web server, busy enough to slow the herd it measured (stop 48;
 *  1,000 clients, refusing web server, the app's admission on, default client): its
 *  event loop's 10 ms timer ran after 31 ms at the 90th percentile (14 ms since), the
 *  web server's 10 ms calls held their worker 14.5–15.9 ms on average (11.3–11.7 ms),
 *  every room was back after 25.4–34.4 s over four runs (21.1 and 23.7 s over two;
 *  docs/retry-policy.md, "Stop 48"). */
const SAMPLE_MS = 100;
const STATUS_MS = 1000;

/** The machine's CPU time so far, {busy, total} in clock ticks (/proc/stat's first
 *  line; iowait counts as idle), or null where there is no /proc/stat. */
function cpuTicks() {
    try {
        const [, ...f] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).map(Number);
        const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
        return { busy: total - f[3] - f[4], total };
    } catch {
        return null;
    }
}

/** `cpuTicks()` between two readings: the busy share, 0..1 (null without readings). */
function busyShare(a, b) {
    return a && b && b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : null;
}

/**
 * `ups`: each client's [ms since the epoch, 1 | 0] at each connect and disconnect
 * (herd.html's `__herdUps`, per page). Returns `connected(t)`: how many clients were
 * connected `t` ms after `back`, with `connected.allAt(endMs)`: when all of them first
 * were from `back` on (0 if they were at `back`), null if not by `endMs`.
 */
function connectedCount(ups, back) {
    const clients = ups.flat();
    // One client's own changes keep their order at equal times (the sort is stable).
    const changes = clients.flatMap((c) => c.map(([at, v]) => [at - back, v ? 1 : -1]));
    changes.sort((a, b) => a[0] - b[0]);
    // After the i-th change: its time, and how many were connected then.
    const times = [];
    const counts = [];
    let n = 0;
    for (const [at, d] of changes) {
        n += d;
        times.push(at);
        counts.push(n);
    }
    const connected = (t) => {
        // The last change at or before t (binary search).
        let lo = 0;
        let hi = times.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (times[mid] <= t) lo = mid + 1;
            else hi = mid;
        }
        return lo === 0 ? 0 : counts[lo - 1];
    };
    connected.allAt = (endMs) => {
        if (connected(0) === clients.length) return 0;
        for (let i = 0; i < times.length && times[i] <= endMs; i++) {
            if (times[i] > 0 && counts[i] === clients.length) return times[i];
        }
        return null;
    };
    return connected;
}

/**
 * @param {object} o
 * @param {any} o.side the cluster's herd side (herd-side.js: `herdSide(cluster)` for a
 *   cluster in this process, herd-cluster.js's for one in its own)
 * @param {any} o.browser launchBrowser()'s handle
 * @param {string} o.libName one of LIB_NAMES
 * @param {number} o.clients
 * @param {number} o.perPage
 * @param {number} o.rooms
 * @param {number} o.downMs
 * @param {number} [o.limitMs=60000]
 * @param {object} o.capacity the web server's capacity for this run (capacity.js)
 * @param {(msg: string) => void} [o.log]
 */
export async function herdRun(o) {
    const log = o.log || (() => {});
    const { side } = o;
    const spec = LIBS[o.libName];
    if (!spec) throw new Error(`herd: unknown library ${o.libName}`);
    await side.setCapacity(null); // the setup is not measured
    // One browser context per page, logged in on its own: Chromium lets one network
    // context open one WebSocket to a host at a time (RFC 6455 §4.1) and six HTTP/1.1
    // connections, so a thousand clients in one context would queue behind each other
    // where a thousand users' browsers do not.
    const contexts = [];
    const pages = [];
    const pairs = o.clients * o.rooms;
    const herdPairs = async () => (await side.pairs(pairs)).live;
    try {
        await openHerdPages({ ...o, webUrl: side.webUrl, query: spec, contexts, pages });
        const status = () => herdStatus(pages);
        // Everyone connected and in their rooms before the node goes. A join the
        // server dropped during the setup (a permission call that timed out on a
        // loaded machine) is sent again: the setup is not what is measured.
        const setupStart = Date.now();
        let resent = setupStart;
        for (;;) {
            const s = await status();
            const r = await herdPairs();
            if (s.connected === o.clients && r === pairs) break;
            if (Date.now() > setupStart + 180000) throw new Error(`herd setup: ${s.connected}/${o.clients} connected, ${r}/${pairs} rooms`);
            if (Date.now() - resent > 15000) {
                resent = Date.now();
                await Promise.all(pages.map((p) => p.evaluate(() => __herdResubscribe())));
            }
            await sleep(200);
        }
        const before = await status();
        const errorsBefore = await side.nodeErrors();
        log(`  ${o.libName}: ${o.clients} clients, ${pairs} rooms; killing node-1`);
        await side.setCapacity(o.capacity);
        const kill = Date.now();
        await side.stopNode(0, { abrupt: true });
        await sleep(Math.max(0, o.downMs - (Date.now() - kill)));
        await side.startNode(0);
        const back = Date.now();
        const loop = loopTimer();
        await side.loopStart();
        const cpuBusy = []; // [t, busy share since the sample before]
        let ticks = cpuTicks();
        const limit = back + (o.limitMs ?? 60000);
        // The servers' rooms every SAMPLE_MS; the pages' state every STATUS_MS only (see
        // there). When every client was connected is read afterwards from their own
        // records of each connect and disconnect, to the millisecond.
        const samples = []; // [t, rooms held by live sockets, every room held counting orphans']
        const windows = []; // [t, node, window, in flight, waiting] of each node whose admission made calls
        let last = before;
        let statusAt = -Infinity;
        let endedAt = null;
        let roomsSince = { rooms: -1, at: 0 };
        while (Date.now() < limit) {
            const t = Date.now() - back;
            const { live: r, all: held } = await side.pairs(pairs);
            samples.push([t, r, held]);
            for (const [i, g] of (await side.gates()).entries()) {
                if (g && g.stats.made > 0) windows.push([t, i, g.window, g.inFlight, g.waiting]);
            }
            if (t - statusAt >= STATUS_MS || (held && last.connected === o.clients)) {
                const now = cpuTicks();
                const share = busyShare(ticks, now);
                if (share !== null) cpuBusy.push([t, Math.round(share * 1000) / 1000]);
                ticks = now;
                last = await status();
                statusAt = t;
                // Asked again just now: every client connected and every room held.
                if (held && last.connected === o.clients) break;
            }
            if (r !== roomsSince.rooms) roomsSince = { rooms: r, at: t };
            if (spec.lib === "socket.io-client" && last.connected + last.gaveUp === o.clients && t - roomsSince.at >= SETTLED_MS) {
                endedAt = t;
                break;
            }
            await sleep(SAMPLE_MS);
        }
        endedAt ??= Date.now() - back;
        const loopDelay = loop.stop();
        const clusterLoop = await side.loopStop();
        last = await status();
        const gate = await side.capacity();
        const sockets = (await Promise.all(pages.map((p) => p.evaluate(() => window.__sockets)))).flat();
        const sent = await Promise.all(pages.map((p) => p.evaluate(() => window.__sent)));
        const connected = connectedCount(await Promise.all(pages.map((p) => p.evaluate(() => __herdUps()))), back);
        const timeline = samples.map(([t, r]) => [t, connected(t), r]);
        const firstWhen = (ok) => samples.find(([t, r, held]) => ok(r, held) && connected(t) === o.clients)?.[0] ?? null;
        const roomsMs = firstWhen((r) => r === pairs);
        const orphans = await side.orphans();
        const roomsBack = await herdPairs();
        const missing = roomsBack === pairs ? null : await missingRooms(await side.sockets(), orphans, pages, o.perPage, o.rooms);
        const errors = since(await side.nodeErrors(), errorsBefore);
        const gates = await side.gates();
        // Bins from the gate's start (the kill); the kill and the restart in bins.
        const by = gate.arrivalsBy || {};
        const peak = (a) => (a || []).reduce((x, y) => Math.max(x, y), 0);
        return {
            lib: o.libName,
            clients: o.clients,
            rooms: o.rooms,
            downMs: o.downMs,
            connectedMs: connected.allAt(endedAt),
            roomsMs,
            heldMs: firstWhen((r, held) => held),
            orphaned: { sockets: orphans.length, rooms: pairsOf(orphans) },
            roomsBack,
            roomsExpected: pairs,
            peakUserInfo: peak(by.userInfo),
            peakPermission: peak(by.permission),
            userInfoCalls: (by.userInfo || []).reduce((a, b) => a + b, 0),
            permissionCalls: (by.permission || []).reduce((a, b) => a + b, 0),
            overflowMs: gate.fullBins * gate.binMs,
            refused: gate.refused,
            timedOut: gate.timedOut,
            meanHeldMs: gate.meanHeldMs,
            webIdleMs: idleBetween(gate, back - kill, roomsMs ?? endedAt),
            handshakeMs: handshakes(sockets, kill),
            endedMs: endedAt,
            gaveUp: last.gaveUp,
            refusals: last.refusals - before.refusals,
            connectErrors: last.errors - before.errors,
            connectErrorsBy: addCounts(last.errorsBy, before.errorsBy, -1),
            failedCalls: sumOf(errors.connect) + sumOf(errors.permission),
            nodeErrors: errors,
            backAtBin: Math.floor((back - kill) / gate.binMs),
            arrivals: { userInfo: by.userInfo || [], permission: by.permission || [] },
            refusedAt: { userInfo: gate.refusedBy?.userInfo || [], permission: gate.refusedBy?.permission || [] },
            sent: {
                connect: binned(sent.flatMap((s) => s.connect), kill, gate.binMs),
                join: binned(sent.flatMap((s) => s.join), kill, gate.binMs),
            },
            missing,
            admission: windows.length ? { windows, stats: gates.map((g) => g && g.stats) } : null,
            loopDelayMs: loopDelay,
            clusterLoopDelayMs: clusterLoop,
            cpuBusy: ticks ? cpuBusy : null,
            timeline,
        };
    } finally {
        await Promise.all(pages.map((p) => p.evaluate(() => __herdClose()).catch(() => {})));
        await Promise.all(contexts.map((c) => c.close().catch(() => {})));
        const gone = Date.now() + 20000;
        while ((await side.sockets()).length > 0 && Date.now() < gone) await sleep(100);
        await side.setCapacity(null);
    }
}

/** The gate's idle worker time from `fromMs` to `fromMs + forMs` (ms since the gate's
 *  start, whole bins), over its workers: ms of the whole web server idle. */
function idleBetween(gate, fromMs, forMs) {
    const first = Math.floor(fromMs / gate.binMs);
    const last = Math.ceil((fromMs + forMs) / gate.binMs);
    return Math.round(gate.idleMs.slice(first, last).reduce((a, b) => a + b, 0) / gate.workers);
}

/** The clients short of a room (the first 20): the page's view and the servers'. */
async function missingRooms(sockets, orphans, pages, perPage, rooms) {
    const orphaned = new Set(orphans.map((s) => s.id));
    const held = new Map(sockets.map((s) => [s.id, s]));
    const clients = [];
    for (const [at, p] of pages.entries()) {
        const views = await p.evaluate(() =>
            window.__herd.clients.map((r) => ({ id: r.c.id ?? null, connected: r.c.connected, state: r.c.state ?? null, transport: r.c.transport ?? null })),
        );
        for (const [i, v] of views.entries()) {
            const s = held.get(v.id);
            const own = s ? s.rooms.filter(isHerdRoom) : [];
            if (own.length === rooms) continue;
            const server = s ? { node: s.node, transport: s.transport, rooms: own } : null;
            if (clients.length < 20) clients.push({ client: at * perPage + i, ...v, server, orphaned: orphaned.has(v.id) });
        }
    }
    return { sockets: held.size, clients };
}

/** Counts per `binMs` bin from `from` of the times (ms since the epoch) at or after it. */
function binned(times, from, binMs) {
    const bins = [];
    for (const t of times) {
        if (t < from) continue;
        const i = Math.floor((t - from) / binMs);
        while (bins.length <= i) bins.push(0);
        bins[i]++;
    }
    return bins;
}

/** {p50, p90, opened} of the creation → open times of the WebSockets made after `kill`
 *  (null times when none opened). */
function handshakes(sockets, kill) {
    const took = sockets.filter(([made, open]) => made >= kill && open !== null).map(([made, open]) => open - made);
    took.sort((a, b) => a - b);
    const at = (q) => (took.length ? took[Math.min(took.length - 1, Math.floor(q * took.length))] : null);
    return { p50: at(0.5), p90: at(0.9), opened: took.length };
}

/** Counts by key: `a` plus `sign` × `b` (zeros left out). */
function addCounts(a, b, sign = 1) {
    const out = { ...a };
    for (const [k, v] of Object.entries(b || {})) {
        out[k] = (out[k] || 0) + sign * v;
        if (out[k] === 0) delete out[k];
    }
    return out;
}

/** The errors since `before` (herd-side.js `nodeErrors()`, each node start's), summed
 *  over the nodes, by kind and message (a node started since then counts from 0). */
function since(now, before) {
    const out = { connect: {}, permission: {}, fetch: {} };
    for (const counts of now) {
        const was = before.find((b) => b.start === counts.start) || { connect: {}, permission: {}, fetch: {} };
        // A node's counters only grow: the difference has no negative count.
        for (const kind of Object.keys(out)) {
            out[kind] = addCounts(out[kind], addCounts(counts[kind], was[kind], -1));
        }
    }
    return out;
}

const sumOf = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);

/** @param {Record<string, unknown>} o */
function stringify(o) {
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
}
