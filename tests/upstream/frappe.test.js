// The companion app (frappe-app/) and the built package against Frappe's OWN realtime
// server, from a Frappe checkout given at run time (tests/upstream/frappe-env.js), with
// the stub web server and a real redis-server:
//
//   npm run test:frappe -- <path to a Frappe checkout or its git directory>
//
// Without FRAPPE_CHECKOUT the same tests run against tests/server/realtime.js: `npm
// test` does so (tests/e2e/frappe-suite.test.js), a fresh clone having no Frappe.
//
// Rooms are observed as a client sees them: an event published to a room through Redis
// `events` (as Frappe's Python publishes) arrives, or does not, before a marker published
// after it to the user's own room.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { startFrappeEnv } from "./frappe-env.js";
import { setAdmission } from "../server/companion-app.js";
import { launchBrowser, openRealtime, connected, waitFor } from "../e2e/harness.js";

// The companion app's admission (frappe-app/realtime/admission.js) makes the calls
// the web server refused again instead of failing them; these tests are about what a
// refusal does, so it is off here, but for the last describe (the realtime server's
// process reads it from its environment: set before the server starts).
setAdmission(false);

const CHECKOUT = process.env.FRAPPE_CHECKOUT || null;
const SERVER = CHECKOUT ? `Frappe's realtime server (${CHECKOUT})` : "tests/server/realtime.js";
const ALICE = "alice@example.com";
const BOB = "bob@example.com";

let seq = 0;

/**
 * Publishes a `probe` event to each room, then a marker to `user`'s own room (Frappe's
 * handlers always join it), and waits for the marker: every probe sent before it that
 * would arrive has arrived. `seen()` (sync or async) lists the probes received so far.
 * @returns the rooms whose probe arrived
 */
async function roomsReached(env, user, rooms, seen) {
    const mark = `mark-${++seq}`;
    for (const room of rooms) await env.publish({ event: "probe", room, message: { room, mark } });
    await env.publish({ event: "probe", room: `user:${user}`, message: { room: mark, mark } });
    let got = [];
    await waitFor(async () => (got = await seen()).some((p) => p.room === mark), { what: `the marker ${mark}`, timeout: 10000 });
    return rooms.filter((r) => got.some((p) => p.room === r && p.mark === mark));
}

/** A socket.io-client socket in Node on the site, on a WebSocket, with a session of
 *  `user` (a new one each time); `options` besides. */
const socketOf = (env, user, options = {}) =>
    io(`${env.realtimeUrl}/${env.site}`, {
        forceNew: true,
        transports: ["websocket"],
        extraHeaders: { Origin: env.webUrl, Cookie: `sid=${env.login(user)}` },
        ...options,
    });

/** A socket.io-client in Node, logged in as `user`, connected, with the probes it received. */
async function nodeClient(env, user) {
    const s = socketOf(env, user, { reconnection: false });
    const probes = [];
    s.on("probe", (m) => probes.push(m));
    await new Promise((resolve, reject) => {
        s.once("connect", resolve);
        s.once("connect_error", reject);
    });
    return { s, probes, ask: (...args) => s.timeout(10000).emitWithAck(...args) };
}

/**
 * Leaves a socket in a site namespace socket.io has closed (see frappe-app's
 * handlers.js, "site namespaces"): after a restart (the app not loaded yet by the new
 * process, no socket in the namespace), with a web
 * server of one worker and no queue, client `a` is in Frappe's authentication (its
 * get_user_info call holds the worker for 3 s) when client `b` is refused (502, so
 * `Unauthorized: …`), which empties and closes the namespace under `a`. Returns `a`
 * (socket.io-client, which reconnects by itself if its connection is closed) once
 * connected, and what it saw.
 */
async function orphanOne(env) {
    await env.restartRealtime();
    return refusedBeside(env);
}

/** Client `a` in Frappe's authentication (its get_user_info call holds the only worker
 *  3 s) while client `b` is refused; returns `a` once connected, and what it saw. */
async function refusedBeside(env) {
    env.web.setCapacity({ workers: 1, serviceMs: 3000, queue: 0 });
    const seen = { probes: [], disconnects: [], connects: 0 };
    let a;
    try {
        a = socketOf(env, ALICE, { reconnectionDelay: 200, reconnectionDelayMax: 500 });
        a.on("probe", (m) => seen.probes.push(m));
        a.on("disconnect", (reason) => seen.disconnects.push(reason));
        a.on("connect", () => seen.connects++);
        await waitFor(() => env.web.state().capacity.arrived >= 1, { what: "a's get_user_info at the web server" });
        const b = socketOf(env, BOB, { reconnection: false });
        const refused = await new Promise((resolve) => {
            b.once("connect", () => resolve(null));
            b.once("connect_error", (e) => resolve(e.message));
        });
        b.disconnect();
        assert.match(String(refused), /^Unauthorized/, "b refused while a was in the middleware");
        await waitFor(() => seen.connects >= 1, { what: "a connected", timeout: 10000 });
    } finally {
        env.web.setCapacity(null);
    }
    return { a, seen };
}

/** Asserts that socket.io-client `a` hears an event to its user's room on the connection
 *  it made (none closed, none made again), then disconnects it. */
async function hearsOnItsConnection(env, { a, seen }) {
    try {
        await waitFor(async () => (await roomsReached(env, ALICE, [`user:${ALICE}`], () => seen.probes)).length === 1, {
            what: "an event to the user's room reaches a",
            timeout: 10000,
        });
        assert.equal(seen.connects, 1, "a connected once");
        assert.deepEqual(seen.disconnects, [], "and was not sent back to connect again");
    } finally {
        a.disconnect();
    }
}

/** The page's probes, collected from `frappe.realtime.on("probe")`. */
const pageProbes = (page) => page.evaluate(() => window.__probes || []);
const collectProbes = (page) =>
    page.evaluate(() => {
        window.__probes = [];
        frappe.realtime.on("probe", (m) => window.__probes.push(m));
    });

/** Disconnects the page's client and closes it (Frappe's server has no state to wait on). */
async function closePage(page) {
    await page.evaluate(() => frappe.realtime.socket && frappe.realtime.socket.disconnect());
    await page.close();
}

describe(`${SERVER} with the companion app`, () => {
    let env;
    let browser;
    before(async () => {
        env = await startFrappeEnv({ checkout: CHECKOUT });
        browser = await launchBrowser();
    });
    after(async () => {
        if (browser) await browser.close();
        if (env) await env.stop();
    });

    test("the app's answers on the wire: taken, refused, failed; doc_open and joins without an ack go to Frappe's handlers", async () => {
        const a = await nodeClient(env, ALICE);
        const b = await nodeClient(env, BOB);
        try {
            assert.equal(await a.ask("doc_subscribe", "ToDo", "TD-C1"), true);
            assert.equal(await a.ask("doctype_subscribe", "Note"), true);
            assert.equal(await a.ask("doc_subscribe", "Secret", "S-2"), false);
            assert.equal(await a.ask("task_subscribe", "job-c"), true);
            assert.equal(await a.ask("doc_subscribe", "ToDo", ""), false, "an empty name");
            const rooms = ["doc:ToDo/TD-C1", "doctype:Note", "task_progress:job-c", "doc:Secret/S-2", "doc:ToDo/"];
            assert.deepEqual(await roomsReached(env, ALICE, rooms, () => a.probes), rooms.slice(0, 3));
            // One worker and no queue: of two permission calls at once, one is refused (502)
            // and answered {error}; Frappe's own handlers would drop that join silently.
            env.web.setCapacity({ workers: 1, serviceMs: 1000, queue: 0 });
            let answers;
            try {
                answers = await Promise.all([a.ask("doc_subscribe", "ToDo", "TD-C2"), a.ask("doc_subscribe", "ToDo", "TD-C3")]);
            } finally {
                env.web.setCapacity(null);
            }
            const kinds = answers.map((x) => (x === true ? "taken" : typeof x?.error === "string" ? "failed" : JSON.stringify(x)));
            assert.deepEqual([...kinds].sort(), ["failed", "taken"]);
            const taken = answers[0] === true ? "doc:ToDo/TD-C2" : "doc:ToDo/TD-C3";
            assert.deepEqual(await roomsReached(env, ALICE, ["doc:ToDo/TD-C2", "doc:ToDo/TD-C3"], () => a.probes), [taken]);
            // Without an ack: Frappe's doc_subscribe handler joins.
            a.s.emit("doc_subscribe", "ToDo", "TD-C4");
            await waitFor(async () => (await roomsReached(env, ALICE, ["doc:ToDo/TD-C4"], () => a.probes)).length === 1, {
                what: "doc:ToDo/TD-C4 joined by Frappe's handler",
                timeout: 10000,
            });
            // doc_open (with an ack, never answered, and without): Frappe's handler, whose
            // doc_viewers lists both viewers.
            const viewers = [];
            a.s.on("doc_viewers", (v) => viewers.push(v));
            a.s.emit("doc_open", "ToDo", "TD-C1", () => assert.fail("doc_open is Frappe's: never answered"));
            b.s.emit("doc_open", "ToDo", "TD-C1");
            await waitFor(() => viewers.some((v) => v.docname === "TD-C1" && v.users.length === 2), {
                what: "doc_viewers with alice and bob",
                timeout: 10000,
            });
            assert.deepEqual([...viewers.at(-1).users].sort(), [ALICE, BOB]);
        } finally {
            a.s.disconnect();
            b.s.disconnect();
        }
    });

    test("joinAcks in Chromium: a join the web server refused is sent again and taken; a denied one is not joined", async () => {
        const ctx = await browser.newContext();
        const page = await openRealtime(ctx, env, { options: { joinAcks: true } });
        await connected(page);
        await collectProbes(page);
        const before = env.web.state().capacity;
        env.web.setCapacity({ workers: 1, serviceMs: 1000, queue: 0 });
        try {
            await page.evaluate(() => {
                frappe.realtime.doc_subscribe("ToDo", "TD-A1");
                frappe.realtime.doc_subscribe("ToDo", "TD-A2");
            });
            await waitFor(() => env.web.state().capacity?.refused >= 1, { what: "a permission call refused" });
        } finally {
            env.web.setCapacity(null);
        }
        assert.equal(before, null, "no capacity before the test set one");
        // Both rooms: the refused join went again (Frappe's handler alone drops it).
        const rooms = ["doc:ToDo/TD-A1", "doc:ToDo/TD-A2"];
        await waitFor(async () => (await roomsReached(env, ALICE, rooms, () => pageProbes(page))).length === 2, {
            what: "both rooms joined, the refused one sent again",
            timeout: 20000,
        });
        await page.evaluate(() => frappe.realtime.doc_subscribe("Secret", "S-1"));
        await page.evaluate(() => frappe.realtime.doc_subscribe("ToDo", "TD-A3"));
        await waitFor(async () => (await roomsReached(env, ALICE, ["doc:ToDo/TD-A3"], () => pageProbes(page))).length === 1, {
            what: "a join after the denied one taken",
            timeout: 10000,
        });
        assert.deepEqual(await roomsReached(env, ALICE, ["doc:Secret/S-1"], () => pageProbes(page)), []);
        await closePage(page);
        await ctx.close();
    });

    test("a socket left in a namespace socket.io closed is moved into the live one: events reach it, its connection kept", async () => {
        await hearsOnItsConnection(env, await orphanOne(env));
    });

    test("once the app is loaded, a refusal while a socket is in the authentication leaves the namespace open: that socket hears the site at once", async () => {
        // The app is loaded with the first connection of the server's process; this
        // socket's leaving empties the namespace, and the next one is held.
        const first = await nodeClient(env, ALICE);
        first.s.disconnect();
        await hearsOnItsConnection(env, await refusedBeside(env));
    });

    test("without joinAcks, Frappe's server restarted: joins its failed permission calls dropped come back by the heal rounds", async () => {
        const ctx = await browser.newContext();
        const page = await openRealtime(ctx, env);
        await connected(page);
        await collectProbes(page);
        const rooms = ["TD-H1", "TD-H2", "TD-H3", "TD-H4"].map((n) => `doc:ToDo/${n}`);
        await page.evaluate(() => ["TD-H1", "TD-H2", "TD-H3", "TD-H4"].forEach((n) => frappe.realtime.doc_subscribe("ToDo", n)));
        await waitFor(async () => (await roomsReached(env, ALICE, rooms, () => pageProbes(page))).length === rooms.length, {
            what: "the rooms joined",
            timeout: 10000,
        });
        // A crash and a restart; meanwhile the web server has one worker and no queue, so
        // the reconnect's joins sent together are refused (502) but one, and Frappe's
        // handlers drop them silently.
        env.web.setCapacity({ workers: 1, serviceMs: 1000, queue: 0 });
        const refusedJoins = () => (env.web.state().capacity.refusedBy.permission || []).reduce((a, b) => a + b, 0);
        let after;
        try {
            await env.restartRealtime({ downMs: 500 });
            await connected(page, "reconnected", 20000);
            await waitFor(refusedJoins, { what: "a join's permission call refused", timeout: 20000 });
            // What the rooms are before any heal round (the first waits 10 s or more).
            after = await roomsReached(env, ALICE, rooms, () => pageProbes(page));
        } finally {
            env.web.setCapacity(null);
        }
        assert.ok(after.length < rooms.length, `a join was dropped: ${after.length} of ${rooms.length} rooms back`);
        // The first heal round comes G to 3G after the reconnect, G = max(10 s, 3 ×
        // (rooms + 1) × the pace the CONNECT's 1 s call set: about 20 s here), and
        // re-sends a join per pace (src/protocol/client/heal.rs): 28 to 48 s measured,
        // up to 70 s by those rules; a loaded machine stretches the pace.
        await waitFor(async () => (await roomsReached(env, ALICE, rooms, () => pageProbes(page))).length === rooms.length, {
            what: "every room back, the dropped joins re-sent by a heal round",
            timeout: 150000,
            interval: 500,
        });
        await closePage(page);
        await ctx.close();
    });

    test("without joinAcks: Frappe's handlers join as before (the app leaves ack-less joins alone)", async () => {
        const ctx = await browser.newContext();
        const page = await openRealtime(ctx, env);
        await connected(page);
        await collectProbes(page);
        await page.evaluate(() => {
            frappe.realtime.doc_subscribe("ToDo", "TD-B1");
            frappe.realtime.doctype_subscribe("Note");
            frappe.realtime.task_subscribe("job-b");
        });
        const rooms = ["doc:ToDo/TD-B1", "doctype:Note", "task_progress:job-b"];
        await waitFor(async () => (await roomsReached(env, ALICE, rooms, () => pageProbes(page))).length === 3, {
            what: "rooms joined by Frappe's handlers",
            timeout: 10000,
        });
        await closePage(page);
        await ctx.close();
    });
});

describe(`${SERVER} without the app`, () => {
    let env;
    let browser;
    before(async () => {
        env = await startFrappeEnv({ checkout: CHECKOUT, apps: ["frappe"] });
        browser = await launchBrowser();
    });
    after(async () => {
        if (browser) await browser.close();
        if (env) await env.stop();
    });

    test("joinAcks on a site without the app: Frappe's handlers take the joins (their ack ids unanswered) and events arrive", async () => {
        const ctx = await browser.newContext();
        const page = await openRealtime(ctx, env, { options: { joinAcks: true } });
        await connected(page);
        await collectProbes(page);
        await page.evaluate(() => {
            frappe.realtime.doc_subscribe("ToDo", "TD-D1");
            frappe.realtime.doctype_subscribe("Note");
        });
        const rooms = ["doc:ToDo/TD-D1", "doctype:Note"];
        await waitFor(async () => (await roomsReached(env, ALICE, rooms, () => pageProbes(page))).length === 2, {
            what: "rooms joined by Frappe's handlers",
            timeout: 10000,
        });
        await closePage(page);
        await ctx.close();
    });

    test("a socket left in a namespace socket.io closed gets no event until it reconnects (the server's caveat the app mends)", async () => {
        const { a, seen } = await orphanOne(env);
        const c = await nodeClient(env, ALICE);
        try {
            // c connected into the namespace events go to; a, connected before, did not.
            const reached = await roomsReached(env, ALICE, [`user:${ALICE}`], () => c.probes);
            assert.deepEqual(reached, [`user:${ALICE}`]);
            assert.ok(a.connected, "a is connected");
            assert.deepEqual(seen.probes, [], "no event reached a");
            assert.deepEqual(seen.disconnects, []);
        } finally {
            a.disconnect();
            c.s.disconnect();
        }
    });
});

describe(`${SERVER} with the companion app's admission on`, () => {
    let env;
    const sockets = [];
    before(async () => {
        // Read by the realtime server's process from its environment (a child process
        // against a checkout, this one against tests/server/realtime.js).
        setAdmission(true);
        env = await startFrappeEnv({ checkout: CHECKOUT });
    });
    after(async () => {
        for (const s of sockets) s.close();
        if (env) await env.stop();
        setAdmission(false);
    });

    test("a herd of CONNECTs and joins at a web server that refuses when busy: none refused, every room reached", async () => {
        // A first connection: Frappe's server loads the app's handler then.
        sockets.push((await nodeClient(env, ALICE)).s);
        env.web.setCapacity({ workers: 2, serviceMs: 20, queue: 0 });
        let clients;
        try {
            clients = Array.from({ length: 20 }, (_, i) => {
                const s = socketOf(env, ALICE, { reconnection: false });
                sockets.push(s);
                const c = { s, rooms: [`doc:ToDo/TD-H${i}a`, `doc:ToDo/TD-H${i}b`], probes: [], refused: null };
                s.on("probe", (m) => c.probes.push(m));
                s.on("connect_error", (e) => (c.refused = e.message));
                // Joins without an ack: Frappe's handlers, whose permission calls go
                // through the app's window too.
                s.on("connect", () => c.rooms.forEach((r) => s.emit("doc_subscribe", "ToDo", r.slice("doc:ToDo/".length))));
                return c;
            });
            await waitFor(() => clients.every((c) => c.s.connected || c.refused), { what: "every socket connected or refused", timeout: 30000 });
            assert.deepEqual(clients.filter((c) => c.refused).map((c) => c.refused), [], "no CONNECT refused");
            // Every join taken: a probe to each room reaches its socket.
            await waitFor(
                async () => {
                    for (const c of clients) if ((await roomsReached(env, ALICE, c.rooms, () => c.probes)).length < c.rooms.length) return false;
                    return true;
                },
                { what: "every room reached", timeout: 30000, interval: 500 },
            );
            assert.ok(env.web.state().capacity.refused > 0, "the web server refused calls, which the app made again");
        } finally {
            env.web.setCapacity(null);
        }
    });
});
