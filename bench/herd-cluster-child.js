// The child of herd-cluster.js: starts the cluster it is asked for and answers
// herd-side.js's calls on it. Stops the cluster and exits when asked, or when its parent
// goes (the IPC channel closes).

import { startCluster } from "../tests/server/cluster.js";
import { herdSide } from "./herd-side.js";

let cluster = null;
let side = null;

async function stop() {
    const c = cluster;
    cluster = null;
    if (c) await c.stop().catch(() => {});
}

process.on("message", async ({ id, method, args }) => {
    const reply = (m) => process.connected && process.send({ id, ...m });
    try {
        if (method === "start") {
            cluster = await startCluster(args[0]);
            side = herdSide(cluster);
            return reply({ value: { webUrl: cluster.webUrl } });
        }
        if (method === "stop") {
            await stop();
            reply({ value: null });
            return process.exit(0);
        }
        if (!side || typeof side[method] !== "function") throw new Error(`no such call: ${method}`);
        reply({ value: await side[method](...args) });
    } catch (err) {
        reply({ error: err && err.message ? err.message : String(err) });
    }
});

process.on("disconnect", () => stop().finally(() => process.exit(0)));
