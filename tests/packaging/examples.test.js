// The Vue and React examples (examples/vue, examples/react) as a user runs them: each is
// copied into a temporary directory, installs its pinned dependencies (package-lock.json,
// from the npm registry; npm's cache in the temporary directory too) plus the tarball of
// this repository (`npm pack`), is built with `vite build` and served from the site's
// origin by the stub web server, then driven in headless Chromium: alice logs in, opens
// the page, a doc_update published like publish_realtime shows up on it. The Vue example
// also runs under `vite` (the dev server, optimizeDeps.exclude) against the realtime
// server's own port, like a frappe-ui app in a developer-mode bench.
//
//   npm run build && node --test tests/packaging/examples.test.js
//
// Needs the npm registry (vite, vue, react); FRAPPE_REALTIME_SKIP_EXAMPLES=1 skips it.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { startEnv } from "../server/env.js";
import { freePort, sleep, within } from "../server/util.js";
import { launchBrowser, newPage, login, openPage, testid, waitFor, roomsOf } from "../e2e/harness.js";
import { REPO_ROOT, copyProject, npm, pack, requireBuild, run, tempDir } from "./pack.js";

const ALICE = "alice@example.com";
const EXAMPLES = ["vue", "react"];
const skip = process.env.FRAPPE_REALTIME_SKIP_EXAMPLES === "1" && "FRAPPE_REALTIME_SKIP_EXAMPLES=1";

describe("examples/vue and examples/react, built with Vite, against the test servers", { skip }, () => {
    let tmp;
    let tarball;
    let env;
    let browser;
    const timings = {};
    const dirs = {};

    before(async () => {
        requireBuild();
        tmp = tempDir("frappe-rt-examples-");
        let t0 = Date.now();
        ({ tarball } = await pack(tmp.dir));
        timings.pack = Date.now() - t0;
        t0 = Date.now();
        await Promise.all(
            EXAMPLES.map(async (name) => {
                const dir = (dirs[name] = path.join(tmp.dir, name));
                copyProject(path.join(REPO_ROOT, "examples", name), dir);
                const t1 = Date.now();
                // The lock pins vite / vue / react; frappe-realtime comes from this tarball.
                await npm(["install", tarball], { cwd: dir, tmp: tmp.dir, timeout: 180000 });
                timings[`install ${name}`] = Date.now() - t1;
            }),
        );
        timings.installs = Date.now() - t0;
        for (const name of EXAMPLES) {
            const t1 = Date.now();
            await run(path.join(dirs[name], "node_modules", ".bin", "vite"), ["build", "--logLevel", "warn"], { cwd: dirs[name], timeout: 120000 });
            timings[`vite build ${name}`] = Date.now() - t1;
        }
        const webPort = await freePort();
        env = await startEnv({
            site: "site1",
            // developer_mode: the realtime server asks the web server's port for the session
            // when the page's origin is another one (the Vite dev server's).
            realtime: { webserverPort: webPort },
            web: {
                port: webPort,
                staticRoots: EXAMPLES.map((name) => ({ prefix: `/examples/${name}/`, dir: path.join(dirs[name], "dist") })),
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

    /** Logs alice in, opens `url`, checks live updates of ToDo `doc` on the page. */
    async function liveUpdates(url, doc) {
        const ctx = await browser.newContext();
        const page = await newPage(ctx);
        await login(page, env.webUrl, ALICE);
        page.logs.length = 0; // the login page's favicon.ico 404
        await openPage(page, url);
        await testid(page, "state", "connected", "state: connected");
        await waitFor(() => roomsOf(env).includes(`doc:ToDo/${doc}`), { what: `room doc:ToDo/${doc}` });
        assert.equal(await testid(page, "modified", null, "modified"), "no update yet");
        for (const [i, modified] of ["2026-03-04 05:06:07.000001", "2026-03-04 05:06:08.000002"].entries()) {
            // What Frappe's Document.notify_update publishes.
            await env.publish({ event: "doc_update", message: { doctype: "ToDo", name: doc, modified }, doctype: "ToDo", docname: doc });
            await testid(page, "modified", modified, `modified #${i + 1}`);
        }
        const items = await page.locator('[data-testid="updates"] li').count();
        assert.equal(items, 2);
        // Another document's update does not show.
        await env.publish({ event: "doc_update", message: { doctype: "ToDo", name: "OTHER", modified: "x" }, doctype: "ToDo", docname: "OTHER" });
        await sleep(200);
        assert.equal(await page.locator('[data-testid="updates"] li').count(), 2);
        const errors = page.logs.filter((l) => /^(error|pageerror)/.test(l));
        assert.deepEqual(errors, [], page.logs.join("\n"));
        await ctx.close();
    }

    test("the examples depend on this version's tarball; their locks pin no checksum for it", () => {
        const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
        const spec = `file:../../frappe-realtime-${version}.tgz`;
        for (const name of EXAMPLES) {
            const dir = path.join(REPO_ROOT, "examples", name);
            const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
            assert.equal(pkg.dependencies["frappe-realtime"], spec, `${name}/package.json`);
            const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
            assert.equal(lock.packages[""].dependencies["frappe-realtime"], spec, `${name}/package-lock.json`);
            // Every build makes a new tarball: a checksum in the lock would fail `npm install`
            // (EINTEGRITY) after the next one.
            assert.equal(lock.packages["node_modules/frappe-realtime"].integrity, undefined, `${name}/package-lock.json`);
        }
    });

    for (const name of EXAMPLES) {
        test(`${name}: the tarball is installed, vite build emits the .wasm, the page shows doc_update live`, async () => {
            const installed = path.join(dirs[name], "node_modules", "frappe-realtime", "dist", "frappe-realtime.js");
            assert.ok(fs.readFileSync(installed).equals(fs.readFileSync(path.join(REPO_ROOT, "dist", "frappe-realtime.js"))), "this build's tarball");
            const assets = fs.readdirSync(path.join(dirs[name], "dist", "assets"));
            assert.ok(assets.some((f) => /^frappe_realtime_bg-.+\.wasm$/.test(f)), assets.join());
            const doc = `EX-${name}`;
            const q = new URLSearchParams({ realtime: env.socketUrl, doctype: "ToDo", name: doc });
            await liveUpdates(`${env.webUrl}/examples/${name}/index.html?${q}`, doc);
        });
    }

    test("vue under the Vite dev server (optimizeDeps.exclude), socket on the realtime server's port", async () => {
        const port = await freePort();
        const dir = dirs.vue;
        const t0 = Date.now();
        const child = spawn(path.join(dir, "node_modules", ".bin", "vite"), ["--host", "127.0.0.1", "--port", String(port), "--strictPort"], {
            cwd: dir,
            stdio: ["ignore", "pipe", "pipe"],
            detached: true,
        });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        try {
            const origin = `http://127.0.0.1:${port}`;
            await waitFor(
                async () => {
                    try {
                        return (await fetch(origin + "/")).ok;
                    } catch {
                        return false;
                    }
                },
                { what: `vite dev server\n${output}`, timeout: 30000, interval: 100 },
            );
            timings["vite dev start"] = Date.now() - t0;
            const doc = "EX-vue-dev";
            const q = new URLSearchParams({ realtime: `${env.realtimeUrl}/site1`, doctype: "ToDo", name: doc });
            await liveUpdates(`${origin}/?${q}`, doc);
            timings["vite dev"] = Date.now() - t0;
        } finally {
            try {
                process.kill(-child.pid, "SIGTERM");
            } catch {
                // gone
            }
            await within(new Promise((r) => child.once("close", r)), 5000);
            if (child.exitCode === null && child.signalCode === null) {
                try {
                    process.kill(-child.pid, "SIGKILL");
                } catch {
                    // gone
                }
            }
        }
    });
});
