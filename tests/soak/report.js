// The soak's output (tests/soak/soak.js): one log line per cycle, the summary table
// (Markdown) of a result, and the machine a run ran on.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { KINDS } from "./disconnects.js";
import { ROOT } from "./scenario.js";
import { median, stats } from "./stats.js";

export const pct = (x) => (x === null || !Number.isFinite(x) ? "–" : `${(x * 100).toFixed(2)} %`);
export const kb = (b) => (b === null || !Number.isFinite(b) ? "–" : `${(b / 1024).toFixed(1)} KB`);

export function line(sample, rec) {
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

export function machine() {
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
