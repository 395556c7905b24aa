// The companion app's mend of socket.io's closed site namespaces (frappe-app/realtime/
// handlers.js, "site namespaces"), step by step: a real socket.io server (the npm
// package, as tests/server/realtime.js and Frappe use it: one dynamic parent namespace,
// `cleanupEmptyChildNamespaces`) whose middleware each test lets through or refuses one
// socket at a time, as Frappe's authentication does when its get_user_info call
// answers; socket.io-client sockets on loopback. Without the app the caveat shows (the
// first test: if a socket.io release mends it, that test fails); with it, no socket is
// left where events do not reach it and none is sent back to connect again.
//
//   node --test tests/e2e/app-namespaces.test.js

import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { Server } from "socket.io";
import { io as connectTo } from "socket.io-client";
import { waitUntil } from "../server/util.js";
import { COMPANION_APP_DIR } from "../server/companion-app.js";

const require = createRequire(import.meta.url);
const APP = require(path.join(COMPANION_APP_DIR, "realtime", "handlers.js"));
const SITE = "/site1";

/** A socket.io server as Frappe's (a dynamic namespace per site) whose middleware waits
 *  for `decide(name, ok)`; each connected socket joins `user:<name>` (Frappe's handlers
 *  join the user's room) and is then handed to the app when `app`. */
async function startServer({ app }) {
    const httpServer = http.createServer();
    const io = new Server(httpServer, { cleanupEmptyChildNamespaces: true });
    const waiting = new Map();
    const connected = new Map();
    const sites = io.of(/^\/[\w.-]+$/);
    sites.use((socket, next) => {
        const name = socket.handshake.auth.name;
        waiting.set(name, (ok) => (ok ? next() : next(new Error("Unauthorized: 502 from get_user_info"))));
    });
    sites.on("connection", (socket) => {
        const name = socket.handshake.auth.name;
        connected.set(name, socket);
        socket.join(`user:${name}`);
        if (app) APP(socket);
    });
    await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${httpServer.address().port}${SITE}`;
    const clients = [];
    return {
        io,
        /** A client named `name`, which does not reconnect (a new connection would show). */
        connect(name) {
            const s = connectTo(url, { transports: ["websocket"], reconnection: false, auth: { name } });
            s.seen = { connects: 0, disconnects: [], probes: 0, refused: null };
            s.on("connect", () => s.seen.connects++);
            s.on("disconnect", (reason) => s.seen.disconnects.push(reason));
            s.on("connect_error", (e) => (s.seen.refused = e.message));
            s.on("probe", () => s.seen.probes++);
            clients.push(s);
            return s;
        },
        /** Waits until each of `names` is in the middleware. */
        inMiddleware: (...names) => waitUntil(() => names.every((n) => waiting.has(n)), { what: `${names} in the middleware` }),
        /** Waits until `name` is in the middleware, then lets it through or refuses it. */
        async decide(name, ok) {
            await waitUntil(() => waiting.has(name), { what: `${name} in the middleware` });
            waiting.get(name)(ok);
        },
        /** The server's namespace for the site now (none while closed). */
        live: () => io._nsps.get(SITE),
        /** Whether `name`'s server socket is in the live namespace. */
        isLive: (name) => connected.has(name) && io._nsps.get(SITE) === connected.get(name).nsp,
        /** An event to `name`'s user room, published as Frappe does (`io.of(site).to(room)`). */
        probe: (name) => io.of(SITE).to(`user:${name}`).emit("probe"),
        async close() {
            for (const s of clients) s.close();
            io.close();
            await new Promise((resolve) => httpServer.close(() => resolve()));
        },
    };
}

/** Waits until `s` is connected or was refused; returns the refusal's message or null. */
const settled = (s, what) => waitUntil(() => s.connected || s.seen.refused, { what }).then(() => s.seen.refused);

/** Clients `names` in the middleware while "b" is refused: the namespace closes under
 *  them (nothing holds it). Returns their clients. */
async function closedUnder(server, ...names) {
    const waiting = names.map((n) => server.connect(n));
    await server.inMiddleware(...names);
    const b = server.connect("b");
    await server.decide("b", false);
    assert.match(await settled(b, "b refused"), /^Unauthorized/);
    await waitUntil(() => server.live() === undefined, { what: `the namespace closed under ${names}` });
    return waiting;
}

/** Publishes to `name`'s room until `s` has heard it (an emit before the join is lost). */
async function hears(server, name, s) {
    const before = s.seen.probes;
    await waitUntil(() => (server.probe(name), s.seen.probes > before), { what: `${name} hears the site`, interval: 50 });
}

describe("socket.io's closed site namespaces, with and without the companion app", () => {
    let server;
    afterEach(async () => {
        if (server) await server.close();
        server = null;
    });

    test("without the app: a refusal closes the namespace under a socket in the middleware; when that socket leaves, the live namespace goes too", async () => {
        server = await startServer({ app: false });
        const [a] = await closedUnder(server, "a");
        const c = server.connect("c");
        await server.decide("c", true);
        await settled(c, "c connected");
        await hears(server, "c", c);
        await server.decide("a", true);
        await settled(a, "a connected");
        assert.equal(server.isLive("a"), false, "a connected into the closed namespace");
        a.disconnect();
        // The closed namespace removes the server's namespace of its name: c's.
        await waitUntil(() => server.live() === undefined, { what: "c's namespace removed by a's leaving" });
        assert.ok(c.connected, "c still believes it is connected");
        assert.equal(server.isLive("c"), false, "and no event published to the site reaches it");
    });

    test("with the app: a socket that connected into a closed namespace is moved into the live one with its rooms, and a closed namespace no longer removes the live one", async () => {
        server = await startServer({ app: true });
        // The app is not loaded yet: nothing holds the namespace.
        const [a, d] = await closedUnder(server, "a", "d");
        // The first connection loads the app (Frappe's server loads it then).
        const c = server.connect("c");
        await server.decide("c", true);
        await settled(c, "c connected");
        await server.decide("a", true);
        await settled(a, "a connected");
        await waitUntil(() => server.isLive("a"), { what: "a in the live namespace" });
        await hears(server, "a", a);
        // d, still in the closed namespace's middleware, is refused: that namespace
        // empties, and would remove the live one (the test above).
        await server.decide("d", false);
        assert.match(await settled(d, "d refused"), /^Unauthorized/);
        await hears(server, "c", c);
        await hears(server, "a", a);
        assert.ok(server.isLive("a") && server.isLive("c"), "both in the live namespace");
        assert.deepEqual(a.seen, { connects: 1, disconnects: [], probes: a.seen.probes, refused: null }, "a kept its connection");
        assert.equal(c.seen.connects, 1);
    });

    test("with the app loaded: a refusal while another socket is in the middleware leaves the namespace open, and the namespace closes once it is empty", async () => {
        server = await startServer({ app: true });
        const first = server.connect("first");
        await server.decide("first", true);
        await settled(first, "first connected");
        const held = server.live();
        first.disconnect();
        await waitUntil(() => server.live() === undefined, { what: "the emptied namespace closed" });

        const a = server.connect("a");
        await server.inMiddleware("a");
        const b = server.connect("b");
        await server.decide("b", false);
        assert.match(await settled(b, "b refused"), /^Unauthorized/);
        const site = server.live();
        assert.ok(site && site !== held, "the namespace a is in stays open");
        await server.decide("a", true);
        await settled(a, "a connected");
        assert.ok(server.isLive("a"), "a connected into the live namespace");
        await hears(server, "a", a);
        a.disconnect();
        await waitUntil(() => server.live() === undefined, { what: "the namespace closed once a left" });
        assert.deepEqual(a.seen.disconnects, ["io client disconnect"]);
    });
});
