// The soak's events (tests/soak/soak.js): a steady stream through Redis, exactly like
// `frappe.publish_realtime` (`env.publish`), numbered per stream so that the page can
// tell a repeat, a gap or a loss (tests/soak/accounting.js).

import { STREAMS, USER } from "./scenario.js";
import { now, sleep } from "./time.js";

function message(stream, q) {
  const m = { s: stream.id, q, name: stream.args.docname || `SOAK-${q}`, modified: new Date().toISOString(), title: `Soak ✓ ${q}`, owner: USER };
  if (stream.args.event === "list_update") m.doctype = stream.args.doctype;
  return m;
}

/** A steady publisher through Redis (publish_realtime), round robin over the streams. */
export function publisher(env, rate) {
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
