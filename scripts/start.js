#!/usr/bin/env node
// `npm start`: builds what is missing, starts the embedded Frappe-compatible environment
// (tests/server: the socket.io realtime server with Frappe's auth and rooms, the stub web
// server and, when installed, a throw-away redis-server) and serves the demo page
// (www/demo/) from the site's origin, like a Frappe page. Prints the demo's URL; Ctrl-C or
// SIGTERM stops everything it started.
//
//   npm start                                   # web on 8000, realtime on 9000 when free
//   DEMO_WEB_PORT=0 DEMO_REALTIME_PORT=0 npm start   # any free ports
//   node scripts/start.js --no-redis --no-build
//
// `startDemo(opts)` is the same thing as a function, for tests/e2e/demo.test.js.

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

// These three import Node's built-ins only: safe before setup (tests/unit/fresh-clone.test.js).
import { CHROMIUM } from "../tests/server/chromium.js";
import { NGINX } from "../tests/server/nginx.js";
import { REDIS_SERVER } from "../tests/server/redis.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_WEB_PORT = 8000;
export const DEFAULT_REALTIME_PORT = 9000;
const DEMO_DIR = path.join(ROOT, "www", "demo");
const DOCTYPE = "ToDo";

// ---- building what is missing ------------------------------------------------------------

function newestFile(p) {
    let st;
    try {
        st = fs.statSync(p);
    } catch {
        return null;
    }
    if (!st.isDirectory()) return { file: p, mtimeMs: st.mtimeMs };
    let best = null;
    for (const name of fs.readdirSync(p)) {
        const found = newestFile(path.join(p, name));
        if (found && (!best || found.mtimeMs > best.mtimeMs)) best = found;
    }
    return best;
}

/**
 * Why `pkg/` must be (re)built, or null when it is up to date: the wasm module, its glue or
 * the ESM entry is missing, a file under `src/` (or Cargo.toml / Cargo.lock) is newer than
 * the module, or a www/ source of the ESM entry is newer than it.
 */
export function needsBuild(root = ROOT) {
    const wasm = path.join(root, "pkg", "frappe_realtime_bg.wasm");
    let built;
    try {
        built = fs.statSync(wasm).mtimeMs;
    } catch {
        return "pkg/frappe_realtime_bg.wasm is missing";
    }
    for (const f of ["frappe_realtime.js", "index.js"]) {
        if (!fs.existsSync(path.join(root, "pkg", f))) return `pkg/${f} is missing`;
    }
    for (const source of ["src", "Cargo.toml", "Cargo.lock"]) {
        const newest = newestFile(path.join(root, source));
        if (newest && newest.mtimeMs > built) {
            return `${path.relative(root, newest.file)} is newer than pkg/frappe_realtime_bg.wasm`;
        }
    }
    // pkg/index.js bundles these (scripts/bundle-esm.js).
    const bundled = fs.statSync(path.join(root, "pkg", "index.js")).mtimeMs;
    for (const source of ["www/index.js", "www/client.js", "www/frappe-realtime.js"]) {
        const newest = newestFile(path.join(root, source));
        if (newest && newest.mtimeMs > bundled) return `${source} is newer than pkg/index.js`;
    }
    return null;
}

let buildChild = null;

function run(cmd, args) {
    return new Promise((resolve, reject) => {
        // Its own process group, so that stopping it (stopBuild) reaches cargo and the rest.
        // Its output goes to stderr: the measurement scripts print their results on stdout
        // (bench-herd.js's JSON lines had a rebuild's size report among them).
        const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", 2, "inherit"], detached: true });
        buildChild = child;
        child.once("error", reject);
        child.once("exit", (code, signal) => {
            buildChild = null;
            if (code === 0) resolve();
            else reject(new Error(`${cmd} ${args.join(" ")} failed (${signal || `exit ${code}`})`));
        });
    });
}

/**
 * Stops a running build (its process group: the build we started and its children). The
 * half-written `pkg/` is then dated back to 1970, so that the next start builds again.
 */
function stopBuild() {
    if (!buildChild) return;
    try {
        process.kill(-buildChild.pid, "SIGTERM");
    } catch {
        // already gone
    }
    try {
        fs.utimesSync(path.join(ROOT, "pkg", "frappe_realtime_bg.wasm"), 0, 0);
    } catch {
        // not written yet
    }
}

/** The system tools scripts/setup.sh installs with apt (as root), by the name callers
 *  use: where the test servers and the browser harness run them from. */
const TOOLS = { chromium: CHROMIUM, "redis-server": REDIS_SERVER, nginx: NGINX };

/** Runs scripts/build.sh when `pkg/` is missing or stale (it runs setup.sh first), else
 *  scripts/setup.sh when node_modules is missing or one of `tools` (names in TOOLS) is:
 *  the demo needs none of them, the browser benchmarks and tests Chromium and more. */
export async function ensureBuilt({ log = console.log, tools = [] } = {}) {
    const reason = needsBuild();
    const tool = tools.map((t) => TOOLS[t]).find((f) => !fs.existsSync(f));
    if (reason) {
        log(`build: ${reason}; running scripts/build.sh (installs missing tools; the first time takes minutes)`);
        await run("bash", ["scripts/build.sh"]);
    } else if (!fs.existsSync(path.join(ROOT, "node_modules", "socket.io", "package.json"))) {
        log("setup: node_modules is missing; running scripts/setup.sh");
        await run("bash", ["scripts/setup.sh"]);
    } else if (tool) {
        log(`setup: ${tool} is missing; running scripts/setup.sh (it installs it as root, else says how)`);
        await run("bash", ["scripts/setup.sh"]);
    }
}

// ---- ports ---------------------------------------------------------------------------

/** Whether 127.0.0.1:`port` can be listened on right now. */
export function portIsFree(port, host = "127.0.0.1") {
    return new Promise((resolve) => {
        const srv = net.createServer();
        srv.unref();
        srv.once("error", () => resolve(false));
        srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
}

async function pickPort(preferred, label, log) {
    if (!preferred) return 0;
    if (await portIsFree(preferred)) return preferred;
    log(`${label} port ${preferred} is busy; using a free port instead`);
    return 0;
}

// ---- the demo's data: a few ToDo documents, kept in memory ----------------------------------

const SEED = [
    ["TD-0001", "Call the customer about the delivery date", "Open", "Medium"],
    ["TD-0002", "Prepare the quarterly stock report", "Open", "High"],
    ["TD-0003", "Renew the TLS certificate of erp.example.com", "Closed", "Low"],
    ["TD-0004", "Review the reconnect pull request", "Open", "Medium"],
    ["TD-0005", "Book the team lunch", "Cancelled", "Low"],
];

// What "change on the server" writes, in turn (a scheduler job, say).
const SERVER_EDITS = [
    ["Customer confirmed: deliver on Friday", "Closed"],
    ["Customer asked to move the delivery to Monday", "Open"],
    ["Delivery booked with the carrier", "Closed"],
    ["Carrier delayed: call the customer again", "Open"],
];

export const STATUSES = ["Open", "Closed", "Cancelled"];
export const PRIORITIES = ["Low", "Medium", "High"];

/** Frappe's `modified` format (`YYYY-MM-DD HH:MM:SS.ffffff`), strictly increasing. */
function clock() {
    let last = 0;
    return () => {
        let us = Date.now() * 1000;
        if (us <= last) us = last + 1;
        last = us;
        const d = new Date(Math.floor(us / 1000));
        const pad = (n, w = 2) => String(n).padStart(w, "0");
        return (
            `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
            `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(us % 1000000, 6)}`
        );
    };
}

function createStore() {
    const now = clock();
    const docs = new Map();
    for (const [name, description, status, priority] of SEED) {
        const t = now();
        docs.set(name, {
            doctype: DOCTYPE, name, description, status, priority,
            owner: "Administrator", creation: t, modified: t, modified_by: "Administrator",
        });
    }
    let edits = 0;
    return {
        docs,
        get(name) {
            return docs.get(name) || null;
        },
        list() {
            return [...docs.values()];
        },
        /** Applies `fields` (description, status, priority) as `user`; null when not found. */
        update(name, fields, user) {
            const doc = docs.get(name);
            if (!doc) return null;
            if (typeof fields.description === "string") doc.description = fields.description.slice(0, 500);
            if (STATUSES.includes(fields.status)) doc.status = fields.status;
            if (PRIORITIES.includes(fields.priority)) doc.priority = fields.priority;
            doc.modified = now();
            doc.modified_by = user;
            return doc;
        },
        /** The next scripted server-side change of `name`. */
        serverEdit(name) {
            const [description, status] = SERVER_EDITS[edits++ % SERVER_EDITS.length];
            return this.update(name, { description, status }, "Administrator");
        },
    };
}

// ---- the demo ----------------------------------------------------------------------------

/**
 * Starts the environment and the demo.
 * @param {object} [opts]
 * @param {number} [opts.webPort=8000] preferred port of the web server (0: any free port)
 * @param {number} [opts.realtimePort=9000] preferred port of the realtime server (0: any)
 * @param {boolean|"auto"} [opts.redis="auto"] a real redis-server when installed, else the
 *   in-process publisher
 * @param {boolean} [opts.build=false] build `pkg/` first when missing or stale
 * @param {string} [opts.site="site1"]
 * @param {number} [opts.jobSteps=20] / [opts.jobIntervalMs=200] the background job's length
 * @param {number} [opts.restartDownMs=1500] how long "restart the realtime server" keeps it down
 * @param {(msg: string) => void} [opts.log=console.log]
 * @returns {Promise<{url: string, webUrl: string, realtimeUrl: string, redisUrl: string|null,
 *   env: object, store: object, stop(): Promise<void>}>}
 */
export async function startDemo(opts = {}) {
    const log = opts.log || ((m) => console.log(m));
    const site = opts.site || "site1";
    const jobSteps = opts.jobSteps ?? 20;
    const jobIntervalMs = opts.jobIntervalMs ?? 200;
    const restartDownMs = opts.restartDownMs ?? 1500;
    if (opts.build) await ensureBuilt({ log });

    // Imported here, after a possible setup: on a fresh clone node_modules may not exist yet.
    const { startEnv } = await import("../tests/server/env.js");

    const store = createStore();
    const timers = new Set();
    let env = null;
    let restarting = null;
    let stopped = false;

    const later = (ms) =>
        new Promise((resolve) => {
            const t = setTimeout(() => {
                timers.delete(t);
                resolve();
            }, ms);
            timers.add(t);
        });

    /** Document.notify_update(): doc_update to `doc:ToDo/<name>`, list_update to `doctype:ToDo`. */
    async function notifyUpdate(doc, user) {
        try {
            await env.publish({
                event: "doc_update",
                message: { modified: doc.modified, doctype: DOCTYPE, name: doc.name },
                doctype: DOCTYPE,
                docname: doc.name,
            });
            await env.publish({ event: "list_update", message: { doctype: DOCTYPE, name: doc.name, user }, doctype: DOCTYPE });
        } catch (err) {
            log(`publish failed: ${err.message}`);
        }
    }

    /** Members of a room on the realtime server now. */
    function roomSize(room) {
        const ns = env.state().namespaces[`/${site}`];
        return ns ? ns.sockets.filter((s) => s.rooms.includes(room)).length : 0;
    }

    /** A background job: publish_progress to its task room, then task_status_change and a msgprint. */
    async function runJob(taskId, user) {
        // The page subscribes to the task once it has the id; give it a moment (bounded).
        for (let i = 0; i < 60 && !stopped && roomSize(`task_progress:${taskId}`) === 0; i++) await later(50);
        for (let step = 1; step <= jobSteps && !stopped; step++) {
            await later(jobIntervalMs);
            if (stopped) return;
            await env
                .publishProgress({
                    percent: (step / jobSteps) * 100,
                    title: "Rebuilding the ToDo report",
                    description: `Step ${step} of ${jobSteps}`,
                    task_id: taskId,
                    session_user: user,
                })
                .catch((err) => log(`publish failed: ${err.message}`));
        }
        if (stopped) return;
        await env
            .publish({ event: "task_status_change", message: { status: "Success", task_id: taskId }, task_id: taskId })
            .catch(() => {});
        await env.publish({ event: "msgprint", message: "The background job finished.", user }).catch(() => {});
    }

    function bootScript(user, ctx) {
        const users = ["Administrator", "alice@example.com", "bob@example.com"];
        const user_info = {};
        for (const u of users) {
            const info = ctx.userInfo(u);
            if (info) user_info[u] = { fullname: info.full_name };
        }
        const boot = {
            sitename: site,
            socketio_port: new URL(env.realtimeUrl).port,
            user_info,
            demo: { restart_down_ms: restartDownMs },
        };
        const me = ctx.userInfo(user);
        const session = { user, user_fullname: me ? me.full_name : user };
        return (
            "// Boot data, as a Frappe page gets it from the server.\n" +
            "window.frappe = window.frappe || {};\n" +
            `frappe.boot = Object.assign(frappe.boot || {}, ${JSON.stringify(boot)});\n` +
            `frappe.session = ${JSON.stringify(session)};\n` +
            "window.dev_server = 1; // the realtime server listens on its own port, as under `bench start`\n"
        );
    }

    async function routes(req, res, url, ctx) {
        const p = url.pathname;
        const isDemoPath = p === "/" || p.startsWith("/demo") || p.startsWith("/api/resource/") ||
            p.startsWith("/api/method/frappe_realtime.demo.");
        if (!isDemoPath) return false;
        if (!env) {
            ctx.sendJson(res, 503, ctx.frappeError("ServiceUnavailable", "starting"));
            return true;
        }
        if (p === "/") {
            res.writeHead(302, { Location: "/demo" });
            res.end();
            return true;
        }
        if (p === "/demo" || p === "/demo/") {
            ctx.serveFile(req, res, path.join(DEMO_DIR, "index.html"));
            return true;
        }
        const user = ctx.user(req);
        if (p === "/demo/boot.js") {
            ctx.sendText(res, 200, bootScript(user || "Guest", ctx), "text/javascript; charset=utf-8");
            return true;
        }
        if (!p.startsWith("/api/")) return false;
        if (!user || user === "Guest") {
            ctx.sendJson(res, 403, ctx.frappeError("PermissionError", "Not permitted: log in first"));
            return true;
        }

        // REST, as Frappe's /api/resource/<doctype>[/<name>].
        const resource = /^\/api\/resource\/([^/]+)(?:\/([^/]+))?$/.exec(p);
        if (resource) {
            const doctype = decodeURIComponent(resource[1]);
            const name = resource[2] && decodeURIComponent(resource[2]);
            if (doctype !== DOCTYPE) {
                ctx.sendJson(res, 404, ctx.frappeError("DoesNotExistError", `DocType ${doctype} not found`));
                return true;
            }
            if (!name) {
                if (req.method !== "GET") return false;
                ctx.sendJson(res, 200, { data: store.list() });
                return true;
            }
            if (!store.get(name)) {
                ctx.sendJson(res, 404, ctx.frappeError("DoesNotExistError", `${doctype} ${name} not found`));
                return true;
            }
            if (req.method === "GET") {
                ctx.sendJson(res, 200, { data: store.get(name) });
                return true;
            }
            if (req.method === "PUT") {
                const form = await ctx.readForm(req, url);
                const doc = store.update(name, form, user);
                ctx.sendJson(res, 200, { data: doc });
                await notifyUpdate(doc, user);
                return true;
            }
            ctx.sendJson(res, 405, ctx.frappeError("ValidationError", "GET or PUT"));
            return true;
        }

        const method = p.slice("/api/method/frappe_realtime.demo.".length);
        const args = await ctx.readForm(req, url);
        if (req.method !== "POST" && method !== "socket_rooms") {
            ctx.sendJson(res, 405, ctx.frappeError("ValidationError", "POST only"));
            return true;
        }
        switch (method) {
            case "change_on_server": {
                const name = args.name || "TD-0001";
                if (!store.get(name)) {
                    ctx.sendJson(res, 404, ctx.frappeError("DoesNotExistError", `${DOCTYPE} ${name} not found`));
                    return true;
                }
                const doc = store.serverEdit(name);
                await notifyUpdate(doc, "Administrator");
                ctx.sendJson(res, 200, { message: doc });
                return true;
            }
            case "start_job": {
                const taskId = `demo-job-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
                runJob(taskId, user).catch((err) => log(`job failed: ${err.message}`));
                ctx.sendJson(res, 200, { message: { task_id: taskId } });
                return true;
            }
            case "restart_realtime": {
                if (!restarting) {
                    log(`restarting the realtime server (down for ${restartDownMs} ms)`);
                    restarting = env
                        .restartRealtime({ abrupt: true, downMs: restartDownMs })
                        .then(() => log("realtime server is back"))
                        .catch((err) => log(`restart failed: ${err.message}`))
                        .finally(() => {
                            restarting = null;
                        });
                }
                ctx.sendJson(res, 200, { message: { down_ms: restartDownMs } });
                return true;
            }
            case "socket_rooms": {
                // The realtime server's view of one of this user's sockets.
                if (restarting) {
                    ctx.sendJson(res, 200, { message: { up: false, found: false, rooms: [] } });
                    return true;
                }
                const ns = env.state().namespaces[`/${site}`];
                const s = ns && ns.sockets.find((x) => x.id === args.socket_id && x.user === user);
                ctx.sendJson(res, 200, {
                    message: s
                        ? { up: true, found: true, id: s.id, rooms: s.rooms, transport: s.transport }
                        : { up: true, found: false, rooms: [] },
                });
                return true;
            }
            default:
                ctx.sendJson(res, 404, ctx.frappeError("DoesNotExistError", `Failed to get method for command ${p.slice(12)}`));
                return true;
        }
    }

    let useRedis = opts.redis ?? "auto";
    if (useRedis === "auto") useRedis = fs.existsSync(REDIS_SERVER);
    let webPort = await pickPort(opts.webPort ?? DEFAULT_WEB_PORT, "web", log);
    let realtimePort = await pickPort(opts.realtimePort ?? DEFAULT_REALTIME_PORT, "realtime", log);
    const start = () =>
        startEnv({ site, redis: useRedis, web: { port: webPort, routes }, realtime: { port: realtimePort } });
    try {
        env = await start();
    } catch (err) {
        if (err.code === "EADDRINUSE") {
            // Taken between the check and the listen: any free ports then.
            log(`${err.message}; using free ports instead`);
            webPort = 0;
            realtimePort = 0;
            env = await start();
        } else if (useRedis) {
            log(`redis-server could not be used (${err.message}); using the in-process publisher`);
            useRedis = false;
            env = await start();
        } else {
            throw err;
        }
    }

    let stopping = null;
    return {
        url: `${env.webUrl}/demo`,
        webUrl: env.webUrl,
        realtimeUrl: env.realtimeUrl,
        redisUrl: env.redisUrl,
        env,
        store,
        /** Stops the jobs and everything startEnv started. Idempotent. */
        stop() {
            if (!stopping) {
                stopped = true;
                for (const t of timers) clearTimeout(t);
                timers.clear();
                stopping = (async () => {
                    if (restarting) await Promise.race([restarting, new Promise((r) => setTimeout(r, 3000))]);
                    await env.stop();
                })();
            }
            return stopping;
        },
    };
}

// ---- CLI ---------------------------------------------------------------------------------

function portFromEnv(name, fallback) {
    const v = process.env[name];
    if (v === undefined || v === "") return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}=${v} is not a port`);
    return n;
}

async function main() {
    const argv = process.argv.slice(2);
    if (argv.includes("--help") || argv.includes("-h")) {
        console.log(
            "usage: node scripts/start.js [--no-build] [--no-redis]\n" +
            "env: DEMO_WEB_PORT (default 8000), DEMO_REALTIME_PORT (default 9000), 0 = any free port;\n" +
            "     DEMO_BUILD=0 (skip the build check), DEMO_REDIS=0 (in-process publisher)",
        );
        return;
    }
    for (const a of argv) if (!["--no-build", "--no-redis"].includes(a)) throw new Error(`unknown argument ${a}`);
    const build = !argv.includes("--no-build") && process.env.DEMO_BUILD !== "0";
    const redis = argv.includes("--no-redis") || process.env.DEMO_REDIS === "0" ? false : "auto";

    let demo = null;
    let stopping = false;
    const shutdown = async (sig) => {
        if (stopping) {
            // A second Ctrl-C: leave now (redis-server is killed by the exit hook).
            process.exit(130);
        }
        stopping = true;
        console.log(`\n${sig}: stopping`);
        const force = setTimeout(() => {
            console.error("could not stop within 5 s; exiting");
            process.exit(1);
        }, 5000);
        force.unref();
        stopBuild();
        if (demo) await demo.stop().catch((err) => console.error(err));
        process.exit(0);
    };
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGHUP", () => shutdown("SIGHUP"));
    if (process.env.npm_lifecycle_event) {
        // `npm start` forwards SIGTERM to its `sh -c`, which dies without passing it on:
        // notice that we were orphaned and stop as well.
        const parent = process.ppid;
        setInterval(() => process.ppid !== parent && shutdown("npm exited"), 250).unref();
    }

    const t0 = Date.now();
    if (build) await ensureBuilt();
    if (stopping) return;
    demo = await startDemo({
        webPort: portFromEnv("DEMO_WEB_PORT", DEFAULT_WEB_PORT),
        realtimePort: portFromEnv("DEMO_REALTIME_PORT", DEFAULT_REALTIME_PORT),
        redis,
    });
    if (stopping) {
        await demo.stop();
        return;
    }
    console.log("");
    console.log("frappe-realtime demo");
    console.log(`  open:      ${demo.url}`);
    console.log("  sign in:   alice@example.com / alice, bob@example.com / bob, Administrator / admin");
    console.log("             (a second browser or a private window for a second user)");
    console.log(`  realtime:  ${demo.realtimeUrl}  (socket.io with Frappe's auth and rooms; state: ${demo.realtimeUrl}/__test/state)`);
    console.log(`  publisher: ${demo.redisUrl ? `redis-server at ${demo.redisUrl}` : "in-process (no redis-server found)"}`);
    console.log(`  ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; Ctrl-C stops everything.`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    main().catch((err) => {
        console.error(err && err.stack ? err.stack : err);
        process.exit(1);
    });
}
