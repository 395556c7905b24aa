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
// It also mends a caveat of the server for every client: socket.io closing a site's
// namespace under sockets still in Frappe's authentication ("site namespaces", below).
// And it paces the server's calls to its web server to what the web server takes
// (admission.js), for every client.

"use strict";

const admission = require("./admission");

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

// ---- site namespaces: the server's caveat ------------------------------------------
//
// Frappe's server sets `cleanupEmptyChildNamespaces`: socket.io (4.x) closes a site's
// namespace when a socket leaves it with no socket connected, even while others are
// still in its middleware (Frappe's authentication: a get_user_info call to the web
// server). A socket the middleware refused leaves it too (`Unauthorized: …` when that
// call failed). Those others then connect into the closed namespace, where no event
// published to the site reaches them. And the closed namespace, once its last socket
// leaves, removes the server's namespace *of its name*: the live one, orphaning every
// socket connected there. With every CONNECT refused for a while (a web server that
// starts after its realtime server), this went on over and over: a herd of 1,000 clients
// left 3,274 sockets in closed namespaces in one run, each sent back to connect again by
// this app as it was then (stop 45).
//
// From the first connection of the server's process (Frappe loads this file then) the
// app keeps each site namespace open while sockets are in its middleware
// (`holdWhileAuthenticating`), keeps a closed namespace from removing a live one
// (`guardServer`), and moves a socket that connected into a closed namespace into the
// live one with its rooms (`rehome`), without a new connection.

const PENDING = Symbol("realtime_acks: sockets in the middleware");
const GUARDED = Symbol("realtime_acks: namespaces guarded");

/** Whether `nsp` is its server's namespace for its name (socket.io closed it if not). */
const isLive = (nsp) => nsp.server._nsps.get(nsp.name) === nsp;

/**
 * Keeps the namespace `nsp` open while sockets are in its middleware. socket.io runs the
 * middleware with `nsp.run(socket, next)`, and removes a socket (one that disconnects, or
 * one refused) with `nsp._remove(socket)`, which closes the namespace by its name when no
 * socket is connected. Here a socket counts from `run` until it is connected or removed;
 * while any does, or once the namespace is closed, a removal only forgets the socket. The
 * last one to go removes it as socket.io does, closing an empty namespace then. Each
 * socket's calls to the web server are admitted from `run` on (admission.js).
 */
function holdWhileAuthenticating(nsp) {
	if (!nsp || nsp[PENDING] || typeof nsp.run !== "function" || typeof nsp._remove !== "function") return;
	const forget = Object.getPrototypeOf(nsp)._remove;
	if (typeof forget !== "function") return;
	const pending = (nsp[PENDING] = new Set());
	const run = nsp.run;
	const remove = nsp._remove;
	nsp.run = function (socket, next) {
		pending.add(socket);
		admission.watch(socket);
		// socket.io connects (or drops) the socket on the next tick after `next`; it
		// stops counting one tick later, in `sockets` by then if it connected.
		return run.call(this, socket, (err) => {
			next(err);
			process.nextTick(() => pending.delete(socket));
		});
	};
	nsp._remove = function (socket) {
		pending.delete(socket);
		return (pending.size > 0 || !isLive(this) ? forget : remove).call(this, socket);
	};
}

/**
 * Holds every site namespace of `server` from now on: the live ones, and those its
 * dynamic parent namespaces create later. A namespace closed before (out of reach) may
 * still remove its name when its last socket leaves: the server's map of namespaces
 * then keeps a namespace that has a connected socket (a namespace's own removal never
 * asks that). Sockets in the middleware of a live namespace removed so are moved when
 * they connect (`rehome`). Once per server.
 */
function guardServer(server) {
	if (!server || server[GUARDED] || !(server.parentNsps instanceof Map) || !(server._nsps instanceof Map)) return;
	server[GUARDED] = true;
	server._nsps.delete = function (name) {
		const nsp = this.get(name);
		if (nsp && nsp.sockets.size > 0) return false;
		return Map.prototype.delete.call(this, name);
	};
	for (const parent of server.parentNsps.values()) {
		if (typeof parent.createChild !== "function") continue;
		const create = parent.createChild;
		parent.createChild = function (name) {
			const nsp = create.call(this, name);
			holdWhileAuthenticating(nsp);
			return nsp;
		};
		if (parent.children instanceof Set) parent.children.forEach(holdWhileAuthenticating);
	}
}

/**
 * Moves `socket`, connected into a namespace socket.io had closed, into the live
 * namespace of that name (made as socket.io makes one for a new connection when there is
 * none), with the rooms Frappe's handlers joined: events published to the site reach it
 * from then on, and its connection stays.
 */
function rehome(socket) {
	const old = socket.nsp;
	const live = old.server.of(old.name);
	const rooms = new Set(socket.rooms);
	old.adapter.delAll(socket.id);
	old.sockets.delete(socket.id);
	socket.nsp = live;
	socket.adapter = live.adapter;
	live.sockets.set(socket.id, socket);
	live.adapter.addAll(socket.id, rooms);
}

function realtime_acks(socket) {
	admission.watch(socket);
	const nsp = socket.nsp;
	if (nsp && nsp.server && nsp.sockets instanceof Map) {
		guardServer(nsp.server);
		if (!isLive(nsp)) {
			// Where socket.io is not as expected, closing the connection sends any client
			// (Frappe's, socket.io-client, frappe-realtime) back to connect again.
			try {
				rehome(socket);
			} catch (err) {
				console.warn("realtime_acks: could not move a socket out of a closed namespace", err);
				socket.conn.close();
				return;
			}
		}
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

/**
 * The same, from the realtime server's start instead of its first connection: the
 * namespaces held and every call to the web server admitted from the first socket on.
 * Frappe loads an app's handlers only once a socket has passed its authentication, a
 * `get_user_info` call answered by the web server; when the web server comes back after
 * the realtime server and takes no call meanwhile (nothing listening: a web container
 * or gunicorn started later), every CONNECT until then is refused (`Unauthorized: …`)
 * before the app is there to admit it. A realtime server that calls `setup(io)` of each
 * app's handlers at its start (a change to Frappe's realtime/index.js: README, "Loading
 * the app at the server's start") has those calls wait at the admission while the web
 * server starts (up to its 60 s), and the CONNECTs answered when it does. Frappe today
 * never calls it.
 */
realtime_acks.setup = function setup(server) {
	guardServer(server);
};

module.exports = realtime_acks;
