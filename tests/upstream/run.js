#!/usr/bin/env node
// `npm run test:frappe -- <checkout>`: tests/upstream/frappe.test.js against Frappe's own
// realtime server from <checkout> (a Frappe work tree, or a git directory whose HEAD is
// used; v16 / develop: its realtime server loads installed apps' handlers). Builds the
// package first when it is missing or stale, as `npm start` does. Exit code: the tests'.

import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ensureBuilt, ROOT } from "../../scripts/start.js";

const checkout = process.argv[2] || process.env.FRAPPE_CHECKOUT;
if (!checkout || !fs.existsSync(checkout)) {
    console.error("usage: npm run test:frappe -- <path to a Frappe checkout, or its git directory>");
    process.exit(2);
}
await ensureBuilt({ log: console.error, tools: ["chromium", "redis-server"] });
const { describeCheckout } = await import("./frappe-env.js");
console.error(`Frappe: ${describeCheckout(checkout)} (${checkout})`);
const test = path.join(ROOT, "tests", "upstream", "frappe.test.js");
const r = spawnSync(process.execPath, ["--test", test], {
    stdio: "inherit",
    env: { ...process.env, FRAPPE_CHECKOUT: path.resolve(checkout) },
});
process.exit(r.status ?? 1);
