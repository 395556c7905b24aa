// The soak's quiet point (tests/soak/soak.js), once per cycle before the forced
// disconnect: publishing paused; wait until the page has every event published since
// the rooms came back; drain the page's counters; check the rooms from both sides;
// sample resources; GC; sample the heap. Returns the sample that checks() judges
// (tests/soak/checks.js).

import { socketsOf } from "../server/env.js";
import { ROOMS, USER } from "./scenario.js";
import { now, sleep } from "./time.js";

export async function quietPoint({ s, env, pub, acct, cfg }) {
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
  const server = socketsOf(env, USER);
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
