// End-to-end: the socket.io-client entry (www/socket.io-client.js, package export
// "frappe-realtime/socket.io-client") used as Frappe SPAs use socket.io-client, in
// headless Chromium against the Frappe-compatible test servers: io() and its Manager
// cache, the Socket's members, the Manager's events across a realtime server restart,
// raw room emits kept across reconnects, and an esbuild bundle of
// `import { io } from "socket.io-client"` with the alias.
//
//   node --test tests/e2e/socket-io-client.test.js

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { newPage, login, openPage, waitInPage, waitFor, useEnvAndBrowser, socketsOf, roomsOf, hasRooms, lacksRooms } from "./harness.js";

const ALICE = "alice@example.com";
const ROOT = path.resolve(import.meta.dirname, "../..");

/** A page of `ctx` logged in as alice, with the entry imported (`window.sio`, `window.io`). */
async function openEntry(ctx, env) {
  const page = await newPage(ctx);
  await login(page, env.webUrl, ALICE);
  await openPage(page, "/pages/socket-io-client.html", { siteUrl: env.webUrl });
  await waitInPage(page, () => window.__ready === true, null, { what: "entry imported" });
  return page;
}

/** Waits until `window.__s` (or the expression's socket) is connected. */
const connected = (page, expr = "__s", timeout = 10000) =>
  waitInPage(page, (e) => { const s = eval(e); return s && s.connected; }, expr, { what: `${expr} connected`, timeout });

/** Destroys the page's sockets (those in `window.__all`, and `__s`), waits until the server
 *  has dropped them, closes the page. */
async function closeEntry(env, page) {
  const ids = await page.evaluate(() => {
    const all = new Set([...(window.__all || []), window.__s].filter(Boolean));
    const ids = [...all].map((s) => s.id).filter(Boolean);
    for (const s of all) s.destroy();
    return ids;
  });
  if (ids.length) await waitFor(() => !socketsOf(env).some((s) => ids.includes(s.id)), { what: `server dropped ${ids}` });
  await page.close();
}

describe("the socket.io-client entry against a Frappe-compatible server", () => {
  let env;
  let browser;
  let ctx;

  useEnvAndBrowser({ site: "site1" }, (e, b) => {
    env = e;
    browser = b;
  });

  before(async () => {
    ctx = await browser.newContext();
  });

  test("exports: io, connect, default (io with Manager, Socket, io, connect), Manager, Socket, protocol 5", async () => {
    const page = await openEntry(ctx, env);
    const out = await page.evaluate(() => ({
      names: Object.keys(sio).sort(),
      same: sio.io === sio.connect && sio.io === sio.default,
      attached: sio.default.Manager === sio.Manager && sio.default.Socket === sio.Socket && sio.default.io === sio.io && sio.default.connect === sio.io,
      protocol: sio.protocol,
    }));
    assert.deepEqual(out.names, ["Fetch", "Manager", "NodeWebSocket", "NodeXHR", "Socket", "WebSocket", "WebTransport", "XHR", "connect", "default", "io", "protocol"]);
    assert.ok(out.same);
    assert.ok(out.attached);
    assert.equal(out.protocol, 5);
    await page.close();
  });

  test("io(url, {withCredentials, reconnectionAttempts}) as the apps call it: connects to the URL's namespace; emit, ack, server events", async () => {
    const page = await openEntry(ctx, env);
    await page.evaluate(() => {
      window.__s = io(__frappe_test_env.socketUrl, { withCredentials: true, reconnectionAttempts: 5, secure: false, someUnknownOption: { x: 1 } });
      __s.on("connect", log("connect"));
      __s.on("notification", log("notification"));
    });
    await connected(page);
    const info = await page.evaluate(() => ({ nsp: __s.nsp, id: __s.id, active: __s.active, disconnected: __s.disconnected, recovered: __s.recovered }));
    assert.equal(info.nsp, "/" + env.site);
    assert.ok(socketsOf(env, ALICE).some((s) => s.id === info.id), "the server knows the socket's id");
    assert.equal(info.active, true);
    assert.equal(info.disconnected, false);
    assert.equal(info.recovered, false);
    const acked = await page.evaluate(() => new Promise((resolve) => __s.emit("echo_ack", 1, "two", (...a) => resolve(a))));
    assert.deepEqual(acked, [1, "two"]);
    assert.deepEqual(await page.evaluate(() => __s.emitWithAck("echo_ack", { a: 1 })), { a: 1 });
    await env.publish({ event: "notification", message: { n: 1 }, user: ALICE });
    const got = await waitInPage(page, () => seen("notification")[0], null, { what: "notification" });
    assert.deepEqual(got.a, [{ n: 1 }]);
    assert.equal(got.self, "socket", "listeners are called with this === socket");
    await closeEntry(env, page);
  });

  test("io() with no URL is the page's origin; a relative path is the namespace on the page's origin", async () => {
    const page = await openEntry(ctx, env);
    const out = await page.evaluate(() => {
      const a = io({ autoConnect: false });
      const b = io("/" + frappe.boot.sitename, { autoConnect: false });
      const r = { a: [a.nsp, a.io.uri], b: b.nsp, shared: a.io === b.io };
      a.destroy();
      b.destroy();
      return r;
    });
    assert.deepEqual(out.a, ["/", env.webUrl + "/"]);
    assert.equal(out.b, "/" + env.site);
    assert.equal(out.shared, true, "two namespaces of one server share a Manager");
    await page.close();
  });

  test("io() twice for one namespace: a new Manager and Socket, as socket.io-client's lookup; forceNew and multiplex: false too", async () => {
    const page = await openEntry(ctx, env);
    const out = await page.evaluate(() => {
      const url = __frappe_test_env.socketUrl;
      const a = io(url, { autoConnect: false });
      const b = io(url, { autoConnect: false });
      const other = io(url.replace(/\/[^/]+$/, "/other"), { autoConnect: false });
      const c = io(url.replace(/\/[^/]+$/, "/third"), { autoConnect: false, forceNew: true });
      const d = io(url.replace(/\/[^/]+$/, "/fourth"), { autoConnect: false, multiplex: false });
      const m = a.io.socket(a.nsp);
      const r = {
        ab: a === b,
        abManager: a.io === b.io,
        otherShares: other.io === a.io,
        forceNew: c.io !== a.io && c.io !== b.io,
        multiplex: d.io !== a.io && d.io !== b.io,
        managerSocket: m === a,
      };
      for (const s of [a, b, other, c, d]) s.destroy();
      return r;
    });
    assert.deepEqual(out, { ab: false, abManager: false, otherShares: true, forceNew: true, multiplex: true, managerSocket: true });
    await page.close();
  });
});
