// The commands that set up a fresh clone themselves (`npm start`, `npm run bench`,
// `npm run bench:herd`, `npm run test:frappe`, `npm run test:bench`, `node tests/upstream/herd.js`, `node tests/upstream/bench-herd.js`) must get as far as their setup step before anything needs
// node_modules: their entry modules, and every local module those import statically,
// import nothing but Node's built-ins; what needs an npm package is imported
// dynamically, after the setup. (`npm run bench:herd` once stopped at once on a fresh
// clone with "Cannot find package 'playwright-core'".)
//
//   node --test tests/unit/fresh-clone.test.js

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importsOf } from "./scan-imports.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ENTRIES = ["scripts/start.js", "bench/run.js", "bench/herd.js", "tests/upstream/run.js", "tests/upstream/bench-run.js", "tests/upstream/bench-herd.js", "tests/upstream/herd.js"];

/** The packages `entry` reaches through static imports, each with the chain that reaches it. */
function packagesBeforeSetup(entry) {
  const found = [];
  const seen = new Set();
  const visit = (file, chain) => {
    if (seen.has(file)) return;
    seen.add(file);
    const { static: specs } = importsOf(readFileSync(path.join(ROOT, file), "utf8"));
    for (const spec of specs) {
      if (spec.startsWith(".")) visit(path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec)), [...chain, file]);
      else if (!spec.startsWith("node:")) found.push(`${[...chain, file].join(" → ")} → ${spec}`);
    }
  };
  visit(entry, []);
  return found;
}

for (const entry of ENTRIES) {
  test(`${entry}: no npm package imported before its setup step`, () => {
    assert.deepEqual(packagesBeforeSetup(entry), []);
  });
}

test("the check sees a package imported through a local module", () => {
  // tests/e2e/harness.js imports playwright-core (what bench/herd.js once did statically).
  assert.ok(packagesBeforeSetup("tests/e2e/harness.js").some((p) => p.endsWith("→ playwright-core")));
  assert.ok(packagesBeforeSetup("bench/herd-run.js").some((p) => p.startsWith("bench/herd-run.js → tests/e2e/harness.js → ")));
});
