// The benchmark chart, as a hand-written SVG (no chart library): ratios to the
// raw-WebSocket floor for both clients, and the shipped sizes (gzip).

const W = 780;
const LEFT = 300;
const RIGHT = 70;
const BAR = 11;
const ROW = 34;
const COLORS = { "frappe-realtime": "#2f6fde", "socket.io-client": "#9aa3ad" };

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const k = (n) => (n >= 1000 ? `${n / 1000}k` : String(n));

export function renderChart(o) {
    const rows = [
        ["small.ms", `${k(o.config.smallEvents)} small: time to last callback`, 1.05],
        ["small.taskUs", `${k(o.config.smallEvents)} small: main-thread CPU / event`, 1.1],
        ["large.ms", `${k(o.config.largeEvents)} × 4 KB: time to last callback`, null],
        ["large.taskUs", `${k(o.config.largeEvents)} × 4 KB: main-thread CPU / event`, null],
        ["connect.ws", "page load → connected (WebSocket)", null],
        ["reconnect.fast", "server killed → rooms restored", null],
        ["heap.after", `JS heap after GC, ${k(o.config.smallEvents)} events`, null],
    ].filter(([k]) => o.results[k]);
    const ratio = (k, c) => o.results[k].ratio[`${c}/floor`];
    const values = rows.flatMap(([k]) => [ratio(k, "frappe-realtime"), ratio(k, "socket.io-client")]).filter(Number.isFinite);
    const max = Math.max(2, Math.ceil(Math.max(...values, 1) * 2) / 2);
    const plotW = W - LEFT - RIGHT;
    const x = (v) => LEFT + (Math.min(v, max) / max) * plotW;

    let y = 0;
    const parts = [];
    const text = (tx, ty, s, attrs = "") => parts.push(`<text x="${tx}" y="${ty}" ${attrs}>${esc(s)}</text>`);

    // Title and legend.
    y += 26;
    text(16, y, "frappe-realtime vs socket.io-client 4.8.4, relative to a raw-WebSocket floor (1 = floor, lower is better)", 'font-weight="bold"');
    y += 20;
    text(16, y, `${o.machine.chromium}, ${o.machine.cpu} × ${o.machine.cores}; medians of ${o.config.runs} runs; ${o.date.slice(0, 10)}`, 'fill="#555"');
    y += 22;
    let lx = 16;
    for (const c of ["frappe-realtime", "socket.io-client"]) {
        parts.push(`<rect x="${lx}" y="${y - 10}" width="12" height="12" fill="${COLORS[c]}"/>`);
        text(lx + 18, y, c);
        lx += 150;
    }
    parts.push(`<line x1="${lx}" y1="${y - 10}" x2="${lx}" y2="${y + 2}" stroke="#d33" stroke-width="2"/>`);
    text(lx + 8, y, "target");

    // Panel 1: ratios to the floor. Grid first, bars over it.
    y += 18;
    const top = y;
    const bottom = top + rows.length * ROW;
    for (let t = 0; t <= max + 1e-9; t += 0.5) {
        const tx = x(t).toFixed(1);
        parts.push(`<line x1="${tx}" y1="${top}" x2="${tx}" y2="${bottom}" stroke="${t === 1 ? "#333" : "#e3e3e3"}" stroke-width="${t === 1 ? 1.5 : 1}"/>`);
        text(tx, bottom + 14, t === 1 ? "1 = floor" : String(t), 'text-anchor="middle" font-size="11" fill="#555"');
    }
    for (const [k, label, target] of rows) {
        text(LEFT - 10, y + ROW / 2 + 4, label, 'text-anchor="end"');
        ["frappe-realtime", "socket.io-client"].forEach((c, i) => {
            const v = ratio(k, c);
            if (!Number.isFinite(v)) return;
            const by = y + 5 + i * (BAR + 2);
            parts.push(`<rect x="${LEFT}" y="${by}" width="${(x(v) - LEFT).toFixed(1)}" height="${BAR}" fill="${COLORS[c]}"/>`);
            text(x(v) + 4, by + BAR - 1, `${v.toFixed(2)}×${v > max ? " →" : ""}`, 'font-size="11"');
        });
        if (target) {
            parts.push(`<line x1="${x(target).toFixed(1)}" y1="${y + 2}" x2="${x(target).toFixed(1)}" y2="${y + ROW - 4}" stroke="#d33" stroke-width="2"/>`);
        }
        y += ROW;
    }
    // The floor line again, over the bars.
    parts.push(`<line x1="${x(1).toFixed(1)}" y1="${top}" x2="${x(1).toFixed(1)}" y2="${bottom}" stroke="#333" stroke-width="1.5"/>`);
    y += 40;

    // Panel 2: shipped size, gzip KB.
    text(16, y, "Shipped size, gzip (KB; lower is better)", 'font-weight="bold"');
    y += 14;
    const ours = o.sizes["frappe-realtime"];
    const sio = o.sizes["socket.io-client"];
    const budget = 14.5;
    const maxKB = Math.max(ours.gzip, sio.gzip, budget * 1024) / 1024;
    const sx = (kb) => LEFT + (kb / maxKB) * plotW;
    const groups = [
        ["wasm", (f) => f.endsWith(".wasm"), "#2f6fde"],
        // The wasm-bindgen glue with the driver's glue.js bundled in (scripts/build.sh).
        ["JS glue", (f) => f === "pkg/frappe_realtime.js" || f.startsWith("pkg/snippets/"), "#6d9bea"],
        ["facade (www/)", (f) => f.startsWith("www/"), "#c9dafa"],
    ];
    text(LEFT - 10, y + 16, "frappe-realtime (wasm + glue + facade)", 'text-anchor="end"');
    let cx = LEFT;
    for (const [name, test, color] of groups) {
        const kb = ours.files.filter((f) => test(f.file)).reduce((a, f) => a + f.gzip, 0) / 1024;
        const w = (kb / maxKB) * plotW;
        parts.push(`<rect x="${cx.toFixed(1)}" y="${y + 5}" width="${w.toFixed(1)}" height="${BAR + 4}" fill="${color}"><title>${esc(name)}: ${kb.toFixed(1)} KB</title></rect>`);
        cx += w;
    }
    text(cx + 4, y + 17, `${(ours.gzip / 1024).toFixed(1)} KB`, 'font-size="11"');
    y += ROW;
    text(LEFT - 10, y + 16, "socket.io-client dist/socket.io.min.js", 'text-anchor="end"');
    parts.push(`<rect x="${LEFT}" y="${y + 5}" width="${(sx(sio.gzip / 1024) - LEFT).toFixed(1)}" height="${BAR + 4}" fill="${COLORS["socket.io-client"]}"/>`);
    text(sx(sio.gzip / 1024) + 4, y + 17, `${(sio.gzip / 1024).toFixed(1)} KB`, 'font-size="11"');
    const bx = sx(budget).toFixed(1);
    parts.push(`<line x1="${bx}" y1="${y - ROW + 2}" x2="${bx}" y2="${y + ROW - 6}" stroke="#d33" stroke-width="2"/>`);
    y += ROW;
    // Legend of the stacked parts.
    let gx = LEFT;
    for (const [name, , color] of groups) {
        parts.push(`<rect x="${gx}" y="${y - 9}" width="10" height="10" fill="${color}"/>`);
        text(gx + 14, y, name, 'font-size="11"');
        gx += 14 + name.length * 6.2 + 14;
    }
    y += 16;

    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
        `<rect width="${W}" height="${y}" fill="#fff"/>`,
        ...parts,
        "</svg>",
        "",
    ].join("\n");
}
