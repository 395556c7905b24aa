#!/usr/bin/env node
// Makes the wasm-bindgen glue able to start the module again, as a fresh instance
// ("generation"), after a trap (run by scripts/build.sh after short-names.js, before
// esbuild).
//
// wasm-bindgen's glue keeps its state at module level: the instance's exports (`wasm`),
// the views of its memory, the externref table, the FinalizationRegistries of objects
// and closures. A trap (out of memory, a bug) leaves that instance in an unknown state
// (a RefCell borrowed, the allocator mid-update), and `init` will not instantiate again
// once `wasm` is set. This script wraps everything in the glue but its imports in a
// function, `glue()`, so every call gives a private copy of that state:
//
//   - the package's exports are those of the first copy, unchanged (`default` init,
//     `initSync`, `WasmClient`, …);
//   - `generation()` makes another copy and instantiates it synchronously from the first
//     copy's compiled WebAssembly.Module (no fetch, no compile), returning its exports
//     and `end()`;
//   - `end()` retires a copy: its `wasm` becomes an inert stand-in, so a late callback
//     of the old copy (a FinalizationRegistry freeing an object, a closure called after
//     its client moved on) does nothing instead of running on a broken instance, and the
//     old instance and its memory become garbage.
//
// www/client.js decides when (see `renew` there). Like short-names.js this edits
// wasm-bindgen 0.2.130's output as text; what it assumes is checked first and a mismatch
// fails the build ("glue-generations: expected …"):
//
//   1. the glue's imports are `import … from "<path>";` lines (one statement per line);
//   2. its exports are `export class <Name>`, `export function <name>` and one final
//      `export { initSync, __wbg_init as default };`;
//   3. it keeps the instance in `let wasmModule, wasmInstance, wasm;`;
//   4. its loader is the four functions listed at `LOADER`, and `let __wbg_init_promise;`.
//
//   node scripts/glue-generations.js pkg

import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2] || "pkg";
const file = path.join(dir, "frappe_realtime.js");
const dts = path.join(dir, "frappe_realtime.d.ts");
const src = fs.readFileSync(file, "utf8");

/** @param {boolean} ok @param {string} what */
function expect(ok, what) {
  if (!ok) {
    console.error(`glue-generations: expected ${what} in ${file}`);
    process.exit(1);
  }
}

// wasm-bindgen's loader (`__wbg_load`, `initSync`, `__wbg_init`, `__wbg_init_once`):
// replaced by a smaller one below that accepts the same inputs (a URL or string, a
// Request, a Response, bytes, a compiled WebAssembly.Module, or a promise of one, as
// `{module_or_path}` / `{module}`); what a failed fetch or a non-wasm Content-Type does
// is said where it happens. Each is a top-level function ending at a line `}`.
const LOADER = ["async function __wbg_load(", "function initSync(", "async function __wbg_init(", "async function __wbg_init_once("];
let text = src;
for (const head of LOADER) {
  const at = text.indexOf("\n" + head);
  expect(at >= 0, "`" + head + "` at the start of a line");
  const end = text.indexOf("\n}\n", at);
  expect(end > at, "the end of `" + head + "`");
  text = text.slice(0, at) + text.slice(end + 2);
}
expect(text.includes("\nlet __wbg_init_promise;\n"), "`let __wbg_init_promise;`");
text = text.replace("\nlet __wbg_init_promise;\n", "\n");
const loader = `
// The argument as wasm-bindgen takes it: \`{key: value}\`, or the value itself.
const arg = (o, key) => (o && Object.getPrototypeOf(o) === Object.prototype ? o[key] : o);

function initSync(o) {
    if (wasm !== undefined) return wasm;
    let module = arg(o, "module");
    if (!(module instanceof WebAssembly.Module)) module = new WebAssembly.Module(module);
    return __wbg_finalize_init(new WebAssembly.Instance(module, __wbg_get_imports()), module);
}

let loading;
function __wbg_init(o) {
    return wasm !== undefined ? Promise.resolve(wasm) : loading || (loading = load(o).catch((e) => {
        loading = undefined;
        throw e;
    }));
}

async function load(o) {
    let source = await (arg(o, "module_or_path") ?? new URL("frappe_realtime_bg.wasm", import.meta.url));
    if (typeof source == "string" || source instanceof URL || (typeof Request == "function" && source instanceof Request)) source = await fetch(source);
    const imports = __wbg_get_imports();
    let out;
    if (typeof Response == "function" && source instanceof Response) {
        if (!source.ok) throw new Error("frappe-realtime: cannot fetch the wasm module: HTTP " + source.status + " " + source.url);
        // Streaming compiles while it downloads, but needs Content-Type application/wasm.
        out = await (source.headers.get("Content-Type") == "application/wasm"
            ? WebAssembly.instantiateStreaming(source, imports)
            : WebAssembly.instantiate(await source.arrayBuffer(), imports));
    } else {
        out = await WebAssembly.instantiate(source, imports);
        if (out instanceof WebAssembly.Instance) out = { instance: out, module: source };
    }
    return __wbg_finalize_init(out.instance, out.module);
}
`;
text += loader;
const lines = text.split("\n");
const imports = [];
const body = [];
const names = [];
let finalExport = false;
for (const line of lines) {
  if (/^import .* from ["'][^"']+["'];?\s*$/.test(line)) {
    imports.push(line);
    continue;
  }
  const m = /^export (class|function) (\w+)/.exec(line);
  if (m) {
    names.push(m[2]);
    body.push(line.slice("export ".length));
    continue;
  }
  if (line.trim() === "export { initSync, __wbg_init as default };") {
    finalExport = true;
    continue;
  }
  expect(!/^\s*export\b/.test(line), `no other export (found: ${line.trim()})`);
  expect(!/^\s*import\b/.test(line), `single-line imports (found: ${line.trim()})`);
  body.push(line);
}
expect(finalExport, "`export { initSync, __wbg_init as default };`");
expect(names.includes("WasmClient"), "`export class WasmClient`");
expect(/^let wasmModule, wasmInstance, wasm;$/m.test(src), "`let wasmModule, wasmInstance, wasm;`");

const own = [...names, "initSync", "__wbg_init"];
const out = `${imports.join("\n")}

// A stand-in for a retired instance's exports: any property is itself, any call
// returns undefined (see scripts/glue-generations.js).
const DEAD = new Proxy(function () {}, { get: () => DEAD, apply: () => undefined });

function glue() {
${body.join("\n")}
return {
  ${own.join(",\n  ")},
  module: () => wasmModule,
  end() {
    wasm = DEAD;
    wasmInstance = wasmModule = undefined;
    cachedDataViewMemory0 = cachedUint8ArrayMemory0 = null;
  },
};
}

const first = glue();
${names.map((n) => `export const ${n} = first.${n};`).join("\n")}
export const initSync = first.initSync;
export default first.__wbg_init;

/** Retires the first copy's instance (after a trap; see the top of scripts/glue-generations.js). */
export const endFirst = first.end;

/** The compiled module, kept from the first copy (make a generation before ending the old). */
let compiled;

/** A fresh copy of the glue, its instance made from the first copy's compiled module. */
export function generation() {
  compiled = compiled || first.module();
  const g = glue();
  g.initSync({ module: compiled });
  return g;
}
`;
fs.writeFileSync(file, out);

const decl = `
/** A fresh copy of the glue with its own instance of the module (after a trap). */
export function generation(): {
  WasmClient: typeof WasmClient;
  end(): void;
};
/** Retires the first instance. */
export function endFirst(): void;
`;
fs.appendFileSync(dts, decl);
