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
  const fetch = window.fetch;
  window.fetch = (input, init) => {
    if (/transport=websocket/.test(String(input))) made.checks.push(Date.now());
    return fetch(input, init);
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
});
