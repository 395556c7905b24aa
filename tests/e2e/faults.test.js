// Fault injection: the built package in headless Chromium, connected to the realtime server
// through a TCP proxy the tests control (tests/server/proxy.js). Each scenario asserts the
// outcome (recovered, or stopped with the expected error) and that no subscription was lost:
// the server has every room again and events published afterwards reach the page.
//
//   node --test tests/e2e/faults.test.js

import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { waitInPage, waitFor, useEnvAndBrowser, socketsOf, openRealtime, connected } from "./harness.js";
import { sleep } from "../server/util.js";

const ALICE = "alice@example.com";
// Short heartbeat so that a half-open link is noticed in seconds (socket.io: 25 s + 20 s).
const PING_INTERVAL = 1000;
const PING_TIMEOUT = 1500;
const MAX_PAYLOAD = 100_000;
const FAST = { reconnectionDelay: 100, reconnectionDelayMax: 500, timeout: 4000 };
const ROOMS = ["doc:Note/N-1", "doctype:Note", "task_progress:job-1", "open_doc:Note/N-1"];

/**
 * Opens the test page as alice with `options`, runs frappe.realtime.init, records what the
 * client reports in `faults.log` (errors reduced to plain fields inside the page), and
 * subscribes to the four kinds of rooms. Resolves once the server has them all.
 */
async function openClient(ctx, env, options = {}, { upgraded = true } = {}) {
  const page = await openRealtime(ctx, env, { user: ALICE, options: { ...FAST, ...options }, init: false });
  await page.evaluate(() => {
    const plain = (x) =>
      x instanceof Error ? { error: x.name, message: x.message, hint: x.hint } : x;
    window.faults = { log: [], seen: (e) => faults.log.filter((l) => l[0] === e).map((l) => l.slice(1)) };
    frappe.realtime.init(frappe.boot.socketio_port);
    const events = ["connect", "disconnect", "connect_error", "error", "dropped", "reconnect",
      "doc_update", "list_update", "task_progress"];
    for (const e of events) frappe.realtime.on(e, (...a) => faults.log.push([e, ...a.map(plain)]));
    frappe.realtime.doc_subscribe("Note", "N-1");
    frappe.realtime.doctype_subscribe("Note");
    frappe.realtime.task_subscribe("job-1");
    frappe.realtime.doc_open("Note", "N-1");
  });
  await connected(page);
  if (upgraded) {
    await waitInPage(page, () => frappe.realtime.socket.io.engine.transport.name === "websocket", null, {
      what: "upgraded to WebSocket",
      timeout: 10000,
    });
  }
  await roomsBack(env);
  return page;
}

const seen = (page, event) => page.evaluate((e) => faults.seen(e), event);

/** Every room is joined by alice's one socket on the server. */
function roomsBack(env, timeout = 15000) {
  return waitFor(
    () => {
      const sockets = socketsOf(env, ALICE);
      return sockets.length === 1 && ROOMS.every((r) => sockets[0].rooms.includes(r));
    },
    { what: `alice's one socket in ${ROOMS.join(", ")}`, timeout },
  );
}

/**
 * No subscription lost: the rooms are back, and an event published now to each kind of
 * room reaches the page (with `tag`, so that earlier deliveries do not count).
 */
async function assertSubscriptionsWork(env, page, tag) {
  await roomsBack(env);
  await env.publish({ event: "doc_update", message: { tag }, doctype: "Note", docname: "N-1" });
  await env.publish({ event: "list_update", message: { doctype: "Note", tag } });
  await env.publish({ event: "task_progress", message: { tag }, task_id: "job-1" });
  await waitInPage(
    page,
    (tag) => ["doc_update", "list_update", "task_progress"].every((e) => faults.seen(e).some(([m]) => m && m.tag === tag)),
    tag,
    { what: `events tagged ${tag} in every room`, timeout: 10000 },
  );
}

/** Disconnects the page's client, waits until the server dropped its socket, closes the page. */
async function closeClient(env, page) {
  await page.evaluate(() => frappe.realtime.socket.disconnect());
  await waitFor(() => socketsOf(env, ALICE).length === 0, { what: "alice's sockets gone" });
  await page.close();
}

describe("fault injection between the browser and the realtime server", () => {
  let env;
  let browser;
  let ctx;

  useEnvAndBrowser(
    {
      site: "site1",
      proxy: true,
      realtime: { pingInterval: PING_INTERVAL, pingTimeout: PING_TIMEOUT, maxHttpBufferSize: MAX_PAYLOAD },
    },
    (e, b) => {
      env = e;
      browser = b;
    },
  );
  before(async () => {
    ctx = await browser.newContext();
  });
  after(async () => {
    // A failed test must not leave the link broken for the next suite's assertions.
    if (env && env.proxy) {
      env.proxy.resume();
      env.proxy.refuse(false);
      env.proxy.setSlow(null);
    }
  });

  test("connection dropped: reconnects, every room back", async () => {
    const page = await openClient(ctx, env);
    env.proxy.drop();
    await waitInPage(page, () => faults.seen("disconnect").length === 1, null, { what: "disconnect" });
    const [[reason]] = await seen(page, "disconnect");
    assert.match(reason, /^transport (close|error)$/);
    await connected(page);
    await assertSubscriptionsWork(env, page, "after-drop");
    await closeClient(env, page);
  });

  test("half-open link (no bytes, no FIN): noticed within pingInterval + pingTimeout, then reconnects", async () => {
    const page = await openClient(ctx, env);
    const t0 = Date.now();
    env.proxy.pause();
    try {
      await waitInPage(page, () => faults.seen("disconnect").length === 1, null, {
        what: "disconnect on a silent link",
        timeout: PING_INTERVAL + PING_TIMEOUT + 3000,
      });
      const noticed = Date.now() - t0;
      const [[reason]] = await seen(page, "disconnect");
      assert.equal(reason, "ping timeout");
      // The client arms its deadline at each ping: at most interval + timeout after the
      // last one, plus the test's polling (50 ms) and scheduling slack.
      assert.ok(noticed <= PING_INTERVAL + PING_TIMEOUT + 500, `noticed after ${noticed} ms`);
      // Still silent: attempts are held by the link and time out (timeout: 4000).
      await sleep(500);
      assert.equal(await page.evaluate(() => frappe.realtime.socket.connected), false);
    } finally {
      env.proxy.resume();
    }
    await connected(page, "connected", 15000);
    await assertSubscriptionsWork(env, page, "after-half-open");
    await closeClient(env, page);
  });

  test("a link that refuses, then one that stays silent: the client's own connect_errors carry a hint; back once the link is", async () => {
    const page = await openClient(ctx, env);
    const errorsSoFar = (await seen(page, "connect_error")).length;
    /** The first connect_error after the `skip` first, whose message `re` matches. */
    const nextError = (re, skip, timeout) =>
      waitInPage(
        page,
        ({ src, skip }) => faults.seen("connect_error").slice(skip).map(([e]) => e).find((e) => new RegExp(src).test(e.message)),
        { src: re.source, skip },
        { what: `a connect_error matching ${re}`, timeout },
      );
    env.proxy.refuse(true);
    env.proxy.drop();
    let err;
    try {
      err = await nextError(/^(websocket error|xhr poll error)$/, errorsSoFar, 10000);
    } finally {
      env.proxy.refuse(false);
    }
    assert.equal(err.error, "TransportError");
    assert.match(err.hint, /down or restarting/);
    // Now the link takes connections and says nothing: the attempt times out (timeout: 4000).
    const refused = (await seen(page, "connect_error")).length;
    env.proxy.pause();
    try {
      err = await nextError(/^timeout$/, refused, 20000);
    } finally {
      env.proxy.resume();
    }
    assert.equal(err.error, "TimeoutError");
    assert.match(err.hint, /no answer in time/);
    await connected(page, "connected", 15000);
    await assertSubscriptionsWork(env, page, "after-refused-and-silent");
    await closeClient(env, page);
  });

  test("reset in the middle of a frame: the cut event is not delivered, nothing breaks, rooms come back", async () => {
    const page = await openClient(ctx, env);
    const armed = env.proxy.resetInNextFrame({ minBytes: 20_000 });
    await env.publish({ event: "doc_update", message: { tag: "cut", blob: "x".repeat(50_000) }, doctype: "Note", docname: "N-1" });
    const { frameBytes } = await armed;
    assert.ok(frameBytes > 50_000, `frame of ${frameBytes} bytes`);
    await waitInPage(page, () => faults.seen("disconnect").length === 1, null, { what: "disconnect after the reset" });
    await connected(page);
    await assertSubscriptionsWork(env, page, "after-reset");
    const got = await seen(page, "doc_update");
    assert.equal(got.filter(([m]) => m && m.tag === "cut").length, 0, "half a frame was never delivered");
    assert.deepEqual(await seen(page, "error"), []);
    assert.deepEqual(page.logs.filter((l) => /^pageerror/.test(l)), []);
    await closeClient(env, page);
  });

  test("slow link (200 ms each way, 50 KB/s): connects, upgrades, 20 × 2 KB events arrive in order, no disconnect", async () => {
    env.proxy.setSlow({ latencyMs: 200, bytesPerSecond: 50_000 });
    try {
      const page = await openClient(ctx, env);
      for (let i = 0; i < 20; i++) {
        await env.publish({ event: "list_update", message: { doctype: "Note", tag: "slow", i, pad: "p".repeat(2000) } });
      }
      await waitInPage(page, () => faults.seen("list_update").filter(([m]) => m.tag === "slow").length === 20, null, {
        what: "20 events over the slow link",
        timeout: 15000,
      });
      const order = (await seen(page, "list_update")).filter(([m]) => m.tag === "slow").map(([m]) => m.i);
      assert.deepEqual(order, [...Array(20).keys()]);
      assert.deepEqual(await seen(page, "disconnect"), []);
      env.proxy.setSlow(null);
      await closeClient(env, page);
    } finally {
      env.proxy.setSlow(null);
    }
  });

  test("realtime server restarted gracefully: reconnects, every room back", async () => {
    const page = await openClient(ctx, env);
    await env.restartRealtime({ abrupt: false, downMs: 300 });
    await waitInPage(page, () => faults.seen("disconnect").length === 1, null, { what: "disconnect" });
    await connected(page);
    await assertSubscriptionsWork(env, page, "after-graceful-restart");
    await closeClient(env, page);
  });

  test("redis-server restarted: the socket stays up and events published after it arrive", async () => {
    const page = await openClient(ctx, env);
    await env.restartRedis({ downMs: 300 });
    await waitFor(() => env.state().redis.ready, { what: "realtime server resubscribed to Redis", timeout: 10000 });
    await assertSubscriptionsWork(env, page, "after-redis-restart");
    assert.deepEqual(await seen(page, "disconnect"), []);
    await closeClient(env, page);
  });

  test("web server down during auth: connect_error 'Unauthorized: …' with a hint, retried without end at a growing delay; back by itself once the web server is", async () => {
    // Each refusal waits anywhere in a window of twice the backoff's delay (200 ms),
    // growing by half past reconnectionDelayMax (here 500 ms) towards 60 s; the client never
    // stops in 'failed' (src/protocol/client/recovery.rs, "The retry policy").
    const page = await openClient(ctx, env);
    env.web.setUserInfoFailure("down");
    try {
      env.proxy.drop();
      await waitInPage(page, () => faults.seen("connect_error").length >= 4, null, {
        what: "four connect_errors",
        timeout: 15000,
      });
      const errors = await seen(page, "connect_error");
      for (const [e] of errors) {
        assert.equal(e.message, "Unauthorized: TypeError: fetch failed");
        assert.match(e.hint, /web server/);
      }
      assert.ok(env.state().connectErrors["Unauthorized: TypeError: fetch failed"] >= 4);
      assert.equal(await page.evaluate(() => frappe.realtime.socket.connected), false);
      assert.equal(await page.evaluate(() => frappe.realtime.client.state), "reconnecting", "not failed: it retries");
    } finally {
      env.web.setUserInfoFailure(null);
    }
    await connected(page, "back by itself once the web server answers", 15000);
    await assertSubscriptionsWork(env, page, "after-web-server-back");
    await closeClient(env, page);
  });

  test("has_permission denied: no room, no error on the socket, a diagnostic in the debug log; the other rooms stay", async () => {
    const page = await openClient(ctx, env, { debug: "debug" });
    const denied = env.state().permission.denied;
    await page.evaluate(() => frappe.realtime.doc_subscribe("Secret", "S-1"));
    await waitFor(() => env.state().permission.denied > denied, { what: "the server asked and was refused" });
    const line = await waitFor(
      () => page.logs.find((l) => l.includes("doc Secret S-1: has_permission did not allow it")),
      { what: "the diagnostic" },
    );
    assert.match(line, /^warning: frappe\.realtime: doc Secret S-1: has_permission did not allow it \(HTTP 403: No permission for Secret S-1\): the realtime server then joins no room/);
    assert.ok(!socketsOf(env, ALICE)[0].rooms.includes("doc:Secret/S-1"));
    assert.deepEqual(await seen(page, "error"), []);
    assert.deepEqual(await seen(page, "disconnect"), []);
    // An allowed room says so at debug level only.
    assert.ok(page.logs.some((l) => l === "debug: frappe.realtime: doc Note N-1: has_permission allowed"), page.logs.join("\n"));
    await assertSubscriptionsWork(env, page, "after-denial");
    await closeClient(env, page);
  });

  test("malformed frames injected: an 'error' event each, no exception, the connection goes on", async () => {
    const page = await openClient(ctx, env);
    const site = env.site;
    const bad = [
      [`42/${site},[`, "invalid JSON payload"],
      [`42/${site},{"not":"an array"}`, "payload has the wrong shape for its packet type"],
      [`42/${site},[42]`, "event name is not a string"],
      ["9", "unknown Engine.IO packet type"],
      [`4x/${site},[]`, "unknown Socket.IO packet type"],
    ];
    for (const [frame] of bad) assert.equal(env.proxy.inject(frame), 1);
    // A binary frame nobody announced.
    assert.equal(env.proxy.inject(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { binary: true }), 1);
    const expected = [...bad.map(([, m]) => m), "binary frame without a pending attachment"];
    await waitInPage(page, (n) => faults.seen("error").length >= n, expected.length, {
      what: "an error per malformed frame",
    });
    await sleep(200);
    const errors = (await seen(page, "error")).map(([e]) => `${e.error}: ${e.message}`);
    assert.deepEqual(errors, expected.map((m) => `ProtocolError: ${m}`));
    assert.deepEqual(await seen(page, "disconnect"), []);
    assert.deepEqual(page.logs.filter((l) => /^pageerror/.test(l)), []);
    await assertSubscriptionsWork(env, page, "after-garbage");
    await closeClient(env, page);
  });

  test("an emit larger than the server's maxPayload is refused with a clear error; the connection stays; a large server event arrives", async () => {
    const page = await openClient(ctx, env);
    const out = await page.evaluate(async (size) => {
      const c = frappe.realtime.client;
      let err = null;
      try {
        await c.emitWithAck("echo_ack", "x".repeat(size));
      } catch (e) {
        err = e.message;
      }
      const small = await c.emitWithAck("echo_ack", "small");
      return { err, small };
    }, MAX_PAYLOAD * 2);
    assert.match(out.err, /echo_ack.*maxPayload/);
    assert.equal(out.small, "small");
    const dropped = await seen(page, "dropped");
    assert.deepEqual(dropped, [[{ event: "echo_ack", reason: "larger than the server's maxPayload" }]]);
    assert.deepEqual(await seen(page, "disconnect"), []);
    // The other way round there is no such limit: 3 × maxPayload from the server.
    await env.publish({ event: "doc_update", message: { tag: "large", blob: "y".repeat(MAX_PAYLOAD * 3) }, doctype: "Note", docname: "N-1" });
    await waitInPage(page, (n) => faults.seen("doc_update").some(([m]) => m.tag === "large" && m.blob.length === n), MAX_PAYLOAD * 3, {
      what: "the large event",
    });
    await closeClient(env, page);
  });
});

describe("delivery: the offline buffer", () => {
  let env;
  let browser;
  let ctx;

  useEnvAndBrowser({ site: "site1", proxy: true }, (e, b) => {
    env = e;
    browser = b;
  });
  before(async () => {
    ctx = await browser.newContext();
  });
  /** The test's page: closed after it even when it failed (the link up again first), so
   *  that alice has no socket left for the next test's `roomsBack` to count. */
  let page = null;
  afterEach(async () => {
    if (env && env.proxy) env.proxy.refuse(false);
    if (page && !page.isClosed()) await closeClient(env, page);
    page = null;
  });

  /** Cuts the link and keeps it down until `linkUp()`; resolves once the page saw the disconnect. */
  async function linkDown(page) {
    const before = (await seen(page, "disconnect")).length;
    env.proxy.refuse(true);
    env.proxy.drop();
    await waitInPage(page, (n) => faults.seen("disconnect").length > n, before, { what: "disconnect" });
  }
  const linkUp = () => env.proxy.refuse(false);

  /** The `seq` arguments of alice's `count_me` emits the server received, in order. */
  const counted = (tag) =>
    env
      .state()
      .received.filter((r) => r.user === ALICE && r.event === "count_me" && r.args[0] === tag)
      .map((r) => r.args[1]);

  const emitRange = (page, tag, from, to) =>
    page.evaluate(
      ({ tag, from, to }) => {
        for (let i = from; i <= to; i++) frappe.realtime.emit("count_me", tag, i);
      },
      { tag, from, to },
    );

  test("emits buffered across three outages arrive exactly once each, in order, on the connection that joins the rooms again", async () => {
    page = await openClient(ctx, env);
    await emitRange(page, "once", 1, 5); // connected: sent at once
    for (let round = 0; round < 3; round++) {
      await linkDown(page);
      const from = 6 + round * 20;
      await emitRange(page, "once", from, from + 19);
      assert.equal(await page.evaluate(() => frappe.realtime.client.buffered), 20);
      linkUp();
      await connected(page);
      await roomsBack(env);
    }
    await waitFor(() => counted("once").length >= 65, { what: "65 emits counted", timeout: 10000 });
    await sleep(300); // a duplicate would arrive right behind
    assert.deepEqual(counted("once"), [...Array(65).keys()].map((i) => i + 1));
    // Each outage's emits went out on the connection after it, which joined the four rooms
    // again. The joins a reconnect sends at once go before the buffered emits; after a
    // CONNECT that waited long (a loaded machine) the joins are paced and the emits go
    // first (docs/retry-policy.md, "Joins after a loaded CONNECT").
    const alice = env.state().received.filter((r) => r.user === ALICE);
    for (const from of [6, 26, 46]) {
      const on = alice.filter((r) => r.event === "count_me" && r.args[0] === "once" && r.args[1] >= from && r.args[1] < from + 20);
      const ids = [...new Set(on.map((r) => r.id))];
      assert.equal(ids.length, 1, `the emits from ${from} on one connection: ${ids}`);
      // (A heal round may send a join again: the kinds are counted once.)
      const joins = [...new Set(alice.filter((r) => r.id === ids[0] && r.event !== "count_me").map((r) => r.event))].sort();
      assert.deepEqual(joins, ["doc_open", "doc_subscribe", "doctype_subscribe", "task_subscribe"], `joins on the connection of ${from}`);
    }
  });

  test("after a CONNECT that waited for the web server, the buffered emits go out first and the joins after them", async () => {
    page = await openClient(ctx, env);
    await linkDown(page);
    await emitRange(page, "loaded", 1, 3);
    // get_user_info answering after 1 s: far more than 4 times the quickest CONNECT this
    // page has had, a queue to the client (docs/retry-policy.md, "Joins after a loaded
    // CONNECT").
    env.web.setUserInfoDelay(1000);
    try {
      linkUp();
      await connected(page);
      await roomsBack(env);
    } finally {
      env.web.setUserInfoDelay(0);
    }
    await waitFor(() => counted("loaded").length >= 3, { what: "3 emits counted" });
    assert.deepEqual(counted("loaded"), [1, 2, 3]);
    const alice = env.state().received.filter((r) => r.user === ALICE);
    const first = alice.findIndex((r) => r.event === "count_me" && r.args[0] === "loaded");
    const onIt = alice.slice(first).filter((r) => r.id === alice[first].id);
    assert.deepEqual(onIt.slice(0, 3).map((r) => r.args[1]), [1, 2, 3], "the emits first");
    const joins = [...new Set(onIt.slice(3).map((r) => r.event))].sort();
    assert.deepEqual(joins, ["doc_open", "doc_subscribe", "doctype_subscribe", "task_subscribe"]);
  });

  for (const [policy, kept, dropped] of [
    ["drop-oldest", [4, 5, 6, 7, 8], [1, 2, 3]],
    ["drop-newest", [1, 2, 3, 4, 5], [6, 7, 8]],
  ]) {
    test(`a full buffer (bufferMaxCount 5, ${policy}): the server gets ${kept.join()}, 'dropped' names the rest`, async () => {
      page = await openClient(ctx, env, { bufferMaxCount: 5, bufferOverflow: policy });
      await page.evaluate(() => {
        faults.drops = [];
        frappe.realtime.client.on("dropped", (d) => faults.drops.push(d));
      });
      await linkDown(page);
      await emitRange(page, policy, 1, 8);
      const drops = await page.evaluate(() => faults.drops);
      assert.equal(drops.length, 3);
      for (const d of drops) assert.deepEqual(d, { event: "count_me", reason: "buffer full" });
      linkUp();
      await connected(page);
      await waitFor(() => counted(policy).length >= 5, { what: "5 emits counted" });
      await sleep(300);
      assert.deepEqual(counted(policy), kept);
      assert.equal(dropped.length, drops.length);
    });
  }

  test("an emit older than bufferMaxAge is dropped as 'expired' and never sent", async () => {
    // 1.5 s leaves the fresh emit time for one backoff delay (≤ 500 ms) and a reconnect.
    page = await openClient(ctx, env, { bufferMaxAge: 1500 });
    await linkDown(page);
    await emitRange(page, "age", 1, 1);
    await sleep(2000);
    await emitRange(page, "age", 2, 2);
    linkUp();
    await connected(page);
    await waitFor(() => counted("age").length >= 1, { what: "the fresh emit" });
    await sleep(300);
    assert.deepEqual(counted("age"), [2]);
    assert.deepEqual(await seen(page, "dropped"), [[{ event: "count_me", reason: "expired" }]]);
  });
});
