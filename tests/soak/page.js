// The soak's browser side (tests/soak/soak.js): the page in headless Chromium
// (/usr/bin/chromium launched by bench/cdp.js), driven by raw DevTools-protocol messages:
// no automation framework, no Network domain (so Chromium never copies WebSocket frames
// to us), a handful of `Runtime.evaluate` calls per quiet point and none while events
// flow. Here: bounding every call, collecting what the page reports, the login, opening
// tests/e2e/pages/soak.html, closing its clients, and heap snapshots.

import fs from "node:fs";
import path from "node:path";
import { waitFor as cdpWaitFor } from "../../bench/cdp.js";
import { PASSWORD, ROOT, USER } from "./scenario.js";
import { bound, now, sleep } from "./time.js";

const INSTRUMENT = fs.readFileSync(path.join(ROOT, "tests/soak/instrument.page.js"), "utf8");

/**
 * What the page reports over DevTools, kept for the result: console messages (counts and
 * the last 20), uncaught exceptions, and the chunks of a heap snapshot being taken.
 */
export function pageLog() {
  return { consoleCounts: {}, snapshotSink: { chunks: [] }, consoleLast: [], pageErrors: [] };
}

/** Bounds every DevTools call of the page `s`, and collects its messages into `seen` (pageLog()). */
export function watchPage(browser, s, seen) {
  const { consoleCounts, snapshotSink, consoleLast, pageErrors } = seen;
  // No DevTools call may hang the run: each one is bounded.
  const send0 = s.send;
  const evaluate0 = s.evaluate;
  s.send = (method, params) => bound(send0(method, params), 30000, method);
  s.evaluate = (expression) => bound(evaluate0(expression), 30000, `evaluate ${expression.slice(0, 60)}`);
  browser.on((msg) => {
    if (msg.sessionId !== s.sessionId) return;
    if (msg.method === "HeapProfiler.addHeapSnapshotChunk") snapshotSink.chunks.push(msg.params.chunk);
    if (s.onEvent) s.onEvent(msg);
    if (msg.method === "Runtime.consoleAPICalled") {
      const t = msg.params.type;
      consoleCounts[t] = (consoleCounts[t] || 0) + 1;
      const text = (msg.params.args || []).map((a) => (a.value !== undefined ? String(a.value) : a.description || a.type)).join(" ");
      consoleLast.push(`${t}: ${text.slice(0, 300)}`);
      if (consoleLast.length > 20) consoleLast.shift();
    } else if (msg.method === "Runtime.exceptionThrown") {
      const d = msg.params.exceptionDetails;
      pageErrors.push(String((d.exception && d.exception.description) || d.text).slice(0, 500));
    }
  });
}

/** Page and Runtime domains on; tests/soak/instrument.page.js before any page script runs. */
export async function preparePage(s) {
  await s.send("Page.enable");
  await s.send("Runtime.enable");
  await s.send("Page.addScriptToEvaluateOnNewDocument", { source: INSTRUMENT });
}

/** Logs in, then opens the soak page (with the deliberate defect `inject`, if any) and waits until it is ready. */
export async function openSoakPage(s, webUrl, inject) {
  // Log in from a page of the site (the HttpOnly sid cookie stays in the browser).
  await navigate(s, `${webUrl}/__test/blank`);
  const login = await s.evaluate(`fetch("/api/method/login", {method: "POST",
    headers: {"Content-Type": "application/x-www-form-urlencoded"},
    body: new URLSearchParams({usr: ${JSON.stringify(USER)}, pwd: ${JSON.stringify(PASSWORD)}}).toString(),
    credentials: "same-origin"}).then((r) => r.status)`);
  if (login !== 200) throw new Error(`login failed: HTTP ${login}`);
  const query = inject ? `?inject=${encodeURIComponent(inject)}` : "";
  await navigate(s, `${webUrl}/pages/soak.html${query}`);
  await cdpWaitFor(s, "window.__soak && window.__soak.ready === true", { timeout: 15000, what: "soak page ready" });
}

/** Closes both clients; returns the page-wide probe once no WebSocket or fetch is left (or after 3 s). */
export async function closeClients(s) {
  await s.evaluate("window.__soak.close()");
  let probe = null;
  for (const end = now() + 3000; now() < end; ) {
    probe = await s.evaluate("window.__soakProbe()");
    if (probe.webSocketsOpen === 0 && probe.fetchesInFlight === 0) break;
    await sleep(100);
  }
  return probe;
}

export async function navigate(s, url) {
  const r = await s.send("Page.navigate", { url });
  if (r.errorText) throw new Error(`navigate ${url}: ${r.errorText}`);
  await cdpWaitFor(s, `document.readyState === "complete" && location.href === ${JSON.stringify(url)}`, {
    timeout: 15000,
    interval: 20,
    what: `load ${url}`,
  });
}

/**
 * A heap snapshot of the page, summed by node type. `objects` is the JS heap without
 * V8's compiled code and compiler metadata (type "code": machine code, bytecode, feedback
 * vectors, function infos) and without Blink's own objects (type "native"): every JS
 * object, array, closure, context, string and hidden class the page keeps alive.
 */
export async function heapByType(s, sink) {
  sink.chunks = [];
  await s.send("HeapProfiler.enable");
  try {
    await s.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  } finally {
    await s.send("HeapProfiler.disable").catch(() => {});
  }
  const snap = JSON.parse(sink.chunks.join(""));
  sink.chunks = [];
  const meta = snap.snapshot.meta;
  const width = meta.node_fields.length;
  const types = meta.node_types[0];
  const iType = meta.node_fields.indexOf("type");
  const iSize = meta.node_fields.indexOf("self_size");
  const byType = {};
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const t = types[snap.nodes[i + iType]];
    const size = snap.nodes[i + iSize];
    byType[t] = (byType[t] || 0) + size;
    total += size;
  }
  const code = byType.code || 0;
  const native = byType.native || 0;
  return { total, code, native, objects: total - code - native, byType };
}
