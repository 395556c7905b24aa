// End-to-end: acknowledged joins (README, "Acknowledged joins"). The realtime server
// loads the companion Frappe app's handler (frappe-app/realtime/handlers.js) as Frappe's
// (v16) loads an installed app's, and the built package runs in headless Chromium with
// `joinAcks` on: a join whose permission call the web server refused is sent again
// without the page asking, a refused one is not, and a client without the option, or a
// server without the app, goes on as before.
//
//   node --test tests/e2e/join-acks.test.js

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { WITH_COMPANION_APP, setAdmission } from "../server/companion-app.js";
import { useEnvAndBrowser, openRealtime, connected, closeRealtime, waitFor, roomsOf, hasRooms } from "./harness.js";

// The companion app's admission (frappe-app/realtime/admission.js) makes the calls
// the web server refused again instead of failing them; these tests are about what a
// refusal does, so it is off here (tests/e2e/app-admission.test.js has it on).
setAdmission(false);

const ALICE = "alice@example.com";

/** The `doc_subscribe`s of `docname` the server received from ALICE, with whether each
 *  asked for an ack. */
const subscribesOf = (env, docname) =>
  env
    .state()
    .received.filter((r) => r.user === ALICE && r.event === "doc_subscribe" && r.args[1] === docname)
    .map((r) => r.args[2] === "[ack]");

describe("acknowledged joins: the companion Frappe app and `joinAcks`", () => {
  let env;
  let browser;

  useEnvAndBrowser(
    { site: "site1", ...WITH_COMPANION_APP },
    (e, b) => {
      env = e;
      browser = b;
    },
  );

  test("a join the web server refused is sent again and taken; a denied one is not sent again", async () => {
    const ctx = await browser.newContext();
    const page = await openRealtime(ctx, env, { options: { joinAcks: true } });
    await connected(page);
    // One worker and no queue: of three permission calls at once, two are refused (502),
    // as gunicorn behind nginx refuses with a full backlog. Frappe's own handlers would
    // drop those joins without a word.
    env.web.setCapacity({ workers: 1, serviceMs: 1000, queue: 0 });
    try {
      await page.evaluate(() => {
        frappe.realtime.doc_subscribe("ToDo", "TD-A1");
        frappe.realtime.doc_subscribe("ToDo", "TD-A2");
        frappe.realtime.doc_subscribe("Secret", "S-1");
      });
      await waitFor(() => env.web.state().capacity.refused >= 1, { what: "a permission call refused" });
    } finally {
      env.web.setCapacity(null);
    }
    await waitFor(hasRooms(env, ALICE, ["doc:ToDo/TD-A1", "doc:ToDo/TD-A2"]), {
      what: "both rooms joined, the refused joins sent again",
      timeout: 20000,
    });
    const a1 = subscribesOf(env, "TD-A1");
    const a2 = subscribesOf(env, "TD-A2");
    assert.ok(a1.length + a2.length >= 3, `a refused join went again: ${a1.length} + ${a2.length}`);
    assert.ok([...a1, ...a2].every(Boolean), "every join asked for an ack");
    // The denied document: answered `false` (or refused, then answered `false`), never
    // joined, and not sent again once answered. Every refused join has gone again by now;
    // one more round of retries would have come within the 20 s above.
    assert.ok(!roomsOf(env, ALICE).includes("doc:Secret/S-1"));
    assert.ok(subscribesOf(env, "S-1").length <= 2, `Secret sent ${subscribesOf(env, "S-1").length} times`);
    await closeRealtime(env, page);
    await ctx.close();
  });

  test("the app's answers on the wire (socket.io-client in Node): taken, refused, failed; doc_open and joins without an ack left to Frappe", async () => {
    const s = io(`${env.realtimeUrl}/site1`, {
      forceNew: true,
      reconnection: false,
      extraHeaders: { Origin: env.webUrl, Cookie: `sid=${env.login(ALICE)}` },
    });
    try {
      await new Promise((resolve, reject) => {
        s.once("connect", resolve);
        s.once("connect_error", reject);
      });
      const ask = (...args) => s.timeout(10000).emitWithAck(...args);
      assert.equal(await ask("doc_subscribe", "ToDo", "TD-C1"), true);
      assert.equal(await ask("doctype_subscribe", "Note"), true);
      assert.equal(await ask("doc_subscribe", "Secret", "S-2"), false);
      assert.equal(await ask("task_subscribe", "job-c"), true);
      assert.equal(await ask("doc_subscribe", "ToDo", ""), false, "an empty name");
      const rooms = () => roomsOf(env, ALICE);
      for (const r of ["doc:ToDo/TD-C1", "doctype:Note", "task_progress:job-c"]) assert.ok(rooms().includes(r), `${r} in ${rooms()}`);
      assert.ok(!rooms().includes("doc:Secret/S-2"));
      // The web server refusing (one worker, no queue): one of two calls at once fails.
      env.web.setCapacity({ workers: 1, serviceMs: 1000, queue: 0 });
      let answers;
      try {
        answers = await Promise.all([ask("doc_subscribe", "ToDo", "TD-C2"), ask("doc_subscribe", "ToDo", "TD-C3")]);
      } finally {
        env.web.setCapacity(null);
      }
      assert.deepEqual(answers.map((a) => (a === true ? "taken" : typeof a.error === "string" ? "failed" : a)).sort(), ["failed", "taken"]);
      // doc_open (with or without an ack) and a join without one: Frappe's handlers.
      s.emit("doc_open", "ToDo", "TD-C1", () => assert.fail("doc_open is Frappe's: never answered"));
      s.emit("doc_subscribe", "ToDo", "TD-C4");
      await waitFor(() => rooms().includes("open_doc:ToDo/TD-C1") && rooms().includes("doc:ToDo/TD-C4"), {
        what: "Frappe's handlers joined open_doc: and doc:",
      });
    } finally {
      s.disconnect();
    }
  });

  test("without `joinAcks` the joins ask for no ack and the app leaves them to Frappe's handlers", async () => {
    const ctx = await browser.newContext();
    const page = await openRealtime(ctx, env);
    await connected(page);
    await page.evaluate(() => {
      frappe.realtime.doc_subscribe("ToDo", "TD-B1");
      frappe.realtime.doctype_subscribe("Note");
    });
    await waitFor(hasRooms(env, ALICE, ["doc:ToDo/TD-B1", "doctype:Note"]), { what: "rooms joined by Frappe's handlers" });
    assert.deepEqual(subscribesOf(env, "TD-B1"), [false]);
    await closeRealtime(env, page);
    await ctx.close();
  });
});
