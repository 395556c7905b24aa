// Time helpers of the soak (tests/soak/soak.js): a monotonic clock, sleeps that a stop
// request ends early, and a bound on any promise (no DevTools call may hang the run).
// `sleep` is the test servers' (tests/server/util.js).

import { sleep } from "../server/util.js";

export { sleep };
export const now = () => performance.now();
/** `p`, or a rejection after `ms` ms. */
export function bound(p, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

export async function sleepUntil(t, stop) {
  while (!stop.stopped && now() < t) await sleep(Math.max(0, Math.min(250, t - now())));
}
