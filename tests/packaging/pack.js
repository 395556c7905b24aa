// Helpers of the packaging tests: `npm pack` the repository into a temporary directory,
// install the tarball into fixture projects there, run commands with bounded time.
// Nothing is written into the repository or outside the temporary directory (npm's
// cache too lives there). Test infrastructure only.

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = path.join(REPO_ROOT, "node_modules", ".bin");

/** What `npm run build` leaves and the packaging tests need. */
export function requireBuild() {
    for (const f of ["pkg/frappe_realtime_bg.wasm", "pkg/frappe_realtime.js", "dist/frappe-realtime.js"]) {
        if (!fs.existsSync(path.join(REPO_ROOT, f))) throw new Error(`${f} is missing: run npm run build first`);
    }
}

/** A fresh temporary directory; `cleanup()` removes it. */
export function tempDir(prefix) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `cmd args` in `cwd`, output captured; rejects with the output on a non-zero exit
 * or after `timeout` ms (the process group is killed). Resolves with {stdout, stderr, ms}.
 */
export function run(cmd, args, { cwd = REPO_ROOT, env = {}, timeout = 120000 } = {}) {
    return new Promise((resolve, reject) => {
        const t0 = Date.now();
        const child = spawn(cmd, args, {
            cwd,
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
            detached: true,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => {
            try {
                process.kill(-child.pid, "SIGKILL");
            } catch {
                // already gone
            }
        }, timeout);
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            const ms = Date.now() - t0;
            if (code === 0) return resolve({ stdout, stderr, ms });
            const why = signal ? `killed (${signal}) after ${ms} ms` : `exit ${code}`;
            reject(new Error(`${cmd} ${args.join(" ")} (in ${cwd}): ${why}\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`));
        });
    });
}

/** npm with output kept quiet and its cache inside `tmp` (nothing cached outside it). */
export function npm(args, { cwd, tmp, timeout = 120000 } = {}) {
    return run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error", "--cache", path.join(tmp, "npm-cache")], {
        cwd,
        timeout,
        env: { npm_config_update_notifier: "false" },
    });
}

/**
 * `npm pack` of the repository into `tmp`. Returns {tarball, files} (the paths packed).
 */
export async function pack(tmp) {
    const { stdout } = await npm(["pack", "--json", "--pack-destination", tmp], { cwd: REPO_ROOT, tmp });
    const [info] = JSON.parse(stdout.slice(stdout.indexOf("[")));
    return { tarball: path.join(tmp, info.filename), files: info.files.map((f) => f.path), info };
}

/** A fixture project in `dir` with `pkg` as package.json, and the tarball installed offline. */
export async function fixture(dir, tmp, tarball, pkg = {}) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({ name: path.basename(dir), private: true, type: "module", ...pkg }, null, 2),
    );
    // A package without dependencies installs from the tarball alone: no registry.
    return npm(["install", "--offline", tarball], { cwd: dir, tmp });
}

/** Copies the project at `from` (examples/<name>, tests/spa/<name>) to `to`, without the
 *  node_modules and dist its own installs and builds left behind. */
export function copyProject(from, to) {
    fs.cpSync(from, to, {
        recursive: true,
        filter: (src) => !/[\\/](node_modules|dist)([\\/]|$)/.test(path.relative(from, src) ? "/" + path.relative(from, src) : ""),
    });
}
