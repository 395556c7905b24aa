// A throw-away redis-server for the tests: loopback only, no persistence, on a free port.
// Stops only the process it started (by PID). Test infrastructure only.

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort, sleep, trackChild, within } from "./util.js";

export const REDIS_SERVER = process.env.REDIS_SERVER || "/usr/bin/redis-server";

/** Sends PING over a raw socket; resolves true on `+PONG`, false otherwise. */
export function ping(port, host = "127.0.0.1", timeout = 500) {
    return new Promise((resolve) => {
        const sock = net.connect({ port, host });
        let buf = "";
        const done = (ok) => {
            clearTimeout(timer);
            sock.destroy();
            resolve(ok);
        };
        const timer = setTimeout(() => done(false), timeout);
        sock.on("connect", () => sock.write("PING\r\n"));
        sock.on("data", (d) => {
            buf += d.toString("latin1");
            if (buf.includes("\r\n")) done(buf.startsWith("+PONG"));
        });
        sock.on("error", () => done(false));
    });
}

function spawnRedis(port, dir) {
    const args = [
        "--port", String(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--protected-mode", "yes",
        "--dir", dir,
        "--loglevel", "warning",
    ];
    const child = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
    trackChild(child);
    let output = "";
    const keep = (d) => {
        output = (output + d.toString()).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const exited = new Promise((resolve) => {
        child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    return { child, exited, output: () => output };
}

async function waitReady(proc, port, timeout) {
    const deadline = Date.now() + timeout;
    let gone = null;
    proc.exited.then((e) => {
        gone = e;
    });
    while (Date.now() < deadline) {
        if (gone) {
            throw new Error(
                `redis-server exited (${gone.code ?? gone.signal}) before answering PING on ${port}: ${proc.output()}`,
            );
        }
        if (await ping(port)) return;
        await sleep(20);
    }
    throw new Error(`redis-server did not answer PING on port ${port} within ${timeout} ms: ${proc.output()}`);
}

async function killAndWait(proc, timeout = 3000) {
    const { child } = proc;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const result = await within(proc.exited, timeout, null);
    if (result === null) {
        child.kill("SIGKILL");
        await within(proc.exited, timeout);
    }
}

/**
 * Starts redis-server on 127.0.0.1.
 * @param {{port?: number, timeout?: number}} [opts] port 0/undefined picks a free one.
 * @returns {Promise<{port: number, url: string, pid: number, running: boolean,
 *   stop(): Promise<void>, start(): Promise<void>, restart(opts?: {downMs?: number}): Promise<void>}>}
 */
export async function startRedis({ port = 0, timeout = 5000 } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "frappe-rt-redis-"));
    let proc = null;
    let chosen = port;

    async function start() {
        if (proc) return;
        // A port chosen by freePort can be taken before redis binds it: retry a few times
        // (only when the caller did not ask for a specific port).
        const attempts = port || chosen ? 1 : 3;
        let lastErr;
        for (let i = 0; i < attempts; i++) {
            const p = chosen || (await freePort());
            const candidate = spawnRedis(p, dir);
            try {
                await waitReady(candidate, p, timeout);
                proc = candidate;
                chosen = p;
                return;
            } catch (err) {
                lastErr = err;
                await killAndWait(candidate);
            }
        }
        throw lastErr;
    }

    async function stop() {
        if (!proc) return;
        const p = proc;
        proc = null;
        await killAndWait(p);
    }

    await start();

    const handle = {
        get port() {
            return chosen;
        },
        get url() {
            return `redis://127.0.0.1:${chosen}`;
        },
        get pid() {
            return proc ? proc.child.pid : null;
        },
        get running() {
            return proc !== null;
        },
        start,
        /** Stops redis-server (SIGTERM, then SIGKILL after 3 s); idempotent. */
        async stop() {
            await stop();
        },
        /** Stop, optionally stay down `downMs`, then start again on the same port. */
        async restart({ downMs = 0 } = {}) {
            await stop();
            if (downMs) await sleep(downMs);
            await start();
        },
        /** Removes the scratch directory too; the handle cannot be started again. */
        async dispose() {
            await stop();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
    return handle;
}
