// End-to-end: the built package in headless Chromium against a hostile Engine.IO /
// Socket.IO server (tests/server/hostile.js) that misbehaves on command. Every case checks
// the same five things: no uncaught page error, the page's main thread keeps ticking,
// memory stays bounded (JS heap through CDP, wasm memory through the WebAssembly.Memory the
// page recorded), the documented error reaches the app, and the client recovers once the
// server behaves. Table: docs/reliability.md, "Hostile server".
//
//   node --test tests/e2e/hostile.test.js

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, newPage, openPage, waitFor, waitInPage } from "./harness.js";
import { startHostile } from "../server/hostile.js";

/** JS heap growth allowed over a case, after a forced GC (bytes). */
const HEAP_SLACK = 32 * 1024 * 1024;
/** Wasm memory growth allowed over a case with `largest` bytes in its largest message:
 *  2 MB + 5 × that. Linear memory never shrinks, so this bounds the high-water mark. (Issue
 *  15's target, 1.5 × the largest message + 2 MB in all, is the todo test at the end.) */
const wasmSlack = (largest = 0) => 2 * 1024 * 1024 + 5 * largest;

describe("frappe-realtime against a hostile server", () => {
  let h;
  let browser;
  let ctx;

  before(async () => {
    h = await startHostile({ pingInterval: 1000, pingTimeout: 3000 });
    browser = await launchBrowser();
    ctx = await browser.newContext();
  });

  after(async () => {
    if (browser) await browser.close();
    if (h) await h.close();
  });

  /** Heap after a forced GC, and the wasm memory's size: as the client's `resources()`
   *  reports it, checked against the memory the page recorded (before the client
   *  exists, the recorded one). */
  async function measure(t) {
    await t.cdp.send("HeapProfiler.collectGarbage");
    const heap = (await t.cdp.send("Runtime.getHeapUsage")).usedSize;
    const wasm = await t.page.evaluate(() => {
      const recorded = wasmBytes();
      if (window.__c === undefined) return recorded;
      const reported = __c.resources()[4];
      if (reported !== recorded) throw new Error(`resources() reports ${reported} B of wasm memory, the page recorded ${recorded} B`);
      return reported;
    });
    return { heap, wasm };
  }

  /** A page on the hostile server's origin, its module ready, a client started with
   *  `options`; the server's next namespace CONNECT is `first`. */
  async function open(options = {}) {
    const page = await newPage(ctx);
    await openPage(page, h.url + "/hostile.html");
    await waitInPage(page, () => window.__ready === true, null, { what: "module ready" });
    const cdp = await ctx.newCDPSession(page);
    const t = { page, cdp, base: null, connects: h.connects };
    t.base = await measure(t);
    assert.ok(t.base.wasm > 0, "the page recorded the package's WebAssembly.Memory");
    await page.evaluate((o) => void start(o), options);
    return t;
  }

  /** The server's n-th session (1-based) of this page to connect its namespace. */
  const session = (t, n) => h.waitSession(t.connects + n);

  /** Waits until the app has seen `n` connect events. */
  const connects = (t, n, what = `connect #${n}`, timeout = 10000) =>
    waitInPage(t.page, (n) => seen("connect").length >= n, n, { what, timeout });

  /** The five checks' common part: no page error, ticking, memory bounded; then closes. */
  async function healthy(t, what, largest = 0) {
    const errors = t.page.logs.filter((l) => l.startsWith("pageerror"));
    assert.deepEqual(errors, [], `${what}: no uncaught page error`);
    const t0 = await t.page.evaluate(() => __ticks);
    await waitInPage(t.page, (t0) => __ticks >= t0 + 5, t0, { what: `${what}: main thread ticking` });
    const now = await measure(t);
    assert.ok(now.heap <= t.base.heap + HEAP_SLACK, `${what}: JS heap ${t.base.heap} → ${now.heap}`);
    assert.ok(now.wasm <= t.base.wasm + wasmSlack(largest), `${what}: wasm memory ${t.base.wasm} → ${now.wasm}`);
    t.measured = now;
    await t.page.evaluate(() => __c.close());
    await t.cdp.detach().catch(() => {});
    await t.page.close();
  }

  /** Sends a normal event on `s` and waits until the app got it: the connection works. */
  async function delivers(t, s, what) {
    const mark = `marker-${Math.random()}`;
    await t.page.evaluate((m) => __c.on(m, () => __log.push([m])), mark);
    s.event(mark, [1]);
    await waitInPage(t.page, (m) => seen(m).length === 1, mark, { what: `${what}: a normal event after it` });
  }

  /** Reports the app's log (for docs/reliability.md's table) as a test diagnostic. */
  const diag = async (ctx, t) => ctx.diagnostic(JSON.stringify(await t.page.evaluate(() => __log)).slice(0, 600));

  const errorsOf = (t) => t.page.evaluate(() => seen("error").map((e) => [e[1], e[2]]));

  const notJson = () => "0{not json";
  for (const [name, frame, transports] of [
    ["an open packet that is not JSON", notJson, ["websocket"]],
    ["an open packet that is not JSON (polling)", notJson, ["polling"]],
    ["an open packet without sid", () => "0" + JSON.stringify({ upgrades: [], pingInterval: 1000, pingTimeout: 3000, maxPayload: 1e6 }), ["websocket"]],
    ["an absurd pingInterval", (sid) => "0" + JSON.stringify({ sid, upgrades: [], pingInterval: 1e300, pingTimeout: -5, maxPayload: 1e6 }), ["websocket"]],
  ]) {
    test(`bad handshake, ${name}: a connect_error per bad handshake reaches the app, then the client connects to the sane server`, async (ctx) => {
      let bad = 3;
      h.handshake = (sid) => (bad-- > 0 ? frame(sid) : null);
      try {
        const t = await open({ transports });
        await connects(t, 1, "connect once the handshake is sane");
        const log = await t.page.evaluate(() => __log);
        await diag(ctx, t);
        const reported = log.filter((e) => e[0] !== "connect");
        assert.deepEqual(reported, Array(3).fill(["connect_error", "TransportError", "invalid Engine.IO handshake"]), "one connect_error per bad handshake");
        const s = await session(t, 1);
        assert.equal(s.transport, transports[0]);
        await delivers(t, s, name);
        await healthy(t, name);
      } finally {
        h.handshake = null;
      }
    });
  }

  for (const transports of [["websocket"], ["polling"]]) {
    test(`server events named like lifecycle events reach no lifecycle listener: each is refused with a ProtocolError (${transports})`, async () => {
      const t = await open({ transports });
      await connects(t, 1);
      const s = await session(t, 1);
      const names = ["connect", "reconnect", "reconnect_failed", "error", "upgradeError", "connect_error", "disconnect"];
      await t.page.evaluate(() => {
        for (const n of ["reconnect", "reconnect_failed", "upgradeError", "reconnect_attempt"]) __c.on(n, (...a) => __log.push([n, ...a]));
      });
      for (const n of names) s.event(n, ["spoofed"]);
      await delivers(t, s, "reserved names");
      const log = await t.page.evaluate(() => __log);
      const lifecycle = log.filter((e) => e[0] !== "error" && !e[0].startsWith("marker-"));
      assert.deepEqual(lifecycle, [["connect"]], "no lifecycle listener called by the spoofed events");
      assert.deepEqual(
        await errorsOf(t),
        names.map((n) => ["ProtocolError", `server event "${n}" has a reserved name; not delivered`]),
      );
      assert.ok(await t.page.evaluate(() => __c.connected), "the connection goes on");
      await healthy(t, "reserved names");
    });
  }

  test("a flood of Engine.IO close packets on 5 connections: each ends that connection; the client reconnects and works", async (ctx) => {
    let floods = 5;
    h.onSession = (s) => {
      if (floods-- > 0) s.storm("1", 1000);
    };
    try {
      const t = await open();
      await connects(t, 6, "connected after 5 flooded connections");
      const log = await t.page.evaluate(() => __log);
      const reasons = log.filter((e) => e[0] === "disconnect").map((e) => e[1]);
      assert.deepEqual(reasons, Array(5).fill("transport close"), "one disconnect per flooded connection");
      assert.deepEqual(log.filter((e) => e[0] === "error" || e[0] === "connect_error"), [], "no error: a close packet is a clean close");
      h.onSession = null;
      await diag(ctx, t);
      await delivers(t, await session(t, 6), "close flood");
      await healthy(t, "close flood");
    } finally {
      h.onSession = null;
    }
  });

  /** Placeholders 0..n-1, as a binary event's JSON carries them. */
  const placeholders = (n) => Array.from({ length: n }, (_, num) => ({ _placeholder: true, num }));

  /** One ProtocolError naming `limit`, then disconnect "parse error", then a reconnect; the
   *  sane second connection delivers a normal and a binary event. */
  async function closedByLimit(ctx, t, limit) {
    await connects(t, 2, "reconnect after the limit closed the connection");
    const log = await t.page.evaluate(() => __log);
    await diag(ctx, t);
    const lifecycle = log.filter((e) => e[0] === "connect" || e[0] === "disconnect" || e[0] === "connect_error");
    assert.deepEqual(lifecycle, [["connect"], ["disconnect", "parse error"], ["connect"]]);
    const errors = log.filter((e) => e[0] === "error");
    assert.equal(errors.length, 1, `one error: ${JSON.stringify(errors)}`);
    assert.equal(errors[0][1], "ProtocolError");
    assert.match(errors[0][2], new RegExp(limit));
    const s2 = await session(t, 2);
    await delivers(t, s2, limit);
    await t.page.evaluate(() => __c.on("bin", (b) => __log.push(["bin", b instanceof ArrayBuffer ? b.byteLength : -1])));
    s2.sendRaw(`451-/site1,["bin",${JSON.stringify(placeholders(1)[0])}]`);
    s2.sendBinary(Buffer.alloc(1000, 7));
    await waitInPage(t.page, () => seen("bin").length === 1, null, { what: `${limit}: a binary event on the sane connection` });
    assert.deepEqual(await t.page.evaluate(() => seen("bin")), [["bin", 1000]]);
  }

  test("a binary event announcing 45 attachments (maxAttachments 10): one ProtocolError, parse error, reconnect", async (ctx) => {
    let hostile = 1;
    h.onSession = (s) => {
      if (hostile-- > 0) s.sendRaw(`4545-/site1,["ev",${JSON.stringify(placeholders(1)[0])}]`);
    };
    try {
      const t = await open();
      await closedByLimit(ctx, t, "maxAttachments");
      await healthy(t, "maxAttachments");
    } finally {
      h.onSession = null;
    }
  });

  test("attachments of one binary event over maxAttachmentBytes (100 000; 10 × 20 KB): one ProtocolError, parse error, reconnect", async (ctx) => {
    let hostile = 1;
    h.onSession = (s) => {
      if (hostile-- > 0) {
        s.sendRaw(`4510-/site1,["ev",${JSON.stringify(placeholders(10))}]`);
        for (let i = 0; i < 10; i++) s.sendBinary(Buffer.alloc(20 * 1024, i));
      }
    };
    try {
      const t = await open({ maxAttachmentBytes: 100000 });
      await closedByLimit(ctx, t, "maxAttachmentBytes");
      await healthy(t, "maxAttachmentBytes", 200 * 1024);
    } finally {
      h.onSession = null;
    }
  });

  for (const transports of [["websocket"], ["polling"]]) {
    test(`a storm of 1000 malformed frames (${transports}): at most 10 ProtocolErrors, parse error, reconnect; the page keeps ticking`, async (ctx) => {
      const t = await open({ transports });
      await connects(t, 1);
      const ticksAtStorm = await t.page.evaluate(() => __ticks);
      const s = await session(t, 1);
      s.storm("42/site1,{not json", 1000);
      await connects(t, 2, "reconnect after the storm");
      const log = await t.page.evaluate(() => __log);
      await diag(ctx, t);
      const errors = log.filter((e) => e[0] === "error");
      assert.ok(errors.length >= 1 && errors.length <= 10, `1..10 errors, got ${errors.length}`);
      for (const e of errors) assert.equal(e[1], "ProtocolError");
      const lifecycle = log.filter((e) => e[0] === "connect" || e[0] === "disconnect");
      assert.deepEqual(lifecycle, [["connect"], ["disconnect", "parse error"], ["connect"]]);
      assert.ok((await t.page.evaluate(() => __ticks)) > ticksAtStorm, "ticks advanced across the storm");
      await delivers(t, await session(t, 2), "storm");
      await healthy(t, "storm");
    });
  }

  test("5000 server events with ack ids the app never answers: the oldest are dropped with a ProtocolError; the connection stays up", async (ctx) => {
    const t = await open();
    await connects(t, 1);
    const s = await session(t, 1);
    await t.page.evaluate(() => {
      window.__evs = 0;
      __c.on("ev", () => window.__evs++); // never calls the ack callback
    });
    s.storm((i) => `42/site1,${i + 1}["ev",${i}]`, 5000);
    await waitInPage(t.page, () => window.__evs === 5000, null, { what: "5000 events delivered", timeout: 20000 });
    await delivers(t, s, "unanswered acks");
    const log = await t.page.evaluate(() => __log);
    await diag(ctx, t);
    const errors = log.filter((e) => e[0] === "error");
    assert.ok(errors.length >= 1, "at least one drop reported");
    for (const e of errors) {
      assert.equal(e[1], "ProtocolError");
      assert.match(e[2], /ack/);
    }
    assert.deepEqual(log.filter((e) => e[0] !== "error" && !e[0].startsWith("marker-")), [["connect"]], "no disconnect");
    await healthy(t, "unanswered acks");
  });

  // Large messages through the core: a message of S bytes leaves wasm memory at most
  // 1.5 × S + 2 MB once delivered (issue 15's target; linear memory never shrinks, so
  // this bounds the high-water mark of handling it). The frame is copied into wasm
  // memory once, exactly (UTF-8 made in JS), and its payload handed over, not copied
  // again (Client::handle_text_owned); large blocks are sized in 64 KB units.
  const MB = 1024 * 1024;
  const S = 4 * MB;
  const big = "x".repeat(S);
  // 4 MB of UTF-8 in 2 M characters: wasm-bindgen's string passing would reserve 3 bytes each.
  const accented = "\u00e9".repeat(S / 2);
  for (const [name, transports, send, check] of [
    ["a ping carrying 4 MB", ["websocket"], (s) => s.sendRaw("2" + big), null],
    ["an event with an ack id carrying 4 MB", ["websocket"], (s) => s.event("big", [big], "7"), S],
    ["an event with an ack id carrying 4 MB of non-ASCII text", ["websocket"], (s) => s.event("big", [accented], "7"), S / 2],
    ["an event carrying 4 MB over polling", ["polling"], (s) => s.event("big", [big]), S],
    ["an event carrying 4 MB over polling, between two other packets", ["polling"], (s) => {
      s.sendRaw("6");
      s.event("big", [big]);
      s.sendRaw("6");
    }, S],
    ["a binary event with a 4 MB attachment", ["websocket"], (s) => {
      s.sendRaw("451-/site1," + JSON.stringify(["big", { _placeholder: true, num: 0 }]));
      s.sendBinary(Buffer.alloc(S, 7));
    }, S],
    ["a 2 MB event, then a 4 MB one (the first one's memory reused)", ["websocket"], (s) => {
      s.event("big", ["y".repeat(2 * MB)], "1");
      s.event("big", [big], "2");
    }, S],
  ]) {
    test(`a large message through the core: ${name}: delivered whole, and wasm memory ≤ 1.5 × 4 MB + 2 MB after it`, async (ctx) => {
      const t = await open({ transports });
      await connects(t, 1);
      const s = await session(t, 1);
      await t.page.evaluate(() => __c.on("big", (a) => __log.push(["big", typeof a === "string" ? a.length : a.byteLength])));
      send(s);
      if (check) await waitInPage(t.page, (n) => seen("big").some((e) => e[1] === n), check, { what: `${name}: delivered`, timeout: 20000 });
      await delivers(t, s, name);
      const log = await t.page.evaluate(() => __log);
      assert.deepEqual(log.filter((e) => e[0] === "disconnect" || e[0] === "error"), [], "no disconnect, no error");
      if (check) assert.deepEqual((await t.page.evaluate(() => seen("big"))).at(-1), ["big", check], "delivered whole");
      await healthy(t, name, S);
      ctx.diagnostic(`wasm memory: ${t.base.wasm} → ${t.measured.wasm} bytes (target ${1.5 * S + 2 * MB})`);
      assert.ok(t.measured.wasm <= 1.5 * S + 2 * MB, `${name}: wasm memory ${t.measured.wasm} > 1.5 × S + 2 MB`);
    });
  }

  test("a polling response of 10 001 packets: one ProtocolError, parse error, reconnect", async (ctx) => {
    const t = await open({ transports: ["polling"] });
    await connects(t, 1);
    const s = await session(t, 1);
    // The first noop answers the GET waiting now; the other 10 001 queue for the next one.
    s.storm("6", 10002);
    await connects(t, 2, "connect after the oversized response");
    await diag(ctx, t);
    assert.deepEqual(await errorsOf(t), [["ProtocolError", "polling response over 10000 packets"]]);
    assert.deepEqual(await t.page.evaluate(() => seen("disconnect")), [["disconnect", "parse error"]]);
    await delivers(t, await session(t, 2), "10 001 packets");
    await healthy(t, "10 001 packets");
  });

  test("a partial frame, then silence (a WebSocket frame that never ends, no more pings): ping timeout, reconnect", async (ctx) => {
    const t = await open();
    await connects(t, 1);
    const s = await session(t, 1);
    s.stall(100);
    await connects(t, 2, "connect after the stalled link", 15000);
    await diag(ctx, t);
    assert.deepEqual(await t.page.evaluate(() => seen("disconnect")), [["disconnect", "ping timeout"]]);
    assert.deepEqual(await errorsOf(t), []);
    await delivers(t, await session(t, 2), "partial frame");
    await healthy(t, "partial frame");
  });

  test("a flood of 10 000 pings: each answered, the connection stays, the page keeps ticking", async () => {
    const t = await open();
    await connects(t, 1);
    const s = await session(t, 1);
    const t0 = await t.page.evaluate(() => __ticks);
    s.storm("2", 10000);
    await waitFor(() => s.received.filter((p) => p === "3").length >= 200, { timeout: 10000, what: "200 pongs" });
    await delivers(t, s, "ping flood");
    assert.ok(s.received.filter((p) => p === "3").length >= 200, "pongs come back (the server keeps the last 200 packets)");
    assert.deepEqual(await t.page.evaluate(() => seen("disconnect")), []);
    assert.ok((await t.page.evaluate(() => __ticks)) > t0, "the main thread ticked across the flood");
    await healthy(t, "ping flood");
  });

  test("handshakes announcing pingInterval 0 and pingTimeout 0: a connect_error each, then the sane server connects", async (ctx) => {
    let bad = 3;
    h.handshake = (sid) => (bad-- > 0 ? "0" + JSON.stringify({ sid, upgrades: [], pingInterval: 0, pingTimeout: 0, maxPayload: 1e6 }) : null);
    try {
      const t = await open();
      await connects(t, 1, "connect once the handshake is sane");
      await diag(ctx, t);
      const log = await t.page.evaluate(() => __log);
      const reported = log.filter((e) => e[0] !== "connect");
      assert.equal(reported.length, 3, "one report per bad handshake");
      for (const r of reported) assert.equal(r[0], "connect_error");
      // The bad sessions may have answered a namespace CONNECT too: the live one is the last.
      await delivers(t, await session(t, h.connects - t.connects), "zero heartbeat");
      await healthy(t, "zero heartbeat");
    } finally {
      h.handshake = null;
    }
  });

  // Forced traps: the page makes the shipped module trap (or an exception unwind through
  // it) by re-entering the driver from inside its drive loop, through a patched
  // WebSocket.prototype.send. Each case: one InternalError `error`, `disconnect`
  // ("transport error") then `connect` on a fresh module instance, the subscription joined
  // again on the new session, the pending ack rejected, the listeners and the client object
  // still working; no uncaught page error.
  for (const [name, when, how] of [
    // The pong answering the server's ping: the input path (hub.input → run → send).
    ["a trap inside the drive loop of an input (a pong re-enters the WasmClient)", "3", "wasm"],
    // An app emit: a call into the client (RealtimeClient.emit → run → send), the nested
    // getter trapping under RealtimeClient's own guard.
    ["a trap inside a call (an emit re-enters the client's getter)", "42/site1,[\"poke\"]", "getter"],
    // The pong again, with a plain JS exception out of send, unwinding through the wasm.
    ["a JS exception that unwinds through the wasm (send throws on a pong)", "3", "throw"],
  ]) {
    test(`no trap is final: ${name}`, async (ctx) => {
      const t = await open();
      await connects(t, 1);
      const s1 = await session(t, 1);
      await t.page.evaluate(() => {
        __c.on("reconnect", () => __log.push(["reconnect"]));
        __c.subscribe("doc", "ToDo", "T-1");
        window.__ack = __c.emitWithAck("never_answered").then(
          () => ["resolved"],
          (e) => ["rejected", e.name],
        );
      });
      await waitInPage(t.page, () => __instances === 1, null, { what: "one instance so far" });
      await t.page.evaluate(
        ([when, how]) => {
          const send = WebSocket.prototype.send;
          WebSocket.prototype.send = function (data) {
            if (data === when) {
              WebSocket.prototype.send = send;
              // Between the trap and the fresh instance: queued, then held once.
              queueMicrotask(() => __c.subscribe("doc", "ToDo", "T-2"));
              if (how === "wasm") void __c._wasm.connected; // borrowed: `unreachable`
              else if (how === "getter") void __c.state;
              else throw new Error("send failed");
            }
            return send.call(this, data);
          };
        },
        [when, how],
      );
      if (how === "getter") await t.page.evaluate(() => void __c.emit("poke"));
      await connects(t, 2, "connect on the fresh instance");
      const s2 = await session(t, 2);
      assert.notEqual(s2.sid, s1.sid, "a new session");
      await waitInPage(t.page, () => __instances === 2, null, { what: "a fresh module instance" });
      const log = await t.page.evaluate(() => __log);
      await diag(ctx, t);
      assert.deepEqual(
        log.map((e) => e.slice(0, 2)),
        [["connect"], ["disconnect", "transport error"], ["error", "InternalError"], ["connect"]],
      );
      assert.match(log[2][2], /^frappe-realtime: internal error \((RuntimeError: unreachable|Error: send failed)/);
      assert.deepEqual(await t.page.evaluate(() => __ack), ["rejected", "InternalError"], "the pending ack is rejected");
      await waitInPage(t.page, () => __c.connected && __c.state === "connected", null, { what: "the same client object connected" });
      const joined = () => s2.received.some((p) => p === '42/site1,["doc_subscribe","ToDo","T-1"]');
      await waitFor(joined, { what: "doc_subscribe T-1 on the new session" });
      assert.ok(joined(), "the subscription is joined again on the new session");
      // The one made while the client was between instances is held once: one
      // unsubscribe leaves it.
      const leave = '42/site1,["doc_unsubscribe","ToDo","T-2"]';
      await t.page.evaluate(() => void __c.unsubscribe("doc", "ToDo", "T-2"));
      await waitFor(() => s2.received.includes(leave), { what: "doc_unsubscribe T-2" });
      assert.ok(s2.received.includes('42/site1,["doc_subscribe","ToDo","T-2"]'), "joined on the new session");
      assert.ok(s2.received.includes(leave), "one unsubscribe leaves the room made between instances");
      await delivers(t, s2, name);
      // The client still sends: an emit reaches the new session.
      await t.page.evaluate(() => void __c.emit("after", 1));
      await waitFor(() => s2.received.includes('42/site1,["after",1]'), { what: "the emit after recovery" });
      assert.ok(s2.received.includes('42/site1,["after",1]'), "an emit after recovery reaches the server");
      // The trap is reported once on the console (console.error), not as a page error.
      await healthy(t, name);
    });
  }
});
