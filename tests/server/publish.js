// The publishing side of Frappe's realtime (what `frappe.publish_realtime` and
// `frappe.publish_progress` do in Python), for the tests and the demo: compute the room
// with Frappe's rules, then PUBLISH `{event, message, room, namespace}` as JSON on the
// Redis channel `events`; or hand it to an in-process realtime server when there is no
// Redis. Test infrastructure only; tests/server/README.md says where the rules were read.

import { createClient } from "redis";

/**
 * Frappe's room rules (frappe/realtime.py, develop 2025):
 * - message defaults to {};
 * - no event: "task_progress" when there is a task_id, else "global";
 * - "msgprint" without user: the session user;
 * - "list_update": doctype = doctype || message.doctype, room = "doctype:<doctype>"
 *   (even when a room was given);
 * - "docinfo_update": room = "doc:<doctype>/<docname>" (even when a room was given);
 * - otherwise, when no room was given: task_id -> "task_progress:<id>" (and message.task_id
 *   is set if missing), else user -> "user:<user>", else doctype and docname ->
 *   "doc:<doctype>/<docname>", else "all".
 * @returns {{event: string, message: any, room: string}}
 */
export function computeRealtime({
    event = null,
    message = null,
    room = null,
    user = null,
    doctype = null,
    docname = null,
    task_id = null,
    session_user = "Administrator",
} = {}) {
    if (message === null || message === undefined) message = {};
    if (event === null || event === undefined) {
        event = task_id ? "task_progress" : "global";
    } else if (event === "msgprint" && !user) {
        user = session_user;
    } else if (event === "list_update") {
        doctype = doctype || (message && message.doctype);
        room = `doctype:${doctype}`;
    } else if (event === "docinfo_update") {
        room = `doc:${doctype}/${docname ?? ""}`;
    }
    if (!room) {
        if (task_id) {
            if (message && typeof message === "object" && !("task_id" in message)) {
                message = { ...message, task_id };
            }
            room = `task_progress:${task_id}`;
        } else if (user) {
            room = `user:${user}`;
        } else if (doctype && docname) {
            room = `doc:${doctype}/${docname}`;
        } else {
            room = "all";
        }
    }
    return { event, message, room };
}

/**
 * Arguments of `publish_progress(percent, title, doctype, docname, description, task_id)`
 * turned into publish_realtime arguments: event "progress", message
 * {percent, title, description}, to the session user unless a doctype and docname are given.
 */
export function progressArgs({
    percent, title = null, doctype = null, docname = null, description = null, task_id = null, session_user = "Administrator",
}) {
    return {
        event: "progress",
        message: { percent, title, description },
        user: doctype && docname ? null : session_user,
        doctype,
        docname,
        task_id,
        session_user,
    };
}

/** The `events` payload for a site: `{event, message, room, namespace}`. */
export function buildPayload(args = {}) {
    const { event, message, room } = computeRealtime(args);
    return { event, message, room, namespace: args.site ?? "site1" };
}

// Python's json.dumps(sort_keys=True, indent=1, ensure_ascii=True), as frappe.as_json
// produces it, so that the server sees the same bytes as from Frappe.
function sortKeys(value) {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value && typeof value === "object" && !(value instanceof Date)) {
        const out = {};
        for (const k of Object.keys(value).sort()) out[k] = sortKeys(value[k]);
        return out;
    }
    return value;
}

export function frappeJson(value) {
    return JSON.stringify(sortKeys(value), null, 1)
        .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A publisher on Redis: `publishRealtime(args)` resolves with the number of subscribers
 * that received the message (normally 1: the realtime server).
 * @param {string} url redis://127.0.0.1:<port>
 */
export function createRedisPublisher(url, { site = "site1" } = {}) {
    const client = createClient({
        url,
        socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(50 + retries * 50, 500) },
    });
    client.on("error", () => {
        // reconnects by itself; a publish while down rejects
    });
    let connecting = null;
    const ready = () => {
        if (!connecting) connecting = client.connect();
        return connecting;
    };
    return {
        kind: "redis",
        async publishPayload(payload) {
            await ready();
            return client.publish("events", frappeJson(payload));
        },
        async publishRealtime(args = {}) {
            return this.publishPayload(buildPayload({ site, ...args }));
        },
        async publishProgress(args) {
            return this.publishRealtime({ site, ...args, ...progressArgs(args) });
        },
        async close() {
            if (!connecting) return;
            try {
                await connecting;
            } catch {
                // never connected
            }
            try {
                await client.disconnect();
            } catch {
                // already closed
            }
        },
    };
}

/**
 * A publisher without Redis (for the demo): hands the payload to an in-process realtime
 * server. `getServer` returns the current server (it changes across restarts).
 */
export function createLocalPublisher(getServer, { site = "site1" } = {}) {
    const resolve = typeof getServer === "function" ? getServer : () => getServer;
    return {
        kind: "local",
        async publishPayload(payload) {
            const server = resolve();
            if (!server) return 0;
            // Round-trip through JSON like the Redis path does.
            return server.deliver(JSON.parse(frappeJson(payload))) ? 1 : 0;
        },
        async publishRealtime(args = {}) {
            return this.publishPayload(buildPayload({ site, ...args }));
        },
        async publishProgress(args) {
            return this.publishRealtime({ site, ...args, ...progressArgs(args) });
        },
        async close() {},
    };
}

/**
 * One-shot convenience: `publishRealtime(args, {redisUrl})` or
 * `publishRealtime(args, {publisher})`.
 */
export async function publishRealtime(args, { redisUrl, publisher } = {}) {
    if (publisher) return publisher.publishRealtime(args);
    if (!redisUrl) throw new Error("publishRealtime needs a redisUrl or a publisher");
    const p = createRedisPublisher(redisUrl, { site: args.site ?? "site1" });
    try {
        return await p.publishRealtime(args);
    } finally {
        await p.close();
    }
}

export async function publishProgress(args, options) {
    return publishRealtime({ site: args.site, ...progressArgs(args) }, options);
}
