// The Desk drop-in: the script-tag build (dist/frappe-realtime.js) loaded with a plain
// <script src> from /assets/<app>/js/ like an app's app_include_js, in a page that sets
// up Desk's globals the way Frappe does (pages/desk.html: desk-setup.js, desk-app.js),
// against the Frappe-compatible test servers. Each frappe.realtime member and hook is
// checked against what Frappe's own socketio_client.js does, on the realtime server's
// side (rooms, received events) as well as in the page. Then the same page under a
// strict Content-Security-Policy.
//
//   npm run build && node --test tests/e2e/desk.test.js

import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../server/web.js";
import {
  newPage, login, openPage, waitInPage, waitFor, useEnvAndBrowser, socketsOf, roomsOf, hasRooms, lacksRooms, closeRealtime, connected,
  ASSETS, DIST, PAGES, STRICT_CSP, NO_WASM_CSP,
} from "./harness.js";
import { sleep } from "../server/util.js";

const ALICE = "alice@example.com";
const BOB = "bob@example.com";

if (!fs.existsSync(path.join(DIST, "frappe-realtime.js"))) {
  throw new Error("dist/frappe-realtime.js is missing: run npm run build first");
}

/** Opens pages/<page> logged in as `user`; waits for Desk's startup (desk-app.js). */
async function openDesk(ctx, env, { user = ALICE, query = "", page = "desk.html" } = {}) {
  const p = await newPage(ctx);
  if (user) await login(p, env.webUrl, user);
  p.logs.length = 0; // the login page's favicon.ico 404
  const res = await openPage(p, `/pages/${page}${query}`, { siteUrl: env.webUrl });
  await waitInPage(p, () => window.__desk_started === true, null, { what: "desk started" });
  p.response = res;
  return p;
}

describe("Desk drop-in: dist/frappe-realtime.js as app_include_js", () => {
  let env;
  let browser;
  let ctxA;
  let ctxB;

  useEnvAndBrowser({ site: "site1", web: { staticRoots: [ASSETS] } }, (e, b) => {
    env = e;
    browser = b;
  });

  before(async () => {
    ctxA = await browser.newContext();
    ctxB = await browser.newContext();
  });

  test("installs frappe.realtime synchronously on load, in place of Frappe's own unconnected client; frappe.socketio === frappe.realtime", async () => {
    const p = await openDesk(ctxA, env);
    const sync = await p.evaluate(() => window.__sync);
    assert.deepEqual(sync, {
      ours: true,
      socketio_is_realtime: true,
      members: [],
      extra_kept: "kept",
      global: "function",
      version: JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version,
    });
    await connected(p);
    const out = await p.evaluate(() => ({
      same: frappe.socketio === frappe.realtime,
      ownInit: seen("frappe's own init").length,
      connectSeen: seen("connect").length,
    }));
    assert.deepEqual(out, { same: true, ownInit: 0, connectSeen: 1 });
    assert.deepEqual(p.logs.filter((l) => /^(error|pageerror)/.test(l)), []);
    await closeRealtime(env, p);
  });

  test("keeps Frappe's own client when something already connected it before the script ran (and says so)", async () => {
    const p = await openDesk(ctxA, env, { query: "?manual=1&own_connected=1" });
    const out = await p.evaluate(() => ({ ours: __sync.ours, own: frappe.realtime.socket.own === true, alias: frappe.socketio === frappe.realtime }));
    assert.deepEqual(out, { ours: false, own: true, alias: true });
    assert.ok(p.logs.some((l) => l.startsWith("warning: frappe-realtime: frappe.realtime is already connected by another client")), p.logs.join("\n"));
    await p.close();
  });

  test("Desk's init() connects with the sid cookie to socketio_port (dev_server); a second init is a no-op", async () => {
    const connects = () => env.state().connects[`/${env.site}`] || 0;
    const before = connects();
    const p = await openDesk(ctxA, env);
    await connected(p);
    await waitFor(hasRooms(env, ALICE, [`user:${ALICE}`, "website", "all"]), { what: "rooms on connect" });
    const first = await p.evaluate(() => {
      window.__client = frappe.realtime.client;
      frappe.realtime.init();
      frappe.realtime.init(9000);
      frappe.realtime.init(9000, true);
      return { same: frappe.realtime.client === window.__client, uri: frappe.realtime.socket.io.uri };
    });
    assert.deepEqual(first, { same: true, uri: `${env.realtimeUrl}/site1` });
    await sleep(500);
    assert.equal(connects(), before + 1, "one connection");
    assert.equal(socketsOf(env, ALICE).length, 1);
    assert.equal(await p.evaluate(() => frappe.realtime.lazy_connect), false);
    await closeRealtime(env, p);
  });

  test("realtime_options.shared with the script-tag build (no shared mode in it): a warning, and the tab connects by itself", async () => {
    const p = await openDesk(ctxA, env, { query: "?shared=1" });
    await connected(p);
    assert.ok(p.logs.some((l) => l.startsWith("warning: frappe-realtime: shared mode is not available here")), p.logs.join("\n"));
    await waitFor(hasRooms(env, ALICE, ["user:" + ALICE]), { what: "the tab's own socket in its rooms" });
    await closeRealtime(env, p);
  });

  test("get_host: origin with socketio_port in dev mode, plus /<sitename>", async () => {
    const p = await openDesk(ctxA, env, { query: "?manual=1" });
    const out = await p.evaluate(() => {
      const a = frappe.realtime.get_host();
      const b = frappe.realtime.get_host(9000);
      frappe.boot.socketio_port = undefined;
      const c = frappe.realtime.get_host(9123);
      window.dev_server = false;
      const d = frappe.realtime.get_host(9123);
      return [a, b, c, d];
    });
    assert.deepEqual(out, [`${env.realtimeUrl}/site1`, `${env.realtimeUrl}/site1`, "http://127.0.0.1:9123/site1", `${env.webUrl}/site1`]);
    await p.close();
  });

  test("lazy init(port, true): no connection until on(), then exactly one", async () => {
    const before = new Set(socketsOf(env, ALICE).map((s) => s.id));
    const fresh = () => socketsOf(env, ALICE).filter((s) => !before.has(s.id));
    const p = await openDesk(ctxA, env, { query: "?manual=1" });
    await p.evaluate(() => frappe.realtime.init(frappe.boot.socketio_port, true));
    await sleep(600);
    assert.equal(fresh().length, 0, "no socket before on()");
    assert.deepEqual(await p.evaluate(() => [frappe.realtime.lazy_connect, frappe.realtime.socket.connected]), [true, false]);
    await p.evaluate(() => frappe.realtime.on("lazy_event", (m) => __log.push(["lazy_event", m])));
    await connected(p, "connected after on()");
    await waitFor(() => fresh().length === 1, { what: "one socket" });
    await env.publish({ event: "lazy_event", message: 7, user: ALICE });
    await waitInPage(p, () => seen("lazy_event").length === 1, null, { what: "lazy_event" });
    assert.equal(await p.evaluate(() => frappe.realtime.lazy_connect), false);
    await closeRealtime(env, p);
  });

  test("on / off / emit / publish", async () => {
    const p = await openDesk(ctxA, env);
    await connected(p);
    await p.evaluate(() => {
      window.fa = (m) => __log.push(["a", m]);
      window.fb = (m) => __log.push(["b", m]);
      frappe.realtime.on("news", fa);
      frappe.realtime.on("news", fb);
    });
    await env.publish({ event: "news", message: 1, user: ALICE });
    await waitInPage(p, () => seen("a").length === 1 && seen("b").length === 1, null, { what: "both listeners" });
    await p.evaluate(() => frappe.realtime.off("news", fa));
    await env.publish({ event: "news", message: 2, user: ALICE });
    await waitInPage(p, () => seen("b").length === 2, null, { what: "fb only" });
    await p.evaluate(() => frappe.realtime.off("news"));
    await env.publish({ event: "news", message: 3, user: ALICE });
    await p.evaluate(() => frappe.realtime.on("marker", (m) => __log.push(["marker", m])));
    await env.publish({ event: "marker", message: 4, user: ALICE });
    await waitInPage(p, () => seen("marker").length === 1, null, { what: "marker" });
    assert.deepEqual(await p.evaluate(() => [seen("a").length, seen("b").length]), [1, 2]);

    await p.evaluate(() => {
      frappe.realtime.emit("desk_emit", { a: 1 }, "two");
      frappe.realtime.publish("desk_publish", { hello: "world" });
    });
    await waitFor(() => ["desk_emit", "desk_publish"].every((e) => env.state().received.some((r) => r.event === e && r.user === ALICE)), {
      what: "emit and publish received",
    });
    const received = (e) => env.state().received.find((r) => r.event === e && r.user === ALICE).args;
    assert.deepEqual(received("desk_emit"), [{ a: 1 }, "two"]);
    assert.deepEqual(received("desk_publish"), [{ hello: "world" }]);
    await closeRealtime(env, p);
  });

  test("every subscribe / unsubscribe member joins and leaves its room", async () => {
    const p = await openDesk(ctxA, env);
    await connected(p);
    await p.evaluate(() => {
      const rt = frappe.realtime;
      rt.doctype_subscribe("ToDo");
      rt.doc_subscribe("ToDo", "D-1");
      rt.doc_subscribe("ToDo", "D-1"); // a repeat is skipped, as in Frappe
      rt.task_subscribe("T-1");
      rt.subscribe("T-2", {});
      rt.doc_open("ToDo", "D-1");
    });
    const rooms = ["doctype:ToDo", "doc:ToDo/D-1", "task_progress:T-1", "task_progress:T-2", "open_doc:ToDo/D-1"];
    await waitFor(hasRooms(env, ALICE, rooms), { what: "all rooms joined" });
    const mine = () => env.state().received.filter((r) => r.user === ALICE).map((r) => [r.event, ...r.args].join(" "));
    const sent = mine();
    assert.equal(sent.filter((e) => e === "doc_subscribe ToDo D-1").length, 1, "doc_subscribe sent once");
    for (const e of ["doctype_subscribe ToDo", "task_subscribe T-1", "task_subscribe T-2", "progress_subscribe T-2", "doc_open ToDo D-1"]) {
      assert.ok(sent.includes(e), `${e} in ${sent}`);
    }
    assert.deepEqual(
      await p.evaluate(() => [[...frappe.realtime.open_docs], Object.keys(frappe.realtime.open_tasks)]),
      [["ToDo:D-1"], ["T-2"]],
    );
    const out = await p.evaluate(() => {
      const rt = frappe.realtime;
      rt.doctype_unsubscribe("ToDo");
      const was = rt.doc_unsubscribe("ToDo", "D-1");
      const again = rt.doc_unsubscribe("ToDo", "D-1");
      rt.task_unsubscribe("T-1");
      rt.task_unsubscribe("T-2");
      rt.doc_close("ToDo", "D-1");
      return { was, again, open_docs: [...rt.open_docs] };
    });
    assert.deepEqual(out, { was: true, again: false, open_docs: [] });
    await waitFor(lacksRooms(env, ALICE, rooms), { what: "all rooms left" });
    await closeRealtime(env, p);
  });

  test("after a realtime server restart, the rooms come back — and an unsubscribed task's room does not", async () => {
    const p = await openDesk(ctxA, env);
    await connected(p);
    await p.evaluate(() => {
      frappe.realtime.doc_subscribe("Note", "N-1");
      frappe.realtime.subscribe("T-gone", {});
      frappe.realtime.subscribe("T-kept", {});
      frappe.realtime.on("disconnect", () => __log.push(["disconnect"]));
    });
    await waitFor(hasRooms(env, ALICE, ["doc:Note/N-1", "task_progress:T-gone", "task_progress:T-kept"]), { what: "rooms" });
    await p.evaluate(() => frappe.realtime.task_unsubscribe("T-gone"));
    await waitFor(lacksRooms(env, ALICE, ["task_progress:T-gone"]), { what: "task room left" });
    await env.restartRealtime({ abrupt: true, downMs: 200 });
    await waitInPage(p, () => seen("disconnect").length >= 1, null, { what: "disconnect", timeout: 10000 });
    await waitFor(hasRooms(env, ALICE, ["doc:Note/N-1", "task_progress:T-kept"]), { what: "rooms back", timeout: 15000 });
    await sleep(300);
    assert.ok(!roomsOf(env, ALICE).includes("task_progress:T-gone"), `rooms: ${roomsOf(env, ALICE)}`);
    await closeRealtime(env, p);
  });

  test("doc_open / doc_close → doc_viewers between two users", async () => {
    const a = await openDesk(ctxA, env, { user: ALICE });
    const b = await openDesk(ctxB, env, { user: BOB });
    await Promise.all([connected(a), connected(b)]);
    await a.evaluate(() => {
      frappe.realtime.on("doc_viewers", (d) => __log.push(["doc_viewers", d]));
      frappe.realtime.doc_open("ToDo", "V-1");
    });
    await waitFor(hasRooms(env, ALICE, ["open_doc:ToDo/V-1"]), { what: "alice viewing" });
    await b.evaluate(() => frappe.realtime.doc_open("ToDo", "V-1"));
    const both = await waitInPage(
      a,
      () => {
        const v = seen("doc_viewers").map((e) => e[1]);
        const last = v[v.length - 1];
        return last && last.users.length === 2 && last;
      },
      null,
      { what: "doc_viewers with both" },
    );
    assert.deepEqual({ ...both, users: [...both.users].sort() }, { doctype: "ToDo", docname: "V-1", users: [ALICE, BOB] });
    await b.evaluate(() => frappe.realtime.doc_close("ToDo", "V-1"));
    await waitInPage(
      a,
      (alice) => {
        const v = seen("doc_viewers").map((e) => e[1]);
        const last = v[v.length - 1];
        return last && last.users.length === 1 && last.users[0] === alice;
      },
      ALICE,
      { what: "bob left" },
    );
    await closeRealtime(env, a);
    await closeRealtime(env, b);
  });

  test("subscribe(task_id, opts): progress, success + callback, failed + error, always, frappe.request.cleanup", async () => {
    const p = await openDesk(ctxA, env);
    await connected(p);
    await p.evaluate(() => {
      const opts = (id) => ({
        progress: (d) => __log.push(["opts.progress", id, d.progress]),
        success: (d) => __log.push(["opts.success", id, d.status]),
        failed: (d) => __log.push(["opts.failed", id, d.status]),
        callback: (d) => __log.push(["opts.callback", id]),
        always: (d) => __log.push(["opts.always", id]),
        error: (d) => __log.push(["opts.error", id, d.status_code]),
      });
      frappe.realtime.subscribe("job-ok", opts("job-ok"));
      frappe.realtime.subscribe("job-bad", opts("job-bad"));
    });
    await waitFor(hasRooms(env, ALICE, ["task_progress:job-ok", "task_progress:job-bad"]), { what: "task rooms" });
    await env.publish({ event: "task_progress", message: { progress: [1, 4] }, task_id: "job-ok" });
    await env.publish({ event: "task_status_change", message: { status: "Success" }, task_id: "job-ok" });
    await env.publish({ event: "task_status_change", message: { status: "Failed", status_code: 500 }, task_id: "job-bad" });
    const log = await waitInPage(p, () => seen("opts.error").length && seen("opts.callback").length && __log, null, {
      what: "task callbacks",
    });
    const calls = log.filter((e) => /^(opts\.|request\.)/.test(e[0]));
    assert.deepEqual(calls, [
      ["opts.progress", "job-ok", [1, 4]],
      ["request.cleanup", ["always", "callback", "error", "failed", "progress", "success"], "job-ok"],
      ["opts.always", "job-ok"],
      ["opts.success", "job-ok", "Success"],
      ["opts.callback", "job-ok"],
      ["request.cleanup", ["always", "callback", "error", "failed", "progress", "success"], "job-ok"],
      ["opts.always", "job-ok"],
      ["opts.failed", "job-bad", "Failed"],
      ["request.cleanup", ["always", "callback", "error", "failed", "progress", "success"], "job-bad"],
      ["opts.always", "job-bad"],
      ["opts.error", "job-bad", 500],
    ]);
    await closeRealtime(env, p);
  });

  test("msgprint → frappe.msgprint; progress → frappe.show_progress (percent, progress: [done, total], title from __)", async () => {
    const p = await openDesk(ctxA, env);
    await connected(p);
    await env.publish({ event: "msgprint", message: "Saved", user: ALICE });
    await env.publishProgress({ percent: 40, title: "Import", description: "rows", session_user: ALICE });
    await env.publish({ event: "progress", message: { progress: [1, 4] }, user: ALICE });
    const log = await waitInPage(p, () => seen("msgprint").length && seen("show_progress").length === 2 && __log, null, {
      what: "msgprint + 2 progress",
    });
    assert.deepEqual(log.find((e) => e[0] === "msgprint"), ["msgprint", "Saved"]);
    const progress = log.filter((e) => e[0] === "show_progress");
    assert.deepEqual(progress[0], ["show_progress", "Import", 40, 100, "rows", true]);
    assert.deepEqual(progress[1], ["show_progress", "«Progress»", 25, 100, undefined, true]);
    await closeRealtime(env, p);
  });

  test("Desk's form events: form-load → doc_subscribe, form-refresh → doc_open, form-unload → doc_close; new forms ignored", async () => {
    const p = await openDesk(ctxA, env);
    await connected(p);
    await p.evaluate(() => {
      const frm = makeForm("ToDo", "F-1");
      window.__frm = frm;
      $(document).trigger("form-load", [frm]);
      $(document).trigger("form-refresh", [frm]);
      const fresh = makeForm("ToDo", "new-todo-1", true);
      $(document).trigger("form-load", [fresh]);
      $(document).trigger("form-refresh", [fresh]);
      $(document).trigger("form-rename", [makeForm("ToDo", "F-2")]);
    });
    await waitFor(hasRooms(env, ALICE, ["doc:ToDo/F-1", "open_doc:ToDo/F-1", "doc:ToDo/F-2"]), { what: "form rooms" });
    assert.ok(!roomsOf(env, ALICE).some((r) => r.includes("new-todo-1")), "a new form joins nothing");
    await p.evaluate(() => $(document).trigger("form-unload", [__frm]));
    await waitFor(lacksRooms(env, ALICE, ["open_doc:ToDo/F-1"]), { what: "open_doc left on unload" });
    assert.ok(roomsOf(env, ALICE).includes("doc:ToDo/F-1"), "the document room stays, as in Frappe");
    await env.publish({ event: "doc_update", message: { doctype: "ToDo", name: "F-1" }, doctype: "ToDo", docname: "F-1" });
    await p.evaluate(() => frappe.realtime.on("doc_update", (d) => __log.push(["doc_update", d])));
    await env.publish({ event: "doc_update", message: { doctype: "ToDo", name: "F-1", n: 2 }, doctype: "ToDo", docname: "F-1" });
    await waitInPage(p, () => seen("doc_update").some((e) => e[1].n === 2), null, { what: "doc_update for the form" });
    await closeRealtime(env, p);
  });

  test("socket.io.engine.transport.name: websocket from the start (the default transports)", async () => {
    // WebSocket first (docs/architecture.md, "Transports"): Desk's options name no
    // transports, so the session opens on a WebSocket and never upgrades.
    const p = await openDesk(ctxA, env, { query: "?manual=1" });
    // Sample the name from init on, and listen for an upgrade, until connected.
    const seenNames = await p.evaluate(
      () =>
        new Promise((resolve) => {
          const names = [];
          frappe.realtime.init();
          const socket = frappe.realtime.socket;
          const engine = socket.io.engine;
          engine.on("upgrade", (t) => names.push("upgrade:" + t.name));
          const timer = setInterval(() => {
            const name = engine.transport.name;
            if (name && names[names.length - 1] !== name) names.push(name);
            if (socket.connected) {
              clearInterval(timer);
              resolve(names);
            }
          }, 1);
          setTimeout(() => (clearInterval(timer), resolve(names)), 8000);
        }),
    );
    assert.deepEqual(seenNames, ["websocket"], seenNames.join());
    await connected(p);
    await waitFor(() => socketsOf(env, ALICE).some((s) => s.transport === "websocket"), { what: "server sees websocket" });
    await closeRealtime(env, p);
  });

  test("disable_async: Desk's init does nothing and no member throws", async () => {
    const connects = () => env.state().connects[`/${env.site}`] || 0;
    const before = connects();
    const p = await openDesk(ctxA, env, { query: "?disable_async=1" });
    const out = await p.evaluate(() => {
      const rt = frappe.realtime;
      rt.init(9000);
      rt.init(9000, true);
      rt.connect();
      rt.on("x", () => {});
      rt.off("x");
      rt.emit("anything", 1);
      rt.publish("anything", 1);
      rt.subscribe("t", {});
      rt.task_subscribe("t");
      rt.task_unsubscribe("t");
      rt.doctype_subscribe("ToDo");
      rt.doctype_unsubscribe("ToDo");
      rt.doc_subscribe("ToDo", "A");
      rt.doc_unsubscribe("ToDo", "A");
      rt.doc_open("ToDo", "A");
      rt.doc_close("ToDo", "A");
      $(document).trigger("form-load", [makeForm("ToDo", "A")]);
      return { disabled: rt.disabled, socket: rt.socket === undefined, host: rt.get_host() };
    });
    assert.deepEqual(out, { disabled: true, socket: true, host: `${env.realtimeUrl}/site1` });
    await sleep(300);
    assert.equal(connects(), before);
    assert.deepEqual(p.logs.filter((l) => /^(error|pageerror)/.test(l)), []);
    await p.close();
  });
});

describe("Desk drop-in under a strict Content-Security-Policy (same origin, like nginx)", () => {
  let env;
  let browser;

  // Header-only variants of desk-csp.html, served through the web server's extra routes.
  const routes = (req, res, url, ctx) => {
    if (url.pathname !== "/pages/desk-csp.html") return false;
    res.setHeader("Content-Security-Policy", url.searchParams.get("policy") === "no-wasm" ? NO_WASM_CSP : STRICT_CSP);
    ctx.serveFile(req, res, path.join(PAGES, "desk-csp.html"));
    return true;
  };
  useEnvAndBrowser({ site: "site1", sameOrigin: true, web: { staticRoots: [ASSETS], routes } }, (e, b) => {
    env = e;
    browser = b;
  });

  test(`${STRICT_CSP}: installs, connects through the site's origin, upgrades to WebSocket, receives events`, async () => {
    const ctx = await browser.newContext();
    const p = await openDesk(ctx, env, { page: "desk-csp.html" });
    assert.equal(p.response.headers()["content-security-policy"], STRICT_CSP);
    const sync = await p.evaluate(() => ({ inline: window.__inline_ran === true, ours: __sync.ours, csp: __csp }));
    assert.equal(sync.inline, false, "the inline script was blocked: the policy is in force");
    assert.equal(sync.ours, true);
    assert.deepEqual(
      sync.csp.map((v) => v.directive),
      ["script-src-elem"],
      "the only violation is the page's own inline script",
    );
    await connected(p);
    assert.equal(await p.evaluate(() => frappe.realtime.get_host()), `${env.webUrl}/site1`);
    await p.evaluate(() => {
      frappe.realtime.doc_subscribe("ToDo", "CSP-1");
      frappe.realtime.on("doc_update", (d) => __log.push(["doc_update", d]));
    });
    await waitFor(hasRooms(env, ALICE, ["doc:ToDo/CSP-1"]), { what: "room" });
    await env.publish({ event: "doc_update", message: { doctype: "ToDo", name: "CSP-1" }, doctype: "ToDo", docname: "CSP-1" });
    await waitInPage(p, () => seen("doc_update").length === 1, null, { what: "doc_update" });
    await waitInPage(p, () => frappe.realtime.socket.io.engine.transport.name === "websocket", null, { what: "websocket upgrade" });
    const after = await p.evaluate(() => __csp.length);
    assert.equal(after, 1, "no violation from the package");
    assert.deepEqual(p.logs.filter((l) => /^pageerror/.test(l)), []);
    await ctx.close();
  });

  test(`${NO_WASM_CSP} (no 'wasm-unsafe-eval'): the page keeps working, init logs why realtime cannot start`, async () => {
    const ctx = await browser.newContext();
    const p = await openDesk(ctx, env, { page: "desk-csp.html", query: "?policy=no-wasm" });
    assert.equal(p.response.headers()["content-security-policy"], NO_WASM_CSP);
    const sync = await p.evaluate(() => __sync.ours);
    assert.equal(sync, true, "frappe.realtime is installed anyway");
    await waitInPage(p, () => window.__csp.some((v) => v.directive === "script-src" && v.blocked === "wasm-eval"), null, {
      what: "wasm blocked by the policy",
    });
    await waitFor(() => p.logs.some((l) => l.startsWith("error: frappe.realtime: cannot start")), { what: "console error" });
    // Members stay callable.
    await p.evaluate(() => {
      frappe.realtime.on("x", () => {});
      frappe.realtime.doc_subscribe("ToDo", "A");
      frappe.realtime.emit("y", 1);
    });
    assert.equal(socketsOf(env, ALICE).length, 0);
    await ctx.close();
  });
});
