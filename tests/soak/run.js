#!/usr/bin/env node
// `npm run soak`: the soak (tests/soak/soak.js) from the command line.
//
//   node tests/soak/run.js [--minutes N | --seconds N] [--rate N] [--period S]
//                          [--restart-every N] [--json PATH] [--inject KIND]
//
// Defaults: 30 minutes, 50 events/s, a forced disconnect every 10 s, every 3rd an abrupt
// server restart. Prints a summary table (Markdown), writes the whole result as JSON
// (default $TMPDIR/frappe-realtime-soak/soak-<date>.json) and exits 1 when a check
// fails. --inject plants a deliberate defect in the page (heap, heap-reconnect, timer,
// listener, dup, unsubscribe) to show that the checks catch it. Ctrl-C stops early and
// still reports; everything started is stopped either way.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULTS, ROOT, runSoak, summary } from "./soak.js";

const USAGE = "usage: node tests/soak/run.js [--minutes N | --seconds N] [--rate N] [--period S] [--restart-every N] [--json PATH] [--inject KIND]";

function parse(argv) {
  const o = {};
  const num = (name, v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--minutes") o.seconds = num(a, v()) * 60;
    else if (a === "--seconds") o.seconds = num(a, v());
    else if (a === "--rate") o.rate = num(a, v());
    else if (a === "--period") o.period = num(a, v());
    else if (a === "--restart-every") o.restartEvery = Math.round(num(a, v()));
    else if (a === "--json") o.json = v();
    else if (a === "--inject") o.inject = v();
    else if (a === "--help" || a === "-h") o.help = true;
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return o;
}

let args;
try {
  args = parse(process.argv.slice(2));
} catch (err) {
  console.error(err.message);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

if (!fs.existsSync(path.join(ROOT, "pkg/frappe_realtime_bg.wasm"))) {
  console.error("==> pkg/ missing: building (scripts/build.sh)");
  execFileSync("bash", ["scripts/build.sh"], { cwd: ROOT, stdio: ["ignore", process.stderr, process.stderr] });
}

const stop = { stopped: false };
let signals = 0;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    signals++;
    stop.stopped = true;
    console.error(`\n${sig}: stopping (the result so far is still reported)`);
    if (signals > 1) process.exit(130);
  });
}

const seconds = args.seconds ?? DEFAULTS.seconds;
const result = await runSoak({
  seconds,
  rate: args.rate,
  period: args.period,
  restartEvery: args.restartEvery,
  inject: args.inject,
  stop,
  log: (l) => console.error(l),
});
const argv = process.argv.slice(2);
result.command = ["npm run soak", ...(argv.length ? ["--", ...argv] : [])].join(" ");

const out = args.json
  ? path.resolve(args.json)
  : path.join(os.tmpdir(), "frappe-realtime-soak", `soak-${result.date.replace(/[:.]/g, "-")}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");

console.log(summary(result));
console.log(`\nJSON: ${out}`);
if (result.errors.length) console.error(result.errors.join("\n"));
console.log(result.ok ? "soak: all checks passed" : "soak: FAILED");
process.exit(result.ok ? 0 : 1);
