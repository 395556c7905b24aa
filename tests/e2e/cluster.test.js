// End-to-end: several realtime nodes behind nginx (tests/server/cluster.js), in each of
// nginx's balancing modes, with Frappe's default client options (no `transports`):
// every client connects on a WebSocket, joins its room, and gets each published event
// exactly once, whichever node it landed on. Without sticky sessions, socket.io-client's
// polling-first default loses its session whenever a request lands on another node; the
// client opens a WebSocket first (docs/architecture.md, "Transports").
//
//   node --test tests/e2e/cluster.test.js

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { startCluster } from "../server/cluster.js";
import { MODES, startNginx } from "../server/nginx.js";
import { launchBrowser, newPage, login, openPage, waitInPage, waitFor } from "./harness.js";

const ALICE = "alice@example.com";
const BOB = "bob@example.com";
const NODES = 3;
const PAGES = 2;
const PER_PAGE = 4;
const ROOM = "doc:ToDo/TD-CLUSTER";

for (const mode of MODES) {
  describe(`several realtime nodes behind nginx (${mode})`, () => {
    let cluster;
    let browser;
    let ctx;

    before(async () => {
      cluster = await startCluster({ nodes: NODES, mode });
      browser = await launchBrowser();
      ctx = await browser.newContext();
    });
    after(async () => {
      if (browser) await browser.close();
      if (cluster) await cluster.stop();
    });

    test(`default options: ${PAGES * PER_PAGE} clients on WebSocket, in their room, each event once`, async () => {
      const pages = [];
      for (let i = 0; i < PAGES; i++) {
        const p = await newPage(ctx);
        // One login: the pages share its sid cookie (the cookie mode hashes it).
        if (i === 0) await login(p, cluster.webUrl, ALICE);
        await openPage(p, `/pages/cluster.html?clients=${PER_PAGE}`, { siteUrl: cluster.webUrl });
        pages.push(p);
      }
      const all = PAGES * PER_PAGE;
      for (const p of pages) {
        await waitInPage(p, () => __status().every((s) => s.connected && s.transport === "websocket"), null, {
          what: "every client of the page connected on WebSocket",
          timeout: 15000,
        });
      }
      const inRoom = () => cluster.sockets().filter((s) => s.user === ALICE && s.rooms.includes(ROOM));
      await waitFor(() => inRoom().length === all, { what: `${all} sockets in ${ROOM}`, timeout: 10000 });
      const sockets = inRoom();
      assert.ok(
        sockets.every((s) => s.transport === "websocket"),
        "the server sees WebSocket only: " + JSON.stringify(sockets),
      );
      const nodes = new Set(sockets.map((s) => s.node));
      if (mode === "round-robin") assert.ok(nodes.size > 1, "round-robin spreads the clients: " + [...nodes]);
      // On loopback every client has one address; one browser context has one sid.
      else assert.equal(nodes.size, 1, `${mode} keeps the clients on one node: ${[...nodes]}`);

      // Each node reads Redis `events` and emits to its own sockets: once per client.
      await cluster.publish({ event: "doc_update", message: { n: 1 }, doctype: "ToDo", docname: "TD-CLUSTER" });
      await cluster.publish({ event: "doc_update", message: { n: 2 }, doctype: "ToDo", docname: "TD-CLUSTER" });
      for (const p of pages) {
        // Events of one node arrive in order: when the second is there, a duplicate of
        // the first would be too.
        await waitInPage(p, () => __got.every((g) => g.some((e) => e[0] === "doc_update" && e[1].n === 2)), null, {
          what: "the second event at every client",
        });
        const counts = await p.evaluate(() => __got.map((g) => g.filter((e) => e[0] === "doc_update").map((e) => e[1].n)));
        for (const c of counts) assert.deepEqual(c, [1, 2], "each event once, in order");
        const errors = await p.evaluate(() => __got.flat().filter((e) => e[0] !== "connect" && e[0] !== "doc_update"));
        assert.deepEqual(errors, [], "no connect_error, no disconnect");
      }
      for (const p of pages) {
        await p.evaluate(() => __clients.forEach((c) => c.close()));
        await p.close();
      }
      await waitFor(() => cluster.sockets().length === 0, { what: "every socket gone", timeout: 10000 });
    });

    if (mode === "round-robin") {
      test("the environment: rooms and doc_viewers across nodes", async () => {
        // Two Socket.IO clients straight to two different nodes (not through nginx).
        const connect = (node, user) => {
          const { url, options } = cluster.direct(node, user);
          const s = io(url, options);
          const viewers = [];
          s.on("doc_viewers", (v) => viewers.push(v.users.slice().sort()));
          return { s, viewers };
        };
        const a = connect(0, ALICE);
        const b = connect(1, BOB);
        try {
          await waitFor(() => a.s.connected && b.s.connected, { what: "both connected", timeout: 10000 });
          const ids = [a.s.id, b.s.id];
          const nodes = new Set(cluster.sockets().filter((s) => ids.includes(s.id)).map((s) => s.node));
          assert.deepEqual([...nodes].sort(), ["node-1", "node-2"], "on two nodes");
          a.s.emit("doc_open", "ToDo", "TD-VIEW");
          await waitFor(() => cluster.sockets().some((s) => s.user === ALICE && s.rooms.includes("open_doc:ToDo/TD-VIEW")), { what: "alice viewing" });
          b.s.emit("doc_open", "ToDo", "TD-VIEW");
          const both = JSON.stringify([ALICE, BOB].sort());
          await waitFor(() => a.viewers.some((v) => JSON.stringify(v) === both), { what: "alice (node-1) told that bob (node-2) views too" });
          await waitFor(() => b.viewers.some((v) => JSON.stringify(v) === both), { what: "bob told too" });
        } finally {
          a.s.close();
          b.s.close();
        }
        await waitFor(() => !cluster.sockets().some((s) => s.id === a.s.id || s.id === b.s.id), { what: "both gone", timeout: 10000 });
      });
    }
  });
}

test("an nginx that cannot start says why at once, not when the wait for it times out", async () => {
  // An upstream without servers is a configuration nginx refuses at start.
  await assert.rejects(startNginx({ webPort: 1, nodePorts: [], timeout: 60000 }), (err) => {
    assert.match(err.message, /^nginx exited: .*no servers are inside upstream/s);
    return true;
  });
});
