#!/usr/bin/env node
// Takes out of the wasm-bindgen glue the code that never runs for this module (run by
// scripts/build.sh before short-names.js).
//
// 1. Fallbacks for JS engines that cannot run the module anyway. The module needs
//    WebAssembly reference types (its externref table) and multi-value returns: Chrome
//    96, Firefox 79, Safari 15 and later. Every one of those has
//    `TextEncoder.prototype.encodeInto` (Chrome 74, Firefox 66, Safari 14.1) and
//    `FinalizationRegistry` (Chrome 84, Firefox 79, Safari 14.1), so the glue's
//    replacements for them never run: a polyfill of `encodeInto` and, twice, an inert
//    registry used when `FinalizationRegistry` is missing.
// 2. The branch of `passStringToWasm0` for a caller that passes no `realloc`: every
//    call in this glue passes one (checked).
//
// 109 B of gzip less in the bundled glue (measured with and without this step).
//
// Like the other glue scripts this edits wasm-bindgen 0.2.130's output as text; each
// edit is checked first and a mismatch fails the build ("glue-unused: expected …").
//
//   node scripts/glue-unused.js pkg

import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2] || "pkg";
const file = path.join(dir, "frappe_realtime.js");
let text = fs.readFileSync(file, "utf8");

/** @param {boolean} ok @param {string} what */
function expect(ok, what) {
  if (!ok) {
    console.error(`glue-unused: expected ${what} in ${file}`);
    process.exit(1);
  }
}

// `if (!('encodeInto' in cachedTextEncoder)) { cachedTextEncoder.encodeInto = …; }`
const polyfill = /\nif \(!\('encodeInto' in cachedTextEncoder\)\) \{\n[\s\S]*?\n\}\n/;
expect(polyfill.test(text), "the `encodeInto` polyfill");
text = text.replace(polyfill, "\n");

// `(typeof FinalizationRegistry === 'undefined') ? { register…, unregister… } : new …`
const inert = /\(typeof FinalizationRegistry === 'undefined'\)\s*\?\s*\{ register: \(\) => \{\}, unregister: \(\) => \{\} \}\s*:\s*/g;
const registries = text.match(inert)?.length ?? 0;
expect(registries === 2, "two `FinalizationRegistry` fallbacks (found " + registries + ")");
text = text.replace(inert, "");

// `function passStringToWasm0(arg, malloc, realloc) { if (realloc === undefined) {…} …`
const calls = text.match(/passStringToWasm0\(/g)?.length ?? 0;
const withRealloc = text.match(/passStringToWasm0\([^()]*, wasm\.__wbindgen_malloc, wasm\.__wbindgen_realloc\)/g)?.length ?? 0;
expect(calls > 1 && withRealloc === calls - 1, "every call of `passStringToWasm0` to pass `realloc`");
const noRealloc = /(\nfunction passStringToWasm0\(arg, malloc, realloc\) \{\n)    if \(realloc === undefined\) \{\n[\s\S]*?\n    \}\n/;
expect(noRealloc.test(text), "the `realloc === undefined` branch of `passStringToWasm0`");
text = text.replace(noRealloc, "$1");

fs.writeFileSync(file, text);
