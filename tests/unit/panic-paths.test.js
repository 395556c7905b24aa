// The build steps that take the panic paths out of the shipped module
// (scripts/trap-only.js before wasm-opt, scripts/dead-data.js last), on small modules
// built here with binaryen.js: what each must change, what it must leave alone, and the
// inputs that must make it fail, naming itself, without writing anything.
//
//   node --test tests/unit/panic-paths.test.js      (needs node_modules: binaryen)

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import binaryen from "binaryen";
import { RUSTC_FEATURES } from "../../scripts/binaryen-module.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { i32, none } = binaryen;

/** Runs `node scripts/<script> args…`. */
function run(script, ...args) {
    return spawnSync(process.execPath, [path.join(ROOT, "scripts", script), ...args], { encoding: "utf8" });
}

/** `files` (name → bytes) written to a fresh directory; returns the paths, by name. */
function written(files) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "panic-paths-"));
    return Object.fromEntries(
        Object.entries(files).map(([name, bytes]) => {
            fs.writeFileSync(path.join(dir, name), bytes);
            return [name, path.join(dir, name)];
        }),
    );
}

/** A module built by `build(m)` on a fresh binaryen module with rustc's features. */
function module(build) {
    const m = new binaryen.Module();
    m.setFeatures(RUSTC_FEATURES);
    build(m);
    assert.ok(m.validate());
    const bytes = Buffer.from(m.emitBinary());
    m.dispose();
    return bytes;
}

// ------------------------------------------------------------------------ trap-only

/** Functions in the shapes trap-only.js must tell apart: core's panic machinery (a
 *  handler that traps, `panic_fmt` storing its message first, `index_fail` choosing one)
 *  and functions that must stay (one calling JS before its trap, one that may return,
 *  one calling indirectly, and `double`, which only traps on a bad argument). */
function panicModule() {
    return module((m) => {
        m.addFunctionImport("log", "env", "log", i32, none);
        m.setMemory(1, 1, "memory");
        m.addTable("t", 1, 1, binaryen.funcref);
        m.addFunction("handler", none, none, [], m.unreachable());
        m.addFunction(
            "panic_fmt",
            i32,
            none,
            [],
            m.block(null, [m.i32.store(0, 4, m.i32.const(64), m.local.get(0, i32)), m.call("handler", [], none), m.unreachable()]),
        );
        m.addFunction(
            "index_fail",
            i32,
            none,
            [],
            m.block(null, [
                m.if(m.local.get(0, i32), m.call("panic_fmt", [m.i32.const(1)], none), m.call("panic_fmt", [m.i32.const(2)], none)),
                m.unreachable(),
            ]),
        );
        m.addFunction("logs_first", none, none, [], m.block(null, [m.call("log", [m.i32.const(1)], none), m.call("handler", [], none), m.unreachable()]));
        m.addFunction(
            "may_return",
            i32,
            none,
            [],
            m.block(null, [m.if(m.local.get(0, i32), m.return()), m.call("handler", [], none), m.unreachable()]),
        );
        m.addFunction("indirect", none, none, [], m.block(null, [m.call_indirect("t", m.i32.const(0), [], none, none), m.unreachable()]));
        m.addActiveElementSegment("t", "e", ["handler"], m.i32.const(0));
        m.addFunction(
            "double",
            i32,
            i32,
            [],
            m.block(
                null,
                [
                    m.if(m.i32.gt_u(m.local.get(0, i32), m.i32.const(10)), m.call("index_fail", [m.local.get(0, i32)], none)),
                    m.i32.mul(m.local.get(0, i32), m.i32.const(2)),
                ],
                i32,
            ),
        );
        for (const name of ["logs_first", "may_return", "indirect", "double"]) m.addFunctionExport(name, name);
    });
}

test("trap-only: functions that can only trap become `unreachable`; the others, and what the module does, stay", async () => {
    const { "m.wasm": file } = written({ "m.wasm": panicModule() });
    const r = run("trap-only.js", file);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^trap-only: 2 functions that can only trap reduced to `unreachable`$/m);

    // The module keeps no names: the functions are told apart by their bodies and exports.
    const out = binaryen.readBinary(fs.readFileSync(file));
    out.setFeatures(RUSTC_FEATURES);
    const bodies = [];
    for (let i = 0; i < out.getNumFunctions(); i++) {
        const f = binaryen.getFunctionInfo(out.getFunctionByIndex(i));
        if (f.body) bodies.push(binaryen.emitText(f.body).trim());
    }
    // The handler was `unreachable` already; panic_fmt and index_fail are now.
    assert.equal(bodies.filter((b) => b === "(unreachable)").length, 3);
    for (let i = 0; i < out.getNumExports(); i++) {
        const e = binaryen.getExportInfo(out.getExportByIndex(i));
        if (e.kind !== binaryen.ExternalFunction) continue;
        const body = binaryen.emitText(binaryen.getFunctionInfo(out.getFunction(e.value)).body).trim();
        assert.notEqual(body, "(unreachable)", e.name);
    }
    out.dispose();

    const logged = [];
    const { instance } = await WebAssembly.instantiate(fs.readFileSync(file), { env: { log: (x) => logged.push(x) } });
    const e = instance.exports;
    assert.equal(e.double(3), 6);
    assert.throws(() => e.double(11), WebAssembly.RuntimeError);
    // panic_fmt's store is gone with its body: nothing was written before the trap.
    assert.equal(new Int32Array(e.memory.buffer)[16], 0);
    assert.throws(() => e.logs_first(), WebAssembly.RuntimeError);
    assert.deepEqual(logged, [1]);
    assert.doesNotThrow(() => e.may_return(1));
});

test("trap-only: a file that is not a module fails, naming the script, and is left as it was", () => {
    const { "m.wasm": file } = written({ "m.wasm": Buffer.from("not wasm") });
    const r = run("trap-only.js", file);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^trap-only: expected a wasm module binaryen\.js can read/m);
    assert.equal(fs.readFileSync(file, "utf8"), "not wasm");
});

// ------------------------------------------------------------------------ dead-data

const RODATA = 0x100000;
const DATA = 0x100100;

const leb = (n) => {
    const out = [];
    do {
        let b = n & 0x7f;
        n >>>= 7;
        if (n) b |= 0x80;
        out.push(b);
    } while (n);
    return out;
};
const sleb = (n) => {
    const out = [];
    for (;;) {
        const b = n & 0x7f;
        n >>= 7;
        if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
        out.push(b | 0x80);
    }
};
const name = (s) => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];
const word = (n) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];

/** The read-only symbols of the fixture: name → [offset in .rodata, bytes]. */
const SYMBOLS = {
    byCode: [0x00, [..."keepme!!"].map((c) => c.charCodeAt(0))], // an i32.const
    dead: [0x08, [..."deadbeef"].map((c) => c.charCodeAt(0))],
    table: [0x10, word(RODATA + 0x14)], // a load's offset; points at `pointed`
    pointed: [0x14, [..."target"].map((c) => c.charCodeAt(0))],
    deadTable: [0x1c, word(RODATA + 0x20)], // unreferenced; points at `fromDead`
    fromDead: [0x20, [..."fffff"].map((c) => c.charCodeAt(0))],
    shifted: [0x28, [..."gggg"].map((c) => c.charCodeAt(0))], // reached as (shifted - 40) + x only
    byWide: [0x30, [..."hhhhhh"].map((c) => c.charCodeAt(0))], // half of an i64.const
    fromWritable: [0x40, [..."iiii"].map((c) => c.charCodeAt(0))], // pointed at by .data
};

/** A module whose `.rodata` holds SYMBOLS and whose `.data` points at `fromWritable`;
 *  `linked` adds the linker's linking and reloc.CODE sections (as --emit-relocs writes
 *  them: segment names, data symbols, and a reference to each symbol the code names, the
 *  one to `shifted` with addend -40). `at` moves the read-only segment. */
function dataModule({ linked, at = RODATA }) {
    const rodata = new Uint8Array(0x48);
    for (const [offset, bytes] of Object.values(SYMBOLS)) rodata.set(bytes, offset);
    return module((m) => {
        m.setMemory(17, 17, "memory", [
            { offset: m.i32.const(at), data: rodata, passive: false },
            { offset: m.i32.const(DATA), data: new Uint8Array(word(RODATA + 0x40)), passive: false },
        ]);
        m.addFunction("a", none, i32, [], m.i32.load(0, 4, m.i32.const(RODATA)));
        m.addFunction("b", i32, i32, [], m.i32.load(RODATA + 0x10, 4, m.local.get(0, i32)));
        m.addFunction("c", i32, i32, [], m.i32.load8_u(0, 1, m.i32.add(m.local.get(0, i32), m.i32.const(RODATA + 0x28 - 40))));
        m.addFunction("d", none, none, [], m.i64.store(0, 8, m.i32.const(0x108000), m.i64.const((6n << 32n) | BigInt(RODATA + 0x30))));
        for (const f of ["a", "b", "c", "d"]) m.addFunctionExport(f, f);
        if (!linked) return;
        const names = Object.keys(SYMBOLS);
        const symtab = [
            ...leb(names.length + 1),
            ...names.flatMap((n) => [1, 0, ...name(n), 0, ...leb(SYMBOLS[n][0]), ...leb(SYMBOLS[n][1].length)]),
            ...[1, 0, ...name("pointer"), 1, 0, 4],
        ];
        const segmentInfo = [2, ...name(".rodata"), 0, 0, ...name(".data"), 2, 0];
        m.addCustomSection(
            "linking",
            new Uint8Array([2, 5, ...leb(segmentInfo.length), ...segmentInfo, 8, ...leb(symtab.length), ...symtab]),
        );
        const refs = [
            [names.indexOf("byCode"), 0],
            [names.indexOf("table"), 0],
            [names.indexOf("shifted"), -40],
            [names.indexOf("byWide"), 0],
        ];
        m.addCustomSection("reloc.CODE", new Uint8Array([3, ...leb(refs.length), ...refs.flatMap(([i, addend]) => [4, 0, i, ...sleb(addend)])]));
    });
}

test("dead-data: zeroes the read-only symbols nothing kept refers to, and nothing else", async () => {
    const files = written({ "linked.wasm": dataModule({ linked: true }), "shipped.wasm": dataModule({ linked: false }) });
    const before = fs.readFileSync(files["shipped.wasm"]);
    const r = run("dead-data.js", files["linked.wasm"], files["shipped.wasm"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^dead-data: 15 of 72 bytes of read-only data zeroed \(3 of 9 symbols unreferenced\)/m);
    const after = fs.readFileSync(files["shipped.wasm"]);
    const has = (bytes, s) => bytes.includes(Buffer.from(s, "latin1"));
    for (const kept of ["keepme!!", "target", "gggg", "hhhhhh", "iiii", Buffer.from(word(RODATA + 0x14)).toString("latin1")])
        assert.ok(has(after, kept), `kept: ${JSON.stringify(kept)}`);
    for (const gone of ["deadbeef", "fffff", Buffer.from(word(RODATA + 0x20)).toString("latin1")]) {
        assert.ok(has(before, gone));
        assert.ok(!has(after, gone), `zeroed: ${JSON.stringify(gone)}`);
    }
    assert.equal(after.length, before.length);
    const { instance } = await WebAssembly.instantiate(after);
    assert.equal(instance.exports.a(), 0x7065656b); // "keep"
});

const FAILURES = [
    {
        what: "a linked module without its symbols (linked without --emit-relocs)",
        linked: () => dataModule({ linked: false }),
        shipped: () => dataModule({ linked: false }),
        message: /^dead-data: expected data symbols in .* \(linked with --emit-relocs\); found none$/m,
    },
    {
        what: "a shipped module whose data moved",
        linked: () => dataModule({ linked: true }),
        shipped: () => dataModule({ linked: false, at: RODATA + 8 }),
        message: /^dead-data: expected the shipped module's byte at \d+ \(byCode\) to be the linked module's \d+; found \d+: the data moved$/m,
    },
];

for (const { what, linked, shipped, message } of FAILURES) {
    test(`dead-data: ${what} fails, naming the script, and nothing is written`, () => {
        const files = written({ "linked.wasm": linked(), "shipped.wasm": shipped() });
        const before = fs.readFileSync(files["shipped.wasm"]);
        const r = run("dead-data.js", files["linked.wasm"], files["shipped.wasm"]);
        assert.equal(r.status, 1, r.stdout);
        assert.match(r.stderr, message);
        assert.deepEqual(fs.readFileSync(files["shipped.wasm"]), before);
    });
}
