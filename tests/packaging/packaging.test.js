// The npm package as users get it: `npm pack` of the built repository, installed from
// the tarball (offline: it has no dependencies) into fixture projects in a temporary
// directory. Checks what the tarball holds, that its types resolve by package name
// (tsc, nodenext and bundler resolution), that the ESM entry imports in Node, and that
// an esbuild bundle of `import {RealtimeClient} from "frappe-realtime"` and the
// tarball's script-tag file connect and receive an event in headless Chromium against
// the Frappe-compatible test servers.
//
//   npm run build && node --test tests/packaging/packaging.test.js

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startEnv } from "../server/env.js";
import { launchBrowser, newPage, login, openPage, waitInPage, waitFor, roomsOf } from "../e2e/harness.js";
import { BIN, REPO_ROOT, fixture, pack, requireBuild, run, tempDir } from "./pack.js";

const ALICE = "alice@example.com";

/** Files every install needs. */
const REQUIRED = [
    "package.json",
    "README.md",
    "dist/frappe-realtime.js",
    "pkg/index.js",
    "pkg/frappe_realtime.js",
    "pkg/frappe_realtime_bg.wasm",
    // The companion Frappe app (README, "Acknowledged joins"), for sites that install it.
    "frappe-app/realtime/handlers.js",
    "frappe-app/realtime/admission.js",
    "frappe-app/realtime_acks/hooks.py",
    "pkg/frappe_realtime.d.ts",
    "www/index.js",
    "www/index.d.ts",
    "www/client.js",
    "www/client.d.ts",
    "www/frappe-realtime.js",
    "www/frappe-realtime.d.ts",
    "www/socket.io-client.js",
    "www/socket.io-client.d.ts",
    "www/socket.js",
    "www/socket.d.ts",
    "www/socket-options.js",
];
/** Nothing of the sources, tests, demo, examples or build directories ships. */
const FORBIDDEN = /^(src|tests|fuzz|target|scripts|examples|bench|docs|node_modules|\.ci|\.cargo|www\/demo)\/|^Cargo\.|\.tgz$/;

// The browser side of the bundled fixtures: one client, one document room, a log.
const START_JS = `
export function start(RealtimeClient) {
  const env = window.__frappe_test_env;
  const doc = new URLSearchParams(location.search).get("doc");
  const log = (window.__log = []);
  const client = (window.client = new RealtimeClient(env.socketUrl, { withCredentials: true }));
  client.on("connect", () => log.push(["connect"]));
  client.on("connect_error", (e) => log.push(["connect_error", e.message]));
  client.on("doc_update", (d) => log.push(["doc_update", d]));
  client.subscribe("doc", "ToDo", doc);
}
`;
// Plain import: the glue fetches the .wasm beside the bundle (new URL(…, import.meta.url)).
const A_JS = `import { RealtimeClient } from "frappe-realtime";
import { start } from "./start.js";
start(RealtimeClient);
`;
// The .wasm as an asset of the bundler (esbuild --loader:.wasm=file), handed to setWasmSource.
const B_JS = `import { RealtimeClient, setWasmSource } from "frappe-realtime";
import wasmUrl from "frappe-realtime/pkg/frappe_realtime_bg.wasm";
import { start } from "./start.js";
setWasmSource(wasmUrl);
start(RealtimeClient);
`;
// The tarball's script-tag file, as a plain <script> (classic script after it).
const C_JS = `window.__log = [];
frappe.realtime.init(frappe.boot.socketio_port);
frappe.realtime.on("connect", () => __log.push(["connect"]));
frappe.realtime.on("doc_update", (d) => __log.push(["doc_update", d]));
frappe.realtime.doc_subscribe("ToDo", new URLSearchParams(location.search).get("doc"));
`;
const html = (body) => `<!doctype html><meta charset="utf-8"><title>fixture</title><link rel="icon" href="data:,">
<script src="/__test/boot.js"></script>
${body}
`;

describe("the npm tarball", () => {
    let tmp;
    let packed;
    let esmDir;
    let bundlerDir;
    const timings = {};

    before(async () => {
        requireBuild();
        tmp = tempDir("frappe-rt-pack-");
        let t0 = Date.now();
        packed = await pack(tmp.dir);
        timings.pack = Date.now() - t0;
        esmDir = path.join(tmp.dir, "esm");
        bundlerDir = path.join(tmp.dir, "bundler");
        t0 = Date.now();
        await Promise.all([fixture(esmDir, tmp.dir, packed.tarball), fixture(bundlerDir, tmp.dir, packed.tarball)]);
        timings.install = Date.now() - t0;
    });

    after(() => {
        console.log(`timings (ms): ${JSON.stringify(timings)}`);
        if (tmp) tmp.cleanup();
    });

    test("holds the built files and nothing of the sources", () => {
        for (const f of REQUIRED) assert.ok(packed.files.includes(f), `${f} in the tarball`);
        // Every module the glue imports ships, and no wasm-bindgen snippet it does not import
        // (a stale directory left in pkg/snippets/ by an earlier build would ship otherwise).
        // scripts/build.sh bundles the driver's glue.js into the glue, so today there is none.
        const glue = fs.readFileSync(path.join(REPO_ROOT, "pkg/frappe_realtime.js"), "utf8");
        const imported = new Set([...glue.matchAll(/(?:from|import)\s*["'](\.\/[^"']+)["']/g)].map((m) => "pkg/" + m[1].slice(2)));
        for (const f of imported) assert.ok(packed.files.includes(f), `${f}, imported by the glue, in the tarball`);
        const snippets = packed.files.filter((f) => f.startsWith("pkg/snippets/"));
        assert.deepEqual(snippets.sort(), [...imported].filter((f) => f.startsWith("pkg/snippets/")).sort(), "pkg/snippets/ holds only what the glue imports");
        const bad = packed.files.filter((f) => FORBIDDEN.test(f));
        assert.deepEqual(bad, [], "files that must not ship");
        // The installed copy is the one just built.
        const installed = path.join(esmDir, "node_modules", "frappe-realtime");
        assert.ok(fs.readFileSync(path.join(installed, "dist/frappe-realtime.js")).equals(fs.readFileSync(path.join(REPO_ROOT, "dist/frappe-realtime.js"))));
    });

    test("package.json: no dependencies, exports with types first, every target packed", () => {
        const installed = path.join(esmDir, "node_modules", "frappe-realtime");
        const pkg = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8"));
        assert.equal(pkg.dependencies, undefined, "installs without a registry");
        assert.equal(pkg.type, "module");
        assert.deepEqual(Object.keys(pkg.exports["."]), ["types", "default"]);
        for (const target of [pkg.exports["."].types, pkg.exports["."].default, pkg.main, pkg.types]) {
            assert.ok(fs.existsSync(path.join(installed, target)), `${target} exists`);
        }
        const fixturePkg = JSON.parse(fs.readFileSync(path.join(esmDir, "package.json"), "utf8"));
        assert.match(fixturePkg.dependencies["frappe-realtime"], /^file:.*\.tgz$/);
    });

    test("types resolve by package name (tsc --strict, nodenext and bundler resolution)", async () => {
        const usage = fs.readFileSync(path.join(REPO_ROOT, "tests/packaging/usage.ts"), "utf8");
        assert.ok(usage.includes('from "../../www/index.js"'));
        fs.writeFileSync(path.join(esmDir, "usage.ts"), usage.replace('from "../../www/index.js"', 'from "frappe-realtime"'));
        const base = {
            strict: true,
            noEmit: true,
            target: "es2022",
            lib: ["es2022", "dom", "esnext.disposable"],
            types: [],
            noUnusedLocals: true,
        };
        const configs = {
            "tsconfig.nodenext.json": { ...base, module: "nodenext", moduleResolution: "nodenext" },
            "tsconfig.bundler.json": { ...base, module: "esnext", moduleResolution: "bundler" },
        };
        for (const [name, compilerOptions] of Object.entries(configs)) {
            fs.writeFileSync(path.join(esmDir, name), JSON.stringify({ compilerOptions, files: ["usage.ts"] }, null, 2));
            const t0 = Date.now();
            await run(path.join(BIN, "tsc"), ["-p", name], { cwd: esmDir, timeout: 60000 });
            timings[`tsc ${name}`] = Date.now() - t0;
        }
        // The socket.io-client entry's types by their export name, as an app whose bundler
        // aliases socket.io-client maps it for tsc too; and the same file against
        // socket.io-client's own declarations, so that it stays what that library's users write.
        const sio = fs.readFileSync(path.join(REPO_ROOT, "tests/packaging/socket-io-usage.ts"), "utf8");
        assert.ok(sio.includes('from "../../www/socket.io-client.js"'));
        fs.writeFileSync(path.join(esmDir, "socket-io-usage.ts"), sio.replace('from "../../www/socket.io-client.js"', 'from "frappe-realtime/socket.io-client"'));
        fs.writeFileSync(path.join(esmDir, "socket-io-real.ts"), sio.replace('from "../../www/socket.io-client.js"', 'from "socket.io-client"'));
        const sioConfigs = {
            "tsconfig.sio.json": { compilerOptions: configs["tsconfig.nodenext.json"], files: ["socket-io-usage.ts"] },
            "tsconfig.sio-real.json": {
                compilerOptions: {
                    ...configs["tsconfig.bundler.json"],
                    skipLibCheck: true,
                    paths: { "socket.io-client": [path.join(REPO_ROOT, "node_modules/socket.io-client/build/esm/index.d.ts")] },
                },
                files: ["socket-io-real.ts"],
            },
        };
        for (const [name, config] of Object.entries(sioConfigs)) {
            fs.writeFileSync(path.join(esmDir, name), JSON.stringify(config, null, 2));
            await run(path.join(BIN, "tsc"), ["-p", name], { cwd: esmDir, timeout: 60000 });
        }
        // The check has teeth: a wrong call fails to compile against the installed types.
        fs.writeFileSync(
            path.join(esmDir, "wrong.ts"),
            'import { RealtimeClient } from "frappe-realtime";\nnew RealtimeClient("/s").subscribe("doc", "ToDo");\n',
        );
        fs.writeFileSync(
            path.join(esmDir, "tsconfig.wrong.json"),
            JSON.stringify({ compilerOptions: configs["tsconfig.nodenext.json"], files: ["wrong.ts"] }),
        );
        await assert.rejects(run(path.join(BIN, "tsc"), ["-p", "tsconfig.wrong.json"], { cwd: esmDir, timeout: 60000 }), /error TS\d+/);
        // And the socket.io-client entry's event maps type the emits.
        fs.writeFileSync(
            path.join(esmDir, "wrong-sio.ts"),
            'import { io, Socket } from "frappe-realtime/socket.io-client";\n' +
                "const s: Socket<{}, { doc_subscribe: (doctype: string, name: string) => void }> = io();\n" +
                's.emit("doc_subscribe", "ToDo", 1);\n',
        );
        fs.writeFileSync(
            path.join(esmDir, "tsconfig.wrong-sio.json"),
            JSON.stringify({ compilerOptions: configs["tsconfig.nodenext.json"], files: ["wrong-sio.ts"] }),
        );
        await assert.rejects(run(path.join(BIN, "tsc"), ["-p", "tsconfig.wrong-sio.json"], { cwd: esmDir, timeout: 60000 }), /error TS2345/);
    });

    test("the ESM entry imports in Node (no client is constructed: wasm needs a browser)", async () => {
        const code = `
            import * as m from "frappe-realtime";
            const rt = m.createRealtime({
                frappe: { boot: { sitename: "site1" } },
                window: { location: { origin: "https://erp.example.com", hostname: "erp.example.com", protocol: "https:" } },
            });
            const resolved = {};
            for (const spec of ["frappe-realtime", "frappe-realtime/socket.io-client", "frappe-realtime/dist/frappe-realtime.js", "frappe-realtime/pkg/frappe_realtime_bg.wasm", "frappe-realtime/package.json"]) {
                resolved[spec] = import.meta.resolve(spec).replace(/^.*node_modules\\//, "");
            }
            let privatePath = null;
            try { import.meta.resolve("frappe-realtime/src/lib.rs"); } catch (e) { privatePath = e.code; }
            console.log(JSON.stringify({
                exports: Object.keys(m).sort(),
                kinds: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v])),
                host: rt.get_host(),
                socket: rt.socket === undefined,
                resolved,
                privatePath,
            }));
        `;
        const { stdout } = await run(process.execPath, ["--input-type=module", "-e", code], { cwd: esmDir, timeout: 30000 });
        const out = JSON.parse(stdout.trim().split("\n").pop());
        assert.deepEqual(out.exports, ["RealtimeClient", "connect", "createRealtime", "install", "setWasmSource", "whenReady"]);
        for (const kind of Object.values(out.kinds)) assert.equal(kind, "function");
        assert.equal(out.host, "https://erp.example.com/site1");
        assert.ok(out.socket);
        assert.deepEqual(out.resolved, {
            // The ESM entry is the one-module bundle (scripts/bundle-esm.js).
            "frappe-realtime": "frappe-realtime/pkg/index.js",
            // The socket.io-client entry, for a bundler alias (www/socket.io-client.js).
            "frappe-realtime/socket.io-client": "frappe-realtime/www/socket.io-client.js",
            "frappe-realtime/dist/frappe-realtime.js": "frappe-realtime/dist/frappe-realtime.js",
            "frappe-realtime/pkg/frappe_realtime_bg.wasm": "frappe-realtime/pkg/frappe_realtime_bg.wasm",
            "frappe-realtime/package.json": "frappe-realtime/package.json",
        });
        assert.equal(out.privatePath, "ERR_PACKAGE_PATH_NOT_EXPORTED");
    });

    describe("in headless Chromium against the test servers", () => {
        let env;
        let browser;
        let ctx;
        const out = () => path.join(bundlerDir, "out");

        before(async () => {
            // Two esbuild bundles of the installed package (see A_JS, B_JS) and the
            // tarball's script-tag file, served from the site's origin.
            fs.mkdirSync(out(), { recursive: true });
            fs.writeFileSync(path.join(bundlerDir, "start.js"), START_JS);
            fs.writeFileSync(path.join(bundlerDir, "a.js"), A_JS);
            fs.writeFileSync(path.join(bundlerDir, "b.js"), B_JS);
            const t0 = Date.now();
            const esbuild = path.join(BIN, "esbuild");
            const common = ["--bundle", "--format=esm", "--minify", "--log-level=error", "--log-override:duplicate-object-key=silent"];
            await run(esbuild, ["a.js", ...common, "--outfile=out/a.js"], { cwd: bundlerDir });
            await run(esbuild, ["b.js", ...common, "--loader:.wasm=file", "--public-path=/fixture/", "--outdir=out"], {
                cwd: bundlerDir,
            });
            timings.esbuild = Date.now() - t0;
            // esbuild does not follow new URL(…, import.meta.url): a.js needs the .wasm beside it.
            fs.copyFileSync(path.join(bundlerDir, "node_modules/frappe-realtime/pkg/frappe_realtime_bg.wasm"), path.join(out(), "frappe_realtime_bg.wasm"));
            assert.ok(fs.readdirSync(out()).some((f) => /^frappe_realtime_bg-[A-Z0-9]+\.wasm$/i.test(f)), "b.js's wasm asset emitted");
            fs.writeFileSync(path.join(out(), "a.html"), html('<script type="module" src="/fixture/a.js"></script>'));
            fs.writeFileSync(path.join(out(), "b.html"), html('<script type="module" src="/fixture/b.js"></script>'));
            fs.writeFileSync(path.join(out(), "c.js"), C_JS);
            fs.writeFileSync(
                path.join(out(), "c.html"),
                html('<script src="/fixture-pkg/dist/frappe-realtime.js"></script>\n<script src="/fixture/c.js"></script>'),
            );
            env = await startEnv({
                site: "site1",
                web: {
                    staticRoots: [
                        { prefix: "/fixture/", dir: out() },
                        { prefix: "/fixture-pkg/", dir: path.join(bundlerDir, "node_modules", "frappe-realtime") },
                    ],
                },
            });
            browser = await launchBrowser();
            ctx = await browser.newContext();
        });

        after(async () => {
            if (browser) await browser.close();
            if (env) await env.stop();
        });

        for (const [page, what] of [
            ["a.html", "esbuild bundle, .wasm beside it"],
            ["b.html", "esbuild bundle, .wasm as a file asset + setWasmSource"],
            ["c.html", "the tarball's dist/frappe-realtime.js as a plain <script>"],
        ]) {
            test(`${what}: connects, joins the document's room, receives doc_update`, async () => {
                const doc = `PK-${page[0]}`;
                const p = await newPage(ctx);
                await login(p, env.webUrl, ALICE);
                p.logs.length = 0; // the blank login page's favicon.ico 404
                await openPage(p, `/fixture/${page}?doc=${doc}`, { siteUrl: env.webUrl });
                await waitInPage(p, () => window.__log && __log.some((e) => e[0] === "connect"), null, {
                    what: `${page} connected`,
                    timeout: 10000,
                });
                await waitFor(() => roomsOf(env).includes(`doc:ToDo/${doc}`), { what: `room doc:ToDo/${doc}` });
                await env.publish({ event: "doc_update", message: { doctype: "ToDo", name: doc, modified: "2026-01-02 03:04:05" }, doctype: "ToDo", docname: doc });
                const got = await waitInPage(p, () => __log.find((e) => e[0] === "doc_update"), null, { what: "doc_update" });
                assert.deepEqual(got[1], { doctype: "ToDo", name: doc, modified: "2026-01-02 03:04:05" });
                const errors = p.logs.filter((l) => /^(error|pageerror)/.test(l));
                assert.deepEqual(errors, [], `no errors in the page:\n${p.logs.join("\n")}`);
                await p.close();
            });
        }
    });
});
