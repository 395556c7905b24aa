// The parts of the wasm binary format that the build's post-processing reads
// (scripts/short-names.js, scripts/exports-last.js): LEB128 numbers, names, the
// sections, and the import entries to skip over. One reader for both, so that they
// agree on the format.

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

    /** An unsigned LEB128 number. */
    u32() {
        let r = 0;
        let shift = 0;
        let b;
        do {
            b = this.bytes[this.pos++];
            r += (b & 0x7f) * 2 ** shift;
            shift += 7;
        } while (b & 0x80);
        return r;
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

    /** The sections after the 8-byte header, as `{id, start, end}` of their bodies. */
    sections() {
        const out = [];
        this.pos = 8;
        while (this.pos < this.bytes.length) {
            const id = this.byte();
            const size = this.u32();
            out.push({ id, start: this.pos, end: this.pos + size });
            this.pos += size;
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
