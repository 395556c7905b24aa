// tests/server/nginx.js's two settings for the herd on a real bench
// (tests/upstream/bench-herd.js, which CI cannot run): `/assets` served from a directory,
// as Frappe's nginx serves sites/assets, and the web server's calls read back from
// nginx's access log (when each reached nginx, how long it took, its status).
//
//   node --test tests/e2e/nginx-log.test.js

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startNginx } from "../server/nginx.js";
import { listen, waitUntil } from "../server/util.js";

const SLOW_MS = 120;
let web;
let nginx;
let assets;

before(async () => {
    assets = fs.mkdtempSync(path.join(os.tmpdir(), "frappe-rt-assets-"));
    fs.mkdirSync(path.join(assets, "app"));
    fs.writeFileSync(path.join(assets, "app", "page.html"), "<p>from sites/assets</p>");
    // A web server whose permission call takes SLOW_MS and whose get_user_info refuses.
    web = http.createServer((req, res) => {
        if (req.url.includes("has_permission")) setTimeout(() => res.end('{"message":true}'), SLOW_MS);
        else res.writeHead(502).end("busy");
    });
    const webPort = await listen(web, 0);
    nginx = await startNginx({ webPort, nodePorts: [webPort], site: "site1", assetsDir: assets, accessLog: true });
});
after(async () => {
    if (nginx) await nginx.stop();
    if (web) web.close();
    fs.rmSync(assets, { recursive: true, force: true });
});

test("/assets is served from assetsDir, not passed to the web server", async () => {
    const res = await fetch(`${nginx.url}/assets/app/page.html`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "<p>from sites/assets</p>");
    assert.deepEqual(nginx.webCalls().filter((c) => c.uri.startsWith("/assets")), [], "no /assets request logged as a web call");
});

test("webCalls(): each web server call with its arrival, duration and status", async () => {
    const t0 = Date.now();
    const [a, b] = await Promise.all([
        fetch(`${nginx.url}/api/method/frappe.realtime.has_permission?doctype=ToDo&name=T1`),
        fetch(`${nginx.url}/api/method/frappe.realtime.get_user_info`),
    ]);
    const t1 = Date.now();
    assert.deepEqual([a.status, b.status], [200, 502]);
    // nginx writes its log line as the response ends; allow it a moment to land.
    const calls = await waitUntil(() => {
        const c = nginx.webCalls().filter((x) => x.uri.startsWith("/api/"));
        return c.length === 2 && c;
    }, { timeout: 5000, what: "two calls in nginx's log" });
    const perm = calls.find((c) => c.uri.includes("has_permission"));
    const info = calls.find((c) => c.uri.includes("get_user_info"));
    assert.equal(perm.uri, "/api/method/frappe.realtime.has_permission?doctype=ToDo&name=T1");
    assert.equal(perm.status, 200);
    assert.equal(info.status, 502);
    assert.ok(perm.ms >= SLOW_MS - 5, `the slow call's duration (${perm.ms} ms) is at least its ${SLOW_MS} ms`);
    for (const c of calls) {
        // nginx's clock has millisecond resolution: its times fall within the fetches'.
        assert.ok(c.at >= t0 - 5 && c.at + c.ms <= t1 + 5, `${c.uri}: ${c.at}+${c.ms} within ${t0}..${t1}`);
    }
});
