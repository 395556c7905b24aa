#!/usr/bin/env node
// Builds pkg/index.js, the package's ESM entry ("." in package.json): www/index.js with
// everything it imports statically (the facade, RealtimeClient, the wasm-bindgen glue)
// in one minified module. A page that imports the package then fetches one module and
// the wasm, instead of a chain of four modules each found only once the one before it
// has loaded (measured in docs/benchmarks.md: one level less before the wasm fetch, and
// 13.4 → 9.4 KB gzip of JS).
//
// The file sits in pkg/ beside the wasm, so the glue's `new URL("…_bg.wasm",
// import.meta.url)` still finds it. Shared mode stays out of the bundle: client.js loads
// www/shared.js on demand only, and here that import points at ../www/shared.js.
// www/ keeps the readable sources (the script-tag build and `frappe-realtime/www/*`
// imports use them). scripts/minify.js then minifies it once more (terser).
//
//   node scripts/bundle-esm.js        (run by scripts/build.sh after the glue is built)

import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** client.js's `import("./shared.js")`, relative to pkg/index.js. */
const sharedOnDemand = {
  name: "shared-on-demand",
  setup(build) {
    build.onResolve({ filter: /^\.\/shared\.js$/ }, (args) => {
      if (args.kind !== "dynamic-import") throw new Error("bundle-esm: shared.js must only be imported dynamically");
      return { path: "../www/shared.js", external: true };
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
  plugins: [sharedOnDemand],
  logLevel: "warning",
});
