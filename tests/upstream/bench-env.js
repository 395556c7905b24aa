// A real bench for tests/upstream/bench.test.js and bench-herd.js: its site, its own
// realtime server (run by the scripts, so that they can kill it), its gunicorn (run by
// the herd), and a REST session on the site standing for a second user of Desk. The bench
// itself, and the web server bench.test.js uses, are the developer's (bench.md).

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { REPO_ROOT } from "../server/web.js";
import { freePort, stopChild, trackChild, waitUntil } from "../server/util.js";
import { frappeRealtime } from "./frappe-process.js";

export const PACKAGE_VERSION = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version;

const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));

/** The bench's common_site_config.json. */
export const benchConfig = (bench) => readJson(path.join(bench, "sites", "common_site_config.json"));

/** The port of the bench's realtime server (common_site_config's socketio_port; Frappe's default 9000). */
const socketioPort = (conf) => Number(conf.socketio_port || 9000);

/**
 * The site the tests use (BENCH_SITE, else the bench's default_site) and its Desk URL
 * (`http://<site>:<webserver_port>`: the web server picks the site by the Host header; the
 * name must resolve to loopback, as `*.localhost` does in Chromium and `bench
 * add-to-hosts` makes it do for Frappe's realtime server).
 */
export function benchSite(bench) {
    const conf = benchConfig(bench);
    const name = process.env.BENCH_SITE || conf.default_site;
    if (!name || !fs.existsSync(path.join(bench, "sites", name, "site_config.json"))) {
        throw new Error(`no site ${name || "(none)"} in ${bench}/sites: set BENCH_SITE, or default_site (bench use <site>)`);
    }
    return { name, url: `http://${name}:${conf.webserver_port || 8000}`, socketioPort: socketioPort(conf) };
}

/**
 * Whom to run the bench's processes as, so that a script run as root leaves no file of
 * root's in the bench (gunicorn writes its logs there, and `bench serve` as the bench's
 * owner then fails on them): `{uid, gid, env: {HOME}}` of the bench directory's owner when
 * this process is root and the owner is not, else `{}`; spread into spawn()'s options.
 */
export function benchOwner(bench) {
    const { uid, gid } = fs.statSync(bench);
    if (typeof process.getuid !== "function" || process.getuid() !== 0 || uid === 0) return {};
    const entry = fs
        .readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .map((l) => l.split(":"))
        .find((f) => Number(f[2]) === uid);
    return { uid, gid, env: { ...process.env, HOME: entry ? entry[5] : bench } };
}

/** Gives `files` to the bench's owner (benchOwner) when run as root. */
export function giveToBenchOwner(bench, files) {
    const { uid, gid } = benchOwner(bench);
    if (uid !== undefined) for (const f of files) fs.chownSync(f, uid, gid);
}

/** Resolves true when something accepts TCP connections on 127.0.0.1:`port`. */
const listening = (port) =>
    new Promise((resolve) => {
        const s = net.connect({ host: "127.0.0.1", port });
        s.once("connect", () => (s.destroy(), resolve(true)));
        s.once("error", () => resolve(false));
    });

/**
 * Starts the bench's own realtime server (apps/frappe/realtime, on its socketio_port, or
 * on `port`: Frappe's FRAPPE_SOCKETIO_PORT, for a second node; `subscribers`: how many
 * nodes, this one included, are then subscribed to Redis `events`); refuses when that
 * port is taken (the bench's `bench socketio` is running: stop it, the tests kill
 * theirs). `stop()` kills it.
 */
export async function startBenchRealtime(bench, { port = 0, subscribers = 1 } = {}) {
    const conf = benchConfig(bench);
    port ||= socketioPort(conf);
    if (await listening(port)) {
        throw new Error(`port ${port} is taken: stop the bench's realtime server (bench socketio), the tests run their own`);
    }
    const node = frappeRealtime({ bench, redisUrl: conf.redis_queue, env: { FRAPPE_BENCH_ROOT: bench, FRAPPE_SOCKETIO_PORT: String(port) } });
    await node.start({ subscribers });
    return { ...node, port, stop: () => node.kill() };
}

/**
 * The bench's web server as its production setup runs it: gunicorn from the bench's env,
 * as the bench's owner (benchOwner), `workers` sync workers, Frappe's WSGI application, on
 * a free port of 127.0.0.1 (it does not serve /assets: nginx does). `start()` resolves
 * once `site` answers /api/method/ping (Frappe takes a second or more to load); `stop()` is
 * SIGTERM, as a restart sends it.
 */
export function benchGunicorn(bench, site, { workers = 4 } = {}) {
    let child = null;
    let port = 0;
    let output = "";
    const web = {
        get port() {
            return port;
        },
        output: () => output,
        async start() {
            port ||= await freePort();
            const gunicorn = path.join(bench, "env", "bin", "gunicorn");
            child = spawn(gunicorn, ["-b", `127.0.0.1:${port}`, "-w", String(workers), "-t", "120", "frappe.app:application"], {
                cwd: path.join(bench, "sites"),
                stdio: ["ignore", "pipe", "pipe"],
                ...benchOwner(bench),
            });
            trackChild(child);
            const me = child;
            child.stdout.on("data", (d) => (output += d));
            child.stderr.on("data", (d) => (output += d));
            await waitUntil(
                async () => {
                    if (me.exitCode !== null) throw new Error(`gunicorn exited: ${output.slice(-2000)}`);
                    try {
                        const r = await fetch(`http://127.0.0.1:${port}/api/method/ping`, { headers: { "X-Frappe-Site-Name": site }, signal: AbortSignal.timeout(1000) });
                        return r.status === 200;
                    } catch {
                        return false;
                    }
                },
                { timeout: 60000, interval: 50, what: `gunicorn answering for ${site}` },
            );
        },
        async stop() {
            const me = child;
            child = null;
            await stopChild(me, "SIGTERM");
        },
    };
    return web;
}

/**
 * A session on the site through Frappe's REST API (POST /api/method/login, then
 * /api/resource), for changes made "elsewhere" than the page under test.
 */
export async function apiSession(url, usr, pwd) {
    const res = await fetch(`${url}/api/method/login`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ usr, pwd }),
    });
    if (res.status !== 200) throw new Error(`log in to ${url} as ${usr}: ${res.status} ${await res.text()}`);
    const sid = /(?:^|[;,]\s*)sid=([^;]+)/.exec(res.headers.get("set-cookie") || "");
    if (!sid) throw new Error(`log in to ${url}: no sid cookie`);
    const call = async (method, p, body) => {
        const r = await fetch(`${url}${p}`, {
            method,
            headers: { Cookie: `sid=${sid[1]}`, "Content-Type": "application/json", Accept: "application/json" },
            body: body && JSON.stringify(body),
        });
        const text = await r.text();
        if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`);
        return JSON.parse(text).data;
    };
    return {
        /** The session's `sid` cookie. */
        sid: sid[1],
        /** Every `doctype` document's `fields` matching `filters` (REST list, no page limit). */
        list: (doctype, { fields = ["name"], filters = [] } = {}) =>
            call("GET", `/api/resource/${encodeURIComponent(doctype)}?${new URLSearchParams({ fields: JSON.stringify(fields), filters: JSON.stringify(filters), limit_page_length: "0" })}`),
        insert: (doctype, fields) => call("POST", `/api/resource/${encodeURIComponent(doctype)}`, fields),
        update: (doctype, name, fields) => call("PUT", `/api/resource/${encodeURIComponent(doctype)}/${encodeURIComponent(name)}`, fields),
    };
}
