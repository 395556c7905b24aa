// What the build's rewrites of the wasm module through binaryen.js share
// (scripts/exports-last.js, scripts/order-functions.js).

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
