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
//   node scripts/minify.js --module FILE…   ES modules (pkg/index.js)
//   node scripts/minify.js --script FILE…   classic scripts (dist/frappe-realtime.js: its
//                                           top-level names stay, `/*! … */` comments too)

import fs from "node:fs";
import { minify } from "terser";

/** Minifies `file` in place; `module`: an ES module (top-level names are its own). */
export async function minifyFile(file, module) {
    const source = fs.readFileSync(file, "utf8");
    const out = await minify(source, {
        module,
        ecma: 2020,
        compress: { passes: 2, inline: 1 },
        mangle: true,
        format: { comments: /^!/ },
    });
    if (typeof out.code !== "string" || out.code.length === 0) {
        throw new Error(`minify: terser returned nothing for ${file}`);
    }
    fs.writeFileSync(file, out.code);
}

const [kind, ...files] = process.argv.slice(2);
if (kind !== "--module" && kind !== "--script") {
    console.error("usage: node scripts/minify.js --module|--script FILE…");
    process.exit(2);
}
for (const f of files) await minifyFile(f, kind === "--module");
