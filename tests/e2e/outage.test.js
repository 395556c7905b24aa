// While its realtime server is away, a page's attempts ask over HTTP before they open a
// WebSocket (src/protocol/client/session.rs, "Checks"): Chromium slows down every new
// WebSocket of a page whose WebSockets keep failing, by seconds once a dozen have failed,
// and would slow down the one that reconnects it. The built package in Chromium against
// the test servers; the page's WebSocket and fetch are wrapped (the real ones still do
// the work) to count what it asked for.
//
//   npm run build && node --test tests/e2e/outage.test.js

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { openRealtime, waitInPage, waitFor, useEnvAndBrowser, roomsOf, closeRealtime } from "./harness.js";

const ALICE = "alice@example.com";

/** In the page, before its scripts: every WebSocket made and every fetch of a WebSocket
 *  URL over http (a check), with when. */
function countTransports() {
  const made = (window.__made = { ws: [], checks: [] });
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(url, protocols) {
      super(url, protocols);
      made.ws.push(Date.now());
    }
  };
  made.aborted = [];
  const fetch = window.fetch;
  window.fetch = (input, init) => {
    if (!/transport=websocket/.test(String(input))) return fetch(input, init);
    const at = Date.now();
    made.checks.push(at);
    return fetch(input, init).catch((e) => {
      if (e.name === "AbortError") made.aborted.push([at, Date.now()]);
      throw e;
    });
  };
}

/** A TCP server on `port` that accepts connections and never answers, as a server that
 *  is starting (its port bound, its code not yet running) or a proxy waiting for one. */
async function holding(port) {
  const held = new Set();
  const server = net.createServer((s) => {
    held.add(s);
    s.on("close", () => held.delete(s));
    s.on("error", () => {});
  });
  await new Promise((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  let closed = null;
  return {
    held,
    /** Drops what it holds and frees the port; again: the same promise. */
    close: () => {
      for (const s of held) s.destroy();
      return (closed ||= new Promise((resolve) => server.close(() => resolve())));
    },
  };
}

describe("the realtime server away: attempts check over HTTP, no WebSocket fails", () => {
  let env;
  let browser;
  useEnvAndBrowser({ site: "site1" }, (e, b) => {
    env = e;
    browser = b;
  });

  test("after the first attempt finds nothing, no WebSocket is made until a check finds the server; reconnected on WebSocket", async () => {
    const ctx = await browser.newContext();
    await ctx.addInitScript(countTransports);
    const page = await openRealtime(ctx, env, { user: ALICE, init: false });
    await page.evaluate((url) => {
      // Default options: WebSocket first, probes every 125–375 ms while nothing answers.
      window.__c = new RealtimeClient(url + "/site1", { withCredentials: true });
      for (const e of ["connect", "reconnect"]) __c.on(e, () => __log.push([e]));
      __c.subscribe("doc", "ToDo", "TD-7");
    }, env.realtimeUrl);
    await waitFor(() => roomsOf(env, ALICE).includes("doc:ToDo/TD-7"), { what: "room joined" });
    assert.equal(await page.evaluate(() => __made.ws.length), 1, "connected on the first WebSocket");

    await env.stopRealtime({ abrupt: true });
    const down = Date.now();
    // Several attempts while nothing listens: each one a check.
    await waitInPage(page, () => __made.checks.length >= 5, null, { what: "five checks", timeout: 20000 });
    await env.restartRealtime();
    await waitInPage(page, () => __c.connected && seen("reconnect").length === 1, null, { what: "reconnected", timeout: 20000 });
    await waitFor(() => roomsOf(env, ALICE).includes("doc:ToDo/TD-7"), { what: "room back" });

    const { ws, checks } = await page.evaluate(() => __made);
    const since = ws.filter((t) => t >= down);
    // The quick retry's WebSocket, which found nothing, then the one its check let through.
    assert.equal(since.length, 2, `WebSockets made since the server went away: ${since.map((t) => t - down)}`);
    assert.ok(checks.every((t) => t > since[0]), "the first attempt after the loss opened its WebSocket without a check");
    assert.ok(checks.at(-1) <= since[1], "the reconnecting WebSocket followed a check");
    assert.equal(await page.evaluate(() => __c.transport), "websocket");
    await closeRealtime(env, page);
    await ctx.close();
  });

  test("a check that something holds unanswered gives way to its WebSocket after a second; reconnected once the server answers", async () => {
    const ctx = await browser.newContext();
    await ctx.addInitScript(countTransports);
    const page = await openRealtime(ctx, env, { user: ALICE, init: false });
    await page.evaluate((url) => {
      // A `timeout` far past the check's wait: only the check's wait can end the check.
      window.__c = new RealtimeClient(url + "/site1", { withCredentials: true, timeout: 120000 });
      for (const e of ["connect", "reconnect"]) __c.on(e, () => __log.push([e]));
      __c.subscribe("doc", "ToDo", "TD-8");
    }, env.realtimeUrl);
    await waitFor(() => roomsOf(env, ALICE).includes("doc:ToDo/TD-8"), { what: "room joined" });

    await env.stopRealtime({ abrupt: true });
    await waitInPage(page, () => __made.checks.length >= 2, null, { what: "two checks", timeout: 20000 });
    // The port is bound again, by something that holds every request.
    const hold = await holding(Number(new URL(env.realtimeUrl).port));
    try {
      const wsBefore = await page.evaluate(() => __made.ws.length);
      await waitInPage(page, () => __made.aborted.length >= 1, null, { what: "a check aborted", timeout: 20000 });
      await waitInPage(page, (n) => __made.ws.length > n, wsBefore, { what: "its WebSocket", timeout: 20000 });
      const { aborted, ws } = await page.evaluate(() => __made);
      const [[start, end]] = aborted;
      // CHECK_WAIT is 1 s of the client's clock; the page's timers run late on a loaded machine.
      assert.ok(end - start >= 950 && end - start < 20000, `the check was aborted after ${end - start} ms`);
      // The driver aborts the check and opens the WebSocket in one task; the abort's
      // rejection reaches the page's wrapper after.
      const next = ws.find((t) => t >= start);
      assert.ok(next !== undefined && next - start >= 950 && Math.abs(next - end) < 1000, `a WebSocket followed the aborted check (WebSockets at ${ws.map((t) => t - start)} ms, abort at ${end - start} ms)`);
    } finally {
      await hold.close();
    }
    await env.restartRealtime();
    await waitInPage(page, () => __c.connected && seen("reconnect").length === 1, null, { what: "reconnected", timeout: 40000 });
    await waitFor(() => roomsOf(env, ALICE).includes("doc:ToDo/TD-8"), { what: "room back" });
    // The unchecked WebSocket the held check gave way to fails when the holder lets go;
    // its attempt may then fall back to polling and find the server back: polling
    // upgrades to WebSocket once it is up.
    await waitInPage(page, () => __c.transport === "websocket", null, { what: "on WebSocket", timeout: 20000 });
    await closeRealtime(env, page);
    await ctx.close();
  });
});
