#!/usr/bin/env node
// The last step of every shipped JS file: terser over what esbuild bundled and minified.
// esbuild bundles (it resolves imports, inlines the wasm for the script-tag file) and
// minifies fast; terser then compresses in two passes and names the variables by how
// often they occur, which gzip rewards: pkg/index.js 10,927 → 10,513 B gzip (measured
// with the budget's measure, scripts/size-budget.js; a third pass changes nothing), and
// 25 B less with `inline: 1` (only simple functions inlined into their callers; levels 0,
// 2 and 3 measured larger; V8 still inlines at run time). Only
// terser's safe transformations are on: none of its `unsafe*` options, which assume
// things about the code (e.g. that no function is called with `new`).
//
// `--bundle`: the file holds every module that touches its objects' internal properties
// (named `_x`: `_queue`, `_ls`, DeskRooms' `_parkedDocs`, …, and the wasm-bindgen glue's
// `__wbg_ptr`), so terser renames those too (pkg/index.js: −88 B gzip for the `_x`
// names, −62 B more with DeskRooms' fields named so and the glue's three). True of
// pkg/index.js and the script-tag file: the modules they load on demand
// (www/shared.js, www/diagnose.js) reach their objects through public names only
// (`on`, `emit`, `subscribe`, the Listeners' `add` / `off` / `get` / `event` / `self` /
// `watch`, …). Other `__x` names (`__proto__`, Desk's `__unsaved`), `_placeholder`
// (Socket.IO's binary placeholder, on the wire) and `_wasm` (see INTERNAL) are left
// alone. Not for pkg/frappe_realtime.js, which www/client.js imports unbundled.
//
//   node scripts/minify.js --module [--bundle] FILE…   ES modules (pkg/index.js)
//   node scripts/minify.js --script [--bundle] FILE…   classic scripts (dist/frappe-realtime.js:
//                                                      top-level names stay, `/*! … */` comments too)

import fs from "node:fs";
import { pathToFileURL } from "node:url";
import { minify } from "terser";

/** The internal properties `--bundle` renames: `_` and a lower-case letter, and the
 *  wasm-bindgen glue's own `__wbg_ptr`, `__wbg_init` and `__destroy_into_raw`; not
 *  `_placeholder` (on the wire) nor RealtimeClient's `_wasm`, through which
 *  tests/e2e/hostile.test.js re-enters the WasmClient to force a trap. */
export const INTERNAL = { regex: /^(_[a-z]|__wbg_(ptr|init)$|__destroy_into_raw$)/, reserved: ["_placeholder", "_wasm"] };

/** Minifies `file` in place; `module`: an ES module (top-level names are its own);
 *  `bundle`: internal properties renamed too (see above). */
export async function minifyFile(file, module, bundle = false) {
    const source = fs.readFileSync(file, "utf8");
    const out = await minify(source, {
        module,
        ecma: 2020,
        compress: { passes: 2, inline: 1 },
        mangle: bundle ? { properties: INTERNAL } : true,
        format: { comments: /^!/ },
    });
    if (typeof out.code !== "string" || out.code.length === 0) {
        throw new Error(`minify: terser returned nothing for ${file}`);
    }
    fs.writeFileSync(file, out.code);
}

// Run as a command (not when imported, as by tests/unit/minify.test.js).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    const [kind, ...rest] = process.argv.slice(2);
    const bundle = rest[0] === "--bundle";
    const files = bundle ? rest.slice(1) : rest;
    if ((kind !== "--module" && kind !== "--script") || files.length === 0) {
        console.error("usage: node scripts/minify.js --module|--script [--bundle] FILE…");
        process.exit(2);
    }
    for (const f of files) await minifyFile(f, kind === "--module", bundle);
}
