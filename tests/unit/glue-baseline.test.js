// scripts/glue-baseline.js on a glue excerpt in the shape wasm-bindgen 0.2.130 writes
// (`--target web`): the `encodeInto` polyfill and the two inert FinalizationRegistry
// stand-ins go, everything else stays byte for byte; a glue in another shape makes it
// fail, naming itself and what it expected, without writing anything.
//
//   node --test tests/unit/glue-baseline.test.js

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const KEPT_BEFORE = `let cachedTextEncoder = new TextEncoder();
`;
const POLYFILL = `
if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        const buf = cachedTextEncoder.encode(arg);
        view.set(buf);
        return {
            read: arg.length,
            written: buf.length
        };
    };
}
`;
const KEPT_AFTER = `
let WASM_VECTOR_LEN = 0;
`;
const REGISTRY = (name, body) => `const ${name} = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(${body});
`;
const GLUE =
    KEPT_BEFORE +
    POLYFILL +
    KEPT_AFTER +
    REGISTRY("WasmClientFinalization", "ptr => wasm.__wbg_wasmclient_free(ptr, 1)") +
    REGISTRY("CLOSURE_DTORS", "state => wasm.__wbindgen_destroy_closure(state.a, state.b)");

/** Runs the script on a directory holding `glue` as frappe_realtime.js. */
function run(glue) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "glue-baseline-"));
    const file = path.join(dir, "frappe_realtime.js");
    fs.writeFileSync(file, glue);
    const r = spawnSync(process.execPath, [path.join(ROOT, "scripts/glue-baseline.js"), dir], { encoding: "utf8" });
    const out = fs.readFileSync(file, "utf8");
    fs.rmSync(dir, { recursive: true });
    return { status: r.status, stderr: r.stderr, out };
}

test("glue-baseline: removes the encodeInto polyfill and the inert registries, nothing else", () => {
    const r = run(GLUE);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
        r.out,
        KEPT_BEFORE +
            "\n" +
            KEPT_AFTER +
            "const WasmClientFinalization = new FinalizationRegistry(ptr => wasm.__wbg_wasmclient_free(ptr, 1));\n" +
            "const CLOSURE_DTORS = new FinalizationRegistry(state => wasm.__wbindgen_destroy_closure(state.a, state.b));\n",
    );
    // What is left still parses, and registers with the real FinalizationRegistry.
    assert.doesNotThrow(() => new Function("wasm", r.out));
});

for (const [what, glue, expected] of [
    ["a glue without the polyfill", GLUE.replace(POLYFILL, "\n"), "the `encodeInto` polyfill"],
    [
        "a glue with one fallback registry",
        GLUE.replace(REGISTRY("CLOSURE_DTORS", "state => wasm.__wbindgen_destroy_closure(state.a, state.b)"), ""),
        "two `FinalizationRegistry` fallbacks (found 1)",
    ],
]) {
    test(`glue-baseline: fails, naming itself, on ${what}, and writes nothing`, () => {
        const r = run(glue);
        assert.equal(r.status, 1);
        assert.match(r.stderr, new RegExp("^glue-baseline: expected " + expected.replace(/[()`]/g, "\\$&") + " in "));
        assert.equal(r.out, glue);
    });
}
