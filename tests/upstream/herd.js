#!/usr/bin/env node
// A small reconnect herd against Frappe's OWN realtime server (tests/upstream/frappe-env.js):
// without the companion app, with it, and with it and joins answered: N clients in Chromium
// (tests/e2e/pages/herd.html, several per page), each in R document rooms; Frappe's server
// killed (SIGKILL) and started again after 2 s while the web server refuses beyond its
// workers (4 × 10 ms, no queue, like gunicorn behind nginx with a full backlog). Reports,
// per client: when every client was connected and every room back after the node was,
// the web server's calls and refusals. Rooms are observed as clients see them: an event
// published to each room through Redis reaches its client (herd-probe.js: a round every
// 250 ms).
// A measurement, not a test (nothing asserted); not in `npm test`.
//
//   node tests/upstream/herd.js <Frappe checkout> [--clients 60] [--per-page 10] [--rooms 3]
//     [--limit-s 180]

import { ensureBuilt } from "../../scripts/start.js";

const args = process.argv.slice(2);
const value = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
};
const checkout = args[0];
if (!checkout || checkout.startsWith("--")) {
    console.error("usage: node tests/upstream/herd.js <Frappe checkout> [--clients N] [--per-page K] [--rooms R] [--limit-s S]");
    process.exit(2);
}
const CLIENTS = Number(value("--clients", 60));
const PER_PAGE = Number(value("--per-page", 10));
const ROOMS = Number(value("--rooms", 3));
const LIMIT_MS = Number(value("--limit-s", 180)) * 1000;
const CAPACITY = { workers: 4, serviceMs: 10, queue: 0 };

await ensureBuilt({ log: console.error, tools: ["chromium", "redis-server"] });
const { startFrappeEnv, describeCheckout } = await import("./frappe-env.js");
const { launchBrowser } = await import("../e2e/harness.js");
const { openHerdPages, herdStatus } = await import("../../bench/herd-run.js");
const { installProbes, measureHerd, settled } = await import("./herd-probe.js");

const rooms = [];
for (let i = 0; i < CLIENTS; i++) for (let j = 0; j < ROOMS; j++) rooms.push(`doc:ToDo/H-${i}-${j}`);

/** One run: `app` installs the companion app on the site, `acks` turns joinAcks on in
 *  every client. */
async function run(browser, { app, acks }) {
    const env = await startFrappeEnv({ checkout, apps: app ? ["frappe", "realtime_acks"] : ["frappe"] });
    const contexts = [];
    const pages = [];
    try {
        const query = { lib: "frappe-realtime", ...(acks ? { acks: 1 } : {}) };
        await openHerdPages({ browser, webUrl: env.webUrl, clients: CLIENTS, perPage: PER_PAGE, rooms: ROOMS, query, contexts, pages });
        const publish = (room, message) => env.publish({ event: "probe", room, message });
        await installProbes(pages);
        await settled({ pages, rooms, clients: CLIENTS, publish });
        // The herd: the web server refuses beyond its workers; the node crashes and is back after 2 s.
        env.web.setCapacity(CAPACITY);
        await env.restartRealtime({ downMs: 2000 });
        const back = Date.now();
        const { connectedMs, roomsMs, roomsBack, missing } = await measureHerd({ pages, rooms, clients: CLIENTS, publish, back, limitMs: LIMIT_MS });
        const cap = env.web.state().capacity;
        const sum = (a) => (a || []).reduce((x, y) => x + y, 0);
        const s = await herdStatus(pages);
        // Clients none of whose rooms a probe reaches: connected, but not in the site's
        // namespace the events go to (socket.io closes an emptied namespace while sockets
        // are still in its middleware: README, "a caveat of the server").
        const byClient = new Map();
        for (const r of missing) {
            const c = r.split("-")[1];
            byClient.set(c, (byClient.get(c) || 0) + 1);
        }
        const whole = [...byClient.values()].filter((n) => n === ROOMS).length;
        return {
            lib: acks ? "frappe-realtime (joins answered)" : "frappe-realtime",
            app,
            connectedMs,
            roomsMs,
            roomsBack,
            calls: cap.arrived,
            refused: cap.refused,
            refusedJoins: sum(cap.refusedBy.permission),
            refusedConnects: sum(cap.refusedBy.userInfo),
            gaveUp: s.gaveUp,
            clientsWithNoRoomReached: whole,
            roomsMissingElsewhere: missing.length - whole * ROOMS,
        };
    } finally {
        for (const ctx of contexts) await ctx.close().catch(() => {});
        await env.stop();
    }
}

const browser = await launchBrowser();
try {
    console.error(`Frappe: ${describeCheckout(checkout)}; ${CLIENTS} clients × ${ROOMS} rooms, ${PER_PAGE} per page; web ${JSON.stringify(CAPACITY)}`);
    for (const spec of [
        { app: false, acks: false },
        { app: true, acks: false },
        { app: true, acks: true },
    ])
        console.log(JSON.stringify(await run(browser, spec)));
} finally {
    await browser.close();
}
