// Time helpers of the soak (tests/soak/soak.js): a monotonic clock, sleeps that a stop
// request ends early, and a bound on any promise (no DevTools call may hang the run).

export const now = () => performance.now();
/** `p`, or a rejection after `ms` ms. */
export function bound(p, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
export const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function sleepUntil(t, stop) {
  while (!stop.stopped && now() < t) await sleep(Math.min(250, t - now()));
}
