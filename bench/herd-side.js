// What a herd run (herd-run.js) reads from its cluster of realtime nodes and web server
// (tests/server/cluster.js) and does to it, as async calls: the same methods serve a
// cluster in the run's own process (`herdSide(cluster)`, the small herd of `npm test`)
// and one in a process of its own (herd-cluster.js, `npm run bench:herd`), where the
// run's work with the browsers does not delay the nodes' and the web server's.

import { monitorEventLoopDelay } from "node:perf_hooks";
import { admissionGateOf as gateOf, setAdmission } from "../tests/server/companion-app.js";

/** Whether a room is one the herd's pages join (tests/e2e/pages/herd.html: doc:ToDo/H-<i>-<j>). */
export const isHerdRoom = (r) => r.startsWith("doc:ToDo/H-");

/**
 * Starts timing this process's event loop (a 10 ms timer, perf_hooks'
 * monitorEventLoopDelay) and its CPU time; `stop()` returns {p50, p90, p99, max}: how
 * late the timer ran, in ms, the 10 ms included, and `cpuMs`, user and system.
 */
export function loopTimer() {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const cpu0 = process.cpuUsage();
    return {
        stop() {
            h.disable();
            const ms = (n) => n / 1e6;
            const cpu = process.cpuUsage(cpu0);
            return { p50: ms(h.percentile(50)), p90: ms(h.percentile(90)), p99: ms(h.percentile(99)), max: ms(h.max), cpuMs: (cpu.user + cpu.system) / 1000 };
        },
    };
}

/** How many (socket, herd room) pairs `sockets` hold. */
export function pairsOf(sockets) {
    let n = 0;
    for (const s of sockets) for (const r of s.rooms) if (isHerdRoom(r)) n++;
    return n;
}

/** The herd run's view of a cluster started in this process. */
export function herdSide(cluster) {
    // Each start of a node is counted apart (its counters start at 0).
    const starts = new WeakMap();
    let started = 0;
    const startOf = (server) => {
        if (!starts.has(server)) starts.set(server, ++started);
        return starts.get(server);
    };
    let loop = null;
    return {
        webUrl: cluster.webUrl,
        /** The web server's capacity for the realtime server's calls (capacity.js), or none. */
        async setCapacity(capacity) {
            cluster.web.setCapacity(capacity);
        },
        /** That capacity's stats (capacity.js), or null. */
        async capacity() {
            return cluster.web.state().capacity;
        },
        async stopNode(i, opts) {
            await cluster.stopNode(i, opts);
        },
        async startNode(i) {
            await cluster.startNode(i);
        },
        /** Every running node's sockets of the site (cluster.js `sockets()`). */
        async sockets() {
            return cluster.sockets();
        },
        /** The sockets in a namespace their node had closed (cluster.js `orphans()`). */
        async orphans() {
            return cluster.orphans();
        },
        /** {live, all}: the herd's (socket, room) pairs the live sockets hold, and whether
         *  they and the orphaned sockets' make `expected` (walked only when `live` does not). */
        async pairs(expected) {
            const live = pairsOf(cluster.sockets());
            return { live, all: live === expected || live + pairsOf(cluster.orphans()) === expected };
        },
        /** Each running node's refusals and dropped joins so far, by message, keyed by
         *  the node's start. */
        async nodeErrors() {
            return cluster.nodes
                .filter((n) => n.server)
                .map((n) => {
                    const c = n.server.counters;
                    // Only refusals for a failed web server call (the herd sends nothing else wrong).
                    const connect = Object.fromEntries(Object.entries(c.connectErrors).filter(([k]) => k.startsWith("Unauthorized")));
                    return { start: startOf(n.server), connect, permission: { ...c.permissionErrors }, fetch: { ...c.fetchFailures } };
                });
        },
        /** The companion app's admission on or off for the calls made from now on (it
         *  reads `REALTIME_ACKS_ADMISSION` at each call, in the process the nodes run in). */
        async setAdmission(on) {
            setAdmission(on);
        },
        /** Starts timing the event loop of the process the cluster runs in: the nodes'
         *  and the web server's (`loopTimer`). */
        async loopStart() {
            loop = loopTimer();
        },
        /** `loopTimer`'s figures since loopStart, or null without one. */
        async loopStop() {
            const out = loop && loop.stop();
            loop = null;
            return out;
        },
        /** Per node, null when stopped: its admission's window, calls in flight and
         *  waiting, and its stats since the node started (frappe-app/realtime/admission.js). */
        async gates() {
            return cluster.nodes.map((n) => {
                if (!n.server) return null;
                const g = gateOf(n.server.io);
                return { window: g.window, inFlight: g.inFlight, waiting: g.waiting.length, stats: { ...g.stats } };
            });
        },
    };
}
