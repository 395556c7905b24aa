// The script-tag build in Frappe's real Desk, on a real bench (Frappe's Python web server,
// MariaDB, Redis, Frappe's realtime server), with the companion app (frappe-app/) and
// tests/upstream/swap-app/ installed on the site:
//
//   npm run test:bench -- <bench directory>
//
// What to install and run first is in tests/upstream/bench.md. The web server must be
// running (`DEV_SERVER=1 bench serve`, as `bench start` runs it); the realtime server must
// NOT be: the tests run Frappe's own (`apps/frappe/socketio.js` of the bench) themselves,
// to kill it and start it again.
//
// Everything is observed as a Desk user would see it, or on the WebSocket's frames: the
// site's documents are changed through Frappe's REST API from another session, and Frappe's
// Python publishes what follows (doc_update, list_update) through Redis.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startBenchRealtime, benchSite, apiSession, PACKAGE_VERSION } from "./bench-env.js";
import { launchBrowser, login, newPage, waitFor, waitInPage } from "../e2e/harness.js";

const BENCH = process.env.FRAPPE_BENCH;
const PASSWORD = process.env.BENCH_ADMIN_PASSWORD || "admin";

/** Records a page's WebSocket frames (text) in `page.frames`, as "> sent" / "< received",
 *  and the URLs its WebSockets opened in `page.sockets`. */
function recordFrames(page) {
    page.frames = [];
    page.sockets = [];
    page.on("websocket", (ws) => {
        page.sockets.push(ws.url());
        ws.on("framesent", (f) => page.frames.push(`> ${f.payload}`));
        ws.on("framereceived", (f) => page.frames.push(`< ${f.payload}`));
    });
}

/** Waits for a frame matching `re` among those from `from` on; returns it. */
async function frame(page, re, { from = 0, timeout = 20000, what = String(re) } = {}) {
    try {
        return await waitFor(() => page.frames.slice(from).find((f) => re.test(f)), { timeout, interval: 50, what: `a frame ${what}` });
    } catch (err) {
        throw new Error(`${err.message}; frames:\n${page.frames.slice(-30).join("\n")}\n--- page log ---\n${page.logs.slice(-20).join("\n")}`);
    }
}

/** The answer (its first value) to the first `event` join of `args` sent with an ack id
 *  from frame `from` on. */
async function answeredJoin(page, site, event, args, from) {
    const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    const body = esc(JSON.stringify([event, ...args]));
    const sent = await frame(page, new RegExp(`^> 42/${esc(site)},(\\d+)${body}$`), { from, what: `${event} ${args} with an ack id` });
    const id = sent.match(/,(\d+)\[/)[1];
    const answer = await frame(page, new RegExp(`^< 43/${esc(site)},${id}\\[`), { from, what: `the answer to ${event} #${id}` });
    return JSON.parse(answer.slice(answer.indexOf("[")))[0];
}

describe(`Desk on a real bench (${BENCH || "FRAPPE_BENCH not set"})`, { skip: !BENCH && "FRAPPE_BENCH not set: npm run test:bench -- <bench>" }, () => {
    let site;
    let realtime;
    let browser;
    let page;
    let api;

    before(async () => {
        site = benchSite(BENCH);
        realtime = await startBenchRealtime(BENCH);
        api = await apiSession(site.url, "Administrator", PASSWORD);
        browser = await launchBrowser();
        const ctx = await browser.newContext();
        page = await newPage(ctx);
        recordFrames(page);
        await page.goto(`${site.url}/login`); // on the site's origin: login() posts from here
        await login(page, site.url, "Administrator", PASSWORD);
    });
    after(async () => {
        if (browser) await browser.close();
        if (realtime) await realtime.stop();
    });

    test("Desk runs this client, configured by Frappe's boot (realtime_acks' boot_session), on a WebSocket to socketio_port", async () => {
        await page.goto(`${site.url}/app/todo`);
        const state = await waitInPage(
            page,
            () => window.frappe && frappe.realtime && frappe.realtime.socket && frappe.realtime.socket.connected && {
                version: window.FrappeRealtime && FrappeRealtime.version,
                options: frappe.boot.realtime_options,
                dev: window.dev_server,
            },
            null,
            { timeout: 30000, what: "Desk connected" },
        );
        assert.equal(state.version, PACKAGE_VERSION, "window.FrappeRealtime is this package (swap-app's app_include_js)");
        assert.deepEqual(state.options, { joinAcks: true }, "frappe.boot.realtime_options from realtime_acks.boot.boot_session");
        assert.ok(state.dev, "DEV_SERVER=1: Desk connects to socketio_port as Frappe's client does");
        assert.ok(
            page.sockets.some((u) => u.startsWith(`ws://${site.name}:${site.socketioPort}/socket.io/`)),
            `a WebSocket to ${site.name}:${site.socketioPort}: ${page.sockets.join(", ")}`,
        );
        await frame(page, new RegExp(`^> 40/${site.name.replace(/\./g, "\\.")},`), { what: "the CONNECT to the site's namespace" });
    });

    test("the list view's doctype_subscribe is answered, and a ToDo created elsewhere shows up in the list", async () => {
        const from = 0;
        assert.equal(await answeredJoin(page, site.name, "doctype_subscribe", ["ToDo"], from), true, "realtime_acks answers the join: taken");
        const description = `made elsewhere ${Date.now()}`;
        const doc = await api.insert("ToDo", { description });
        await frame(page, /^< 42\/[^,]+,\["list_update",\{.*"doctype":"ToDo"/, { from, what: "list_update for ToDo" });
        await waitInPage(page, (name) => window.cur_list && cur_list.data.some((d) => d.name === name), doc.name, {
            timeout: 20000,
            what: `the list shows ${doc.name}`,
        });
    });

    test("a form's doc_subscribe is answered, and a save elsewhere reloads the form", async () => {
        const doc = await api.insert("ToDo", { description: "before" });
        const from = page.frames.length;
        await page.goto(`${site.url}/app/todo/${doc.name}`);
        await waitInPage(page, (name) => window.cur_frm && cur_frm.doc.name === name, doc.name, { timeout: 30000, what: "the form open" });
        assert.equal(await answeredJoin(page, site.name, "doc_subscribe", ["ToDo", doc.name], from), true, "doc_subscribe answered: taken");
        await api.update("ToDo", doc.name, { description: "after" });
        await frame(page, new RegExp(`^< 42/[^,]+,\\["doc_update",\\{.*"name":"${doc.name}"`), { from, what: `doc_update of ${doc.name}` });
        await waitInPage(page, () => window.cur_frm && /after/.test(cur_frm.doc.description || ""), null, {
            timeout: 20000,
            what: "the form reloaded with the other session's change",
        });
    });

    test("Frappe's realtime server killed and started again: the form's room is back and the next save reaches it", async () => {
        const doc = await page.evaluate(() => ({ doctype: cur_frm.doc.doctype, name: cur_frm.doc.name }));
        const from = page.frames.length;
        await realtime.kill();
        await waitInPage(page, () => !frappe.realtime.socket.connected, null, { timeout: 20000, what: "the page saw the server go" });
        await realtime.restart({ downMs: 2000 }); // started again after a 2 s outage
        await waitInPage(page, () => frappe.realtime.socket.connected, null, { timeout: 30000, what: "connected again" });
        assert.equal(await answeredJoin(page, site.name, "doc_subscribe", [doc.doctype, doc.name], from), true, "the room joined again, answered");
        await api.update(doc.doctype, doc.name, { description: "after the restart" });
        await frame(page, new RegExp(`^< 42/[^,]+,\\["doc_update",\\{.*"name":"${doc.name}"`), { from, what: `doc_update of ${doc.name} after the restart` });
        await waitInPage(page, () => /after the restart/.test(cur_frm.doc.description || ""), null, {
            timeout: 20000,
            what: "the form reloaded after the restart",
        });
    });
});
