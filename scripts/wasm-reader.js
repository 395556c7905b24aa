// The parts of the wasm binary format that the build's post-processing reads
// (scripts/short-names.js, scripts/exports-last.js, scripts/dead-data.js): LEB128
// numbers, names, the sections, the import entries to skip over, the data segments, and
// the linker's symbol table and relocations. One reader for all, so that they agree on
// the format.

export class WasmReader {
    /** @param {Uint8Array} bytes a whole module */
    constructor(bytes) {
        this.bytes = bytes;
        this.pos = 0;
    }

    /** The next byte. */
    byte() {
        return this.bytes[this.pos++];
    }

    /** A LEB128 number's bits as unsigned (`value`), how many it has (`shift`) and its
     *  last byte (`last`, whose 0x40 bit is the sign of a signed one). */
    leb() {
        let value = 0;
        let shift = 0;
        let last;
        do {
            last = this.bytes[this.pos++];
            value += (last & 0x7f) * 2 ** shift;
            shift += 7;
        } while (last & 0x80);
        return { value, shift, last };
    }

    /** An unsigned LEB128 number. */
    u32() {
        return this.leb().value;
    }

    /** A signed LEB128 number (up to 53 bits). */
    s64() {
        const { value, shift, last } = this.leb();
        return last & 0x40 ? value - 2 ** shift : value;
    }

    /** A name: its length, then its UTF-8 bytes. */
    name() {
        const n = this.u32();
        this.pos += n;
        return Buffer.from(this.bytes.subarray(this.pos - n, this.pos)).toString("utf8");
    }

    /** Skips an import's description (after its names); returns its kind, or -1 (and
     *  skips nothing more) for a kind that is not a function, table, memory, global or tag. */
    skipImportDesc() {
        const kind = this.byte();
        const limits = () => {
            const flags = this.u32();
            this.u32();
            if (flags & 1) this.u32();
        };
        if (kind === 0) this.u32(); // function: type index
        else if (kind === 1) {
            this.pos++; // reference type
            limits();
        } else if (kind === 2) limits();
        else if (kind === 3) this.pos += 2; // value type, mutability
        else if (kind === 4) {
            this.pos++; // tag attribute
            this.u32();
        } else return -1;
        return kind;
    }

    /** The sections after the 8-byte header, as `{id, start, end}` of their bodies
     *  (`at`: where the section's id byte is), with `name` and `contents` (where what
     *  follows the name begins) for custom sections (id 0). */
    sections() {
        const out = [];
        this.pos = 8;
        while (this.pos < this.bytes.length) {
            const at = this.pos;
            const id = this.byte();
            const size = this.u32();
            const end = this.pos + size;
            const section = { id, at, start: this.pos, end };
            if (id === 0) {
                section.name = this.name();
                section.contents = this.pos;
            }
            out.push(section);
            this.pos = end;
        }
        return out;
    }
}

/** The function index space (`imported`, `total`) and the exports of wasm `bytes`. */
export function indexSpace(bytes) {
    const r = new WasmReader(bytes);
    let imported = 0;
    let defined = 0;
    const exports = [];
    for (const { id, start } of r.sections()) {
        r.pos = start;
        if (id === 2) {
            for (let i = 0, n = r.u32(); i < n; i++) {
                r.name();
                r.name();
                if (r.skipImportDesc() === 0) imported++;
            }
        } else if (id === 3) defined = r.u32();
        else if (id === 7) {
            for (let i = 0, n = r.u32(); i < n; i++) {
                r.name();
                const kind = r.byte();
                exports.push({ kind, index: r.u32() });
            }
        }
    }
    return { functions: { imported, total: imported + defined }, exports };
}

/** The active data segments of wasm `bytes`, as `{ address, start, end }`: the memory
 *  address where each begins and where its bytes lie in `bytes`. Throws on a segment
 *  whose address is not an `i32.const` (rustc and wasm-opt write no other), or a passive one. */
export function dataSegments(bytes) {
    const r = new WasmReader(bytes);
    const out = [];
    for (const { id, start } of r.sections()) {
        if (id !== 11) continue;
        r.pos = start;
        for (let i = 0, n = r.u32(); i < n; i++) {
            const flags = r.u32();
            if (flags === 2) r.u32();
            else if (flags !== 0) throw new Error(`data segment ${i}: flags ${flags}, not an active segment of memory 0`);
            if (r.byte() !== 0x41) throw new Error(`data segment ${i}: its address is not an i32.const`);
            const address = r.s64();
            if (r.byte() !== 0x0b) throw new Error(`data segment ${i}: its address is more than an i32.const`);
            const size = r.u32();
            out.push({ address, start: r.pos, end: r.pos + size });
            r.pos += size;
        }
    }
    return out;
}

/** The relocation types of the wasm object format whose target is a data symbol (a
 *  memory address), all with an addend (the tool-conventions' Linking.md). */
const MEMORY_RELOCATIONS = new Set([3, 4, 5, 11, 14, 15, 16, 17, 21, 23, 25]);
/** Relocation types with an addend, of any target. */
const WITH_ADDEND = new Set([...MEMORY_RELOCATIONS, 8, 9, 22]);

/** What a module linked with `--emit-relocs` says of its data: `segments`, its data
 *  segments as `dataSegments` gives them with their `name` (".rodata", ".data", …);
 *  `symbols`, the defined data symbols as `{ name, address, size }` (address from the
 *  segment's start in the data section); and `references`, each relocation to one of
 *  them as `{ symbol, addend }`. No names, symbols or references when the module has no
 *  linking section. */
export function linkedData(bytes) {
    const r = new WasmReader(bytes);
    const sections = r.sections();
    const segments = dataSegments(bytes);
    const table = [];
    for (const s of sections) {
        if (s.name !== "linking") continue;
        r.pos = s.contents;
        r.u32(); // version
        while (r.pos < s.end) {
            const kind = r.byte();
            const end = r.u32() + r.pos;
            if (kind === 5) {
                for (let i = 0, n = r.u32(); i < n; i++) {
                    const name = r.name();
                    r.u32(); // alignment
                    r.u32(); // flags
                    if (segments[i]) segments[i].name = name;
                }
            } else if (kind === 8) {
                for (let i = 0, n = r.u32(); i < n; i++) {
                    const type = r.byte();
                    const flags = r.u32();
                    const undef = (flags & 0x10) !== 0;
                    const entry = { type };
                    if (type === 1) {
                        entry.name = r.name();
                        if (!undef) {
                            const segment = r.u32();
                            const offset = r.u32();
                            entry.size = r.u32();
                            if (!segments[segment]) throw new Error(`data symbol ${entry.name}: no data segment ${segment}`);
                            entry.address = segments[segment].address + offset;
                        }
                    } else if (type === 3) r.u32();
                    else {
                        r.u32();
                        if (!undef || (flags & 0x40) !== 0) r.name();
                    }
                    table.push(entry);
                }
            }
            r.pos = end;
        }
    }
    const symbols = table.filter((e) => e.type === 1 && e.address !== undefined);
    const references = [];
    for (const s of sections) {
        if (!s.name || !s.name.startsWith("reloc.")) continue;
        r.pos = s.contents;
        r.u32(); // the section the relocations apply to
        for (let i = 0, n = r.u32(); i < n; i++) {
            const type = r.byte();
            r.u32(); // offset
            const index = r.u32();
            const addend = WITH_ADDEND.has(type) ? r.s64() : 0;
            if (!MEMORY_RELOCATIONS.has(type)) continue;
            const target = table[index];
            if (!target || target.type !== 1) throw new Error(`relocation ${i} of ${s.name}: symbol ${index} is not a data symbol`);
            if (target.address !== undefined) references.push({ symbol: target, addend });
        }
    }
    return { segments, symbols, references };
}

/** `bytes` without the custom sections whose names `drop` accepts. */
export function withoutCustomSections(bytes, drop) {
    const parts = [bytes.subarray(0, 8)];
    for (const s of new WasmReader(bytes).sections()) if (!(s.id === 0 && drop(s.name))) parts.push(bytes.subarray(s.at, s.end));
    return Buffer.concat(parts);
}
