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
// Checks: tests/soak/checks.js (thresholds in DEFAULTS, tests/soak/scenario.js).
//
// The parts: scenario.js (user, rooms, streams, defaults), page.js (the browser and the
// page over DevTools), disconnects.js (forced disconnects, their schedule, rooms back on
// the server), publisher.js and accounting.js (the events and their bookkeeping),
// quiet.js (the quiet point's sample), checks.js (the verdict), report.js (log lines and
// the summary table), stats.js and time.js (helpers). This file: the main loop.

import fs from "node:fs";
import path from "node:path";
import { launch, openPage } from "../../bench/cdp.js";
import { startEnv } from "../server/env.js";
import { within } from "../server/util.js";
import { accounting } from "./accounting.js";
import { checks, heapWindows } from "./checks.js";
import { forceDisconnect, KINDS, roomsBack, schedule } from "./disconnects.js";
import { closeClients, heapByType, openSoakPage, pageLog, preparePage, watchPage } from "./page.js";
import { publisher } from "./publisher.js";
import { quietPoint } from "./quiet.js";
import { line, machine, summary } from "./report.js";
import { DEFAULTS, ROOMS, ROOT, SITE, STREAMS } from "./scenario.js";
import { now, sleepUntil } from "./time.js";

// What tests/soak/run.js, tests/e2e/soak.test.js and investigations import from here.
export { DEFAULTS, KINDS, ROOMS, ROOT, STREAMS, heapWindows, schedule, summary };
export { USER } from "./scenario.js";

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
  const seen = pageLog();
  try {
    if (!fs.existsSync(path.join(ROOT, "pkg/frappe_realtime_bg.wasm"))) {
      throw new Error("pkg/ is not built: run `npm run build` (bash scripts/build.sh) first");
    }
    env = await startEnv({ site: SITE });
    if (!env.redisUrl) throw new Error("the soak needs redis-server (startEnv with redis)");
    browser = await launch();
    result.machine.chromium = browser.version.product;
    s = await openPage(browser, "about:blank");
    watchPage(browser, s, seen);
    await preparePage(s);
    await openSoakPage(s, env.webUrl, cfg.inject);

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
      if (snapshotAt(sample.index) || last || stop.stopped) sample.snapshot = await heapByType(s, seen.snapshotSink);
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
    result.afterClose = await closeClients(s);

    result.totals = acct.totals(pub);
  } catch (err) {
    result.errors.push(String((err && err.stack) || err));
  } finally {
    result.console = { counts: seen.consoleCounts, last: seen.consoleLast };
    result.pageErrors = seen.pageErrors;
    // Bounded, with timers that do not outlive the step (they would keep Node alive).
    const bounded = (p, ms) => within(Promise.resolve(p).catch(() => {}), ms);
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
