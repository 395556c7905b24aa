#!/usr/bin/env node
// Takes out of the wasm-bindgen glue the fallbacks for JS engines that cannot run the
// module anyway (run by scripts/build.sh before short-names.js).
//
// The module needs WebAssembly reference types (its externref table) and multi-value
// returns: Chrome 96, Firefox 79, Safari 15 and later. Every one of those has
// `TextEncoder.prototype.encodeInto` (Chrome 74, Firefox 66, Safari 14.1) and
// `FinalizationRegistry` (Chrome 84, Firefox 79, Safari 14.1), so the glue's
// replacements for them never run: a polyfill of `encodeInto` and, twice, an inert
// registry used when `FinalizationRegistry` is missing: 68 B of gzip in the bundled glue
// (measured with and without this step).
//
// Like the other glue scripts this edits wasm-bindgen 0.2.130's output as text; each
// edit is checked first and a mismatch fails the build ("glue-baseline: expected …").
//
//   node scripts/glue-baseline.js pkg

import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2] || "pkg";
const file = path.join(dir, "frappe_realtime.js");
let text = fs.readFileSync(file, "utf8");

/** @param {boolean} ok @param {string} what */
function expect(ok, what) {
  if (!ok) {
    console.error(`glue-baseline: expected ${what} in ${file}`);
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

fs.writeFileSync(file, text);
