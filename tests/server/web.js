// A stub of Frappe's web server (the Python/gunicorn side) for the end-to-end tests and
// the demo: sessions and the `sid` cookie, the two endpoints the realtime server calls
// (frappe.realtime.get_user_info, frappe.realtime.has_permission), static assets and test
// pages served from the site's origin, and an optional nginx-like proxy of /socket.io/ to
// the realtime server. Test infrastructure only, written for this project; the Frappe
// behaviour it mirrors, and where that was read, is listed in tests/server/README.md.

import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closeServer, listen, trackConnections } from "./util.js";
import { createGate } from "./capacity.js";

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, "..", "..");

/** The demo users. `pwd` is what POST /api/method/login accepts. */
export const DEFAULT_USERS = [
    { user: "Administrator", pwd: "admin", user_type: "System User", full_name: "Administrator" },
    { user: "alice@example.com", pwd: "alice", user_type: "System User", full_name: "Alice" },
    { user: "bob@example.com", pwd: "bob", user_type: "System User", full_name: "Bob" },
    { user: "guest-ish", pwd: "guest-ish", user_type: "Website User", full_name: "Guest-ish" },
];

/** API tokens (`Authorization: token <key>:<secret>`) for the token-auth path. */
export const DEFAULT_TOKENS = [{ key: "alice-key", secret: "alice-secret", user: "alice@example.com" }];

/**
 * Permission rules for has_permission, first match wins; a field left out matches
 * anything. `allow: false` answers 403 like Frappe's PermissionError; `status` overrides
 * the HTTP status of a denial (404 for a missing document, say). No match: allowed,
 * except for Guest, who like on a stock site may read nothing.
 */
export const DEFAULT_PERMISSIONS = [{ doctype: "Secret", allow: false }];

const MIME = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".cjs": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".ts": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".gz": "application/gzip",
};

export function mimeType(file) {
    const name = file.toLowerCase();
    if (name.endsWith(".d.ts")) return MIME[".ts"];
    return MIME[path.extname(name)] || "application/octet-stream";
}

export function parseCookies(header) {
    const out = {};
    if (!header) return out;
    for (const part of header.split(";")) {
        const eq = part.indexOf("=");
        if (eq < 0) continue;
        const name = part.slice(0, eq).trim();
        if (!name || name in out) continue;
        let value = part.slice(eq + 1).trim();
        if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
        try {
            out[name] = decodeURIComponent(value);
        } catch {
            out[name] = value;
        }
    }
    return out;
}

function cookie(name, value, { httpOnly = false, expire = false } = {}) {
    let c = `${name}=${encodeURIComponent(value)}; Path=/; SameSite=Lax`;
    if (httpOnly) c += "; HttpOnly";
    if (expire) c += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0";
    return c;
}

function sendJson(res, status, body, headers = {}) {
    const data = JSON.stringify(body);
    res.writeHead(status, {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Length": Buffer.byteLength(data),
        "Cache-Control": "no-store,no-cache,must-revalidate,max-age=0",
        ...headers,
    });
    res.end(data);
}

function sendText(res, status, text, type = "text/plain; charset=utf-8") {
    res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(text) });
    res.end(text);
}

function readBody(req, limit = 64 * 1024) {
    return new Promise((resolve, reject) => {
        let size = 0;
        const chunks = [];
        req.on("data", (c) => {
            size += c.length;
            if (size > limit) {
                reject(new Error("body too large"));
                req.destroy();
                return;
            }
            chunks.push(c);
        });
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
    });
}

async function readForm(req, url) {
    const args = Object.fromEntries(url.searchParams);
    if (req.method !== "POST" && req.method !== "PUT") return args;
    const body = await readBody(req);
    const type = req.headers["content-type"] || "";
    if (type.includes("application/json")) {
        const parsed = body ? JSON.parse(body) : {};
        return { ...args, ...parsed };
    }
    return { ...args, ...Object.fromEntries(new URLSearchParams(body)) };
}

/** A Frappe-style error body (what frappe.utils.response.report_error sends back). */
function frappeError(excType, message) {
    const body = { exc_type: excType, exception: `frappe.exceptions.${excType}${message ? `: ${message}` : ""}` };
    if (message) {
        body._error_message = message;
        body._server_messages = JSON.stringify([JSON.stringify({ message, title: "Message", indicator: "red" })]);
    }
    return body;
}

/**
 * Starts the stub web server.
 * @param {object} [opts]
 * @param {number} [opts.port=0]
 * @param {string} [opts.site="site1"] site name; the proxy sends it as X-Frappe-Site-Name
 * @param {Array} [opts.users] see DEFAULT_USERS
 * @param {Array} [opts.tokens] see DEFAULT_TOKENS
 * @param {Array} [opts.permissions] see DEFAULT_PERMISSIONS
 * @param {boolean} [opts.guestCookie=true] pages set `sid=Guest` when no sid cookie, like Frappe
 * @param {string[]} [opts.installedApps=["frappe"]] the site's apps, as `get_user_info` lists them
 * @param {() => ({host: string, port: number}) | null} [opts.realtimeTarget] where /socket.io/ is proxied
 * @param {boolean} [opts.proxyRewriteOrigin=true] proxy sets Host/Origin/X-Frappe-Site-Name like
 *   Frappe's nginx template (`Host $host`, `Origin $scheme://$http_host`)
 * @param {Array<{prefix: string, dir: string}>} [opts.staticRoots] extra static mounts
 * @param {object} [opts.config] served as /__test/config and /__test/boot.js
 * @param {boolean} [opts.blockWebSocket=false] the /socket.io/ proxy refuses WebSocket upgrades
 * @param {{workers: number, serviceMs?: number, queue?: number, timeoutMs?: number} | null} [opts.capacity]
 *   the realtime server's calls (frappe.realtime.*) go through a bounded capacity like
 *   gunicorn's behind nginx (capacity.js): 502 beyond the queue, 504 after timeoutMs
 * @param {(req: http.IncomingMessage, res: http.ServerResponse, url: URL, ctx: object) => boolean | Promise<boolean>}
 *   [opts.routes] extra endpoints (the demo's, scripts/start.js): called first for every request
 *   except /socket.io/; returns true when it answered. `ctx`: `user(req)` (the session's user,
 *   "Guest" without one, null for a bad token), `userInfo(user)`, `sendJson(res, status, body)`,
 *   `sendText(res, status, text, type)`, `readForm(req, url)`, `serveFile(req, res, file)`,
 *   `frappeError(excType, message)`.
 */
export async function startWeb(opts = {}) {
    const site = opts.site || "site1";
    const users = new Map((opts.users || DEFAULT_USERS).map((u) => [u.user, { ...u }]));
    const tokens = new Map((opts.tokens || DEFAULT_TOKENS).map((t) => [`${t.key}:${t.secret}`, t.user]));
    let permissions = [...(opts.permissions || DEFAULT_PERMISSIONS)];
    const sessions = new Map(); // sid -> {user, created}
    const guestCookie = opts.guestCookie !== false;
    const installedApps = opts.installedApps || ["frappe"];
    // The /socket.io/ proxy refuses WebSocket upgrades (polling still passes).
    let blockWebSocket = Boolean(opts.blockWebSocket);
    let realtimeTarget = opts.realtimeTarget || null;
    const proxyRewriteOrigin = opts.proxyRewriteOrigin !== false;
    let config = { site, ...(opts.config || {}) };

    // Failure switches for get_user_info: null (normal), 500, "down" (connection reset),
    // "invalid-json" (an HTML error page with status 200), or a number of ms to delay.
    let userInfoFailure = null;
    let gate = opts.capacity ? createGate(opts.capacity) : null;
    let userInfoDelayMs = 0;
    let permissionDelayMs = 0;

    const counters = {
        requests: 0,
        byPath: {},
        logins: 0,
        failedLogins: 0,
        userInfo: 0,
        permissionChecks: [], // {doctype, name, user, allowed, status}, the last 1000
        permissionCalls: 0, // every has_permission / can_subscribe_* call
        proxiedHttp: 0,
        proxiedUpgrades: 0,
    };

    const staticRoots = [
        // The package as a Frappe app's assets: www/client.js imports ../pkg/….
        { prefix: "/assets/frappe-realtime/pkg/", dir: path.join(REPO_ROOT, "pkg") },
        { prefix: "/assets/frappe-realtime/www/", dir: path.join(REPO_ROOT, "www") },
        { prefix: "/pages/", dir: path.join(REPO_ROOT, "tests", "e2e", "pages") },
        ...(opts.staticRoots || []),
    ];
    const testFiles = {
        "/__test/jquery.min.js": path.join(REPO_ROOT, "node_modules", "jquery", "dist", "jquery.min.js"),
        "/__test/socket.io.min.js": path.join(REPO_ROOT, "node_modules", "socket.io-client", "dist", "socket.io.min.js"),
        "/__test/socket.io.min.js.map": path.join(
            REPO_ROOT, "node_modules", "socket.io-client", "dist", "socket.io.min.js.map",
        ),
    };

    function count(p) {
        counters.requests++;
        counters.byPath[p] = (counters.byPath[p] || 0) + 1;
    }

    function newSession(user) {
        const sid = crypto.randomBytes(28).toString("hex");
        sessions.set(sid, { user, created: Date.now() });
        return sid;
    }

    /** The session's user, like frappe.auth.validate_auth: Authorization wins over the cookie. */
    function resolveUser(req) {
        const auth = req.headers.authorization;
        if (auth) {
            const [scheme, ...rest] = auth.split(" ");
            const value = rest.join(" ").trim();
            let pair = null;
            if (scheme.toLowerCase() === "token") pair = value;
            else if (scheme.toLowerCase() === "basic") {
                try {
                    pair = Buffer.from(value, "base64").toString("utf8");
                } catch {
                    pair = null;
                }
            }
            const user = pair && tokens.get(pair);
            if (!user) return { error: 401 };
            return { user };
        }
        const sid = parseCookies(req.headers.cookie).sid;
        const session = sid && sessions.get(sid);
        // Unknown, expired or "Guest" sid: Frappe resumes it as a Guest session.
        return { user: session ? session.user : "Guest", sid };
    }

    function userType(user) {
        if (user === "Guest") return "Website User";
        return users.get(user)?.user_type || "Website User";
    }

    function checkPermission(user, doctype, name) {
        for (const rule of permissions) {
            if (rule.doctype !== undefined && rule.doctype !== doctype) continue;
            if (rule.name !== undefined && rule.name !== name) continue;
            if (rule.user !== undefined && rule.user !== user) continue;
            return rule.allow ? { allowed: true } : { allowed: false, status: rule.status || 403 };
        }
        if (user === "Guest") return { allowed: false, status: 403 };
        return { allowed: true };
    }

    async function handleApi(req, res, url) {
        const method = url.pathname.slice("/api/method/".length);
        if (gate && method.startsWith("frappe.realtime.")) {
            const g = gate;
            res.once("close", () => {
                if (!res.writableEnded) g.abandoned();
            });
            const out = await g.run(() => true, method === "frappe.realtime.get_user_info" ? "userInfo" : "permission");
            if (out !== true) return sendText(res, out, `<html><body><h1>${out}</h1></body></html>`, "text/html");
        }
        switch (method) {
            case "login": {
                if (req.method !== "POST") return sendJson(res, 405, frappeError("ValidationError", "POST only"));
                let form;
                try {
                    form = await readForm(req, url);
                } catch {
                    return sendJson(res, 400, frappeError("ValidationError", "Invalid request arguments"));
                }
                const entry = users.get(form.usr);
                if (!entry || entry.pwd !== form.pwd) {
                    counters.failedLogins++;
                    return sendJson(res, 401, { ...frappeError("AuthenticationError"), message: "Invalid Login. Try again." });
                }
                counters.logins++;
                const sid = newSession(entry.user);
                const system = entry.user_type === "System User";
                res.setHeader("Set-Cookie", [
                    cookie("sid", sid, { httpOnly: true }),
                    cookie("system_user", system ? "yes" : "no"),
                    cookie("full_name", entry.full_name || entry.user),
                    cookie("user_id", entry.user),
                    cookie("user_image", ""),
                ]);
                return sendJson(res, 200, {
                    message: system ? "Logged In" : "No App",
                    home_page: system ? "/app" : "/me",
                    full_name: entry.full_name || entry.user,
                });
            }
            case "logout": {
                const sid = parseCookies(req.headers.cookie).sid;
                if (sid) sessions.delete(sid);
                res.setHeader("Set-Cookie", [
                    cookie("sid", "Guest", { httpOnly: true }),
                    cookie("system_user", "", { expire: true }),
                    cookie("full_name", "Guest"),
                    cookie("user_id", "Guest"),
                    cookie("user_image", "", { expire: true }),
                ]);
                return sendJson(res, 200, {});
            }
            case "frappe.auth.get_logged_user": {
                const who = resolveUser(req);
                if (who.error) return sendJson(res, 401, frappeError("AuthenticationError"));
                if (who.user === "Guest") return sendJson(res, 403, frappeError("PermissionError", "Not permitted"));
                return sendJson(res, 200, { message: who.user });
            }
            case "frappe.realtime.get_user_info": {
                counters.userInfo++;
                if (userInfoDelayMs) await new Promise((r) => setTimeout(r, userInfoDelayMs));
                if (userInfoFailure === "down") {
                    req.socket.destroy();
                    return undefined;
                }
                if (userInfoFailure === 500) {
                    return sendJson(res, 500, frappeError("InternalServerError", "Internal Server Error"));
                }
                if (userInfoFailure === "invalid-json") {
                    return sendText(res, 200, "<html><body>Server Error</body></html>", "text/html; charset=utf-8");
                }
                const who = resolveUser(req);
                if (who.error) return sendJson(res, 401, frappeError("AuthenticationError"));
                return sendJson(res, 200, {
                    message: { user: who.user, user_type: userType(who.user), installed_apps: installedApps },
                });
            }
            case "frappe.realtime.has_permission":
            case "frappe.realtime.can_subscribe_doc":
            case "frappe.realtime.can_subscribe_doctype": {
                if (permissionDelayMs) await new Promise((r) => setTimeout(r, permissionDelayMs));
                let form;
                try {
                    form = await readForm(req, url);
                } catch {
                    return sendJson(res, 400, frappeError("ValidationError", "Invalid request arguments"));
                }
                const who = resolveUser(req);
                if (who.error) return sendJson(res, 401, frappeError("AuthenticationError"));
                const doctype = form.doctype || "";
                const name = form.name ?? form.docname ?? "";
                const verdict = checkPermission(who.user, doctype, name);
                counters.permissionCalls++;
                counters.permissionChecks.push({
                    doctype, name, user: who.user, allowed: verdict.allowed, status: verdict.allowed ? 200 : verdict.status,
                });
                if (counters.permissionChecks.length > 1000) counters.permissionChecks.shift();
                if (verdict.allowed) return sendJson(res, 200, { message: true });
                if (verdict.status === 404) {
                    return sendJson(res, 404, frappeError("DoesNotExistError", `${doctype} ${name} not found`));
                }
                const label = name ? `${doctype} ${name}` : doctype;
                return sendJson(res, verdict.status, frappeError("PermissionError", `No permission for ${label}`));
            }
            default:
                return sendJson(res, 404, frappeError("DoesNotExistError", `Failed to get method for command ${method}`));
        }
    }

    function serveFile(req, res, file) {
        fs.stat(file, (err, st) => {
            if (err || !st.isFile()) return sendText(res, 404, "Not Found");
            const headers = {
                "Content-Type": mimeType(file),
                "Content-Length": st.size,
                "Cache-Control": "no-store",
            };
            if (guestCookie && headers["Content-Type"].startsWith("text/html") && !parseCookies(req.headers.cookie).sid) {
                headers["Set-Cookie"] = cookie("sid", "Guest", { httpOnly: true });
            }
            res.writeHead(200, headers);
            if (req.method === "HEAD") return res.end();
            fs.createReadStream(file).pipe(res);
        });
    }

    function resolveStatic(pathname) {
        for (const root of staticRoots) {
            if (!pathname.startsWith(root.prefix)) continue;
            let rel;
            try {
                rel = decodeURIComponent(pathname.slice(root.prefix.length));
            } catch {
                continue;
            }
            const base = path.resolve(root.dir);
            const file = path.resolve(base, rel);
            if (file !== base && !file.startsWith(base + path.sep)) continue; // traversal
            if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
        }
        return null;
    }

    function bootScript(req) {
        const cfg = JSON.stringify(config);
        // Frappe renders the boot data per request: the session's user is in it.
        const who = JSON.stringify(resolveUser(req).user || "Guest");
        return (
            "// Test environment boot data, like the values a Frappe page gets from the server.\n" +
            `window.__frappe_test_env = ${cfg};\n` +
            "window.frappe = window.frappe || {};\n" +
            "window.frappe.boot = Object.assign(window.frappe.boot || {}, {\n" +
            "  sitename: window.__frappe_test_env.site,\n" +
            "  socketio_port: window.__frappe_test_env.socketioPort,\n" +
            "});\n" +
            `window.frappe.session = Object.assign(window.frappe.session || {}, { user: ${who} });\n` +
            "window.socketio_port = window.__frappe_test_env.socketioPort;\n" +
            "window.dev_server = !window.__frappe_test_env.sameOrigin;\n"
        );
    }

    function handleTest(req, res, url) {
        switch (url.pathname) {
            case "/__test/state":
                return sendJson(res, 200, state());
            case "/__test/config":
                return sendJson(res, 200, config);
            case "/__test/boot.js":
                return sendText(res, 200, bootScript(req), "text/javascript; charset=utf-8");
            case "/__test/blank":
                return serveBlank(req, res);
            default:
                if (testFiles[url.pathname]) return serveFile(req, res, testFiles[url.pathname]);
                return sendText(res, 404, "Not Found");
        }
    }

    function serveBlank(req, res) {
        const html = "<!doctype html><meta charset=utf-8><title>blank</title>";
        const headers = { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" };
        if (guestCookie && !parseCookies(req.headers.cookie).sid) headers["Set-Cookie"] = cookie("sid", "Guest", { httpOnly: true });
        res.writeHead(200, headers);
        res.end(html);
    }

    function pageIndex(res) {
        const dir = path.join(REPO_ROOT, "tests", "e2e", "pages");
        let files = [];
        try {
            files = fs.readdirSync(dir).filter((f) => f.endsWith(".html"));
        } catch {
            // no pages yet
        }
        const items = files.map((f) => `<li><a href="/pages/${encodeURIComponent(f)}">${f}</a></li>`).join("");
        sendText(res, 200, `<!doctype html><meta charset=utf-8><title>${site}</title><ul>${items}</ul>`, MIME[".html"]);
    }

    // ---- /socket.io/ proxy (like nginx in production) -----------------------------------

    const proxyAgent = new http.Agent({ keepAlive: false });

    function proxyHeaders(req) {
        const out = [];
        const raw = req.rawHeaders;
        for (let i = 0; i < raw.length; i += 2) {
            const name = raw[i];
            const lower = name.toLowerCase();
            if (proxyRewriteOrigin && (lower === "host" || lower === "origin" || lower === "x-frappe-site-name")) continue;
            out.push([name, raw[i + 1]]);
        }
        if (proxyRewriteOrigin) {
            const httpHost = req.headers.host || "";
            const hostOnly = httpHost.startsWith("[") ? httpHost.slice(0, httpHost.indexOf("]") + 1) : httpHost.split(":")[0];
            out.push(["Host", hostOnly]);
            out.push(["Origin", `http://${httpHost}`]);
            out.push(["X-Frappe-Site-Name", site]);
        }
        out.push(["X-Forwarded-For", req.socket.remoteAddress || ""]);
        return out;
    }

    function proxyHttp(req, res) {
        const target = realtimeTarget && realtimeTarget();
        if (!target) return sendText(res, 502, "Bad Gateway: no realtime server");
        counters.proxiedHttp++;
        const headers = {};
        for (const [k, v] of proxyHeaders(req)) {
            const key = k.toLowerCase();
            headers[key] = headers[key] ? `${headers[key]}, ${v}` : v;
        }
        headers.connection = "close";
        const preq = http.request(
            { host: target.host, port: target.port, method: req.method, path: req.url, headers, agent: proxyAgent },
            (pres) => {
                res.writeHead(pres.statusCode, pres.rawHeaders.length ? rawToObject(pres.rawHeaders) : {});
                pres.pipe(res);
                pres.on("error", () => res.destroy());
            },
        );
        preq.on("error", () => {
            if (!res.headersSent) sendText(res, 502, "Bad Gateway");
            else res.destroy();
        });
        res.on("close", () => {
            if (!res.writableFinished) preq.destroy();
        });
        req.pipe(preq);
    }

    function rawToObject(raw) {
        const out = {};
        for (let i = 0; i < raw.length; i += 2) {
            const key = raw[i];
            const lower = key.toLowerCase();
            if (lower === "connection" || lower === "keep-alive" || lower === "transfer-encoding") continue;
            if (out[key] === undefined) out[key] = raw[i + 1];
            else out[key] = [].concat(out[key], raw[i + 1]);
        }
        return out;
    }

    function proxyUpgrade(req, socket, head) {
        if (blockWebSocket) {
            // Like a proxy that does not pass WebSocket upgrades on.
            counters.blockedUpgrades = (counters.blockedUpgrades || 0) + 1;
            socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
            return;
        }
        const target = realtimeTarget && realtimeTarget();
        if (!req.url.startsWith("/socket.io/") || !target) {
            socket.end("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n");
            return;
        }
        counters.proxiedUpgrades++;
        const upstream = net.connect(target.port, target.host);
        const kill = () => {
            socket.destroy();
            upstream.destroy();
        };
        upstream.on("error", kill);
        socket.on("error", kill);
        upstream.on("close", kill);
        socket.on("close", kill);
        upstream.on("connect", () => {
            let head1 = `${req.method} ${req.url} HTTP/1.1\r\n`;
            for (const [k, v] of proxyHeaders(req)) head1 += `${k}: ${v}\r\n`;
            upstream.write(head1 + "\r\n");
            if (head && head.length) upstream.write(head);
            socket.pipe(upstream);
            upstream.pipe(socket);
        });
    }

    // ---- extra endpoints (opts.routes) --------------------------------------------------

    const routeContext = {
        user(req) {
            const who = resolveUser(req);
            return who.error ? null : who.user;
        },
        userInfo(user) {
            const u = users.get(user);
            return u ? { user: u.user, full_name: u.full_name || u.user, user_type: u.user_type } : null;
        },
        sendJson,
        sendText,
        readForm,
        serveFile,
        frappeError,
    };

    // ---- server -------------------------------------------------------------------------

    const server = http.createServer(async (req, res) => {
        let url;
        try {
            url = new URL(req.url, "http://localhost");
        } catch {
            return sendText(res, 400, "Bad Request");
        }
        count(url.pathname.startsWith("/socket.io/") ? "/socket.io/" : url.pathname);
        try {
            if (url.pathname.startsWith("/socket.io/")) return proxyHttp(req, res);
            if (opts.routes && (await opts.routes(req, res, url, routeContext))) return undefined;
            if (url.pathname.startsWith("/api/method/")) return await handleApi(req, res, url);
            if (url.pathname.startsWith("/__test/")) return handleTest(req, res, url);
            if (url.pathname === "/" || url.pathname === "/pages/") return pageIndex(res);
            if (url.pathname === "/favicon.ico") {
                // Browsers ask for it on every page; a 404 is a console error, which can be
                // logged after a test cleared the page's logs (seen failing packaging.test.js).
                res.writeHead(204).end();
                return undefined;
            }
            if (req.method !== "GET" && req.method !== "HEAD") return sendText(res, 405, "Method Not Allowed");
            const file = resolveStatic(url.pathname);
            if (file) return serveFile(req, res, file);
            return sendText(res, 404, "Not Found");
        } catch (err) {
            if (!res.headersSent) sendJson(res, 500, frappeError("InternalServerError", String(err && err.message)));
            else res.destroy();
        }
    });
    server.on("upgrade", proxyUpgrade);
    server.on("clientError", (err, socket) => socket.destroy());
    const tracker = trackConnections(server);
    const port = await listen(server, opts.port || 0);

    function state() {
        return {
            site,
            sessions: [...sessions.values()].map((s) => s.user),
            userInfoFailure,
            ...counters,
            permissionChecks: counters.permissionChecks.slice(-100),
            capacity: gate ? gate.stats() : null,
        };
    }

    let closed = false;
    return {
        port,
        url: `http://127.0.0.1:${port}`,
        origin: `http://127.0.0.1:${port}`,
        site,
        server,
        sessions,
        counters,
        state,
        /** Creates a session without HTTP; returns the sid cookie value. */
        login(user) {
            if (!users.has(user)) throw new Error(`unknown user ${user}`);
            return newSession(user);
        },
        logout(sid) {
            sessions.delete(sid);
        },
        /** Drops every session of `user` (or all sessions): their sid then resolves to Guest. */
        expireSessions(user) {
            for (const [sid, s] of sessions) if (!user || s.user === user) sessions.delete(sid);
        },
        /** get_user_info failure: null, 500, "down", "invalid-json". */
        setUserInfoFailure(mode) {
            if (![null, undefined, 500, "down", "invalid-json"].includes(mode)) throw new Error(`bad mode ${mode}`);
            userInfoFailure = mode ?? null;
        },
        setUserInfoDelay(ms) {
            userInfoDelayMs = ms;
        },
        setPermissionDelay(ms) {
            permissionDelayMs = ms;
        },
        /** A new bounded capacity for the realtime server's calls (capacity.js), or none
         *  (null); its counters start over. */
        setCapacity(capacity) {
            if (gate) gate.close();
            gate = capacity ? createGate(capacity) : null;
        },
        /** Replaces the permission rules (see DEFAULT_PERMISSIONS). */
        setPermissions(rules) {
            permissions = [...rules];
        },
        /** Adds a rule in front of the others. */
        addPermission(rule) {
            permissions.unshift(rule);
        },
        /** Makes the /socket.io/ proxy refuse (true) or pass (false) WebSocket upgrades. */
        setBlockWebSocket(on) {
            blockWebSocket = Boolean(on);
        },
        setRealtimeTarget(fn) {
            realtimeTarget = fn;
        },
        setConfig(next) {
            config = { site, ...next };
        },
        get config() {
            return config;
        },
        async stop() {
            if (closed) return;
            closed = true;
            if (gate) gate.close();
            await closeServer(server, tracker);
            proxyAgent.destroy();
        },
    };
}
