// scripts/glue-unused.js on a glue excerpt in the shape wasm-bindgen 0.2.130 writes
// (`--target web`): the `encodeInto` polyfill, the two inert FinalizationRegistry
// stand-ins and `passStringToWasm0`'s branch for callers without `realloc` go, everything
// else stays byte for byte; a glue in another shape makes it fail, naming itself and what
// it expected, without writing anything.
//
//   node --test tests/unit/glue-unused.test.js

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
const PASS_HEAD = `
function passStringToWasm0(arg, malloc, realloc) {
`;
const NO_REALLOC = `    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }
`;
const PASS_REST = `
    let len = arg.length;
    return malloc(len, 1) >>> 0;
}
`;
const CALLS = `const ptr0 = passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
const ptr1 = isLikeNone(ret) ? 0 : passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
`;
const GLUE =
    KEPT_BEFORE +
    POLYFILL +
    KEPT_AFTER +
    REGISTRY("WasmClientFinalization", "ptr => wasm.__wbg_wasmclient_free(ptr, 1)") +
    REGISTRY("CLOSURE_DTORS", "state => wasm.__wbindgen_destroy_closure(state.a, state.b)") +
    PASS_HEAD +
    NO_REALLOC +
    PASS_REST +
    CALLS;

/** Runs the script on a directory holding `glue` as frappe_realtime.js. */
function run(glue) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "glue-unused-"));
    const file = path.join(dir, "frappe_realtime.js");
    fs.writeFileSync(file, glue);
    const r = spawnSync(process.execPath, [path.join(ROOT, "scripts/glue-unused.js"), dir], { encoding: "utf8" });
    const out = fs.readFileSync(file, "utf8");
    fs.rmSync(dir, { recursive: true });
    return { status: r.status, stderr: r.stderr, out };
}

test("glue-unused: removes the encodeInto polyfill, the inert registries and the branch without realloc, nothing else", () => {
    const r = run(GLUE);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
        r.out,
        KEPT_BEFORE +
            "\n" +
            KEPT_AFTER +
            "const WasmClientFinalization = new FinalizationRegistry(ptr => wasm.__wbg_wasmclient_free(ptr, 1));\n" +
            "const CLOSURE_DTORS = new FinalizationRegistry(state => wasm.__wbindgen_destroy_closure(state.a, state.b));\n" +
            PASS_HEAD +
            PASS_REST +
            CALLS,
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
    [
        "a call of passStringToWasm0 without realloc",
        GLUE.replace(CALLS, CALLS + "const ptr2 = passStringToWasm0(ret, wasm.__wbindgen_malloc);\n"),
        "every call of `passStringToWasm0` to pass `realloc`",
    ],
    ["a passStringToWasm0 without that branch", GLUE.replace(NO_REALLOC, ""), "the `realloc === undefined` branch of `passStringToWasm0`"],
]) {
    test(`glue-unused: fails, naming itself, on ${what}, and writes nothing`, () => {
        const r = run(glue);
        assert.equal(r.status, 1);
        assert.match(r.stderr, new RegExp("^glue-unused: expected " + expected.replace(/[()`]/g, "\\$&") + " in "));
        assert.equal(r.out, glue);
    });
}
