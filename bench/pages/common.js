// Shared by the three bench pages (a classic script, loaded first by each). The page
// times itself with performance.now(); the harness (bench/run.js) only reads results
// over the DevTools protocol, so nothing observes the WebSocket while it runs.
//
// Query: ?transports=websocket|default&delay=<ms>&jitter=<0..1>
(function () {
    const q = new URLSearchParams(location.search);
    const transports = q.get("transports") === "default" ? undefined : ["websocket"];
    const delay = q.has("delay") ? Number(q.get("delay")) : undefined;
    const jitter = q.has("jitter") ? Number(q.get("jitter")) : undefined;
    const options = {};
    if (transports) options.transports = transports;
    if (delay !== undefined) options.reconnectionDelay = delay;
    if (jitter !== undefined) options.randomizationFactor = jitter;

    const bench = {
        url: location.origin + "/site1",
        options,
        delay: delay === undefined ? 1000 : delay,
        connectedAt: null,
        connects: 0,
        // Filled by the page: emit(event, ...args), on(event, fn).
        client: null,
        connected() {
            bench.connects++;
            if (bench.connectedAt === null) bench.connectedAt = performance.now();
        },
        /** Delivers `n` events of `kind` ("small" | "large"); resolves with the page's own timings. */
        run(kind, n) {
            const c = bench.client;
            return new Promise((resolve) => {
                let count = 0;
                let seqSum = 0;
                let t0 = 0;
                let tFirst = 0;
                const expectedSum = (n * (n + 1)) / 2;
                bench.onDoc = (doc) => {
                    if (count === 0) tFirst = performance.now();
                    count++;
                    seqSum += doc.seq;
                    if (count === n) {
                        const tLast = performance.now();
                        bench.onDoc = null;
                        resolve({ kind, n, count, ok: seqSum === expectedSum, t0, tFirst, tLast, ms: tLast - t0 });
                    }
                };
                bench.onReady = () => {
                    bench.onReady = null;
                    t0 = performance.now();
                    c.emit("bench_go");
                };
                c.emit("bench_prepare", { n, kind });
            });
        },
        onDoc: null,
        onReady: null,
    };
    /** Called by each page once its client exists: the listeners the runs use. */
    bench.attach = (client) => {
        bench.client = client;
        client.on("doc_update", (doc) => bench.onDoc && bench.onDoc(doc));
        client.on("bench_ready", () => bench.onReady && bench.onReady());
    };
    window.__bench = bench;
})();
