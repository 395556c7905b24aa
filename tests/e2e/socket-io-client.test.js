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
import { newPage, login, openPage, waitInPage, waitFor, useEnvAndBrowser, launchBrowser, socketsOf, roomsOf, hasRooms, lacksRooms } from "./harness.js";
import { startEnv as startEnvWith } from "../server/env.js";

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

  test("off(event) removes every listener, off(event, undefined) the oldest on-listener, off(event, fn) exactly fn; removeAllListeners", async () => {
    const page = await openEntry(ctx, env);
    await page.evaluate(() => {
      window.__s = io(__frappe_test_env.socketUrl, { withCredentials: true });
      window.f1 = log("a1");
      window.f2 = log("a2");
      window.f3 = log("a3");
      __s.on("evt", f1).on("evt", f2).once("evt", log("once")).on("evt", f3);
    });
    await connected(page);
    const round = async (n, last) => {
      await page.evaluate((n) => __s.emit("echo_emit", "evt", n), n);
      await waitInPage(page, ([n, last]) => seen(last).some((l) => l.a[0] === n), [n, last], { what: `round ${n}` });
      return page.evaluate((n) => ["a1", "a2", "a3", "once", "after"].filter((e) => seen(e).some((l) => l.a[0] === n)), n);
    };
    assert.deepEqual(await round(1, "a3"), ["a1", "a2", "a3", "once"]);
    await page.evaluate(() => __s.off("evt", f2));
    assert.deepEqual(await round(2, "a3"), ["a1", "a3"]);
    await page.evaluate(() => __s.off("evt", undefined));
    assert.deepEqual(await round(3, "a3"), ["a3"]);
    await page.evaluate(() => __s.off("evt").on("evt", log("after")));
    assert.deepEqual(await round(4, "after"), ["after"]);
    const all = await page.evaluate(() => {
      const selves = __log.map((l) => l.self);
      __s.on("connect", log("c")).removeAllListeners("evt");
      const r = [__s.hasListeners("evt"), __s.hasListeners("connect")];
      __s.removeAllListeners();
      return { selves, r, after: __s.listeners("connect").length };
    });
    assert.ok(all.selves.every((x) => x === "socket"), "every listener ran with this === socket");
    assert.deepEqual(all.r, [false, true]);
    assert.equal(all.after, 0);
    await closeEntry(env, page);
  });

  test("onAny / prependAny see server events (first, in order, with this === socket), never lifecycle events; offAny; listenersAny", async () => {
    const page = await openEntry(ctx, env);
    await page.evaluate(() => {
      window.__s = io(__frappe_test_env.socketUrl, { withCredentials: true });
      window.any = log("any");
      __s.onAny(any).prependAny(log("first")).on("evt", log("evt"));
    });
    await connected(page);
    // A disconnect and a connect: lifecycle events, not for onAny.
    await page.evaluate(() => __s.disconnect().connect());
    await connected(page);
    await page.evaluate(() => __s.emit("echo_emit", "evt", { n: 1 }));
    await waitInPage(page, () => seen("evt").length, null, { what: "evt" });
    const out = await page.evaluate(() => ({ order: __log.map((l) => l.e), any: seen("any"), n: __s.listenersAny().length }));
    assert.deepEqual(out.order, ["first", "any", "evt"], "no lifecycle event reached the catch-all listeners");
    assert.deepEqual(out.any[0].a, ["evt", { n: 1 }]);
    assert.equal(out.any[0].self, "socket");
    assert.equal(out.n, 2);
    await page.evaluate(() => {
      __s.offAny(any);
      __s.emit("echo_emit", "evt", 2);
    });
    await waitInPage(page, () => seen("evt").length === 2, null, { what: "second evt" });
    assert.deepEqual(await page.evaluate(() => [seen("any").length, seen("first").length, __s.listenersAny().length]), [1, 2, 1]);
    assert.equal(await page.evaluate(() => __s.offAny().listenersAny().length), 0);
    await closeEntry(env, page);
  });

  test("onAnyOutgoing sees every emit of the app (without its ack), room emits included; offAnyOutgoing", async () => {
    const page = await openEntry(ctx, env);
    const out = await page.evaluate(async () => {
      window.__s = io(__frappe_test_env.socketUrl, { withCredentials: true });
      const out = log("out");
      __s.onAnyOutgoing(out).prependAnyOutgoing(log("out0"));
      await __s.emitWithAck("echo_ack", 1);
      await new Promise((resolve) => __s.emit("echo_ack", 2, resolve));
      __s.emit("doc_subscribe", "ToDo", "OUT-1");
      __s.send("hello");
      const n = __s.listenersAnyOutgoing().length;
      __s.offAnyOutgoing(out);
      __s.emit("echo_ack", 3);
      const m = __s.listenersAnyOutgoing().length;
      __s.offAnyOutgoing();
      return { outs: seen("out").map((l) => l.a), first: __log[0].e, n, m, after: __s.listenersAnyOutgoing().length };
    });
    assert.deepEqual(out.outs, [["echo_ack", 1], ["echo_ack", 2], ["doc_subscribe", "ToDo", "OUT-1"], ["message", "hello"]]);
    assert.equal(out.first, "out0");
    assert.deepEqual([out.n, out.m, out.after], [2, 1, 0]);
    await waitFor(() => env.state().received.some((r) => r.user === ALICE && r.event === "message"), { what: "send() reached the server as message" });
    await closeEntry(env, page);
  });

  test("timeout(ms), volatile, compress(v) are chainable flags of the next emit; a volatile emit while disconnected is dropped", async () => {
    const page = await openEntry(ctx, env);
    await page.evaluate(() => (window.__s = io(__frappe_test_env.socketUrl, { withCredentials: true })));
    await connected(page);
    const out = await page.evaluate(async () => {
      const r = {};
      r.chain = __s.timeout(1000) === __s && __s.compress(true) === __s && __s.volatile === __s;
      // (the flags above are used by the next emit)
      r.ok = await new Promise((resolve) => __s.emit("echo_ack", "a", (...a) => resolve(a)));
      r.late = await new Promise((resolve) => __s.timeout(200).emit("echo_never_ack", (err, ...rest) => resolve([err && err.message, rest.length])));
      r.rejected = await __s.timeout(200).emitWithAck("echo_never_ack").then(() => "resolved", (e) => e.message);
      r.inTime = await new Promise((resolve) => __s.timeout(5000).emit("echo_ack", "b", (err, v) => resolve([err, v])));
      r.ack = await __s.timeout(5000).emitWithAck("echo_ack", "c");
      __s.volatile.emit("vol_connected", 1);
      __s.disconnect();
      __s.volatile.emit("vol_dropped", 2);
      __s.compress(false).emit("kept", 3);
      __s.connect();
      return r;
    });
    assert.ok(out.chain);
    assert.deepEqual(out.ok, [null, "a"], "the timeout flag set by the chain applied to the next emit: (err, ...args)");
    assert.ok(out.late[0], "the ack got the timeout error");
    assert.ok(typeof out.rejected === "string" && out.rejected !== "resolved");
    assert.deepEqual(out.inTime, [null, "b"]);
    assert.equal(out.ack, "c");
    // kept was buffered and sent after the reconnect; vol_dropped, emitted before it, never was.
    await waitFor(() => env.state().received.some((r) => r.user === ALICE && r.event === "kept"), { what: "kept delivered after reconnect" });
    const events = env.state().received.filter((r) => r.user === ALICE).map((r) => r.event);
    assert.ok(events.includes("vol_connected"), "a volatile emit while connected is sent");
    assert.ok(!events.includes("vol_dropped"), "a volatile emit while disconnected is dropped");
    await closeEntry(env, page);
  });

  test("close() disconnects (io client disconnect, Manager close 'forced close', not active); connect() / open() reconnect", async () => {
    const page = await openEntry(ctx, env);
    await page.evaluate(() => {
      window.__s = io(__frappe_test_env.socketUrl, { withCredentials: true });
      __s.on("disconnect", log("disconnect")).on("connect", log("connect"));
      __s.io.on("close", log("m_close")).on("open", log("m_open"));
    });
    await connected(page);
    const first = await page.evaluate(() => __s.id);
    await page.evaluate(() => __s.close());
    await waitInPage(page, () => seen("disconnect").length === 1, null, { what: "disconnect" });
    assert.deepEqual(await page.evaluate(() => [seen("disconnect")[0].a[0], seen("m_close")[0].a[0], __s.active, __s.connected, __s.disconnected, __s.id]), [
      "io client disconnect",
      "forced close",
      false,
      false,
      true,
      undefined,
    ]);
    await waitFor(() => !socketsOf(env).some((s) => s.id === first), { what: "server dropped the socket" });
    await page.evaluate(() => __s.connect());
    await connected(page);
    const second = await page.evaluate(() => __s.id);
    assert.notEqual(second, first);
    await page.evaluate(() => __s.close().open());
    await waitInPage(page, () => seen("connect").length === 3 && __s.connected, null, { what: "open() after close()" });
    assert.equal(await page.evaluate(() => seen("m_open").length), 3, "the Manager opened at every connect");
    assert.equal(await page.evaluate(() => __log.findIndex((l) => l.e === "m_close") < __log.findIndex((l) => l.e === "disconnect")), true, "Manager close before the socket's disconnect");
    await closeEntry(env, page);
  });

  test("Manager: options as getters, setters return the Manager, engine.transport.name and upgrade, open(cb), socket(nsp)", async () => {
    const page = await openEntry(ctx, env);
    const out = await page.evaluate(async () => {
      const url = new URL(__frappe_test_env.socketUrl);
      // Polling first, asked for, so that the engine upgrades (the default is WebSocket first).
      const m = new sio.Manager(url.origin, { autoConnect: false, reconnectionAttempts: 5, withCredentials: true, randomizationFactor: 0, transports: ["polling", "websocket"] });
      window.__s = m.socket(url.pathname);
      const r = {
        same: m.socket(url.pathname) === __s && __s.io === m,
        get: [m.reconnection(), m.reconnectionAttempts(), m.reconnectionDelay(), m.reconnectionDelayMax(), m.randomizationFactor(), m.timeout()],
        opts: [m.opts.withCredentials, m.opts.path],
        state: [__s.active, __s.connected, m._readyState],
      };
      r.set =
        m.reconnectionAttempts(7) === m && m.reconnectionDelay(300) === m && m.reconnectionDelayMax(900) === m && m.randomizationFactor(0.1) === m && m.timeout(5000) === m && m.reconnection(true) === m;
      r.after = [m.reconnectionAttempts(), m.reconnectionDelay(), m.reconnectionDelayMax(), m.randomizationFactor(), m.timeout()];
      m.engine.on("upgrade", log("upgrade"));
      r.cb = await new Promise((resolve) => m.open((err) => resolve(err === undefined ? "ok" : String(err))));
      r.connected = __s.connected;
      r.readyState = [m._readyState, m.engine.readyState];
      return r;
    });
    assert.ok(out.same);
    assert.deepEqual(out.get, [true, 5, 1000, 5000, 0, 20000]);
    assert.deepEqual(out.opts, [true, "/socket.io"]);
    assert.deepEqual(out.state, [false, false, "closed"]);
    assert.ok(out.set);
    assert.deepEqual(out.after, [7, 300, 900, 0.1, 5000]);
    assert.equal(out.cb, "ok");
    assert.deepEqual(out.readyState, ["open", "open"]);
    const up = await waitInPage(page, () => seen("upgrade")[0], null, { what: "engine upgrade" });
    assert.deepEqual(up.a, [{ name: "websocket" }]);
    assert.equal(await page.evaluate(() => __s.io.engine.transport.name), "websocket");
    await closeEntry(env, page);
  });

  test("a namespace the server refuses: connect_error (ConnectError) on the socket, no Manager error", async () => {
    const page = await openEntry(ctx, env);
    await page.evaluate(() => {
      window.__s = io(__frappe_test_env.socketBase + "/no%20such%20site", { withCredentials: true });
      __s.on("connect_error", log("connect_error"));
      __s.io.on("error", log("m_error")).on("reconnect_error", log("m_reconnect_error"));
    });
    const err = await waitInPage(page, () => seen("connect_error")[0], null, { what: "connect_error" });
    assert.equal(err.a[0].type, "ConnectError");
    assert.deepEqual(await page.evaluate(() => [seen("m_error").length, seen("m_reconnect_error").length]), [0, 0]);
    await closeEntry(env, page);
  });

  test("socket.io-client option values the core would refuse (numbers in query, transport classes, timeout: false, an auth function, …) connect", async () => {
    const page = await openEntry(ctx, env);
    await page.evaluate(() => {
      window.__s = io(__frappe_test_env.socketUrl + "?from=url", {
        withCredentials: true,
        transports: [sio.WebSocket, "webtransport"],
        timeout: false,
        auth: (cb) => cb({ token: "t" }),
        randomizationFactor: 2,
        reconnectionDelay: "300",
        reconnectionAttempts: 0, // socket.io-client: 0 is the default, Infinity
        parser: { custom: true },
        closeOnBeforeunload: true,
        rememberUpgrade: true,
      });
    });
    await connected(page);
    const out = await page.evaluate(() => [__s.transport, __s.io.reconnectionAttempts(), __s.io.opts.query, __s.auth]);
    assert.deepEqual(out, ["websocket", Infinity, { from: "url" }, { token: "t" }]);
    await closeEntry(env, page);
  });

  test("new Socket(url, options), as the facade will use it: its own Manager, rooms, destroy() releases everything", async () => {
    const page = await openEntry(ctx, env);
    await page.evaluate(() => {
      window.__s = new sio.Socket(__frappe_test_env.socketUrl, { withCredentials: true, debug: "warn" });
      __s.on("doc_update", log("doc_update")).onAny(log("any")).onAnyOutgoing(log("out"));
      __s.io.on("open", log("m_open"));
      __s.subscribe("doc", "ToDo", "SOCK-1");
    });
    await connected(page);
    await waitFor(hasRooms(env, ALICE, ["doc:ToDo/SOCK-1"]), { what: "room" });
    await env.publish({ event: "doc_update", message: { name: "SOCK-1" }, doctype: "ToDo", docname: "SOCK-1" });
    await waitInPage(page, () => seen("doc_update").length, null, { what: "doc_update" });
    const out = await page.evaluate(() => {
      const r = { nsp: __s.nsp, mine: __s.io.nsps[__s.nsp] === __s, opened: seen("m_open").length, socketOf: __s.io.socket(__s.nsp.slice(1)) === __s };
      const id = __s.id;
      __s.destroy();
      r.after = [__s.state, __s.listenersAny().length, __s.listenersAnyOutgoing().length, __s.resources()[0], __s.nsp in __s.io.nsps];
      r.id = id;
      return r;
    });
    assert.equal(out.nsp, "/" + env.site);
    assert.ok(out.mine);
    assert.equal(out.opened, 1);
    assert.ok(out.socketOf, "Manager.socket('site1') is the same namespace as '/site1'");
    assert.deepEqual(out.after, ["closed", 0, 0, 0, false]);
    await waitFor(() => !socketsOf(env).some((s) => s.id === out.id), { what: "server dropped the socket" });
    await page.close();
  });
});

describe("the socket.io-client entry across realtime server restarts", () => {
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

  test("socket.io events (close, reconnect_attempt, error, reconnect_error, open, reconnect) and raw room emits come back after a restart", async () => {
    const page = await openEntry(ctx, env);
    await page.evaluate(() => {
      window.__s = io(__frappe_test_env.socketUrl, { withCredentials: true, reconnectionAttempts: 50, reconnectionDelay: 200, reconnectionDelayMax: 400 });
      for (const e of ["close", "reconnect_attempt", "error", "reconnect_error", "open", "reconnect", "reconnect_failed"]) __s.io.on(e, log("m_" + e));
      __s.on("disconnect", log("disconnect")).on("connect", log("connect")).on("doc_update", log("doc_update")).on("list_update", log("list_update"));
      // As CRM's Activities.vue and frappe-ui's onDocUpdate do: raw emits, once.
      __s.emit("doc_subscribe", "Note", "N-1");
      __s.emit("doctype_subscribe", "Note");
    });
    await connected(page);
    const rooms = ["doc:Note/N-1", "doctype:Note"];
    await waitFor(hasRooms(env, ALICE, rooms), { what: "rooms before the restart" });
    await env.stopRealtime({ abrupt: true });
    // While the server is down every attempt fails at the transport: error + reconnect_error.
    await waitInPage(page, () => seen("m_reconnect_error").length >= 1, null, { what: "reconnect_error while down", timeout: 15000 });
    await env.restartRealtime();
    await waitInPage(page, () => seen("m_reconnect").length === 1 && __s.connected, null, { what: "reconnect", timeout: 15000 });
    await waitFor(hasRooms(env, ALICE, rooms), { what: "rooms restored by the core", timeout: 10000 });
    await env.publish({ event: "doc_update", message: { name: "N-1" }, doctype: "Note", docname: "N-1" });
    await env.publish({ event: "list_update", message: { doctype: "Note" }, room: "doctype:Note" });
    await waitInPage(page, () => seen("doc_update").length && seen("list_update").length, null, { what: "events after the restart" });
    const log = await page.evaluate(() => __log.map((l) => [l.e, ...l.a.map((a) => (a && a.message ? "Error" : a))]));
    const at = (e) => log.findIndex((l) => l[0] === e);
    const reconnect = log.find((l) => l[0] === "m_reconnect");
    assert.ok(Number.isInteger(reconnect[1]) && reconnect[1] >= 1, `reconnect(attempt): ${reconnect}`);
    // The transport's own reason (which one depends on the transport the crash met), not "forced close".
    const close = log.find((l) => l[0] === "m_close");
    assert.ok(["transport close", "transport error", "ping timeout"].includes(close[1]), `Manager close reason: ${close}`);
    assert.ok(at("m_close") < at("disconnect"), "Manager close before the socket's disconnect");
    assert.ok(at("m_reconnect_attempt") > at("disconnect"));
    assert.ok(log.filter((l) => l[0] === "m_error").length >= log.filter((l) => l[0] === "m_reconnect_error").length);
    const opens = log.map((l, i) => [l[0], i]).filter((l) => l[0] === "m_open").map((l) => l[1]);
    assert.equal(opens.length, 2, "open at the first connect and at the reconnect");
    assert.ok(opens[1] < at("m_reconnect") && at("m_reconnect") < log.map((l) => l[0]).lastIndexOf("connect"), "open, reconnect, then the socket's connect");
    assert.equal(at("m_reconnect_failed"), -1);
    // Each room was joined once on the new server: restored by the core, not re-emitted.
    const received = env.state().received.filter((r) => r.user === ALICE).map((r) => r.event);
    assert.equal(received.filter((e) => e === "doc_subscribe").length, 1, received.join());
    // doc_unsubscribe, raw too, leaves the room for good.
    await page.evaluate(() => __s.emit("doc_unsubscribe", "Note", "N-1"));
    await waitFor(lacksRooms(env, ALICE, ["doc:Note/N-1"]), { what: "doc room left" });
    await closeEntry(env, page);
  });

  test("frappe-react-sdk's pattern: doc_subscribe again in io.on('reconnect') adds nothing; one doc_unsubscribe still leaves the room", async () => {
    const page = await openEntry(ctx, env);
    await page.evaluate(() => {
      window.__s = io(__frappe_test_env.socketUrl, { withCredentials: true, reconnectionDelay: 200, reconnectionDelayMax: 400 });
      window.resub = () => __s.emit("doc_subscribe", "Note", "R-1");
      __s.emit("doc_subscribe", "Note", "R-1");
      __s.io.on("reconnect", resub);
      __s.io.on("reconnect", log("m_reconnect"));
    });
    await connected(page);
    await waitFor(hasRooms(env, ALICE, ["doc:Note/R-1"]), { what: "room" });
    await env.restartRealtime({ abrupt: true });
    await waitInPage(page, () => seen("m_reconnect").length === 1 && __s.connected, null, { what: "reconnect", timeout: 15000 });
    await waitFor(hasRooms(env, ALICE, ["doc:Note/R-1"]), { what: "room after the restart", timeout: 10000 });
    // Joined once on the new server: restored by the core; the handler's emit asks for a
    // room the raw emits already hold, so nothing more is sent (Socket.IO's rooms are a
    // set) and no second subscriber is added that its one unsubscribe would not remove.
    const joins = () => env.state().received.filter((r) => r.user === ALICE && r.event === "doc_subscribe").length;
    await page.evaluate(() => __s.emitWithAck("echo_ack", 0));
    assert.equal(joins(), 1);
    // Frappe joins after an HTTP permission check: a leave sent before it is answered
    // would be overtaken by the join.
    await waitFor(() => env.state().permission.allowed >= 1, { what: "the join allowed" });
    await page.evaluate(() => {
      __s.emit("doc_unsubscribe", "Note", "R-1");
      __s.io.off("reconnect", resub);
    });
    await waitFor(lacksRooms(env, ALICE, ["doc:Note/R-1"]), { what: "room left after one doc_unsubscribe" });
    // Still left after the next reconnect: the re-subscribe in the handler was not kept.
    await env.restartRealtime({ abrupt: true });
    await waitInPage(page, () => seen("m_reconnect").length === 2 && __s.connected, null, { what: "second reconnect", timeout: 15000 });
    await page.evaluate(() => __s.emitWithAck("echo_ack", 0));
    assert.ok(!roomsOf(env, ALICE).includes("doc:Note/R-1"), roomsOf(env, ALICE).join());
    await closeEntry(env, page);
  });

  test("reconnectionAttempts exhausted: Manager reconnect_failed, the socket is not active; connect() starts over", async () => {
    const page = await openEntry(ctx, env);
    await page.evaluate(() => {
      window.__s = io(__frappe_test_env.socketUrl, { withCredentials: true, reconnectionAttempts: 2, reconnectionDelay: 100, reconnectionDelayMax: 200 });
      for (const e of ["reconnect_attempt", "reconnect_failed"]) __s.io.on(e, log("m_" + e));
    });
    await connected(page);
    await env.stopRealtime({ abrupt: true });
    await waitInPage(page, () => seen("m_reconnect_failed").length === 1, null, { what: "reconnect_failed", timeout: 15000 });
    assert.deepEqual(await page.evaluate(() => [seen("m_reconnect_attempt").map((l) => l.a[0]), __s.active, __s.connected]), [[1, 2], false, false]);
    await env.restartRealtime();
    await page.evaluate(() => __s.connect());
    await connected(page);
    await closeEntry(env, page);
  });

  test("io.reconnection(false) after the socket was created stops it from reconnecting", async () => {
    const page = await openEntry(ctx, env);
    await page.evaluate(() => {
      window.__s = io(__frappe_test_env.socketUrl, { withCredentials: true });
      __s.io.on("reconnect_attempt", log("m_reconnect_attempt"));
      __s.on("disconnect", log("disconnect"));
    });
    await connected(page);
    await page.evaluate(() => __s.io.reconnection(false));
    await env.restartRealtime({ abrupt: true });
    await waitInPage(page, () => seen("disconnect").length === 1 && !__s.active, null, { what: "inactive after the disconnect" });
    assert.deepEqual(await page.evaluate(() => [__s.state, seen("m_reconnect_attempt").length, __s.io.reconnection()]), ["idle", 0, false]);
    await page.evaluate(() => __s.io.reconnection(true) && __s.connect());
    await connected(page);
    await closeEntry(env, page);
  });
});

describe("an app bundled with the alias (esbuild: socket.io-client → frappe-realtime/socket.io-client)", () => {
  let env;
  let browser;
  let tmp;

  // What the apps write (frappe-ui's socketio.js, CRM's socket.js, a Vue component).
  const APP = `import { io } from "socket.io-client";
import ioDefault, { Socket } from "socket.io-client";
const env = window.__frappe_test_env;
const log = (window.__log = []);
const socket = (window.__s = io(env.socketUrl, { withCredentials: true, reconnectionAttempts: 5 }));
socket.on("connect", () => log.push(["connect"]));
socket.on("doc_update", (d) => log.push(["doc_update", d]));
socket.emit("doc_subscribe", "ToDo", "BUNDLE-1");
window.__checks = { instance: socket instanceof Socket, defaultIsIo: ioDefault === io, ours: typeof socket.subscribe === "function" };
`;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "frappe-rt-sio-"));
    // The package as an app's node_modules has it (a link to this repository).
    fs.mkdirSync(path.join(tmp, "node_modules"));
    fs.symlinkSync(ROOT, path.join(tmp, "node_modules", "frappe-realtime"), "dir");
    fs.writeFileSync(path.join(tmp, "app.js"), APP);
    const out = path.join(tmp, "out");
    fs.mkdirSync(out);
    await promisify(execFile)(
      path.join(ROOT, "node_modules/.bin/esbuild"),
      ["app.js", "--bundle", "--format=esm", "--minify", "--log-level=error", "--alias:socket.io-client=frappe-realtime/socket.io-client", "--outfile=out/app.js"],
      { cwd: tmp },
    );
    // esbuild does not follow new URL(…, import.meta.url): the .wasm goes beside the bundle (as Vite emits it).
    fs.copyFileSync(path.join(ROOT, "pkg/frappe_realtime_bg.wasm"), path.join(out, "frappe_realtime_bg.wasm"));
    fs.writeFileSync(
      path.join(out, "app.html"),
      '<!doctype html><meta charset="utf-8"><title>app</title><link rel="icon" href="data:,"><script src="/__test/boot.js"></script><script type="module" src="/app/app.js"></script>',
    );
    env = await startEnvWith({ site: "site1", web: { staticRoots: [{ prefix: "/app/", dir: out }] } });
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (env) await env.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("the bundle holds frappe-realtime's entry, not socket.io-client; it connects, joins the room, receives doc_update", async () => {
    const bundle = fs.readFileSync(path.join(tmp, "out/app.js"), "utf8");
    assert.ok(!/engine\.io|socket\.io-parser/.test(bundle), "no socket.io-client code in the bundle");
    const ctx = await browser.newContext();
    const page = await newPage(ctx);
    await login(page, env.webUrl, ALICE);
    page.logs.length = 0;
    await openPage(page, "/app/app.html", { siteUrl: env.webUrl });
    await waitInPage(page, () => window.__log && __log.some((e) => e[0] === "connect"), null, { what: "connected", timeout: 10000 });
    assert.deepEqual(await page.evaluate(() => __checks), { instance: true, defaultIsIo: true, ours: true });
    await waitFor(hasRooms(env, ALICE, ["doc:ToDo/BUNDLE-1"]), { what: "room" });
    await env.publish({ event: "doc_update", message: { name: "BUNDLE-1" }, doctype: "ToDo", docname: "BUNDLE-1" });
    const got = await waitInPage(page, () => __log.find((e) => e[0] === "doc_update"), null, { what: "doc_update" });
    assert.deepEqual(got[1], { name: "BUNDLE-1" });
    assert.deepEqual(page.logs.filter((l) => /^(error|pageerror)/.test(l)), [], page.logs.join("\n"));
    await page.evaluate(() => __s.destroy());
    await ctx.close();
  });
});
