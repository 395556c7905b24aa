// A minimal Chrome DevTools protocol client over `--remote-debugging-pipe` (file
// descriptors 3 and 4, NUL-terminated JSON messages): no WebSocket library, no
// automation framework. The measured pages are driven only through the few commands
// bench/run.js sends (Target.*, Runtime.evaluate, Performance.getMetrics,
// HeapProfiler.collectGarbage, Runtime.getHeapUsage); no domain that reports network
// traffic (Network.*) is ever enabled, so Chromium does not copy WebSocket frames to us.

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { CHROMIUM, CHROMIUM_ARGS as BASE_ARGS } from "../tests/server/chromium.js";

export { CHROMIUM };

// The flags the tests use, plus three that keep a page that is not in the
// foreground from being throttled.
export const CHROMIUM_ARGS = [
    ...BASE_ARGS,
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
];

/** Launches Chromium with a pipe connection; resolves with {send, session, close, version}. */
export async function launch({ executable = CHROMIUM, args = [] } = {}) {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "frappe-rt-bench-"));
    const proc = spawn(
        executable,
        [...CHROMIUM_ARGS, ...args, "--remote-debugging-pipe", `--user-data-dir=${userDataDir}`, "about:blank"],
        { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
    );
    let stderr = "";
    proc.stderr.on("data", (d) => {
        stderr = (stderr + d).slice(-4000);
    });
    const toBrowser = proc.stdio[3];
    const fromBrowser = proc.stdio[4];
    let nextId = 1;
    const pending = new Map();
    const listeners = new Set();
    let chunks = [];
    fromBrowser.on("data", (data) => {
        let start = 0;
        for (let i = data.indexOf(0); i !== -1; i = data.indexOf(0, start)) {
            chunks.push(data.subarray(start, i));
            const text = Buffer.concat(chunks).toString("utf8");
            chunks = [];
            start = i + 1;
            const msg = JSON.parse(text);
            if (msg.id !== undefined) {
                const p = pending.get(msg.id);
                pending.delete(msg.id);
                if (!p) continue;
                if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
                else p.resolve(msg.result);
            } else {
                for (const l of listeners) l(msg);
            }
        }
        if (start < data.length) chunks.push(data.subarray(start));
    });
    let exited = false;
    const exit = new Promise((resolve) => proc.on("exit", () => {
        exited = true;
        for (const p of pending.values()) p.reject(new Error(`chromium exited during ${p.method}\n${stderr}`));
        pending.clear();
        resolve();
    }));

    function send(method, params = {}, sessionId) {
        if (exited) return Promise.reject(new Error(`chromium has exited\n${stderr}`));
        const id = nextId++;
        const msg = { id, method, params };
        if (sessionId) msg.sessionId = sessionId;
        return new Promise((resolve, reject) => {
            pending.set(id, { resolve, reject, method });
            toBrowser.write(JSON.stringify(msg) + "\0");
        });
    }

    /** A flat session on one target. */
    function session(sessionId) {
        return {
            sessionId,
            send: (method, params) => send(method, params, sessionId),
            /** Evaluates `expression` in the page; awaits a promise; returns the value. */
            async evaluate(expression) {
                const r = await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }, sessionId);
                if (r.exceptionDetails) {
                    const d = r.exceptionDetails;
                    throw new Error(`page: ${(d.exception && d.exception.description) || d.text}`);
                }
                return r.result.value;
            },
        };
    }

    // Bounded waits whose timers are cleared, so that they do not keep Node alive.
    const within = (p, ms, onTimeout) => {
        let timer;
        const t = new Promise((resolve, reject) => {
            timer = setTimeout(() => onTimeout(resolve, reject), ms);
        });
        return Promise.race([p, t]).finally(() => clearTimeout(timer));
    };
    const version = await within(send("Browser.getVersion"), 20000, (_, reject) =>
        reject(new Error(`chromium did not answer\n${stderr}`)),
    );
    return {
        version,
        send,
        session,
        on: (fn) => listeners.add(fn),
        async close() {
            if (!exited) {
                send("Browser.close").catch(() => {});
                await within(exit, 5000, (resolve) => resolve());
                if (!exited) proc.kill("SIGKILL");
                await exit;
            }
            fs.rmSync(userDataDir, { recursive: true, force: true });
        },
    };
}

/**
 * Opens `url` in a fresh browser context (its own cache and cookies: a cold load every
 * time) and attaches a flat session to it.
 */
export async function openPage(browser, url) {
    const { browserContextId } = await browser.send("Target.createBrowserContext", { disposeOnDetach: true });
    const { targetId } = await browser.send("Target.createTarget", { url, browserContextId });
    const { sessionId } = await browser.send("Target.attachToTarget", { targetId, flatten: true });
    const s = browser.session(sessionId);
    s.close = async () => {
        await browser.send("Target.closeTarget", { targetId }).catch(() => {});
        await browser.send("Target.disposeBrowserContext", { browserContextId }).catch(() => {});
    };
    return s;
}

/** Polls `expression` until it yields a value other than null/undefined/false. */
export async function waitFor(s, expression, { timeout = 15000, interval = 10, what = expression } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
        let v;
        try {
            v = await s.evaluate(expression);
        } catch (e) {
            // The document may be replaced while navigating.
            if (!/context|destroyed|navigat/i.test(String(e.message))) throw e;
        }
        if (v !== null && v !== undefined && v !== false) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, interval));
    }
}
