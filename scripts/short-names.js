#!/usr/bin/env node
// Shortens the names by which the wasm module and its wasm-bindgen JS glue know each
// other, in both files at once (run by scripts/build.sh right after wasm-bindgen, before
// wasm-opt and esbuild):
//
//   - the glue's imports (`__wbg_hubNew_aa7b3615ccc1bfbf`, …: a hash per name) become
//     `a`, `b`, …; their modules (`./frappe_realtime_bg.js`, `./snippets/<hash>/…/glue.js`)
//     become `a` and `b`;
//   - the module's exports (`wasmclient_new_js`, `__wbindgen_malloc`, …) become short names
//     too; those the glue never reads (wasm-bindgen's abort-handler globals) are dropped,
//     so wasm-opt can remove what only they kept alive.
//
// Each name is stored twice (in the wasm and in the JS), with a 16-hex-digit hash that
// does not compress: ~1.5 KB of gzip in all. wasm-bindgen has no option for this, and
// wasm-opt's --minify-imports-and-exports leaves these imports alone.
//
// It edits wasm-bindgen's output as text, so it depends on the exact shape of what
// wasm-bindgen 0.2.130 (`--target web`) writes; Cargo.toml pins that version and says so.
// What it assumes, each checked before anything is written (a mismatch fails the build
// with "short-names: expected …; found …", never a silently broken package):
//
//   1. pkg/ holds frappe_realtime_bg.wasm, frappe_realtime.js, frappe_realtime.d.ts and
//      frappe_realtime_bg.wasm.d.ts;
//   2. every import of the module comes from "./frappe_realtime_bg.js" (the glue's own
//      import object) or from a "./snippets/…" file (glue.js), and is a function;
//   3. the glue's imports are named `__wbg_<name>_<16 hex digits>` or `__wbindgen_<name>`,
//      each a key of `__wbg_get_imports()`'s `import0` object exactly once
//      (`<name>: function(…`), its only occurrence in the glue;
//   4. `__wbg_get_imports()` returns the import modules as quoted keys (`"<module>":
//      importN,`); a snippet imported directly by the module comes in as
//      `import * as importN from "<module>"` at the start of a line, one per import;
//   5. the glue holds the module's exports in `wasm` (`wasm = instance.exports`) and
//      reads each one it uses as `wasm.<name>`; an export it never reads that way is not
//      mentioned in it at all (then it is dropped);
//   6. each d.ts declares every non-global export of the module on a line of its own,
//      `  readonly <name>: …` (InitOutput) or `export const <name>: …`.
//
// It refuses (exit 1) rather than guess, and checks its result: no long import or export
// name may remain in the glue afterwards. The TypeScript declarations of the raw exports
// (`InitOutput`, `frappe_realtime_bg.wasm.d.ts`) are rewritten to match.
//
//   node scripts/short-names.js <pkg dir>

import fs from "node:fs";
import path from "node:path";
import { WasmReader } from "./wasm-reader.js";

const dir = process.argv[2];
if (!dir) {
    console.error("usage: short-names.js <pkg dir>");
    process.exit(2);
}
const fail = (m) => {
    console.error("short-names: " + m + producedBy());
    process.exit(1);
};
/** Fails with what the script expected of wasm-bindgen's output and what it found. */
const expected = (what, found) => fail(`expected ${what}; found ${found}`);
const wasmFile = path.join(dir, "frappe_realtime_bg.wasm");
const jsFile = path.join(dir, "frappe_realtime.js");
const dtsFiles = [path.join(dir, "frappe_realtime.d.ts"), path.join(dir, "frappe_realtime_bg.wasm.d.ts")];
for (const file of [wasmFile, jsFile, ...dtsFiles]) {
    if (!fs.existsSync(file)) expected(`${path.basename(file)} in ${dir} (wasm-bindgen --target web)`, "no such file");
}

// ------------------------------------------------------------------ wasm reading/writing

const bytes = fs.readFileSync(wasmFile);
/** " (module processed by wasm-bindgen X)", from its producers section, for messages. */
function producedBy() {
    try {
        const section = WebAssembly.Module.customSections(new WebAssembly.Module(bytes), "producers")[0];
        const m = section && Buffer.from(section).toString("latin1").match(/wasm-bindgen.([\w.-]+)/);
        return m ? ` (module processed by wasm-bindgen ${m[1]})` : "";
    } catch (_) {
        return "";
    }
}
const r = new WasmReader(bytes);
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
if (bytes.length < 8 || bytes.readUInt32LE(0) !== 0x6d736100) expected(`${wasmFile} to be a wasm module`, "other bytes");
const sections = r.sections();

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
if (!importSec || !exportSec) expected("an import and an export section in the module", `${importSec ? "no export" : "no import"} section`);

r.pos = importSec.start;
const imports = [];
for (let i = 0, n = r.u32(); i < n; i++) {
    const module = r.name();
    const field = r.name();
    const descStart = r.pos;
    const kind = r.skipImportDesc();
    if (kind < 0) expected("function, table, memory, global or tag imports", `import kind ${bytes[descStart]}`);
    imports.push({ module, field, desc: bytes.subarray(descStart, r.pos) });
}
r.pos = exportSec.start;
const exports = [];
for (let i = 0, n = r.u32(); i < n; i++) {
    const field = r.name();
    const descStart = r.pos;
    const kind = r.byte();
    r.u32();
    exports.push({ field, kind, desc: bytes.subarray(descStart, r.pos) });
}

// The shape of the glue (assumptions 2-5 of the header), checked before anything is written.
if (!/^function __wbg_get_imports\(/m.test(js)) expected("the glue to build the module's imports in `function __wbg_get_imports(`", "no such function");
if (!/^\s*const import0 = \{$/m.test(js)) expected("the glue's own imports in a `const import0 = {` object", "no such line");
if (!/(?<![\w$.])wasm = instance\.exports;/.test(js))
    expected("the glue to hold the module's exports as `wasm = instance.exports;`", "no such line");
const modules = new Map([[GLUE_MODULE, "a"]]);
for (const { module, field, desc } of imports) {
    if (desc[0] !== 0) expected("only function imports", `import ${module} ${field} of kind ${desc[0]}`);
    if (!modules.has(module)) {
        if (!/^\.\/snippets\//.test(module))
            expected(`every import of the module to come from "${GLUE_MODULE}" or "./snippets/…"`, `an import from "${module}"`);
        modules.set(module, String.fromCharCode(97 + modules.size));
    }
}
if (modules.size > 26) expected("at most 26 import modules", `${modules.size}`);
const importNames = new Map();
const nextImport = shortNames(new Set());
for (const { module, field } of imports) {
    if (module !== GLUE_MODULE || importNames.has(field)) continue;
    if (!/^__wbg_[\w$]*_[0-9a-f]{16}$/.test(field) && !/^__wbindgen_[\w$]+$/.test(field))
        expected(`the glue to import from "${GLUE_MODULE}" with \`__wbg_<name>_<16 hex>\` or \`__wbindgen_<name>\` import names`, `"${field}"`);
    // A key of the glue's import object, `    <field>: function(`, and nowhere else.
    const re = new RegExp(`(?<![\\w$])${esc(field)}(?![\\w$])`, "g");
    const key = new RegExp(`^\\s*${esc(field)}: function\\(`, "m");
    if (count(re) !== 1 || !key.test(js))
        expected(`import ${field} once in the glue, as a key of its import object (\`${field}: function(\`)`, `${count(re)} occurrence(s)${count(re) && !key.test(js) ? ", not as such a key" : ""}`);
    importNames.set(field, nextImport.next().value);
}
const exportNames = new Map();
const nextExport = shortNames(new Set());
for (const { field } of exports) {
    const read = count(new RegExp(`(?<![\\w$])wasm\\.${esc(field)}(?![\\w$])`, "g"));
    const anywhere = count(new RegExp(`(?<![\\w$])${esc(field)}(?![\\w$])`, "g"));
    // Dropping an export the glue reads some other way would break the package.
    if (!read && anywhere)
        expected(`the glue to read export ${field} as \`wasm.${field}\` (or not at all)`, `${anywhere} other mention(s), e.g. "${js.match(new RegExp(`.{0,30}(?<![\\w$])${esc(field)}(?![\\w$]).{0,30}`))[0].trim()}"`);
    exportNames.set(field, read ? nextExport.next().value : null); // null: dropped
}
if (![...exportNames.values()].some(Boolean)) expected("the glue to read the module's exports as `wasm.<name>`", "no export read so");
// Assumption 6: both declaration files declare every non-global export, one per line.
const DECLARATION = /^(\s*(?:readonly|export const) )([\w$]+)(:.*)$/;
for (const file of dtsFiles) {
    const declared = new Set(
        fs.readFileSync(file, "utf8").split("\n").map((line) => line.match(DECLARATION)?.[2]),
    );
    const missing = exports.filter((e) => e.kind !== 3 && !declared.has(e.field)).map((e) => e.field);
    if (missing.length)
        expected(`${path.basename(file)} to declare every export on its own line (\`readonly <name>: …\` or \`export const <name>: …\`)`, `no declaration of ${missing.join(", ")}`);
}

// ------------------------------------------------------------------ rewrite the JS

for (const [from, to] of importNames) js = js.replace(new RegExp(`(?<![\\w$])${esc(from)}(?![\\w$])`), to);
for (const [from, to] of exportNames) {
    if (to) js = js.replace(new RegExp(`(?<![\\w$])wasm\\.${esc(from)}(?![\\w$])`, "g"), "wasm." + to);
}
for (const [from, to] of modules) {
    const quoted = new RegExp(`(["'])${esc(from)}\\1(?=: import)`, "g");
    if (!quoted.test(js)) expected(`import module "${from}" as a quoted key of the object __wbg_get_imports() returns (\`"${from}": importN\`)`, "no such key");
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
    if (!ns.length || count(keyRe) !== ns.length)
        expected(`"${module}" imported as \`import * as importN from "${module}"\` lines, each the value of one "${module}" key`, `${ns.length} such import(s), ${count(keyRe)} key(s)`);
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
for (const long of [/__wbg_\w*_[0-9a-f]{16}\b/, /(?<![\w$])wasm\.[\w$]{3,}/, /(?<![\w$])wasm\[/]) {
    const left = js.match(long);
    if (left) expected("no long import or export name (nor a `wasm[…]` read) left in the glue after renaming", left[0]);
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
        const m = line.match(DECLARATION);
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
