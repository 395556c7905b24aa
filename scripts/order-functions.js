#!/usr/bin/env node
// Orders the module's functions for compression (scripts/build.sh, after wasm-opt and
// exports-last.js).
//
// gzip finds a repeat only within the 32 KB before it, and the code section is twice
// that: two functions that share byte sequences (the same inlined helper, the same
// match over a packet type, the same string building) compress better side by side.
// wasm-opt's --reorder-functions-by-name already puts a Rust module's functions
// together; this goes on from that order by the bytes themselves:
//
//   1. the similarity of two functions is the cosine of their sets of 6-byte sequences
//      (`GRAM`) in the code section;
//   2. a chain: from the first function, each next one is the most similar of those left;
//   3. `PASSES` rounds of local moves: each function is tried just before and just after
//      each of its `NEAR` most similar ones, and a move is kept when the gzip of the
//      function bodies laid out in that order shrinks.
//
// The result is kept only when the whole module then compresses smaller than the input
// (a call's function index changes with the order, and with it the bytes). Deterministic:
// the same input gives the same order (ties go to the earlier function), so the size
// budget holds from one build to the next. The exported functions stay where
// exports-last.js put them, last, in their order (checked: every export names the same
// index as before); the others are ordered before them.
// Measured on the module of 2026-12-04: 31,692 → 31,137 B gzip, 27,897 → 27,629 B brotli
// (the raw size grows by 127 B: some calls get longer function indices). The search takes
// about 30 s, so the order found is cached under the build's target directory, keyed by
// the SHA-256 of the input and of this script.
//
//   node scripts/order-functions.js <module.wasm> [cache-dir]

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import binaryen from "binaryen";
import { exportedFunctions, moveLast, readModule } from "./binaryen-module.js";
import { WasmReader, indexSpace } from "./wasm-reader.js";

/** Bytes per sequence compared (3 to 8 tried: 6 did best). */
const GRAM = 6;
/** Most similar functions each function is tried beside. */
const NEAR = 8;
/** Rounds of local moves (5 rounds over 10 neighbours found 19 B more in twice the time). */
const PASSES = 3;

const [file, cacheDir] = process.argv.slice(2);
if (!file) {
    console.error("usage: node scripts/order-functions.js <module.wasm> [cache-dir]");
    process.exit(2);
}
const fail = (msg) => {
    console.error("order-functions: " + msg);
    process.exit(1);
};

const input = fs.readFileSync(file);
const gzip = (bytes) => zlib.gzipSync(bytes, { level: 9 }).length;

/** The module with the functions named in `order` moved to its end, in that order (given
 *  every defined function: the module's new order). */
function emit(order) {
    const mod = readModule(input);
    for (const name of order) moveLast(mod, name);
    if (!mod.validate()) fail("the reordered module does not validate (binaryen's errors above)");
    const out = mod.emitBinary();
    mod.dispose();
    return out;
}

/** The bodies of the code section, in the order of the defined functions. */
function bodies(bytes) {
    const r = new WasmReader(bytes);
    const out = [];
    for (const { id, start } of r.sections()) {
        if (id !== 10) continue;
        r.pos = start;
        for (let i = 0, n = r.u32(); i < n; i++) {
            const len = r.u32();
            out.push(bytes.subarray(r.pos, r.pos + len));
            r.pos += len;
        }
    }
    return out;
}

// The defined functions in the module's order (the code section's), and the exported ones.
const mod = readModule(input);
const defined = [];
for (let i = 0; i < mod.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(mod.getFunctionByIndex(i));
    if (!info.module) defined.push(info.name);
}
const exported = new Set(exportedFunctions(mod));
mod.dispose();
const code = bodies(input);
if (code.length !== defined.length) fail(`${defined.length} defined functions but ${code.length} bodies`);

// Keyed by the input and this script (its search and constants).
const key = crypto.createHash("sha256").update(input).update(fs.readFileSync(new URL(import.meta.url))).digest("hex");
const cached = cacheDir && path.join(cacheDir, key + ".json");
let order = cached && fs.existsSync(cached) ? JSON.parse(fs.readFileSync(cached, "utf8")) : null;
if (!order) {
    order = search();
    if (cached) {
        fs.mkdirSync(cacheDir, { recursive: true });
        fs.writeFileSync(cached, JSON.stringify(order));
    }
}
// The exported functions after the others, in their order (see exports-last.js).
const out = order.length ? emit([...order, ...defined.filter((name) => exported.has(name))]) : input;
// exports-last.js's layout kept: every export names the same function index as before.
const exportIndices = (bytes) => JSON.stringify(indexSpace(bytes).exports);
if (exportIndices(out) !== exportIndices(input)) fail("the exported functions moved (exports-last.js's order lost)");
const [before, after] = [gzip(input), gzip(out)];
if (after < before) {
    fs.writeFileSync(file, out);
    console.log(`order-functions: ${before} → ${after} B gzip`);
} else console.log(`order-functions: kept the input order (${before} B gzip; reordered ${after})`);

/** The order of the functions that are not exported (their names; none when every
 *  function is). */
function search() {
    const ids = defined.map((_, i) => i).filter((i) => !exported.has(defined[i]));
    if (ids.length === 0) return [];
    const grams = code.map((b) => {
        const s = new Set();
        for (let i = 0; i + GRAM <= b.length; i++) s.add(b.toString("latin1", i, i + GRAM));
        return s;
    });
    /** @type {(a: number, b: number) => number} */
    const sim = (a, b) => {
        const [small, large] = grams[a].size < grams[b].size ? [grams[a], grams[b]] : [grams[b], grams[a]];
        if (small.size === 0) return 0;
        let common = 0;
        for (const g of small) if (large.has(g)) common++;
        return common / Math.sqrt(small.size * large.size);
    };

    // 2. the chain
    const left = new Set(ids.slice(1));
    const chain = [ids[0]];
    while (left.size) {
        const last = chain[chain.length - 1];
        let best = -1;
        let bestSim = -1;
        for (const j of left) {
            const s = sim(last, j);
            if (s > bestSim) [best, bestSim] = [j, s];
        }
        chain.push(best);
        left.delete(best);
    }

    // 3. local moves, judged by the gzip of the bodies in that order
    const near = new Map(
        ids.map((a) => [
            a,
            ids
                .filter((b) => b !== a)
                .map((b) => [sim(a, b), b])
                .sort((x, y) => y[0] - x[0] || x[1] - y[1])
                .slice(0, NEAR)
                .map((x) => x[1]),
        ]),
    );
    const size = (ord) => gzip(Buffer.concat(ord.map((i) => code[i])));
    let best = chain;
    let bestSize = size(best);
    for (let pass = 0; pass < PASSES; pass++) {
        for (const f of ids) {
            // The order without f: the same whichever of f's moves is kept.
            const rest = best.filter((x) => x !== f);
            for (const g of near.get(f)) {
                for (const after of [0, 1]) {
                    const at = rest.indexOf(g) + after;
                    const cand = [...rest.slice(0, at), f, ...rest.slice(at)];
                    const s = size(cand);
                    if (s < bestSize) [best, bestSize] = [cand, s];
                }
            }
        }
    }
    return best.map((i) => defined[i]);
}
