#!/usr/bin/env node
// Builds pkg/index.js, the package's ESM entry ("." in package.json): www/index.js with
// everything it imports statically (the facade, RealtimeClient, the wasm-bindgen glue)
// in one minified module. A page that imports the package then fetches one module and
// the wasm, instead of a chain of four modules each found only once the one before it
// has loaded (measured in docs/benchmarks.md: one level less before the wasm fetch, and
// 13.4 → 9.4 KB gzip of JS).
//
// The file sits in pkg/ beside the wasm, so the glue's `new URL("…_bg.wasm",
// import.meta.url)` still finds it. Shared mode and the debug log's room diagnostics stay
// out of the bundle: client.js loads www/shared.js, frappe-realtime.js www/diagnose.js,
// on demand only, and here those imports point at ../www/.
// www/ keeps the readable sources (the script-tag build and `frappe-realtime/www/*`
// imports use them). scripts/minify.js then minifies it once more (terser).
//
//   node scripts/bundle-esm.js        (run by scripts/build.sh after the glue is built)

import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The modules the sources load on demand only (client.js's `import("./shared.js")`,
 *  frappe-realtime.js's `import("./diagnose.js")`): left out of the bundle, and found
 *  from pkg/index.js in ../www/. */
const ON_DEMAND = ["shared.js", "diagnose.js"];
const onDemand = {
  name: "on-demand",
  setup(build) {
    build.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) => {
      const name = args.path.slice(2);
      if (!ON_DEMAND.includes(name)) return undefined;
      if (args.kind !== "dynamic-import") throw new Error(`bundle-esm: ${name} must only be imported dynamically`);
      return { path: `../www/${name}`, external: true };
    });
  },
};

await esbuild.build({
  entryPoints: [path.join(ROOT, "www/index.js")],
  outfile: path.join(ROOT, "pkg/index.js"),
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2020",
  legalComments: "none",
  plugins: [onDemand],
  logLevel: "warning",
});
