// The soak: the built package in headless Chromium for a long time, with a steady stream
// of published events and a forced disconnect every `period` seconds, checked for
// duplicate deliveries, lost subscriptions, events lost while connected, heap growth and
// growing listener / timer counts. `runSoak(options)` is used by `npm run soak`
// (tests/soak/run.js, 30 minutes) and by the short version in `npm test`
// (tests/e2e/soak.test.js). Test infrastructure only.
//
// Environment: tests/server/ (`startEnv`: the Frappe-compatible socket.io realtime server,
// the stub web server and a real redis-server). Events go through Redis exactly like
// `frappe.publish_realtime` (`env.publish`). Browser: /usr/bin/chromium launched by
// bench/cdp.js and driven by raw DevTools-protocol messages: no automation framework, no
// Network domain (so Chromium never copies WebSocket frames to us), a handful of
// `Runtime.evaluate` calls per quiet point and none while events flow.
//
// One cycle (default 10 s):
//   - rooms restored (server state) ... steady events, all of them must arrive ...
//   - quiet point: publishing paused; wait until the page has every event published since
//     the rooms came back; drain the page's counters; check the rooms from both sides;
//     sample resources; GC; sample the heap (and a heap snapshot where checks() compares);
//   - forced disconnect (see KINDS: transport close, namespace disconnect, namespace
//     disconnect + close in turn, an abrupt server restart every `restartEvery`-th time),
//     publishing resumed at once;
//   - wait until the server shows both sockets back with every room.
// Events published between the disconnect and the rooms' return may be lost: Frappe's
// realtime server keeps no history and socket.io's connection-state recovery is off in
// Frappe, so nothing replays them. They are counted apart ("lost while disconnected"),
// and only those published while the rooms were there must all arrive.
//
// Checks (checks() below; thresholds in DEFAULTS):
// - duplicate deliveries: 0 (a sequence number at or below the last one seen, per client
//   and stream; one socket keeps per-room order, so this is a repeat or a reordering);
// - lost subscriptions: 0 (every reconnect: both sockets back with every room within
//   restoreTimeoutMs; every quiet point: the page's socket ids are the server's, each with
//   every room, and no third socket);
// - events lost while connected: 0; events delivered to a client not in the room: 0;
// - JS heap: < 5 % growth from the warm-up value to the end, on heap snapshots without
//   V8's compiled code (see checks()); V8's usedSize after GC is reported beside it;
// - wasm memory (memory.buffer.byteLength): < 5 % growth, i.e. no extra 64 KB page;
// - listener and timer counts: every quiet point after warm-up equal to the warm-up
//   value (each client's resources(), and the page-wide live timeouts, intervals,
//   addEventListener listeners, open WebSockets and fetches in flight, counted by
//   tests/soak/instrument.page.js before any page script runs);
// - after close() of both clients: no timer, listener, WebSocket or fetch left;
// - no uncaught exception in the page.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launch, openPage, waitFor as cdpWaitFor } from "../../bench/cdp.js";
import { startEnv } from "../server/env.js";
import { DEFAULT_USERS } from "../server/web.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const INSTRUMENT = fs.readFileSync(path.join(ROOT, "tests/soak/instrument.page.js"), "utf8");

export const USER = "alice@example.com";
const SITE = "site1";
const PASSWORD = DEFAULT_USERS.find((u) => u.user === USER).pwd;

/** Rooms each client must be in: the server's own three, then what the page subscribed. */
export const ROOMS = {
  F: [`user:${USER}`, "website", "all", "doc:ToDo/SOAK-1", "doctype:ToDo", "task_progress:soak-f", "open_doc:ToDo/SOAK-2"],
  R: [`user:${USER}`, "website", "all", "doc:Note/SOAK-3", "doctype:Note", "task_progress:soak-r", "open_doc:Note/SOAK-4"],
};

/** The published streams: publish_realtime arguments, and which client's rooms get them. */
export const STREAMS = [
  { id: "F.doc", to: ["F"], via: "doc_subscribe", args: { event: "doc_update", doctype: "ToDo", docname: "SOAK-1" } },
  { id: "F.list", to: ["F"], via: "doctype_subscribe", args: { event: "list_update", doctype: "ToDo" } },
  { id: "F.task", to: ["F"], via: "task_subscribe", args: { event: "task_progress", task_id: "soak-f" } },
  { id: "F.open", to: ["F"], via: "doc_open", args: { event: "soak_open", room: "open_doc:ToDo/SOAK-2" } },
  { id: "R.doc", to: ["R"], via: "subscribe(doc)", args: { event: "doc_update", doctype: "Note", docname: "SOAK-3" } },
  { id: "R.list", to: ["R"], via: "subscribe(doctype)", args: { event: "list_update", doctype: "Note" } },
  { id: "R.task", to: ["R"], via: "subscribe(progress)", args: { event: "task_progress", task_id: "soak-r" } },
  { id: "R.open", to: ["R"], via: "subscribe(doc_open)", args: { event: "soak_open", room: "open_doc:Note/SOAK-4" } },
  { id: "user", to: ["F", "R"], via: "user room (server)", args: { event: "soak_user", user: USER } },
  { id: "all", to: ["F", "R"], via: "all room (server)", args: { event: "soak_all" } },
];

/**
 * The forced disconnects, all from the server side:
 * - "transport-close": the server closes the Engine.IO connection (`socket.conn.close()`:
 *   a clean WebSocket close, no Socket.IO DISCONNECT packet), as when a proxy or the
 *   server drops the connection; the client sees "transport close" and reconnects by itself;
 * - "namespace": `disconnectSockets({close: false})`, the namespace's DISCONNECT packet
 *   (`io server disconnect`): by design neither socket.io-client nor this client reconnects,
 *   the page calls connect() (tests/e2e/pages/soak.html);
 * - "namespace-close": `disconnectSockets({close: true})`, the DISCONNECT packet and then the
 *   connection closed; the client sees `io server disconnect` too (the packet comes first);
 * - "restart": `env.restartRealtime({abrupt: true})`, every TCP connection destroyed (a
 *   crash), a new server on the same port, Redis subscribed again.
 * The last one comes every `restartEvery`-th time; the others take turns in between.
 */
export const KINDS = ["transport-close", "namespace", "namespace-close", "restart"];

/** Carries out a forced disconnect of USER's sockets; returns how many were hit. */
function forceDisconnect(env, kind) {
  if (kind === "namespace" || kind === "namespace-close") {
    return env.realtime.disconnectSockets({ user: USER, site: SITE, close: kind === "namespace-close" });
  }
  // transport-close, on the public handle (the server's socket.io instance).
  const nsp = env.realtime.io._nsps.get(`/${SITE}`);
  let n = 0;
  for (const sock of nsp ? [...nsp.sockets.values()] : []) {
    if (sock.data.user !== USER) continue;
    sock.conn.close();
    n++;
  }
  return n;
}

export const DEFAULTS = {
  seconds: 30 * 60,
  rate: 50, // events per second, all streams together
  period: 10, // seconds between forced disconnects
  restartEvery: 3, // every 3rd forced disconnect is an abrupt server restart
  restoreTimeoutMs: 8000, // disconnect → every room back on the server
  catchUpTimeoutMs: 3000, // quiet point: wait this long for events still in flight
  heapThreshold: 0.05,
  wasmThreshold: 0.05,
};

const now = () => performance.now();
/** `p`, or a rejection after `ms` ms. */
function bound(p, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const quantile = (xs, p) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  return v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)];
};
const stats = (xs) => ({ n: xs.length, min: quantile(xs, 0.0001), median: median(xs), p95: quantile(xs, 0.95), max: quantile(xs, 1) });

/** The forced disconnects of a run, in order: the other kinds in turn, every n-th a restart. */
export function schedule({ seconds, period, restartEvery }) {
  // The last disconnect leaves at least half a period of steady events before the end.
  const n = Math.max(0, Math.floor((seconds - period / 2) / period));
  const kinds = [];
  let alt = 0;
  for (let k = 1; k <= n; k++) kinds.push(k % restartEvery === 0 ? "restart" : KINDS[alt++ % (KINDS.length - 1)]);
  return kinds;
}

/**
 * Which sample is the warm-up value, and which are compared at both ends. Sample i is
 * taken after i forced disconnects; `kinds` lists the disconnects in order.
 */
export function heapWindows(count, kinds) {
  // Warm-up: the client has been through each of its three reconnect paths once (code
  // compiled, caches and the allocator's free lists filled): a transport close, an
  // `io server disconnect` ("namespace"; "namespace-close" takes the same path in the
  // client) and a server restart; and at least the first tenth of the run is over.
  const paths = ["transport-close", "namespace", "restart"];
  const seen = new Set();
  let all = kinds.length;
  for (let i = 0; i < kinds.length; i++) {
    if (paths.includes(kinds[i])) seen.add(kinds[i]);
    if (seen.size === paths.length) {
      all = i + 1;
      break;
    }
  }
  const warm = Math.min(Math.max(all, Math.round(count * 0.1)), count - 1);
  // Averaging: median of up to 5 samples at each end when the run is long enough.
  const k = Math.max(1, Math.min(5, Math.floor((count - warm) / 4)));
  return { warm, base: [warm, warm + k], end: [count - k, count] };
}

/**
 * Runs the soak. Never throws for a failed check: the result lists the checks.
 * @param {object} [o]
 * @param {number} [o.seconds] duration (default 30 min)
 * @param {number} [o.rate] events per second
 * @param {number} [o.period] seconds between forced disconnects
 * @param {number} [o.restartEvery] every n-th disconnect is an abrupt server restart
 * @param {string} [o.inject] a deliberate page defect (heap, heap-reconnect, timer, listener, dup, unsubscribe)
 * @param {(line: string) => void} [o.log]
 * @param {{stopped: boolean}} [o.stop] set `stopped` to end early (SIGINT)
 */
export async function runSoak(o = {}) {
  const cfg = { ...DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  const log = o.log || (() => {});
  const stop = o.stop || { stopped: false };
  const started = new Date();
  const result = {
    date: started.toISOString(),
    config: {
      seconds: cfg.seconds,
      rate: cfg.rate,
      period: cfg.period,
      restartEvery: cfg.restartEvery,
      kinds: KINDS,
      inject: cfg.inject || null,
      streams: STREAMS.map((s) => ({ id: s.id, to: s.to, via: s.via, event: s.args.event })),
      rooms: ROOMS,
    },
    machine: machine(),
    samples: [],
    reconnects: [],
    totals: null,
    checks: [],
    errors: [],
  };

  let env = null;
  let browser = null;
  let s = null;
  const consoleCounts = {};
  const snapshotSink = { chunks: [] };
  const consoleLast = [];
  const pageErrors = [];
  try {
    if (!fs.existsSync(path.join(ROOT, "pkg/frappe_realtime_bg.wasm"))) {
      throw new Error("pkg/ is not built: run `npm run build` (bash scripts/build.sh) first");
    }
    env = await startEnv({ site: SITE });
    if (!env.redisUrl) throw new Error("the soak needs redis-server (startEnv with redis)");
    browser = await launch();
    result.machine.chromium = browser.version.product;
    s = await openPage(browser, "about:blank");
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
    await s.send("Page.enable");
    await s.send("Runtime.enable");
    await s.send("Page.addScriptToEvaluateOnNewDocument", { source: INSTRUMENT });

    // Log in from a page of the site (the HttpOnly sid cookie stays in the browser).
    await navigate(s, `${env.webUrl}/__test/blank`);
    const login = await s.evaluate(`fetch("/api/method/login", {method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: new URLSearchParams({usr: ${JSON.stringify(USER)}, pwd: ${JSON.stringify(PASSWORD)}}).toString(),
      credentials: "same-origin"}).then((r) => r.status)`);
    if (login !== 200) throw new Error(`login failed: HTTP ${login}`);
    const query = cfg.inject ? `?inject=${encodeURIComponent(cfg.inject)}` : "";
    await navigate(s, `${env.webUrl}/pages/soak.html${query}`);
    await cdpWaitFor(s, "window.__soak && window.__soak.ready === true", { timeout: 15000, what: "soak page ready" });

    const pub = publisher(env, cfg.rate);
    const acct = accounting();

    // ---- the first connection
    const first = await roomsBack(env, new Set(), cfg.restoreTimeoutMs + 7000, stop);
    if (!first.ok) throw new Error(`the page never got its rooms: ${JSON.stringify(first.missing)}`);
    acct.requireFrom(pub.next());
    pub.start();
    const t0 = now();
    log(`soak: ${cfg.seconds} s, ${cfg.rate} events/s over ${STREAMS.length} streams, a forced disconnect every ${cfg.period} s`);

    // ---- cycles
    const kinds = schedule(cfg);
    const disconnects = kinds.length;
    // Heap snapshots (for the JS heap without compiled code) where checks() compares.
    const w = heapWindows(disconnects + 1, kinds);
    const snapshotAt = (i) => (i >= w.base[0] && i < w.base[1]) || (i >= w.end[0] && i < w.end[1]);
    let ids = first.ids;
    for (let k = 1; k <= disconnects + 1 && !stop.stopped; k++) {
      const last = k === disconnects + 1;
      const at = last ? cfg.seconds * 1000 : k * cfg.period * 1000;
      // The quiet point takes a few hundred ms; start it that much before the disconnect.
      await sleepUntil(t0 + at - (last ? 0 : 600), stop);
      const sample = await quietPoint({ s, env, pub, acct, cfg });
      sample.t = (now() - t0) / 1000;
      sample.index = result.samples.length;
      result.samples.push(sample);
      if (snapshotAt(sample.index) || last || stop.stopped) sample.snapshot = await heapByType(s, snapshotSink);
      // For investigations: more DevTools work at a quiet point (heap snapshots, …).
      if (o.onSample) await o.onSample(sample, s);
      if (last || stop.stopped) {
        log(line(sample, null));
        break;
      }
      await sleepUntil(t0 + at, stop);

      const kind = kinds[k - 1];
      pub.start();
      const tD = now();
      const rec = { n: k, kind, t: (tD - t0) / 1000 };
      if (kind === "restart") {
        await env.restartRealtime({ abrupt: true });
        rec.serverRestartMs = now() - tD;
      } else {
        rec.socketsDisconnected = forceDisconnect(env, kind);
      }
      const back = await roomsBack(env, new Set(Object.values(ids)), cfg.restoreTimeoutMs, stop);
      rec.restoredMs = now() - tD;
      rec.ok = back.ok;
      if (!back.ok) rec.missing = back.missing;
      else ids = back.ids;
      // Everything published from now on must arrive (even when rooms are missing: then
      // the loss shows up as events lost while connected, too).
      acct.requireFrom(pub.next());
      result.reconnects.push(rec);
      log(line(sample, rec));
    }

    // ---- release: closing both clients leaves no timer, listener or socket behind
    await s.evaluate("window.__soak.close()");
    let probe = null;
    for (const end = now() + 3000; now() < end; ) {
      probe = await s.evaluate("window.__soakProbe()");
      if (probe.webSocketsOpen === 0 && probe.fetchesInFlight === 0) break;
      await sleep(100);
    }
    result.afterClose = probe;

    result.totals = acct.totals(pub);
  } catch (err) {
    result.errors.push(String((err && err.stack) || err));
  } finally {
    result.console = { counts: consoleCounts, last: consoleLast };
    result.pageErrors = pageErrors;
    // Bounded, with timers that do not outlive the step (they would keep Node alive).
    const bounded = (p, ms) => bound(Promise.resolve(p), ms, "shutdown").catch(() => {});
    if (s) await bounded(s.close(), 5000);
    if (browser) await bounded(browser.close(), 10000);
    if (env) await bounded(env.stop(), 10000);
  }
  result.stoppedEarly = Boolean(stop.stopped);
  result.durationS = (Date.now() - started.getTime()) / 1000;
  result.checks = checks(result, cfg);
  result.ok = result.errors.length === 0 && result.checks.every((c) => c.ok);
  return result;
}

// ------------------------------------------------------------------------------ page

async function navigate(s, url) {
  const r = await s.send("Page.navigate", { url });
  if (r.errorText) throw new Error(`navigate ${url}: ${r.errorText}`);
  await cdpWaitFor(s, `document.readyState === "complete" && location.href === ${JSON.stringify(url)}`, {
    timeout: 15000,
    interval: 20,
    what: `load ${url}`,
  });
}

async function sleepUntil(t, stop) {
  while (!stop.stopped && now() < t) await sleep(Math.min(250, t - now()));
}

/** The server's sockets of USER in the site namespace. */
function serverSockets(env) {
  const ns = env.state().namespaces[`/${SITE}`];
  return ns ? ns.sockets.filter((x) => x.user === USER) : [];
}

/**
 * Waits until the server has, besides the sockets in `old`, one socket with every room
 * of F and one with every room of R. Polls the server's state (in-process) every 10 ms;
 * nothing is asked of the page meanwhile.
 */
async function roomsBack(env, old, timeout, stop) {
  const end = now() + timeout;
  let missing = null;
  for (;;) {
    const fresh = serverSockets(env).filter((x) => !old.has(x.id));
    const ids = {};
    missing = {};
    for (const c of ["F", "R"]) {
      let best = null;
      let bestMissing = ROOMS[c];
      for (const x of fresh) {
        if (Object.values(ids).includes(x.id)) continue;
        const m = ROOMS[c].filter((r) => !x.rooms.includes(r));
        if (m.length < bestMissing.length) {
          best = x;
          bestMissing = m;
        }
      }
      if (best && bestMissing.length === 0) ids[c] = best.id;
      else missing[c] = bestMissing;
    }
    if (ids.F && ids.R) return { ok: true, ids };
    if (now() > end || stop.stopped) return { ok: false, missing, sockets: fresh.map((x) => ({ id: x.id, rooms: x.rooms })) };
    await sleep(10);
  }
}

// ------------------------------------------------------------------------------ publishing

function message(stream, q) {
  const m = { s: stream.id, q, name: stream.args.docname || `SOAK-${q}`, modified: new Date().toISOString(), title: `Soak ✓ ${q}`, owner: USER };
  if (stream.args.event === "list_update") m.doctype = stream.args.doctype;
  return m;
}

/** A steady publisher through Redis (publish_realtime), round robin over the streams. */
function publisher(env, rate) {
  const next = Object.fromEntries(STREAMS.map((x) => [x.id, 1]));
  const skipped = Object.fromEntries(STREAMS.map((x) => [x.id, new Set()])); // publish failed or nobody subscribed to Redis
  const counts = { sent: 0, noSubscriber: 0, errors: 0 };
  let running = false;
  let loop = null;
  let i = 0;
  async function run() {
    const interval = 1000 / rate;
    let t = now();
    while (running) {
      const st = STREAMS[i++ % STREAMS.length];
      const q = next[st.id]++;
      try {
        const receivers = await env.publish({ ...st.args, message: message(st, q) });
        counts.sent++;
        if (!receivers) {
          counts.noSubscriber++;
          skipped[st.id].add(q);
        }
      } catch {
        counts.errors++;
        skipped[st.id].add(q);
      }
      t += interval;
      const wait = t - now();
      if (wait > 0) await sleep(wait);
      else if (wait < -1000) t = now(); // after a stall, go on at the rate instead of bursting
    }
  }
  return {
    counts,
    skipped,
    /** Next sequence number of every stream (the first one not yet handed out). */
    next: () => ({ ...next }),
    start() {
      if (!running) {
        running = true;
        loop = run();
      }
    },
    async pause() {
      running = false;
      if (loop) await loop;
      loop = null;
    },
  };
}

// ------------------------------------------------------------------------------ accounting

/**
 * Per (client, stream): what the page got, against what was published while the rooms
 * were there (required) and while they were not (may be lost).
 */
function accounting() {
  const pairs = [];
  for (const st of STREAMS) for (const c of st.to) pairs.push(`${c}|${st.id}`);
  const per = Object.fromEntries(pairs.map((p) => [p, { received: 0, repeats: 0, missing: 0, lostRequired: new Set(), last: 0 }]));
  const unexpected = {};
  let from = null; // the required range starts here (per stream), until the next quiet point
  let malformed = 0;
  const conn = [];
  return {
    pairs,
    requireFrom(next) {
      from = next;
    },
    /** Sequence numbers each pair still has to reach at this quiet point. */
    targets(next) {
      const t = {};
      for (const p of pairs) {
        const st = p.split("|")[1];
        if (from && next[st] - 1 >= from[st]) t[p] = next[st] - 1;
      }
      return t;
    },
    /** Takes a drain of the page at a quiet point; `next`: the publisher's next numbers. */
    add(drain, next, skipped) {
      malformed += drain.malformed;
      conn.push(...drain.conn);
      let lost = 0;
      let gapped = 0;
      for (const [key, d] of Object.entries(drain.streams)) {
        const p = per[key];
        if (!p) {
          unexpected[key] = (unexpected[key] || 0) + d.n;
          continue;
        }
        p.received += d.n;
        p.repeats += d.repeats;
        p.last = d.last;
        const st = key.split("|")[1];
        const lo = from ? from[st] : Infinity;
        const hi = from ? next[st] - 1 : -Infinity;
        const missed = (a, b, gap) => {
          if (gap) {
            p.missing += b - a + 1;
            gapped += b - a + 1;
          }
          for (let q = Math.max(a, lo); q <= Math.min(b, hi); q++) {
            if (!skipped[st].has(q) && !p.lostRequired.has(q)) {
              p.lostRequired.add(q);
              lost++;
            }
          }
        };
        for (let i = 0; i < d.gaps.length; i += 2) missed(d.gaps[i], d.gaps[i + 1], true);
        if (d.last < hi) missed(d.last + 1, hi, false); // not arrived by the quiet point
      }
      // A required pair the page has never heard of: everything in its range is lost.
      for (const key of pairs) {
        if (drain.streams[key]) continue;
        const st = key.split("|")[1];
        if (from && next[st] - 1 >= from[st]) {
          const p = per[key];
          for (let q = from[st]; q <= next[st] - 1; q++) {
            if (!skipped[st].has(q) && !p.lostRequired.has(q)) {
              p.lostRequired.add(q);
              lost++;
            }
          }
        }
      }
      from = null;
      return { lost, gapped };
    },
    totals(pub) {
      const next = pub.next();
      const streams = {};
      let received = 0;
      let repeats = 0;
      let lostConnected = 0;
      let notReceived = 0;
      for (const key of pairs) {
        const p = per[key];
        const st = key.split("|")[1];
        const published = next[st] - 1;
        // Missing = gaps seen + what never arrived after the last one received.
        const tail = Math.max(0, published - p.last);
        const missing = p.missing + tail;
        streams[key] = { published, received: p.received, repeats: p.repeats, missing, lostWhileConnected: p.lostRequired.size };
        received += p.received;
        repeats += p.repeats;
        lostConnected += p.lostRequired.size;
        notReceived += missing;
      }
      const perPair = pairs.map((k) => streams[k].published);
      return {
        published: pub.counts.sent,
        publishErrors: pub.counts.errors,
        publishedWithoutSubscriber: pub.counts.noSubscriber,
        expectedDeliveries: perPair.reduce((a, b) => a + b, 0),
        received,
        repeats,
        lostWhileConnected: lostConnected,
        lostWhileDisconnected: Math.max(0, notReceived - lostConnected),
        unexpected,
        malformed,
        connectionEvents: summarizeConn(conn),
        connectionLog: conn.map(([c, what, reason, t]) => `${(t / 1000).toFixed(3)} ${c} ${what}${reason ? " " + reason : ""}`),
        streams,
      };
    },
  };
}

function summarizeConn(conn) {
  const out = { connect: 0, disconnect: {}, connect_error: {}, pageReconnectMs: [] };
  const down = {};
  for (const [c, what, reason, t] of conn) {
    if (what === "connect") {
      out.connect++;
      if (down[c] !== undefined) out.pageReconnectMs.push(t - down[c]);
      down[c] = undefined;
    } else if (what === "disconnect") {
      out.disconnect[reason] = (out.disconnect[reason] || 0) + 1;
      down[c] = t;
    } else {
      out.connect_error[reason] = (out.connect_error[reason] || 0) + 1;
    }
  }
  out.pageReconnect = stats(out.pageReconnectMs);
  delete out.pageReconnectMs;
  return out;
}

// ------------------------------------------------------------------------------ quiet point

async function quietPoint({ s, env, pub, acct, cfg }) {
  await pub.pause();
  const next = pub.next();
  const targets = acct.targets(next);
  const tq = now();
  let caughtUp = false;
  while (now() - tq < cfg.catchUpTimeoutMs) {
    const last = await s.evaluate("window.__soak.last()");
    if (Object.entries(targets).every(([k, v]) => (last[k] || 0) >= v)) {
      caughtUp = true;
      break;
    }
    await sleep(25);
  }
  const catchUpMs = now() - tq;
  const drain = await s.evaluate("window.__soak.drain()");
  const { lost, gapped } = acct.add(drain, next, pub.skipped);

  // Rooms, from both sides: the page's socket ids are the server's, and each has its rooms.
  const page = await s.evaluate("window.__soak.ids()");
  const server = serverSockets(env);
  const rooms = { ok: true, problems: [] };
  for (const c of ["F", "R"]) {
    const sock = server.find((x) => x.id === page[c]);
    if (!page[c + "c"]) rooms.problems.push(`${c} not connected`);
    if (!sock) rooms.problems.push(`${c}: socket ${page[c]} unknown to the server`);
    else {
      const missing = ROOMS[c].filter((r) => !sock.rooms.includes(r));
      if (missing.length) rooms.problems.push(`${c} missing ${missing.join(", ")}`);
    }
  }
  if (server.length !== 2) rooms.problems.push(`the server has ${server.length} sockets of ${USER}`);
  rooms.ok = rooms.problems.length === 0;

  const res = await s.evaluate("window.__soak.resources()");
  // DevTools keeps console messages (and, with Runtime enabled, the objects logged) for a
  // later viewer; drop them so the heap figure is the page's own.
  await s.send("Runtime.discardConsoleEntries").catch(() => {});
  await s.send("Runtime.releaseObjectGroup", { objectGroup: "console" }).catch(() => {});
  await s.send("HeapProfiler.collectGarbage");
  await s.send("HeapProfiler.collectGarbage");
  const heap = await s.send("Runtime.getHeapUsage");
  return {
    caughtUp,
    catchUpMs,
    lostWhileConnected: lost,
    // Deliveries missing since the last quiet point: those of the disconnect in between.
    missing: gapped,
    received: Object.values(drain.streams).reduce((a, d) => a + d.n, 0),
    repeats: Object.values(drain.streams).reduce((a, d) => a + d.repeats, 0),
    rooms,
    heapUsed: heap.usedSize,
    heapTotal: heap.totalSize,
    // Blink's own objects (not checked: it holds bounded browser buffers such as the
    // resource timing entries of every polling request, up to 250).
    embedderHeapUsed: heap.embedderHeapUsedSize,
    wasmBytes: res.wasmBytes,
    resources: resourceVector(res),
    transport: res.transport,
    state: res.state,
  };
}

/**
 * A heap snapshot of the page, summed by node type. `objects` is the JS heap without
 * V8's compiled code and compiler metadata (type "code": machine code, bytecode, feedback
 * vectors, function infos) and without Blink's own objects (type "native"): every JS
 * object, array, closure, context, string and hidden class the page keeps alive.
 */
async function heapByType(s, sink) {
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

/** What must not change between quiet points. */
function resourceVector(res) {
  const p = res.probe || {};
  return {
    "F [listeners, transports, timer, page listeners]": res.F,
    "R [listeners, transports, timer, page listeners]": res.R,
    "buffered emits [F, R]": res.buffered,
    "live timeouts": p.timeouts,
    "live intervals": p.intervals,
    "window listeners": p.listeners && p.listeners.window,
    "document listeners": p.listeners && p.listeners.document,
    "other listeners": p.listeners && p.listeners.other,
    "open WebSockets": p.webSocketsOpen,
    "fetches in flight": p.fetchesInFlight,
  };
}

// ------------------------------------------------------------------------------ checks

const pct = (x) => (x === null || !Number.isFinite(x) ? "–" : `${(x * 100).toFixed(2)} %`);
const kb = (b) => (b === null || !Number.isFinite(b) ? "–" : `${(b / 1024).toFixed(1)} KB`);

function checks(r, cfg) {
  const out = [];
  const add = (name, ok, value, threshold, detail) => out.push({ name, ok: Boolean(ok), value, threshold, detail });
  const t = r.totals;
  const samples = r.samples;
  if (!t || samples.length < 2) {
    add("the soak ran", false, `${samples.length} samples`, "≥ 2", r.errors.join("\n"));
    return out;
  }
  add("duplicate deliveries", t.repeats === 0, t.repeats, "0", "an event number received twice (or out of order) by one client");
  const failedReconnects = r.reconnects.filter((x) => !x.ok);
  const roomProblems = samples.filter((x) => !x.rooms.ok);
  add(
    "lost subscriptions",
    failedReconnects.length === 0 && roomProblems.length === 0,
    failedReconnects.length + roomProblems.length,
    "0",
    `reconnects without every room within ${cfg.restoreTimeoutMs / 1000} s: ${failedReconnects.length}` +
      (failedReconnects.length ? ` (${JSON.stringify(failedReconnects.slice(0, 3).map((x) => x.missing))})` : "") +
      `; quiet points with a room or socket missing: ${roomProblems.length}` +
      (roomProblems.length ? ` (${roomProblems.slice(0, 3).map((x) => x.rooms.problems.join("; ")).join(" | ")})` : ""),
  );
  add("events lost while connected", t.lostWhileConnected === 0, t.lostWhileConnected, "0", "published after the rooms were back, not received by the next quiet point");
  const unexpected = Object.values(t.unexpected).reduce((a, b) => a + b, 0);
  add("events delivered to the wrong client", unexpected === 0 && t.malformed === 0, unexpected + t.malformed, "0", JSON.stringify(t.unexpected));

  const w = heapWindows(samples.length, r.reconnects.map((x) => x.kind));
  const pick = (key, [a, b]) => median(samples.slice(a, b).map((x) => x[key]));
  // Snapshot figures: the samples of each window that have one (a run stopped early has
  // its last snapshot at the last sample).
  const snaps = (range) => samples.slice(range[0], range[1]).filter((x) => x.snapshot);
  const endSnaps = snaps(w.end).length ? snaps(w.end) : samples.filter((x) => x.snapshot).slice(-1);
  const snapMedian = (xs, key) => median(xs.map((x) => x.snapshot[key]));
  const objBase = snapMedian(snaps(w.base), "objects");
  const objEnd = snapMedian(endSnaps, "objects");
  const objGrowth = objBase ? (objEnd - objBase) / objBase : null;
  const heapBase = pick("heapUsed", w.base);
  const heapEnd = pick("heapUsed", w.end);
  const heapGrowth = heapBase ? (heapEnd - heapBase) / heapBase : null;
  r.heap = {
    warmupSamples: w.warm,
    baseSamples: w.base,
    endSamples: w.end,
    jsBase: heapBase,
    jsEnd: heapEnd,
    jsGrowth: heapGrowth,
    jsMin: Math.min(...samples.slice(w.warm).map((x) => x.heapUsed)),
    jsMax: Math.max(...samples.slice(w.warm).map((x) => x.heapUsed)),
    jsFirst: samples[0].heapUsed,
    jsSlopePerHour: slope(samples.slice(w.warm), "heapUsed") * 3600,
    objectsBase: objBase,
    objectsEnd: objEnd,
    objectsGrowth: objGrowth,
    codeBase: snapMedian(snaps(w.base), "code"),
    codeEnd: snapMedian(endSnaps, "code"),
    snapshotSamples: samples.filter((x) => x.snapshot).map((x) => x.index),
    embedderFirst: samples[0].embedderHeapUsed,
    embedderBase: pick("embedderHeapUsed", w.base),
    embedderEnd: pick("embedderHeapUsed", w.end),
    wasmBase: pick("wasmBytes", w.base),
    wasmEnd: pick("wasmBytes", w.end),
    wasmFirst: samples[0].wasmBytes,
  };
  r.heap.wasmGrowth = r.heap.wasmBase ? (r.heap.wasmEnd - r.heap.wasmBase) / r.heap.wasmBase : null;
  // A verdict needs at least two samples after warm-up (runs of ~55 s and more).
  const enough = samples.length - w.warm >= 2;
  const short = enough ? "" : " (run too short for a verdict)";
  // The verdict is on the JS heap without compiled code. V8's usedSize also counts the
  // machine code of functions as they tier up (Sparkplug, Maglev, TurboFan); functions
  // that run once per reconnect or per quiet point reach those thresholds minutes apart,
  // so usedSize keeps stepping up by a few KB at a time for the whole run. Heap snapshots
  // 200 s and 600 s into a run showed usedSize +33.5 KB, compiled code +33 KB and
  // everything else +24 bytes. Both figures are reported.
  add(
    "JS heap growth after warm-up (objects, compiled code excluded)",
    enough && objGrowth !== null && objGrowth < cfg.heapThreshold,
    pct(objGrowth),
    `< ${pct(cfg.heapThreshold)}`,
    `${kb(objBase)} (samples ${w.base[0]}–${w.base[1] - 1}) → ${kb(objEnd)} (samples ${endSnaps.map((x) => x.index).join(", ")}); ` +
      `V8 usedSize ${kb(heapBase)} → ${kb(heapEnd)} (${pct(heapGrowth)}), of which compiled code ${kb(r.heap.codeBase)} → ${kb(r.heap.codeEnd)}; ` +
      `${samples.length} samples, ${w.warm} of warm-up${short}`,
  );
  add(
    "wasm memory growth after warm-up",
    enough && r.heap.wasmGrowth < cfg.wasmThreshold,
    pct(r.heap.wasmGrowth),
    `< ${pct(cfg.wasmThreshold)}`,
    `${kb(r.heap.wasmBase)} → ${kb(r.heap.wasmEnd)} (first sample ${kb(r.heap.wasmFirst)})${short}`,
  );

  const base = JSON.stringify(samples[w.warm].resources);
  const differ = samples.slice(w.warm).filter((x) => JSON.stringify(x.resources) !== base);
  const beforeWarm = samples.slice(0, w.warm).filter((x) => JSON.stringify(x.resources) !== base);
  add(
    "listener and timer counts constant",
    enough && differ.length === 0,
    differ.length ? `${differ.length} samples differ` : "constant",
    "every sample after warm-up = the warm-up value",
    `warm-up value ${base}` +
      (differ.length ? `; first different (sample ${differ[0].index}): ${JSON.stringify(differ[0].resources)}` : "") +
      (beforeWarm.length ? `; ${beforeWarm.length} warm-up samples differed (not a failure)` : "; same during warm-up"),
  );
  const a = r.afterClose;
  const released = a && a.timeouts === 0 && a.intervals === 0 && a.listeners.window === 0 && a.listeners.document === 0 && a.webSocketsOpen === 0 && a.fetchesInFlight === 0;
  add("everything released by close()", released, a ? JSON.stringify({ ...a, calls: undefined }) : "–", "0 timers, listeners, sockets, fetches", "");
  add("uncaught page errors", r.pageErrors.length === 0, r.pageErrors.length, "0", r.pageErrors.slice(0, 3).join(" | "));
  return out;
}

/** Least-squares slope of `key` over time (per second). */
function slope(xs, key) {
  if (xs.length < 2) return 0;
  const mt = xs.reduce((a, x) => a + x.t, 0) / xs.length;
  const mv = xs.reduce((a, x) => a + x[key], 0) / xs.length;
  let num = 0;
  let den = 0;
  for (const x of xs) {
    num += (x.t - mt) * (x[key] - mv);
    den += (x.t - mt) ** 2;
  }
  return den ? num / den : 0;
}

// ------------------------------------------------------------------------------ output

function line(sample, rec) {
  const r = sample.resources;
  const head = `[${sample.t.toFixed(0).padStart(5)} s] heap ${kb(sample.heapUsed)} wasm ${kb(sample.wasmBytes)}` +
    ` recv ${sample.received} rep ${sample.repeats} lost ${sample.lostWhileConnected}` +
    ` rooms ${sample.rooms.ok ? "ok" : sample.rooms.problems.join("; ")}` +
    ` res F${JSON.stringify(r["F [listeners, transports, timer, page listeners]"])} R${JSON.stringify(r["R [listeners, transports, timer, page listeners]"])}` +
    ` timers ${r["live timeouts"]}/${r["live intervals"]} ws ${r["open WebSockets"]}`;
  if (!rec) return head;
  return `${head} | #${rec.n} ${rec.kind}: ${rec.ok ? `rooms back in ${rec.restoredMs.toFixed(0)} ms` : `ROOMS NOT BACK ${JSON.stringify(rec.missing)}`}`;
}

/** The summary table (Markdown). */
export function summary(r) {
  const L = [];
  const t = r.totals || {};
  const h = r.heap || {};
  L.push(`Soak ${r.date}: ${r.config.seconds} s${r.stoppedEarly ? " (stopped early)" : ""}, ${r.config.rate} events/s, forced disconnect every ${r.config.period} s` + (r.config.inject ? `, injected defect: ${r.config.inject}` : ""));
  L.push("");
  L.push("| check | value | threshold | result |");
  L.push("|---|---:|---|---|");
  for (const c of r.checks) L.push(`| ${c.name} | ${c.value} | ${c.threshold} | ${c.ok ? "pass" : "**FAIL**"} |`);
  L.push("");
  L.push("| figure | value |");
  L.push("|---|---:|");
  const byKind = {};
  for (const x of r.reconnects) (byKind[x.kind] = byKind[x.kind] || []).push(x.restoredMs);
  L.push(`| forced disconnects (${KINDS.map((k) => `${k} ${(byKind[k] || []).length}`).join(", ")}) | ${r.reconnects.length} |`);
  L.push(`| reconnects with every room back | ${r.reconnects.filter((x) => x.ok).length} |`);
  for (const k of KINDS) {
    const st = stats(byKind[k] || []);
    if (st.n) L.push(`| disconnect → every room back on the server, ${k} (median / p95 / max ms) | ${st.median.toFixed(0)} / ${st.p95.toFixed(0)} / ${st.max.toFixed(0)} |`);
  }
  const pr = t.connectionEvents && t.connectionEvents.pageReconnect;
  if (pr && pr.n) L.push(`| page: disconnect event → connect event, both clients (median / p95 / max ms) | ${pr.median.toFixed(0)} / ${pr.p95.toFixed(0)} / ${pr.max.toFixed(0)} |`);
  if (t.connectionEvents) L.push(`| page: disconnect reasons | ${Object.entries(t.connectionEvents.disconnect).map(([k, v]) => `${k} ${v}`).join(", ")} |`);
  if (t.connectionEvents) L.push(`| page: connect_error events | ${Object.values(t.connectionEvents.connect_error).reduce((a, b) => a + b, 0)} |`);
  L.push(`| events published (Redis PUBLISH) | ${t.published} |`);
  L.push(`| deliveries expected (user / all rooms count twice) | ${t.expectedDeliveries} |`);
  L.push(`| deliveries received | ${t.received} |`);
  L.push(`| lost while disconnected (published before the rooms were back; no replay in Frappe) | ${t.lostWhileDisconnected} |`);
  const missingByKind = {};
  for (const x of r.reconnects) {
    const after = r.samples[x.n];
    if (after && after.missing !== undefined) (missingByKind[x.kind] = missingByKind[x.kind] || []).push(after.missing);
  }
  const perKind = Object.entries(missingByKind).map(([k, v]) => `${k} ${median(v)}`);
  if (perKind.length) L.push(`| deliveries missed per disconnect, median by kind (of ~${Math.round(r.config.rate * 1.2)}/s) | ${perKind.join(", ")} |`);
  L.push(`| lost while connected | ${t.lostWhileConnected} |`);
  L.push(`| duplicates | ${t.repeats} |`);
  L.push(`| JS heap objects (heap snapshot, without compiled code): warm-up base / end | ${kb(h.objectsBase)} / ${kb(h.objectsEnd)} (${pct(h.objectsGrowth)}) |`);
  L.push(`| V8 compiled code (heap snapshot): warm-up base / end | ${kb(h.codeBase)} / ${kb(h.codeEnd)} |`);
  L.push(`| V8 usedSize after GC (objects + code + V8 internals): first sample / warm-up base / end | ${kb(h.jsFirst)} / ${kb(h.jsBase)} / ${kb(h.jsEnd)} (${pct(h.jsGrowth)}) |`);
  L.push(`| V8 usedSize after warm-up: min – max; trend | ${kb(h.jsMin)} – ${kb(h.jsMax)}; ${h.jsSlopePerHour !== undefined ? (h.jsSlopePerHour / 1024).toFixed(1) : "–"} KB/h |`);
  L.push(`| wasm memory: first sample / warm-up base / end | ${kb(h.wasmFirst)} / ${kb(h.wasmBase)} / ${kb(h.wasmEnd)} |`);
  L.push(`| Blink (embedder) heap, not checked: first sample / warm-up base / end | ${kb(h.embedderFirst)} / ${kb(h.embedderBase)} / ${kb(h.embedderEnd)} |`);
  if (r.samples.length) L.push(`| resources at the quiet points | ${JSON.stringify(r.samples[r.samples.length - 1].resources)} |`);
  if (r.console) L.push(`| console messages | ${JSON.stringify(r.console.counts)} |`);
  if (r.errors.length) L.push(`| errors | ${r.errors.map((e) => e.split("\n")[0]).join(" / ")} |`);
  return L.join("\n");
}

function machine() {
  let osName = null;
  try {
    osName = /^PRETTY_NAME="?([^"\n]*)/m.exec(fs.readFileSync("/etc/os-release", "utf8"))[1];
  } catch {
    osName = null;
  }
  let commit = null;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    commit = null;
  }
  return {
    os: `${osName ? osName + ", " : ""}${os.type()} ${os.release()}`,
    cpu: os.cpus()[0] ? os.cpus()[0].model.trim() : "unknown",
    cores: os.cpus().length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    commit,
  };
}
