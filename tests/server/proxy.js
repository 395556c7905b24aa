// A TCP proxy the tests control, between the browser and the realtime server, for fault
// injection: drop every connection, pause the link (half-open: no bytes, no FIN), reset a
// connection in the middle of a WebSocket frame, slow the link down, and inject frames of
// our own into WebSocket connections. Test infrastructure only; nothing here ships.
//
// Each accepted connection is paired with one to the target. Client → server bytes are
// forwarded as they come. Server → client bytes are forwarded as they come until the
// server answers `HTTP/1.1 101` (a WebSocket upgrade); from then on they are cut into
// WebSocket frames (RFC 6455 §5.2: server frames are unmasked) and forwarded one whole
// frame at a time, so that an injected frame always lands between two frames and a
// reset can be placed inside one.

import net from "node:net";
import { listen } from "./util.js";

const UP = 0; // browser → server
const DOWN = 1; // server → browser

/**
 * @param {object} opts
 * @param {() => {host: string, port: number}} opts.target where to connect, asked per connection
 * @param {number} [opts.port=0]
 * @param {(msg: string) => void} [opts.log]
 */
export async function startProxy({ target, port = 0, log = () => {} }) {
    /** @type {Set<Pair>} */
    const pairs = new Set();
    const counters = { accepted: 0, websockets: 0, framesDown: 0, injected: 0, resets: 0, drops: 0, refused: 0 };
    let paused = false;
    let refusing = false;
    let slow = null; // {latencyMs, bytesPerSecond}
    let resetArm = null; // {minBytes, resolve}

    const server = net.createServer((client) => {
        counters.accepted++;
        if (refusing) {
            counters.refused++;
            client.on("error", () => {});
            client.resetAndDestroy();
            return;
        }
        const pair = new Pair(client);
        pairs.add(pair);
        if (!paused) pair.open();
        // While paused a new connection is accepted and held (like a link that lost its
        // packets): it opens upstream on resume().
    });

    class Pair {
        constructor(client) {
            this.client = client;
            this.server = null;
            this.ws = false;
            this.down = Buffer.alloc(0); // server bytes not yet forwarded as whole frames
            this.held = [[], []]; // chunks per direction while paused
            this.sendAt = [0, 0]; // slow link: when the last chunk per direction leaves
            this.dead = false;
            client.setNoDelay(true);
            client.on("data", (b) => this.forward(UP, b));
            client.on("error", () => this.kill());
            client.on("end", () => this.end(UP));
            client.on("close", () => this.kill());
        }

        open() {
            if (this.server || this.dead) return;
            const t = target();
            const s = net.connect(t.port, t.host);
            this.server = s;
            s.setNoDelay(true);
            s.on("data", (b) => this.fromServer(b));
            s.on("error", () => this.kill());
            s.on("end", () => this.end(DOWN));
            s.on("close", () => this.kill());
        }

        /** Server bytes: raw until a 101 answer, then whole WebSocket frames. */
        fromServer(b) {
            this.down = this.down.length ? Buffer.concat([this.down, b]) : b;
            if (!this.ws) {
                const text = this.down.toString("latin1", 0, Math.min(this.down.length, 4096));
                if (!"HTTP/1.1 101".startsWith(text.slice(0, 12))) {
                    const all = this.down;
                    this.down = Buffer.alloc(0);
                    return this.forward(DOWN, all);
                }
                const end = text.indexOf("\r\n\r\n");
                if (end < 0) return; // the 101 header is not complete yet
                this.ws = true;
                counters.websockets++;
                this.forward(DOWN, this.down.subarray(0, end + 4));
                this.down = this.down.subarray(end + 4);
            }
            for (;;) {
                const n = frameLength(this.down);
                if (n < 0 || this.down.length < n) return;
                const frame = this.down.subarray(0, n);
                this.down = this.down.subarray(n);
                counters.framesDown++;
                if (resetArm && n >= resetArm.minBytes) {
                    const arm = resetArm;
                    resetArm = null;
                    this.resetInside(frame);
                    arm.resolve({ frameBytes: n });
                    return;
                }
                this.forward(DOWN, frame);
            }
        }

        /** Forwards half of `frame`, then resets the browser side and closes the server side. */
        resetInside(frame) {
            counters.resets++;
            this.write(DOWN, frame.subarray(0, frame.length >> 1));
            const cut = () => {
                if (this.client.resetAndDestroy) this.client.resetAndDestroy();
                else this.client.destroy();
                if (this.server) this.server.destroy();
            };
            // Let the half frame leave first.
            if (this.client.writableLength) this.client.once("drain", cut);
            else setImmediate(cut);
        }

        forward(dir, b) {
            if (this.dead || !b.length) return;
            if (paused) this.held[dir].push(b);
            else this.write(dir, b);
        }

        write(dir, b) {
            const sock = dir === UP ? this.server : this.client;
            if (!sock || sock.destroyed) return;
            if (!slow) return void sock.write(b);
            // Latency per chunk, plus serialisation time at the link's rate, in order.
            const now = Date.now();
            const wire = slow.bytesPerSecond ? (b.length * 1000) / slow.bytesPerSecond : 0;
            const at = Math.max(now + slow.latencyMs, this.sendAt[dir]) + wire;
            this.sendAt[dir] = at;
            setTimeout(() => {
                if (!sock.destroyed) sock.write(b);
            }, Math.max(0, at - now));
        }

        /** A FIN from one side is passed on, unless the link is paused (half-open). */
        end(from) {
            if (paused) return;
            const other = from === UP ? this.server : this.client;
            if (other && !other.destroyed) other.end();
        }

        resume() {
            if (this.client.destroyed || (this.server && this.server.destroyed)) return this.kill();
            if (!this.server) this.open();
            for (const dir of [UP, DOWN]) {
                for (const b of this.held[dir].splice(0)) this.write(dir, b);
            }
        }

        kill() {
            // A paused link tells neither side anything; resume() finishes the job.
            if (this.dead || paused) return;
            this.dead = true;
            pairs.delete(this);
            this.client.destroy();
            if (this.server) this.server.destroy();
        }
    }

    const boundPort = await listen(server, port);
    log(`fault proxy on 127.0.0.1:${boundPort}`);

    /** Destroys every connection pair, both sides. */
    function destroyAll() {
        for (const p of pairs) {
            p.dead = true;
            p.client.destroy();
            if (p.server) p.server.destroy();
        }
        pairs.clear();
    }

    return {
        port: boundPort,
        url: `http://127.0.0.1:${boundPort}`,
        counters,
        /** Open browser-side connections; `websockets` of them are upgraded. */
        connections() {
            const list = [...pairs].filter((p) => !p.dead && !p.client.destroyed);
            return { open: list.length, websockets: list.filter((p) => p.ws).length };
        },
        /** Closes every connection now (FIN to both sides), like a NAT or a proxy dropping them. */
        drop() {
            counters.drops++;
            destroyAll();
        },
        /** From now on new connections are reset at once (a link that is down); `false` ends it. */
        refuse(on = true) {
            refusing = on;
        },
        /**
         * Stops every byte in both directions, and passes no FIN on: both ends keep a
         * connection that carries nothing (half-open). New connections are accepted and held.
         */
        pause() {
            paused = true;
        },
        /** Lets bytes through again; what was held is delivered in order. */
        resume() {
            paused = false;
            for (const p of [...pairs]) {
                p.resume();
                if (p.dead) pairs.delete(p);
            }
        },
        /** `{latencyMs, bytesPerSecond}` on every chunk from now on; `null` for a fast link. */
        setSlow(s) {
            slow = s;
        },
        /**
         * Resets the connection carrying the next server → browser WebSocket frame of at
         * least `minBytes`, after half of it went through. Resolves with `{frameBytes}`.
         */
        resetInNextFrame({ minBytes = 1 } = {}) {
            return new Promise((resolve) => {
                resetArm = { minBytes, resolve };
            });
        },
        /** Writes one unmasked WebSocket frame to every upgraded connection; returns how many. */
        inject(payload, { binary = false } = {}) {
            const frame = encodeFrame(Buffer.from(payload), binary ? 2 : 1);
            let n = 0;
            for (const p of pairs) {
                if (p.ws && !p.dead && !p.client.destroyed) {
                    p.forward(DOWN, frame);
                    n++;
                }
            }
            counters.injected += n;
            return n;
        },
        close() {
            paused = false;
            destroyAll();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}

/** Length of the first whole frame in `b` (header + payload), or -1 if the header is incomplete. */
export function frameLength(b) {
    if (b.length < 2) return -1;
    const masked = (b[1] & 0x80) !== 0;
    let len = b[1] & 0x7f;
    let head = 2;
    if (len === 126) {
        if (b.length < 4) return -1;
        len = b.readUInt16BE(2);
        head = 4;
    } else if (len === 127) {
        if (b.length < 10) return -1;
        len = Number(b.readBigUInt64BE(2));
        head = 10;
    }
    return head + (masked ? 4 : 0) + len;
}

/** One final, unmasked frame with `opcode` (1 text, 2 binary). */
export function encodeFrame(payload, opcode) {
    const n = payload.length;
    const head = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    if (n < 126) head[1] = n;
    else if (n < 65536) {
        head[1] = 126;
        head.writeUInt16BE(n, 2);
    } else {
        head[1] = 127;
        head.writeBigUInt64BE(BigInt(n), 2);
    }
    return Buffer.concat([head, payload]);
}
