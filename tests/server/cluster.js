#!/usr/bin/env node
// Several realtime nodes behind nginx, as a Frappe site that outgrew one realtime process
// runs them: N nodes (realtime.js with `cluster: true`) sharing one redis-server for
// Frappe's `events` channel and for socket.io's Redis adapter (rooms and doc_viewers
// across nodes), nginx in front (nginx.js: round-robin, ip_hash or cookie hash), the stub
// web server behind nginx's `/` with an optional bounded capacity (capacity.js). Pages,
// the API and `/socket.io/` share nginx's origin, like production.
//
//   node tests/server/cluster.js [--nodes 3] [--mode round-robin|ip_hash|cookie]
//
// prints the URLs until SIGINT/SIGTERM. Test infrastructure only.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { startRedis } from "./redis.js";
import { startRealtime } from "./realtime.js";
import { startWeb } from "./web.js";
import { startNginx } from "./nginx.js";
import { createRedisPublisher } from "./publish.js";
import { freePort, within } from "./util.js";

/**
 * @param {object} [opts]
 * @param {number} [opts.nodes=3]
 * @param {"round-robin" | "ip_hash" | "cookie"} [opts.mode="round-robin"]
 * @param {string} [opts.site="site1"]
 * @param {object} [opts.realtime] extra options for every node's startRealtime
 * @param {object} [opts.web] extra options for startWeb (`capacity`, users, …)
 * @param {string} [opts.failTimeout] nginx's fail_timeout per node (Frappe's bench: 0)
 * @param {(msg: string) => void} [opts.log]
 */
export async function startCluster(opts = {}) {
    const site = opts.site || "site1";
    const count = opts.nodes ?? 3;
    let redis = null;
    let web = null;
    let nginx = null;
    let publisher = null;
    /** @type {Array<{name: string, port: number, server: any}>} */
    const nodes = [];

    async function startNode(i) {
        const n = nodes[i];
        n.server = await startRealtime({
            port: n.port,
            name: n.name,
            defaultSite: site,
            redisUrl: redis.url,
            cluster: true,
            log: opts.log,
            ...(opts.realtime || {}),
        });
        const ok = await within(n.server.redisReady, 5000, false);
        if (!ok) throw new Error(`${n.name} could not subscribe to Redis at ${redis.url}`);
    }

    async function stopAll() {
        if (publisher) await publisher.close().catch(() => {});
        if (nginx) await nginx.stop().catch(() => {});
        for (const n of nodes) if (n.server) await n.server.close({ abrupt: true }).catch(() => {});
        if (web) await web.stop().catch(() => {});
        if (redis) await redis.dispose().catch(() => {});
    }

    try {
        redis = await startRedis();
        web = await startWeb({ site, ...(opts.web || {}) });
        for (let i = 0; i < count; i++) {
            nodes.push({ name: `node-${i + 1}`, port: await freePort(), server: null });
            await startNode(i);
        }
        nginx = await startNginx({
            webPort: web.port,
            nodePorts: nodes.map((n) => n.port),
            mode: opts.mode || "round-robin",
            site,
            failTimeout: opts.failTimeout,
        });
        publisher = createRedisPublisher(redis.url, { site });
    } catch (err) {
        await stopAll();
        throw err;
    }

    const url = nginx.url;
    web.setConfig({ site, sameOrigin: true, webOrigin: url, realtimeUrl: url, socketBase: url, socketUrl: `${url}/${site}`, socketioPort: null });

    let stopping = null;
    return {
        site,
        mode: nginx.mode,
        /** nginx's origin: pages, the API and /socket.io/ (like a production site). */
        webUrl: url,
        socketBase: url,
        socketUrl: `${url}/${site}`,
        sameOrigin: true,
        redisUrl: redis.url,
        web,
        nginx,
        redis,
        /** The nodes: `{name, port, server}` (`server` null while stopped). */
        nodes,
        /** publish_realtime(...) for this site, through Redis `events` (every node reads it). */
        publish(args) {
            return publisher.publishRealtime({ site, ...args });
        },
        login(user) {
            return web.login(user);
        },
        /** Every running node's sockets of the site namespace, with the node's name. */
        sockets() {
            const out = [];
            for (const n of nodes) {
                if (!n.server) continue;
                const ns = n.server.state().namespaces[`/${site}`];
                for (const s of ns ? ns.sockets : []) out.push({ ...s, node: n.name });
            }
            return out;
        },
        /** A Socket.IO client's URL and options to reach node `i` straight (not through
         *  nginx) as `user`: its sid cookie and the headers nginx would add; no reconnection. */
        direct(i, user) {
            return {
                url: `http://127.0.0.1:${nodes[i].port}/${site}`,
                options: {
                    transports: ["websocket"],
                    reconnection: false,
                    extraHeaders: { Cookie: `sid=${web.login(user)}`, Origin: url, Host: new URL(url).host, "X-Frappe-Site-Name": site },
                },
            };
        },
        /** The sockets connected into a namespace their node had closed (realtime.js
         *  `orphans()`): they hold their rooms, but no event reaches them. */
        orphans() {
            return nodes.flatMap((n) => (n.server ? n.server.orphans().map((s) => ({ ...s, node: n.name })) : []));
        },
        /** Stops node `i` (`abrupt`: drops its connections like a crash). */
        async stopNode(i, { abrupt = true } = {}) {
            const n = nodes[i];
            if (!n.server) return;
            const s = n.server;
            n.server = null;
            await s.close({ abrupt });
        },
        /** Starts node `i` again on its port. */
        async startNode(i) {
            if (!nodes[i].server) await startNode(i);
        },
        /** Stops everything this call started; idempotent. */
        stop() {
            return (stopping ||= stopAll());
        },
    };
}

// ---- CLI ------------------------------------------------------------------------------

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const arg = (name, fallback) => {
        const i = process.argv.indexOf(name);
        return i >= 0 ? process.argv[i + 1] : fallback;
    };
    const cluster = await startCluster({ nodes: Number(arg("--nodes", 3)), mode: arg("--mode", "round-robin") });
    console.log(`site:    ${cluster.webUrl}/pages/ (nginx, ${cluster.mode}; log in as alice@example.com / alice)`);
    for (const n of cluster.nodes) console.log(`${n.name}:  http://127.0.0.1:${n.port}`);
    console.log(`redis:   ${cluster.redisUrl}`);
    const stop = () => cluster.stop().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
}
