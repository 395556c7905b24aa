// The companion app's admission (frappe-app/realtime/admission.js): the realtime
// server's calls to its web server paced to what the web server takes. The test server
// (tests/server/realtime.js, making its calls through `socket.frappe_request` as Frappe
// v16 does) loads the app; its web server refuses with 502 when its workers are busy
// (gunicorn behind nginx with a full backlog). socket.io-client sockets in Node connect
// at once and join rooms through Frappe's handlers (no ack). With admission off, as
// without the app, CONNECTs are refused; with it (the default), none is, and every join
// is taken.
//
// And the app from the realtime server's start (handlers.js `setup`; frappe-app/README,
// "Loading the app at the server's start"). Frappe loads an app's handlers at its first
// authenticated socket, so a realtime server that comes back before its web server
// (nothing listening there meanwhile: a web container or gunicorn started later) refuses
// every CONNECT until the web server answers: the admission is not there yet to hold
// the calls. The test server loads the app as Frappe does, or, with `appsAtStart`, calls
// its `setup(io)` at start, the change proposed to Frappe.
//
//   node --test tests/e2e/app-admission.test.js

import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { startEnv, socketsOf } from "../server/env.js";
import { waitUntil } from "../server/util.js";
import { WITH_COMPANION_APP, admissionGateOf as gateOf, setAdmission } from "../server/companion-app.js";

const ALICE = "alice@example.com";
const HERD = 30;
const ROOMS = 3;

/** A socket.io-client socket of ALICE to `env`'s site1 that tries once, kept in `list`;
 *  `refused` holds its connect_error's message. */
function connectOnce(env, list) {
    const s = io(`${env.realtimeUrl}/site1`, {
        forceNew: true,
        reconnection: false,
        transports: ["websocket"],
        extraHeaders: { Origin: env.webUrl, Cookie: `sid=${env.login(ALICE)}` },
    });
    s.refused = null;
    s.on("connect_error", (e) => (s.refused = e.message));
    list.push(s);
    return s;
}

describe("the companion app's admission: calls to a web server that refuses when busy", () => {
    let env;
    const sockets = [];
    before(async () => {
        env = await startEnv({ site: "site1", redis: false, ...WITH_COMPANION_APP });
        // A first socket: the server loads the app at its first connection, as Frappe's does.
        await settled([connect()]);
    });
    after(async () => {
        setAdmission(true);
        for (const s of sockets) s.close();
        if (env) await env.stop();
    });

    const connect = () => connectOnce(env, sockets);
    const settled = (list) => waitUntil(() => list.every((s) => s.connected || s.refused), { what: "every socket connected or refused", timeout: 30000 });
    const gate = () => gateOf(env.realtime.io);
    /** The rooms the server holds for `s`. */
    const roomsOf = (s) => socketsOf(env, ALICE).find((x) => x.id === s.id)?.rooms || [];

    /** HERD sockets at once, each joining `rooms` documents once connected. */
    async function herd(tag, rooms) {
        const list = Array.from({ length: HERD }, (_, i) => {
            const s = connect();
            s.docs = Array.from({ length: rooms }, (_, r) => `${tag}-${i}-${r}`);
            s.on("connect", () => s.docs.forEach((d) => s.emit("doc_subscribe", "ToDo", d)));
            return s;
        });
        await settled(list);
        return list;
    }

    test("off (as without the app): the herd's CONNECTs are refused", async () => {
        setAdmission(false);
        env.web.setCapacity({ workers: 2, serviceMs: 20, queue: 0 });
        try {
            // CONNECTs only: no call of this test is left in flight for the next one.
            const list = await herd("off", 0);
            const refused = list.filter((s) => s.refused);
            assert.ok(refused.length > 0, "some CONNECTs refused");
            assert.ok(refused.every((s) => /^Unauthorized/.test(s.refused)), refused.map((s) => s.refused).join("; "));
        } finally {
            env.web.setCapacity(null);
            setAdmission(true);
            for (const s of sockets.splice(1)) s.close();
        }
    });

    test("on: no CONNECT refused and every join taken; each refused call made again, the window shrunk", async () => {
        env.web.setCapacity({ workers: 2, serviceMs: 20, queue: 0 });
        const before = { ...gate().stats };
        try {
            const list = await herd("on", ROOMS);
            assert.deepEqual(
                list.filter((s) => s.refused).map((s) => s.refused),
                [],
                "no CONNECT refused",
            );
            await waitUntil(() => list.every((s) => s.docs.every((d) => roomsOf(s).includes(`doc:ToDo/${d}`))), {
                what: "every join taken",
                timeout: 30000,
            });
            const web = env.web.state().capacity;
            const stats = gate().stats;
            // The herd's calls (a CONNECT and ROOMS joins each) outran 2 workers: the web
            // server refused some, and the app made each of those again.
            assert.ok(web.refused > 0, "the web server refused calls");
            assert.equal(stats.notServed - before.notServed, web.refused, "each refusal seen by the app");
            assert.equal(stats.served - before.served, HERD * (1 + ROOMS), "each call served once");
            assert.ok(stats.shrinks > before.shrinks, "the window shrank");
        } finally {
            env.web.setCapacity(null);
        }
    });

    test("a call whose client went away while it waited is not made", async () => {
        // One worker held 300 ms per call, no queue: the window shrinks at each refusal
        // and the other CONNECTs wait in the app; their clients go.
        env.web.setCapacity({ workers: 1, serviceMs: 300, queue: 0 });
        const before = { ...gate().stats };
        try {
            const list = Array.from({ length: 10 }, () => connect());
            await waitUntil(() => gate().waiting.length >= 5, { what: "CONNECTs waiting in the app", timeout: 20000 });
            for (const s of list) s.close();
            await waitUntil(() => gate().inFlight === 0 && gate().waiting.length === 0, { what: "every call settled", timeout: 20000 });
            const stats = gate().stats;
            assert.ok(stats.gone - before.gone >= 1, `calls not made: ${stats.gone - before.gone}`);
            assert.ok(stats.made - before.made < 10 + stats.notServed - before.notServed, "fewer calls made than CONNECTs and refusals");
        } finally {
            env.web.setCapacity(null);
        }
    });
});

describe("the app from the realtime server's start: a CONNECT made while the web server is down, before any socket connected", () => {
    let env = null;
    const sockets = [];
    afterEach(async () => {
        for (const s of sockets.splice(0)) s.close();
        if (env) await env.stop();
        env = null;
    });

    /** A realtime server no socket has reached yet, with the app (`appsAtStart`: its
     *  setup at start); its web server down (get_user_info's connection reset, as when
     *  gunicorn is not listening). */
    async function start(appsAtStart) {
        env = await startEnv({ site: "site1", redis: false, ...WITH_COMPANION_APP, realtime: { ...WITH_COMPANION_APP.realtime, appsAtStart } });
        env.web.setUserInfoFailure("down");
    }

    test("Frappe today (the app loaded at the first authenticated socket): refused", async () => {
        await start(false);
        const socket = connectOnce(env, sockets);
        await waitUntil(() => socket.refused || socket.connected, { what: "the CONNECT answered", timeout: 20000 });
        assert.match(String(socket.refused), /^Unauthorized/);
        assert.equal(gateOf(env.realtime.io).stats.made, 0, "no call went through the admission");
    });

    test("the app set up at the server's start: the CONNECT waits at the admission and connects once the web server answers", async () => {
        await start(true);
        const socket = connectOnce(env, sockets);
        const gate = gateOf(env.realtime.io);
        // The call went out, failed, and was held to go again: the web server is down.
        await waitUntil(() => gate.stats.notServed >= 2, { what: "get_user_info failed twice at the admission", timeout: 20000 });
        assert.equal(socket.refused, null, "not refused while the web server is down");
        assert.equal(socket.connected, false);
        env.web.setUserInfoFailure(null);
        await waitUntil(() => socket.connected || socket.refused, { what: "the CONNECT answered", timeout: 20000 });
        assert.equal(socket.refused, null);
        assert.ok(socket.connected, "connected");
        assert.equal(gate.stats.served, 1, "one call served");
    });
});
