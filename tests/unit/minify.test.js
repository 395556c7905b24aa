// scripts/minify.js's `--bundle`: internal properties (`_x`) are renamed, the names that
// leave the file or come from outside keep theirs.
//
//   node --test tests/unit/minify.test.js      (needs node_modules: terser)

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { minifyFile } from "../../scripts/minify.js";

const SOURCE = `
export class Box {
  constructor() {
    this._queue = [];
    this._wasm = { connected: true };
    this.__proto_like = 1;
    this.__wbg_ptr = 8;
  }
  get ptr() { return this.__wbg_ptr; }
  push(x) { this._queue.push(x); return this._queue.length; }
  get connected() { return this._wasm.connected; }
}
export function placeholder(n) { return { _placeholder: true, num: n }; }
export function desk(doc) { return doc.__unsaved ? 1 : 0; }
export const plain = { __proto__: null, a: 1 };
`;

/** `source` minified by minifyFile into a fresh file; its text. */
async function minified(source, bundle) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "minify-")), "m.js");
    fs.writeFileSync(file, source);
    await minifyFile(file, true, bundle);
    return fs.readFileSync(file, "utf8");
}

test("minify --bundle: renames _x properties and the glue's __wbg_ptr, keeps _placeholder, _wasm, other __x and public names", async () => {
    const out = await minified(SOURCE, true);
    assert.doesNotMatch(out, /_queue|__wbg_ptr/);
    for (const kept of ["_placeholder", "_wasm", "__proto_like", "__unsaved", "__proto__", "connected", "push"]) {
        assert.match(out, new RegExp(kept), kept);
    }
    const m = await import("data:text/javascript," + encodeURIComponent(out));
    const b = new m.Box();
    assert.equal(b.push(7), 1);
    assert.equal(b.connected, true);
    assert.equal(b.ptr, 8);
    assert.deepEqual(m.placeholder(2), { _placeholder: true, num: 2 });
    assert.equal(m.desk({ __unsaved: 1 }), 1);
    assert.equal(Object.getPrototypeOf(m.plain), null);
});

test("minify without --bundle: properties keep their names", async () => {
    assert.match(await minified(SOURCE, false), /_queue/);
});
