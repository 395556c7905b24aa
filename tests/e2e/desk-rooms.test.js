// A Desk tab that lives long (issue: rooms bounded by what the tab shows): the script-tag
// build in a Desk page with the real jQuery (pages/desk-form.html), one form showing 200
// ToDos in form.js's order, list views, the realtime server restarted. Asserts on what
// the test web server is asked (permission calls), on presence as a second user sees
// it, on Desk's `locals`, and on the document on screen getting its updates. Also
// Frappe's listener semantics Desk relies on (off(event), `this`).
//
//   npm run build && node --test tests/e2e/desk-rooms.test.js

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  newPage, login, openPage, waitInPage, waitFor, useEnvAndBrowser, roomsOf, closeRealtime, connected, ASSETS,
} from "./harness.js";

const ALICE = "alice@example.com";
const BOB = "bob@example.com";
const DOCS = 200;
const name = (i) => "TD-" + String(i).padStart(4, "0");

/** Opens the long-lived Desk page as `user`, connected, listening to doc/list events
 *  (into `__events`) unless `quiet`. */
async function openDesk(browser, env, user, { quiet = false } = {}) {
  const ctx = await browser.newContext();
  const p = await newPage(ctx);
  await login(p, env.webUrl, user);
  p.logs.length = 0;
  await openPage(p, "/pages/desk-form.html", { siteUrl: env.webUrl });
  await waitInPage(p, () => window.__desk_started === true, null, { what: "desk started" });
  await connected(p);
  if (!quiet) await p.evaluate(() => listen());
  return p;
}

/** The open_doc rooms `user`'s sockets are in, as the server has them. */
const openDocs = (env, user) => roomsOf(env, user).filter((r) => r.startsWith("open_doc:"));

describe("Desk: a tab that showed 200 documents", () => {
  let env;
  let browser;
  useEnvAndBrowser({ site: "site1", web: { staticRoots: [ASSETS] } }, (e, b) => {
    env = e;
    browser = b;
  });

  test("presence follows the form, a reconnect re-joins only what is on screen, stale documents leave locals", async () => {
    const alice = await openDesk(browser, env, ALICE);

    // Two list views, then the form: document after document.
    await alice.evaluate(() => {
      showList("ToDo");
      showList("Note");
    });
    await waitFor(() => ["doctype:ToDo", "doctype:Note"].every((r) => roomsOf(env, ALICE).includes(r)), { what: "list rooms" });
    // The application's own subscriptions (held whatever is on screen).
    await alice.evaluate(() => {
      frappe.realtime.doc_subscribe("ToDo", "TD-0007");
      frappe.realtime.task_subscribe("job-1");
    });
    for (let i = 1; i <= DOCS; i++) {
      await alice.evaluate((n) => showDoc(n), name(i));
      // No ghost viewer at any time: the server never holds this tab in two documents.
      if (i % 20 === 0) {
        await waitFor(() => openDocs(env, ALICE).join() === `open_doc:ToDo/${name(i)}`, { what: `presence on ${name(i)} only` });
      }
    }
    await waitFor(() => roomsOf(env, ALICE).includes(`doc:ToDo/${name(DOCS)}`), { what: "last document's room" });
    // An unsaved document not on screen: Desk must warn when it is shown again.
    await alice.evaluate(() => (locals.ToDo["TD-0050"].__unsaved = 1));

    // Bob opens a document alice left long ago: he is its only viewer. He then opens
    // alice's current document and sees her there.
    const bob = await openDesk(browser, env, BOB);
    await bob.evaluate(() => showDoc("TD-0100"));
    await waitFor(() => openDocs(env, BOB).includes("open_doc:ToDo/TD-0100"), { what: "bob on TD-0100" });
    assert.deepEqual(openDocs(env, ALICE), ["open_doc:ToDo/TD-0200"], "alice is no viewer of TD-0100");
    await bob.evaluate(() => showDoc("TD-0200"));
    await waitInPage(
      bob,
      () => __events.some((e) => e[0] === "doc_viewers" && e[1].docname === "TD-0200" && e[1].users.includes("alice@example.com")),
      null,
      { what: "bob sees alice on TD-0200" },
    );

    // The server restarts; alice's tab shows TD-0200.
    const before = { perm: env.web.counters.permissionCalls, info: env.web.counters.userInfo };
    const aliceId = await alice.evaluate(() => frappe.realtime.socket.id);
    await env.restartRealtime({ abrupt: true, downMs: 300 });
    const wanted = ["doc:ToDo/TD-0200", "open_doc:ToDo/TD-0200", "doc:ToDo/TD-0007", "task_progress:job-1"];
    await waitFor(() => wanted.every((r) => roomsOf(env, ALICE).includes(r)), { what: "on-screen rooms back", timeout: 20000 });
    // A last room joined after the others: once its permission call is seen, every
    // re-join sent at the reconnect has been asked for (one socket, events in order).
    await alice.evaluate(() => frappe.realtime.doc_subscribe("ToDo", "SENTINEL"));
    await waitFor(() => env.web.counters.permissionChecks.some((c) => c.name === "SENTINEL"), { what: "sentinel checked" });
    const calls = env.web.counters.permissionCalls - before.perm - 1;
    assert.ok(calls <= 10, `permission calls on the reconnect: ${calls} (≤ 10)`);
    assert.ok(calls >= 2, `the on-screen document and its presence were checked (${calls})`);
    const rooms = roomsOf(env, ALICE);
    assert.ok(!rooms.includes("doc:ToDo/TD-0199") && !rooms.includes("doc:ToDo/TD-0001"), "documents not on screen are not re-joined");
    assert.ok(!rooms.includes("doctype:ToDo") && !rooms.includes("doctype:Note"), "list views not on screen are not re-joined");
    assert.notEqual(await alice.evaluate(() => frappe.realtime.socket.id), aliceId);

    // Desk's locals: documents not on screen may have missed doc_updates, so they were
    // dropped (model.js remove_from_locals) or, with unsaved changes, marked.
    const state = await alice.evaluate(() => ({
      removed: seen("remove_from_locals").length,
      kept: Object.keys(locals.ToDo).sort(),
      flagged: !!locals.ToDo["TD-0050"].__needs_refresh,
    }));
    assert.equal(state.removed, DOCS - 2, "every parked document but the unsaved one");
    assert.deepEqual(state.kept, ["TD-0050", "TD-0200"]);
    assert.equal(state.flagged, true);

    // The document on screen gets its updates.
    await env.publish({ event: "doc_update", message: { doctype: "ToDo", name: "TD-0200", modified: "2" }, doctype: "ToDo", docname: "TD-0200" });
    await waitInPage(alice, () => __events.some((e) => e[0] === "doc_update" && e[1].name === "TD-0200"), null, { what: "doc_update on screen" });

    // Shown again, a parked document is loaded afresh and its room joined again; so is a
    // parked list view when the route shows it.
    await alice.evaluate(() => showDoc("TD-0001"));
    await alice.evaluate(() => showList("ToDo"));
    await waitFor(() => ["doc:ToDo/TD-0001", "doctype:ToDo"].every((r) => roomsOf(env, ALICE).includes(r)), { what: "rejoined when shown" });
    await env.publish({ event: "doc_update", message: { doctype: "ToDo", name: "TD-0001" }, doctype: "ToDo", docname: "TD-0001" });
    await waitInPage(alice, () => __events.some((e) => e[0] === "doc_update" && e[1].name === "TD-0001"), null, { what: "doc_update after re-show" });
    // Leaving the form's page closes presence.
    await alice.evaluate(() => hideForm());
    await waitFor(() => openDocs(env, ALICE).length === 0, { what: "presence closed on page hide" });

    await closeRealtime(env, bob);
    await closeRealtime(env, alice);
  });

  test("a room held by the form and by the application stays while either holds it", async () => {
    const p = await openDesk(browser, env, ALICE);
    await p.evaluate(() => showDoc("TD-0300"));
    await waitFor(() => roomsOf(env, ALICE).includes("doc:ToDo/TD-0300"), { what: "room joined for the form" });
    await p.evaluate(async () => {
      frappe.realtime.doc_subscribe("ToDo", "TD-0300");
      frappe.realtime.doc_unsubscribe("ToDo", "TD-0300");
      // Once answered, the server has handled every event sent before it.
      await frappe.realtime.socket.timeout(5000).emitWithAck("echo_ack");
    });
    assert.ok(roomsOf(env, ALICE).includes("doc:ToDo/TD-0300"), "the form's hold keeps the room");
    // The form's page hidden: presence ends, the document stays subscribed (Desk keeps it in locals).
    await p.evaluate(async () => {
      hideForm();
      await frappe.realtime.socket.timeout(5000).emitWithAck("echo_ack");
    });
    assert.deepEqual(openDocs(env, ALICE), []);
    assert.ok(roomsOf(env, ALICE).includes("doc:ToDo/TD-0300"));
    await closeRealtime(env, p);
  });

  test("Frappe's listener semantics: off(event) removes the oldest listener; listeners get the socket as this", async () => {
    const p = await openDesk(browser, env, ALICE, { quiet: true });
    await p.evaluate(() => {
      window.__calls = [];
      showList("ToDo");
      // List View, then Report View register; list_view.js then calls off("list_update")
      // before registering again (frappe/public/js/frappe/list/list_view.js).
      frappe.realtime.on("list_update", function () {
        __calls.push(["list view", this === frappe.realtime.socket]);
      });
      frappe.realtime.on("list_update", function () {
        __calls.push(["report view", this === frappe.realtime.socket]);
      });
      frappe.realtime.off("list_update");
    });
    await waitFor(() => roomsOf(env, ALICE).includes("doctype:ToDo"), { what: "list room" });
    await env.publish({ event: "list_update", message: { doctype: "ToDo", name: "TD-1" } });
    // Both listeners would run in the one dispatch of the event.
    await waitInPage(p, () => __calls.length > 0, null, { what: "list_update" });
    assert.deepEqual(await p.evaluate(() => __calls), [["report view", true]]);
    // On the socket itself, socket.io-client's arity: off(event) removes every listener.
    const left = await p.evaluate(() => {
      const f = () => {};
      frappe.realtime.on("x", f);
      frappe.realtime.on("x", () => {});
      frappe.realtime.on("x", () => {});
      const n = [frappe.realtime.client.listeners("x").length];
      frappe.realtime.off("x", f);
      n.push(frappe.realtime.client.listeners("x").length);
      frappe.realtime.socket.off("x");
      n.push(frappe.realtime.client.listeners("x").length);
      return n;
    });
    assert.deepEqual(left, [3, 2, 0]);
    await closeRealtime(env, p);
  });
});
