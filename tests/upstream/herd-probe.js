// How a herd on Frappe's own realtime server is timed (tests/upstream/herd.js on the stub
// web server, bench-herd.js on a real bench): as its clients see it. Each client's pages
// keep, from `installProbes` on, when a client last connected and how many `probe` events
// of each round arrived; `measureHerd` publishes a round of probes to every room every
// `intervalMs` (through Redis, as Frappe's Python publishes) without waiting for the
// previous one, and reads the pages between rounds:
//   - connectedMs: once every client is connected, the last client's connect time;
//   - roomsMs: the first round every room's probe reached, timed when its publishes were
//     done (the rooms were all held by then).
// Rounds overlap, so a client that stays away delays neither figure (the earlier loop
// waited up to 5 s for each round's marker and rounded both figures up to that wait).

/** Hooks each page's herd clients (`window.__herd.clients[i].c`, both herd pages). */
export async function installProbes(pages) {
    for (const p of pages) {
        await p.evaluate(() => {
            const w = window;
            w.__probe = { lastConnect: 0, byMark: {}, mark: null, rooms: [] };
            w.__herd.clients.forEach((r) => {
                r.c.on("connect", () => (w.__probe.lastConnect = Math.max(w.__probe.lastConnect, Date.now())));
                r.c.on("probe", (m) => {
                    w.__probe.byMark[m.mark] = (w.__probe.byMark[m.mark] || 0) + 1;
                    if (w.__probe.mark !== m.mark) w.__probe = { ...w.__probe, mark: m.mark, rooms: [] };
                    w.__probe.rooms.push(m.room);
                });
            });
        });
    }
}

/** The pages' probe state summed: {connected, lastConnect, byMark, rooms of the newest round}. */
async function readPages(pages) {
    const all = await Promise.all(pages.map((p) => p.evaluate(() => ({ ...window.__probe, s: window.__herdStatus() }))));
    const byMark = {};
    let newest = null;
    for (const a of all) {
        for (const [m, n] of Object.entries(a.byMark)) byMark[m] = (byMark[m] || 0) + n;
        if (a.mark && (!newest || Number(a.mark.slice(1)) > Number(newest.slice(1)))) newest = a.mark;
    }
    return {
        connected: all.reduce((n, a) => n + a.s.connected, 0),
        lastConnect: Math.max(0, ...all.map((a) => a.lastConnect)),
        byMark,
        newest,
        rooms: all.flatMap((a) => (a.mark === newest ? a.rooms : [])),
    };
}

let round = 0;

/**
 * Times the herd from `back` (ms since the epoch: the server is back) until every client
 * is connected and every room reached, or `limitMs`.
 * @param {object} o
 * @param {any[]} o.pages the herd's pages, with `installProbes` done before the restart
 * @param {string[]} o.rooms every client's rooms
 * @param {number} o.clients
 * @param {(room: string, message: object) => Promise<unknown>} o.publish
 * @param {number} o.back
 * @param {number} o.limitMs
 * @param {number} [o.intervalMs] between rounds: 250 ms, longer for many rooms (a round
 *   is an event per room through the realtime server: 4,000 a second for 3,000 rooms)
 * @returns {Promise<{connectedMs: number|null, roomsMs: number|null, roomsBack: number,
 *   missing: string[]}>} roomsBack: most rooms one round reached; missing: without
 *   roomsMs, the rooms a last round (3 s to arrive) did not reach.
 */
export async function measureHerd({ pages, rooms, clients, publish, back, limitMs, intervalMs = Math.max(250, rooms.length / 4) }) {
    const rounds = [];
    let connectedMs = null;
    let roomsMs = null;
    let roomsBack = 0;
    let last = null;
    while (roomsMs === null && Date.now() - back < limitMs) {
        const mark = `r${++round}`;
        await Promise.all(rooms.map((room) => publish(room, { room, mark })));
        rounds.push({ mark, at: Date.now() });
        await new Promise((r) => setTimeout(r, intervalMs));
        last = await readPages(pages);
        if (connectedMs === null && last.connected === clients) connectedMs = last.lastConnect - back;
        for (const r of rounds) {
            const n = last.byMark[r.mark] || 0;
            roomsBack = Math.max(roomsBack, n);
            if (connectedMs !== null && n === rooms.length) {
                roomsMs = r.at - back;
                break;
            }
        }
        // A round still short after 10 s will not fill: forget it.
        while (rounds.length && Date.now() - rounds[0].at > 10000) rounds.shift();
    }
    let missing = [];
    if (roomsMs === null) {
        const mark = `r${++round}`;
        await Promise.all(rooms.map((room) => publish(room, { room, mark })));
        await new Promise((r) => setTimeout(r, 3000));
        const got = new Set((await readPages(pages)).rooms);
        missing = rooms.filter((r) => !got.has(r));
    }
    return { connectedMs, roomsMs, roomsBack, missing };
}

/** Waits until every client is connected and one round reaches every room (setup). */
export async function settled({ pages, rooms, clients, publish, timeoutMs = 300000 }) {
    const r = await measureHerd({ pages, rooms, clients, publish, back: Date.now(), limitMs: timeoutMs });
    if (r.roomsMs === null) throw new Error(`setup: not every client connected and every room joined within ${timeoutMs / 1000} s (best round ${r.roomsBack}/${rooms.length})`);
}
