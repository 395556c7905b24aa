// Acknowledged joins, for frappe-realtime's `joinAcks` option (README, "Acknowledged
// joins"). Frappe's realtime server (v16 and develop: realtime/index.js) loads
// `apps/<app>/realtime/handlers.js` of every app installed on the site and calls it with
// each connected socket; this is that file for the realtime_acks app.
//
// Frappe's own handlers join a room after a permission call to the web server and drop
// the join without a word when that call fails (a restart, a 502, a queue past nginx's
// timeout). A join sent with an ack id (socket.io's acknowledgements; Frappe's client
// never sends one) is handled here instead, and answered:
//   true            taken: the socket is in the room;
//   false           refused for good: the user may not see it;
//   {error: "…"}    the permission call failed: the client sends the join again later.
// Joins without an ack id, and `doc_open` (whose viewers' notice is Frappe's), go on to
// Frappe's handlers as before. A packet middleware runs before every event listener, so
// the order in which apps are loaded does not matter.
//
// It also sends a socket that connected into a site namespace socket.io had closed back
// to connect again (`orphaned`, below), for every client.

"use strict";

const PERMISSION = "/api/method/frappe.realtime.has_permission";

/** The joins answered here: for each event, the room its arguments name and the
 *  permission call's arguments (none: a task's room needs no permission). */
const JOINS = {
	doc_subscribe: (doctype, name) => [`doc:${doctype}/${name}`, { doctype, name }],
	doctype_subscribe: (doctype) => [`doctype:${doctype}`, { doctype, name: "" }],
	task_subscribe: (id) => [`task_progress:${id}`, null],
	progress_subscribe: (id) => [`task_progress:${id}`, null],
};

/** Whether the user may join: true or false from the web server, or an exception. */
async function allowed(socket, args) {
	const res = await socket.frappe_request(PERMISSION, args);
	if (res.status === 403) return false;
	if (!res.ok) throw new Error(`${res.status} from ${PERMISSION}`);
	const body = await res.json();
	return Boolean(body && body.message);
}

/**
 * Whether `socket` connected into a site namespace socket.io had already closed.
 * Frappe's server sets `cleanupEmptyChildNamespaces`: socket.io (4.x) closes a site's
 * namespace when its last socket leaves it, and a socket its middleware refuses (Frappe's
 * `Unauthorized: …` when get_user_info failed) leaves it too, while other sockets may
 * still be in that middleware; those then connect into the closed namespace, where no
 * event published to the site reaches them, until they reconnect. After a restart, with
 * a web server that refuses some calls, that is a few clients of every hundred.
 */
function orphaned(socket) {
	const nsps = socket.nsp && socket.nsp.server && socket.nsp.server._nsps;
	return nsps instanceof Map && nsps.get(socket.nsp.name) !== socket.nsp;
}

function realtime_acks(socket) {
	// Close such a socket's connection: its client (any client: Frappe's, socket.io-client,
	// frappe-realtime) connects again, into the namespace events are published to.
	if (orphaned(socket)) {
		socket.conn.close();
		return;
	}
	// Frappe before the app handlers' `socket.frappe_request`: nothing is answered here,
	// and the client does as without `joinAcks`.
	if (typeof socket.frappe_request !== "function" || typeof socket.use !== "function") return;
	socket.use((packet, next) => {
		const [event, ...args] = packet;
		const ack = args.length > 0 ? args[args.length - 1] : null;
		const join = typeof ack === "function" && Object.hasOwn(JOINS, event) && JOINS[event];
		if (!join) return next();
		args.pop();
		if (args.some((a) => typeof a !== "string" || a === "")) return ack(false);
		const [room, check] = join(...args);
		if (!check) {
			socket.join(room);
			return ack(true);
		}
		allowed(socket, check).then(
			(ok) => {
				// The socket may have gone while the web server answered.
				if (ok && socket.connected) socket.join(room);
				ack(ok);
			},
			(err) => ack({ error: String((err && err.message) || err) }),
		);
	});
}

module.exports = realtime_acks;
