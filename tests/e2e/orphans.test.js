// The server race behind README's caveat ("Running several realtime nodes"): socket.io
// (4.8.4) closes an emptied dynamic namespace when its middleware refuses a socket, even
// while another socket is still in that middleware (Frappe's `get_user_info` call); that
// one then connects into the closed namespace, holds its rooms there, and no event
// published to the site reaches it. Frappe sets `cleanupEmptyChildNamespaces: true`, as
// tests/server/realtime.js does by default. This proves the race and that the test
// environment lists such sockets (`cluster.orphans()`, used by bench/herd-run.js); if a
// socket.io release mends it, this test fails and the caveat can go. With the companion
// app loaded on the node (frappe-app/, "site namespaces"), the same refusal leaves the
// namespace open, and it still closes once empty (the describe below; the app's parts
// one by one: tests/e2e/app-namespaces.test.js).
// Run: node --test tests/e2e/orphans.test.js

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { startCluster } from "../server/cluster.js";
import { WITH_COMPANION_APP, setAdmission } from "../server/companion-app.js";
import { waitUntil } from "../server/util.js";

const ALICE = "alice@example.com";
let cluster;
const sockets = [];

before(async () => {
    cluster = await startCluster({ nodes: 1 });
});
after(async () => {
    for (const s of sockets) s.close();
    if (cluster) await cluster.stop();
});

/** A socket.io-client straight to `on`'s node, logged in as `user`, kept in `list`
 *  (closed at the end). */
function socketTo(on, list, user, options = {}) {
    const { url, options: base } = on.direct(0, user);
    const s = io(url, { ...base, ...options });
    list.push(s);
    return s;
}
const connect = (user) => socketTo(cluster, sockets, user);

test("a refusal while the only other socket is in the middleware leaves that socket deaf", async () => {
    // One worker that holds each call 1 s and refuses (502) while busy.
    cluster.web.setCapacity({ workers: 1, serviceMs: 1000, queue: 0, timeoutMs: Infinity });
    const a = connect(ALICE);
    await waitUntil(() => cluster.web.state().capacity.busy === 1, { what: "a's get_user_info call under way" });
    const b = connect(ALICE);
    const refused = await new Promise((resolve) => b.on("connect_error", (e) => resolve(e.message)));
    assert.match(refused, /^Unauthorized/);
    await waitUntil(() => a.connected, { what: "a connected" });
    cluster.web.setCapacity(null);
    const c = connect(ALICE);
    await waitUntil(() => c.connected, { what: "c connected" });
    for (const s of [a, c]) s.emit("doc_subscribe", "ToDo", "T-1");
    const holds = (id) => (list) => list.some((s) => s.id === id && s.rooms.includes("doc:ToDo/T-1"));
    await waitUntil(() => holds(c.id)(cluster.sockets()) && holds(a.id)(cluster.orphans()), { what: "both in the room" });
    assert.ok(!cluster.sockets().some((s) => s.id === a.id), "a is not in the site's namespace");
    const got = { a: 0, c: 0 };
    a.on("doc_update", () => got.a++);
    c.on("doc_update", () => got.c++);
    await cluster.publish({ event: "doc_update", message: { name: "T-1" }, room: "doc:ToDo/T-1" });
    await waitUntil(() => got.c === 1, { what: "c received the event" });
    // c's event came through the same Redis message and node; a's would have by now.
    await cluster.publish({ event: "doc_update", message: { name: "T-1" }, room: "doc:ToDo/T-1" });
    await waitUntil(() => got.c === 2, { what: "c received the second event" });
    assert.equal(got.a, 0, "the orphaned socket received nothing");
    assert.ok(a.connected, "and it still believes it is connected");
});

describe("with the companion app (frappe-app/) loaded", () => {
    let appCluster;
    const appSockets = [];
    before(async () => {
        // The app's admission (admission.js) would make the refused get_user_info calls
        // again instead of refusing the sockets: off, these tests are about a refusal.
        setAdmission(false);
        appCluster = await startCluster({ nodes: 1, ...WITH_COMPANION_APP });
    });
    after(async () => {
        for (const s of appSockets) s.close();
        if (appCluster) await appCluster.stop();
        setAdmission(true);
    });
    const connectTo = (user, options) => socketTo(appCluster, appSockets, user, options);

    test("a refusal while another socket is in the middleware leaves the namespace open: that socket connects into it and hears the site", async () => {
        // A first socket loads the app (as Frappe does, on the first connection), then
        // leaves: the site's namespace empties and closes; the next one is held.
        const first = connectTo(ALICE);
        await waitUntil(() => first.connected, { what: "the first socket connected" });
        first.disconnect();
        await waitUntil(() => appCluster.sockets().length === 0, { what: "the first socket gone" });

        appCluster.web.setCapacity({ workers: 1, serviceMs: 1000, queue: 0, timeoutMs: Infinity });
        const seen = { connects: 0, disconnects: [] };
        const a = connectTo(ALICE);
        a.on("connect", () => seen.connects++);
        a.on("disconnect", (reason) => seen.disconnects.push(reason));
        await waitUntil(() => appCluster.web.state().capacity.busy === 1, { what: "a's get_user_info call under way" });
        const b = connectTo(ALICE, { reconnection: false });
        const refused = await new Promise((resolve) => b.on("connect_error", (e) => resolve(e.message)));
        assert.match(refused, /^Unauthorized/);
        await waitUntil(() => a.connected, { what: "a connected" });
        appCluster.web.setCapacity(null);

        a.emit("doc_subscribe", "ToDo", "T-2");
        await waitUntil(() => appCluster.sockets().some((s) => s.id === a.id && s.rooms.includes("doc:ToDo/T-2")), { what: "a in the room, in the site's namespace" });
        assert.deepEqual(appCluster.orphans(), [], "no socket left in a closed namespace");
        let got = 0;
        a.on("doc_update", () => got++);
        await appCluster.publish({ event: "doc_update", message: { name: "T-2" }, room: "doc:ToDo/T-2" });
        await waitUntil(() => got === 1, { what: "a received the event" });
        assert.deepEqual(seen, { connects: 1, disconnects: [] }, "a was not sent back to connect again");
    });

    test("the namespace held for a socket in the middleware closes once that socket goes too (as socket.io would have)", async () => {
        for (const s of appSockets) s.disconnect();
        await waitUntil(() => appCluster.sockets().length === 0, { what: "every socket gone" });
        const site = () => appCluster.nodes[0].server.state().namespaces["/site1"];
        appCluster.web.setCapacity({ workers: 1, serviceMs: 1000, queue: 0, timeoutMs: Infinity });
        try {
            const a = connectTo(ALICE);
            await waitUntil(() => appCluster.web.state().capacity.busy === 1, { what: "a's get_user_info call under way" });
            const b = connectTo(ALICE, { reconnection: false });
            const refused = await new Promise((resolve) => b.on("connect_error", (e) => resolve(e.message)));
            assert.match(refused, /^Unauthorized/);
            assert.ok(site(), "the refusal left the namespace open: a is in its middleware");
            // a goes before its call is answered: socket.io drops it once the middleware
            // is done, and nothing is left in the namespace.
            a.disconnect();
            await waitUntil(() => site() === undefined, { what: "the emptied namespace closed" });
        } finally {
            appCluster.web.setCapacity(null);
        }
    });
});
