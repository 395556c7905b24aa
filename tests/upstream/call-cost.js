// What each of Frappe's realtime calls costs a web server worker, on a real bench: its
// gunicorn with one worker, no herd, the calls one at a time (docs/retry-policy.md,
// "Stop 54": whether a permission call holds its worker longer than a CONNECT's
// `get_user_info`). Needs the bench's MariaDB and Redis running (make-bench.sh
// --services) and a user with a ToDo (bench-herd.js makes both).
//
//   node tests/upstream/call-cost.js <bench> [--calls 300] [--user U --password P]
//
// Prints one JSON line: per call, the median, 90th percentile and mean in ms, the first
// 20 of each left out (warm-up).

import { apiSession, benchGunicorn, benchSite } from "./bench-env.js";

const args = process.argv.slice(2);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const bench = args[0];
const CALLS = Number(value("--calls", "300"));
const USER = value("--user", "alice@example.com");
const PASSWORD = value("--password", "Alice-pass-2026!");
const WARM_UP = 20;
if (!bench || bench.startsWith("--") || !(CALLS > WARM_UP)) {
    console.error("usage: node tests/upstream/call-cost.js <bench> [--calls N (> 20)] [--user U --password P]");
    process.exit(2);
}

const site = benchSite(bench).name;
const web = benchGunicorn(bench, site, { workers: 1 });
await web.start();
try {
    // Logged in by the site's name (it resolves to loopback: bench.md); the timed calls go
    // to 127.0.0.1 naming the site in X-Frappe-Site-Name (fetch sets Host itself), so that
    // no name lookup is timed with them.
    const session = await apiSession(`http://${site}:${web.port}`, USER, PASSWORD);
    const base = `http://127.0.0.1:${web.port}`;
    const headers = { "X-Frappe-Site-Name": site, Cookie: `sid=${session.sid}` };
    const todo = (await session.list("ToDo"))[0]?.name;
    if (!todo) throw new Error(`${USER} has no ToDo`);
    const urls = {
        get_user_info: `${base}/api/method/frappe.realtime.get_user_info`,
        has_permission: `${base}/api/method/frappe.realtime.has_permission?${new URLSearchParams({ doctype: "ToDo", name: todo })}`,
    };
    const took = Object.fromEntries(Object.keys(urls).map((k) => [k, []]));
    // Alternated, so that both meet the same machine.
    for (let i = 0; i < CALLS; i++) {
        for (const [kind, url] of Object.entries(urls)) {
            const t = performance.now();
            const r = await fetch(url, { headers });
            await r.text();
            if (r.status !== 200) throw new Error(`${kind}: ${r.status}`);
            if (i >= WARM_UP) took[kind].push(performance.now() - t);
        }
    }
    const round = (x) => Math.round(x * 10) / 10;
    const summary = Object.fromEntries(
        Object.entries(took).map(([kind, v]) => {
            v.sort((a, b) => a - b);
            const mean = v.reduce((a, b) => a + b, 0) / v.length;
            return [kind, { calls: v.length, medianMs: round(v[v.length >> 1]), p90Ms: round(v[Math.floor(v.length * 0.9)]), meanMs: round(mean) }];
        }),
    );
    console.log(JSON.stringify({ site, user: USER, workers: 1, ...summary }));
} finally {
    await web.stop();
}
