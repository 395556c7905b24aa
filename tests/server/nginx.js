// Debian's nginx in front of several realtime nodes and the stub web server, as a Frappe
// production site has it: `/socket.io/` goes to an upstream of realtime nodes with
// Frappe's proxy settings (HTTP/1.1, the upgrade headers, X-Frappe-Site-Name, Origin and
// Host), everything else to the web server. A throw-away prefix directory holds the
// config, logs and temp files; nginx runs in the foreground (`daemon off`), one worker,
// on 127.0.0.1, and is stopped by its PID. Test infrastructure only.
//
// Balancing modes of the realtime upstream:
//   - "round-robin": nginx's default, no stickiness (each request and each WebSocket
//     may land on another node);
//   - "ip_hash": by client address (every client behind one NAT on one node; on
//     loopback, every client on one node);
//   - "cookie": `hash $cookie_sid consistent`, by Frappe's session cookie.
// Frappe's bench writes `fail_timeout=0` on its upstream servers (nginx never marks a
// node down, it tries the next one on each failed connect); `failTimeout` overrides it.
//
// One worker holds up to 16,384 connections: a herd of 1,000 clients is 2,000 of them
// for the WebSockets, and every web server call the realtime nodes make through nginx
// (Frappe's server calls the site's own origin) holds two more while the web server
// queues it. With 4,096 the herd of docs/scale.md ran out ("4096 worker_connections are
// not enough"): nginx dropped connections, and the realtime nodes' calls failed with
// "other side closed" or ECONNRESET before they reached the web server (a failure of
// this proxy's size, not of the web server or the client).

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, sleep, trackChild, waitUntil } from "./util.js";

export const NGINX = process.env.NGINX || "/usr/sbin/nginx";
export const MODES = ["round-robin", "ip_hash", "cookie"];

const BALANCE = { "round-robin": "", ip_hash: "ip_hash;", cookie: "hash $cookie_sid consistent;" };

/** The config text (exported: `startNginx` writes it, a reader may print it). `assetsDir`:
 *  serve `/assets` from that directory, as Frappe's nginx serves `sites/assets`;
 *  `accessLog`: log every request to the web server in `<dir>/web.log`, one line each:
 *  `<epoch seconds.ms> <seconds taken> <status> <request URI>` (`webCalls()` reads it), and
 *  the realtime nodes' in `<dir>/socketio.log` (`socketioCalls()`). */
export function nginxConfig({ port, webPort, nodePorts, mode = "round-robin", site = "site1", failTimeout = "0", dir, user = null, assetsDir = null, accessLog = false }) {
    if (!(mode in BALANCE)) throw new Error(`nginx: mode must be one of ${MODES.join(", ")}`);
    const servers = nodePorts.map((p) => `        server 127.0.0.1:${p} fail_timeout=${failTimeout};`).join("\n");
    return `${user ? `user ${user};\n` : ""}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 16384; }
http {
    access_log off;${accessLog ? "\n    log_format calls '$msec $request_time $status $request_uri';" : ""}
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    upstream socketio-server {
        ${BALANCE[mode]}
${servers}
    }
    upstream frappe-server {
        server 127.0.0.1:${webPort} fail_timeout=0;
    }
    server {
        listen 127.0.0.1:${port};
        server_name _;
        location /socket.io {
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header X-Frappe-Site-Name ${site};
            proxy_set_header Origin $scheme://$http_host;
            proxy_set_header Host $host;
            proxy_pass http://socketio-server;${accessLog ? `\n            access_log ${dir}/socketio.log calls;` : ""}
        }
${assetsDir ? `        location /assets {\n            alias ${assetsDir};\n        }\n` : ""}        location / {${accessLog ? `\n            access_log ${dir}/web.log calls;` : ""}
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Frappe-Site-Name ${site};
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 120;
            proxy_pass http://frappe-server;
        }
    }
}
`;
}

/** An access log of nginxConfig's `calls` format, read. */
function readCalls(file) {
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
            const [end, took, status, uri] = line.split(" ");
            const ms = Math.round(Number(took) * 1000);
            return { at: Math.round(Number(end) * 1000) - ms, ms, status: Number(status), uri };
        });
}

/**
 * Starts nginx on a free port of 127.0.0.1.
 * @param {object} o
 * @param {number} o.webPort the stub web server's port
 * @param {number[]} o.nodePorts the realtime nodes' ports
 * @param {"round-robin" | "ip_hash" | "cookie"} [o.mode]
 * @param {string} [o.site]
 * @param {string} [o.failTimeout="0"] each upstream server's fail_timeout (Frappe: 0)
 * @param {string} [o.assetsDir] serve /assets from it (nginxConfig)
 * @param {boolean} [o.accessLog] log the web server's and the nodes' requests (nginxConfig; `webCalls()`, `socketioCalls()`)
 * @param {number} [o.timeout=5000] how long to wait for nginx to answer
 */
export async function startNginx(o) {
    if (!fs.existsSync(NGINX)) {
        throw new Error(`nginx not found at ${NGINX}: install Debian's nginx-light (npm run setup does, as root)`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "frappe-rt-nginx-"));
    // As root, nginx's worker would run as `nobody`, which cannot write the temp paths here.
    const user = process.getuid && process.getuid() === 0 ? "root" : null;
    const port = await freePort();
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, nginxConfig({ ...o, port, dir, user }));
    const child = spawn(NGINX, ["-p", dir, "-c", conf, "-e", path.join(dir, "error.log"), "-g", "daemon off;"], {
        stdio: ["ignore", "ignore", "pipe"],
    });
    trackChild(child);
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    let exited = false;
    child.once("exit", () => (exited = true));
    const url = `http://127.0.0.1:${port}`;
    try {
        // An nginx that exited (a bad config, a port taken) ends the wait at once.
        const state = await waitUntil(
            async () => {
                if (exited) return "exited";
                try {
                    await fetch(url + "/favicon.ico", { signal: AbortSignal.timeout(500) });
                    return "up";
                } catch {
                    return false;
                }
            },
            { timeout: o.timeout ?? 5000, interval: 50, what: "nginx answering" },
        );
        if (state === "exited") throw new Error(`nginx exited: ${stderr.trim() || fs.readFileSync(path.join(dir, "error.log"), "utf8")}`);
    } catch (err) {
        child.kill("SIGKILL");
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
    }
    return {
        port,
        url,
        pid: child.pid,
        mode: o.mode || "round-robin",
        /** The error log so far (for a failing test's message). */
        log: () => {
            try {
                return fs.readFileSync(path.join(dir, "error.log"), "utf8");
            } catch {
                return "";
            }
        },
        /** The web server's requests so far, with `accessLog`: [{at (when it reached
         *  nginx, ms since the epoch), ms (until answered), status, uri}]. */
        webCalls: () => readCalls(path.join(dir, "web.log")),
        /** The same for the realtime nodes' requests (a WebSocket's ends when it closes). */
        socketioCalls: () => readCalls(path.join(dir, "socketio.log")),
        /** Stops nginx (SIGTERM: fast shutdown, then SIGKILL after 2 s) and removes its directory. */
        async stop() {
            if (!exited) {
                child.kill("SIGTERM");
                for (let i = 0; i < 40 && !exited; i++) await sleep(50);
                if (!exited) child.kill("SIGKILL");
                for (let i = 0; i < 40 && !exited; i++) await sleep(50);
            }
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
