#!/usr/bin/env node
// Shortens the names by which the wasm module and its wasm-bindgen JS glue know each
// other, in both files at once (run by scripts/build.sh right after wasm-bindgen, before
// wasm-opt and esbuild):
//
//   - the glue's imports (`__wbg_hubNew_aa7b3615ccc1bfbf`, …: a hash per name) become
//     `a`, `b`, …; their modules (`./frappe_realtime_bg.js`, `./snippets/<hash>/…/glue.js`)
//     become `a` and `b`;
//   - the module's exports (`wasmclient_new`, `__wbindgen_malloc`, …) become short names
//     too; those the glue never reads (wasm-bindgen's abort-handler globals) are dropped,
//     so wasm-opt can remove what only they kept alive.
//
// Each name is stored twice (in the wasm and in the JS), with a 16-hex-digit hash that
// does not compress: ~1.5 KB of gzip in all. wasm-bindgen has no option for this, and
// wasm-opt's --minify-imports-and-exports leaves these imports alone.
//
// It refuses (exit 1) rather than guess: every import must be found exactly once as a key
// of the glue's import object, every export the glue reads must be read as `wasm.<name>`,
// and no long name may remain in the glue afterwards. The TypeScript declarations of the
// raw exports (`InitOutput`, `frappe_realtime_bg.wasm.d.ts`) are rewritten to match.
//
//   node scripts/short-names.js <pkg dir>

import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2];
if (!dir) {
    console.error("usage: short-names.js <pkg dir>");
    process.exit(2);
}
const fail = (m) => {
    console.error("short-names: " + m);
    process.exit(1);
};
const wasmFile = path.join(dir, "frappe_realtime_bg.wasm");
const jsFile = path.join(dir, "frappe_realtime.js");
const dtsFiles = [path.join(dir, "frappe_realtime.d.ts"), path.join(dir, "frappe_realtime_bg.wasm.d.ts")];

// ------------------------------------------------------------------ wasm reading/writing

const bytes = fs.readFileSync(wasmFile);
let pos = 0;
const u32 = () => {
    let r = 0;
    let shift = 0;
    let b;
    do {
        b = bytes[pos++];
        r += (b & 0x7f) * 2 ** shift;
        shift += 7;
    } while (b & 0x80);
    return r;
};
const name = () => {
    const n = u32();
    pos += n;
    return bytes.subarray(pos - n, pos).toString("utf8");
};
const leb = (n) => {
    const out = [];
    do {
        let b = n & 0x7f;
        n = Math.floor(n / 128);
        if (n) b |= 0x80;
        out.push(b);
    } while (n);
    return Buffer.from(out);
};
const encName = (s) => {
    const b = Buffer.from(s, "utf8");
    return Buffer.concat([leb(b.length), b]);
};
/** Skips an import's description (after its names). */
const skipImportDesc = () => {
    const kind = bytes[pos++];
    const limits = () => {
        const flags = u32();
        u32();
        if (flags & 1) u32();
    };
    if (kind === 0) u32(); // function: type index
    else if (kind === 1) {
        pos++; // reference type
        limits();
    } else if (kind === 2) limits();
    else if (kind === 3) pos += 2; // value type, mutability
    else if (kind === 4) {
        pos++; // tag attribute
        u32();
    } else fail(`import kind ${kind} unknown`);
};

if (bytes.readUInt32LE(0) !== 0x6d736100) fail(`${wasmFile} is not a wasm module`);
const sections = [];
pos = 8;
while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = u32();
    sections.push({ id, start: pos, end: pos + size });
    pos += size;
}

// Short names: a … z, A … Z, then two characters.
const SYMBOLS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
function* shortNames(avoid) {
    for (let n = 0; ; n++) {
        let s = SYMBOLS[n % 52];
        if (n >= 52) s = SYMBOLS[Math.floor(n / 52) - 1] + s;
        if (!avoid.has(s)) yield s;
    }
}

// ------------------------------------------------------------------ the mapping

let js = fs.readFileSync(jsFile, "utf8");
const GLUE_MODULE = "./frappe_realtime_bg.js";
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const count = (re) => (js.match(re) || []).length;

const importSec = sections.find((s) => s.id === 2);
const exportSec = sections.find((s) => s.id === 7);
if (!importSec || !exportSec) fail("no import or export section");

pos = importSec.start;
const imports = [];
for (let i = 0, n = u32(); i < n; i++) {
    const module = name();
    const field = name();
    const descStart = pos;
    skipImportDesc();
    imports.push({ module, field, desc: bytes.subarray(descStart, pos) });
}
pos = exportSec.start;
const exports = [];
for (let i = 0, n = u32(); i < n; i++) {
    const field = name();
    const descStart = pos;
    pos++;
    u32();
    exports.push({ field, desc: bytes.subarray(descStart, pos) });
}

const modules = new Map([[GLUE_MODULE, "a"]]);
for (const { module } of imports) {
    if (!modules.has(module)) {
        if (!/^\.\/snippets\//.test(module)) fail(`unexpected import module ${module}`);
        modules.set(module, String.fromCharCode(97 + modules.size));
    }
}
if (modules.size > 26) fail("too many import modules");
const importNames = new Map();
const nextImport = shortNames(new Set());
for (const { module, field } of imports) {
    if (module !== GLUE_MODULE || importNames.has(field)) continue;
    // A key of the glue's import object: `    <field>: function(`.
    const re = new RegExp(`(?<![\\w$])${esc(field)}(?![\\w$])`, "g");
    if (count(re) !== 1) fail(`import ${field}: found ${count(re)} times in the glue, expected once`);
    importNames.set(field, nextImport.next().value);
}
const exportNames = new Map();
const nextExport = shortNames(new Set());
for (const { field } of exports) {
    const re = new RegExp(`(?<![\\w$])wasm\\.${esc(field)}(?![\\w$])`, "g");
    exportNames.set(field, count(re) ? nextExport.next().value : null); // null: dropped
}

// ------------------------------------------------------------------ rewrite the JS

for (const [from, to] of importNames) js = js.replace(new RegExp(`(?<![\\w$])${esc(from)}(?![\\w$])`), to);
for (const [from, to] of exportNames) {
    if (to) js = js.replace(new RegExp(`(?<![\\w$])wasm\\.${esc(from)}(?![\\w$])`, "g"), "wasm." + to);
}
for (const [from, to] of modules) {
    const quoted = new RegExp(`(["'])${esc(from)}\\1(?=: import)`, "g");
    if (!quoted.test(js)) fail(`import module ${from} not found as a key of the glue's import object`);
    js = js.replace(quoted, `"${to}"`);
}
// The module imports some glue.js functions directly (those that need no conversion):
// wasm-bindgen hands it the whole module, `import * as importN`, once per such import. A
// namespace keeps every export of glue.js alive in the bundle; the functions imported by
// name, in an object with short keys, do not.
const directNames = new Map(); // module → (function → short key)
for (const [module, letter] of modules) {
    if (module === GLUE_MODULE) continue;
    const fields = [...new Set(imports.filter((i) => i.module === module).map((i) => i.field))];
    const next = shortNames(new Set());
    const keys = new Map(fields.map((f) => [f, next.next().value]));
    directNames.set(module, keys);
    const nsRe = new RegExp(`^import \\* as (import\\d+) from (["'])${esc(module)}\\2;?\\n`, "gm");
    const ns = [...js.matchAll(nsRe)].map((m) => m[1]);
    const keyRe = new RegExp(`^(\\s*)"${letter}": (?:${ns.join("|")}),?\\n`, "gm");
    if (!ns.length || count(keyRe) !== ns.length) fail(`the namespace imports of ${module} are not as expected`);
    const alias = (f) => `__wbg_direct_${letter}_${f}`;
    js = js.replace(nsRe, "");
    const first = js.search(/^import /m);
    js = js.slice(0, first) + `import { ${fields.map((f) => `${f} as ${alias(f)}`).join(", ")} } from "${module}";\n` + js.slice(first);
    let done = false;
    js = js.replace(keyRe, (_, indent) => {
        if (done) return "";
        done = true;
        return `${indent}"${letter}": { ${fields.map((f) => `${keys.get(f)}: ${alias(f)}`).join(", ")} },\n`;
    });
}
for (const long of [/__wbg_\w*_[0-9a-f]{16}\b/, /(?<![\w$])wasm\.[\w$]{3,}/]) {
    const left = js.match(long);
    if (left) fail(`left in the glue: ${left[0]}`);
}
fs.writeFileSync(jsFile, js);

// ------------------------------------------------------------------ rewrite the wasm

const newImports = Buffer.concat([
    leb(imports.length),
    ...imports.flatMap(({ module, field, desc }) => [
        encName(modules.get(module)),
        encName(module === GLUE_MODULE ? importNames.get(field) : directNames.get(module).get(field)),
        desc,
    ]),
]);
const keptExports = exports.filter((e) => exportNames.get(e.field));
const newExports = Buffer.concat([
    leb(keptExports.length),
    ...keptExports.flatMap(({ field, desc }) => [encName(exportNames.get(field)), desc]),
]);
const out = [bytes.subarray(0, 8)];
for (const s of sections) {
    const body = s === importSec ? newImports : s === exportSec ? newExports : bytes.subarray(s.start, s.end);
    out.push(Buffer.from([s.id]), leb(body.length), body);
}
fs.writeFileSync(wasmFile, Buffer.concat(out));

// ------------------------------------------------------------------ the declarations

for (const file of dtsFiles) {
    if (!fs.existsSync(file)) continue;
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const rewritten = lines.flatMap((line) => {
        const m = line.match(/^(\s*(?:readonly|export const) )([\w$]+)(:.*)$/);
        if (!m || !exportNames.has(m[2])) return [line];
        const to = exportNames.get(m[2]);
        return to ? [m[1] + to + m[3]] : [];
    });
    fs.writeFileSync(file, rewritten.join("\n"));
}

const dropped = [...exportNames].filter(([, to]) => !to).map(([from]) => from);
console.log(
    `short-names: ${importNames.size} imports, ${modules.size} modules, ${keptExports.length} exports renamed` +
        (dropped.length ? `; unused exports dropped: ${dropped.join(", ")}` : ""),
);
