// The soak's checks (tests/soak/soak.js): the verdict on a finished run, from its
// samples (one per quiet point, tests/soak/quiet.js), reconnects and totals.
//
// Checks (checks() below; thresholds in DEFAULTS, tests/soak/scenario.js):
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

import { kb, pct } from "./report.js";
import { median, slope } from "./stats.js";

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

export function checks(r, cfg) {
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
