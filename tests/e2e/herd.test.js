// End-to-end: a small reconnect herd (the benchmark's run, bench/herd-run.js, at a size
// for npm test). 60 clients with default options (and again with `joinAcks`, the node
// answering joins with the companion app of frappe-app/), 3 document rooms each, behind one
// realtime node and nginx; the node is killed and back after 1 s, while the web server
// has 4 workers and either queues or refuses (502) when they are busy. Every client must
// come back, none may give up, and every room must be back on the server — including
// the joins Frappe's server dropped when their permission call was refused (the client
// re-sends them after a connection made under stress). A last run has the app's admission
// on (frappe-app/realtime/admission.js: the node makes the calls the web server refused
// again), where no join may be dropped. Timings are not asserted here:
// they are the benchmark's (npm run bench:herd, docs/scale.md).
//
//   node --test tests/e2e/herd.test.js

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startCluster } from "../server/cluster.js";
import { WITH_COMPANION_APP } from "../server/companion-app.js";
import { launchBrowser } from "./harness.js";
import { herdRun } from "../../bench/herd-run.js";
import { herdSide } from "../../bench/herd-side.js";

const CAPACITY = {
  queue: { workers: 4, serviceMs: 5, queue: Infinity, timeoutMs: Infinity },
  refuse: { workers: 4, serviceMs: 5, queue: 0, timeoutMs: Infinity },
};

describe("a reconnect herd (60 clients × 3 rooms, one node restarted)", () => {
  let cluster;
  let browser;
  before(async () => {
    // The node loads the companion app (frappe-app/), which answers only the joins that
    // ask for an ack: "frappe-realtime (joins answered)", `joinAcks` on.
    cluster = await startCluster({ nodes: 1, ...WITH_COMPANION_APP });
    browser = await launchBrowser();
  });
  after(async () => {
    if (browser) await browser.close();
    if (cluster) await cluster.stop();
  });

  // The app's admission (admission.js) off in the first four runs: the client's own
  // policy against a node that passes every refusal on (the joins Frappe drops, the
  // CONNECTs it refuses); on in the last, where the node makes refused calls again.
  for (const [web, libName, admission] of [
    ...Object.keys(CAPACITY).flatMap((w) => [
      [w, "frappe-realtime", false],
      [w, "frappe-realtime (joins answered)", false],
    ]),
    ["refuse", "frappe-realtime", true],
  ]) {
    test(`${libName}, a web server that ${web === "queue" ? "queues" : "refuses when busy"}${admission ? ", the node's admission on" : ""}: every client back, none given up, every room back`, async () => {
      const side = herdSide(cluster);
      await side.setAdmission(admission);
      const r = await herdRun({
        side,
        browser,
        libName,
        clients: 60,
        perPage: 10,
        rooms: 3,
        downMs: 1000,
        // Re-sent joins come in rounds from 10-30 s after a reconnect, each later
        // round after twice the gap (src/protocol/client/heal.rs): room for
        // a join dropped twice.
        limitMs: 180000,
        capacity: CAPACITY[web],
      });
      // The pages' own count of what they sent on WebSockets after the kill (the
      // benchmark's `sent`; a client that fell back to polling is not in it), and, when
      // rooms are missing, which clients and what the server holds for them (`missing`).
      const total = (bins) => bins.reduce((a, b) => a + b, 0);
      const sent = { connects: total(r.sent.connect), joins: total(r.sent.join) };
      const summary = JSON.stringify({ ...r, timeline: undefined, arrivals: undefined, sent });
      assert.equal(r.gaveUp, 0, summary);
      assert.notEqual(r.connectedMs, null, "every client connected again: " + summary);
      // Every room back, on the socket the client holds, and none left in a namespace
      // socket.io closed (`orphaned`, tests/server/realtime.js: where no event reaches
      // it; seen about once in 26 refusing runs under a CPU hog before the node's app
      // kept the namespace, frappe-app/realtime/handlers.js, "site namespaces").
      assert.deepEqual(r.orphaned, { sockets: 0, rooms: 0 }, "no socket in a closed namespace: " + summary);
      assert.equal(r.roomsBack, r.roomsExpected, "every room back: " + summary);
      assert.notEqual(r.heldMs, null, summary);
      assert.ok(r.userInfoCalls >= 60, "each client reconnected through the web server: " + summary);
      assert.ok(sent.connects > 0 && sent.joins > 0, "the pages counted their CONNECTs and joins: " + summary);
      // With admission every permission call is made after the app loaded (at the
      // node's first connection), so none failed: Frappe's handlers dropped no join.
      if (admission) assert.deepEqual(r.nodeErrors.permission, {}, "no join dropped: " + summary);
    });
  }
});
