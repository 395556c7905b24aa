#!/usr/bin/env node
// Moves the functions the wasm module exports to the end of its function index space,
// in export order, so that their indices are consecutive (scripts/build.sh, after
// wasm-opt).
//
// Why: V8 names each exported wasm function after its index ("123") when the module is
// instantiated, through its small-integer-to-string cache. That cache starts small and
// grows to its full size (64 KB of JS heap) at its first collision: two exported
// functions whose indices are equal modulo its initial size were enough to add 64 KB to
// every page's heap (docs/benchmarks.md, fourth round). With consecutive indices there is
// no collision while the module exports fewer functions than the cache has entries.
// wasm-opt's own order (by use count, for small call indices) is kept for the rest;
// exported functions are seldom called from inside the module.
//
// What it assumes of the module wasm-bindgen 0.2.130 (Cargo.toml pins it) and wasm-opt
// leave, each checked (a mismatch fails the build with "exports-last: expected …; found
// …", never a silently unchanged module):
//
//   1. binaryen.js reads it with the features rustc emits for wasm32 (scripts/binaryen-module.js,
//      as scripts/build.sh gives them to wasm-opt), and the result validates;
//   2. it exports functions of its own (wasm-bindgen's `wasm.*` exports: the WasmClient
//      methods, malloc, the closure shims, …): at least one, fewer than 128 (V8's initial
//      cache size: 128 consecutive indices cannot collide modulo 128); a re-exported
//      import (none in 0.2.130) is the JS function itself and stays where it is;
//   3. afterwards, read back from the bytes written, those functions are the last of the
//      index space, consecutive, in export order.
//
//   node scripts/exports-last.js pkg/frappe_realtime_bg.wasm

import fs from "node:fs";
import binaryen from "binaryen";
import { exportedFunctions, failure, moveLast, readValidModule } from "./binaryen-module.js";
import { indexSpace } from "./wasm-reader.js";

const file = process.argv[2];
if (!file) {
    console.error("usage: node scripts/exports-last.js <module.wasm>");
    process.exit(2);
}
const expected = failure("exports-last");
/** V8's initial small-integer-to-string cache (see above and docs/benchmarks.md). */
const CACHE = 128;

if (!fs.existsSync(file)) expected(`a wasm module at ${file}`, "no such file");
// The features rustc emits for wasm32 (scripts/build.sh passes the same to wasm-opt);
// the module no longer says so itself (--strip-target-features).
const mod = readValidModule(fs.readFileSync(file), file, expected);

const exported = exportedFunctions(mod);
// A re-exported import is the JS function itself: V8 names nothing.
const own = exported.filter((name) => !binaryen.getFunctionInfo(mod.getFunction(name)).module);
if (own.length === 0 || own.length >= CACHE)
    expected(`between 1 and ${CACHE - 1} exported functions of the module's own`, `${own.length}`);
for (const name of own) moveLast(mod, name);
if (!mod.validate()) expected("the rewritten module to validate (binaryen's errors above)", "one that does not");
const out = mod.emitBinary();
mod.dispose();

// Check the result from the bytes themselves.
const { functions, exports } = indexSpace(out);
const got = [];
for (const e of exports) if (e.kind === 0 && e.index >= functions.imported && !got.includes(e.index)) got.push(e.index);
const want = got.map((_, i) => functions.total - got.length + i);
if (got.length !== own.length || got.some((index, i) => index !== want[i]))
    expected(
        `the ${own.length} exported functions at indices ${want[0]}…${want.at(-1)} of ${functions.total}, in export order`,
        `indices ${got.join(", ")}`,
    );
fs.writeFileSync(file, out);
console.log(`exports-last: ${own.length} exported functions moved to the end of the index space`);
