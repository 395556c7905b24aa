// End-to-end: the early WebSocket (src/browser/glue.js `preopen`). A RealtimeClient
// constructed before the wasm module is ready opens its first WebSocket at once, when its
// options make the core's first URL certain; the driver adopts it and replays what it saw.
// The page (pages/early.html) records every WebSocket it opens; `wasmDelay` holds the
// module back so that the socket is open, with its handshake, before the client exists.
//
//   node --test tests/e2e/early.test.js

import { describe, test, before, afterEach } from "node:test";
import assert from "node:assert/strict";
import { newPage, login, openPage, waitInPage, waitFor, useEnvAndBrowser, socketsOf } from "./harness.js";

const ALICE = "alice@example.com";

describe("the early WebSocket", () => {
  let env;
  let browser;
  let ctx;
  let page = null;
  useEnvAndBrowser({ proxy: true }, (e, b) => {
    env = e;
    browser = b;
  });
  before(async () => {
    ctx = await browser.newContext();
  });
  afterEach(async () => {
    env.proxy.refuse(false);
    if (page) {
      // A polite close (the server hears it at once; a closed page's polling session
      // would linger until its ping timeout).
      await page.evaluate(() => client.close()).catch(() => {});
      await page.close();
    }
    page = null;
    // Nothing left behind: the next test counts the server's connections from zero.
    await waitFor(() => env.state().engineClients === 0, { what: "no engine connection left", timeout: 10000 });
  });

  async function open(query) {
    page = await newPage(ctx);
    await login(page, env.webUrl, ALICE);
    await openPage(page, `/pages/early.html?${new URLSearchParams(query)}`, { siteUrl: env.webUrl });
    return page;
  }
  const connectedIn = (p) => waitInPage(p, () => __log.some((e) => e[0] === "connect") && window.__readyAt, null, { what: "connected", timeout: 10000 });
  const record = (p) =>
    p.evaluate(() => ({ sockets: __sockets, readyAt: __readyAt, constructedAt: __constructedAt, wasmAt: window.__wasmAt, log: __log }));

  for (const [transports, wasmDelay] of [
    [["websocket"], 300],
    [["websocket"], 0],
    [undefined, 300], // the default: WebSocket first
  ]) {
    const named = transports ? "transports " + JSON.stringify(transports) : "the default transports";
    test(`WebSocket first (${named}): the socket opened at construction is the one the client uses (module ${wasmDelay ? "held back " + wasmDelay + " ms" : "not held back"})`, async () => {
      const p = await open({ options: JSON.stringify({ transports }), wasmDelay });
      await connectedIn(p);
      const r = await record(p);
      assert.equal(r.sockets.length, 1, "one WebSocket: " + JSON.stringify(r.sockets));
      const [ws] = r.sockets;
      assert.match(ws.url, /\/socket\.io\/\?EIO=4&transport=websocket$/);
      assert.ok(ws.at <= r.constructedAt, "opened by the constructor");
      assert.ok(ws.at < r.readyAt, "opened before the module was ready");
      if (wasmDelay) {
        assert.ok(ws.at < r.wasmAt, "opened before the module's fetch");
        // Its open and the Engine.IO handshake came before the client existed: replayed.
        const before = ws.events.filter(([, at]) => at < r.readyAt).map(([type, , data]) => type + data);
        assert.deepEqual(before, ["open", "message0{"]);
      }
      assert.equal(env.state().engineClients, 1);
      await waitFor(() => socketsOf(env, ALICE).some((s) => s.rooms.includes("doc:ToDo/TD-EARLY")), { what: "room joined" });
      await env.publish({ event: "doc_update", message: { name: "TD-EARLY", n: wasmDelay }, doctype: "ToDo", docname: "TD-EARLY" });
      await waitInPage(p, (n) => __log.some((e) => e[0] === "doc_update" && e[1].n === n), wasmDelay, { what: "doc_update" });
    });
  }

  for (const [what, options] of [
    ["polling first", { transports: ["polling", "websocket"] }],
    ["extraHeaders and no transports (headers go on polling requests only: polling first)", { extraHeaders: { "X-Test": "1" } }],
    ["a query option (the URL is the core's to build)", { transports: ["websocket"], query: { a: "1" } }],
    ["autoConnect false", { transports: ["websocket"], autoConnect: false }],
  ]) {
    test(`no early WebSocket with ${what}`, async () => {
      const p = await open({ options: JSON.stringify(options), wasmDelay: 200 });
      if (options.autoConnect === false) {
        await waitInPage(p, () => window.__readyAt, null, { what: "ready" });
        await p.evaluate(() => client.connect());
      }
      await connectedIn(p);
      const r = await record(p);
      assert.ok(r.sockets.length > 0);
      assert.ok(r.sockets.every((s) => s.at > r.wasmAt), "every WebSocket opened by the core, once the module came: " + JSON.stringify(r.sockets));
    });
  }

  test("listeners added before the module is ready are listed, counted and removable at once, and called once it is", async () => {
    const p = await open({ options: JSON.stringify({ transports: ["websocket"] }), wasmDelay: 300 });
    const before = await p.evaluate(() => window.__beforeReady);
    assert.deepEqual(before, { ready: false, listeners: 1, has: true, none: false, count: 3 });
    await connectedIn(p);
    assert.equal(await p.evaluate(() => client.resources()[0]), 3, "the same listeners in the client");
    await waitFor(() => socketsOf(env, ALICE).some((s) => s.rooms.includes("doc:ToDo/TD-EARLY")), { what: "room joined" });
    await env.publish({ event: "doc_update", message: { name: "TD-EARLY", n: 1 }, doctype: "ToDo", docname: "TD-EARLY" });
    await waitInPage(p, () => __log.some((e) => e[0] === "doc_update"), null, { what: "doc_update" });
    assert.ok(!(await p.evaluate(() => __log.some((e) => e[0] === "gone"))), "the removed listener was not called");
  });

  test("a bad URL, bad options and a bad debug level throw a TypeError at once, before the module is ready, and open nothing", async () => {
    const p = await open({ options: JSON.stringify({ transports: ["websocket"] }), wasmDelay: 300 });
    assert.deepEqual(await p.evaluate(() => window.__refused), {
      ready: false,
      options: "TypeError: frappe-realtime: option timeout must be a number",
      url: "TypeError: frappe-realtime: invalid URL",
      debug: "TypeError: frappe-realtime: debug must be off, error, warn, info or debug",
    });
    await connectedIn(p);
    const r = await record(p);
    assert.equal(r.sockets.length, 1, "only the good client's socket: " + JSON.stringify(r.sockets));
    assert.equal(await p.evaluate(() => client.debug), "warn", "the level is unchanged");
  });

  test("a client closed before it is ready closes its early WebSocket; the server keeps nothing", async () => {
    const p = await open({ options: JSON.stringify({ transports: ["websocket"] }), wasmDelay: 300, closeAt: "now" });
    await waitInPage(p, () => window.__readyAt && __sockets.length === 1 && __sockets[0].events.some((e) => e[0] === "close"), null, {
      what: "the early socket closed",
    });
    await waitFor(() => env.state().engineClients === 0, { what: "server dropped it" });
    const r = await record(p);
    assert.deepEqual(r.log, []);
    assert.equal(r.sockets.length, 1);
  });

  test("an early WebSocket that fails before the client exists: the core sees the failure and retries", async () => {
    env.proxy.refuse(true);
    const p = await open({ options: JSON.stringify({ transports: ["websocket"], reconnectionDelay: 200, randomizationFactor: 0 }), wasmDelay: 300 });
    await waitInPage(p, () => window.__readyAt, null, { what: "ready" });
    let r = await record(p);
    assert.ok(r.sockets[0].events.some(([type, at]) => type === "close" && at < r.readyAt), "failed before the client existed");
    await waitInPage(p, () => __log.some((e) => e[0] === "connect_error"), null, { what: "connect_error" });
    env.proxy.refuse(false);
    await connectedIn(p);
    r = await record(p);
    assert.ok(r.sockets.length >= 2, "a new WebSocket for the retry");
    await waitFor(() => socketsOf(env, ALICE).some((s) => s.rooms.includes("doc:ToDo/TD-EARLY")), { what: "room joined" });
  });
});
