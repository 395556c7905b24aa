// An exhausted `reconnectionAttempts` (the SPAs pass 5, Desk's own client 3) is revived
// when the page says the network is back (`online`) or the tab became visible: the
// client tries again, reports a reconnect, and its rooms come back — where
// socket.io-client stays down until the page is reloaded. The built package in Chromium
// against the test servers; the realtime server is stopped until the attempts run out.
// Attempts that find nothing while the probes run are not counted (the last test).
//
//   npm run build && node --test tests/e2e/revive.test.js

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { openRealtime, waitInPage, waitFor, useEnvAndBrowser, roomsOf, closeRealtime } from "./harness.js";

const ALICE = "alice@example.com";

describe("reconnectionAttempts ran out: revived by the page's online / visible", () => {
  let env;
  let browser;
  useEnvAndBrowser({ site: "site1" }, (e, b) => {
    env = e;
    browser = b;
  });

  /**
   * A page whose client allows 2 attempts, 100–200 ms apart after a first retry of
   * `firstRetryDelay`, logs `events` and is in doc:ToDo/TD-9 on the server.
   */
  async function openLimited(firstRetryDelay, events) {
    const ctx = await browser.newContext();
    const page = await openRealtime(ctx, env, { user: ALICE, init: false });
    await page.evaluate(
      ([url, firstRetryDelay, events]) => {
        window.__c = new RealtimeClient(url + "/site1", {
          withCredentials: true,
          reconnectionAttempts: 2,
          reconnectionDelay: 100,
          reconnectionDelayMax: 200,
          firstRetryDelay,
        });
        for (const e of events) __c.on(e, () => __log.push([e]));
        __c.subscribe("doc", "ToDo", "TD-9");
      },
      [env.realtimeUrl, firstRetryDelay, events],
    );
    await waitFor(() => roomsOf(env, ALICE).includes("doc:ToDo/TD-9"), { what: "room joined" });
    return { ctx, page };
  }

  for (const how of ["online", "visibilitychange"]) {
    test(`revived by ${how}`, async () => {
      // socket.io-client's timing (firstRetryDelay = reconnectionDelay): no probes, so
      // attempts that find nothing count and the two run out while the server is away
      // (with probes they would count only after 90 s).
      const { ctx, page } = await openLimited(100, ["connect", "reconnect_failed", "reconnect"]);

      await env.stopRealtime({ abrupt: true });
      await waitInPage(page, () => seen("reconnect_failed").length === 1, null, { what: "reconnect_failed", timeout: 15000 });
      const state = await page.evaluate(() => __c.state);
      assert.ok(state === "idle" || state === "failed", `the client gave up (${state})`);
      // Nothing would happen by itself: no timer armed (the last attempt's transport
      // may still be closing).
      const [, , timer] = await page.evaluate(() => __c.resources());
      assert.equal(timer, 0);
      await env.restartRealtime();

      await page.evaluate((how) => {
        if (how === "online") window.dispatchEvent(new Event("online"));
        else document.dispatchEvent(new Event("visibilitychange")); // the page is visible
      }, how);
      await waitInPage(page, () => __c.connected && seen("reconnect").length === 1, null, { what: "reconnected", timeout: 15000 });
      await waitFor(() => roomsOf(env, ALICE).includes("doc:ToDo/TD-9"), { what: "room back" });
      assert.equal(await page.evaluate(() => seen("connect").length), 2);
      await closeRealtime(env, page);
      await ctx.close();
    });
  }

  test("while nothing answers, attempts are not counted: a limit of 2 outlasts a restart", async () => {
    // Probes on (firstRetryDelay below reconnectionDelay), as by default.
    const { ctx, page } = await openLimited(50, ["connect", "reconnect_failed", "reconnect", "reconnect_attempt"]);

    await env.stopRealtime({ abrupt: true });
    // Twice as many as the limit and the quick retry, each at a server that is not there.
    await waitInPage(page, () => seen("reconnect_attempt").length >= 6, null, { what: "six attempts", timeout: 30000 });
    await env.restartRealtime();
    await waitInPage(page, () => __c.connected && seen("reconnect").length === 1, null, { what: "reconnected", timeout: 30000 });
    await waitFor(() => roomsOf(env, ALICE).includes("doc:ToDo/TD-9"), { what: "room back" });
    assert.equal(await page.evaluate(() => seen("reconnect_failed").length), 0);
    await closeRealtime(env, page);
    await ctx.close();
  });
});
