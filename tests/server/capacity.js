// A web server's bounded capacity, as Frappe's gunicorn behind nginx has it: `workers`
// requests served at a time, each holding its worker for `serviceMs`; the requests beyond
// wait in arrival order. What happens to a request that cannot be served:
//
//   - more than `queue` already waiting: refused at once with 502 (nginx's answer when
//     gunicorn's listen backlog is full and the connection is refused);
//   - waited `timeoutMs` without a worker: 504 (nginx's proxy_read_timeout);
//
// `queue: Infinity` and `timeoutMs: Infinity` give a web server that only queues. A
// request whose caller gave up while it waited (the realtime server's own timeout) is
// still served when its turn comes, as gunicorn does; `abandoned` counts it.
// Used by web.js for the realtime server's calls (get_user_info, has_permission), which
// are what a reconnecting fleet costs the web server. Test infrastructure only.

/**
 * @param {object} o
 * @param {number} o.workers requests served at once (≥ 1)
 * @param {number} [o.serviceMs=20] how long each request holds its worker
 * @param {number} [o.queue=Infinity] the most requests waiting; beyond: 502
 * @param {number} [o.timeoutMs=Infinity] the longest wait for a worker; beyond: 504
 * @param {number} [o.binMs=100] width of the arrival histogram's bins
 */
export function createGate({ workers, serviceMs = 20, queue = Infinity, timeoutMs = Infinity, binMs = 100 }) {
    if (!(workers >= 1)) throw new Error("capacity: workers must be at least 1");
    let busy = 0;
    /** @type {Array<{start: () => void, drop: () => void, timer: NodeJS.Timeout | null}>} */
    const waiting = [];
    const t0 = Date.now();
    const stats = {
        arrived: 0,
        served: 0,
        refused: 0, // 502
        timedOut: 0, // 504
        abandoned: 0, // the caller went away before the answer
        queuePeak: 0,
        /** Time the served requests held their worker, summed: on a loaded machine the
         *  timers fire late, so a worker serves fewer than 1000 / serviceMs per second. */
        heldMs: 0,
        /** Arrivals per bin of `binMs` since the gate was made. */
        arrivals: /** @type {number[]} */ ([]),
        /** The same, per label of `run`. */
        arrivalsBy: /** @type {Record<string, number[]>} */ ({}),
        /** Requests refused (502) per bin, per label of `run`. */
        refusedBy: /** @type {Record<string, number[]>} */ ({}),
        /** Bins during which the queue was full at least once (a 502 was answered) or a
         *  caller gave up on its request. */
        fullBins: /** @type {Set<number>} */ (new Set()),
    };

    // Worker time left idle, per bin: (workers − busy) × the time `busy` stayed so,
    // summed each time `busy` changes (and when the stats are read). A herd that the web
    // server could have served sooner shows here: its calls did not come fast enough.
    const idleMs = /** @type {number[]} */ ([]);
    let idleFrom = t0;
    function idleUntil(now) {
        for (let t = idleFrom; t < now; ) {
            const bin = Math.floor((t - t0) / binMs);
            const end = Math.min(now, t0 + (bin + 1) * binMs);
            idleMs[bin] = (idleMs[bin] || 0) + (workers - busy) * (end - t);
            t = end;
        }
        idleFrom = Math.max(idleFrom, now);
    }

    /** One more in `bins[bin]` (a histogram kept sparse until `stats()`). */
    function count(bins, bin) {
        bins[bin] = (bins[bin] || 0) + 1;
    }

    function next() {
        idleUntil(Date.now());
        busy--;
        const w = waiting.shift();
        if (w) w.start();
    }

    /**
     * Runs `serve` once a worker is free, after the service time; resolves with its
     * value, or with 502 / 504 when the request is refused or waits too long.
     * `label` names the kind of request in the per-label arrivals.
     * @template T
     * @param {() => T | Promise<T>} serve
     * @param {string} [label]
     * @returns {Promise<T | 502 | 504>}
     */
    function run(serve, label = "request") {
        stats.arrived++;
        const bin = Math.floor((Date.now() - t0) / binMs);
        count(stats.arrivals, bin);
        count((stats.arrivalsBy[label] ||= []), bin);
        return new Promise((resolve) => {
            const start = () => {
                idleUntil(Date.now());
                busy++;
                const began = performance.now();
                setTimeout(async () => {
                    try {
                        resolve(await serve());
                        stats.served++;
                        stats.heldMs += performance.now() - began;
                    } finally {
                        next();
                    }
                }, serviceMs);
            };
            if (busy < workers) return start();
            if (waiting.length >= queue) {
                stats.refused++;
                stats.fullBins.add(bin);
                count((stats.refusedBy[label] ||= []), bin);
                return resolve(502);
            }
            const w = {
                timer: /** @type {NodeJS.Timeout | null} */ (null),
                start: () => {
                    if (w.timer) clearTimeout(w.timer);
                    start();
                },
                drop: () => {
                    if (w.timer) clearTimeout(w.timer);
                    resolve(504);
                },
            };
            if (Number.isFinite(timeoutMs)) {
                w.timer = setTimeout(() => {
                    const i = waiting.indexOf(w);
                    if (i >= 0) waiting.splice(i, 1);
                    stats.timedOut++;
                    resolve(504);
                }, timeoutMs);
            }
            waiting.push(w);
            stats.queuePeak = Math.max(stats.queuePeak, waiting.length);
        });
    }

    return {
        run,
        /** The caller of a request not yet answered went away (its connection closed):
         *  it waited past its own timeout. */
        abandoned() {
            stats.abandoned++;
            stats.fullBins.add(Math.floor((Date.now() - t0) / binMs));
        },
        /** Counters, with the arrivals histograms as plain arrays (empty bins 0). */
        stats() {
            idleUntil(Date.now());
            const dense = (a) => Array.from(a, (n) => n || 0);
            const arrivals = dense(stats.arrivals);
            const denseBy = (by) => Object.fromEntries(Object.entries(by).map(([k, a]) => [k, dense(a)]));
            const arrivalsBy = denseBy(stats.arrivalsBy);
            return {
                workers,
                serviceMs,
                queue,
                timeoutMs,
                binMs,
                arrived: stats.arrived,
                served: stats.served,
                refused: stats.refused,
                timedOut: stats.timedOut,
                abandoned: stats.abandoned,
                queuePeak: stats.queuePeak,
                /** What a served request held its worker on average (≥ serviceMs). */
                meanHeldMs: stats.served ? stats.heldMs / stats.served : null,
                waiting: waiting.length,
                busy,
                t0,
                arrivals,
                arrivalsBy,
                refusedBy: denseBy(stats.refusedBy),
                peakPerBin: arrivals.reduce((a, b) => Math.max(a, b), 0),
                fullBins: stats.fullBins.size,
                /** Worker time left idle per bin, in ms (up to workers × binMs). */
                idleMs: dense(idleMs),
            };
        },
        /** Answers the waiting requests 504 and clears their timers: for stop(). */
        close() {
            for (const w of waiting.splice(0)) w.drop();
        },
    };
}
