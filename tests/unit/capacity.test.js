// tests/server/capacity.js: the web server's bounded capacity used by the multi-node
// environment. Orders and counts only; no timing is asserted.
import test from "node:test";
import assert from "node:assert/strict";
import { createGate } from "../../tests/server/capacity.js";

test("serves `workers` at a time, in arrival order", async () => {
    const gate = createGate({ workers: 2, serviceMs: 5 });
    const order = [];
    let running = 0;
    let most = 0;
    const all = [];
    for (let i = 0; i < 7; i++) {
        all.push(
            gate.run(async () => {
                running++;
                most = Math.max(most, running);
                order.push(i);
                await Promise.resolve();
                running--;
                return i;
            }),
        );
    }
    assert.deepEqual(await Promise.all(all), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(most, 1, "each serve is quick; the service time is the worker's hold");
    const s = gate.stats();
    assert.equal(s.arrived, 7);
    assert.equal(s.served, 7);
    assert.equal(s.queuePeak, 5, "two served at once, five waited");
    assert.equal(s.arrivals.reduce((a, b) => a + b, 0), 7);
    assert.deepEqual(Object.keys(s.arrivalsBy), ["request"]);
    // A worker is held at least the service time (libuv's timers round to 1 ms).
    assert.ok(s.meanHeldMs >= 4, `held ${s.meanHeldMs} ms`);
    assert.equal(createGate({ workers: 1 }).stats().meanHeldMs, null, "nothing served yet");
});

test("counts arrivals per label", async () => {
    const gate = createGate({ workers: 4, serviceMs: 1 });
    await Promise.all([gate.run(() => 1, "userInfo"), gate.run(() => 2, "permission"), gate.run(() => 3, "permission")]);
    const s = gate.stats();
    const sum = (a) => a.reduce((x, y) => x + y, 0);
    assert.equal(sum(s.arrivalsBy.userInfo), 1);
    assert.equal(sum(s.arrivalsBy.permission), 2);
});

test("refuses with 502 beyond the queue", async () => {
    const gate = createGate({ workers: 1, serviceMs: 20, queue: 2 });
    const out = await Promise.all([1, 2, 3, 4, 5].map((i) => gate.run(() => i, i === 5 ? "userInfo" : "permission")));
    assert.deepEqual(out, [1, 2, 3, 502, 502], "one served, two waited, two refused");
    const s = gate.stats();
    assert.equal(s.refused, 2);
    assert.ok(s.fullBins >= 1);
    const sum = (a) => a.reduce((x, y) => x + y, 0);
    assert.equal(sum(s.refusedBy.permission), 1, "the refusals per bin, by label");
    assert.equal(sum(s.refusedBy.userInfo), 1);
});

test("answers 504 after timeoutMs without a worker", async () => {
    const gate = createGate({ workers: 1, serviceMs: 200, timeoutMs: 20 });
    const out = await Promise.all([gate.run(() => "a"), gate.run(() => "b")]);
    assert.deepEqual(out, ["a", 504]);
    assert.equal(gate.stats().timedOut, 1);
});

test("close answers the waiting requests", async () => {
    const gate = createGate({ workers: 1, serviceMs: 50 });
    const first = gate.run(() => "a");
    const second = gate.run(() => "b");
    gate.close();
    assert.equal(await second, 504);
    assert.equal(await first, "a");
});

test("counts the worker time left idle, and not the time a worker is held", async () => {
    const sum = (a) => a.reduce((x, y) => x + y, 0);
    // Nothing to serve: every worker idle from the gate's start until the stats are read.
    const idle = createGate({ workers: 3, serviceMs: 5 });
    await new Promise((r) => setTimeout(r, 30));
    const before = Date.now();
    const s0 = idle.stats();
    const after = Date.now();
    assert.ok(sum(s0.idleMs) >= 3 * (before - s0.t0) && sum(s0.idleMs) <= 3 * (after - s0.t0), `idle ${sum(s0.idleMs)} ms`);
    // One worker, three requests back to back: only the time outside them is idle.
    const gate = createGate({ workers: 1, serviceMs: 20 });
    await Promise.all([1, 2, 3].map((i) => gate.run(() => i)));
    const s = gate.stats();
    const elapsed = Date.now() - s.t0;
    // A libuv timer may fire up to 1 ms early (see above): each request held ≥ 19 ms.
    assert.ok(sum(s.idleMs) <= elapsed - 3 * 19, `idle ${sum(s.idleMs)} ms of ${elapsed} ms`);
    assert.ok(s.idleMs.every((ms) => ms >= 0 && ms <= s.binMs), "per bin, at most one worker × the bin");
});

test("refuses a gate without workers", () => {
    assert.throws(() => createGate({ workers: 0 }), /workers must be at least 1/);
});
