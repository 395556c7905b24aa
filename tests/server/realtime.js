// A Frappe-compatible realtime server for the end-to-end tests and the demo: the `socket.io`
// npm package with Frappe's wire contract (docs/frappe-realtime-contract.md in shared docs):
// one dynamic namespace per site, the connect-time authentication steps in Frappe's order
// with Frappe's exact error messages, Frappe's rooms and room handlers, and the Redis
// `events` channel. Written for this project; the Frappe behaviour it mirrors, and where
// that was read, is listed in tests/server/README.md.
//
// Test-only additions, never part of Frappe: the `echo_*` event handlers, the counters and
// the /__test/ HTTP endpoints.

import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { Server } from "socket.io";
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-adapter";
import { parseCookies } from "./web.js";
import { closeServer, listen, trackConnections, within } from "./util.js";

export const SITE_NAMESPACE = /^\/[\w.-]+$/;

export const MESSAGES = {
    invalidNamespace: "Invalid namespace",
    invalidOrigin: "Invalid origin",
    noCookieV15: "No cookie transmitted.",
    noCookieV16: "Missing cookie and authorization header. Either one needed for authentication.",
    noAuthMethod: "No authentication method used. Use cookie or authorization header.",
    unauthorizedPrefix: "Unauthorized: ",
};

/** Host name of a URL or a Host header value: no scheme, no path, no port. */
export function hostnameOf(value) {
    if (!value) return undefined;
    let rest = String(value);
    const scheme = rest.indexOf("://");
    if (scheme >= 0) rest = rest.slice(scheme + 3);
    const slash = rest.indexOf("/");
    if (slash >= 0) rest = rest.slice(0, slash);
    if (rest.startsWith("[")) {
        const close = rest.indexOf("]");
        return close >= 0 ? rest.slice(0, close + 1) : rest;
    }
    const colon = rest.indexOf(":");
    return colon >= 0 ? rest.slice(0, colon) : rest;
}

/**
 * The site a request is for, in Frappe's order: X-Frappe-Site-Name, else the default site
 * when the Host is localhost/127.0.0.1, else the Origin's host name, else the Host's.
 */
export function siteFromHeaders(headers, defaultSite) {
    if (headers["x-frappe-site-name"]) return hostnameOf(headers["x-frappe-site-name"]);
    const host = hostnameOf(headers.host);
    if (defaultSite && (host === "localhost" || host === "127.0.0.1")) return defaultSite;
    if (headers.origin) return hostnameOf(headers.origin);
    return host;
}

const docRoom = (doctype, docname) => `doc:${doctype}/${docname}`;
const openDocRoom = (doctype, docname) => `open_doc:${doctype}/${docname}`;
const userRoom = (user) => `user:${user}`;
const doctypeRoom = (doctype) => `doctype:${doctype}`;
const taskRoom = (taskId) => `task_progress:${taskId}`;

function summarize(value, depth = 0) {
    if (Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
        return { _binary: value.byteLength };
    }
    if (typeof value === "function") return "[ack]";
    if (depth > 4 || value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.slice(0, 20).map((v) => summarize(v, depth + 1));
    const out = {};
    for (const k of Object.keys(value).slice(0, 50)) out[k] = summarize(value[k], depth + 1);
    return out;
}

/**
 * Starts the realtime server.
 * @param {object} [opts]
 * @param {number} [opts.port=0]
 * @param {string} [opts.defaultSite="site1"] bench's default_site (used for localhost/127.0.0.1 hosts)
 * @param {string|null} [opts.redisUrl] subscribe to the `events` channel there; null: no Redis
 * @param {"v15"|"v16"} [opts.cookieMessage="v15"] wording of the missing-cookie error
 * @param {boolean} [opts.namespaceQuirk=true] like Frappe's Node server, keep going after
 *   `Invalid namespace` (so a CONNECT, or a second CONNECT_ERROR, can follow it)
 * @param {boolean} [opts.docCloseQuirk=true] like Frappe, `doc_close` forgets every open
 *   document of the socket (so a later disconnect notifies no `doc_viewers`)
 * @param {boolean|object} [opts.connectionStateRecovery=false] socket.io's option; true =
 *   {maxDisconnectionDuration: 120000, skipMiddlewares: true}
 * @param {boolean} [opts.cleanupEmptyChildNamespaces] default: true like Frappe, false when
 *   recovery is on (an emptied namespace would lose its recovery sessions)
 * @param {string|null} [opts.baseUrl] fixed web server URL (Frappe's `server_ip`); default: the Origin
 * @param {number|null} [opts.webserverPort] replace the Origin's port (Frappe's developer_mode)
 * @param {boolean} [opts.testHandlers=true] install the test-only `echo_*` handlers
 * @param {number} [opts.authTimeoutMs=10000] bound on each call to the web server
 * @param {number} [opts.pingInterval] / [opts.pingTimeout] socket.io heartbeat (defaults 25000/20000)
 * @param {boolean} [opts.cluster=false] one node of several (tests/server/cluster.js): socket.io's
 *   Redis adapter on `redisUrl` makes rooms cluster-wide (a room emit reaches the sockets of
 *   every node, `doc_viewers` lists the viewers of every node); each node delivers what it
 *   reads on Redis `events` to its own sockets only (every node reads every message)
 * @param {string} [opts.name] the node's name in `state()` (cluster.js: node-1, node-2, …)
 * @param {Record<string, string>} [opts.apps] app name -> its directory: as Frappe's realtime
 *   server (v16) does, `<dir>/realtime/handlers.js` of each app the site has installed
 *   (`get_user_info`'s `installed_apps`) is called with every connected socket, after
 *   Frappe's own handlers (frappe-app/: acknowledged joins)
 * @param {boolean} [opts.appsAtStart=false] also call each app's `setup(io)` (when its
 *   handlers have one) at the server's start, before any socket: not what Frappe does (it
 *   loads an app at its first authenticated socket), the change frappe-app/README
 *   proposes to it ("Loading the app at the server's start")
 * @param {(msg: string) => void} [opts.log]
 */
export async function startRealtime(opts = {}) {
    const defaultSite = opts.defaultSite ?? "site1";
    const cookieMessage = opts.cookieMessage === "v16" ? "v16" : "v15";
    const namespaceQuirk = opts.namespaceQuirk !== false;
    const docCloseQuirk = opts.docCloseQuirk !== false;
    const testHandlers = opts.testHandlers !== false;
    const authTimeoutMs = opts.authTimeoutMs ?? 10000;
    const log = opts.log || (() => {});
    const require = createRequire(import.meta.url);
    const appHandlers = Object.entries(opts.apps || {}).map(([app, dir]) => [
        app,
        require(path.resolve(dir, "realtime", "handlers.js")),
    ]);

    const counters = {
        connects: {}, // namespace -> total successful connects
        connectErrors: {}, // message -> count
        eventsReceived: {}, // event name -> count
        received: [], // last 200 {nsp, id, user, event, args}
        delivered: {}, // event name -> count of published events emitted
        permission: { allowed: 0, denied: 0, errors: 0 },
        permissionErrors: {}, // message -> count
        fetchFailures: {}, // a web server call that failed below HTTP: its cause's code (else message) -> count
        disconnects: {}, // reason -> count
        redis: { messages: 0, errors: 0, lastError: null, ready: false, parseErrors: 0 },
    };
    const timers = new Set();

    const httpServer = http.createServer((req, res) => handleHttp(req, res));
    const tracker = trackConnections(httpServer);

    let recovery = opts.connectionStateRecovery || false;
    if (recovery === true) recovery = { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true };

    const io = new Server(httpServer, {
        path: "/socket.io/",
        cors: { origin: true, credentials: true },
        // Frappe sets this. It also drops the recovery sessions kept by an emptied site
        // namespace, so with recovery on it defaults to false.
        cleanupEmptyChildNamespaces: opts.cleanupEmptyChildNamespaces ?? !recovery,
        ...(recovery ? { connectionStateRecovery: recovery } : {}),
        ...(opts.pingInterval ? { pingInterval: opts.pingInterval } : {}),
        ...(opts.pingTimeout ? { pingTimeout: opts.pingTimeout } : {}),
        ...(opts.maxHttpBufferSize ? { maxHttpBufferSize: opts.maxHttpBufferSize } : {}),
    });

    // Several nodes: rooms across nodes through Redis (socket.io's adapter).
    const adapterClients = [];
    if (opts.cluster) {
        if (!opts.redisUrl) throw new Error("startRealtime: cluster needs redisUrl");
        const pub = createClient({ url: opts.redisUrl, socket: { reconnectStrategy: (n) => Math.min(50 + n * 50, 500) } });
        const sub = pub.duplicate();
        for (const c of [pub, sub]) {
            c.on("error", () => {}); // reconnects by itself; counted on the events subscriber
            adapterClients.push(c);
        }
        await Promise.all([pub.connect(), sub.connect()]);
        io.adapter(createAdapter(pub, sub));
    }

    const sites = io.of(SITE_NAMESPACE);
    if (opts.appsAtStart) for (const [, handler] of appHandlers) if (typeof handler.setup === "function") handler.setup(io);

    function webUrl(headers, path) {
        if (opts.baseUrl) return opts.baseUrl.replace(/\/$/, "") + path;
        let origin = headers.origin || "";
        if (opts.webserverPort) {
            const u = new URL(origin);
            u.port = String(opts.webserverPort);
            origin = u.origin;
        }
        return origin + path;
    }

    /** GET a Frappe method with the socket's credentials (Authorization, else the sid cookie). */
    function frappeGet(socket, path, args) {
        const query = args ? new URLSearchParams(args).toString() : "";
        const headers = {};
        if (socket.data.authorization) headers.Authorization = socket.data.authorization;
        else if (socket.data.sid) headers.Cookie = `sid=${socket.data.sid}`;
        const url = webUrl(socket.data.headers || socket.request.headers, path) + (query ? `?${query}` : "");
        return fetch(url, { headers, signal: AbortSignal.timeout(authTimeoutMs) }).catch((err) => {
            if (err && err.cause) {
                const code = String(err.cause.code || err.cause.message || err.cause.name);
                counters.fetchFailures[code] = (counters.fetchFailures[code] || 0) + 1;
            }
            throw err;
        });
    }

    // ---- connect-time authentication (contract §3), in Frappe's order ----------------

    sites.use((socket, next) => {
        const fail = (message) => {
            counters.connectErrors[message] = (counters.connectErrors[message] || 0) + 1;
            next(new Error(message));
        };
        const headers = socket.request.headers;
        socket.data.headers = { origin: headers.origin, host: headers.host };

        const namespace = socket.nsp.name.slice(1);
        if (namespace !== siteFromHeaders(headers, defaultSite)) {
            fail(MESSAGES.invalidNamespace);
            // Frappe's Node middleware does not stop here; the switch reproduces that.
            if (!namespaceQuirk) return;
        }

        if (hostnameOf(headers.host) !== hostnameOf(headers.origin)) {
            fail(MESSAGES.invalidOrigin);
            return;
        }

        const authorization = headers.authorization;
        if (cookieMessage === "v15") {
            if (!headers.cookie) {
                fail(MESSAGES.noCookieV15);
                return;
            }
        } else if (!headers.cookie && !authorization) {
            fail(MESSAGES.noCookieV16);
            return;
        }

        const sid = parseCookies(headers.cookie).sid;
        if (!sid && !authorization) {
            fail(MESSAGES.noAuthMethod);
            return;
        }
        socket.data.sid = sid;
        socket.data.authorization = authorization;

        // Frappe's (v16) web server call, set on the socket before the authentication
        // makes get_user_info through it; the permission calls and app handlers use it too
        // (a fetch Response).
        socket.frappe_request = (path, args) => frappeGet(socket, path, args);
        socket
            .frappe_request("/api/method/frappe.realtime.get_user_info")
            .then((res) => res.json())
            .then((body) => {
                const info = body.message;
                // A body without `message` fails here with a TypeError, as in Frappe.
                socket.data.user = info.user;
                socket.data.user_type = info.user_type;
                socket.data.installed_apps = info.installed_apps;
                socket.user = info.user;
                socket.user_type = info.user_type;
                next();
            })
            .catch((err) => fail(`${MESSAGES.unauthorizedPrefix}${err}`));
    });

    // ---- handlers (contract §4) -------------------------------------------------------

    function hasPermission(socket, doctype, name) {
        return socket
            .frappe_request("/api/method/frappe.realtime.has_permission", { doctype, name: name || "" })
            .then((res) => res.json())
            .then((body) => {
                const ok = Boolean(body && body.message);
                counters.permission[ok ? "allowed" : "denied"]++;
                return ok;
            })
            .catch((err) => {
                counters.permission.errors++;
                counters.permissionErrors[String(err)] = (counters.permissionErrors[String(err)] || 0) + 1;
                log(`permission check failed: ${err}`);
                return false;
            });
    }

    /** Frappe's "who is viewing" notice; not sent when the only viewer is the socket's own user. */
    function notifyViewers(socket, doctype, docname) {
        if (!doctype || !docname) return;
        const room = openDocRoom(doctype, docname);
        const send = (users) => {
            if (users.length === 1 && users[0] === socket.data.user) return;
            socket.nsp.to(room).emit("doc_viewers", { doctype, docname, users: [...new Set(users)] });
        };
        if (opts.cluster) {
            // The viewers on every node (Frappe's one node reads its own sockets, below).
            socket.nsp
                .in(room)
                .fetchSockets()
                .then((all) => send(all.map((s) => s.data.user)))
                .catch((err) => log(`doc_viewers: ${err}`));
            return;
        }
        const members = socket.nsp.adapter.rooms.get(room) || new Set();
        const users = [];
        for (const [id, s] of socket.nsp.sockets) if (members.has(id)) users.push(s.data.user);
        send(users);
    }

    function installFrappeHandlers(socket) {
        socket.join(userRoom(socket.data.user));
        socket.join("website");
        if (socket.data.user_type === "System User") socket.join("all");

        socket.on("ping", () => socket.emit("pong"));

        socket.on("doctype_subscribe", (doctype) => {
            hasPermission(socket, doctype).then((ok) => ok && socket.join(doctypeRoom(doctype)));
        });
        socket.on("doctype_unsubscribe", (doctype) => socket.leave(doctypeRoom(doctype)));

        socket.on("task_subscribe", (taskId) => socket.join(taskRoom(taskId)));
        socket.on("task_unsubscribe", (taskId) => socket.leave(taskRoom(taskId)));
        socket.on("progress_subscribe", (taskId) => socket.join(taskRoom(taskId)));

        socket.on("doc_subscribe", (doctype, docname) => {
            hasPermission(socket, doctype, docname).then((ok) => ok && socket.join(docRoom(doctype, docname)));
        });
        socket.on("doc_unsubscribe", (doctype, docname) => socket.leave(docRoom(doctype, docname)));

        socket.data.openDocs = socket.data.openDocs || [];
        socket.on("doc_open", (doctype, docname) => {
            hasPermission(socket, doctype, docname).then((ok) => {
                if (!ok || !socket.connected) return;
                socket.join(openDocRoom(doctype, docname));
                socket.data.openDocs.push([doctype, docname]);
                notifyViewers(socket, doctype, docname);
            });
        });
        socket.on("doc_close", (doctype, docname) => {
            socket.leave(openDocRoom(doctype, docname));
            socket.data.openDocs = docCloseQuirk
                ? []
                : socket.data.openDocs.filter(([dt, dn]) => !(dt === doctype && dn === docname));
            notifyViewers(socket, doctype, docname);
        });
        socket.on("disconnect", () => {
            for (const [dt, dn] of socket.data.openDocs || []) notifyViewers(socket, dt, dn);
        });
    }

    // ---- test-only handlers (not part of Frappe) --------------------------------------

    function installTestHandlers(socket) {
        const ackOf = (args) => (typeof args[args.length - 1] === "function" ? args.pop() : null);
        socket.on("echo_ack", (...args) => {
            const ack = ackOf(args);
            if (ack) ack(...args);
        });
        socket.on("echo_never_ack", () => {
            // deliberately never acknowledges
        });
        socket.on("echo_delayed_ack", (ms, ...args) => {
            const ack = ackOf(args);
            if (!ack) return;
            const t = setTimeout(() => {
                timers.delete(t);
                ack(...args);
            }, Math.min(Number(ms) || 0, 30000));
            timers.add(t);
        });
        socket.on("echo_binary", (...args) => {
            const ack = ackOf(args);
            socket.emit("echo_binary", ...args);
            if (ack) ack(...args);
        });
        socket.on("echo_emit", (event, ...args) => {
            ackOf(args);
            if (typeof event === "string") socket.emit(event, ...args);
        });
        socket.on("echo_rooms", (...args) => {
            const ack = ackOf(args);
            if (ack) ack([...socket.rooms].filter((r) => r !== socket.id).sort());
        });
        socket.on("echo_disconnect", () => socket.disconnect(true));
    }

    // Every connected socket, to find those left in a namespace the server dropped:
    // socket.io (4.8.4) closes an emptied child namespace when a socket leaves it, and a
    // socket its middleware refuses leaves it too, so a refusal while the namespace has
    // no connected socket closes it under the sockets still in their middleware (Frappe's
    // `get_user_info` call); those connect into the closed namespace, where no event
    // published to the site reaches them (`orphans()`).
    const live = new Map();

    sites.on("connection", (socket) => {
        const nsp = socket.nsp.name;
        live.set(socket.id, socket);
        socket.on("disconnect", () => live.delete(socket.id));
        counters.connects[nsp] = (counters.connects[nsp] || 0) + 1;
        log(`connect ${nsp} ${socket.data.user} ${socket.id}${socket.recovered ? " (recovered)" : ""}`);
        // Counted before any handler, an app's packet middleware included (frappe-app/
        // answers some joins itself, and no listener sees them).
        socket.use(([event, ...args], next) => {
            counters.eventsReceived[event] = (counters.eventsReceived[event] || 0) + 1;
            counters.received.push({ nsp, id: socket.id, user: socket.data.user, event, args: summarize(args) });
            if (counters.received.length > 200) counters.received.shift();
            next();
        });
        socket.on("disconnect", (reason) => {
            counters.disconnects[reason] = (counters.disconnects[reason] || 0) + 1;
        });
        const apps = socket.data.installed_apps || [];
        if (apps.includes("frappe")) installFrappeHandlers(socket);
        for (const [app, handler] of appHandlers) if (apps.includes(app)) handler(socket);
        if (testHandlers) installTestHandlers(socket);
    });

    // ---- publishing (contract §1) -----------------------------------------------------

    /**
     * Emits one published event: `{event, message, room, namespace}` as on Redis `events`.
     * With a room: to that room of namespace `/<namespace>` (nothing if nobody is connected
     * there). Without: to every site namespace.
     */
    /** Every site namespace this node has (not the default `/`). */
    const siteNamespaces = () => [...io._nsps.values()].filter((nsp) => SITE_NAMESPACE.test(nsp.name) && nsp.name !== "/");

    function deliver(payload) {
        if (!payload || typeof payload.event !== "string") return false;
        counters.delivered[payload.event] = (counters.delivered[payload.event] || 0) + 1;
        if (payload.room) {
            const named = payload.namespace && io._nsps.get(`/${payload.namespace}`);
            const targets = payload.namespace ? (named ? [named] : []) : siteNamespaces();
            // In a cluster every node reads every message: each emits to its own sockets.
            for (const nsp of targets) (opts.cluster ? nsp.local : nsp).to(payload.room).emit(payload.event, payload.message);
        } else if (opts.cluster) {
            for (const nsp of siteNamespaces()) nsp.local.emit(payload.event, payload.message);
        } else {
            sites.emit(payload.event, payload.message);
        }
        return true;
    }

    let subscriber = null;
    let redisReady = Promise.resolve(false);
    if (opts.redisUrl) {
        subscriber = createClient({
            url: opts.redisUrl,
            socket: {
                connectTimeout: 2000,
                reconnectStrategy: (retries) => Math.min(50 + retries * 50, 500),
            },
        });
        subscriber.on("error", (err) => {
            counters.redis.errors++;
            counters.redis.lastError = String(err && err.message);
        });
        subscriber.on("ready", () => {
            counters.redis.ready = true;
        });
        subscriber.on("end", () => {
            counters.redis.ready = false;
        });
        subscriber.on("reconnecting", () => {
            counters.redis.ready = false;
        });
        redisReady = subscriber
            .connect()
            .then(() =>
                subscriber.subscribe("events", (raw) => {
                    counters.redis.messages++;
                    let payload;
                    try {
                        payload = JSON.parse(raw);
                    } catch {
                        counters.redis.parseErrors++;
                        return;
                    }
                    deliver(payload);
                }),
            )
            .then(() => true)
            .catch((err) => {
                counters.redis.lastError = String(err && err.message);
                return false;
            });
    }

    // ---- inspection -------------------------------------------------------------------

    function socketsOf(nsp) {
        return viewsOf(nsp.sockets.values());
    }

    function viewsOf(sockets) {
        return [...sockets].map((s) => ({
            id: s.id,
            user: s.data.user,
            user_type: s.data.user_type,
            rooms: [...s.rooms].filter((r) => r !== s.id).sort(),
            transport: s.conn.transport.name,
            recovered: s.recovered,
        }));
    }

    function state() {
        const namespaces = {};
        for (const [name, nsp] of io._nsps) {
            namespaces[name] = { count: nsp.sockets.size, sockets: socketsOf(nsp) };
        }
        return {
            port,
            name: opts.name || null,
            defaultSite,
            cookieMessage,
            namespaceQuirk,
            engineClients: io.engine.clientsCount,
            namespaces,
            ...counters,
            redis: { ...counters.redis, url: opts.redisUrl || null },
        };
    }

    /** Disconnects matching sockets from the server side (`io server disconnect`). */
    function disconnectSockets({ user, site, close = false } = {}) {
        let n = 0;
        for (const [name, nsp] of io._nsps) {
            if (site && name !== `/${site}`) continue;
            for (const s of [...nsp.sockets.values()]) {
                if (user && s.data.user !== user) continue;
                s.disconnect(close);
                n++;
            }
        }
        return n;
    }

    function handleHttp(req, res) {
        const url = new URL(req.url, "http://localhost");
        const send = (status, body) => {
            const data = JSON.stringify(body);
            res.writeHead(status, {
                "Content-Type": "application/json; charset=utf-8",
                "Access-Control-Allow-Origin": "*",
                "Cache-Control": "no-store",
            });
            res.end(data);
        };
        if (url.pathname === "/__test/state") return send(200, state());
        if (url.pathname === "/__test/disconnect" && req.method === "POST") {
            const n = disconnectSockets({
                user: url.searchParams.get("user") || undefined,
                site: url.searchParams.get("site") || undefined,
                close: url.searchParams.get("close") === "1",
            });
            return send(200, { disconnected: n });
        }
        if (url.pathname === "/__test/publish" && req.method === "POST") {
            let body = "";
            req.on("data", (c) => {
                body += c;
                if (body.length > 1e6) req.destroy();
            });
            req.on("end", () => {
                try {
                    send(200, { delivered: deliver(JSON.parse(body)) });
                } catch (err) {
                    send(400, { error: String(err.message) });
                }
            });
            return undefined;
        }
        return send(404, { error: "not found" });
    }

    /** Connected sockets whose namespace the server closed (see `live`); apart from
     *  `state()`, which the benchmarks poll, so that only their users walk `live`. */
    function orphans() {
        return viewsOf([...live.values()].filter((s) => io._nsps.get(s.nsp.name) !== s.nsp));
    }

    const port = await listen(httpServer, opts.port || 0);
    let closed = null;

    return {
        port,
        url: `http://127.0.0.1:${port}`,
        io,
        sites,
        state,
        orphans,
        counters,
        deliver,
        disconnectSockets,
        /** Resolves true once subscribed to Redis `events` (false without Redis or on failure). */
        redisReady,
        get redisClient() {
            return subscriber;
        },
        /**
         * Stops the server. `abrupt: true` drops every TCP connection first (like a crash:
         * clients see the transport die); otherwise socket.io closes them ("server shutting
         * down"). Idempotent.
         */
        close({ abrupt = false } = {}) {
            if (!closed) {
                closed = (async () => {
                    for (const t of timers) clearTimeout(t);
                    timers.clear();
                    if (abrupt) tracker.destroyAll();
                    const done = new Promise((resolve) => {
                        io.close(() => resolve());
                    });
                    // Give close packets a moment to flush, then drop what is left.
                    await within(done, abrupt ? 0 : 100);
                    tracker.destroyAll();
                    await within(closeServer(httpServer, tracker), 2000);
                    if (subscriber) {
                        try {
                            await within(subscriber.disconnect(), 1000);
                        } catch {
                            // already closed
                        }
                    }
                    // The adapter's clients may still wait for replies (its unsubscribe
                    // at io.close): QUIT lets them come; a plain disconnect would reject
                    // them where nothing catches it.
                    for (const c of adapterClients) {
                        try {
                            await within(c.quit(), 1000);
                        } catch {
                            // already closed
                        }
                        if (c.isOpen) await c.disconnect().catch(() => {});
                    }
                })();
            }
            return closed;
        },
    };
}
