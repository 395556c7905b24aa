// Frappe's own realtime server (realtime/index.js of a Frappe checkout) on loopback, with
// the companion app installed beside it, for tests/upstream/frappe.test.js. Nothing of
// Frappe's is kept in this repository: the checkout is given at run time (a directory or
// a git directory), and the files its realtime server needs are copied into a throw-away
// bench:
//
//   <tmp>/apps/frappe/{realtime/, node_utils.js, package.json}   from the checkout
//   <tmp>/apps/realtime_acks/              frappe-app/ of this repository
//   <tmp>/sites/common_site_config.json    redis_queue, socketio_port, default_site,
//                                          webserver_port (as `bench` writes them)
//
// Frappe's server loads `../../<app>/realtime/handlers.js` for every app `get_user_info`
// lists, so the layout is the one `bench` makes. It resolves its npm packages (socket.io,
// @redis/client, cookie) from this repository's node_modules through NODE_PATH. The web
// server is tests/server/web.js (sessions, get_user_info, has_permission, pages, bounded
// capacity), Redis a throw-away redis-server, as in tests/server/env.js.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pointWebAt, startEnv } from "../server/env.js";
import { startRedis } from "../server/redis.js";
import { startWeb, REPO_ROOT } from "../server/web.js";
import { COMPANION_APP_DIR } from "../server/companion-app.js";
import { createRedisPublisher } from "../server/publish.js";
import { freePort } from "../server/util.js";
import { frappeRealtime } from "./frappe-process.js";

const NEEDED = ["realtime", "node_utils.js", "package.json"];

/** Copies the files Frappe's realtime server needs from `checkout` (a work tree, or a git
 *  directory whose HEAD is read) into `dir`. */
function copyFrappe(checkout, dir) {
    fs.mkdirSync(dir, { recursive: true });
    if (fs.existsSync(path.join(checkout, "realtime", "index.js"))) {
        for (const f of NEEDED) fs.cpSync(path.join(checkout, f), path.join(dir, f), { recursive: true });
        return;
    }
    const tar = execFileSync("git", ["--git-dir", checkout, "archive", "HEAD", ...NEEDED], { maxBuffer: 1 << 26, stdio: "pipe" });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
}

/** What the checkout is: `git describe`-like text for reports, or the path. */
export function describeCheckout(checkout) {
    const gitDir = fs.existsSync(path.join(checkout, ".git")) ? path.join(checkout, ".git") : checkout;
    try {
        return execFileSync("git", ["--git-dir", gitDir, "log", "-1", "--format=%h %cs"], { encoding: "utf8" }).trim();
    } catch {
        return checkout;
    }
}

/**
 * The same environment with tests/server/realtime.js in place of Frappe's server (it
 * loads installed apps' handlers as Frappe v16's does): the suite runs against it in
 * `npm test` (tests/e2e/frappe-suite.test.js), so that it stays sound between runs
 * against Frappe, and so that the test server is held to the behaviour the suite
 * checks on Frappe's own.
 */
async function startOurEnv({ site, apps }) {
    const env = await startEnv({ site, web: { installedApps: apps }, realtime: { apps: { realtime_acks: COMPANION_APP_DIR } } });
    return {
        site,
        webUrl: env.webUrl,
        realtimeUrl: env.realtimeUrl,
        web: env.web,
        output: () => "",
        publish: (args) => env.publish(args),
        login: (user) => env.login(user),
        restartRealtime: ({ downMs = 0 } = {}) => env.restartRealtime({ abrupt: true, downMs }),
        stop: () => env.stop(),
    };
}

/**
 * @param {object} opts
 * @param {string} [opts.checkout] a Frappe checkout (work tree or git directory);
 *   none: tests/server/realtime.js (`startOurEnv`)
 * @param {string} [opts.site="site1"]
 * @param {string[]} [opts.apps] the apps `get_user_info` lists
 * @param {(line: string) => void} [opts.log] Frappe's server's output, line by line
 */
export async function startFrappeEnv({ checkout, site = "site1", apps = ["frappe", "realtime_acks"], log = () => {} }) {
    if (!checkout) return startOurEnv({ site, apps });
    const bench = fs.mkdtempSync(path.join(os.tmpdir(), "frappe-rt-bench-"));
    let redis = null;
    let web = null;
    let node = null;
    let publisher = null;
    let port = 0;

    const stop = async () => {
        if (publisher) await publisher.close().catch(() => {});
        if (node) await node.kill();
        if (web) await web.stop().catch(() => {});
        if (redis) await redis.dispose().catch(() => {});
        fs.rmSync(bench, { recursive: true, force: true });
    };
    try {
        copyFrappe(checkout, path.join(bench, "apps", "frappe"));
        fs.cpSync(COMPANION_APP_DIR, path.join(bench, "apps", "realtime_acks"), { recursive: true });
        redis = await startRedis();
        web = await startWeb({ site, installedApps: apps });
        port = await freePort();
        fs.mkdirSync(path.join(bench, "sites"));
        // webserver_port as `bench` writes it (Frappe's server uses it in developer mode).
        const conf = { redis_queue: redis.url, socketio_port: port, default_site: site, webserver_port: Number(new URL(web.url).port) };
        fs.writeFileSync(path.join(bench, "sites", "common_site_config.json"), JSON.stringify(conf));
        node = frappeRealtime({
            bench,
            redisUrl: redis.url,
            env: { NODE_PATH: path.join(REPO_ROOT, "node_modules") },
            log,
        });
        await node.start();
        pointWebAt(web, { site, realtimePort: port });
        publisher = createRedisPublisher(redis.url, { site });
    } catch (err) {
        await stop();
        throw err;
    }
    return {
        site,
        webUrl: web.url,
        realtimeUrl: `http://127.0.0.1:${port}`,
        web,
        /** Everything Frappe's server printed so far. */
        output: () => node.output(),
        /** publish_realtime for this site, through Redis `events` as Frappe's Python does. */
        publish: (args) => publisher.publishRealtime({ site, ...args }),
        login: (user) => web.login(user),
        /** Kills Frappe's realtime server like a crash and starts it again on its port
         *  after `downMs`, as a process manager does. */
        restartRealtime: (o) => node.restart(o),
        stop,
    };
}
