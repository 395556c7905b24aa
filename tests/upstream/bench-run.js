#!/usr/bin/env node
// `npm run test:bench -- <bench>`: tests/upstream/bench.test.js against a real bench set up
// as tests/upstream/bench.md says. Builds the package first when it is missing or stale,
// as `npm start` does, and puts that build into the bench's realtime_swap app (the file
// its app_include_js names) when it differs. Exit code: the tests'.

import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ensureBuilt, ROOT } from "../../scripts/start.js";

const bench = process.argv[2] || process.env.FRAPPE_BENCH;
if (!bench || !fs.existsSync(path.join(bench, "sites", "common_site_config.json"))) {
    console.error("usage: npm run test:bench -- <bench directory> (set up as tests/upstream/bench.md says)");
    process.exit(2);
}
await ensureBuilt({ log: console.error, tools: ["chromium"] });
const built = path.join(ROOT, "dist", "frappe-realtime.js");
const served = path.join(bench, "apps", "realtime_swap", "realtime_swap", "public", "js", "frappe-realtime.js");
if (!fs.existsSync(path.dirname(path.dirname(served)))) {
    console.error(`${path.dirname(path.dirname(served))}: missing; install tests/upstream/swap-app as realtime_swap (tests/upstream/bench.md)`);
    process.exit(2);
}
fs.mkdirSync(path.dirname(served), { recursive: true });
if (!fs.existsSync(served) || !fs.readFileSync(served).equals(fs.readFileSync(built))) {
    fs.copyFileSync(built, served);
    console.error(`copied dist/frappe-realtime.js to ${served}`);
}
const test = path.join(ROOT, "tests", "upstream", "bench.test.js");
const r = spawnSync(process.execPath, ["--test", test], {
    stdio: "inherit",
    env: { ...process.env, FRAPPE_BENCH: path.resolve(bench) },
});
process.exit(r.status ?? 1);
