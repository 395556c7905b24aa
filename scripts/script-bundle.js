// One classic <script> file of the package, by esbuild: a minified IIFE with the wasm
// module inlined (the `.wasm` import as bytes, base64 in the file, handed to
// setWasmSource), so it works from any path and fetches no `.wasm`. Used by
// scripts/build-dist.sh (dist/frappe-realtime.js) and by tests/upstream/bench-herd.js
// (frappe-realtime/socket.io-client as an SPA's bundler includes it by the alias).
//
//   node scripts/script-bundle.js <entry> <globalName> <outfile> [<banner>]
//
// Shared mode (www/shared.js, a SharedWorker script and the ESM files it imports) is not
// part of such a file: `shared: true` there falls back to a connection per tab
// (www/client.js), and the import stays out of the bundle. The wasm-bindgen glue has
// `new URL("…_bg.wasm", import.meta.url)` for the case where no module source is given;
// setWasmSource always gives the bytes here, so that branch never runs and esbuild's
// warning about an empty import.meta in an IIFE is silenced.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Bundles `entry` (a path, or `{contents, resolveDir}` for source text) into the IIFE
 * `outfile` whose exports are `globalName`; `define` and `banner` as esbuild's.
 */
export async function scriptBundle({ entry, globalName, outfile, define = {}, banner }) {
    const esbuild = await import("esbuild");
    const input = typeof entry === "string" ? { entryPoints: [entry] } : { stdin: entry };
    await esbuild.build({
        ...input,
        bundle: true,
        format: "iife",
        globalName,
        platform: "browser",
        target: "es2020",
        minify: true,
        loader: { ".wasm": "binary" },
        external: ["./shared.js"],
        define,
        logOverride: { "empty-import-meta": "silent" },
        legalComments: "none",
        banner: banner ? { js: banner } : undefined,
        outfile,
        logLevel: "warning",
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const [entry, globalName, outfile, banner] = process.argv.slice(2);
    if (!outfile) {
        console.error("usage: node scripts/script-bundle.js <entry> <globalName> <outfile> [<banner>]");
        process.exit(2);
    }
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    await scriptBundle({
        entry,
        globalName,
        outfile,
        define: { __FRAPPE_REALTIME_VERSION__: JSON.stringify(version) },
        banner,
    });
}
