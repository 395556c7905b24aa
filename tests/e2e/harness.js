// Browser side of the end-to-end tests: headless Chromium (/usr/bin/chromium) through
// playwright-core, plus helpers to log in as a demo user, open a page of the test site and
// wait for a condition with a bounded timeout. Test infrastructure only.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { DEFAULT_USERS, REPO_ROOT } from "../server/web.js";
import { waitUntil, within } from "../server/util.js";

import { before, after } from "node:test";
import { CHROMIUM, CHROMIUM_ARGS } from "../server/chromium.js";
import { startEnv, socketsOf } from "../server/env.js";

export { CHROMIUM, CHROMIUM_ARGS, socketsOf };

/** Demo users' passwords, by user name. */
export const PASSWORDS = Object.fromEntries(DEFAULT_USERS.map((u) => [u.user, u.pwd]));

/** The script-tag build (npm run build). */
export const DIST = path.join(REPO_ROOT, "dist");
/** The test pages (tests/e2e/pages/). */
export const PAGES = path.join(REPO_ROOT, "tests", "e2e", "pages");
/** Where a Frappe app named frappe_realtime serves its public/js/ files: a `staticRoots`
 *  entry of the web server (desk.test.js, security.test.js). */
export const ASSETS = { prefix: "/assets/frappe_realtime/js/", dir: DIST };
/** The strict Content-Security-Policy the package must run under, and the same without
 *  'wasm-unsafe-eval' (the wasm module cannot compile). */
export const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
export const NO_WASM_CSP = "default-src 'self'; script-src 'self'";

/**
 * Launches headless Chromium.
 * Default: `chromium.launch`, for which Playwright creates a fresh temporary user-data-dir
 * (`--user-data-dir=/tmp/playwright_chromiumdev_profile-*`, removed on close); contexts
 * from `newContext()` are isolated cookie jars, one per user.
 * `persistent: true`: `launchPersistentContext` on a fresh directory of ours (`userDataDir`),
 * which has exactly one context (`context`) and no `browser`.
 * @param {{args?: string[], timeout?: number, executablePath?: string, persistent?: boolean}} [opts]
 * @returns {Promise<{browser: import("playwright-core").Browser|null,
 *   context: import("playwright-core").BrowserContext|null, userDataDir: string|null,
 *   newContext(opts?: object): Promise<import("playwright-core").BrowserContext>,
 *   close(): Promise<void>}>}
 */
export async function launchBrowser({ args = [], timeout = 30000, executablePath = CHROMIUM, persistent = false } = {}) {
    const launchArgs = [...CHROMIUM_ARGS, ...args];
    let browser = null;
    let context = null;
    let userDataDir = null;
    if (persistent) {
        userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "frappe-rt-chromium-"));
        try {
            context = await chromium.launchPersistentContext(userDataDir, {
                executablePath, headless: true, args: launchArgs, timeout,
            });
        } catch (err) {
            fs.rmSync(userDataDir, { recursive: true, force: true });
            throw err;
        }
    } else {
        browser = await chromium.launch({ executablePath, headless: true, args: launchArgs, timeout });
    }
    let closed = null;
    const bounded = (p) => within(p.catch(() => {}), 10000);
    return {
        browser,
        context,
        userDataDir,
        async newContext(opts = {}) {
            if (!browser) throw new Error("a persistent launch has a single context: use .context");
            return browser.newContext(opts);
        },
        close() {
            if (!closed) {
                closed = (async () => {
                    if (context) await bounded(context.close());
                    if (browser) await bounded(browser.close());
                    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
                })();
            }
            return closed;
        },
    };
}

/**
 * A new page that records console messages and page errors in `page.logs`
 * (array of strings), handy in assertion messages.
 */
export async function newPage(context) {
    const page = await context.newPage();
    page.logs = [];
    page.on("console", (m) => page.logs.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => page.logs.push(`pageerror: ${e.message}`));
    return page;
}

/**
 * Logs `user` in from inside the page (POST /api/method/login on the site's origin), so the
 * browser stores the HttpOnly `sid` cookie like after a real login. Navigates to the site's
 * blank page first when the page is not on `siteUrl`'s origin.
 * @returns {Promise<object>} the login response body ({message: "Logged In", …})
 */
export async function login(page, siteUrl, user, pwd = PASSWORDS[user]) {
    const origin = new URL(siteUrl).origin;
    let here = null;
    try {
        here = new URL(page.url()).origin;
    } catch {
        here = null;
    }
    if (here !== origin) await page.goto(`${origin}/__test/blank`, { timeout: 10000 });
    const out = await page.evaluate(
        async ({ usr, pwd }) => {
            const res = await fetch("/api/method/login", {
                method: "POST",
                headers: { "Content-Type": "application/x-www-form-urlencoded" },
                body: new URLSearchParams({ usr, pwd }).toString(),
                credentials: "same-origin",
            });
            return { status: res.status, body: await res.json() };
        },
        { usr: user, pwd },
    );
    if (out.status !== 200) throw new Error(`login as ${user} failed: ${out.status} ${JSON.stringify(out.body)}`);
    return out.body;
}

/** Logs out from inside the page (GET /api/method/logout). */
export async function logout(page) {
    return page.evaluate(async () => (await fetch("/api/method/logout", { credentials: "same-origin" })).status);
}

/** Opens `url` (absolute, or a path on `siteUrl`) and waits for the load event. */
export async function openPage(page, url, { siteUrl, timeout = 10000 } = {}) {
    const target = siteUrl ? new URL(url, siteUrl).toString() : url;
    const res = await page.goto(target, { timeout, waitUntil: "load" });
    if (!res || !res.ok()) throw new Error(`GET ${target}: ${res ? res.status() : "no response"}`);
    return res;
}

/**
 * Waits until `fn(arg)` is truthy inside the page; returns its value.
 * On timeout the error includes the page's console log.
 */
export async function waitInPage(page, fn, arg, { timeout = 5000, what = "page condition" } = {}) {
    try {
        const handle = await page.waitForFunction(fn, arg, { timeout, polling: 50 });
        return await handle.jsonValue();
    } catch (err) {
        const logs = (page.logs || []).slice(-20).join("\n");
        throw new Error(`${what}: ${err.message}\n--- page log ---\n${logs}`);
    }
}

/** Node-side bounded polling: resolves with the first truthy value of `check()`. */
export function waitFor(check, { timeout = 5000, interval = 25, what } = {}) {
    return waitUntil(check, { timeout, interval, what });
}

/** Waits until the page's `[data-testid=<id>]` reads `expected` (any text when null);
 *  returns the text. */
export function testid(page, id, expected, what, timeout = 10000) {
  return waitInPage(
    page,
    ({ id, expected }) => {
      const el = document.querySelector(`[data-testid="${id}"]`);
      const text = el && el.textContent.trim();
      return text && (expected === null || text === expected) && text;
    },
    { id, expected },
    { what, timeout },
  );
}

/**
 * For a node:test suite: starts the test environment (`startEnv(envOptions)`) and a
 * browser before its tests, hands both to `set(env, browser)`, and stops both after.
 */
export function useEnvAndBrowser(envOptions, set) {
    let env = null;
    let browser = null;
    before(async () => {
        env = await startEnv(envOptions);
        browser = await launchBrowser();
        set(env, browser);
    });
    after(async () => {
        if (browser) await browser.close();
        if (env) await env.stop();
    });
}

/** The rooms of `user`'s sockets (of every socket without `user`), as the server has them. */
export function roomsOf(env, user) {
    return socketsOf(env, user).flatMap((s) => s.rooms);
}

/** For `waitFor`: true once `user`'s sockets are in every one of `rooms`. */
export const hasRooms = (env, user, rooms) => () => rooms.every((r) => roomsOf(env, user).includes(r));
/** For `waitFor`: true once `user`'s sockets are in none of `rooms`. */
export const lacksRooms = (env, user, rooms) => () => rooms.every((r) => !roomsOf(env, user).includes(r));

/**
 * Opens pages/<page> (default realtime.html; `page` may carry a query) in a new page of
 * `ctx`, logged in as `user` (not logged in when null), waits until the module is ready
 * and runs frappe.realtime.init(frappe.boot.socketio_port, lazy) unless `init` is false.
 * `options` reach the page as ?options=<JSON> (the pages' realtime_options).
 */
export async function openRealtime(ctx, env, { user = "alice@example.com", page = "realtime.html", options, lazy = false, init = true } = {}) {
    const p = await newPage(ctx);
    if (user) await login(p, env.webUrl, user);
    const q = options ? (page.includes("?") ? "&" : "?") + "options=" + encodeURIComponent(JSON.stringify(options)) : "";
    await openPage(p, `/pages/${page}${q}`, { siteUrl: env.webUrl });
    await waitInPage(p, () => window.__ready === true, null, { what: "module ready" });
    if (init) {
        await p.evaluate((lazy) => frappe.realtime.init(frappe.boot.socketio_port, lazy), lazy);
    }
    return p;
}

/** Waits until the page's frappe.realtime.socket is connected. */
export const connected = (page, what = "connected", timeout = 10000) =>
    waitInPage(page, () => frappe.realtime.socket && frappe.realtime.socket.connected, null, { what, timeout });

/**
 * Disconnects the page's clients (frappe.realtime's socket and a RealtimeClient at
 * `window.__c`, where there are), waits until the server has dropped their sockets, so
 * later tests see only their own, then closes the page.
 */
export async function closeRealtime(env, page) {
    const ids = await page.evaluate(() => {
        const ids = [];
        const s = window.frappe && frappe.realtime && frappe.realtime.socket;
        if (s) {
            if (s.id) ids.push(s.id);
            s.disconnect();
        }
        if (window.__c) {
            if (window.__c.id) ids.push(window.__c.id);
            window.__c.close();
        }
        return ids;
    });
    // An emptied site namespace is removed (cleanupEmptyChildNamespaces, as in Frappe).
    if (ids.length) await waitFor(() => !socketsOf(env).some((s) => ids.includes(s.id)), { what: `server dropped ${ids}` });
    await page.close();
}
