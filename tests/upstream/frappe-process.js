// One process of Frappe's own realtime server (realtime/index.js of a bench's Frappe),
// started, killed like a crash and started again by the upstream tests. Shared by the
// throw-away bench of frappe-env.js and the real bench of bench-env.js.

import { spawn } from "node:child_process";
import path from "node:path";
import { createClient } from "redis";
import { stopChild, trackChild, waitUntil } from "../server/util.js";

/**
 * Frappe's realtime server of `bench` (its apps/frappe/realtime/index.js, run in `bench`,
 * as `bench socketio` runs it), subscribing to Redis `events` at `redisUrl`.
 * @param {{bench: string, redisUrl: string, env?: object, log?: (line: string) => void}} o
 */
export function frappeRealtime({ bench, redisUrl, env = {}, log = () => {} }) {
    let proc = null;
    let output = "";

    /** Starts the server; resolves once it listens and `subscribers` servers (this one
     *  and others started with it) have subscribed to Redis `events` (else a publish
     *  would be lost). */
    async function start({ subscribers = 1 } = {}) {
        let mine = "";
        const child = spawn(process.execPath, [path.join(bench, "apps", "frappe", "realtime", "index.js")], {
            cwd: bench,
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        proc = child;
        trackChild(child);
        const take = (chunk) => {
            mine += chunk;
            output += chunk;
            for (const line of String(chunk).split("\n")) if (line) log(line);
        };
        child.stdout.on("data", take);
        child.stderr.on("data", take);
        const probe = createClient({ url: redisUrl });
        await probe.connect();
        try {
            await waitUntil(
                async () => {
                    if (child.exitCode !== null) throw new Error(`Frappe's realtime server exited: ${mine}`);
                    const subs = await probe.sendCommand(["PUBSUB", "NUMSUB", "events"]);
                    return /listening/i.test(mine) && Number(subs[1]) >= subscribers;
                },
                { timeout: 15000, what: "Frappe's realtime server listening and subscribed to Redis" },
            );
        } finally {
            await probe.quit();
        }
    }

    /** Kills the server as a crash does (SIGKILL: connections drop). */
    async function kill() {
        const child = proc;
        proc = null;
        await stopChild(child, "SIGKILL");
    }

    return {
        start,
        kill,
        /** Kills the server like a crash and starts it again after `downMs`, as a
         *  process manager does. */
        async restart({ downMs = 0 } = {}) {
            await kill();
            if (downMs) await new Promise((resolve) => setTimeout(resolve, downMs));
            await start();
        },
        /** Everything the server printed so far. */
        output: () => output,
    };
}
