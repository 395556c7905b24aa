#!/usr/bin/env node
// Shared mode's benchmark (docs/shared.md): N tabs of one site, logged in as one user,
// each running frappe.realtime — independent (one RealtimeClient and one connection per
// tab) vs shared through a SharedWorker vs shared with Web Locks leader election.
//
//   node bench/tabs.js [--tabs 5] [--runs 3] [--settle 1500]
//
// Needs pkg/ built (npm run build). Starts the test environment of tests/server/ (web +
// realtime + redis-server on 127.0.0.1) and headless Chromium over a DevTools pipe
// (bench/cdp.js). For each mode and run, in a fresh browser context:
//
//   server sockets  the realtime server's sockets of the user (its own state(), not the browser's)
//   PSS             Σ over every Chromium process of type "renderer" (SystemInfo.getProcessInfo;
//                   tabs and the SharedWorker run in renderer processes) of Pss from
//                   /proc/<pid>/smaps_rollup, minus the same sum measured just before the tabs
//                   were opened (the initial about:blank tab's renderer; Chromium runs with
//                   --disable-features=SpareRendererForSitePerProcess so that no spare renderer
//                   comes and goes between the two measures). PSS divides shared pages
//                   among the processes sharing them, so the sum does not count them twice.
//   JS heap         Σ over the tab targets and shared_worker targets of the context of
//                   Runtime.getHeapUsage usedSize, after HeapProfiler.collectGarbage on each
//                   (the wasm linear memory is not in it: it is in PSS).
//   processes       renderer processes alive (delta from before the tabs).
//
// Prints a Markdown table (median of the runs) and the raw numbers as JSON. The browser,
// network and GPU processes are not summed: they are the same in every mode apart from the
// sockets themselves.

import fs from "node:fs";
import { launch, waitFor } from "./cdp.js";
import { socketsOf, startEnv } from "../tests/server/env.js";
import { sleep } from "../tests/server/util.js";
import { median } from "../tests/soak/stats.js";
import { value } from "./args.js";

const TABS = Number(value("--tabs", 5));
const RUNS = Number(value("--runs", 3));
const SETTLE = Number(value("--settle", 1500));
const USER = "alice@example.com";
const MODES = { independent: "mode=off", "shared (SharedWorker)": "mode=worker", "shared (Web Locks)": "mode=locks&nosw=1" };
const log = (...a) => console.error(...a);

function pssKb(pid) {
    try {
        const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
        return m ? Number(m[1]) : 0;
    } catch {
        return 0; // the process ended meanwhile
    }
}

async function renderers(browser) {
    const { processInfo } = await browser.send("SystemInfo.getProcessInfo");
    const pids = processInfo.filter((p) => p.type === "renderer").map((p) => p.id);
    return { count: pids.length, pssKb: pids.reduce((s, pid) => s + pssKb(pid), 0) };
}

async function measure(browser, env, mode) {
    const before = await renderers(browser);
    const { browserContextId } = await browser.send("Target.createBrowserContext", { disposeOnDetach: true });
    const sessions = [];
    const open = async (url) => {
        const { targetId } = await browser.send("Target.createTarget", { url, browserContextId });
        const { sessionId } = await browser.send("Target.attachToTarget", { targetId, flatten: true });
        const s = browser.session(sessionId);
        s.targetId = targetId;
        return s;
    };
    try {
        // Log in from the first tab (the browser keeps the HttpOnly sid cookie).
        const first = await open(`${env.webUrl}/__test/blank`);
        await waitFor(first, "document.readyState === 'complete'", { what: "blank page", interval: 20 });
        await first.evaluate(`fetch("/api/method/login", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"},
            body: "usr=${encodeURIComponent(USER)}&pwd=alice", credentials: "same-origin"}).then((r) => r.status)`);
        const page = `${env.webUrl}/pages/shared-tab.html?${MODES[mode]}`;
        await first.send("Page.navigate", { url: page });
        sessions.push(first);
        for (let i = 1; i < TABS; i++) sessions.push(await open(page));
        for (const s of sessions) {
            await waitFor(s, "window.__ready === true", { what: "module ready", interval: 20 });
            await s.evaluate("frappe.realtime.init(frappe.boot.socketio_port), true");
        }
        for (const s of sessions) await waitFor(s, "frappe.realtime.socket.connected", { what: "connected", interval: 20 });
        await sleep(SETTLE);
        const sockets = socketsOf(env, USER).length;

        // Heaps of the tabs and of the context's shared workers, after a GC each.
        const { targetInfos } = await browser.send("Target.getTargets");
        const workers = targetInfos.filter((t) => t.type === "shared_worker" && t.browserContextId === browserContextId);
        const heapTargets = [...sessions];
        for (const w of workers) {
            const { sessionId } = await browser.send("Target.attachToTarget", { targetId: w.targetId, flatten: true });
            heapTargets.push(browser.session(sessionId));
        }
        let heap = 0;
        for (const s of heapTargets) {
            await s.send("HeapProfiler.collectGarbage").catch(() => {});
            const h = await s.send("Runtime.getHeapUsage");
            heap += h.usedSize;
        }
        const after = await renderers(browser);
        return {
            sockets,
            sharedWorkers: workers.length,
            processes: after.count - before.count,
            pssMb: (after.pssKb - before.pssKb) / 1024,
            heapMb: heap / 1048576,
        };
    } finally {
        for (const s of sessions) await browser.send("Target.closeTarget", { targetId: s.targetId }).catch(() => {});
        await browser.send("Target.disposeBrowserContext", { browserContextId }).catch(() => {});
        // Let the server see the sockets go before the next mode.
        const end = Date.now() + 5000;
        while (Date.now() < end && socketsOf(env, USER).length > 0) await sleep(50);
        await sleep(500);
    }
}

const env = await startEnv({ site: "site1" });
// No spare renderer kept warm for the next tab: it would be counted in one mode and not another.
const browser = await launch({ args: ["--disable-features=SpareRendererForSitePerProcess"] });
const results = {};
try {
    log(`Chromium ${browser.version.product}; ${TABS} tabs; ${RUNS} runs per mode`);
    for (let run = 0; run < RUNS; run++) {
        for (const mode of Object.keys(MODES)) {
            const r = await measure(browser, env, mode);
            (results[mode] ||= []).push(r);
            log(`run ${run + 1} ${mode}: ${JSON.stringify(r)}`);
        }
    }
} finally {
    await browser.close();
    await env.stop();
}

const rows = Object.entries(results).map(([mode, rs]) => {
    const m = (k) => median(rs.map((r) => r[k]));
    return `| ${mode} | ${m("sockets")} | ${m("processes")} | ${m("pssMb").toFixed(1)} MB | ${m("heapMb").toFixed(2)} MB |`;
});
console.log(
    [
        `${TABS} tabs of one site, one user; median of ${RUNS} runs; Chromium ${browser.version.product}, headless.`,
        "",
        "| mode | server sockets | renderer processes | PSS of renderer processes | JS heap of tabs and workers |",
        "|---|---|---|---|---|",
        ...rows,
    ].join("\n"),
);
console.log("\n" + JSON.stringify({ tabs: TABS, runs: RUNS, chromium: browser.version.product, results }, null, 1));
