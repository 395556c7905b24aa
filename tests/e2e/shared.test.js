// End-to-end: shared mode (www/shared.js, www/shared-hub.js, www/shared-worker.js; docs/shared.md). Tabs
// of one browser context (one origin, one cookie jar) open tests/e2e/pages/shared-tab.html,
// which runs frappe.realtime over SharedRealtimeClient; the realtime server's own view
// (socketsOf, rooms) says how many connections there are and which rooms they hold.
// Both modes: "worker" (a module SharedWorker runs the client) and "locks" (SharedWorker
// hidden in the page: Web Locks leader election + BroadcastChannel).
//
//   node --test tests/e2e/shared.test.js

import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { waitInPage, waitFor, useEnvAndBrowser, socketsOf, roomsOf, hasRooms, lacksRooms, openRealtime } from "./harness.js";
import { sleep } from "../server/util.js";

const ALICE = "alice@example.com";
const BOB = "bob@example.com";
const MODES = { worker: "mode=worker", locks: "mode=locks&nosw=1" };

describe("shared mode: one connection for the tabs of a site", () => {
  let env;
  let browser;
  let ctx = null;

  useEnvAndBrowser({ site: "site1" }, (e, b) => {
    env = e;
    browser = b;
  });

  // Every test has its own context (its own SharedWorker, locks and channels); closing
  // it closes its connection, which the next test waits for.
  afterEach(async () => {
    if (ctx) await ctx.close();
    ctx = null;
    await waitFor(() => socketsOf(env, ALICE).length === 0 && socketsOf(env, BOB).length === 0, {
      what: "previous test's sockets gone",
      timeout: 5000,
    }).catch((e) => assert.fail(`${e.message}: ${JSON.stringify([...socketsOf(env, ALICE), ...socketsOf(env, BOB)])}`));
  });

  /** `n` tabs of a fresh context logged in as `user`, frappe.realtime initialised and connected. */
  async function openTabs(n, mode, { user = ALICE } = {}) {
    ctx = await browser.newContext();
    const pages = [];
    for (let i = 0; i < n; i++) {
      // One login for the context: the other tabs share its cookie jar.
      pages.push(await openRealtime(ctx, env, { user: i === 0 ? user : null, page: `shared-tab.html?${MODES[mode]}` }));
    }
    for (const p of pages) await connected(p);
    await upgraded(user);
    return pages;
  }

  // A socket still on long-polling when its context closes is seen gone by the server
  // only at the ping timeout (no TCP close); so every test waits for the upgrade.
  const upgraded = (user = ALICE) =>
    waitFor(() => socketsOf(env, user).length > 0 && socketsOf(env, user).every((s) => s.transport === "websocket"), {
      what: "upgraded to WebSocket",
    });

  // Not harness.js's connected(): a member also waits for the id the hub hands it.
  const connected = (p) =>
    waitInPage(p, () => frappe.realtime.socket.connected && frappe.realtime.socket.id, null, { what: "connected", timeout: 8000 });
  const roleOf = (p) => p.evaluate(() => frappe.realtime.client.shared.role);

  /**
   * Waits for the takeover after whatever happened at `t0`: one socket of alice's, not
   * `oldId`, in every room of `rooms`; asserts it took under 1 s.
   */
  async function tookOver(t, t0, oldId, rooms) {
    await waitFor(
      () => {
        const s = socketsOf(env, ALICE);
        return s.length === 1 && s[0].id !== oldId && rooms.every((r) => s[0].rooms.includes(r));
      },
      { what: "new socket with every room", timeout: 3000, interval: 10 },
    );
    const took = Date.now() - t0;
    t.diagnostic(`takeover: ${took} ms from closing to a new socket with every room`);
    assert.ok(took < 1000, `takeover took ${took} ms`);
  }

  for (const mode of Object.keys(MODES)) {
    test(`${mode}: 5 tabs, 1 server socket; events reach all 5; acks return to the emitting tab`, async () => {
      const tabs = await openTabs(5, mode);
      const roles = await Promise.all(tabs.map(roleOf));
      if (mode === "worker") assert.deepEqual(roles, Array(5).fill("worker"));
      else {
        assert.deepEqual([...roles].sort(), ["follower", "follower", "follower", "follower", "leader"]);
        // The leader runs the connection with the client its page already loaded (pkg/index.js):
        // no second copy of the client, the glue or the wasm module.
        const leader = tabs[roles.indexOf("leader")];
        const loaded = await leader.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname));
        assert.deepEqual(loaded.filter((u) => /\/(client|frappe_realtime)\.js$|\.wasm$/.test(u)), ["/assets/frappe-realtime/pkg/frappe_realtime_bg.wasm"]);
      }
      await waitFor(() => socketsOf(env, ALICE).length === 1, { what: "one socket" });
      await sleep(200);
      assert.equal(socketsOf(env, ALICE).length, 1, "still one socket");
      // Every tab shows the same socket id.
      const ids = new Set(await Promise.all(tabs.map((p) => p.evaluate(() => frappe.realtime.socket.id))));
      assert.deepEqual([...ids], [socketsOf(env, ALICE)[0].id]);

      // Events: to every tab listening, and only to those.
      await Promise.all(tabs.map((p, i) => p.evaluate((i) => i < 4 && record("notification"), i)));
      await Promise.all(tabs.map((p) => p.evaluate(() => record("refetch_resource"))));
      await env.publish({ event: "notification", message: { n: 1 }, user: ALICE });
      await env.publish({ event: "refetch_resource", message: { doctype: "ToDo" }, user: ALICE });
      for (const p of tabs) await waitInPage(p, () => seen("refetch_resource").length === 1, null, { what: "refetch_resource in every tab" });
      const notes = await Promise.all(tabs.map((p) => p.evaluate(() => seen("notification").map((e) => e[1]))));
      assert.deepEqual(notes, [[{ n: 1 }], [{ n: 1 }], [{ n: 1 }], [{ n: 1 }], []]);

      // Acks: each tab's own answer, by promise, by callback, by timeout callback.
      const echoes = env.state().eventsReceived.echo_ack || 0;
      const acks = await Promise.all(
        tabs.map((p, i) =>
          p.evaluate(async (i) => {
            const s = frappe.realtime.socket;
            const viaPromise = await s.emitWithAck("echo_ack", "tab" + i, { i });
            const viaCallback = await new Promise((r) => s.emit("echo_ack", "cb" + i, (...a) => r(a)));
            const viaTimeout = await new Promise((r) => s.timeout(5000).emit("echo_ack", "t" + i, (err, ...a) => r([err, ...a])));
            const late = await s
              .timeout(150)
              .emitWithAck("echo_never_ack")
              .then(() => "resolved", (e) => e.message);
            return { viaPromise, viaCallback, viaTimeout, late };
          }, i),
        ),
      );
      acks.forEach((a, i) => {
        assert.equal(a.viaPromise, "tab" + i);
        assert.deepEqual(a.viaCallback, ["cb" + i]);
        assert.deepEqual(a.viaTimeout, [null, "t" + i]);
        assert.equal(a.late, "operation has timed out");
      });
      // The server saw each emit once: 5 tabs × 3 echo_ack.
      assert.equal(env.state().eventsReceived.echo_ack - echoes, 15);
    });

    test(`${mode}: a tab that closes leaves its rooms only when it was their last user`, async () => {
      const tabs = await openTabs(3, mode);
      await tabs[0].evaluate(() => {
        frappe.realtime.doc_subscribe("ToDo", "TD-1");
        frappe.realtime.doc_open("ToDo", "TD-1");
        frappe.realtime.doctype_subscribe("Note");
      });
      await tabs[1].evaluate(() => {
        frappe.realtime.doc_subscribe("ToDo", "TD-1");
        frappe.realtime.doc_open("ToDo", "TD-1");
      });
      await tabs[2].evaluate(() => frappe.realtime.doc_subscribe("ToDo", "TD-2"));
      const all = ["doc:ToDo/TD-1", "open_doc:ToDo/TD-1", "doctype:Note", "doc:ToDo/TD-2"];
      await waitFor(hasRooms(env, ALICE, all), { what: "rooms joined" });
      const counts = () => env.state().eventsReceived;
      const before = { ...counts() };

      // A non-leader tab first (in locks mode, closing the leader is the takeover test).
      const order = mode === "locks" ? await leaderLast(tabs) : tabs;
      // The one that was the only user of doctype:Note / TD-2 goes: those rooms go.
      const only = order.find((p) => p === tabs[0] || p === tabs[2]);
      await only.close();
      const gone = only === tabs[0] ? ["doctype:Note"] : ["doc:ToDo/TD-2"];
      await waitFor(lacksRooms(env, ALICE, gone), { what: `${gone} left`, timeout: 3000 });
      // Shared rooms stay while another tab still holds them.
      for (const r of ["doc:ToDo/TD-1", "open_doc:ToDo/TD-1"]) assert.ok(roomsOf(env, ALICE).includes(r), `${r} kept: ${roomsOf(env, ALICE)}`);
      assert.equal(socketsOf(env, ALICE).length, 1);
      if (only === tabs[0]) {
        // Presence: TD-1 is still open in tabs[1], so no doc_close was sent.
        assert.equal(counts().doc_close || 0, before.doc_close || 0);
      }
      // doc_unsubscribe / doc_close in one tab of two keep the rooms; in the last one they leave them.
      const rest = [tabs[0], tabs[1]].filter((p) => p !== only);
      if (rest.length === 2) {
        await rest[0].evaluate(() => {
          frappe.realtime.doc_unsubscribe("ToDo", "TD-1");
          frappe.realtime.doc_close("ToDo", "TD-1");
        });
        await sleep(200);
        for (const r of ["doc:ToDo/TD-1", "open_doc:ToDo/TD-1"]) assert.ok(roomsOf(env, ALICE).includes(r), `${r} kept: ${roomsOf(env, ALICE)}`);
      }
      await rest[rest.length - 1].evaluate(() => {
        frappe.realtime.doc_unsubscribe("ToDo", "TD-1");
        frappe.realtime.doc_close("ToDo", "TD-1");
      });
      await waitFor(lacksRooms(env, ALICE, ["doc:ToDo/TD-1", "open_doc:ToDo/TD-1"]), {
        what: "TD-1 rooms left by the last tab",
        timeout: 3000,
      }).catch((e) => assert.fail(`${e.message}; rooms: ${roomsOf(env, ALICE)}; closed tab ${tabs.indexOf(only)}`));
    });
  }

  /** The tabs with the leader last (locks mode). */
  async function leaderLast(tabs) {
    const roles = await Promise.all(tabs.map(roleOf));
    return [...tabs.filter((_, i) => roles[i] !== "leader"), ...tabs.filter((_, i) => roles[i] === "leader")];
  }

  test("locks: closing the leader tab: another takes over within 1 s, subscriptions intact", async (t) => {
    const tabs = await openTabs(5, "locks");
    const leader = tabs[(await Promise.all(tabs.map(roleOf))).indexOf("leader")];
    const others = tabs.filter((p) => p !== leader);
    // Rooms held only by the leader tab, and by others.
    await leader.evaluate(() => frappe.realtime.doc_subscribe("ToDo", "LEADER-ONLY"));
    for (const [i, p] of others.entries()) {
      await p.evaluate((i) => {
        frappe.realtime.doc_subscribe("ToDo", "TD-" + i);
        frappe.realtime.doctype_subscribe("ToDo");
        frappe.realtime.task_subscribe("task-" + i);
        record("doc_update");
        record("disconnect");
      }, i);
    }
    const rooms = ["doctype:ToDo", ...others.flatMap((_, i) => [`doc:ToDo/TD-${i}`, `task_progress:task-${i}`])];
    await waitFor(hasRooms(env, ALICE, [...rooms, "doc:ToDo/LEADER-ONLY"]), { what: "rooms joined" });
    const oldId = socketsOf(env, ALICE)[0].id;

    const t0 = Date.now();
    await leader.close();
    await tookOver(t, t0, oldId, rooms);
    assert.ok(!roomsOf(env, ALICE).includes("doc:ToDo/LEADER-ONLY"), "the closed leader's own room is not re-joined");
    const roles = await Promise.all(others.map(roleOf));
    assert.deepEqual(roles.sort(), ["follower", "follower", "follower", "leader"]);
    for (const p of others) await connected(p);
    // Events still reach every remaining tab through the new leader.
    await env.publish({ event: "doc_update", message: { name: "TD-0" }, doctype: "ToDo", docname: "TD-0" });
    for (const p of others) await waitInPage(p, () => seen("doc_update").length === 1 || null, null, { what: "doc_update after takeover" });
    // Every tab saw the connection go and come back.
    for (const p of others) assert.equal((await p.evaluate(() => seen("disconnect").map((e) => e[1])))[0], "transport close");
    await upgraded();
  });

  test("worker: the SharedWorker dies: a new one takes over within 1 s, subscriptions intact", async (t) => {
    const tabs = await openTabs(3, "worker");
    for (const [i, p] of tabs.entries()) await p.evaluate((i) => frappe.realtime.doc_subscribe("ToDo", "W-" + i), i);
    const rooms = tabs.map((_, i) => `doc:ToDo/W-${i}`);
    await waitFor(hasRooms(env, ALICE, rooms), { what: "rooms joined" });
    const oldId = socketsOf(env, ALICE)[0].id;
    const oldHub = await tabs[0].evaluate(() => frappe.realtime.client.shared.hub);

    const cdp = await browser.browser.newBrowserCDPSession();
    const { targetInfos } = await cdp.send("Target.getTargets");
    const workers = targetInfos.filter((t) => t.type === "shared_worker" && t.url.endsWith("/www/shared-worker.js"));
    assert.equal(workers.length, 1, JSON.stringify(targetInfos.map((t) => [t.type, t.url])));
    const t0 = Date.now();
    await cdp.send("Target.closeTarget", { targetId: workers[0].targetId });
    try {
      await tookOver(t, t0, oldId, rooms);
    } finally {
      await cdp.detach();
    }
    const hubs = new Set(await Promise.all(tabs.map((p) => p.evaluate(() => frappe.realtime.client.shared.hub))));
    assert.equal(hubs.size, 1);
    assert.notEqual([...hubs][0], oldHub);
    await upgraded();
  });

  test("tabs of two users in one browser context never share: the key includes frappe.session.user", async () => {
    const tabs = await openTabs(1, "worker");
    // Log in as bob in a second tab of the same context (the cookie jar now says bob).
    const p = await openRealtime(ctx, env, { user: BOB, page: "shared-tab.html?mode=worker" });
    await connected(p);
    await waitFor(() => socketsOf(env, BOB).length === 1, { what: "bob's own socket" });
    await upgraded(BOB);
    assert.equal(socketsOf(env, ALICE).length, 1, "alice's tab keeps its own");
    assert.notEqual(await tabs[0].evaluate(() => frappe.realtime.socket.id), await p.evaluate(() => frappe.realtime.socket.id));
  });
});

describe("the listener methods: RealtimeClient and SharedRealtimeClient behave alike", () => {
  let env;
  let browser;

  useEnvAndBrowser({ site: "site1" }, (e, b) => {
    env = e;
    browser = b;
  });

  /**
   * In the page: step 1 (registration) on a new client of class `name` at `window.__c`,
   * whose events go to `window.__ev`; resolves with what it saw once the client is
   * connected (as alice), for the test's steps 2 and 3.
   */
  function exercise({ name, url }) {
    return (async () => {
      const { RealtimeClient } = await import("/assets/frappe-realtime/pkg/index.js");
      const m = name === "RealtimeClient" ? { RealtimeClient } : await import("/assets/frappe-realtime/www/shared.js");
      const options = name === "RealtimeClient" ? { withCredentials: true } : { withCredentials: true, shared: "locks", sharedKey: "listener-methods" };
      // SharedRealtimeClient on its own is given the class its hub runs (it never imports client.js).
      const c = (window.__c = new m[name](url, options, { RealtimeClient }));
      const log = (window.__ev = []);
      const a = () => log.push("a");
      const b = () => log.push("b");
      const n = () => log.push("null");
      const five = () => log.push("5");
      const label = (fs) => fs.map((f) => (f === a ? "a" : f === b ? "b" : f === n ? "null" : f === five ? "5" : "?")).join("");
      const out = {};
      // 1. Registration: names are strings; on / once keep order and duplicates; off(event, fn) drops the first.
      c.on(5, five).on("e", a).once("e", b).on("e", a);
      out.registered = [label(c.listeners("e")), label(c.listeners("5")), c.hasListeners(5)];
      c.off("e", a);
      out.afterOffFn = label(c.listeners("e"));
      // off(null) is the event "null" (as socket.io-client's emitter keys it), not every event.
      c.on("null", n).off(null);
      out.afterOffNull = [c.hasListeners("null"), label(c.listeners("e")), c.hasListeners("5")];
      c.off("5");
      out.afterOffEvent = [c.hasListeners("5"), c.hasListeners("e")];
      try {
        c.on("x", "not a function");
        out.typeError = "no throw";
      } catch (e) {
        out.typeError = `${e.name}: ${e.message}`;
      }
      await new Promise((resolve) => c.once("connect", resolve));
      return out;
    })();
  }

  for (const name of ["RealtimeClient", "SharedRealtimeClient"]) {
    test(`${name}: on/once/off in their three forms, listeners(), hasListeners(); a closed client takes no listener`, async () => {
      const ctx = await browser.newContext();
      try {
        const p = await openRealtime(ctx, env, { page: "shared-tab.html?mode=locks&nosw=1", init: false });
        const out = await p.evaluate(exercise, { name, url: env.socketUrl });
        assert.deepEqual(out, {
          registered: ["aba", "5", true],
          afterOffFn: "ba",
          afterOffNull: [false, "ba", true],
          afterOffEvent: [false, true],
          typeError: "TypeError: frappe-realtime: listener must be a function",
        });
        // 2. Dispatch: the once-listener runs on the first event only, in registration order.
        await waitFor(() => socketsOf(env, ALICE).length === 1, { what: "alice's socket" });
        await env.publish({ event: "e", message: 1, user: ALICE });
        await waitInPage(p, () => __ev.length === 2, null, { what: "first e" });
        await env.publish({ event: "e", message: 2, user: ALICE });
        await waitInPage(p, () => __ev.length === 3, null, { what: "second e" });
        // 3. off() drops every listener; after close(), on() adds none.
        const after = await p.evaluate(() => {
          __c.off();
          const none = [__c.hasListeners("e"), __c.hasListeners("connect"), __c.resources()[0]];
          __c.close();
          __c.on("late", () => {});
          return { ev: __ev, none, closed: [__c.hasListeners("late"), __c.resources()[0]] };
        });
        assert.deepEqual(after, { ev: ["b", "a", "a"], none: [false, false, 0], closed: [false, 0] });
        await waitFor(() => socketsOf(env, ALICE).length === 0, { what: "the socket closed" });
      } finally {
        await ctx.close();
      }
    });
  }
});
