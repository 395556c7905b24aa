// A cluster of realtime nodes and its web server (tests/server/cluster.js) in a Node
// process of its own, for `npm run bench:herd`: the benchmark's process drives a hundred
// Chromium pages, and in one process that work delayed the nodes' and the web server's
// (docs/retry-policy.md, "Stop 48"), as no production site's realtime server is delayed
// by its users' browsers. Returns herd-side.js's methods, each a message to the child.
// The child stops its cluster and exits when this process goes.

import { fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "herd-cluster-child.js");
const METHODS = ["setCapacity", "capacity", "stopNode", "startNode", "sockets", "orphans", "pairs", "nodeErrors", "gates", "loopStart", "loopStop", "setAdmission"];

/**
 * @param {object} opts startCluster's options (no functions: they go to the child as a
 *   structured clone)
 */
export async function startHerdCluster(opts) {
    // Structured clone ("advanced"): capacities hold Infinity, which JSON does not.
    const child = fork(CHILD, [], { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const pending = new Map();
    let next = 0;
    let exited = null;
    child.on("message", (m) => {
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (m.error) p.reject(new Error(`herd cluster: ${m.error}`));
        else p.resolve(m.value);
    });
    child.on("exit", (code, signal) => {
        exited = `exited (${signal || code})`;
        for (const p of pending.values()) p.reject(new Error(`herd cluster ${exited}`));
        pending.clear();
    });
    const call = (method, ...args) =>
        new Promise((resolve, reject) => {
            if (exited) return reject(new Error(`herd cluster ${exited}`));
            const id = ++next;
            pending.set(id, { resolve, reject });
            child.send({ id, method, args });
        });
    let started;
    try {
        started = await call("start", opts);
    } catch (err) {
        child.kill();
        throw err;
    }
    const side = { webUrl: started.webUrl, pid: child.pid };
    for (const m of METHODS) side[m] = (...args) => call(m, ...args);
    side.stop = async () => {
        if (exited) return;
        const gone = new Promise((resolve) => child.once("exit", resolve));
        await call("stop").catch(() => {});
        await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 10000).unref())]);
        if (!exited) child.kill("SIGKILL");
    };
    return side;
}
