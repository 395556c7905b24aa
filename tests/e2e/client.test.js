// End-to-end: the built package (pkg/ + www/) in headless Chromium, on a page
// served from the site's origin like a Frappe page, against the Frappe-compatible
// realtime server (socket.io npm), its stub web server and a real redis-server.
//
//   node --test tests/e2e/client.test.js

import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import {
  newPage, login, openPage, waitInPage, waitFor, useEnvAndBrowser, socketsOf, roomsOf, closeRealtime, openRealtime, connected,
} from "./harness.js";
import { sleep } from "../server/util.js";

const ALICE = "alice@example.com";
const BOB = "bob@example.com";

/** Ids of `user`'s sockets the server knows now. */
const idsOf = (env, user) => new Set(socketsOf(env, user).map((s) => s.id));

describe("frappe.realtime against a Frappe-compatible server", () => {
  let env;
  let browser;
  let ctxA;
  let ctxB;

  useEnvAndBrowser({ site: "site1" }, (e, b) => {
    env = e;
    browser = b;
  });

  before(async () => {
    ctxA = await browser.newContext();
    ctxB = await browser.newContext();
  });

  test("cookie auth connects and joins user:, website and all", async () => {
    const page = await openRealtime(ctxA, env);
    await connected(page);
    await waitFor(() => roomsOf(env, ALICE).includes(`user:${ALICE}`), { what: "rooms joined" });
    const rooms = roomsOf(env, ALICE);
    for (const r of [`user:${ALICE}`, "website", "all"]) assert.ok(rooms.includes(r), `${r} in ${rooms}`);
    const transport = await page.evaluate(() => frappe.realtime.socket.io.engine.transport.name);
    assert.ok(["polling", "websocket"].includes(transport));
    await closeRealtime(env, page);
  });

  test("events arrive through the user:, all, website, doctype:, doc: and task_progress: rooms", async () => {
    const page = await openRealtime(ctxA, env);
    await connected(page);
    await page.evaluate(() => {
      for (const e of ["notification", "broadcast", "site_news", "list_update", "doc_update", "task_progress"]) record(e);
      frappe.realtime.doctype_subscribe("ToDo");
      frappe.realtime.doc_subscribe("ToDo", "TD-0001");
      frappe.realtime.task_subscribe("task-42");
    });
    await waitFor(
      () => ["doctype:ToDo", "doc:ToDo/TD-0001", "task_progress:task-42"].every((r) => roomsOf(env, ALICE).includes(r)),
      { what: "subscribed rooms", timeout: 5000 },
    );
    await env.publish({ event: "notification", message: { n: 1 }, user: ALICE });
    await env.publish({ event: "broadcast", message: { n: 2 } });
    await env.publish({ event: "site_news", message: { n: 3 }, room: "website" });
    await env.publish({ event: "list_update", message: { doctype: "ToDo", name: "TD-0002" }, room: "doctype:ToDo" });
    await env.publish({ event: "doc_update", message: { name: "TD-0001" }, doctype: "ToDo", docname: "TD-0001" });
    await env.publish({ event: "task_progress", message: { progress: 50 }, task_id: "task-42" });
    const log = await waitInPage(page, () => __log.length >= 6 && __log, null, { what: "six events" });
    const byEvent = Object.fromEntries(log.map(([e, m]) => [e, m]));
    assert.deepEqual(byEvent.notification, { n: 1 });
    assert.deepEqual(byEvent.broadcast, { n: 2 });
    assert.deepEqual(byEvent.site_news, { n: 3 });
    assert.equal(byEvent.list_update.name, "TD-0002");
    assert.equal(byEvent.doc_update.name, "TD-0001");
    assert.equal(byEvent.task_progress.progress, 50);
    await closeRealtime(env, page);
  });

  test("a denied doc_subscribe joins no room and the connection goes on", async () => {
    const page = await openRealtime(ctxA, env);
    await connected(page);
    await page.evaluate(() => {
      record("doc_update");
      frappe.realtime.doc_subscribe("Secret", "S-1");
      frappe.realtime.doc_subscribe("ToDo", "TD-9");
    });
    await waitFor(() => roomsOf(env, ALICE).includes("doc:ToDo/TD-9"), { what: "allowed room" });
    assert.ok(!roomsOf(env, ALICE).includes("doc:Secret/S-1"));
    assert.ok(await page.evaluate(() => frappe.realtime.socket.connected));
    await closeRealtime(env, page);
  });

  test("msgprint and progress reach frappe.msgprint and frappe.show_progress", async () => {
    const page = await openRealtime(ctxA, env);
    await connected(page);
    await env.publish({ event: "msgprint", message: "Saved", user: ALICE });
    // publish_progress goes to the session user, as in Frappe.
    await env.publishProgress({ percent: 40, title: "Import", description: "rows", session_user: ALICE });
    const log = await waitInPage(
      page,
      () => seen("msgprint").length && seen("show_progress").length && __log,
      null,
      { what: "msgprint + progress" },
    );
    assert.deepEqual(log.find((e) => e[0] === "msgprint"), ["msgprint", "Saved"]);
    const progress = log.find((e) => e[0] === "show_progress");
    assert.equal(progress[1], "Import");
    assert.equal(progress[2], 40);
    assert.equal(progress[3], 100);
    assert.equal(progress[4], "rows");
    await closeRealtime(env, page);
  });

  test("doc_viewers between two pages logged in as two users", async () => {
    const a = await openRealtime(ctxA, env, { user: ALICE });
    const b = await openRealtime(ctxB, env, { user: BOB });
    await Promise.all([connected(a), connected(b)]);
    await a.evaluate(() => {
      record("doc_viewers");
      frappe.realtime.doc_open("ToDo", "TD-7");
    });
    await waitFor(() => roomsOf(env, ALICE).includes("open_doc:ToDo/TD-7"), { what: "alice in open_doc" });
    await b.evaluate(() => frappe.realtime.doc_open("ToDo", "TD-7"));
    const viewers = await waitInPage(
      a,
      () => {
        const v = seen("doc_viewers").map((e) => e[1]);
        const last = v[v.length - 1];
        return last && last.users && last.users.length === 2 && last;
      },
      null,
      { what: "doc_viewers with both users" },
    );
    assert.equal(viewers.doctype, "ToDo");
    assert.equal(viewers.docname, "TD-7");
    assert.deepEqual([...viewers.users].sort(), [ALICE, BOB]);
    await b.evaluate(() => frappe.realtime.doc_close("ToDo", "TD-7"));
    await waitInPage(
      a,
      () => {
        const v = seen("doc_viewers").map((e) => e[1]);
        const last = v[v.length - 1];
        return last && last.users.length === 1 && last.users[0] === "alice@example.com";
      },
      null,
      { what: "bob left" },
    );
    await closeRealtime(env, a);
    await closeRealtime(env, b);
  });

  test("off(event, fn) removes exactly fn; off(event) removes all", async () => {
    const page = await openRealtime(ctxA, env);
    await connected(page);
    await page.evaluate(() => {
      window.fnA = record("ping_test");
      window.fnB = (...a) => __log.push(["B", ...a]);
      frappe.realtime.on("ping_test", fnB);
      frappe.realtime.off("ping_test", fnA);
      // A different function with the same body is not the same listener.
      frappe.realtime.off("ping_test", (...a) => __log.push(["B", ...a]));
    });
    await env.publish({ event: "ping_test", message: 1, user: ALICE });
    await waitInPage(page, () => seen("B").length === 1, null, { what: "B called" });
    assert.equal(await page.evaluate(() => seen("ping_test").length), 0);
    await page.evaluate(() => frappe.realtime.off("ping_test"));
    await env.publish({ event: "ping_test", message: 2, user: ALICE });
    await env.publish({ event: "marker", message: 3, user: ALICE });
    await page.evaluate(() => record("marker"));
    await env.publish({ event: "marker", message: 4, user: ALICE });
    await waitInPage(page, () => seen("marker").length >= 1, null, { what: "marker" });
    assert.equal(await page.evaluate(() => seen("B").length), 1);
    await closeRealtime(env, page);
  });

  test("a server event with a lifecycle or reserved name reaches no lifecycle listener: it is refused with a ProtocolError", async () => {
    // WebSocket (plain events take the JS fast path) and polling (every frame goes through the core).
    for (const transports of [["websocket"], ["polling"]]) {
      const page = await openRealtime(ctxA, env, { options: { transports } });
      await connected(page);
      const got = await page.evaluate(async () => {
        const c = frappe.realtime.client;
        const calls = [];
        for (const name of ["reconnect", "reconnect_attempt", "reconnect_failed", "upgrade", "dropped", "disconnect", "connect"]) {
          c.on(name, (...a) => calls.push([name, ...a]));
        }
        const errors = [];
        c.on("error", (e) => errors.push([e.name, e.message]));
        const done = new Promise((resolve) => c.on("marker_after", resolve));
        // The socket.io server itself refuses to emit connect / disconnect (the core's
        // scenario tests cover those frames).
        for (const name of ["reconnect", "reconnect_failed", "upgrade", "dropped", "error"]) {
          c.emit("echo_emit", name, "spoofed");
        }
        c.emit("echo_emit", "marker_after", 1);
        await done;
        return { calls, errors, connected: c.connected };
      });
      assert.deepEqual(got.calls, [], `${transports}: no lifecycle listener called`);
      assert.deepEqual(
        got.errors,
        ["reconnect", "reconnect_failed", "upgrade", "dropped", "error"].map((n) => [
          "ProtocolError",
          `server event "${n}" has a reserved name; not delivered`,
        ]),
        `${transports}: each refused with a report`,
      );
      assert.ok(got.connected, `${transports}: the connection goes on`);
      await closeRealtime(env, page);
    }
  });

  test("acks: emitWithAck resolves with the server's answer, and times out against a handler that never acks", async () => {
    const page = await openRealtime(ctxA, env);
    await connected(page);
    const answer = await page.evaluate(() => frappe.realtime.socket.emitWithAck("echo_ack", { a: 1 }, "two"));
    assert.deepEqual(answer, { a: 1 });
    const timedOut = await page.evaluate(async () => {
      const t0 = performance.now();
      try {
        await frappe.realtime.socket.timeout(300).emitWithAck("echo_never_ack", 1);
        return "resolved";
      } catch (e) {
        return { name: e.name, message: e.message, instanceOfError: e instanceof Error, ms: performance.now() - t0 };
      }
    });
    assert.equal(timedOut.message, "operation has timed out");
    assert.ok(timedOut.instanceOfError);
    assert.ok(timedOut.ms >= 290 && timedOut.ms < 3000, `${timedOut.ms} ms`);
    // A callback with timeout gets (err, ...args) like socket.io-client.
    const viaCallback = await page.evaluate(
      () => new Promise((resolve) => frappe.realtime.socket.timeout(5000).emit("echo_ack", "x", (err, v) => resolve([err, v]))),
    );
    assert.deepEqual(viaCallback, [null, "x"]);
    await closeRealtime(env, page);
  });

  test("binary attachments round trip", async () => {
    const page = await openRealtime(ctxA, env);
    await connected(page);
    const out = await page.evaluate(
      () =>
        new Promise((resolve) => {
          frappe.realtime.on("echo_binary", (label, buf, nested) =>
            resolve({
              label,
              isBuffer: buf instanceof ArrayBuffer,
              bytes: Array.from(new Uint8Array(buf)),
              nested: Array.from(new Uint8Array(nested.data)),
            }),
          );
          frappe.realtime.emit("echo_binary", "blob", new Uint8Array([1, 2, 3, 255]).buffer, {
            data: new Uint8Array([9, 8]),
          });
        }),
    );
    assert.deepEqual(out, { label: "blob", isBuffer: true, bytes: [1, 2, 3, 255], nested: [9, 8] });
    await closeRealtime(env, page);
  });

  test("bad arguments throw a TypeError before anything is sent", async () => {
    const page = await openRealtime(ctxA, env);
    await connected(page);
    const before = env.state().eventsReceived.connect || 0;
    const errors = await page.evaluate(() => {
      const out = [];
      for (const name of ["connect", "disconnect", "connect_error"]) {
        try {
          frappe.realtime.emit(name, 1);
        } catch (e) {
          out.push([e.name, e instanceof TypeError, e.message]);
        }
      }
      const cyclic = {};
      cyclic.self = cyclic;
      try {
        frappe.realtime.emit("x", cyclic);
      } catch (e) {
        out.push([e.name, e instanceof TypeError, e.message]);
      }
      return out;
    });
    assert.equal(errors.length, 4);
    for (const [name, isTypeError] of errors) {
      assert.equal(name, "TypeError");
      assert.ok(isTypeError);
    }
    await sleep(200);
    assert.equal(env.state().eventsReceived.connect || 0, before);
    assert.ok(!env.state().eventsReceived.x);
    await closeRealtime(env, page);
  });

  test("lazy connect: nothing until on(), then one connection", async () => {
    const before = idsOf(env, ALICE);
    const newSockets = () => [...idsOf(env, ALICE)].filter((id) => !before.has(id));
    const connects = () => env.state().connects[`/${env.site}`] || 0;
    const connectsBefore = connects();
    const page = await openRealtime(ctxA, env, { lazy: true });
    await sleep(500);
    assert.equal(newSockets().length, 0, "no socket before on()");
    assert.equal(connects(), connectsBefore);
    await page.evaluate(() => record("lazy_event"));
    await connected(page, "connected after on()");
    await waitFor(() => newSockets().length === 1, { what: "one socket" });
    assert.equal(connects(), connectsBefore + 1);
    await closeRealtime(env, page);
  });

  test("a refused realtime_options does not stop the page's realtime: said once, left out", async () => {
    const page = await openRealtime(ctxA, env, { options: { timeout: "soon", transports: ["websocket"] } });
    await connected(page);
    const refused = page.logs.filter((l) => l.startsWith("error: frappe.realtime: realtime_options ignored:"));
    assert.equal(refused.length, 1, page.logs.join("\n"));
    assert.match(refused[0], /TypeError: frappe-realtime: option timeout must be a number/);
    assert.ok(!page.logs.some((l) => l.startsWith("pageerror")), page.logs.join("\n"));
    await closeRealtime(env, page);
  });

  test("a CONNECT answered after `timeout` is awaited: one get_user_info, no connect_error", async () => {
    // `timeout` bounds the transport and the handshake (socket.io-client's meaning); the
    // CONNECT's answer waits up to 120 s: Frappe's server answers it once its web server
    // answered get_user_info, which queues under a herd. A page that gave up after
    // `timeout` left its call to be served for nobody and queued another behind it.
    const page = await openRealtime(ctxA, env, { options: { timeout: 1500 }, init: false });
    env.web.setCapacity({ workers: 1, serviceMs: 3000 });
    try {
      await page.evaluate(() => {
        frappe.realtime.init(frappe.boot.socketio_port);
        record("connect_error");
      });
      await connected(page, "connected once get_user_info answered", 20000);
      const gate = env.web.state().capacity;
      assert.equal((gate.arrivalsBy.userInfo || []).reduce((a, b) => a + b, 0), 1, "one get_user_info");
      // Answered well past the page's 1,500 ms `timeout` (setTimeout may fire a fraction
      // of a ms before the 3,000 it was given, as performance.now() measures it).
      assert.ok(gate.meanHeldMs > 2000, `the call held its worker ${gate.meanHeldMs} ms`);
      assert.deepEqual(await page.evaluate(() => seen("connect_error")), []);
    } finally {
      env.web.setCapacity(null);
    }
    await closeRealtime(env, page);
  });

  test("polling only", async () => {
    const page = await openRealtime(ctxA, env, { options: { transports: ["polling"] } });
    await connected(page);
    await page.evaluate(() => record("poll_event"));
    await env.publish({ event: "poll_event", message: "over polling", user: ALICE });
    await waitInPage(page, () => seen("poll_event").length === 1, null, { what: "event over polling" });
    assert.equal(await page.evaluate(() => frappe.realtime.socket.io.engine.transport.name), "polling");
    const id = await page.evaluate(() => frappe.realtime.socket.id);
    await sleep(300); // time enough for an upgrade, if one were wrongly attempted
    assert.equal(socketsOf(env, ALICE).find((s) => s.id === id).transport, "polling");
    await closeRealtime(env, page);
  });

  test("the realtime server killed and restarted: every subscription comes back without a call from the page", async () => {
    const page = await openRealtime(ctxA, env, { options: { reconnectionDelay: 200, reconnectionDelayMax: 1000 } });
    await connected(page);
    await page.evaluate(() => {
      for (const e of ["doc_update", "list_update", "task_progress", "reconnect", "disconnect"]) record(e);
      frappe.realtime.doc_subscribe("Note", "N-1");
      frappe.realtime.doctype_subscribe("Note");
      frappe.realtime.task_subscribe("job-1");
      frappe.realtime.doc_open("Note", "N-1");
    });
    const wanted = ["doc:Note/N-1", "doctype:Note", "task_progress:job-1", "open_doc:Note/N-1"];
    await waitFor(() => wanted.every((r) => roomsOf(env, ALICE).includes(r)), { what: "rooms before restart" });
    await env.restartRealtime({ abrupt: true, downMs: 500 });
    await waitInPage(page, () => seen("disconnect").length >= 1, null, { what: "disconnect seen", timeout: 10000 });
    await waitFor(() => wanted.every((r) => roomsOf(env, ALICE).includes(r)), {
      what: "rooms restored after restart",
      timeout: 15000,
    });
    await env.publish({ event: "doc_update", message: { name: "N-1" }, doctype: "Note", docname: "N-1" });
    await env.publish({ event: "list_update", message: { doctype: "Note" }, room: "doctype:Note" });
    await env.publish({ event: "task_progress", message: { p: 1 }, task_id: "job-1" });
    await waitInPage(
      page,
      () => seen("doc_update").length && seen("list_update").length && seen("task_progress").length,
      null,
      { what: "events after restart" },
    );
    assert.ok((await page.evaluate(() => seen("reconnect").length)) >= 1);
    // Each subscription was sent once per connection, not more.
    const received = env.state().received.filter((r) => r.user === ALICE).map((r) => r.event);
    assert.equal(received.filter((e) => e === "doc_subscribe").length, 1, received.join());
    await closeRealtime(env, page);
  });

  test("a page in more rooms than a reconnect joins at once gets every one back, each once, in order", async () => {
    const page = await openRealtime(ctxA, env, { options: { reconnectionDelay: 200, reconnectionDelayMax: 1000 } });
    await connected(page);
    const names = ["M-1", "M-2", "M-3", "M-4", "M-5", "M-6", "M-7"];
    await page.evaluate((names) => {
      for (const n of names) frappe.realtime.doc_subscribe("Note", n);
    }, names);
    const wanted = names.map((n) => `doc:Note/${n}`);
    await waitFor(() => wanted.every((r) => roomsOf(env, ALICE).includes(r)), { what: "rooms before restart" });
    const old = await page.evaluate(() => frappe.realtime.socket.id);
    await env.restartRealtime({ abrupt: true, downMs: 500 });
    await waitFor(() => wanted.every((r) => roomsOf(env, ALICE).includes(r)), {
      what: "seven rooms restored after restart",
      timeout: 15000,
    });
    const id = await page.evaluate(() => frappe.realtime.socket.id);
    assert.notEqual(id, old);
    // Four at the CONNECT, the other three paced after them by the driver's heal timer
    // (src/protocol/client/heal.rs, "Joins paced after a reconnect"; the exact timing is
    // tests/scenario_heal.rs's): each once, in the order they were made.
    const joins = env
      .state()
      .received.filter((r) => r.id === id && r.event === "doc_subscribe")
      .map((r) => r.args[1]);
    assert.deepEqual(joins, names);
    await closeRealtime(env, page);
  });
});

describe("prompt reconnect when the network comes back or the tab becomes visible", () => {
  let env;
  let browser;

  useEnvAndBrowser({ site: "site1" }, (e, b) => {
    env = e;
    browser = b;
  });

  for (const signal of ["online", "visibilitychange"]) {
    test(`'${signal}' skips the remaining backoff`, async () => {
      const ctx = await browser.newContext();
      // A backoff of at least 10 s (20 s ± 50 %, no quick first retry): only the signal
      // can bring it back sooner.
      const page = await openRealtime(ctx, env, {
        options: { reconnectionDelay: 20000, reconnectionDelayMax: 20000, firstRetryDelay: 20000 },
      });
      await connected(page);
      await page.evaluate(() => {
        record("disconnect");
        record("reconnect_scheduled");
        frappe.realtime.doc_subscribe("ToDo", "P-1");
      });
      await env.restartRealtime({ abrupt: true, downMs: 300 });
      const scheduled = await waitInPage(page, () => seen("reconnect_scheduled")[0] && seen("reconnect_scheduled")[0][1], null, {
        what: "reconnect scheduled",
        timeout: 10000,
      });
      assert.ok(scheduled.delay >= 10000, `backoff ${scheduled.delay} ms`);
      await sleep(200);
      const t0 = Date.now();
      await page.evaluate((signal) => {
        const target = signal === "online" ? window : document;
        target.dispatchEvent(new Event(signal));
      }, signal);
      await connected(page, `connected after '${signal}'`);
      assert.ok(Date.now() - t0 < 5000, `reconnected in ${Date.now() - t0} ms`);
      await waitFor(() => roomsOf(env, ALICE).includes("doc:ToDo/P-1"), { what: "room restored" });
      await ctx.close();
    });
  }
});

describe("the first retry after a lost connection", () => {
  let env;
  let browser;

  useEnvAndBrowser({ site: "site1" }, (e, b) => {
    env = e;
    browser = b;
  });

  // The quick first retry follows a connection that stayed up 5 s (HEALTHY in
  // src/protocol/client/recovery.rs), or one lost while the backoff is still fresh (the
  // first loss after the page connected); a later short-lived one goes on with the backoff.
  for (const [what, options, check, upMs] of [
    ["firstRetryDelay from the options", { firstRetryDelay: 700, randomizationFactor: 0 }, (d) => d === 700, 5100],
    ["the default: 250 ms ± 50 %", {}, (d) => d >= 125 && d <= 375, 5100],
    ["the default when lost in the page's first seconds", {}, (d) => d >= 125 && d <= 375, 0],
  ]) {
    test(`waits ${what}, then reconnects with the rooms`, async () => {
      const ctx = await browser.newContext();
      const page = await openRealtime(ctx, env, { options });
      await connected(page);
      await page.evaluate(() => {
        record("reconnect_scheduled");
        frappe.realtime.doc_subscribe("ToDo", "F-1");
        window.__upAt = performance.now();
      });
      await waitInPage(page, (ms) => performance.now() - window.__upAt > ms, upMs, { what: `up for ${upMs} ms`, timeout: 10000 });
      await env.restartRealtime({ abrupt: true, downMs: 100 });
      const scheduled = await waitInPage(page, () => seen("reconnect_scheduled")[0] && seen("reconnect_scheduled")[0][1], null, {
        what: "reconnect scheduled",
        timeout: 10000,
      });
      assert.equal(scheduled.attempt, 1);
      assert.ok(check(scheduled.delay), `first retry after ${scheduled.delay} ms`);
      await connected(page, "connected again");
      await waitFor(() => roomsOf(env, ALICE).includes("doc:ToDo/F-1"), { what: "room restored" });
      await ctx.close();
    });
  }
});

describe("connect errors carry the server's message, a hint, and are not retried", () => {
  let env;
  let browser;

  useEnvAndBrowser({ site: "site1", web: { guestCookie: false } }, (e, b) => {
    env = e;
    browser = b;
  });

  async function firstError(page) {
    return waitInPage(
      page,
      () => {
        const e = seen("connect_error")[0];
        return e && { message: e[1].message, hint: e[1].hint, name: e[1].name, data: e[1].data };
      },
      null,
      { what: "connect_error", timeout: 10000 },
    );
  }

  test("no cookie → 'No cookie transmitted.' with a credentials hint, one attempt only", async () => {
    const ctx = await browser.newContext();
    const page = await openRealtime(ctx, env, { user: null, init: false });
    await page.evaluate(() => {
      frappe.realtime.init(frappe.boot.socketio_port);
      record("connect_error");
    });
    const err = await firstError(page);
    assert.equal(err.message, "No cookie transmitted.");
    assert.equal(err.name, "ConnectError");
    assert.match(err.hint, /cookie/i);
    await sleep(2500);
    assert.equal(await page.evaluate(() => seen("connect_error").length), 1, "not retried");
    assert.equal(env.state().connectErrors["No cookie transmitted."], 1);
    await ctx.close();
  });

  test("a page on another host name → 'Invalid origin' with a host hint", async () => {
    const ctx = await browser.newContext();
    const page = await newPage(ctx);
    // Same server, reached as localhost: Origin's host differs from the realtime Host.
    const url = new URL(env.webUrl);
    url.hostname = "localhost";
    await login(page, url.toString(), ALICE);
    await openPage(page, `${url.origin}/pages/realtime.html`);
    await waitInPage(page, () => window.__ready === true, null, { what: "module ready" });
    await page.evaluate((realtimeUrl) => {
      window.client = new RealtimeClient(realtimeUrl + "/site1", { withCredentials: true });
      client.on("connect_error", (e) => __log.push(["connect_error", { message: e.message, hint: e.hint, name: e.name }]));
    }, env.realtimeUrl);
    const err = await waitInPage(page, () => seen("connect_error")[0] && seen("connect_error")[0][1], null, {
      what: "connect_error",
      timeout: 10000,
    });
    assert.equal(err.message, "Invalid origin");
    assert.match(err.hint, /host/i);
    await sleep(2000);
    assert.equal(await page.evaluate(() => seen("connect_error").length), 1, "not retried");
    await ctx.close();
  });

  test("a wrong site name → 'Invalid namespace' and no connect follows", async () => {
    const ctx = await browser.newContext();
    const page = await openRealtime(ctx, env, { user: ALICE, init: false });
    await page.evaluate((realtimeUrl) => {
      window.client = new RealtimeClient(realtimeUrl + "/not-a-site", {});
      client.on("connect_error", (e) => __log.push(["connect_error", { message: e.message, hint: e.hint }]));
      client.on("connect", () => __log.push(["connect"]));
    }, env.realtimeUrl);
    const err = await waitInPage(page, () => seen("connect_error")[0] && seen("connect_error")[0][1], null, {
      what: "connect_error",
    });
    assert.equal(err.message, "Invalid namespace");
    assert.match(err.hint, /site/i);
    await sleep(1500);
    assert.equal(await page.evaluate(() => seen("connect").length), 0, "the late CONNECT is ignored");
    assert.equal(await page.evaluate(() => client.state), "failed");
    await ctx.close();
  });
});

describe("behind a proxy that blocks WebSocket upgrades (same origin, like nginx)", () => {
  let env;
  let browser;

  useEnvAndBrowser({ site: "site1", sameOrigin: true, web: { blockWebSocket: true } }, (e, b) => {
    env = e;
    browser = b;
  });

  for (const [label, options] of [
    ["default transports: the upgrade probe fails, the session stays on polling", undefined],
    ["websocket first: falls back to polling within the same attempt", { transports: ["websocket", "polling"] }],
  ]) {
    test(label, async () => {
      const ctx = await browser.newContext();
      const page = await openRealtime(ctx, env, { options });
      await connected(page);
      await page.evaluate(() => record("after_fallback"));
      // Give an upgrade every chance to happen (it must not).
      await sleep(500);
      assert.equal(await page.evaluate(() => frappe.realtime.socket.io.engine.transport.name), "polling");
      await env.publish({ event: "after_fallback", message: "ok", user: ALICE });
      await waitInPage(page, () => seen("after_fallback").length === 1, null, { what: "event over polling" });
      assert.ok(env.web.counters.blockedUpgrades >= 1, "a WebSocket was attempted and refused");
      const errors = await page.evaluate(() => seen("connect_error").length);
      assert.equal(errors, 0, "the fallback is not a connect error");
      await ctx.close();
    });
  }
});

describe("frappe.realtime members beyond the socket", () => {
  let env;
  let browser;

  useEnvAndBrowser({ site: "site1" }, (e, b) => {
    env = e;
    browser = b;
  });

  test("disable_async: init does nothing and no member throws", async () => {
    const ctx = await browser.newContext();
    const page = await openRealtime(ctx, env, { init: false });
    const out = await page.evaluate(() => {
      frappe.boot.disable_async = true;
      const rt = frappe.realtime;
      rt.init(frappe.boot.socketio_port);
      rt.on("x", () => {});
      rt.off("x");
      rt.emit("anything", 1);
      rt.publish("anything", 1);
      rt.doc_subscribe("ToDo", "A");
      rt.doc_unsubscribe("ToDo", "A");
      rt.doctype_subscribe("ToDo");
      rt.task_subscribe("t");
      rt.subscribe("t", {});
      rt.doc_open("ToDo", "A");
      rt.doc_close("ToDo", "A");
      return { disabled: rt.disabled, socket: rt.socket === undefined || rt.socket === null };
    });
    assert.deepEqual(out, { disabled: true, socket: true });
    await sleep(300);
    assert.equal(socketsOf(env, ALICE).length, 0);
    await ctx.close();
  });

  test("get_host in dev mode points at socketio_port and the site", async () => {
    const ctx = await browser.newContext();
    const page = await openRealtime(ctx, env, { init: false });
    const host = await page.evaluate(() => frappe.realtime.get_host(9000));
    assert.equal(host, `${env.realtimeUrl}/site1`);
    await ctx.close();
  });

  test("subscribe(task_id, opts): progress and success callbacks, through task_progress and task_status_change", async () => {
    const ctx = await browser.newContext();
    const page = await openRealtime(ctx, env);
    await connected(page);
    await page.evaluate(() => {
      frappe.realtime.subscribe("job-7", {
        progress: (d) => __log.push(["opts.progress", d.progress]),
        success: (d) => __log.push(["opts.success", d.status]),
        callback: (d) => __log.push(["opts.callback", d.status]),
      });
    });
    await waitFor(() => roomsOf(env, ALICE).includes("task_progress:job-7"), { what: "task room" });
    // Both emits reach the server; each is recorded when its handler runs (a loaded
    // machine may run them in either order).
    const subs = () => env.state().received.filter((r) => r.user === ALICE).map((r) => r.event);
    await waitFor(() => subs().includes("task_subscribe") && subs().includes("progress_subscribe"), { what: "task_subscribe and progress_subscribe received" });
    await env.publish({ event: "task_progress", message: { progress: [1, 2] }, task_id: "job-7" });
    await env.publish({ event: "task_status_change", message: { status: "Success" }, task_id: "job-7" });
    const log = await waitInPage(page, () => seen("opts.callback").length && __log, null, { what: "task callbacks" });
    const names = log.map((e) => e[0]);
    assert.deepEqual(
      names.filter((n) => n.startsWith("opts.")),
      ["opts.progress", "opts.success", "opts.callback"],
    );
    await ctx.close();
  });

  test("publish(event, message) emits to the server", async () => {
    const ctx = await browser.newContext();
    const page = await openRealtime(ctx, env);
    await connected(page);
    await page.evaluate(() => frappe.realtime.publish("custom_event", { hello: "world" }));
    await waitFor(
      () => env.state().received.some((r) => r.event === "custom_event" && r.user === ALICE),
      { what: "custom_event received" },
    );
    const got = env.state().received.find((r) => r.event === "custom_event");
    assert.deepEqual(got.args, [{ hello: "world" }]);
    await ctx.close();
  });
});

describe("a cookie without sid", () => {
  let env;
  let browser;

  useEnvAndBrowser({ site: "site1", web: { guestCookie: false } }, (e, b) => {
    env = e;
    browser = b;
  });

  test("→ 'No authentication method used…' and no retry", async () => {
    const ctx = await browser.newContext();
    const page = await openRealtime(ctx, env, { user: null, init: false });
    await page.evaluate(() => {
      document.cookie = "theme=dark; path=/";
      frappe.realtime.init(frappe.boot.socketio_port);
      record("connect_error");
    });
    const err = await waitInPage(
      page,
      () => {
        const e = seen("connect_error")[0];
        return e && { message: e[1].message, hint: e[1].hint };
      },
      null,
      { what: "connect_error", timeout: 10000 },
    );
    assert.equal(err.message, "No authentication method used. Use cookie or authorization header.");
    assert.ok(err.hint);
    await sleep(2000);
    assert.equal(await page.evaluate(() => seen("connect_error").length), 1);
    await ctx.close();
  });
});
