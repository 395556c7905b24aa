// The soak's bookkeeping of deliveries (tests/soak/soak.js): what the page received at
// each quiet point, per client and stream, against what the publisher
// (tests/soak/publisher.js) sent; and the page's connection events.

import { STREAMS } from "./scenario.js";
import { stats } from "./stats.js";

/**
 * Per (client, stream): what the page got, against what was published while the rooms
 * were there (required) and while they were not (may be lost).
 */
export function accounting() {
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
      // Sequence numbers a..b of `st` that pair `p` should have had: lost, unless the
      // publisher skipped them or they are counted already.
      const markLost = (p, st, a, b) => {
        for (let q = a; q <= b; q++) {
          if (!skipped[st].has(q) && !p.lostRequired.has(q)) {
            p.lostRequired.add(q);
            lost++;
          }
        }
      };
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
          markLost(p, st, Math.max(a, lo), Math.min(b, hi));
        };
        for (let i = 0; i < d.gaps.length; i += 2) missed(d.gaps[i], d.gaps[i + 1], true);
        if (d.last < hi) missed(d.last + 1, hi, false); // not arrived by the quiet point
      }
      // A required pair the page has never heard of: everything in its range is lost.
      for (const key of pairs) {
        if (drain.streams[key]) continue;
        const st = key.split("|")[1];
        if (from && next[st] - 1 >= from[st]) markLost(per[key], st, from[st], next[st] - 1);
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
