// The soak's server side (tests/soak/soak.js): the kinds of forced disconnect and their
// order over a run, carrying one out, and watching the server's state until both
// sockets are back with every room.

import { socketsOf } from "../server/env.js";
import { ROOMS, SITE, USER } from "./scenario.js";
import { now, sleep } from "./time.js";

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
export function forceDisconnect(env, kind) {
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
 * Waits until the server has, besides the sockets in `old`, one socket with every room
 * of F and one with every room of R. Polls the server's state (in-process) every 10 ms;
 * nothing is asked of the page meanwhile.
 */
export async function roomsBack(env, old, timeout, stop) {
  const end = now() + timeout;
  let missing = null;
  for (;;) {
    const fresh = socketsOf(env, USER).filter((x) => !old.has(x.id));
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
