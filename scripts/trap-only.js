#!/usr/bin/env node
// Functions that can only trap become a bare `unreachable` (scripts/build.sh, on
// wasm-bindgen's module, before wasm-opt).
//
// Why: the shipped build panics by trapping (src/browser/tiny.rs), but core's panic
// functions are precompiled, outside LTO: they first build the panic's message on the
// stack (`fmt::Arguments`, a `Location`) and only then call the handler that traps. Those
// stores are side effects wasm-opt must keep, and with them each panic site's arguments:
// the addresses of messages, source paths and line numbers. A trap ends the instance
// (the glue starts a fresh one: www/client.js `renew`), and nothing reads what the
// stores wrote. Once these functions are `unreachable`, wasm-opt inlines them and drops
// what fed them; scripts/dead-data.js then zeroes the data nothing refers to any more.
// Measured on the module of 2026-12-05: 6 functions, 354 B less raw, 223 B less gzip
// (docs/benchmarks.md, tenth round).
//
// A function can only trap, on binaryen's IR (to a fixpoint, since a function that
// calls one that can only trap may become one itself), when:
//   1. its body's type is `unreachable`: control never reaches the body's end;
//   2. it has no `return`, `return_call*`, `try` or `throw`: it never leaves otherwise;
//   3. each call in it is to a function that can only trap, and it makes no indirect
//      call: nothing outside it (an import: JS) runs before the trap.
// What else it does writes memory, globals or locals of the instance the trap ends.
// A loop that never ends (none in the module) would trap instead of hanging the page.
// Checked: the module validates before and after (a failure names this script and what
// it expected, and writes nothing).
//
//   node scripts/trap-only.js <module.wasm>

import fs from "node:fs";
import binaryen from "binaryen";
import { failure, readValidModule } from "./binaryen-module.js";

/** Instructions that leave a function other than by its end or a trap (condition 2),
 *  or call what this script cannot see (condition 3). */
const LEAVES = /\((?:return|return_call|return_call_indirect|return_call_ref|try|try_table|throw|throw_ref|call_indirect|call_ref)\b/;
/** Direct calls in binaryen's text, with the callee's name (quoted when it has spaces
 *  or brackets, as Rust's names do). */
const CALLS = /\(call \$("[^"]*"|[^\s()]+)/g;

/** The names of the functions of `mod` that can only trap (see above). */
export function trapOnly(mod) {
    const bodies = new Map();
    for (let i = 0; i < mod.getNumFunctions(); i++) {
        const f = binaryen.getFunctionInfo(mod.getFunctionByIndex(i));
        if (f.body) bodies.set(f.name, f.body);
    }
    const candidates = new Map();
    for (const [name, body] of bodies) {
        if (binaryen.getExpressionType(body) !== binaryen.unreachable) continue;
        const text = binaryen.emitText(body);
        if (LEAVES.test(text)) continue;
        const callees = [...text.matchAll(CALLS)].map((m) => m[1].replace(/^"(.*)"$/, "$1"));
        candidates.set(name, callees);
    }
    const found = new Set();
    for (let grew = true; grew; ) {
        grew = false;
        for (const [name, callees] of candidates) {
            if (found.has(name) || !callees.every((c) => found.has(c))) continue;
            found.add(name);
            grew = true;
        }
    }
    return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const file = process.argv[2];
    if (!file) {
        console.error("usage: node scripts/trap-only.js <module.wasm>");
        process.exit(2);
    }
    const expected = failure("trap-only");
    const mod = readValidModule(fs.readFileSync(file), file, expected);
    let rewritten = 0;
    for (const name of trapOnly(mod)) {
        const func = mod.getFunction(name);
        if (binaryen.getExpressionId(binaryen.getFunctionInfo(func).body) === binaryen.UnreachableId) continue;
        binaryen.Function.setBody(func, mod.unreachable());
        rewritten++;
    }
    if (!mod.validate()) expected("the rewritten module to validate (binaryen's errors above)", "one that does not");
    fs.writeFileSync(file, mod.emitBinary());
    mod.dispose();
    console.log(`trap-only: ${rewritten} functions that can only trap reduced to \`unreachable\``);
}
