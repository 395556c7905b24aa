#!/usr/bin/env node
// Writes a copy of the module the linker wrote without its linking and relocation
// sections (scripts/build.sh): the build links with `--emit-relocs` for
// scripts/dead-data.js, and gives wasm-bindgen the module as a plain link writes it
// (the same code and data; the zeroed `.bss` that --emit-relocs also writes as a segment
// is dropped by wasm-opt).
//
//   node scripts/unlinked.js <linked.wasm> <out.wasm>

import fs from "node:fs";
import path from "node:path";
import { withoutCustomSections } from "./wasm-reader.js";

const [from, to] = process.argv.slice(2);
if (!from || !to) {
    console.error("usage: node scripts/unlinked.js <linked.wasm> <out.wasm>");
    process.exit(2);
}
fs.mkdirSync(path.dirname(to), { recursive: true });
fs.writeFileSync(to, withoutCustomSections(fs.readFileSync(from), (name) => name === "linking" || name.startsWith("reloc.")));
