// frappe.realtime (alias frappe.socketio) over RealtimeClient: the API of
// Frappe's socketio_client.js with its semantics, minus its failures
// (contract §6, §7): unlimited reconnection, rooms kept by the core across
// reconnects, no throw when async is disabled, connect errors with a hint.

// @ts-check

import { RealtimeClient } from "./client.js";
import { DeskRooms } from "./desk-rooms.js";
import { LOG_LEVELS } from "./seam.js";
import { readOptions } from "./options.js";

/** @typedef {import("./client.js").EventListener} EventListener */
/** @typedef {import("./client.js").LogLevel} LogLevel */
/** @typedef {import("./client.js").SubscriptionKind} SubscriptionKind */
/** @typedef {import("./frappe-realtime.js").FrappeRealtime} FrappeRealtime */
/** @typedef {import("./frappe-realtime.js").RealtimeEnv} RealtimeEnv */
/** @typedef {import("./frappe-realtime.js").SocketLike} SocketLike */
/** @typedef {import("./frappe-realtime.js").TaskOptions} TaskOptions */
/** @typedef {import("./frappe-realtime.js").TaskEventData} TaskEventData */

const MARK = Symbol.for("frappe-realtime");
// socket.io Manager events → the client's: 0 same name, 1 transport-level
// connect_error only, a string: that event.
/** @type {{[event: string]: 0 | 1 | string | null | undefined}} */
const MANAGER = {
  __proto__: null,
  reconnect_attempt: 0,
  reconnect: 0,
  reconnect_failed: 0,
  error: 1,
  reconnect_error: 1,
  open: "connect",
  close: "disconnect",
};

/** A `frappe.realtime` object; `env.frappe` / `env.window` default to the globals.
 *  @param {RealtimeEnv} [env]
 *  @returns {FrappeRealtime} */
export function createRealtime(env = {}) {
  const win = env.window || globalThis.window || globalThis;
  const Client = env.RealtimeClient || RealtimeClient;
  /** @type {() => any} */
  const F = () => env.frappe || win.frappe || /** @type {any} */ (globalThis).frappe || {};
  const boot = () => F().boot || {};
  /** @type {RealtimeClient | null} */
  let client = null;
  /** @type {SocketLike | null} */
  let sock = null;
  let url = "";
  let hooked = false;
  /** @type {string | null} */
  let failing = null;
  /** The rooms Desk's views hold (www/desk-rooms.js); made with the client.
   *  @type {DeskRooms | null} */
  let rooms = null;

  // Every room goes through the core, which counts its subscribers and re-joins it after
  // each reconnect. `view`: the room is held by Desk's view (`rooms`), not the application.
  /** @type {(join: number, kind: SubscriptionKind, a: any, b?: any, view?: boolean) => boolean} */
  const room = (join, kind, a, b, view) => {
    if (rt.disabled || !client || !rooms || a == null || a === "") return false;
    a = String(a);
    if (kind === "doc" || kind === "doc_open") {
      if (b == null || b === "") return false;
      b = String(b);
    } else b = undefined;
    if (join) wake();
    if (view) {
      if (kind === "doc_open") join ? rooms.open(a, /** @type {string} */ (b)) : rooms.close(a, b);
      else rooms.form(a, /** @type {string} */ (b));
    } else if (kind === "doctype" && (join ? rooms.list(a) : rooms.unlist(a))) {
      // held (or let go) by the list view on screen
    } else if (join) {
      // (The overloads of subscribe take the kind as a literal; `b` is a string for doc, doc_open.)
      client.subscribe(/** @type {any} */ (kind), a, b);
    } else client.unsubscribe(/** @type {any} */ (kind), a, b);
    if (join && diagnose && kind.startsWith("doc")) permission(kind, a, b);
    return true;
  };
  // With debug: "debug", ask the web server the question the realtime server asks before
  // it joins a doctype / doc room (has_permission): a refusal is silent on the socket.
  // www/diagnose.js, loaded then only (not part of what a page loads otherwise).
  let diagnose = false;
  /** @type {(kind: string, doctype: string, name?: string) => void} */
  const permission = (kind, doctype, name) => {
    import("./diagnose.js").then(
      (d) => d.checkPermission(win, kind, doctype, name),
      (e) => console.warn("frappe.realtime: the room diagnostics could not be loaded: " + e),
    );
  };
  const wake = () => rt.lazy_connect && rt.connect();
  const fn = (/** @type {unknown} */ f) => typeof f === "function";

  /** @type {FrappeRealtime & {[MARK]: boolean}} */
  const rt = {
    [MARK]: true,
    open_tasks: {},
    open_docs: new Set(),
    disabled: false,
    lazy_connect: false,

    init(port = 9000, lazy_connect = false) {
      if (boot().disable_async) {
        rt.disabled = true;
        return;
      }
      if (client) return;
      const proto = win.location && win.location.protocol;
      if (proto !== "http:" && proto !== "https:") {
        console.warn("frappe.realtime: not started, the page is not served over http(s)");
        return;
      }
      url = rt.get_host(port);
      let ro = boot().realtime_options;
      try {
        readOptions(ro);
      } catch (e) {
        // A bad option there must not stop the page's realtime: said, and left out.
        console.error("frappe.realtime: realtime_options ignored:", e);
        ro = null;
      }
      const options = Object.assign({ withCredentials: true, autoConnect: !lazy_connect }, ro);
      const level = debugLevel(win);
      if (level) options.debug = level;
      diagnose = options.debug === "debug" && typeof win.fetch === "function";
      rt.lazy_connect = !!lazy_connect;
      const c = (client = new Client(url, options));
      if (c.ready) c.ready.catch((e) => console.error("frappe.realtime: cannot start:", e));
      const desk = (rooms = new DeskRooms(c, { frappe: F, locals: () => win.locals || F().locals }));
      // The client's listeners (www/listeners.js): they run with `frappe.realtime.socket`
      // as `this`, like socket.io-client's.
      const ls = /** @type {{_ls: import("./listeners.js").Listeners}} */ (/** @type {unknown} */ (c))._ls;
      ls.self = rt.socket;

      // The facade's own bookkeeping, out of reach of the application's off().
      let up = false;
      ls.tap = (event, args) => {
        if (event === "connect") {
          failing = null;
          if (up) desk.reconnected();
          up = true;
        } else if (event === "disconnect") desk.park();
        else if (event === "connect_error") {
          const err = /** @type {any} */ (args[0]);
          const msg = String((err && err.message) || err);
          if (msg === failing) return; // once per streak; the client keeps retrying
          failing = msg;
          console.error("frappe.realtime: cannot connect to " + url + ": " + msg + (err && err.hint ? "\nhint: " + err.hint : ""));
        }
      };
      client.on("msgprint", (m) => fn(F().msgprint) && F().msgprint(m));
      client.on("progress", (d) => {
        if (!d) return;
        if (d.progress) d.percent = (num(win, d.progress[0]) / d.progress[1]) * 100;
        if (d.percent && fn(F().show_progress)) {
          F().show_progress(d.title || tr(win, "Progress"), d.percent, 100, d.description, true);
        }
      });
      client.on("task_status_change", (d) => d && rt.process_response(d, String(d.status).toLowerCase()));
      client.on("task_progress", (d) => rt.process_response(d, "progress"));

      // Desk's form events (jQuery): subscribe on load / rename, presence on
      // refresh, leave presence on unload. Pages without jQuery have no forms.
      // The rooms they join are held by the form (www/desk-rooms.js), apart from the
      // application's: bounded by what the tab shows.
      const $ = win.jQuery || win.$;
      if (!hooked && fn($) && win.document) {
        hooked = true;
        const form = (/** @type {string} */ events, /** @type {number} */ join, /** @type {SubscriptionKind} */ kind) =>
          $(win.document).on(events, (/** @type {unknown} */ e, /** @type {any} */ frm) => {
            if (frm && frm.doc && !(fn(frm.is_new) && frm.is_new())) room(join, kind, frm.doctype, frm.docname, true);
          });
        form("form-load form-rename", 1, "doc");
        form("form-refresh", 1, "doc_open");
        form("form-unload", 0, "doc_open");
      }
      desk.watchRoute();
    },

    get_host(port = 9000) {
      const loc = win.location || {};
      let host = loc.origin;
      if (win.dev_server) {
        const p = boot().socketio_port || (port == null ? "" : String(port)) || "9000";
        host = loc.protocol + "//" + loc.hostname + ":" + p;
      }
      return host + "/" + (boot().sitename || win.site_name || loc.hostname);
    },

    /** Connects a lazily initialised client (and retries one that stopped). */
    connect() {
      if (rt.disabled || !client) return;
      rt.lazy_connect = false;
      client.connect();
    },

    /** @param {string} event
     *  @param {EventListener} callback */
    on(event, callback) {
      if (rt.disabled || !client || !fn(callback)) return;
      wake();
      client.on(event, callback);
    },

    off(event, callback) {
      if (client && event != null) client.off(event, callback);
    },

    emit(event, ...args) {
      if (rt.disabled || !client) return;
      wake();
      client.emit(event, ...args);
    },

    publish(event, message) {
      rt.emit(event, message);
    },

    subscribe(task_id, opts) {
      if (room(1, "task", task_id)) {
        room(1, "progress", task_id);
        rt.open_tasks[task_id] = opts;
      }
    },
    task_subscribe: (task_id) => void room(1, "task", task_id),
    task_unsubscribe: (task_id) => void room(0, "task", task_id),
    doctype_subscribe: (doctype) => void room(1, "doctype", doctype),
    doctype_unsubscribe: (doctype) => void room(0, "doctype", doctype),
    doc_subscribe(doctype, docname) {
      const key = doctype + ":" + docname;
      if (!rt.open_docs.has(key) && room(1, "doc", doctype, docname)) rt.open_docs.add(key);
    },
    doc_unsubscribe(doctype, docname) {
      // Only what the application holds: the form's hold on the room stays.
      const held = rt.open_docs.delete(doctype + ":" + docname);
      if (held) room(0, "doc", doctype, docname);
      return held;
    },
    doc_open: (doctype, docname) => void room(1, "doc_open", doctype, docname),
    doc_close: (doctype, docname) => void room(0, "doc_open", doctype, docname),

    /** Calls the callbacks `subscribe(task_id, opts)` registered for a task event. */
    process_response(data, method) {
      const o = data && {}.hasOwnProperty.call(rt.open_tasks, data.task_id) && rt.open_tasks[data.task_id]; // not "constructor"
      if (!o) return;
      if (fn(o[method])) o[method](data);
      if (method === "success" && fn(o.callback)) o.callback(data);
      const req = F().request;
      if (req && fn(req.cleanup)) req.cleanup(o, data);
      if (fn(o.always)) o.always(data);
      if (/** @type {number} */ (data.status_code) > 400 && fn(o.error)) o.error(data);
    },

    /** The RealtimeClient once `init` has run. */
    get client() {
      return client;
    },

    /** What Desk and apps read from socket.io-client's Socket; undefined before `init`. */
    get socket() {
      return client ? sock || (sock = adapter(client, url)) : undefined;
    },
    /** `frappe.realtime.socket = null` closes the client so that `init` may run again. */
    set socket(value) {
      if (value || !client) return;
      client.close();
      client = sock = rooms = null;
      rt.lazy_connect = false;
      rt.open_docs.clear();
    },
  };
  return rt;
}

/** Creates `frappe.realtime` and its alias `frappe.socketio` unless one is already there.
 *  @param {any} [g] the global object
 *  @returns {FrappeRealtime} */
export function install(g = globalThis) {
  const f = g.frappe || (g.frappe = {});
  let rt = f.realtime;
  if (rt && rt.socket && !rt[MARK]) {
    console.warn("frappe-realtime: frappe.realtime is already connected by another client; keeping it");
  } else if (!(rt && rt[MARK])) {
    const old = rt;
    rt = createRealtime({ window: g.window || g });
    // frappe.provide("frappe.realtime") may have made a placeholder with extras.
    if (old && typeof old === "object") for (const k of Object.keys(old)) if (!(k in rt)) rt[k] = old[k];
    f.realtime = rt;
  }
  f.socketio = rt;
  return rt;
}

/** @param {any} win
 *  @returns {LogLevel | undefined} */
function debugLevel(win) {
  let v;
  try {
    v = win.localStorage && win.localStorage.getItem("frappe-realtime-debug");
  } catch {
    return;
  }
  if (v == null) return;
  v = String(v).trim().toLowerCase();
  if (v === "1" || v === "true") return "debug";
  return LOG_LEVELS.includes(v) ? /** @type {LogLevel} */ (v) : undefined;
}

/** @param {any} win
 *  @param {any} v */
function num(win, v) {
  return typeof win.flt === "function" ? win.flt(v) : parseFloat(v) || 0;
}

/** @param {any} win
 *  @param {string} s */
function tr(win, s) {
  return typeof win.__ === "function" ? win.__(s) : s;
}

// The Socket look-alike: listeners and emits go straight to the client.
/** @typedef {(...args: any[]) => any} Fn */
/** @param {RealtimeClient} c
 *  @param {string} uri
 *  @returns {SocketLike} */
function adapter(c, uri) {
  /** @type {Record<string, WeakMap<Fn, Fn>>} */
  const wraps = {};
  /** @type {(ev: string, f: Fn, make: (f: Fn) => Fn) => Fn} */
  const wrap = (ev, f, make) => {
    const m = wraps[ev] || (wraps[ev] = new WeakMap());
    let w = m.get(f);
    if (!w) m.set(f, (w = make(f)));
    return w;
  };
  /** @type {(ev: string, f: Fn | undefined) => [string, Fn] | null} */
  const manager = (ev, f) => {
    const m = MANAGER[ev];
    if (m === undefined || typeof f !== "function") return null;
    if (m === 0) return [ev, f];
    if (m === 1) return ["connect_error", wrap(ev, f, (g) => (/** @type {any} */ err) => (err && err.type === "ConnectError") || g(err))];
    return [/** @type {string} */ (m), f];
  };
  const transport = {
    get name() {
      return c.transport;
    },
  };
  const upgrade = (/** @type {Fn} */ f) => wrap("upgrade", f, (g) => () => g(transport));
  const engine = {
    get transport() {
      return transport;
    },
    /** @param {string} ev
     *  @param {Fn} f */
    on(ev, f) {
      if (ev === "upgrade" && typeof f === "function") c.on("upgrade", upgrade(f));
      return engine;
    },
    /** @param {string} ev
     *  @param {Fn} f */
    off(ev, f) {
      if (ev === "upgrade" && typeof f === "function") c.off("upgrade", upgrade(f));
      return engine;
    },
  };
  const io = {
    uri,
    engine,
    /** @param {string} ev
     *  @param {Fn} f */
    on(ev, f) {
      const m = manager(ev, f);
      if (m) c.on(m[0], m[1]);
      return io;
    },
    /** @param {string} ev
     *  @param {Fn} f */
    once(ev, f) {
      const m = manager(ev, f);
      if (m) c.once(m[0], m[1]);
      return io;
    },
    /** @param {string} ev
     *  @param {Fn} [f] */
    off(ev, f) {
      const m = manager(ev, f);
      if (m) c.off(m[0], m[1]);
      return io;
    },
    /** Reconnection is always on; kept for code that calls `io.reconnection(true)`.
     *  @param {boolean} [v] */
    reconnection(v) {
      return v === undefined ? true : io;
    },
  };
  const s = /** @type {SocketLike} */ ({
    io,
    get connected() {
      return c.connected;
    },
    get disconnected() {
      return !c.connected;
    },
    get id() {
      return c.id;
    },
    get active() {
      return ["connecting", "connected", "reconnecting"].includes(c.state);
    },
    /** @param {string} ev
     *  @param {EventListener} f */
    on(ev, f) {
      c.on(ev, f);
      return s;
    },
    /** @param {string} ev
     *  @param {EventListener} f */
    once(ev, f) {
      c.once(ev, f);
      return s;
    },
    /** @param {string} [ev]
     *  @param {EventListener} [f] */
    off(ev, f) {
      // By the number of arguments, as socket.io-client's (listeners.js `off`).
      c.off.apply(c, /** @type {any} */ (arguments));
      return s;
    },
    hasListeners: (/** @type {string} */ ev) => c.hasListeners(ev),
    /** @param {string} ev
     *  @param {...any} args */
    emit(ev, ...args) {
      c.emit(ev, ...args);
      return s;
    },
    emitWithAck: (/** @type {string} */ ev, /** @type {any[]} */ ...args) => c.emitWithAck(ev, ...args),
    timeout: (/** @type {number} */ ms) => c.timeout(ms),
    connect() {
      c.connect();
      return s;
    },
    disconnect() {
      c.disconnect();
      return s;
    },
  });
  s.open = s.connect;
  s.close = s.disconnect;
  return s;
}
