// The benchmark server: one HTTP server on 127.0.0.1 serving the bench pages, the
// package (pkg/, www/) and socket.io-client's browser bundle, with a socket.io 4.8
// server (the npm package, no auth, no Redis) on the same origin. Nothing here ships.
//
// Namespace `/site1`, as a Frappe site. Per socket:
//   bench_prepare {n, kind}   builds n `doc_update` EVENT packets of the given kind
//                             ("small": a doc_update-like object, ~130 B; "large": a
//                             ~4 KB document) and answers with the event `bench_ready`;
//   bench_go                  writes the prepared packets to the socket;
//   doc_subscribe(dt, dn)     joins `doc:<dt>/<dn>` (and reports it: `onJoin`).
//
// The packets are encoded with the socket's own socket.io encoder (the exact frames
// `socket.emit("doc_update", doc)` sends) before `bench_go`, and written through the
// engine.io socket in one synchronous loop, so the server's JSON encoding is not part
// of the time measured in the page.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "..");
export const NAMESPACE = "/site1";

const MIME = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".map": "application/json",
};

// URL prefix → directory. Pages import `/www/index.js`, which imports `../pkg/…`.
const staticDirs = (pkgDir) => [
    ["/bench/pages/", path.join(ROOT, "bench/pages")],
    ["/pkg/", pkgDir],
    ["/www/", path.join(ROOT, "www")],
];
const SOCKET_IO_CLIENT = path.join(ROOT, "node_modules/socket.io-client/dist/socket.io.min.js");

/** A deterministic filler text with a few non-ASCII characters (UTF-16 offsets matter). */
function filler(len, seed) {
    const words = ["lorem", "ipsum", "dolor", "sit", "amet", "café", "Müller", "naïve", "déjà", "vu", "ToDo", "Frappé"];
    let out = "";
    let i = seed;
    while (out.length < len) {
        out += words[i % words.length] + " ";
        i = (i * 7 + 3) % 101;
    }
    return out.slice(0, len);
}

/** A `doc_update`-like payload: small (what Frappe sends on save) or ~4 KB (a document). */
export function makeDoc(kind, seq) {
    const doc = {
        doctype: "ToDo",
        name: "TD-0001",
        modified: "2025-01-01 12:00:00.000000",
        modified_by: "josé@example.com",
        seq,
    };
    if (kind === "large") {
        doc.owner = "alice@example.com";
        doc.status = "Open";
        doc.priority = "Medium";
        for (let k = 0; k < 20; k++) doc[`field_${k}`] = filler(120, k + (seq % 7));
        doc.description = filler(1200, seq % 13);
    }
    return doc;
}

/**
 * Starts the server. `onJoin(room, socketId)` and `onConnection(socketId)` are called
 * (Node's clock) for the reconnect figure. `close({abrupt})` drops every TCP connection
 * like a crash when `abrupt`.
 */
export async function startBenchServer({ port = 0, pkgDir = path.join(ROOT, "pkg"), onJoin = () => {}, onConnection = () => {} } = {}) {
    const sockets = new Set();
    const dirs = staticDirs(path.resolve(pkgDir));
    const server = http.createServer((req, res) => serveStatic(dirs, req, res));
    server.on("connection", (s) => {
        sockets.add(s);
        s.setNoDelay(true);
        s.on("close", () => sockets.delete(s));
    });
    const io = new Server(server, {
        serveClient: false,
        perMessageDeflate: false,
        httpCompression: false,
        // Defaults otherwise (pingInterval 25 s, pingTimeout 20 s, maxHttpBufferSize 1 MB).
    });
    io.of(NAMESPACE).on("connection", (socket) => {
        onConnection(socket.id);
        let prepared = [];
        socket.on("bench_prepare", (spec) => {
            const n = Math.max(0, Math.min(1_000_000, Number(spec && spec.n) || 0));
            const kind = spec && spec.kind === "large" ? "large" : "small";
            prepared = new Array(n);
            for (let i = 0; i < n; i++) {
                // The encoder gives [text] for a packet without binary: the EVENT packet,
                // `2/site1,["doc_update",{…}]`, as socket.emit would send it.
                const [text] = socket.client.encoder.encode({
                    type: 2,
                    nsp: NAMESPACE,
                    data: ["doc_update", makeDoc(kind, i + 1)],
                });
                prepared[i] = text;
            }
            const bytes = prepared.reduce((a, t) => a + Buffer.byteLength(t) + 1, 0);
            socket.emit("bench_ready", { n, kind, bytes });
        });
        socket.on("bench_go", () => {
            const list = prepared;
            prepared = [];
            const conn = socket.conn;
            for (let i = 0; i < list.length; i++) conn.write(list[i]);
        });
        socket.on("doc_subscribe", (doctype, name) => {
            const room = `doc:${doctype}/${name}`;
            socket.join(room);
            onJoin(room, socket.id);
        });
    });
    await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
            server.off("error", reject);
            resolve();
        });
    });
    const actualPort = server.address().port;
    return {
        port: actualPort,
        url: `http://127.0.0.1:${actualPort}`,
        io,
        async close({ abrupt = false } = {}) {
            if (abrupt) {
                for (const s of sockets) s.destroy();
                sockets.clear();
            }
            await new Promise((resolve) => {
                io.close(() => resolve());
                if (abrupt) server.closeAllConnections?.();
            });
        },
    };
}

function serveStatic(dirs, req, res) {
    const url = new URL(req.url, "http://x");
    let file = null;
    if (url.pathname === "/socket.io.min.js") file = SOCKET_IO_CLIENT;
    for (const [prefix, dir] of dirs) {
        if (url.pathname.startsWith(prefix)) {
            const rel = decodeURIComponent(url.pathname.slice(prefix.length));
            const full = path.resolve(dir, rel);
            if (full.startsWith(dir + path.sep)) file = full;
        }
    }
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found");
        return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, {
        "content-type": MIME[path.extname(file)] || "application/octet-stream",
        "content-length": body.length,
        "cache-control": "no-store",
    });
    res.end(body);
}

// `node bench/server.js`: serve until interrupted (handy to open the pages by hand).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const s = await startBenchServer({ port: Number(process.env.PORT) || 0 });
    console.log(`bench server: ${s.url}/bench/pages/floor.html | socketio.html | frappe-realtime.html`);
}
