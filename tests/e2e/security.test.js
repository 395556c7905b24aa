// Security properties of the shipped package (issue 6), each by a test that fails when
// the property does not hold (docs/security.md lists them):
//
// - a page under exactly `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'` runs
//   the ESM package (frappe.realtime and RealtimeClient) with no violation; what the
//   cross-port dev mode and a policy without 'wasm-unsafe-eval' need;
// - server data is never evaluated, turned into markup or merged into prototypes
//   (hostile payloads over every delivery path; a scan of the shipped files);
// - document.cookie is never read or written;
// - credentials (the sid cookie, an API token, an `auth` secret) never reach a URL, a
//   console line at the most verbose log level, or a connect_error;
// - reserved event names and arguments that cannot be serialised throw a TypeError
//   synchronously, before and after the wasm module is ready, and nothing is sent.
//
//   npm run build && node --test tests/e2e/security.test.js

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createClient } from "redis";
import { REPO_ROOT } from "../server/web.js";
import {
  newPage, login, openPage, waitInPage, waitFor, useEnvAndBrowser, socketsOf, hasRooms, closeRealtime, connected,
  ASSETS, DIST, PAGES, STRICT_CSP, NO_WASM_CSP,
} from "./harness.js";
import { sleep } from "../server/util.js";
// The names emit refuses, as generated from src/protocol/seam.rs.
import { EMIT_RESERVED as RESERVED } from "../../www/seam.js";

const ALICE = "alice@example.com";
const TOKEN = "token alice-key:alice-secret";
const TOKEN_SECRET = "alice-secret";

// Server data that a client evaluating strings, building markup or merging objects would trip on.
const HTML = '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">';
const SCRIPT = "<script>window.__pwned=(window.__pwned||0)+1</script>";
const POLLUTE = '{"polluted": "yes", "toString": "x"}';
/** JSON text: `__proto__` keys must be written as text, an object literal would set the prototype. */
const HOSTILE = `{
  "html": ${JSON.stringify(HTML)},
  "script": ${JSON.stringify(SCRIPT)},
  "svg": "<svg onload=\\"window.__pwned=1\\"></svg>",
  "js": "window.__pwned=(window.__pwned||0)+1",
  "call": "(function(){window.__pwned=1})()",
  "url": "javascript:window.__pwned=1",
  "template": "\${window.__pwned=1}",
  "json": "{\\"__proto__\\": {\\"polluted\\": \\"yes\\"}}",
  "__proto__": ${POLLUTE},
  "constructor": {"prototype": ${POLLUTE}},
  "prototype": ${POLLUTE},
  "nested": [{"__proto__": ${POLLUTE}}, {"a": {"constructor": {"prototype": ${POLLUTE}}, "__proto__": ${POLLUTE}}}],
  "toString": "not a function",
  "valueOf": 1,
  "hasOwnProperty": null,
  "then": "not a thenable"
}`;

/** Key-order independent JSON text of a parsed value (own `__proto__` keys included). */
function canon(v) {
  if (Array.isArray(v)) return `[${v.map(canon).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

for (const f of [path.join(DIST, "frappe-realtime.js"), path.join(REPO_ROOT, "pkg", "frappe_realtime.js")]) {
  if (!fs.existsSync(f)) throw new Error(`${path.relative(REPO_ROOT, f)} is missing: run npm run build first`);
}

let env;
let browser;

/** The policies the pages can be served with (`?csp=<key>`). */
const POLICIES = {
  strict: () => STRICT_CSP,
  "no-wasm": () => NO_WASM_CSP,
  // Dev mode: the realtime server on its own port, which 'self' does not cover.
  "cross-port": () => {
    const port = new URL(env.realtimeUrl).port;
    return `${STRICT_CSP}; connect-src 'self' http://127.0.0.1:${port} ws://127.0.0.1:${port}`;
  },
};

/** Serves pages/security-*.html with the Content-Security-Policy header asked for (`?csp=`). */
function routes(req, res, url, ctx) {
  const m = /^\/pages\/(security-[\w-]+\.html)$/.exec(url.pathname);
  if (!m) return false;
  const policy = POLICIES[url.searchParams.get("csp")];
  if (policy) res.setHeader("Content-Security-Policy", policy());
  ctx.serveFile(req, res, path.join(PAGES, m[1]));
  return true;
}

/**
 * Opens pages/<page> (logged in as `user` unless null) and waits for the package.
 * `setup(page)` runs before any navigation (recorders, init scripts); `query` goes to the
 * page's URL (security-app.js: start, doc, url).
 */
async function openSec(ctx, { user = ALICE, page = "security-page.html", csp, options, query = {}, setup } = {}) {
  const p = await newPage(ctx);
  if (setup) await setup(p);
  if (user) await login(p, env.webUrl, user);
  p.logs.length = 0; // the login page's favicon.ico 404
  const q = new URLSearchParams(query);
  if (csp) q.set("csp", csp);
  if (options) q.set("options", JSON.stringify(options));
  const qs = q.toString();
  p.response = await openPage(p, `/pages/${page}${qs ? `?${qs}` : ""}`, { siteUrl: env.webUrl });
  await waitInPage(p, () => typeof lib === "function" && !!lib(), null, { what: "package loaded" });
  return p;
}

const clientConnected = (p, what = "RealtimeClient connected") =>
  waitInPage(p, () => window.__c && window.__c.connected, null, { what, timeout: 10000 });

/** A browser context closed after the test, whatever its outcome. */
async function newCtx(t) {
  const ctx = await browser.newContext();
  t.after(() => ctx.close().catch(() => {}));
  return ctx;
}

/** Page errors and console errors (not the expected ones). */
const errorsOf = (p) => p.logs.filter((l) => /^(error|pageerror)/.test(l));

describe("security", () => {
  useEnvAndBrowser({ site: "site1", sameOrigin: true, web: { staticRoots: [ASSETS], routes } }, (e, b) => {
    env = e;
    browser = b;
  });

  // ------------------------------------------------------------------ CSP

  describe(`Content-Security-Policy: ${STRICT_CSP}`, () => {
    test("ESM package, frappe.realtime (same origin, <script type=module>): connects, subscribes, receives events, upgrades to WebSocket, emits; no CSP violation", async (t) => {
      const ctx = await newCtx(t);
      const requests = [];
      // The page starts frappe.realtime itself (security-app.js): code run from page.evaluate
      // would be exempt from the policy's eval checks.
      const p = await openSec(ctx, {
        csp: "strict",
        query: { start: "facade", doc: "CSP-1" },
        setup: (page) => page.on("request", (r) => requests.push(r.url())),
      });
      assert.equal(p.response.headers()["content-security-policy"], STRICT_CSP);
      await connected(p);
      assert.equal(await p.evaluate(() => frappe.realtime.get_host()), `${env.webUrl}/site1`, "'self' covers the realtime URL");
      await waitFor(hasRooms(env, ALICE, ["doc:ToDo/CSP-1", "doctype:ToDo"]), { what: "rooms joined" });
      await env.publish({ event: "doc_update", message: { name: "CSP-1" }, doctype: "ToDo", docname: "CSP-1" });
      await waitInPage(p, () => seen("doc_update").length === 1, null, { what: "doc_update" });
      await waitInPage(p, () => frappe.realtime.socket.io.engine.transport.name === "websocket", null, { what: "upgrade to WebSocket" });
      await env.publish({ event: "list_update", message: { doctype: "ToDo" }, room: "doctype:ToDo" });
      await waitInPage(p, () => seen("list_update").length === 1, null, { what: "list_update over WebSocket" });
      assert.ok(requests.some((u) => u === `${env.webUrl}/assets/frappe-realtime/pkg/frappe_realtime_bg.wasm`), "the module came from the site");
      await waitFor(() => env.state().received.some((r) => r.event === "page_emit" && r.args[0].doc === "CSP-1"), { what: "the page's emit" });

      assert.deepEqual(await p.evaluate(() => __csp), [], "no violation");
      assert.deepEqual(errorsOf(p), []);
      // The policy is in force and violations are seen: an inline script is refused and reported.
      const probe = await p.evaluate(() => {
        const s = document.createElement("script");
        s.textContent = "window.__inline_ran = true";
        document.head.append(s);
        return new Promise((r) => setTimeout(() => r({ ran: window.__inline_ran === true, csp: __csp.map((v) => v.directive) }), 100));
      });
      assert.deepEqual(probe, { ran: false, csp: ["script-src-elem"] });
      await closeRealtime(env, p);
    });

    test("ESM package, RealtimeClient: connects, subscribes, receives events, upgrades to WebSocket, emits; no CSP violation", async (t) => {
      const ctx = await newCtx(t);
      const p = await openSec(ctx, { csp: "strict", query: { start: "client", doc: "CSP-2" } });
      assert.equal(p.response.headers()["content-security-policy"], STRICT_CSP);
      await clientConnected(p);
      await waitFor(hasRooms(env, ALICE, ["doc:ToDo/CSP-2"]), { what: "room joined" });
      await waitInPage(p, () => __c.transport === "websocket", null, { what: "upgrade to WebSocket" });
      await env.publish({ event: "doc_update", message: { name: "CSP-2" }, doctype: "ToDo", docname: "CSP-2" });
      await waitInPage(p, () => seen("doc_update").length === 1, null, { what: "doc_update" });
      await waitFor(() => env.state().received.some((r) => r.event === "page_emit" && r.args[0].doc === "CSP-2"), { what: "the page's emit" });
      assert.deepEqual(await p.evaluate(() => __csp), [], "no violation");
      assert.deepEqual(errorsOf(p), []);
      await closeRealtime(env, p);
    });

    test(`without 'wasm-unsafe-eval' (${NO_WASM_CSP}): the ESM module cannot compile, whenReady rejects, the page goes on`, async (t) => {
      const ctx = await newCtx(t);
      const p = await openSec(ctx, { csp: "no-wasm", query: { start: "facade", doc: "CSP-NO-WASM" } });
      const out = await p.evaluate(async () => {
        frappe.realtime.emit("still_callable", 1);
        try {
          await lib().whenReady();
          return "ready";
        } catch (e) {
          return e.name;
        }
      });
      assert.equal(out, "CompileError");
      await waitInPage(p, () => __csp.some((v) => v.directive === "script-src" && v.blocked === "wasm-eval"), null, { what: "wasm-eval violation" });
      await waitFor(() => p.logs.some((l) => l.startsWith("error: frappe.realtime: cannot start")), { what: "console error" });
      assert.equal(socketsOf(env, ALICE).length, 0);
      await p.close();
    });

    test("cross-port dev mode: 'self' does not cover the realtime server's port (connect-src violation, connect_error); connect-src with its http:// and ws:// origin does", async (t) => {
      const ctx = await newCtx(t);
      const url = `${env.realtimeUrl}/site1`;
      const port = new URL(env.realtimeUrl).port;
      // 1. The strict policy alone: refused by the browser, reported, retried; the page goes on.
      const p = await openSec(ctx, { csp: "strict", query: { start: "client", doc: "CSP-X", url } });
      await waitInPage(p, () => seen("connect_error").length >= 2, null, { what: "connect_error, retried" });
      const blocked = await p.evaluate(() => __csp.map((v) => [v.directive, v.blocked]));
      // Both transports are refused (a refused polling request falls back to the WebSocket).
      assert.ok(blocked.length > 0 && blocked.every(([d, u]) => d === "connect-src" && /^(http|ws):/.test(u) && new URL(u).port === port), JSON.stringify(blocked));
      assert.deepEqual([...new Set(blocked.map(([, u]) => new URL(u).protocol))].sort(), ["http:", "ws:"]);
      assert.deepEqual(await p.evaluate(() => [...new Set(seen("connect_error").map((e) => e[1]))]), ["TransportError"]);
      assert.equal(await p.evaluate(() => __c.connected), false);
      await p.evaluate(() => __c.close());
      await p.close();

      // 2. connect-src naming the realtime origin for both schemes: connects and upgrades.
      const q = await openSec(ctx, { csp: "cross-port", query: { start: "client", doc: "CSP-3", url } });
      assert.equal(q.response.headers()["content-security-policy"], POLICIES["cross-port"]());
      await clientConnected(q);
      await waitInPage(q, () => __c.transport === "websocket", null, { what: "upgrade to WebSocket" });
      await waitFor(hasRooms(env, ALICE, ["doc:ToDo/CSP-3"]), { what: "room joined" });
      await env.publish({ event: "doc_update", message: { name: "CSP-3" }, doctype: "ToDo", docname: "CSP-3" });
      await waitInPage(q, () => seen("doc_update").length === 1, null, { what: "doc_update" });
      assert.deepEqual(await q.evaluate(() => __csp), [], "no violation");
      await closeRealtime(env, q);
    });
  });

  // ------------------------------------------------------------------ server data

  describe("server data is never evaluated", () => {
    let redis;
    before(async () => {
      redis = createClient({ url: env.redisUrl });
      await redis.connect();
    });
    after(async () => {
      if (redis) await redis.quit().catch(() => {});
    });
    /** publish_realtime's Redis message, written as raw JSON text like Frappe's (keeps `__proto__` keys). */
    const publishRaw = (event, messageText, room = `user:${ALICE}`) =>
      redis.publish("events", `{"event": ${JSON.stringify(event)}, "message": ${messageText}, "room": ${JSON.stringify(room)}, "namespace": "site1"}`);

    const DELIVERY = [
      ["WebSocket, plain events parsed in JS (the fast path)", {}, "websocket"],
      ["polling (every event through the core)", { transports: ["polling"] }, "polling"],
      ["WebSocket with debug logging (every event through the core)", { debug: "debug" }, "websocket"],
    ];
    for (const [how, options, transport] of DELIVERY) {
      test(`hostile payloads arrive as plain data, ${how}: no script runs, no markup, no request, no prototype changed`, async (t) => {
        const ctx = await newCtx(t);
        const requests = [];
        const p = await openSec(ctx, { options, setup: (page) => page.on("request", (r) => requests.push(r.url())) });
        await p.evaluate(() => {
          frappe.realtime.init(frappe.boot.socketio_port);
          for (const e of ["hostile", "__proto__", "constructor", "toString", "hasOwnProperty", "<img src=x onerror=window.__pwned=1>"]) record(e);
        });
        await connected(p);
        await waitInPage(p, (name) => frappe.realtime.socket.io.engine.transport.name === name, transport, { what: transport });
        await p.evaluate(() => watchDom());
        const before = requests.length;
        await publishRaw("hostile", HOSTILE);
        for (const e of ["__proto__", "constructor", "toString", "hasOwnProperty", "<img src=x onerror=window.__pwned=1>"]) await publishRaw(e, HOSTILE);
        await publishRaw("msgprint", JSON.stringify(HTML));
        await publishRaw("progress", JSON.stringify({ percent: 50, title: HTML, description: SCRIPT }));
        await waitInPage(p, () => __log.length >= 8, null, { what: "every event" });
        await sleep(300); // an image error handler or a script would have run by now
        const out = await p.evaluate(() => {
          const hostile = seen("hostile").map((e) => e[1]);
          const m = hostile[0];
          const protoOf = (v) => (Object.getPrototypeOf(v) === Object.prototype ? "Object.prototype" : String(Object.getPrototypeOf(v)));
          return {
            count: hostile.length,
            type: typeof m,
            json: JSON.stringify(m),
            protos: [protoOf(m), protoOf(m.nested[0]), protoOf(m.nested[1].a), protoOf(m.constructor)],
            ownProto: Object.prototype.hasOwnProperty.call(m, "__proto__"),
            byName: ["__proto__", "constructor", "toString", "hasOwnProperty", "<img src=x onerror=window.__pwned=1>"].map((e) => [e, seen(e).length, JSON.stringify(seen(e)[0][1]) === JSON.stringify(m)]),
            msgprint: seen("msgprint").map((e) => e[1]),
            progress: seen("show_progress").map((e) => [e[1], e[4]]),
            pwned: window.__pwned === undefined ? "no" : String(window.__pwned),
            polluted: [({}).polluted, Object.prototype.polluted, [].polluted, Object.polluted, Function.prototype.polluted],
            objectIntact: [String({}) === "[object Object]", ({}).constructor === Object, typeof Object.prototype.hasOwnProperty, typeof Object.prototype.toString],
            dom: __dom,
          };
        });
        assert.equal(out.count, 1);
        assert.equal(out.type, "object");
        assert.equal(canon(JSON.parse(out.json)), canon(JSON.parse(HOSTILE)), "delivered exactly as published");
        assert.deepEqual(out.protos, ["Object.prototype", "Object.prototype", "Object.prototype", "Object.prototype"]);
        assert.equal(out.ownProto, true, "__proto__ is an own data property, not the prototype");
        assert.deepEqual(out.byName, ["__proto__", "constructor", "toString", "hasOwnProperty", "<img src=x onerror=window.__pwned=1>"].map((e) => [e, 1, true]));
        assert.deepEqual(out.msgprint, [HTML], "msgprint hands Frappe the string as sent");
        assert.deepEqual(out.progress, [[HTML, SCRIPT]]);
        assert.equal(out.pwned, "no", "no script ran");
        assert.deepEqual(out.polluted, [undefined, undefined, undefined, undefined, undefined]);
        assert.deepEqual(out.objectIntact, [true, true, "function", "function"]);
        assert.deepEqual(out.dom, [], "no DOM change");
        const fetched = requests.slice(before).filter((u) => !u.startsWith(`${env.webUrl}/socket.io/`));
        assert.deepEqual(fetched, [], "no request but polling (an <img src=x> would fetch x)");
        assert.deepEqual(errorsOf(p), []);
        // The detectors work: the same string as markup runs its handler and fetches x.
        await p.evaluate((html) => document.body.insertAdjacentHTML("beforeend", html), HTML);
        await waitInPage(p, () => window.__pwned === 1 && __dom.length === 1, null, { what: "markup detected" });
        await waitFor(() => requests.some((u) => u === `${env.webUrl}/pages/x`), { what: "x fetched" });
        await closeRealtime(env, p);
      });
    }

    test("a hostile payload with a binary attachment (BINARY_EVENT, placeholders put back by the driver) arrives as plain data", async (t) => {
      const ctx = await newCtx(t);
      const p = await openSec(ctx);
      await p.evaluate(() => {
        frappe.realtime.init(frappe.boot.socketio_port);
        record("hostile_bin");
      });
      await connected(p);
      // Written as raw Engine.IO messages: socket.io's own encoder drops `__proto__` keys
      // from packets with attachments (server side), a server in another language need not.
      const sock = env.realtime.io.of("/site1").sockets.get(await p.evaluate(() => frappe.realtime.socket.id));
      sock.conn.write(`51-/site1,["hostile_bin",${HOSTILE},{"_placeholder":true,"num":0}]`);
      sock.conn.write(Buffer.from([1, 2, 3]));
      await waitInPage(p, () => seen("hostile_bin").length === 1, null, { what: "hostile_bin" });
      await sleep(200);
      const out = await p.evaluate(() => {
        const [, m, bin] = seen("hostile_bin")[0];
        return {
          json: JSON.stringify(m),
          bin: bin instanceof ArrayBuffer ? [...new Uint8Array(bin)] : String(bin),
          proto: Object.getPrototypeOf(m) === Object.prototype,
          pwned: window.__pwned === undefined ? "no" : String(window.__pwned),
          polluted: [({}).polluted, Object.prototype.polluted],
        };
      });
      assert.equal(canon(JSON.parse(out.json)), canon(JSON.parse(HOSTILE)));
      assert.deepEqual(out.bin, [1, 2, 3]);
      assert.deepEqual([out.proto, out.pwned, out.polluted], [true, "no", [undefined, undefined]]);
      await closeRealtime(env, p);
    });

    test("frappe.realtime: a task event naming an inherited property (constructor, __proto__, toString, …) as task_id calls nothing", async (t) => {
      const ctx = await newCtx(t);
      const p = await openSec(ctx);
      await p.evaluate(() => {
        frappe.realtime.init(frappe.boot.socketio_port);
        const opts = (id) => ({
          success: () => __log.push(["opts.success", id]),
          failed: () => __log.push(["opts.failed", id]),
          progress: () => __log.push(["opts.progress", id]),
          always: () => __log.push(["opts.always", id]),
        });
        frappe.realtime.subscribe("T-own", opts("T-own"));
        record("task_status_change");
        record("task_progress");
      });
      await connected(p);
      const names = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "__defineGetter__", "isPrototypeOf"];
      for (const id of names) {
        for (const status of ["Success", "Failed", "Assign", "Freeze", "Constructor"]) {
          await publishRaw("task_status_change", JSON.stringify({ task_id: id, status, status_code: 500 }));
        }
        await publishRaw("task_progress", JSON.stringify({ task_id: id, progress: [1, 2] }));
      }
      // Then the task that is subscribed: its callbacks run (the path works).
      await publishRaw("task_status_change", JSON.stringify({ task_id: "T-own", status: "Success" }));
      await waitInPage(p, () => seen("opts.success").length === 1, null, { what: "T-own success" });
      await sleep(200);
      const log = await p.evaluate(() => __log.filter((e) => e[0] !== "task_status_change" && e[0] !== "task_progress"));
      assert.deepEqual(log, [
        ["opts.success", "T-own"],
        ["request.cleanup", "object", false, "T-own"],
        ["opts.always", "T-own"],
      ]);
      assert.equal(await p.evaluate(() => seen("task_status_change").length), names.length * 5 + 1, "every event reached the listeners");
      assert.deepEqual(errorsOf(p), []);
      await closeRealtime(env, p);
    });

    test("an emitted object with an own __proto__ key reaches the server unchanged", async (t) => {
      // encodeArgs copies objects; a copy made with `out[k] = …` would set its prototype for
      // k === "__proto__" instead of a key, and the key would vanish from the emit.
      const ctx = await newCtx(t);
      const p = await openSec(ctx);
      await p.evaluate(() => frappe.realtime.init(frappe.boot.socketio_port));
      await connected(p);
      const echoed = await p.evaluate(async (text) => JSON.stringify(await frappe.realtime.client.emitWithAck("echo_ack", JSON.parse(text))), HOSTILE);
      try {
        assert.equal(canon(JSON.parse(echoed)), canon(JSON.parse(HOSTILE)));
      } finally {
        await closeRealtime(env, p);
      }
    });

    test("the shipped JavaScript has no eval, Function constructor, string timer, HTML sink, document.write or cookie access", () => {
      const shipped = [
        ...listJs(path.join(REPO_ROOT, "pkg"), true),
        ...listJs(path.join(REPO_ROOT, "www"), false), // www/demo/ is not shipped
        ...listJs(DIST, false),
      ].map((f) => path.relative(REPO_ROOT, f));
      for (const f of ["pkg/index.js", "pkg/frappe_realtime.js", "www/client.js", "www/frappe-realtime.js", "dist/frappe-realtime.js"]) {
        assert.ok(shipped.includes(f), `${f} scanned`);
      }
      // The driver's glue.js ships as a wasm-bindgen snippet or inlined into pkg/frappe_realtime.js.
      const texts = shipped.map((f) => fs.readFileSync(path.join(REPO_ROOT, f), "utf8"));
      assert.ok(texts.some((t, i) => shipped[i].startsWith("pkg/") && t.includes("frappe-realtime: invalid URL")), "the driver's glue.js scanned");
      // The scanner finds what it looks for.
      const planted = scanText("t.js", 'a=eval("1");b=new Function("x");setTimeout("go()",1);el.innerHTML=s;document.write(s);c=document.cookie;d=Function("y")');
      assert.deepEqual([...new Set(planted.map((f) => f.split(": ")[1]))].sort(), [...FORBIDDEN.map(([, what]) => what)].sort());
      const findings = shipped.flatMap((f, i) => scanText(f, texts[i]));
      assert.deepEqual(findings, [], findings.join("\n"));
    });
  });

  // ------------------------------------------------------------------ cookies

  describe("document.cookie is never read or written", () => {
    for (const [kind, page, doc] of [
      ["ESM package", "security-page.html", "COOKIE-ESM"],
      ["script-tag build", "security-dist.html", "COOKIE-DIST"],
    ]) {
      test(`${kind}: cookie auth, events, realtime server restart and reconnect: 0 reads, 0 writes`, async (t) => {
        const ctx = await newCtx(t);
        const setup = (pg) =>
          pg.addInitScript(() => {
            // Before any script of the page: count every access to document.cookie, then delegate.
            const d = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
            const seenAccess = (window.__cookie = []);
            Object.defineProperty(Document.prototype, "cookie", {
              configurable: true,
              enumerable: d.enumerable,
              get() {
                seenAccess.push(["get", new Error().stack]);
                return d.get.call(this);
              },
              set(v) {
                seenAccess.push(["set", new Error().stack]);
                d.set.call(this, v);
              },
            });
          });
        const p = await openSec(ctx, { page, setup, options: { reconnectionDelay: 100, reconnectionDelayMax: 500 } });
        await p.evaluate((doc) => {
          frappe.realtime.init(frappe.boot.socketio_port);
          record("doc_update");
          record("disconnect");
          frappe.realtime.doc_subscribe("ToDo", doc);
        }, doc);
        await connected(p);
        await waitFor(hasRooms(env, ALICE, [`doc:ToDo/${doc}`]), { what: "room joined" });
        await env.publish({ event: "doc_update", message: { n: 1 }, doctype: "ToDo", docname: doc });
        await waitInPage(p, () => seen("doc_update").length === 1, null, { what: "first doc_update" });
        await waitInPage(p, () => frappe.realtime.socket.io.engine.transport.name === "websocket", null, { what: "upgrade" });
        await env.restartRealtime({ abrupt: true, downMs: 300 });
        await waitInPage(p, () => seen("disconnect").length === 1, null, { what: "disconnect", timeout: 10000 });
        await waitFor(hasRooms(env, ALICE, [`doc:ToDo/${doc}`]), { what: "room back after the restart", timeout: 15000 });
        await env.publish({ event: "doc_update", message: { n: 2 }, doctype: "ToDo", docname: doc });
        await waitInPage(p, () => seen("doc_update").length === 2, null, { what: "doc_update after reconnect" });
        const accesses = await p.evaluate(() => __cookie);
        assert.deepEqual(accesses, [], accesses.map(([k, stack]) => `${k}: ${stack}`).join("\n\n"));
        // The counter is live: the test's own read is counted.
        assert.equal(await p.evaluate(() => (document.cookie, __cookie.length)), 1);
        assert.deepEqual(p.logs.filter((l) => l.startsWith("pageerror")), []);
        await closeRealtime(env, p);
      });
    }
  });

  // ------------------------------------------------------------------ credentials

  describe("credentials never go into URLs or logs (debug: \"debug\", the most verbose level)", () => {
    /** Records every request (URL, headers), WebSocket URL and the page's console (page.logs). */
    const traffic = (rec) => (pg) => {
      pg.on("request", (r) => rec.requests.push({ url: r.url(), headers: r.headers() }));
      pg.on("websocket", (ws) => rec.ws.push(ws.url()));
    };
    /** Lines of `haystack` containing any of `secrets`. */
    const leaks = (haystack, secrets) => haystack.filter((l) => secrets.some((s) => l.includes(s)));
    /** Everything the page exposed: URLs, console lines, page errors, connect_error messages / hints / data. */
    async function exposed(p, rec) {
      const errors = await p.evaluate(() => seen("connect_error").map((e) => JSON.stringify([e[1].name, e[1].message, e[1].hint, e[1].data, String(e[1])])));
      return { urls: [...rec.requests.map((r) => r.url), ...rec.ws], logs: [...p.logs], errors };
    }

    test("sid cookie: through connect, events, a realtime restart (transport errors) and a refused namespace", async (t) => {
      const ctx = await newCtx(t);
      const rec = { requests: [], ws: [] };
      const p = await openSec(ctx, { options: { debug: "debug", reconnectionDelay: 100, reconnectionDelayMax: 300 }, setup: traffic(rec) });
      const sid = (await ctx.cookies(env.webUrl)).find((c) => c.name === "sid").value;
      assert.ok(sid.length >= 32 && sid !== "Guest", sid);
      await p.evaluate(() => {
        frappe.realtime.init(frappe.boot.socketio_port);
        frappe.realtime.client.on("connect_error", (e) => __log.push(["connect_error", e]));
        record("doc_update");
        frappe.realtime.doc_subscribe("ToDo", "SID-1");
      });
      await connected(p);
      await waitInPage(p, () => frappe.realtime.socket.io.engine.transport.name === "websocket", null, { what: "upgrade" });
      await waitFor(hasRooms(env, ALICE, ["doc:ToDo/SID-1"]), { what: "room" });
      await env.publish({ event: "doc_update", message: { n: 1 }, doctype: "ToDo", docname: "SID-1" });
      await waitInPage(p, () => seen("doc_update").length === 1, null, { what: "doc_update" });
      await env.restartRealtime({ abrupt: true, downMs: 600 });
      await waitFor(hasRooms(env, ALICE, ["doc:ToDo/SID-1"]), { what: "room back", timeout: 15000 });
      // A refused attempt: wrong namespace (a server ConnectError with a hint).
      await p.evaluate((url) => {
        const c = (window.__c = new (lib().RealtimeClient)(url, { debug: "debug", reconnection: false }));
        c.on("connect_error", (e) => __log.push(["connect_error", e]));
      }, `${env.webUrl}/not-this-site`);
      await waitInPage(p, () => seen("connect_error").some((e) => e[1].name === "ConnectError"), null, { what: "refused" });
      const out = await exposed(p, rec);
      // Positive controls: the cookie went to the server, the log is at debug level, errors were seen.
      const sids = [...env.realtime.io.of("/site1").sockets.values()].map((x) => x.data.sid);
      assert.ok(sids.includes(sid), "the server authenticated the socket with this sid");
      assert.ok(out.logs.some((l) => l.includes("frappe-realtime: poll GET /socket.io/")), out.logs.join("\n"));
      assert.ok(out.logs.some((l) => l.includes("frappe-realtime: open websocket /socket.io/")));
      assert.ok(out.errors.some((e) => e.includes("TransportError")) && out.errors.some((e) => e.includes("Invalid namespace")), out.errors.join("\n"));
      for (const [where, lines] of Object.entries(out)) assert.deepEqual(leaks(lines, [sid]), [], `sid in ${where}`);
      await closeRealtime(env, p);
    });

    test("API token (extraHeaders Authorization, polling): connects as its user; neither a good nor a rejected secret appears", async (t) => {
      const ctx = await newCtx(t);
      const rec = { requests: [], ws: [] };
      const BAD = "token alice-key:rejected-secret-7f3a";
      const p = await openSec(ctx, { user: null, setup: traffic(rec) });
      await p.evaluate(
        ({ url, token, bad }) => {
          const opts = (t) => ({ transports: ["polling"], extraHeaders: { Authorization: t }, debug: "debug" });
          const c = (window.__c = new (lib().RealtimeClient)(url, opts(token)));
          c.on("connect_error", (e) => __log.push(["connect_error", e]));
          c.subscribe("doc", "ToDo", "TOKEN-1");
          record("doc_update", c);
          const d = (window.__bad = new (lib().RealtimeClient)(url, { ...opts(bad), reconnection: false }));
          d.on("connect_error", (e) => __log.push(["connect_error", e]));
        },
        { url: env.socketUrl, token: TOKEN, bad: BAD },
      );
      await clientConnected(p);
      const id = await p.evaluate(() => __c.id);
      assert.ok(socketsOf(env, ALICE).some((s) => s.id === id && s.transport === "polling"), "connected as the token's user, over polling");
      await waitFor(hasRooms(env, ALICE, ["doc:ToDo/TOKEN-1"]), { what: "room" });
      await env.publish({ event: "doc_update", message: { n: 1 }, doctype: "ToDo", docname: "TOKEN-1" });
      await waitInPage(p, () => seen("doc_update").length === 1, null, { what: "doc_update" });
      await waitInPage(p, () => seen("connect_error").length >= 1, null, { what: "the rejected token's connect_error" });
      const out = await exposed(p, rec);
      assert.ok(rec.requests.some((r) => r.headers.authorization === TOKEN), "the token went in the Authorization header");
      assert.ok(rec.requests.some((r) => r.headers.authorization === BAD));
      assert.ok(out.logs.some((l) => l.includes("frappe-realtime: poll POST /socket.io/")), out.logs.join("\n"));
      assert.ok(out.errors.some((e) => e.includes("Unauthorized")), out.errors.join("\n"));
      for (const [where, lines] of Object.entries(out)) {
        assert.deepEqual(leaks(lines, [TOKEN_SECRET, "rejected-secret-7f3a"]), [], `secret in ${where}`);
      }
      await p.evaluate(() => __bad.close());
      await closeRealtime(env, p);
    });

    test("auth option with a secret: sent in the CONNECT packet only, again after a reconnect; never in a URL or log", async (t) => {
      const ctx = await newCtx(t);
      const rec = { requests: [], ws: [] };
      const SECRET = "auth-secret-52c1e9";
      const sent = [];
      const p = await openSec(ctx, {
        setup: (pg) => {
          traffic(rec)(pg);
          pg.on("websocket", (ws) => ws.on("framesent", (f) => sent.push(String(f.payload))));
          pg.on("request", (r) => r.method() === "POST" && r.url().includes("/socket.io/") && sent.push(...(r.postData() || "").split("\x1e")));
        },
      });
      await p.evaluate(
        ({ url, secret }) => {
          const c = (window.__c = new (lib().RealtimeClient)(url, { auth: { token: secret }, debug: "debug", reconnectionDelay: 100, reconnectionDelayMax: 300 }));
          c.on("connect_error", (e) => __log.push(["connect_error", e]));
          record("disconnect", c);
        },
        { url: env.socketUrl, secret: SECRET },
      );
      await clientConnected(p);
      await waitInPage(p, () => __c.transport === "websocket", null, { what: "upgrade" });
      const authOf = () => {
        const ids = [...env.realtime.io.of("/site1").sockets.values()];
        return ids.map((x) => x.handshake.auth).filter((a) => a && a.token);
      };
      assert.deepEqual(authOf(), [{ token: SECRET }], "the server got the secret");
      await env.restartRealtime({ abrupt: true, downMs: 400 });
      await waitInPage(p, () => seen("disconnect").length === 1, null, { what: "disconnect" });
      await clientConnected(p, "reconnected");
      await waitFor(() => authOf().length === 1 && authOf()[0].token === SECRET, { what: "the secret again after the restart" });
      const out = await exposed(p, rec);
      assert.ok(out.logs.some((l) => l.includes("frappe-realtime: send text frame")), out.logs.join("\n"));
      assert.ok(out.errors.some((e) => e.includes("TransportError")), out.errors.join("\n"));
      for (const [where, lines] of Object.entries(out)) assert.deepEqual(leaks(lines, [SECRET]), [], `secret in ${where}`);
      // On the wire: in the CONNECT packets (one per connection) and nowhere else. Sent frames
      // reach the test process asynchronously, so wait for the second CONNECT to be reported.
      await waitFor(() => sent.filter((f) => f.includes(SECRET)).length >= 2, { what: "two CONNECT frames reported" });
      const carrying = sent.filter((f) => f.includes(SECRET));
      assert.deepEqual(carrying, [`40/site1,{"token":"${SECRET}"}`, `40/site1,{"token":"${SECRET}"}`]);
      await closeRealtime(env, p);
    });
  });

  // ------------------------------------------------------------------ emit checks

  describe("reserved names and arguments that cannot be serialised: a TypeError before anything is sent", () => {
    /** Records what the page sends: WebSocket frames and polling POST bodies. */
    const wire = (sent) => (pg) => {
      pg.on("websocket", (ws) => ws.on("framesent", (f) => sent.push(String(f.payload))));
      pg.on("request", (r) => r.method() === "POST" && r.url().includes("/socket.io/") && sent.push(r.postData() || ""));
    };

    /**
     * In the page: every emitting API × every reserved name and every bad argument.
     * Returns one row per call: [api, case, error name or "no throw", instanceof TypeError, message].
     */
    function battery({ phase, reserved }) {
      const c = window.__c;
      const rt = frappe.realtime;
      const s = rt.socket;
      const cyclic = { a: 1 };
      cyclic.self = cyclic;
      const cyclicArray = [1];
      cyclicArray.push([cyclicArray]);
      const bad = [
        ["BigInt", [1n]],
        ["nested BigInt", [{ a: [2n] }]],
        ["cycle", [cyclic]],
        ["array cycle", [cyclicArray]],
        ["Blob", [new Blob(["b"])]],
        ["Symbol", [Symbol("s")]],
        ["nested Symbol", [{ a: [Symbol("t")] }]],
      ];
      const apis = [
        ["RealtimeClient.emit", (e, a) => c.emit(e, ...a)],
        ["RealtimeClient.emit(…, ack)", (e, a) => c.emit(e, ...a, () => {})],
        ["RealtimeClient.emitWithAck", (e, a) => c.emitWithAck(e, ...a)],
        ["RealtimeClient.timeout().emit", (e, a) => c.timeout(500).emit(e, ...a)],
        ["RealtimeClient.timeout().emitWithAck", (e, a) => c.timeout(500).emitWithAck(e, ...a)],
        ["frappe.realtime.emit", (e, a) => rt.emit(e, ...a)],
        ["frappe.realtime.publish", (e, a) => rt.publish(e, a[0])],
        ["frappe.realtime.socket.emit", (e, a) => s.emit(e, ...a)],
        ["frappe.realtime.socket.emitWithAck", (e, a) => s.emitWithAck(e, ...a)],
      ];
      const rows = [];
      for (const [api, call] of apis) {
        const cases = [
          ...reserved.map((n) => [`reserved ${n}`, n, [1]]),
          ...bad.map(([what, args]) => [what, `bad_${phase}`, args]),
        ];
        for (const [what, event, args] of cases) {
          let r;
          try {
            r = call(event, args);
          } catch (e) {
            rows.push([api, what, e.name, e instanceof TypeError, e.message]);
            continue;
          }
          if (r && typeof r.then === "function") r.catch(() => {});
          rows.push([api, what, "no throw", false, ""]);
        }
      }
      return rows;
    }

    /** What the server receives for `undefined, {a: undefined, f() {}}, [() => 1, undefined], NaN`: JSON's rules. */
    const JSON_SEMANTICS = [null, {}, [null, null], null];

    /** Asserts every row threw a TypeError; returns how many calls were made. */
    function assertAllThrew(rows, phase) {
      const wrong = rows.filter(([, , name, isTypeError]) => name !== "TypeError" || !isTypeError);
      assert.deepEqual(wrong, [], `${phase}: calls that did not throw a TypeError`);
      for (const [, , , , message] of rows) assert.match(message, /^frappe-realtime: /);
      return rows.length;
    }

    /** The wire and the server saw the markers and nothing of the bad calls. */
    async function assertNothingSent(p, sent, markers) {
      const ids = await p.evaluate(() => [__c.id, frappe.realtime.socket.id]);
      await waitFor(() => markers.every((m) => env.state().received.some((r) => r.event === m && ids.includes(r.id))), { what: `markers ${markers}` });
      // The browser reports a sent frame to the test process asynchronously, possibly after the
      // server has it. Frames are reported in order, so once the markers are seen, every frame a
      // bad call could have sent before them has been reported too.
      await waitFor(() => markers.every((m) => sent.some((f) => f.includes(`"${m}"`))), { what: `markers ${markers} on the wire` });
      const events = env.state().received.filter((r) => ids.includes(r.id)).map((r) => r.event);
      const forbidden = (e) => RESERVED.includes(e) || e.startsWith("bad_");
      assert.deepEqual(events.filter(forbidden), [], `the server received ${events}`);
      const frames = sent.filter((f) => RESERVED.some((n) => f.includes(`"${n}"`)) || f.includes('"bad_'));
      assert.deepEqual(frames, [], "sent on the wire");
    }

    test("before the wasm module is ready (calls queued): RealtimeClient, frappe.realtime and its socket throw synchronously for every reserved name, BigInt, cycle, Blob and Symbol", async (t) => {
      const ctx = await newCtx(t);
      const sent = [];
      const p = await openSec(ctx, { setup: wire(sent) });
      await p.evaluate(`window.__battery = ${battery}; window.__reserved = ${JSON.stringify(RESERVED)}`);
      const out = await p.evaluate(
        (url) => {
          // Nothing on this page has loaded the wasm module yet.
          const c = (window.__c = new (lib().RealtimeClient)(url));
          frappe.realtime.init(frappe.boot.socketio_port);
          // No page listeners installed: the clients do not exist in wasm yet.
          const notReady = (rc) => rc.resources()[3] === 0;
          const queued = notReady(c) && notReady(frappe.realtime.client);
          const rows = __battery({ phase: "queued", reserved: __reserved });
          c.emit("marker_queued_client", 1);
          c.emit("marker_queued_json", undefined, { a: undefined, f() {} }, [() => 1, undefined], NaN);
          frappe.realtime.emit("marker_queued_facade", 1);
          return { queued, rows, stillQueued: notReady(c) };
        },
        env.socketUrl,
      );
      assert.equal(out.queued, true, "the calls were made before the module was ready");
      assert.equal(out.stillQueued, true);
      assert.equal(assertAllThrew(out.rows, "queued"), 9 * 13);
      await clientConnected(p);
      await connected(p);
      await assertNothingSent(p, sent, ["marker_queued_client", "marker_queued_facade", "marker_queued_json"]);
      assert.deepEqual(env.state().received.find((r) => r.event === "marker_queued_json").args, JSON_SEMANTICS);
      await closeRealtime(env, p);
    });

    test("queued calls keep their order, emitWithAck included; a close() before the module is ready rejects a queued emitWithAck", async (t) => {
      const ctx = await newCtx(t);
      const p = await openSec(ctx);
      const out = await p.evaluate(async (url) => {
        const C = lib().RealtimeClient;
        const c = (window.__c = new C(url));
        // No page listeners installed: the client does not exist in wasm yet.
        const queued = c.resources()[3] === 0;
        c.emit("order_1");
        const acked = c.emitWithAck("echo_ack", "order_2");
        c.emit("order_3");
        // A second client closed before the module is ready: its queued ack must settle.
        const d = new C(url);
        const lost = d.emitWithAck("echo_ack", "never").then(() => "resolved", (e) => "rejected: " + e.message);
        d.close();
        return { queued, acked: await acked, lost: await lost };
      }, env.socketUrl);
      assert.equal(out.queued, true, "the calls were made before the module was ready");
      assert.equal(out.acked, "order_2");
      assert.match(out.lost, /^rejected: frappe-realtime: the client was closed before it was ready/);
      const id = await p.evaluate(() => __c.id);
      await waitFor(() => env.state().received.filter((r) => r.id === id).length >= 3, { what: "three emits" });
      const order = env.state().received.filter((r) => r.id === id).map((r) => r.event === "echo_ack" ? r.args[0] : r.event);
      assert.deepEqual(order, ["order_1", "order_2", "order_3"]);
      await closeRealtime(env, p);
    });

    test("once the wasm module is ready: the same calls throw synchronously for every reserved name, BigInt, cycle, Blob and Symbol", async (t) => {
      const ctx = await newCtx(t);
      const sent = [];
      const p = await openSec(ctx, { setup: wire(sent) });
      await p.evaluate((url) => {
        window.__c = new (lib().RealtimeClient)(url);
        frappe.realtime.init(frappe.boot.socketio_port);
      }, env.socketUrl);
      await clientConnected(p);
      await connected(p);
      await p.evaluate(`window.__battery = ${battery}; window.__reserved = ${JSON.stringify(RESERVED)}`);
      const rows = await p.evaluate(() => {
        const rows = __battery({ phase: "ready", reserved: __reserved });
        __c.emit("marker_ready_client", 1);
        __c.emit("marker_ready_json", undefined, { a: undefined, f() {} }, [() => 1, undefined], NaN);
        frappe.realtime.emit("marker_ready_facade", 1);
        return rows;
      });
      assert.equal(assertAllThrew(rows, "ready"), 9 * 13);
      await assertNothingSent(p, sent, ["marker_ready_client", "marker_ready_facade", "marker_ready_json"]);
      assert.deepEqual(env.state().received.find((r) => r.event === "marker_ready_json").args, JSON_SEMANTICS);
      await closeRealtime(env, p);
    });
  });
});

/** The .js files under `dir` (recursively when `deep`). */
function listJs(dir, deep) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) return deep ? listJs(f, true) : [];
    return e.name.endsWith(".js") ? [f] : [];
  });
}

/** What shipped code must not contain: [pattern, what]. */
const FORBIDDEN = [
  [/\beval\s*\(/g, "eval("],
  [/\bnew\s+Function\b/g, "new Function"],
  [/(?<!new\s+)\bFunction\s*\(/g, "Function("],
  [/\bset(?:Timeout|Interval|Immediate)\s*\(\s*["'`]/g, "string timer"],
  [/\.(?:innerHTML|outerHTML)\b|\binsertAdjacentHTML\b|\bcreateContextualFragment\b/g, "HTML sink"],
  [/\bdocument\.write(?:ln)?\b/g, "document.write"],
  [/\.cookie\b/g, "cookie"],
];

/** `file:line: what: …excerpt…` for each forbidden construct in `text`. */
function scanText(file, text) {
  const out = [];
  for (const [re, what] of FORBIDDEN) {
    for (const m of text.matchAll(re)) {
      const line = text.slice(0, m.index).split("\n").length;
      const excerpt = text.slice(Math.max(0, m.index - 30), m.index + m[0].length + 30).replace(/\s+/g, " ");
      out.push(`${file}:${line}: ${what}: …${excerpt}…`);
    }
  }
  return out;
}
