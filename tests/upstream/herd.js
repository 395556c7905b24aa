#!/usr/bin/env node
// A small reconnect herd against Frappe's OWN realtime server (tests/upstream/frappe-env.js):
// without the companion app, with it, and with it and joins answered: N clients in Chromium
// (tests/e2e/pages/herd.html, several per page), each in R document rooms; Frappe's server
// killed (SIGKILL) and started again after 2 s while the web server refuses beyond its
// workers (4 × 10 ms, no queue, like gunicorn behind nginx with a full backlog). Reports,
// per client: when every client was connected and every room back after the node was,
// the web server's calls and refusals. Rooms are observed as clients see them: an event
// published to each room through Redis reaches its client (a probe round every 500 ms).
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
        // Each client records the probes it receives: {room, mark}.
        for (const p of pages)
            await p.evaluate(() => {
                window.__probes = [];
                window.__herd.clients.forEach((r) => r.c.on("probe", (m) => window.__probes.push(m)));
            });
        const status = () => herdStatus(pages);
        let mark = 0;
        let lastGot = new Set();
        /** How many of the herd's rooms a probe round reaches: it waits for as many
         *  markers (published to the user's room, which every client is in, after the
         *  probes) as a page has clients, or 5 s. A round can under-count the rooms of a
         *  client slow to get its marker, never over-count: "every room back" is only
         *  reported from a round that reached them all. */
        const reached = async () => {
            const m = `m${++mark}`;
            for (const room of rooms) await env.publish({ event: "probe", room, message: { room, mark: m } });
            for (const p of pages) await env.publish({ event: "probe", room: "user:alice@example.com", message: { room: "marker", mark: m } });
            const deadline = Date.now() + 5000;
            let got = new Set();
            for (;;) {
                const lists = await Promise.all(pages.map((p) => p.evaluate((m) => window.__probes.filter((x) => x.mark === m), m)));
                got = new Set(lists.flat().filter((x) => x.room !== "marker").map((x) => x.room));
                const markers = lists.flat().filter((x) => x.room === "marker").length;
                if (markers >= pages.length * PER_PAGE || Date.now() > deadline) break;
                await new Promise((r) => setTimeout(r, 100));
            }
            lastGot = got;
            return got.size;
        };
        const until = async (check, what) => {
            const deadline = Date.now() + 60000;
            while (!(await check())) {
                if (Date.now() > deadline) throw new Error(`setup: ${what}`);
                await new Promise((r) => setTimeout(r, 250));
            }
        };
        await until(async () => (await status()).connected === CLIENTS, "every client connected");
        await until(async () => (await reached()) === rooms.length, "every room joined");
        // The herd: the web server refuses beyond its workers; the node crashes and is back after 2 s.
        env.web.setCapacity(CAPACITY);
        await env.restartRealtime({ downMs: 2000 });
        const back = Date.now();
        let connectedMs = null;
        let roomsMs = null;
        let lastRooms = 0;
        while (Date.now() - back < LIMIT_MS && roomsMs === null) {
            const s = await status();
            if (connectedMs === null && s.connected === CLIENTS) connectedMs = Date.now() - back;
            lastRooms = await reached();
            if (connectedMs !== null && lastRooms === rooms.length) roomsMs = Date.now() - back;
            else await new Promise((r) => setTimeout(r, 500));
        }
        const cap = env.web.state().capacity;
        const sum = (a) => (a || []).reduce((x, y) => x + y, 0);
        const s = await status();
        // Clients none of whose rooms a probe reaches: connected, but not in the site's
        // namespace the events go to (socket.io closes an emptied namespace while sockets
        // are still in its middleware: README, "a caveat of the server").
        const missing = rooms.filter((r) => !lastGot.has(r));
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
            roomsBack: lastRooms,
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
