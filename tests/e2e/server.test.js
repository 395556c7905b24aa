// Proves the Frappe-compatible test environment (tests/server/) with socket.io-client in
// Node and once in headless Chromium: auth failures with Frappe's exact messages, rooms,
// permission checks, Redis publishing, doc_viewers, restarts and a clean stop.
// Run: node --test tests/e2e/server.test.js

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { io } from "socket.io-client";
import { startEnv } from "../server/env.js";
import { startRealtime, siteFromHeaders, hostnameOf, MESSAGES } from "../server/realtime.js";
import { computeRealtime, progressArgs, frappeJson, publishRealtime } from "../server/publish.js";
import { waitUntil, sleep } from "../server/util.js";
import { launchBrowser, login, newPage, openPage, waitInPage } from "./harness.js";

/** The redis-server processes this test process started (its children), so that other runs on the machine do not count. */
function redisPids() {
    try {
        return execFileSync("pgrep", ["-P", String(process.pid), "-x", "redis-server"], { encoding: "utf8" })
            .trim()
            .split("\n")
            .filter(Boolean)
            .sort();
    } catch {
        return []; // pgrep exits 1 when nothing matches
    }
}

let env;
const sockets = new Set();
const extraServers = new Set();

before(async () => {
    env = await startEnv({ site: "site1" });
});

after(async () => {
    for (const s of sockets) s.disconnect();
    for (const r of extraServers) await r.close({ abrupt: true });
    if (env) await env.stop();
});

/** A socket.io-client socket to the site's namespace with the given credentials. */
function connect({
    user, sid, origin, cookie, headers = {}, nsp = "site1", base, ...opts
} = {}) {
    if (user) sid = env.login(user);
    const h = { ...headers };
    const o = origin === undefined ? env.webUrl : origin;
    if (o) h.Origin = o;
    if (cookie !== undefined) h.Cookie = cookie;
    else if (sid) h.Cookie = `sid=${sid}`;
    const s = io(`${base || env.realtimeUrl}/${nsp}`, {
        forceNew: true,
        reconnection: false,
        timeout: 5000,
        extraHeaders: h,
        ...opts,
    });
    sockets.add(s);
    return s;
}

/** Resolves with {connected: true} or {error: <connect_error message>}. */
function outcome(s, timeout = 5000) {
    return new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ timeout: true }), timeout);
        s.once("connect", () => {
            clearTimeout(timer);
            resolve({ connected: true });
        });
        s.once("connect_error", (err) => {
            clearTimeout(timer);
            resolve({ error: err.message });
        });
    });
}

async function connected(opts) {
    const s = connect(opts);
    const out = await outcome(s);
    assert.deepEqual(out, { connected: true }, `connect as ${opts.user || opts.sid}`);
    return s;
}

function nextEvent(s, name, timeout = 3000) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            s.off(name, on);
            reject(new Error(`no ${name} within ${timeout} ms`));
        }, timeout);
        function on(...args) {
            clearTimeout(timer);
            s.off(name, on);
            resolve(args);
        }
        s.on(name, on);
    });
}

/** Collects `name` events for `ms` milliseconds. */
async function collect(s, name, ms = 300) {
    const got = [];
    const on = (...args) => got.push(args);
    s.on(name, on);
    await sleep(ms);
    s.off(name, on);
    return got;
}

const rooms = (s) => s.timeout(3000).emitWithAck("echo_rooms");

async function waitRooms(s, predicate, what) {
    return waitUntil(async () => {
        const r = await rooms(s);
        return predicate(r) && r;
    }, { timeout: 3000, what });
}

/** A raw Engine.IO v4 polling session, to see the exact packets the server sends. */
async function rawPolling(base, headers) {
    const url = `${base}/socket.io/?EIO=4&transport=polling`;
    const first = await (await fetch(url, { headers })).text();
    assert.equal(first[0], "0", `handshake: ${first}`);
    const { sid } = JSON.parse(first.slice(1));
    const u = `${url}&sid=${sid}`;
    return {
        async send(packet) {
            const r = await fetch(u, {
                method: "POST",
                headers: { ...headers, "Content-Type": "text/plain;charset=UTF-8" },
                body: packet,
            });
            assert.equal(await r.text(), "ok");
        },
        /** Packets received until `ms` passes without a complete poll. */
        async poll(ms = 1000) {
            try {
                const r = await fetch(u, { headers, signal: AbortSignal.timeout(ms) });
                return (await r.text()).split("\x1e");
            } catch {
                return [];
            }
        },
    };
}

// ---- pure rules -------------------------------------------------------------------------

test("site derivation and host names follow Frappe's order", () => {
    assert.equal(hostnameOf("http://127.0.0.1:8000/x"), "127.0.0.1");
    assert.equal(hostnameOf("site1.local:9000"), "site1.local");
    assert.equal(hostnameOf(undefined), undefined);
    assert.equal(siteFromHeaders({ "x-frappe-site-name": "a.com", host: "127.0.0.1" }, "d"), "a.com");
    assert.equal(siteFromHeaders({ host: "127.0.0.1:9000", origin: "http://x.com" }, "d"), "d");
    assert.equal(siteFromHeaders({ host: "localhost:9000" }, "d"), "d");
    assert.equal(siteFromHeaders({ host: "erp.example.com:9000", origin: "https://o.example.com" }, "d"), "o.example.com");
    assert.equal(siteFromHeaders({ host: "erp.example.com:9000" }, "d"), "erp.example.com");
    assert.equal(siteFromHeaders({ host: "127.0.0.1", origin: "http://o.com" }, null), "o.com");
});

test("publish_realtime room rules", () => {
    const r = (args) => computeRealtime(args);
    assert.deepEqual(r({ event: "doc_update", doctype: "ToDo", docname: "T1" }).room, "doc:ToDo/T1");
    assert.deepEqual(r({ event: "x", user: "bob@example.com", doctype: "ToDo", docname: "T1" }).room, "user:bob@example.com");
    assert.deepEqual(r({ event: "x", task_id: "t9", user: "bob" }), { event: "x", message: { task_id: "t9" }, room: "task_progress:t9" });
    assert.deepEqual(r({ event: "x" }), { event: "x", message: {}, room: "all" });
    assert.deepEqual(r({ event: "x", room: "website" }).room, "website");
    assert.deepEqual(r({ task_id: "t1" }).event, "task_progress");
    assert.deepEqual(r({}).event, "global");
    assert.deepEqual(r({ event: "msgprint", message: "hi", session_user: "alice@example.com" }).room, "user:alice@example.com");
    assert.deepEqual(r({ event: "list_update", message: { doctype: "ToDo" }, room: "ignored" }).room, "doctype:ToDo");
    assert.deepEqual(r({ event: "docinfo_update", doctype: "ToDo", docname: "T1", room: "ignored" }).room, "doc:ToDo/T1");
    const p = computeRealtime(progressArgs({ percent: 50, title: "t", session_user: "alice@example.com" }));
    assert.deepEqual(p, {
        event: "progress", message: { percent: 50, title: "t", description: null }, room: "user:alice@example.com",
    });
    assert.equal(computeRealtime(progressArgs({ percent: 5, doctype: "ToDo", docname: "T1" })).room, "doc:ToDo/T1");
    assert.equal(frappeJson({ b: 1, a: "é" }), '{\n "a": "\\u00e9",\n "b": 1\n}');
});

// ---- authentication -----------------------------------------------------------------------

test("auth failures give Frappe's exact messages", async () => {
    const sid = env.login("alice@example.com");
    const cases = [
        [{ sid, origin: "http://evil.example.com" }, "Invalid origin"],
        [{ sid, origin: null }, "Invalid origin"],
        [{ origin: env.webUrl }, "No cookie transmitted."],
        [{ cookie: "foo=bar" }, "No authentication method used. Use cookie or authorization header."],
        [{ sid, nsp: "othersite" }, "Invalid namespace"],
        [{ sid, nsp: "a/b" }, "Invalid namespace"], // not a site namespace at all (socket.io's own)
    ];
    for (const [opts, message] of cases) {
        const s = connect(opts);
        assert.deepEqual(await outcome(s), { error: message }, JSON.stringify(opts));
        s.disconnect();
    }
    assert.equal(env.state().connectErrors["Invalid origin"], 2);
});

test("a failing web server gives Unauthorized: <reason>", async () => {
    const sid = env.login("alice@example.com");
    try {
        env.web.setUserInfoFailure("down");
        const reset = env.state().fetchFailures.UND_ERR_SOCKET || 0;
        assert.deepEqual(await outcome(connect({ sid })), { error: "Unauthorized: TypeError: fetch failed" });
        // The cause below HTTP is counted (the web server closed the connection).
        assert.equal(env.state().fetchFailures.UND_ERR_SOCKET, reset + 1);
        env.web.setUserInfoFailure(500);
        assert.deepEqual(await outcome(connect({ sid })), {
            error: "Unauthorized: TypeError: Cannot read properties of undefined (reading 'user')",
        });
        env.web.setUserInfoFailure("invalid-json");
        const out = await outcome(connect({ sid }));
        assert.match(out.error, /^Unauthorized: SyntaxError: /);
    } finally {
        env.web.setUserInfoFailure(null);
    }
    // A web server that is not there at all (nothing listens on the Origin's port).
    const rt = await startRealtime({ defaultSite: "site1", baseUrl: "http://127.0.0.1:9" });
    extraServers.add(rt);
    const s = connect({ sid, base: rt.url });
    assert.deepEqual(await outcome(s), { error: "Unauthorized: TypeError: fetch failed" });
    // Port 9 is on fetch's list of blocked ports: the call fails before it connects.
    assert.deepEqual(rt.counters.fetchFailures, { "bad port": 1 });
    await rt.close();
});

test("a web server call whose caller gave up is still served, and counted as abandoned", async () => {
    const sid = env.login("alice@example.com");
    const url = `${env.web.url}/api/method/frappe.realtime.get_user_info`;
    const headers = { Cookie: `sid=${sid}` };
    // Each call holds the one worker 500 ms: the second is still unanswered when the
    // web server notices its caller left.
    env.web.setCapacity({ workers: 1, serviceMs: 500 });
    try {
        const gate = () => env.web.state().capacity;
        const first = fetch(url, { headers }).then((r) => r.status);
        const quit = new AbortController();
        const second = fetch(url, { headers, signal: quit.signal }).catch((e) => e.name);
        // The second waits behind the first; its caller gives up (as the realtime
        // server's 10 s timeout does).
        await waitUntil(() => gate().arrived === 2 && gate().waiting === 1, { what: "the second call queued" });
        quit.abort();
        assert.equal(await second, "AbortError");
        assert.equal(await first, 200);
        await waitUntil(() => gate().served === 2 && gate().abandoned === 1, { what: "the abandoned call counted and served anyway" });
        assert.ok(gate().fullBins >= 1, "its bin counts as overflowing");
        assert.equal(gate().refused + gate().timedOut, 0);
    } finally {
        env.web.setCapacity(null);
    }
});

test("v16 wording, and token authentication without a cookie", async () => {
    const rt = await startRealtime({ defaultSite: "site1", cookieMessage: "v16" });
    extraServers.add(rt);
    assert.deepEqual(await outcome(connect({ base: rt.url })), { error: MESSAGES.noCookieV16 });
    assert.equal(MESSAGES.noCookieV16, "Missing cookie and authorization header. Either one needed for authentication.");
    const s = connect({ base: rt.url, headers: { Authorization: "token alice-key:alice-secret" }, transports: ["polling"] });
    assert.deepEqual(await outcome(s), { connected: true });
    assert.deepEqual(await rooms(s), ["all", "user:alice@example.com", "website"]);
    s.disconnect();
    // v15 (the default) needs a Cookie header even with a token.
    const v15 = connect({ headers: { Authorization: "token alice-key:alice-secret" } });
    assert.deepEqual(await outcome(v15), { error: "No cookie transmitted." });
    await rt.close();
});

test("the Invalid-namespace quirk: a CONNECT can follow the CONNECT_ERROR (switchable)", async () => {
    const sid = env.login("alice@example.com");
    const headers = { Origin: env.webUrl, Cookie: `sid=${sid}` };
    const raw = await rawPolling(env.realtimeUrl, headers);
    await raw.send("40/othersite,");
    const packets = [];
    await waitUntil(async () => {
        packets.push(...(await raw.poll(1000)).filter(Boolean));
        return packets.some((p) => p.startsWith("40/othersite,"));
    }, { timeout: 3000, what: "CONNECT after CONNECT_ERROR" });
    assert.equal(packets[0], '44/othersite,{"message":"Invalid namespace"}');
    assert.match(packets[1], /^40\/othersite,\{"sid":"[^"]+"\}$/);

    const strict = await startRealtime({ defaultSite: "site1", namespaceQuirk: false });
    extraServers.add(strict);
    const raw2 = await rawPolling(strict.url, headers);
    await raw2.send("40/othersite,");
    const first = (await raw2.poll(1000)).filter(Boolean);
    assert.deepEqual(first, ['44/othersite,{"message":"Invalid namespace"}']);
    await sleep(300); // the web server answers get_user_info within this
    assert.deepEqual((await raw2.poll(300)).filter(Boolean), []);
    await strict.close();
});

// ---- rooms, events ---------------------------------------------------------------------

test("rooms joined on connect: System User, Website User, Guest", async () => {
    const alice = await connected({ user: "alice@example.com" });
    assert.deepEqual(await rooms(alice), ["all", "user:alice@example.com", "website"]);
    const web = await connected({ user: "guest-ish" });
    assert.deepEqual(await rooms(web), ["user:guest-ish", "website"]);
    const guest = await connected({ sid: "stale-or-unknown" });
    assert.deepEqual(await rooms(guest), ["user:Guest", "website"]);
    const st = env.state();
    const users = st.namespaces["/site1"].sockets.map((s) => s.user).sort();
    assert.deepEqual(users, ["Guest", "alice@example.com", "guest-ish"]);
    for (const s of [alice, web, guest]) s.disconnect();
});

test("doc_subscribe + Redis publish delivers doc_update; list_update, user, all, task rooms", async () => {
    const alice = await connected({ user: "alice@example.com" });
    const website = await connected({ user: "guest-ish" });
    alice.emit("doc_subscribe", "ToDo", "TD-0001");
    alice.emit("doctype_subscribe", "ToDo");
    alice.emit("task_subscribe", "task-1");
    await waitRooms(alice, (r) => r.includes("doc:ToDo/TD-0001") && r.includes("doctype:ToDo"), "rooms joined");
    assert.ok((await rooms(alice)).includes("task_progress:task-1"));

    let got = nextEvent(alice, "doc_update");
    assert.equal(await env.publish({ event: "doc_update", message: { name: "TD-0001", modified: "x" }, doctype: "ToDo", docname: "TD-0001" }), 1);
    assert.deepEqual(await got, [{ name: "TD-0001", modified: "x" }]);

    got = nextEvent(alice, "list_update");
    await env.publish({ event: "list_update", message: { doctype: "ToDo", name: "TD-0001" } });
    assert.deepEqual(await got, [{ doctype: "ToDo", name: "TD-0001" }]);

    got = nextEvent(alice, "msgprint");
    await env.publish({ event: "msgprint", message: "hello", user: "alice@example.com" });
    assert.deepEqual(await got, ["hello"]);

    got = nextEvent(alice, "progress");
    await env.publishProgress({ percent: 30, title: "Importing", task_id: "task-1" });
    assert.deepEqual(await got, [{ percent: 30, title: "Importing", description: null, task_id: "task-1" }]);

    // No user/doc/task/room: room "all", System Users only.
    const allWebsite = collect(website, "notification", 400);
    got = nextEvent(alice, "notification");
    // (the one-shot API: its own Redis connection)
    assert.equal(await publishRealtime({ event: "notification", message: { n: 1 }, site: "site1" }, { redisUrl: env.redisUrl }), 1);
    assert.deepEqual(await got, [{ n: 1 }]);
    assert.deepEqual(await allWebsite, []);

    // room null on the wire: every site namespace (Frappe's build events).
    const both = [nextEvent(alice, "build_event"), nextEvent(website, "build_event")];
    await env.publisher.publishPayload({ event: "build_event", message: { ok: 1 }, room: null, namespace: "site1" });
    assert.deepEqual(await Promise.all(both), [[{ ok: 1 }], [{ ok: 1 }]]);

    // Leaving.
    alice.emit("doc_unsubscribe", "ToDo", "TD-0001");
    await waitRooms(alice, (r) => !r.includes("doc:ToDo/TD-0001"), "left doc room");
    const none = collect(alice, "doc_update", 300);
    await env.publish({ event: "doc_update", message: {}, doctype: "ToDo", docname: "TD-0001" });
    assert.deepEqual(await none, []);
    assert.ok(env.state().eventsReceived.doc_subscribe >= 1);
    alice.disconnect();
    website.disconnect();
});

test("has_permission denial: no room, no event, no error", async () => {
    const alice = await connected({ user: "alice@example.com" });
    const deniedBefore = env.state().permission.denied;
    const errors = collect(alice, "connect_error", 600);
    alice.emit("doc_subscribe", "Secret", "S-1");
    alice.emit("doctype_subscribe", "Secret");
    alice.emit("doc_open", "Secret", "S-1");
    await waitUntil(() => env.state().permission.denied >= deniedBefore + 3, { what: "3 denials" });
    const r = await rooms(alice);
    assert.deepEqual(r, ["all", "user:alice@example.com", "website"]);
    const checks = env.web.counters.permissionChecks.filter((c) => c.doctype === "Secret");
    assert.ok(checks.every((c) => c.status === 403 && c.user === "alice@example.com"));
    assert.deepEqual(checks.map((c) => c.name).sort(), ["", "S-1", "S-1"]);
    const none = collect(alice, "doc_update", 300);
    await env.publish({ event: "doc_update", message: {}, doctype: "Secret", docname: "S-1" });
    assert.deepEqual(await none, []);
    assert.deepEqual(await errors, []);
    assert.ok(alice.connected);

    // A per-user rule: bob may not read ToDo TD-9.
    env.web.addPermission({ doctype: "ToDo", name: "TD-9", user: "bob@example.com", allow: false });
    const bob = await connected({ user: "bob@example.com" });
    bob.emit("doc_subscribe", "ToDo", "TD-9");
    alice.emit("doc_subscribe", "ToDo", "TD-9");
    await waitRooms(alice, (x) => x.includes("doc:ToDo/TD-9"), "alice allowed");
    await waitUntil(() => env.web.counters.permissionChecks.some((c) => c.user === "bob@example.com" && c.name === "TD-9"));
    await sleep(50);
    assert.ok(!(await rooms(bob)).includes("doc:ToDo/TD-9"));
    alice.disconnect();
    bob.disconnect();
});

test("doc_viewers: unique users to open_doc room, never when the only viewer is oneself", async () => {
    const alice = await connected({ user: "alice@example.com" });
    const aliceViews = [];
    alice.on("doc_viewers", (v) => aliceViews.push(v));
    alice.emit("doc_open", "ToDo", "TD-7");
    await waitRooms(alice, (r) => r.includes("open_doc:ToDo/TD-7"), "alice in open_doc");
    await sleep(150);
    assert.deepEqual(aliceViews, [], "alone: no doc_viewers");

    const bob = await connected({ user: "bob@example.com" });
    let a = nextEvent(alice, "doc_viewers");
    let b = nextEvent(bob, "doc_viewers");
    bob.emit("doc_open", "ToDo", "TD-7");
    const expected = { doctype: "ToDo", docname: "TD-7", users: ["alice@example.com", "bob@example.com"] };
    assert.deepEqual((await a)[0], expected);
    assert.deepEqual((await b)[0], expected);

    // A second tab of alice: users stay unique.
    const alice2 = await connected({ user: "alice@example.com" });
    a = nextEvent(alice, "doc_viewers");
    alice2.emit("doc_open", "ToDo", "TD-7");
    assert.deepEqual((await a)[0].users, ["alice@example.com", "bob@example.com"]);
    a = nextEvent(alice, "doc_viewers");
    b = nextEvent(bob, "doc_viewers");
    alice2.disconnect();
    assert.deepEqual((await a)[0].users, ["alice@example.com", "bob@example.com"]);
    assert.deepEqual((await b)[0].users, ["alice@example.com", "bob@example.com"]);

    // bob closes: alice hears she is alone now (it is bob's action, not hers).
    a = nextEvent(alice, "doc_viewers");
    bob.emit("doc_close", "ToDo", "TD-7");
    assert.deepEqual((await a)[0], { doctype: "ToDo", docname: "TD-7", users: ["alice@example.com"] });

    // bob opens again and disconnects: alice is told.
    a = nextEvent(alice, "doc_viewers");
    bob.emit("doc_open", "ToDo", "TD-7");
    assert.deepEqual((await a)[0].users, ["alice@example.com", "bob@example.com"]);
    a = nextEvent(alice, "doc_viewers");
    bob.disconnect();
    assert.deepEqual((await a)[0].users, ["alice@example.com"]);
    alice.disconnect();
});

test("ping -> pong; test-only echo handlers (ack, binary)", async () => {
    const alice = await connected({ user: "alice@example.com" });
    const pong = nextEvent(alice, "pong");
    alice.emit("ping");
    assert.deepEqual(await pong, []);
    assert.deepEqual(await alice.timeout(2000).emitWithAck("echo_ack", 1, "two", { three: 3 }), 1);
    const acked = await new Promise((resolve) => alice.emit("echo_ack", 1, "two", (...args) => resolve(args)));
    assert.deepEqual(acked, [1, "two"]);
    await assert.rejects(alice.timeout(200).emitWithAck("echo_never_ack", 1));
    const bin = Buffer.from([0, 1, 2, 255]);
    const echoed = nextEvent(alice, "echo_binary");
    alice.emit("echo_binary", { label: "x", data: bin });
    const [back] = await echoed;
    assert.equal(back.label, "x");
    assert.deepEqual(Buffer.from(back.data), bin);
    alice.disconnect();
});

test("same-origin mode: the web server proxies /socket.io/ (polling and WebSocket)", async () => {
    const sid = env.login("bob@example.com");
    // No Origin at all: the proxy sets it from Host, like Frappe's nginx template.
    const s = connect({ sid, base: env.webUrl, origin: null });
    assert.deepEqual(await outcome(s), { connected: true });
    await waitUntil(() => s.io.engine.transport.name === "websocket", { what: "upgrade through the proxy" });
    assert.deepEqual(await rooms(s), ["all", "user:bob@example.com", "website"]);
    assert.ok(env.web.counters.proxiedUpgrades >= 1);
    const got = nextEvent(s, "msgprint");
    await env.publish({ event: "msgprint", message: "via proxy", user: "bob@example.com" });
    assert.deepEqual(await got, ["via proxy"]);
    s.disconnect();
});

// ---- restarts ----------------------------------------------------------------------------

test("restarting the realtime server (graceful and abrupt): clients reconnect, publish works", async () => {
    const alice = connect({ user: "alice@example.com", reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 300 });
    assert.deepEqual(await outcome(alice), { connected: true });
    for (const abrupt of [false, true]) {
        const port = env.realtime.port;
        const reconnected = nextEvent(alice, "connect", 8000);
        await env.restartRealtime({ abrupt });
        assert.equal(env.realtime.port, port);
        await reconnected;
        assert.deepEqual(await rooms(alice), ["all", "user:alice@example.com", "website"]);
        const got = nextEvent(alice, "msgprint");
        assert.equal(await env.publish({ event: "msgprint", message: `after ${abrupt}`, user: "alice@example.com" }), 1);
        assert.deepEqual(await got, [`after ${abrupt}`]);
    }
    alice.disconnect();
});

test("restarting redis-server: the realtime server resubscribes", async () => {
    const alice = await connected({ user: "alice@example.com" });
    const pid = env.redis.pid;
    await env.restartRedis();
    assert.notEqual(env.redis.pid, pid);
    const got = nextEvent(alice, "msgprint", 5000);
    // The subscriber reconnects within its backoff (at most 500 ms between attempts).
    await waitUntil(async () => (await env.publish({ event: "msgprint", message: "back", user: "alice@example.com" })) >= 1, {
        timeout: 5000, interval: 100, what: "resubscribed",
    });
    assert.deepEqual(await got, ["back"]);
    alice.disconnect();
});

test("connectionStateRecovery (off by default, like Frappe) can be switched on", async () => {
    assert.equal(env.realtime.io.opts?.connectionStateRecovery, undefined);
    const rt = await startRealtime({ defaultSite: "site1", connectionStateRecovery: true });
    extraServers.add(rt);
    const s = connect({ user: "alice@example.com", base: rt.url, reconnection: true, reconnectionDelay: 50, transports: ["websocket"] });
    assert.deepEqual(await outcome(s), { connected: true });
    s.emit("doc_subscribe", "ToDo", "TD-R");
    await waitRooms(s, (r) => r.includes("doc:ToDo/TD-R"), "subscribed");
    // Recovery needs an offset: the client must have received one broadcast packet.
    const first = nextEvent(s, "msgprint");
    rt.deliver({ event: "msgprint", message: "offset", room: "user:alice@example.com", namespace: "site1" });
    await first;
    const again = nextEvent(s, "connect", 5000);
    s.io.engine.close(); // a network drop, seen from the client
    await again;
    assert.equal(s.recovered, true);
    assert.ok((await rooms(s)).includes("doc:ToDo/TD-R"), "room kept by recovery");
    s.disconnect();
    await rt.close();
});

test("startEnv without Redis and same-origin: in-process publisher, proxy URL", async () => {
    const env2 = await startEnv({ site: "site2", redis: false, sameOrigin: true });
    try {
        assert.equal(env2.redisUrl, null);
        assert.equal(env2.socketUrl, `${env2.webUrl}/site2`);
        const cfg = await (await fetch(`${env2.webUrl}/__test/config`)).json();
        assert.equal(cfg.socketUrl, env2.socketUrl);
        const sid = env2.login("bob@example.com");
        const s = io(env2.socketUrl, { forceNew: true, reconnection: false, extraHeaders: { Cookie: `sid=${sid}` } });
        sockets.add(s);
        assert.deepEqual(await outcome(s), { connected: true });
        const got = nextEvent(s, "doc_update");
        s.emit("doc_subscribe", "Note", "N-1");
        await waitRooms(s, (r) => r.includes("doc:Note/N-1"), "subscribed");
        assert.equal(await env2.publish({ event: "doc_update", message: { name: "N-1" }, doctype: "Note", docname: "N-1" }), 1);
        assert.deepEqual(await got, [{ name: "N-1" }]);
        s.disconnect();
    } finally {
        await env2.stop();
    }
});

// ---- the browser ---------------------------------------------------------------------------

test("Chromium: a page of the site connects with cookies, cross-port and through the proxy", async () => {
    const chrome = await launchBrowser();
    try {
        const context = await chrome.newContext();
        const page = await newPage(context);
        const body = await login(page, env.webUrl, "alice@example.com");
        assert.equal(body.message, "Logged In");
        const cookies = await context.cookies(env.webUrl);
        const sidCookie = cookies.find((c) => c.name === "sid");
        assert.ok(sidCookie && sidCookie.httpOnly && sidCookie.sameSite === "Lax");

        for (const via of ["port", "proxy"]) {
            await openPage(page, `/pages/example.html?via=${via}`, { siteUrl: env.webUrl });
            const result = await waitInPage(page, () => window.__result.rooms && window.__result.transport === "websocket" && window.__result, null, {
                timeout: 8000, what: `page connected via ${via}`,
            });
            assert.equal(result.error, null);
            assert.deepEqual(result.rooms, ["all", "user:alice@example.com", "website"]);
            assert.equal(result.base, via === "port" ? env.realtimeUrl : env.webUrl);
            await env.publish({ event: "msgprint", message: `hi ${via}`, user: "alice@example.com" });
            await waitInPage(page, (m) => window.__result.events.some((e) => e.event === "msgprint" && e.data === m), `hi ${via}`, {
                what: "msgprint in the page",
            });
        }
        // The wasm asset is served with the right type, from the site's origin.
        const wasmType = await page.evaluate(async () => {
            const r = await fetch("/assets/frappe-realtime/pkg/frappe_realtime_bg.wasm", { method: "HEAD" });
            return r.status === 200 ? r.headers.get("content-type") : `status ${r.status}`;
        });
        assert.ok(wasmType === "application/wasm" || wasmType === "status 404", wasmType);

        // A second user in an isolated context of the same browser.
        const ctx2 = await chrome.newContext();
        const page2 = await newPage(ctx2);
        await login(page2, env.webUrl, "guest-ish");
        await openPage(page2, "/pages/example.html", { siteUrl: env.webUrl });
        const r2 = await waitInPage(page2, () => window.__result.rooms, null, { timeout: 8000, what: "website user page" });
        assert.deepEqual(r2, ["user:guest-ish", "website"]);
    } finally {
        await chrome.close();
    }
});

// ---- clean stop --------------------------------------------------------------------------

test("everything stops cleanly: no leftover redis-server, stop() is idempotent", async () => {
    for (const s of sockets) s.disconnect();
    const redisPid = env.redis.pid;
    assert.ok(redisPids().includes(String(redisPid)));
    await Promise.all([env.stop(), env.stop()]);
    await env.stop();
    assert.deepEqual(redisPids(), []);
    await assert.rejects(fetch(`${env.webUrl}/__test/state`));
    await assert.rejects(fetch(`${env.realtimeUrl}/__test/state`));
});
