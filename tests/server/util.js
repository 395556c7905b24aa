// Small helpers shared by the test servers: free ports, bounded waits, child-process cleanup.
// Test infrastructure only; nothing here ships.

import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export { sleep };

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(host = "127.0.0.1") {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on("error", reject);
        srv.listen(0, host, () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

/**
 * Polls `check` (sync or async) until it returns a truthy value, which is returned.
 * Throws after `timeout` ms; never loops unbounded.
 */
export async function waitUntil(check, { timeout = 5000, interval = 25, what = "condition" } = {}) {
    const deadline = Date.now() + timeout;
    let lastError;
    for (;;) {
        try {
            const value = await check();
            if (value) return value;
        } catch (err) {
            lastError = err;
        }
        if (Date.now() >= deadline) {
            const suffix = lastError ? ` (last error: ${lastError.message || lastError})` : "";
            throw new Error(`timed out after ${timeout} ms waiting for ${what}${suffix}`);
        }
        await sleep(interval);
    }
}

/** Listens an http.Server on host:port and resolves with the bound port. */
export function listen(server, port, host = "127.0.0.1") {
    return new Promise((resolve, reject) => {
        const onError = (err) => {
            server.off("listening", onListening);
            reject(err);
        };
        const onListening = () => {
            server.off("error", onError);
            resolve(server.address().port);
        };
        server.once("error", onError);
        server.once("listening", onListening);
        server.listen(port, host);
    });
}

// Children started by this process, killed synchronously if the process exits without
// stopping them (a crashed test run must not leave a redis-server behind).
const children = new Set();
let exitHookInstalled = false;

export function trackChild(child) {
    children.add(child);
    child.once("exit", () => children.delete(child));
    if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.once("exit", () => {
            for (const c of children) {
                try {
                    process.kill(c.pid, "SIGKILL");
                } catch {
                    // already gone
                }
            }
        });
    }
}

/** Sends `signal` to `child` (unless it has exited) and resolves once it has. */
export async function stopChild(child, signal = "SIGTERM") {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await gone;
}

/**
 * Tracks every TCP connection of a server (HTTP keep-alive and upgraded WebSockets alike)
 * so that it can be torn down without waiting for clients.
 */
export function trackConnections(server) {
    const sockets = new Set();
    server.on("connection", (socket) => {
        sockets.add(socket);
        socket.once("close", () => sockets.delete(socket));
    });
    return {
        destroyAll() {
            for (const s of sockets) s.destroy();
            sockets.clear();
        },
        get size() {
            return sockets.size;
        },
    };
}

/** Closes an http.Server, destroying any connection still open; resolves when closed. */
export function closeServer(server, tracker) {
    return new Promise((resolve) => {
        if (!server.listening) {
            tracker?.destroyAll();
            resolve();
            return;
        }
        server.close(() => resolve());
        server.closeAllConnections?.();
        tracker?.destroyAll();
    });
}

/**
 * Resolves with `promise`'s value, or with `fallback` after `ms` ms, whichever is first;
 * the timer is cleared either way (a bare `Promise.race` with a sleep keeps the process
 * alive until the sleep ends).
 */
export function within(promise, ms, fallback = undefined) {
    let timer;
    const limit = new Promise((resolve) => {
        timer = setTimeout(() => resolve(fallback), ms);
    });
    return Promise.race([Promise.resolve(promise), limit]).finally(() => clearTimeout(timer));
}
