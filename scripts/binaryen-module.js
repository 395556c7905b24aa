// What the build's rewrites of the wasm module through binaryen.js share
// (scripts/exports-last.js, scripts/order-functions.js, scripts/trap-only.js,
// scripts/dead-data.js).

import binaryen from "binaryen";

const F = binaryen.Features;
/** The features rustc emits for wasm32, as scripts/build.sh gives them to wasm-opt:
 *  without them binaryen rejects the module. */
export const RUSTC_FEATURES = F.BulkMemory | F.BulkMemoryOpt | F.NontrappingFPToInt | F.SignExt | F.MutableGlobals | F.ReferenceTypes | F.Multivalue;

/** `bytes` read by binaryen with rustc's features (throws what binaryen throws). */
export function readModule(bytes) {
    const mod = binaryen.readBinary(bytes);
    mod.setFeatures(RUSTC_FEATURES);
    return mod;
}

/** The failure of build step `step`: `expected(what, found)` prints
 *  "<step>: expected <what>; found <found>" and exits 1, having written nothing. */
export function failure(step) {
    return (what, found) => {
        console.error(`${step}: expected ${what}; found ${found}`);
        process.exit(1);
    };
}

/** `bytes`, read from `file`, as binaryen reads them with rustc's features, checked to
 *  validate; `expected` (see `failure`) when it cannot read them or they do not. */
export function readValidModule(bytes, file, expected) {
    let mod;
    try {
        mod = readModule(bytes);
    } catch (e) {
        expected(`a wasm module binaryen.js can read (${file})`, (e && e.message) || String(e));
    }
    if (!mod.validate()) expected("a module that validates with rustc's wasm32 features (binaryen's errors above)", "one that does not");
    return mod;
}

/** The names of the functions `mod` exports, once each, in export order. */
export function exportedFunctions(mod) {
    const names = [];
    for (let i = 0; i < mod.getNumExports(); i++) {
        const e = binaryen.getExportInfo(mod.getExportByIndex(i));
        if (e.kind === binaryen.ExternalFunction && !names.includes(e.value)) names.push(e.value);
    }
    return names;
}

/** Moves function `name` to the end of `mod`'s functions: removed and added again (its
 *  body stays in the module's arena). */
export function moveLast(mod, name) {
    const f = binaryen.getFunctionInfo(mod.getFunction(name));
    mod.removeFunction(name);
    mod.addFunction(name, f.params, f.results, f.vars, f.body);
}
