// The modules of www/ import each other without a loop: neither through static imports
// (`import … from`, `export … from`, `import "…"`) nor once dynamic ones (`import("…")`)
// are added. Shared mode is where a loop once was (client.js ⇄ shared.js ⇄
// shared-worker.js): today RealtimeClient hands its class to shared.js, which never
// imports client.js back.
//
//   node --test tests/unit/imports.test.js

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importsOf } from "./scan-imports.js";

const WWW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../www");

/** A cycle of `graph` (file → [file]) as a list of files, first repeated last; null if none. */
export function findCycle(graph) {
  const state = new Map(); // file → 1 on the path, 2 done
  const pathNow = [];
  const visit = (f) => {
    if (state.get(f) === 2) return null;
    if (state.get(f) === 1) return [...pathNow.slice(pathNow.indexOf(f)), f];
    state.set(f, 1);
    pathNow.push(f);
    for (const g of graph.get(f) || []) {
      const c = visit(g);
      if (c) return c;
    }
    pathNow.pop();
    state.set(f, 2);
    return null;
  };
  for (const f of graph.keys()) {
    const c = visit(f);
    if (c) return c;
  }
  return null;
}

/** www/*.js → the www/ files it imports (`dynamic`: dynamic imports too). */
function wwwGraph(dynamic) {
  const graph = new Map();
  for (const file of readdirSync(WWW).filter((f) => f.endsWith(".js"))) {
    const { static: s, dynamic: d } = importsOf(readFileSync(path.join(WWW, file), "utf8"));
    const targets = (dynamic ? [...s, ...d] : s)
      .filter((spec) => spec.startsWith("."))
      .map((spec) => path.relative(WWW, path.resolve(WWW, spec)))
      .filter((f) => !f.startsWith(".."));
    graph.set(file, targets);
  }
  return graph;
}

test("the scanner: imports found, comments and strings that only look like imports ignored", () => {
  const src = [
    'import a, { b } from "./a.js";',
    "import './side.js'",
    'export { c } from "./c.js";',
    "export * from './star.js';",
    "// import x from './commented.js';",
    "/* import('./block.js') */",
    "const re = /import\\(\"\\/fake.js\"\\)/; const half = 1 / 2; // a / b",
    'const s = "import x from \\"./in-string.js\\"";',
    "const m = await import(\"./dyn.js\"); const u = new URL('./worker.js', import.meta.url);",
  ].join("\n");
  assert.deepEqual(importsOf(src), { static: ["./a.js", "./c.js", "./star.js", "./side.js"], dynamic: ["./dyn.js"] });
});

test("the cycle finder finds a cycle, and only when there is one", () => {
  const g = new Map([
    ["a", ["b"]],
    ["b", ["c"]],
    ["c", ["a", "d"]],
    ["d", []],
  ]);
  assert.deepEqual(findCycle(g), ["a", "b", "c", "a"]);
  g.set("c", ["d"]);
  assert.equal(findCycle(g), null);
});

test("www/*.js: the static imports have no cycle", () => {
  const graph = wwwGraph(false);
  assert.ok(graph.get("client.js").includes("listeners.js"), "the scanner sees client.js's imports");
  assert.equal(findCycle(graph), null, `import cycle: ${(findCycle(graph) || []).join(" → ")}`);
});

test("www/*.js: static and dynamic imports together have no cycle (shared mode is loaded one way)", () => {
  const graph = wwwGraph(true);
  assert.ok(graph.get("client.js").includes("shared.js"), "client.js loads shared.js on demand");
  assert.ok(!graph.get("shared.js").includes("client.js"), "shared.js never loads client.js");
  assert.equal(findCycle(graph), null, `import cycle: ${(findCycle(graph) || []).join(" → ")}`);
});
