// "Moving an SPA over": apps written against socket.io-client, built by Vite with one
// resolve.alias (socket.io-client → frappe-realtime/socket.io-client), on the real npm
// packages (tests/spa/):
//
// - frappe-ui/: a frappe-ui app (FrappeUI plugin → frappe-ui's initSocket → io(), a
//   `realtime: true` list resource: doctype_subscribe + list_update), plus doc_subscribe /
//   doc_update / socket.io.on("reconnect") on its $socket; Vite 5.4 with frappe-ui/vite.
// - react-sdk/: frappe-react-sdk's hooks (useFrappeDocumentEventListener,
//   useFrappeDocTypeEventListener) on a socket from the aliased io(); Vite 8.
// - alias/: a minimal app built by the build() API of Vite 4.4, 5.4, 7 and 8.
//
// Each app is copied to a temporary directory, `npm ci`s its lock (npm's cache there too)
// with this repository's `npm pack` tarball, is built and served from the stub web
// server's origin, and driven in headless Chromium: alice logs in, events published like
// publish_realtime arrive, and after an abrupt restart of the realtime server the Manager's
// `reconnect` fires, the rooms are back on the server and events arrive again.
//
//   npm run build && node --test tests/packaging/spa.test.js
//
// Needs the npm registry; FRAPPE_REALTIME_SKIP_EXAMPLES=1 skips it.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startEnv } from "../server/env.js";
import { freePort } from "../server/util.js";
import { launchBrowser, newPage, login, openPage, testid, waitInPage, waitFor, socketsOf } from "../e2e/harness.js";
import { REPO_ROOT, copyProject, npm, pack, requireBuild, run, tempDir } from "./pack.js";

const ALICE = "alice@example.com";
const APPS = ["frappe-ui", "react-sdk", "alias"];
const VITES = ["vite4", "vite5", "vite7", "vite8"];
const skip = process.env.FRAPPE_REALTIME_SKIP_EXAMPLES === "1" && "FRAPPE_REALTIME_SKIP_EXAMPLES=1";
// engine.io-client's error message for a failed polling POST: in every copy of
// socket.io-client, in no file of frappe-realtime (whose JS has "xhr poll error", the
// key of its hint). Its absence from a build says socket.io-client was not bundled.
const SOCKET_IO_CLIENT_MARK = "xhr post error";

/** Every .js file under `dir`, read. */
function jsOf(dir) {
    return fs
        .readdirSync(dir, { recursive: true })
        .filter((f) => f.endsWith(".js"))
        .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
        .join("\n");
}

/** The server-side sockets of alice that are in `room` (one per app page). */
const socketsIn = (env, room) => socketsOf(env, ALICE).filter((s) => s.rooms.includes(room));

describe("SPAs on socket.io-client's API, moved over by a Vite alias, against the test servers", { skip }, () => {
    let tmp;
    let env;
    let browser;
    const timings = {};
    const dirs = {};
    const buildLogs = {};
    // The rows frappe.client.get_list answers for ToDo (a frappe-ui list resource reads them).
    const todos = new Map([
        ["SPA-UI", { name: "SPA-UI", description: "first" }],
        ["SPA-OTHER", { name: "SPA-OTHER", description: "other" }],
    ]);
    /** What each app's page was opened as: {page, doc, wasm: [urls]}; the restart test reuses them. */
    const opened = {};

    before(async () => {
        requireBuild();
        tmp = tempDir("frappe-rt-spa-");
        let t0 = Date.now();
        const { tarball } = await pack(tmp.dir);
        assert.equal(path.dirname(tarball), tmp.dir);
        timings.pack = Date.now() - t0;
        t0 = Date.now();
        // tmp/tests/spa/<app>: the locks' file:../../../frappe-realtime-<version>.tgz is the tarball.
        await Promise.all(
            APPS.map(async (name) => {
                const dir = (dirs[name] = path.join(tmp.dir, "tests", "spa", name));
                copyProject(path.join(REPO_ROOT, "tests", "spa", name), dir);
                const t1 = Date.now();
                await npm(["ci"], { cwd: dir, tmp: tmp.dir, timeout: 300000 });
                timings[`npm ci ${name}`] = Date.now() - t1;
            }),
        );
        timings.installs = Date.now() - t0;
        const builds = [
            ["frappe-ui", path.join(dirs["frappe-ui"], "node_modules", ".bin", "vite"), ["build", "--logLevel", "warn"]],
            ["react-sdk", path.join(dirs["react-sdk"], "node_modules", ".bin", "vite"), ["build", "--logLevel", "warn"]],
            ...VITES.map((v) => [`alias ${v}`, process.execPath, ["build.js", v], dirs.alias]),
        ];
        for (const [what, cmd, args, cwd] of builds) {
            const t1 = Date.now();
            const { stdout } = await run(cmd, args, { cwd: cwd || dirs[what], timeout: 180000 });
            buildLogs[what] = stdout;
            timings[`build ${what}`] = Date.now() - t1;
        }
        const webPort = await freePort();
        env = await startEnv({
            site: "site1",
            realtime: { webserverPort: webPort },
            web: {
                port: webPort,
                staticRoots: [
                    { prefix: "/spa/frappe-ui/", dir: path.join(dirs["frappe-ui"], "dist") },
                    { prefix: "/spa/react-sdk/", dir: path.join(dirs["react-sdk"], "dist") },
                    ...VITES.map((v) => ({ prefix: `/spa/alias-${v}/`, dir: path.join(dirs.alias, `dist-${v}`) })),
                ],
                // frappe.client.get_list for ToDo, which frappe-ui's list resource calls
                // (frappeRequest: POST, JSON body {doctype, fields, filters, …}).
                routes: async (req, res, url, ctx) => {
                    if (url.pathname !== "/api/method/frappe.client.get_list") return false;
                    const user = ctx.user(req);
                    if (!user || user === "Guest") {
                        ctx.sendJson(res, 403, ctx.frappeError("PermissionError", "Not permitted"));
                        return true;
                    }
                    const args = await ctx.readForm(req, url);
                    const filters = typeof args.filters === "string" ? JSON.parse(args.filters) : args.filters;
                    const rows = [...todos.values()].filter((r) => !filters || !filters.name || r.name === filters.name);
                    ctx.sendJson(res, 200, { message: args.doctype === "ToDo" ? rows.map((r) => ({ ...r })) : [] });
                    return true;
                },
            },
        });
        browser = await launchBrowser();
    });

    after(async () => {
        console.log(`timings (ms): ${JSON.stringify(timings)}`);
        if (browser) await browser.close();
        if (env) await env.stop();
        if (tmp) tmp.cleanup();
    });

    /** alice's page of an app at `url`; records the .wasm it loads (frappe-realtime's). */
    async function openApp(key, url, doc) {
        const ctx = await browser.newContext();
        const page = await newPage(ctx);
        const wasm = [];
        page.on("response", (r) => /\.wasm$/.test(new URL(r.url()).pathname) && r.ok() && wasm.push(r.url()));
        await login(page, env.webUrl, ALICE);
        page.logs.length = 0;
        await openPage(page, url);
        opened[key] = { page, doc, wasm };
        await testid(page, "state", "connected", `${key}: state connected`);
        await waitFor(() => socketsIn(env, `doc:ToDo/${doc}`).length === 1, { what: `${key}: room doc:ToDo/${doc}`, timeout: 10000 });
        assert.equal(wasm.length, 1, `${key}: frappe-realtime's .wasm loaded once: ${wasm.join()}`);
        return page;
    }

    /** doc_update as Frappe's Document.notify_update publishes it; the page shows it. */
    async function docUpdate(key, n) {
        const { page, doc } = opened[key];
        const modified = `2026-03-04 05:06:0${n}.00000${n}`;
        await env.publish({ event: "doc_update", message: { doctype: "ToDo", name: doc, modified }, doctype: "ToDo", docname: doc });
        await testid(page, "modified", modified, `${key}: doc_update #${n}`);
        await testid(page, "doc-updates", String(n), `${key}: ${n} doc_update(s)`);
    }

    function noErrors(key) {
        const { page } = opened[key];
        const errors = page.logs.filter((l) => /^(error|pageerror)/.test(l));
        assert.deepEqual(errors, [], page.logs.join("\n"));
    }

    test("the apps pin this version's tarball, with no checksum for it in their locks", () => {
        const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
        const spec = `file:../../../frappe-realtime-${version}.tgz`;
        for (const name of APPS) {
            const dir = path.join(REPO_ROOT, "tests", "spa", name);
            const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
            assert.equal(pkg.dependencies["frappe-realtime"], spec, `${name}/package.json`);
            const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
            assert.equal(lock.packages[""].dependencies["frappe-realtime"], spec, `${name}/package-lock.json`);
            assert.equal(lock.packages["node_modules/frappe-realtime"].integrity, undefined, `${name}/package-lock.json`);
        }
    });

    test("the builds bundle frappe-realtime (its .wasm) and no socket.io-client", () => {
        const outs = [["frappe-ui", "dist"], ["react-sdk", "dist"], ...VITES.map((v) => ["alias", `dist-${v}`])];
        for (const [name, out] of outs) {
            const dir = path.join(dirs[name], out);
            const assets = fs.readdirSync(path.join(dir, "assets"));
            assert.ok(assets.some((f) => /^frappe_realtime_bg-.+\.wasm$/.test(f)), `${name}/${out}: ${assets.join()}`);
            // react-sdk: the sdk's dist file carries its own copy (next test), which stays in.
            if (name !== "react-sdk") assert.ok(!jsOf(dir).includes(SOCKET_IO_CLIENT_MARK), `${name}/${out} has socket.io-client`);
        }
        // frappe-ui depends on socket.io-client: installed, but the alias kept it out.
        assert.ok(fs.existsSync(path.join(dirs["frappe-ui"], "node_modules", "socket.io-client", "package.json")));
    });

    test("frappe-react-sdk's dist file has socket.io-client built in: the alias cannot reach FrappeProvider's socket", () => {
        // Why tests/spa/react-sdk sets enableSocket={false} and provides FrappeContext's
        // socket itself. When a version imports "socket.io-client" instead, this fails and
        // the alias alone will do.
        const sdk = path.join(dirs["react-sdk"], "node_modules", "frappe-react-sdk");
        const { module: entry } = JSON.parse(fs.readFileSync(path.join(sdk, "package.json"), "utf8"));
        const code = fs.readFileSync(path.join(sdk, entry), "utf8");
        const imports = [...code.matchAll(/^import\b[^"']*["']([^"']+)["']/gm)].map((m) => m[1]);
        assert.deepEqual([...new Set(imports)].sort(), ["react", "react/jsx-runtime"]);
        assert.ok(code.includes(SOCKET_IO_CLIENT_MARK));
    });

    test("frappe-ui: initSocket connects; a realtime list resource refetches its row on list_update; doc_update arrives", async () => {
        const q = new URLSearchParams({ site: env.site, socketio_port: String(new URL(env.realtimeUrl).port), name: "SPA-UI" });
        const page = await openApp("frappe-ui", `${env.webUrl}/spa/frappe-ui/index.html?${q}`, "SPA-UI");
        await waitInPage(page, () => document.querySelector('[data-testid="todos"] li[data-name="SPA-UI"]')?.textContent.includes("first"), null, {
            what: "the list resource's rows",
            timeout: 10000,
        });
        // frappe-ui's onDocUpdate: doctype_subscribe, then list_update → fetchOne(name).
        await waitFor(() => socketsIn(env, "doctype:ToDo").some((s) => s.rooms.includes("doc:ToDo/SPA-UI")), { what: "room doctype:ToDo" });
        todos.get("SPA-UI").description = "second";
        await env.publish({ event: "list_update", message: { doctype: "ToDo", name: "SPA-UI", user: ALICE } });
        await waitInPage(page, () => document.querySelector('[data-testid="todos"] li[data-name="SPA-UI"]')?.textContent.includes("second"), null, {
            what: "the row refetched after list_update",
            timeout: 10000,
        });
        await docUpdate("frappe-ui", 1);
        noErrors("frappe-ui");
    });

    test("react-sdk: useFrappeDocumentEventListener gets doc_update, useFrappeDocTypeEventListener list_update", async () => {
        const q = new URLSearchParams({ realtime: env.socketUrl, name: "SPA-REACT" });
        const page = await openApp("react-sdk", `${env.webUrl}/spa/react-sdk/index.html?${q}`, "SPA-REACT");
        // The document hook also emits doc_open; the doctype hook doctype_subscribe.
        await waitFor(
            () => socketsIn(env, "doc:ToDo/SPA-REACT").some((s) => s.rooms.includes("open_doc:ToDo/SPA-REACT") && s.rooms.includes("doctype:ToDo")),
            { what: "rooms open_doc:ToDo/SPA-REACT and doctype:ToDo" },
        );
        await docUpdate("react-sdk", 1);
        await env.publish({ event: "list_update", message: { doctype: "ToDo", name: "SPA-REACT-2", user: ALICE } });
        await testid(page, "list-last", "SPA-REACT-2", "list_update");
        noErrors("react-sdk");
    });

    for (const v of VITES) {
        test(`alias, built by ${v}: io() connects, doc_subscribe joins, doc_update arrives`, async () => {
            // build.js prints the version of the Vite that built it.
            assert.match(buildLogs[`alias ${v}`], new RegExp(`^${v}: vite ${v.slice(4)}\\.`, "m"));
            const doc = `SPA-${v}`;
            const q = new URLSearchParams({ realtime: env.socketUrl, name: doc });
            await openApp(v, `${env.webUrl}/spa/alias-${v}/index.html?${q}`, doc);
            await docUpdate(v, 1);
            noErrors(v);
        });
    }

    test("after an abrupt realtime server restart: socket.io.on('reconnect') fires, rooms come back, events arrive again", async () => {
        const keys = ["frappe-ui", "react-sdk", ...VITES];
        const missing = keys.filter((k) => !opened[k]);
        assert.deepEqual(missing, [], "pages the tests above did not open");
        // Rooms each page must be in again: its doc room, and what its library subscribed.
        const rooms = {
            "frappe-ui": ["doctype:ToDo"],
            "react-sdk": ["doctype:ToDo", "open_doc:ToDo/SPA-REACT"],
        };
        await env.restartRealtime({ abrupt: true, downMs: 300 });
        for (const key of keys) {
            const { page, doc } = opened[key];
            await testid(page, "reconnects", "1", `${key}: socket.io 'reconnect'`, 20000);
            await testid(page, "state", "connected", `${key}: connected again`);
            const want = [`doc:ToDo/${doc}`, ...(rooms[key] || [])];
            await waitFor(() => socketsIn(env, `doc:ToDo/${doc}`).some((s) => want.every((r) => s.rooms.includes(r))), {
                what: `${key}: rooms ${want.join(", ")} back`,
                timeout: 10000,
            });
            await docUpdate(key, 2);
        }
        // frappe-ui subscribes its doctype once per page: the room came back from frappe-realtime.
        todos.get("SPA-UI").description = "third";
        await env.publish({ event: "list_update", message: { doctype: "ToDo", name: "SPA-UI", user: ALICE } });
        await waitInPage(
            opened["frappe-ui"].page,
            () => document.querySelector('[data-testid="todos"] li[data-name="SPA-UI"]')?.textContent.includes("third"),
            null,
            { what: "frappe-ui: list_update after the restart", timeout: 10000 },
        );
        await env.publish({ event: "list_update", message: { doctype: "ToDo", name: "SPA-REACT-3", user: ALICE } });
        await testid(opened["react-sdk"].page, "list-last", "SPA-REACT-3", "react-sdk: list_update after the restart");
    });
});
