#!/usr/bin/env node
// Page load → connected only, for A/B comparisons of builds of pkg/ (a layout or size
// change): much quicker than the full `npm run bench`, and with many more loads, which
// this noisy figure needs. Same pages, server, browser and method as bench/run.js (cold
// load in a fresh browser context, `performance.now()` in the connect callback); the
// variants' loads are interleaved, and each load of a build is paired with the floor's
// load next to it: the figure is the median of those per-pair differences.
//
//   node bench/connect.js [--loads N] [--transports websocket|default] [--pkg DIR]... [--page NAME]...
//
// Every --pkg DIR × --page NAME is one variant (default: pkg/ and frappe-realtime, i.e.
// bench/pages/frappe-realtime.html; `--page frappe-realtime --page socketio` puts
// socket.io-client beside it, and a page of your own in bench/pages/ tries a way of
// loading the package); the raw-WebSocket floor is always measured beside them.
// Prints one line per variant; writes nothing.

import path from "node:path";
import { launch, openPage, waitFor } from "./cdp.js";
import { ROOT, startBenchServer } from "./server.js";
import { median } from "../tests/soak/stats.js";
import { value } from "./args.js";

const argv = process.argv.slice(2);
const LOADS = Number(value("--loads", 21));
const TRANSPORTS = value("--transports", "websocket");
const repeated = (name) => argv.flatMap((a, i) => (argv[i - 1] === name ? [a] : []));
const pkgs = repeated("--pkg").map((p) => path.resolve(p));
if (pkgs.length === 0) pkgs.push(path.join(ROOT, "pkg"));
const pages = repeated("--page");
if (pages.length === 0) pages.push("frappe-realtime");

// One server per build (each serves its own pkg/); the floor page on the first one.
const servers = [];
for (const pkgDir of pkgs) servers.push(await startBenchServer({ pkgDir }));
const variants = [
    { name: "floor", url: `${servers[0].url}/bench/pages/floor.html?transports=${TRANSPORTS}` },
    ...pkgs.flatMap((p, i) =>
        pages.map((page) => ({
            name: [pkgs.length > 1 || pages.length === 1 ? path.relative(process.cwd(), p) || p : "", pages.length > 1 ? page : ""].join(" ").trim(),
            url: `${servers[i].url}/bench/pages/${page}.html?transports=${TRANSPORTS}`,
        })),
    ),
];
for (const v of variants) v.ms = [];

const browser = await launch();
const load = async (url) => {
    const s = await openPage(browser, url);
    try {
        return await waitFor(s, "window.__bench && window.__bench.connectedAt", { what: url });
    } finally {
        await s.close();
    }
};
try {
    for (const v of variants) await load(v.url); // warm-up: one-time costs of a fresh browser
    for (let i = 0; i < LOADS; i++) {
        // Rotate the order every round so no variant always goes first.
        for (let j = 0; j < variants.length; j++) {
            const v = variants[(i + j) % variants.length];
            v.ms.push(await load(v.url));
        }
    }
} finally {
    await browser.close();
    for (const s of servers) await s.close({ abrupt: true });
}

const floor = variants[0].ms;
console.log(`page load → connected, transports=${TRANSPORTS}, ${LOADS} cold loads each (ms, medians)`);
for (const v of variants) {
    const delta = v === variants[0] ? "" : `  vs floor ${median(v.ms.map((x, i) => x - floor[i])) >= 0 ? "+" : ""}${median(v.ms.map((x, i) => x - floor[i])).toFixed(1)}`;
    console.log(`  ${v.name.padEnd(40)} ${median(v.ms).toFixed(1)}${delta}`);
}
