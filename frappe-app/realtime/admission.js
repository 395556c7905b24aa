// Admission: the realtime server's calls to its web server, sent at the pace the web
// server takes them (part of the realtime_acks app; handlers.js installs it).
//
// Every connection to Frappe's realtime server costs its web server a `get_user_info`
// call (the authentication), and every room join a `has_permission` call. After a
// restart the whole fleet makes them within a second; a web server that refuses when
// busy (gunicorn behind nginx with a full backlog: 502) turns most of them into
// refusals, which Frappe passes on as `Unauthorized: …` (the client backs off and comes
// again) or, for a join, drops without a word. No client can pace itself to a web
// server it shares with a fleet it cannot see (docs/retry-policy.md, "What no policy can
// do"); the realtime server sees its whole share of the fleet, so it paces it here:
//
// - A window of calls in flight, per realtime server, `FIRST_WINDOW` at first: the
//   calls beyond it wait in arrival order (each in its socket's middleware or event
//   handler, as they would have waited at the web server).
// - A call answered 502, 503 or 504, or that failed below HTTP (the web server down
//   or restarting), was not served. It goes again first, once one of the others is
//   answered, or after a pause when none is in flight (100 ms, doubling up to 1 s while
//   nothing is served). A refusal (a status) shrinks the window by one, unless the call
//   went alone (the web server was full of others' calls: the window is not what fills
//   it); a failure below HTTP does not (a web server down takes no call at all).
// - The window grows by one for each call served while others wait, from `CALM_MS`
//   after its last shrinking, up to `MAX_WINDOW`. Calls in transit count in the window,
//   so what the web server takes (its workers, and the calls on their way to and from
//   it) is found by trying: the window shrinks at the refusals that growing brings, at
//   most one burst of them a second; a web server that queues instead of refusing keeps
//   up to `MAX_WINDOW` of the realtime server's calls at once, as before.
//   (`node bench/admission.js`: 4,000 calls at once at 4 workers of 10 ms that refuse
//   beyond them were all served after 10.7 s, 45 refused, in 11 periods of 100 ms, none
//   two in a row; docs/retry-policy.md, "Stop 47", has the variants tried.)
// - A call goes again until `MAX_WAIT_MS` after it was made; then the last answer is
//   its caller's, and Frappe refuses as before. Its wait for a turn has no bound of its
//   own (as in gunicorn's backlog); a call whose client has gone by its turn is not
//   made (`SocketGone`). A call that failed otherwise (a timeout of the
//   caller's own, any other status) is its caller's at once.
//
// The calls are Frappe's `socket.frappe_request(path, args, opts)` (v16, develop):
// the authentication sets it on the socket and makes `get_user_info` through it, the
// handlers make `has_permission` through it, and so do apps' handlers. `watch(socket)`,
// called before the socket's middleware runs, admits whatever is set there from then
// on. With `REALTIME_ACKS_ADMISSION=off` in the realtime server's environment (read at
// each call) the calls go straight to the web server, as without the app.

"use strict";

const FIRST_WINDOW = 16;
const MAX_WINDOW = 64;
const CALM_MS = 1000;
const FIRST_PAUSE_MS = 100;
const MAX_PAUSE_MS = 1000;
const MAX_WAIT_MS = 60000;
/** What nginx answers when gunicorn refused or did not answer: the call was not served. */
const NOT_SERVED = new Set([502, 503, 504]);

const GATES = new WeakMap();
const WATCHED = Symbol("realtime_acks: frappe_request admitted");

const enabled = () => !/^(off|0|false|no)$/i.test(process.env.REALTIME_ACKS_ADMISSION || "");

/** The call's client went away while the call waited: it is not made. */
class SocketGone extends Error {
	constructor() {
		super("the client went away before its call to the web server was made");
		this.name = "SocketGone";
	}
}

/** One realtime server's window of calls to the web server. */
class Gate {
	constructor() {
		this.window = FIRST_WINDOW;
		this.inFlight = 0;
		/** @type {Array<(n: number) => void>} */
		this.waiting = [];
		this.shrunkAt = -Infinity;
		this.pauseMs = FIRST_PAUSE_MS;
		this.paused = null;
		this.stats = { made: 0, served: 0, notServed: 0, gone: 0, shrinks: 0, peakWaiting: 0, minWindow: FIRST_WINDOW };
	}

	/** Resolves when the call may go, with the calls in flight counting it; `first`: ahead of the others. */
	turn(first) {
		return new Promise((resolve) => {
			if (first) this.waiting.unshift(resolve);
			else this.waiting.push(resolve);
			this.stats.peakWaiting = Math.max(this.stats.peakWaiting, this.waiting.length);
			this.admit();
		});
	}

	admit() {
		while (!this.paused && this.inFlight < this.window && this.waiting.length > 0) {
			this.inFlight++;
			this.waiting.shift()(this.inFlight);
		}
	}

	/** A call's place is free. */
	release() {
		this.inFlight--;
		this.admit();
	}

	/** A call was served: the window grows while others wait, once calm. */
	served() {
		this.stats.served++;
		this.pauseMs = FIRST_PAUSE_MS;
		const now = Date.now();
		if (this.waiting.length > 0 && now - this.shrunkAt >= CALM_MS && this.window < MAX_WINDOW) {
			this.window++;
		}
		this.release();
	}

	/** A call sent as the `n`-th in flight was not served (`refused`: the web server
	 *  answered so). With none of ours left in flight, the next call waits a pause. */
	notServed(n, refused) {
		this.inFlight--;
		this.stats.notServed++;
		if (refused && n > 1 && this.window > 1) {
			this.window--;
			this.shrunkAt = Date.now();
			this.stats.shrinks++;
			this.stats.minWindow = Math.min(this.stats.minWindow, this.window);
		}
		if (this.inFlight > 0 || this.paused) return this.admit();
		this.paused = setTimeout(() => {
			this.paused = null;
			this.admit();
		}, this.pauseMs);
		this.paused.unref?.();
		this.pauseMs = Math.min(2 * this.pauseMs, MAX_PAUSE_MS);
	}

	/** Makes `request()` (a fetch Response) in its turn, again while not served. */
	async call(socket, request) {
		const until = Date.now() + MAX_WAIT_MS;
		for (let again = false; ; again = true) {
			const n = await this.turn(again);
			if (socket.conn && socket.conn.readyState !== "open") {
				this.stats.gone++;
				this.release();
				throw new SocketGone();
			}
			this.stats.made++;
			let res = null;
			let err = null;
			try {
				res = await request();
			} catch (e) {
				err = e;
			}
			// A caller's own timeout or abort is its own; anything else below HTTP is a
			// web server that cannot be reached now.
			const callers = err && /^(AbortError|TimeoutError)$/.test(err.name);
			if (callers) this.release();
			else if (!err && !NOT_SERVED.has(res.status)) this.served();
			else {
				this.notServed(n, !err);
				if (Date.now() < until) {
					if (res && res.body && typeof res.body.cancel === "function") res.body.cancel().catch(() => {});
					continue;
				}
			}
			if (err) throw err;
			return res;
		}
	}
}

/** The window of `server` (a socket.io Server: one realtime process). */
function gateOf(server) {
	let gate = GATES.get(server);
	if (!gate) GATES.set(server, (gate = new Gate()));
	return gate;
}

/** `request` (a socket's frappe_request) made through its server's window. */
function admitted(socket, request) {
	const admittedRequest = function (...args) {
		if (!enabled()) return request.apply(this, args);
		return gateOf(socket.nsp.server).call(socket, () => request.apply(this, args));
	};
	admittedRequest[WATCHED] = true;
	return admittedRequest;
}

/** From now on, `socket.frappe_request` (set already, or set later by Frappe's
 *  authentication) is made through its server's window. Once per socket. */
function watch(socket) {
	if (!socket || socket[WATCHED] || !socket.nsp || !socket.nsp.server) return;
	socket[WATCHED] = true;
	const wrap = (fn) => (typeof fn === "function" && !fn[WATCHED] ? admitted(socket, fn) : fn);
	let request = wrap(socket.frappe_request);
	Object.defineProperty(socket, "frappe_request", {
		configurable: true,
		enumerable: true,
		get: () => request,
		set: (fn) => {
			request = wrap(fn);
		},
	});
}

module.exports = { watch, gateOf };
