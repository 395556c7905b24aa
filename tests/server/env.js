#!/usr/bin/env node
// The whole Frappe-like realtime environment on loopback: redis-server, the stub web
// server and the realtime server, each on a free port. Used by the end-to-end tests and by
// the demo. `node tests/server/env.js [--site NAME] [--same-origin] [--no-redis]` starts it
// and prints the URLs until SIGINT/SIGTERM. Test infrastructure only.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { startRedis } from "./redis.js";
import { startRealtime } from "./realtime.js";
import { startWeb } from "./web.js";
import { createLocalPublisher, createRedisPublisher } from "./publish.js";
import { startProxy } from "./proxy.js";
import { sleep, within } from "./util.js";

/**
 * Points the web server at the realtime server: its `/socket.io/` proxy goes to
 * `entryPort` (the realtime server's, or a proxy's in front of it), and the pages it
 * serves connect there in dev mode, or through the proxy with `sameOrigin`.
 * @param {any} web startWeb()'s handle
 * @param {{site: string, realtimePort: number, entryPort?: number, sameOrigin?: boolean}} o
 */
export function pointWebAt(web, { site, realtimePort, entryPort = realtimePort, sameOrigin = false }) {
    web.setRealtimeTarget(() => ({ host: "127.0.0.1", port: entryPort }));
    const socketBase = sameOrigin ? web.url : `http://127.0.0.1:${entryPort}`;
    web.setConfig({
        site,
        sameOrigin,
        webOrigin: web.url,
        realtimeUrl: `http://127.0.0.1:${realtimePort}`,
        socketBase,
        socketUrl: `${socketBase}/${site}`,
        socketioPort: sameOrigin ? null : entryPort,
    });
}

/**
 * @param {object} [opts]
 * @param {string} [opts.site="site1"] site name = namespace = bench default_site
 * @param {boolean} [opts.sameOrigin=false] clients reach the realtime server through the
 *   web server's /socket.io/ proxy (production, nginx) instead of its own port (dev mode).
 *   Both work either way; this picks `env.socketBase` and what pages are told.
 * @param {boolean} [opts.redis=true] real redis-server + Redis publisher; false: in-process publisher
 * @param {object} [opts.realtime] extra options for startRealtime (cookieMessage, namespaceQuirk, …)
 * @param {object} [opts.web] extra options for startWeb (users, permissions, …)
 * @param {boolean} [opts.proxy=false] put the fault-injection TCP proxy (proxy.js) between
 *   clients and the realtime server: `socketBase` (dev mode) and the web server's
 *   /socket.io/ proxy (same origin) both go through it; `env.proxy` controls it
 * @param {(msg: string) => void} [opts.log]
 */
export async function startEnv(opts = {}) {
    const site = opts.site || "site1";
    const sameOrigin = Boolean(opts.sameOrigin);
    const realtimeOpts = { ...(opts.realtime || {}) };
    const started = []; // what this call started, in order, for stop()
    let redis = null;
    let web = null;
    let realtime = null;
    let publisher = null;
    let proxy = null;
    let stopping = null;

    async function stopAll() {
        if (publisher) await publisher.close().catch(() => {});
        if (proxy) await proxy.close().catch(() => {});
        if (realtime) await realtime.close({ abrupt: true }).catch(() => {});
        if (web) await web.stop().catch(() => {});
        if (redis) await redis.dispose().catch(() => {});
    }

    try {
        if (opts.redis !== false) {
            redis = await startRedis();
            started.push("redis");
        }
        web = await startWeb({ site, ...(opts.web || {}) });
        started.push("web");
        realtime = await startRealtime({
            defaultSite: site,
            redisUrl: redis ? redis.url : null,
            log: opts.log,
            ...realtimeOpts,
        });
        started.push("realtime");
        const realtimePort = realtime.port;
        if (opts.proxy) {
            proxy = await startProxy({ target: () => ({ host: "127.0.0.1", port: realtimePort }), log: opts.log });
            started.push("proxy");
        }
        pointWebAt(web, { site, realtimePort, entryPort: proxy ? proxy.port : realtimePort, sameOrigin });
        if (redis) {
            const ok = await within(realtime.redisReady, 5000, false);
            if (!ok) throw new Error(`realtime server could not subscribe to Redis at ${redis.url}`);
            publisher = createRedisPublisher(redis.url, { site });
        } else {
            publisher = createLocalPublisher(() => realtime, { site });
        }
    } catch (err) {
        await stopAll();
        throw err;
    }

    const realtimePort = realtime.port;
    const webUrl = web.url;
    const realtimeUrl = `http://127.0.0.1:${realtimePort}`;
    const socketBase = web.config.socketBase;

    const env = {
        site,
        sameOrigin,
        /** http://127.0.0.1:<web port>: the site's origin (pages, API, /socket.io/ proxy). */
        webUrl,
        /** http://127.0.0.1:<realtime port>: the realtime server's own port (dev mode). */
        realtimeUrl,
        /** Where clients connect: webUrl when sameOrigin, else the proxy's URL or realtimeUrl. */
        socketBase,
        /** socketBase + "/" + site: the namespace URL to hand to a Socket.IO client. */
        socketUrl: `${socketBase}/${site}`,
        redisUrl: redis ? redis.url : null,
        get redis() {
            return redis;
        },
        get web() {
            return web;
        },
        get realtime() {
            return realtime;
        },
        get publisher() {
            return publisher;
        },
        /** The fault-injection proxy (`opts.proxy`), else null. */
        proxy,
        /** publish_realtime(...) for this site (Redis, or in-process without Redis). */
        publish(args) {
            return publisher.publishRealtime({ site, ...args });
        },
        /** publish_progress(...) for this site. */
        publishProgress(args) {
            return publisher.publishProgress({ site, ...args });
        },
        /** Realtime server state (same as GET <realtimeUrl>/__test/state). */
        state() {
            return realtime.state();
        },
        /** Creates a session for `user` without HTTP; returns the `sid`. */
        login(user) {
            return web.login(user);
        },
        /**
         * Stops the realtime server and starts a new one on the same port. `abrupt` drops the
         * connections like a crash; `downMs` keeps it down that long. Returns the new handle.
         */
        async restartRealtime({ abrupt = false, downMs = 0, ...overrides } = {}) {
            if (stopping) throw new Error("environment is stopping");
            await realtime.close({ abrupt });
            if (downMs) await sleep(downMs);
            let lastErr;
            for (let i = 0; i < 20; i++) {
                try {
                    realtime = await startRealtime({
                        defaultSite: site,
                        redisUrl: redis ? redis.url : null,
                        log: opts.log,
                        ...realtimeOpts,
                        ...overrides,
                        port: realtimePort,
                    });
                    lastErr = null;
                    break;
                } catch (err) {
                    lastErr = err;
                    if (err.code !== "EADDRINUSE") break;
                    await sleep(50);
                }
            }
            if (lastErr) throw lastErr;
            if (redis) await within(realtime.redisReady, 5000, false);
            return realtime;
        },
        /** Stops the realtime server only (it stays down until restartRealtime). */
        async stopRealtime({ abrupt = false } = {}) {
            await realtime.close({ abrupt });
        },
        /** Restarts redis-server on the same port (the realtime server resubscribes by itself). */
        async restartRedis({ downMs = 0 } = {}) {
            if (!redis) throw new Error("started without redis");
            await redis.restart({ downMs });
        },
        /** Stops everything this call started. Idempotent. */
        stop() {
            if (!stopping) stopping = stopAll();
            return stopping;
        },
    };
    return env;
}

/**
 * The realtime server's view of `user`'s sockets (every socket without `user`) in the
 * env's site namespace: [{id, user, rooms, transport, …}] (realtime.js state()). Here
 * rather than in tests/e2e/harness.js, which re-exports it, so that the soak and the
 * benchmarks use it without loading Playwright.
 */
export function socketsOf(env, user) {
    const ns = env.state().namespaces[`/${env.site}`];
    return ns ? ns.sockets.filter((s) => user === undefined || s.user === user) : [];
}

function parseArgs(argv) {
    const out = { site: "site1", sameOrigin: false, redis: true, verbose: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--site") out.site = argv[++i];
        else if (a === "--same-origin") out.sameOrigin = true;
        else if (a === "--no-redis") out.redis = false;
        else if (a === "--v16") out.v16 = true;
        else if (a === "--verbose") out.verbose = true;
        else if (a === "--help" || a === "-h") out.help = true;
        else throw new Error(`unknown argument ${a}`);
    }
    return out;
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) {
        console.log("usage: node tests/server/env.js [--site NAME] [--same-origin] [--no-redis] [--v16] [--verbose]");
        return;
    }
    const env = await startEnv({
        site: args.site,
        sameOrigin: args.sameOrigin,
        redis: args.redis,
        realtime: args.v16 ? { cookieMessage: "v16" } : {},
        log: args.verbose ? (m) => console.log(`[realtime] ${m}`) : undefined,
    });
    console.log(`site:      ${env.site}`);
    console.log(`web:       ${env.webUrl}   (pages: ${env.webUrl}/pages/, login: POST /api/method/login)`);
    console.log(`realtime:  ${env.realtimeUrl}   (state: ${env.realtimeUrl}/__test/state)`);
    console.log(`socket:    ${env.socketUrl}`);
    console.log(`redis:     ${env.redisUrl || "(none, in-process publisher)"}`);
    console.log("users:     Administrator/admin, alice@example.com/alice, bob@example.com/bob, guest-ish/guest-ish");
    let stopping = false;
    const shutdown = async (sig) => {
        if (stopping) return;
        stopping = true;
        console.log(`\n${sig}: stopping`);
        const timer = setTimeout(() => process.exit(1), 5000);
        await env.stop();
        clearTimeout(timer);
        process.exit(0);
    };
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    main().catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
