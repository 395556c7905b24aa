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
//   node scripts/exports-last.js pkg/frappe_realtime_bg.wasm

import fs from "node:fs";
import binaryen from "binaryen";

const file = process.argv[2];
if (!file) {
    console.error("usage: node scripts/exports-last.js <module.wasm>");
    process.exit(2);
}

const mod = binaryen.readBinary(fs.readFileSync(file));
// The features rustc emits for wasm32 (scripts/build.sh passes the same to wasm-opt);
// the module no longer says so itself (--strip-target-features).
const F = binaryen.Features;
mod.setFeatures(F.BulkMemory | F.BulkMemoryOpt | F.NontrappingFPToInt | F.SignExt | F.MutableGlobals | F.ReferenceTypes | F.Multivalue);

const exported = [];
for (let i = 0; i < mod.getNumExports(); i++) {
    const e = binaryen.getExportInfo(mod.getExportByIndex(i));
    if (e.kind === binaryen.ExternalFunction && !exported.includes(e.value)) exported.push(e.value);
}
let moved = 0;
for (const name of exported) {
    const f = binaryen.getFunctionInfo(mod.getFunction(name));
    // A re-exported import is the JS function itself: V8 names nothing.
    if (f.module) continue;
    // Removed and added again: it goes last. Its body stays in the module's arena.
    mod.removeFunction(name);
    mod.addFunction(name, f.params, f.results, f.vars, f.body);
    moved++;
}
if (!mod.validate()) {
    console.error("exports-last: the rewritten module does not validate");
    process.exit(1);
}
fs.writeFileSync(file, mod.emitBinary());
mod.dispose();
console.log(`exports-last: ${moved} exported functions moved to the end of the index space`);
