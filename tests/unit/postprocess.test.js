// The build's wasm-bindgen post-processing steps (scripts/short-names.js,
// scripts/exports-last.js, scripts/order-functions.js) on small inputs built here: a
// module and a glue in the shape wasm-bindgen 0.2.130 writes (`--target web`), which each
// script must transform correctly, and inputs in other shapes, which must make it fail,
// naming itself and what it expected, without writing anything.
//
//   node --test tests/unit/postprocess.test.js      (needs node_modules: binaryen)

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import binaryen from "binaryen";
import { RUSTC_FEATURES as FEATURES } from "../../scripts/binaryen-module.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SNIPPET = "./snippets/frappe-realtime-0123456789abcdef/src/browser/glue.js";
const BG = "./frappe_realtime_bg.js";
const F = binaryen.Features;
const { i32, f64, none } = binaryen;
const I_HUB = "__wbg_hubNew_aa7b3615ccc1bfbf";
const I_THROW = "__wbg___wbindgen_throw_4c88d8bf264fd984";
const I_INIT = "__wbindgen_init_externref_table";

/** Runs `node scripts/<script> args…`; returns { status, stderr, stdout }. */
function run(script, ...args) {
    const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", script), ...args], { encoding: "utf8" });
    return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** A fresh directory holding `files` (name → contents). */
function dirWith(files) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "postprocess-"));
    for (const [name, data] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), data);
    }
    return dir;
}

/** Imports and exports of wasm `bytes`, with function indices: the parts of the format
 *  both scripts rewrite, read here independently of them. */
function layout(bytes) {
    let pos = 8;
    const u32 = () => {
        let r = 0;
        let shift = 0;
        let b;
        do {
            b = bytes[pos++];
            r += (b & 0x7f) * 2 ** shift;
            shift += 7;
        } while (b & 0x80);
        return r;
    };
    const str = () => {
        const n = u32();
        pos += n;
        return Buffer.from(bytes.subarray(pos - n, pos)).toString("utf8");
    };
    const out = { imports: [], exports: [], defined: 0 };
    assert.equal(Buffer.from(bytes.subarray(0, 4)).toString("latin1"), "\0asm");
    while (pos < bytes.length) {
        const id = bytes[pos++];
        const end = u32() + pos;
        if (id === 2) {
            for (let n = u32(); n > 0; n--) {
                const module = str();
                const field = str();
                const kind = bytes[pos++];
                assert.equal(kind, 0, "the fixtures import functions only");
                u32();
                out.imports.push({ module, field });
            }
        } else if (id === 3) out.defined = u32();
        else if (id === 7) {
            for (let n = u32(); n > 0; n--) {
                const field = str();
                const kind = bytes[pos++];
                out.exports.push({ field, kind, index: u32() });
            }
        }
        pos = end;
    }
    return out;
}

// ---------------------------------------------------------------- short-names fixtures

/** A module shaped like wasm-bindgen 0.2.130's: imports from the glue ("./frappe_realtime_bg.js",
 *  `__wbg_<name>_<hash>` and `__wbindgen_<name>`) and from a snippet (plain names); exports
 *  memory, functions the glue reads, one it does not (`__wbindgen_free`) and the
 *  abort-handler global. `wasmclient_run(x)` = hubNew(x) + trunc(now()). */
function bindgenModule() {
    const m = new binaryen.Module();
    m.setFeatures(FEATURES);
    m.setMemory(1, 1, "memory");
    m.addFunctionImport("hubNew", BG, I_HUB, i32, i32);
    m.addFunctionImport("throw", BG, I_THROW, binaryen.createType([i32, i32]), none);
    m.addFunctionImport("init", BG, I_INIT, none, none);
    m.addFunctionImport("now", SNIPPET, "now", none, f64);
    m.addFunction(
        "run",
        i32,
        i32,
        [],
        m.i32.add(m.call("hubNew", [m.local.get(0, i32)], i32), m.i32.trunc_s.f64(m.call("now", [], f64))),
    );
    m.addFunction("malloc", binaryen.createType([i32, i32]), i32, [], m.i32.const(8));
    m.addFunction("free", binaryen.createType([i32, i32, i32]), none, [], m.nop());
    m.addFunction("start", none, none, [], m.call("init", [], none));
    m.addGlobal("abort", i32, true, m.i32.const(0));
    m.addFunctionExport("run", "wasmclient_run");
    m.addFunctionExport("malloc", "__wbindgen_malloc");
    m.addFunctionExport("free", "__wbindgen_free");
    m.addFunctionExport("start", "__wbindgen_start");
    m.addGlobalExport("abort", "__abort_handler");
    assert.ok(m.validate());
    const bytes = m.emitBinary();
    m.dispose();
    return Buffer.from(bytes);
}

/** The glue, in the shape (and with the phrases) wasm-bindgen 0.2.130 writes, cut down. */
const GLUE = `/* @ts-self-types="./frappe_realtime.d.ts" */
import { hubNew } from '${SNIPPET}';
import * as import1 from "${SNIPPET}"

/**
 * @param {number} x
 * @returns {number}
 */
export function run(x) {
    const ret = wasm.wasmclient_run(x);
    return ret;
}

export function malloc8() {
    return wasm.__wbindgen_malloc(8, 1);
}

function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        ${I_THROW}: function(arg0, arg1) {
            throw new Error(getStringFromWasm0(arg0, arg1));
        },
        ${I_HUB}: function(arg0) {
            const ret = hubNew(arg0);
            return ret;
        },
        ${I_INIT}: function() {
            globalThis.postprocessCalls.push("init");
        },
    };
    return {
        __proto__: null,
        "${BG}": import0,
        "${SNIPPET}": import1,
    };
}

function getStringFromWasm0(ptr, len) {
    return new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, ptr, len));
}

let wasmModule, wasmInstance, wasm;
function __wbg_finalize_init(instance, module) {
    wasmInstance = instance;
    wasm = instance.exports;
    wasmModule = module;
    wasm.__wbindgen_start();
    return wasm;
}

function initSync(module) {
    if (wasm !== undefined) return wasm;
    if (module !== undefined) {
        if (Object.getPrototypeOf(module) === Object.prototype) {
            ({module} = module)
        }
    }
    const imports = __wbg_get_imports();
    if (!(module instanceof WebAssembly.Module)) {
        module = new WebAssembly.Module(module);
    }
    const instance = new WebAssembly.Instance(module, imports);
    return __wbg_finalize_init(instance, module);
}

export { initSync };
`;

const SNIPPET_JS = `export function hubNew(x) {
    globalThis.postprocessCalls.push("hubNew " + x);
    return x + 1;
}
export function now() {
    return 41.9;
}
export function unused() {}
`;

const DTS = `export function run(x: number): number;
export function malloc8(): number;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly wasmclient_run: (a: number) => number;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_start: () => void;
}

export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): InitOutput;
`;

const BG_DTS = `/* tslint:disable */
/* eslint-disable */
export const memory: WebAssembly.Memory;
export const wasmclient_run: (a: number) => number;
export const __wbindgen_malloc: (a: number, b: number) => number;
export const __wbindgen_free: (a: number, b: number, c: number) => void;
export const __wbindgen_start: () => void;
`;

/** A pkg directory as wasm-bindgen 0.2.130 leaves it, with `change` applied to its files. */
function bindgenPkg(change = (files) => files) {
    return dirWith(
        change({
            "frappe_realtime_bg.wasm": bindgenModule(),
            "frappe_realtime.js": GLUE,
            "frappe_realtime.d.ts": DTS,
            "frappe_realtime_bg.wasm.d.ts": BG_DTS,
            [SNIPPET]: SNIPPET_JS,
        }),
    );
}

const read = (dir, name) => fs.readFileSync(path.join(dir, name));

test("short-names: renames imports and exports consistently in the module, the glue and the declarations", async () => {
    const dir = bindgenPkg();
    const r = run("short-names.js", dir);
    assert.equal(r.status, 0, r.stderr);

    const wasm = read(dir, "frappe_realtime_bg.wasm");
    const js = read(dir, "frappe_realtime.js").toString();
    const { imports, exports } = layout(wasm);
    // Every import module and name is short now; the glue's import object has the same keys.
    assert.deepEqual(new Set(imports.map((i) => i.module)), new Set(["a", "b"]));
    for (const { module, field } of imports) {
        assert.match(field, /^[a-zA-Z]{1,2}$/, `import ${module}.${field}`);
        if (module === "a") assert.match(js, new RegExp(`^\\s*${field}: function\\(`, "m"), `glue key ${field}`);
    }
    assert.equal(new Set(imports.map((i) => `${i.module}.${i.field}`)).size, 4);
    // Exports: short, and only those the glue reads (__wbindgen_free and the global are gone).
    assert.equal(exports.length, 4);
    for (const { field } of exports) assert.match(field, /^[a-zA-Z]{1,2}$/);
    assert.doesNotMatch(js, /__wbg_\w+_[0-9a-f]{16}|wasm\.(wasmclient_run|__wbindgen_\w+|memory)\b|import \* as/);
    // The snippet's direct imports come by name, under the short module key.
    assert.match(js, new RegExp(`import \\{ now as \\w+ \\} from "${SNIPPET.replace(/\./g, "\\.")}";`));
    // The declarations name the new exports and nothing dropped.
    const names = exports.map((e) => e.field);
    for (const file of ["frappe_realtime.d.ts", "frappe_realtime_bg.wasm.d.ts"]) {
        const dts = read(dir, file).toString();
        assert.doesNotMatch(dts, /wasmclient_run|__wbindgen_|memory:/, file);
        const declared = [...dts.matchAll(/^\s*(?:readonly|export const) (\w+):/gm)].map((m) => m[1]);
        assert.deepEqual(declared.sort(), [...names].sort(), file);
    }

    // And the two still fit: the rewritten glue instantiates the rewritten module, and a
    // call goes glue → module → glue import → snippet and back.
    globalThis.postprocessCalls = [];
    const glue = await import(pathToFileURL(path.join(dir, "frappe_realtime.js")).href);
    glue.initSync({ module: wasm });
    assert.equal(glue.run(5), 5 + 1 + 41);
    assert.equal(glue.malloc8(), 8);
    assert.deepEqual(globalThis.postprocessCalls, ["init", "hubNew 5"]);
});

/** Each: a change to wasm-bindgen 0.2.130's output, and what the failure must say. */
const MISSHAPEN = [
    {
        what: "imports from a module named `wbg` (wasm-bindgen before 0.2.1xx)",
        change: (f) => {
            const m = binaryen.readBinary(f["frappe_realtime_bg.wasm"]);
            m.setFeatures(FEATURES);
            m.addFunctionImport("other", "wbg", "__wbg_other_0123456789abcdef", none, none);
            m.addFunction("callsOther", none, none, [], m.call("other", [], none));
            m.addFunctionExport("callsOther", "callsOther");
            f["frappe_realtime_bg.wasm"] = Buffer.from(m.emitBinary());
            m.dispose();
            return f;
        },
        message: /^short-names: expected every import of the module to come from "\.\/frappe_realtime_bg\.js" or "\.\/snippets\/…"; found an import from "wbg"/,
    },
    {
        what: "an export read as wasm[…]",
        change: (f) => ({ ...f, "frappe_realtime.js": GLUE.replace("wasm.wasmclient_run(x)", 'wasm["wasmclient_run"](x)') }),
        message: /^short-names: expected the glue to read export wasmclient_run as `wasm\.wasmclient_run` \(or not at all\); found 1 other mention/,
    },
    {
        what: "import names without `__wbg_` and hash",
        change: (f) => {
            const m = binaryen.readBinary(f["frappe_realtime_bg.wasm"]);
            m.setFeatures(FEATURES);
            m.addFunctionImport("plain", BG, "hubFast", none, none);
            m.addFunction("callsPlain", none, none, [], m.call("plain", [], none));
            m.addFunctionExport("callsPlain", "callsPlain");
            f["frappe_realtime_bg.wasm"] = Buffer.from(m.emitBinary());
            m.dispose();
            return f;
        },
        message: /^short-names: expected the glue to import from "\.\/frappe_realtime_bg\.js" with `__wbg_<name>_<16 hex>` or `__wbindgen_<name>` import names; found "hubFast"/,
    },
    {
        what: "an import key quoted in the glue",
        change: (f) => ({ ...f, "frappe_realtime.js": GLUE.replace(`${I_HUB}: function`, `"${I_HUB}": function`) }),
        message: new RegExp(`^short-names: expected import ${I_HUB} once in the glue, as a key of its import object .*; found 1 occurrence\\(s\\), not as such a key`),
    },
    {
        what: "the imports object built elsewhere than __wbg_get_imports",
        change: (f) => ({ ...f, "frappe_realtime.js": GLUE.replace("function __wbg_get_imports()", "function getImports()") }),
        message: /^short-names: expected the glue to build the module's imports in `function __wbg_get_imports\(`; found no such function/,
    },
    {
        what: "the exports held under another name",
        change: (f) => ({ ...f, "frappe_realtime.js": GLUE.replace("wasm = instance.exports;", "wasm = instance.exports.default;") }),
        message: /^short-names: expected the glue to hold the module's exports as `wasm = instance\.exports;`; found no such line/,
    },
    {
        what: "a snippet imported other than as a namespace",
        change: (f) => ({ ...f, "frappe_realtime.js": GLUE.replace(`import * as import1 from "${SNIPPET}"`, `const import1 = await import("${SNIPPET}");`) }),
        message: /^short-names: expected ".*glue\.js" imported as `import \* as importN from ".*"` lines, each the value of one ".*" key; found 0 such import\(s\)/,
    },
    {
        what: "declarations in another form",
        change: (f) => ({ ...f, "frappe_realtime_bg.wasm.d.ts": BG_DTS.replace(/export const (\w+):/g, "export declare const $1:") }),
        message: /^short-names: expected frappe_realtime_bg\.wasm\.d\.ts to declare every export on its own line .*; found no declaration of memory, wasmclient_run/,
    },
    {
        what: "no declarations file",
        change: (f) => {
            delete f["frappe_realtime.d.ts"];
            return f;
        },
        message: /^short-names: expected frappe_realtime\.d\.ts in .* \(wasm-bindgen --target web\); found no such file/,
    },
];

for (const { what, change, message } of MISSHAPEN) {
    test(`short-names: fails, naming itself, on ${what}, and writes nothing`, () => {
        const dir = bindgenPkg(change);
        const before = Object.fromEntries(fs.readdirSync(dir).filter((n) => n.includes(".")).map((n) => [n, read(dir, n)]));
        const r = run("short-names.js", dir);
        assert.equal(r.status, 1, `exit status; stdout: ${r.stdout}`);
        assert.match(r.stderr.trim(), message);
        for (const [name, bytes] of Object.entries(before)) assert.deepEqual(read(dir, name), bytes, `${name} unchanged`);
    });
}

// ---------------------------------------------------------------- exports-last

/** A module as wasm-opt leaves it: exported functions among the others (here every
 *  other one), calling each other and an import; `exports` of them. */
function optimisedModule(exports = 3, change = () => {}) {
    const m = new binaryen.Module();
    m.setFeatures(FEATURES);
    m.setMemory(1, 1, "a");
    m.addFunctionImport("imp", "a", "a", i32, i32);
    for (let i = 0; i < exports; i++) {
        // helper i: imp(x) + i; exported i: helper i (x) * 2 + i.
        m.addFunction(`h${i}`, i32, i32, [], m.i32.add(m.call("imp", [m.local.get(0, i32)], i32), m.i32.const(i)));
        m.addFunction(`e${i}`, i32, i32, [], m.i32.add(m.i32.mul(m.call(`h${i}`, [m.local.get(0, i32)], i32), m.i32.const(2)), m.i32.const(i)));
        m.addFunctionExport(`e${i}`, `x${i}`);
    }
    m.addFunction("tail", none, i32, [], exports ? m.call("h0", [m.i32.const(1)], i32) : m.i32.const(1));
    change(m);
    assert.ok(m.validate());
    const bytes = Buffer.from(m.emitBinary());
    m.dispose();
    return bytes;
}

/** Each exported function's result for a few inputs, the import being `x + 100`. */
function results(bytes) {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { a: { a: (x) => x + 100 } });
    return Object.fromEntries(
        Object.entries(exports)
            .filter(([, v]) => typeof v === "function")
            .map(([k, f]) => [k, [0, 1, 7].map((x) => f(x))]),
    );
}

test("exports-last: exported functions end up last, at consecutive indices in export order, doing the same", () => {
    const input = optimisedModule(3);
    const before = layout(input);
    const total = before.imports.length + before.defined;
    const lastIndices = (l) => l.exports.filter((e) => e.kind === 0).map((e) => e.index);
    // The fixture is not already in the wanted order.
    assert.notDeepEqual(lastIndices(before), [total - 3, total - 2, total - 1]);
    const dir = dirWith({ "m.wasm": input });
    const r = run("exports-last.js", path.join(dir, "m.wasm"));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /exports-last: 3 exported functions moved/);
    const output = read(dir, "m.wasm");
    const after = layout(output);
    assert.equal(after.imports.length + after.defined, total);
    assert.deepEqual(
        after.exports.filter((e) => e.kind === 0).map((e) => e.field),
        ["x0", "x1", "x2"],
    );
    assert.deepEqual(lastIndices(after), [total - 3, total - 2, total - 1]);
    assert.deepEqual(results(output), results(input));
});

const MISSHAPEN_MODULES = [
    {
        what: "a module without exported functions",
        bytes: () => optimisedModule(0),
        message: /^exports-last: expected between 1 and 127 exported functions of the module's own; found 0$/m,
    },
    {
        what: "a module exporting 128 functions",
        bytes: () => optimisedModule(128),
        message: /^exports-last: expected between 1 and 127 exported functions of the module's own; found 128$/m,
    },
    {
        what: "a module using a feature rustc does not emit for wasm32 (SIMD)",
        bytes: () =>
            optimisedModule(1, (m) => {
                m.setFeatures(FEATURES | F.SIMD128);
                m.addFunction("simd", none, binaryen.v128, [], m.v128.const(new Array(16).fill(0)));
            }),
        message: /^exports-last: expected a module that validates with rustc's wasm32 features \(binaryen's errors above\); found one that does not$/m,
    },
    {
        what: "bytes that are not a wasm module",
        bytes: () => Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 0, 99]),
        message: /^exports-last: expected a wasm module binaryen\.js can read \(.*\); found /m,
    },
];

for (const { what, bytes, message } of MISSHAPEN_MODULES) {
    test(`exports-last: fails, naming itself, on ${what}, and writes nothing`, () => {
        const input = bytes();
        const dir = dirWith({ "m.wasm": input });
        const r = run("exports-last.js", path.join(dir, "m.wasm"));
        assert.equal(r.status, 1, `exit status; stdout: ${r.stdout}`);
        assert.match(r.stderr, message);
        assert.deepEqual(read(dir, "m.wasm"), input);
    });
}

// ---------------------------------------------------------------- order-functions

/** A module whose like functions lie farther apart than gzip's 32 KB window: `a0`, then
 *  `x` of ~35 KB of numbers no other function repeats, then `a1` of a0's pattern, and the
 *  exported `e0`, `e1` last (as exports-last.js leaves them), which call `a1` and `x`. */
function farApartModule() {
    const m = new binaryen.Module();
    m.setFeatures(FEATURES);
    let seed = 1;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed);
    // f(x) = x + the sum of `terms`, one local update per term (flat: no deep nesting)
    const sum = (terms) =>
        m.block(null, [...terms.map((t) => m.local.set(0, m.i32.add(m.local.get(0, i32), m.i32.const(t)))), m.local.get(0, i32)], i32);
    const pattern = Array.from({ length: 400 }, (_, k) => k * 7919);
    m.addFunction("a0", i32, i32, [], sum([...pattern, 0]));
    m.addFunction("x", i32, i32, [], sum(Array.from({ length: 3500 }, random)));
    m.addFunction("a1", i32, i32, [], sum([...pattern, 1]));
    m.addFunction("e0", i32, i32, [], m.call("a1", [m.local.get(0, i32)], i32));
    m.addFunction("e1", i32, i32, [], m.call("x", [m.local.get(0, i32)], i32));
    m.addFunctionExport("e0", "e0");
    m.addFunctionExport("e1", "e1");
    assert.ok(m.validate());
    const bytes = Buffer.from(m.emitBinary());
    m.dispose();
    return bytes;
}

test("order-functions: like functions side by side, exports where they were, the same results, cached", () => {
    const input = farApartModule();
    const gzip = (b) => zlib.gzipSync(b, { level: 9 }).length;
    const dir = dirWith({ "m.wasm": input, "n.wasm": input });
    const cache = path.join(dir, "cache");
    const r = run("order-functions.js", path.join(dir, "m.wasm"), cache);
    assert.equal(r.status, 0, r.stderr);
    const output = read(dir, "m.wasm");
    // a1 now follows a0: its copy of the pattern costs next to nothing.
    assert.ok(gzip(output) < gzip(input) - 500, `gzip ${gzip(input)} → ${gzip(output)}`);
    assert.match(r.stdout, new RegExp(`order-functions: ${gzip(input)} → ${gzip(output)} B gzip`));
    assert.deepEqual(layout(output).exports, layout(input).exports);
    assert.deepEqual(results(output), results(input));
    // Cached: the same order again, from the cache file; without a cache: found again, the same.
    assert.equal(fs.readdirSync(cache).length, 1);
    assert.equal(run("order-functions.js", path.join(dir, "n.wasm")).status, 0);
    assert.deepEqual(read(dir, "n.wasm"), output);
    fs.writeFileSync(path.join(dir, "m.wasm"), input);
    const again = run("order-functions.js", path.join(dir, "m.wasm"), cache);
    assert.equal(again.stdout, r.stdout);
    assert.deepEqual(read(dir, "m.wasm"), output);
});
