#!/usr/bin/env node
// The size budget (`npm test`, after the build): fails when the gzip total of the shipped
// files exceeds size-budget.json's `gzipBytes`. gzip is zlib level 9 per file, summed
// (each file is fetched on its own). Lower the budget as the package shrinks; never raise
// it without saying why in CHANGELOG.md.
//
//   node scripts/size-budget.js            check (exit 1 when over budget or a file is missing)
//   node scripts/size-budget.js --json     the figures as JSON
//   node scripts/size-budget.js --files F…  raw / gzip / brotli of the files F (the build's printout)

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** What a page loads when it imports the package ("frappe-realtime", package.json's "."):
 *  the ESM entry pkg/index.js (the facade, RealtimeClient and the wasm-bindgen glue in one
 *  module, scripts/bundle-esm.js), the wasm module, and any wasm-bindgen snippet a build
 *  leaves beside them (none today: build.sh bundles them into the glue). The modules
 *  the entry imports on demand only (www/shared.js for `shared: true`, www/diagnose.js
 *  for `debug: "debug"`) are not what a page loads otherwise, and are not counted. */
export const SHIPPED = [
    "pkg/frappe_realtime_bg.wasm",
    "pkg/index.js",
    "pkg/snippets/**/*.js",
];

function walk(dir) {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? walk(p) : [p];
    });
}

/** The shipped files, relative to the repository root (the snippets pattern expanded).
 *  `pkgDir` (absolute) reads the wasm package from another build, e.g. for A/B benchmarks;
 *  its files keep their `pkg/…` names. */
export function SHIPPED_FILES(pkgDir = path.join(ROOT, "pkg")) {
    return SHIPPED.flatMap((entry) => {
        const inPkg = entry.startsWith("pkg/");
        const abs = (rel) => (inPkg ? path.join(pkgDir, rel.slice(4)) : path.join(ROOT, rel));
        if (!entry.includes("*")) return [{ file: entry, abs: abs(entry) }];
        const dir = entry.slice(0, entry.indexOf("*")).replace(/\/$/, "");
        return walk(abs(dir))
            .filter((f) => f.endsWith(".js"))
            .sort()
            .map((f) => ({ file: path.join(dir, path.relative(abs(dir), f)), abs: f }));
    });
}

/** Raw, gzip (zlib level 9) and brotli (quality 11) bytes of one file: the one measure
 *  behind every size figure (this budget, the build's printout, the benchmark). */
export function fileSizes(abs) {
    const buf = fs.readFileSync(abs);
    return {
        raw: buf.length,
        gzip: zlib.gzipSync(buf, { level: 9 }).length,
        brotli: zlib.brotliCompressSync(buf, {
            params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
        }).length,
    };
}

export function measure() {
    const files = SHIPPED_FILES().map(({ file, abs }) => {
        if (!fs.existsSync(abs)) return { file, missing: true, raw: 0, gzip: 0 };
        const { raw, gzip } = fileSizes(abs);
        return { file, raw, gzip };
    });
    return {
        files,
        raw: files.reduce((a, f) => a + f.raw, 0),
        gzip: files.reduce((a, f) => a + f.gzip, 0),
    };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const budgetFile = path.join(ROOT, "size-budget.json");
    const budget = JSON.parse(fs.readFileSync(budgetFile, "utf8")).gzipBytes;
    const listed = process.argv.indexOf("--files");
    if (listed >= 0) {
        // The build's printout: these files, each on its own line.
        const kb = (n) => (n / 1024).toFixed(1) + " KB";
        for (const file of process.argv.slice(listed + 1)) {
            const z = fileSizes(file);
            const b = (n) => String(n).padStart(8) + " B";
            console.log(`${file.padEnd(32)} ${b(z.raw)} raw ${b(z.gzip)} gzip ${b(z.brotli)} brotli  (${kb(z.raw)} / ${kb(z.gzip)} / ${kb(z.brotli)})`);
        }
        process.exit(0);
    }
    const m = measure();
    if (process.argv.includes("--json")) {
        console.log(JSON.stringify({ budget, ...m }, null, 2));
        process.exit(0);
    }
    for (const f of m.files) {
        console.log(`${f.file.padEnd(64)} ${f.missing ? "MISSING" : `${String(f.raw).padStart(8)} B raw ${String(f.gzip).padStart(7)} B gzip`}`);
    }
    const missing = m.files.filter((f) => f.missing);
    console.log(`${"total".padEnd(64)} ${String(m.raw).padStart(8)} B raw ${String(m.gzip).padStart(7)} B gzip (budget ${budget} B)`);
    if (missing.length) {
        console.error("size budget: shipped files missing (run npm run build):", missing.map((f) => f.file).join(", "));
        process.exit(1);
    }
    if (m.gzip > budget) {
        console.error(`size budget: FAILED: ${m.gzip} B gzip > ${budget} B (size-budget.json). Shrink it, or raise the budget and say why in CHANGELOG.md.`);
        process.exit(1);
    }
    console.log(`size budget: ok, ${budget - m.gzip} B under`);
}
