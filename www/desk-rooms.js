// The rooms Desk's own views hold, bounded by what the tab shows (docs/desk.md).
//
// A Desk tab lives for days and its form shows document after document: Frappe's
// client joins every one of them (`doc_subscribe` on `form-load`) and never leaves,
// and after a reconnect the server is asked again for each (one permission call to
// the web server per room). Here each room has holders, each one subscriber in the
// core's counted registry (src/protocol/rooms.rs):
//
// - the application, through frappe.realtime's API (`doc_subscribe`, `doctype_subscribe`,
//   `subscribe(task_id)`, …): kept until it lets go, re-joined after every reconnect;
// - the form, for the documents it showed (`form-load`, `form-rename`, `form-refresh`);
// - presence (`doc_open`): one document at a time, the one the form shows now, announced
//   once it has been on screen for ANNOUNCE_MS (see `open`);
// - a list view, for its doctype (list_view.js `doctype_subscribe` while the route shows
//   that list; only where `frappe.router` reports route changes).
//
// When the connection drops, the form's documents other than the one on screen and the
// list views not on screen are parked: let go (nothing is sent while disconnected), so
// the reconnect re-joins only what is on screen. A parked document may have missed its
// `doc_update`s meanwhile: after the reconnect it gets what Desk's model.js does for a
// `doc_update` of a document not on screen (dropped from `locals` unless it has unsaved
// changes, else marked `__needs_refresh`), so Desk loads it afresh — and joins its room
// again — when it is shown. A parked list view is joined again when the route shows it.

// @ts-check

/** @typedef {{subscribe(kind: string, a: string, b?: string): unknown, unsubscribe(kind: string, a: string, b?: string): unknown}} RoomClient */
/** @typedef {{frappe(): any, locals(): any}} DeskEnv */

/** @param {string} dt
 *  @param {string} dn */
const key = (dt, dn) => dt + "\u0000" + dn;

/** How long the form shows a document before this tab announces itself on it. Frappe's
 *  server joins the `doc_open` room only after a permission call to the web server but
 *  handles `doc_close` at once: a close sent while that call is in flight is lost, and the
 *  tab stays a viewer of a document it left. Announcing only what stays on screen this
 *  long keeps every close well behind its join (and sends nothing for documents the user
 *  only passed through). */
export const ANNOUNCE_MS = 1000;

export class DeskRooms {
  /** @param {RoomClient} client
   *  @param {DeskEnv} env */
  constructor(client, env) {
    this.c = client;
    this._env = env;
    /** The form's documents: key → [doctype, name].
     *  @type {Map<string, [string, string]>} */
    this._docs = new Map();
    /** The document the form shows now (presence), or null.
     *  @type {[string, string] | null} */
    this._shown = null;
    /** Presence on `_shown` was announced (`doc_open` subscribed). */
    this._announced = false;
    /** The pending announcement, if any. @type {ReturnType<typeof setTimeout> | undefined} */
    this._timer = undefined;
    /** Doctypes whose list view holds their room. @type {Set<string>} */
    this._lists = new Set();
    /** The form's documents let go at a disconnect, until the reconnect.
     *  @type {Map<string, [string, string]>} */
    this._parkedDocs = new Map();
    /** List views let go at a disconnect, until the route shows them. @type {Set<string>} */
    this._parkedLists = new Set();
    /** Whether list views can be told apart: the router reports route changes. */
    this._routed = false;
    /** Between a disconnect and the reconnect. */
    this._offline = false;
  }

  /** Follows the router, so that a parked list view comes back when shown. */
  watchRoute() {
    const router = this._env.frappe().router;
    if (this._routed || !router || typeof router.on !== "function") return;
    this._routed = true;
    router.on("change", () => {
      const dt = this._listShown();
      if (dt !== null && this._parkedLists.delete(dt)) this.list(dt);
    });
  }

  /** The doctype of the list view on screen, or null.
   *  @returns {string | null} */
  _listShown() {
    const F = this._env.frappe();
    let route;
    try {
      route = typeof F.get_route === "function" ? F.get_route() : null;
    } catch {
      return null;
    }
    return route && (route[0] === "List" || route[0] === "Tree") && typeof route[1] === "string" ? route[1] : null;
  }

  /** The form shows `dt`/`dn` (form-load, form-rename, form-refresh): its room is held.
   *  @param {string} dt
   *  @param {string} dn */
  form(dt, dn) {
    const k = key(dt, dn);
    this._parkedDocs.delete(k);
    if (this._docs.has(k)) return;
    this._docs.set(k, [dt, dn]);
    this.c.subscribe("doc", dt, dn);
  }

  /** Presence moves to `dt`/`dn` (form-refresh): the previous document is closed first,
   *  so no other user sees this tab on a document it left; the new one is announced
   *  after ANNOUNCE_MS on screen.
   *  @param {string} dt
   *  @param {string} dn */
  open(dt, dn) {
    this.form(dt, dn);
    if (this._shown && this._shown[0] === dt && this._shown[1] === dn) return;
    this.close();
    const s = (this._shown = [dt, dn]);
    this._timer = setTimeout(() => {
      this._timer = undefined;
      this._announced = true;
      this.c.subscribe("doc_open", s[0], s[1]);
    }, ANNOUNCE_MS);
    // Moving on while offline: what was on screen is not any more.
    if (this._offline) this.park();
  }

  /** Presence ends (form-unload, page hidden), for `dt`/`dn` when given.
   *  @param {string} [dt]
   *  @param {string} [dn] */
  close(dt, dn) {
    const s = this._shown;
    if (!s || (dt !== undefined && (s[0] !== dt || s[1] !== dn))) return;
    this._shown = null;
    clearTimeout(this._timer);
    this._timer = undefined;
    if (this._announced) this.c.unsubscribe("doc_open", s[0], s[1]);
    this._announced = false;
  }

  /** `doctype_subscribe(dt)` made while the route shows the list of `dt`: the list view
   *  holds the room. `false` when that cannot be told (the caller then subscribes as the
   *  application).
   *  @param {string} dt */
  list(dt) {
    this.watchRoute();
    if (!this._routed || this._listShown() !== dt) return false;
    this._parkedLists.delete(dt);
    if (!this._lists.has(dt)) {
      this._lists.add(dt);
      this.c.subscribe("doctype", dt);
    }
    return true;
  }

  /** `doctype_unsubscribe(dt)`: the list view lets go, if it held the room.
   *  @param {string} dt */
  unlist(dt) {
    this._parkedLists.delete(dt);
    if (!this._lists.delete(dt)) return false;
    this.c.unsubscribe("doctype", dt);
    return true;
  }

  /** The connection dropped: lets go of what is not on screen (see the file's header). */
  park() {
    this._offline = true;
    const s = this._shown && key(this._shown[0], this._shown[1]);
    for (const [k, [dt, dn]] of this._docs) {
      if (k === s) continue;
      this._docs.delete(k);
      this._parkedDocs.set(k, [dt, dn]);
      this.c.unsubscribe("doc", dt, dn);
    }
    const list = this._listShown();
    for (const dt of this._lists) {
      if (dt === list) continue;
      this._lists.delete(dt);
      this._parkedLists.add(dt);
      this.c.unsubscribe("doctype", dt);
    }
  }

  /** The connection is back: each parked document may be stale, so it gets what Desk
   *  does for a `doc_update` of a document not on screen (frappe/public/js/frappe/model/model.js). */
  reconnected() {
    this._offline = false;
    const locals = this._env.locals();
    const model = this._env.frappe().model;
    for (const [dt, dn] of this._parkedDocs.values()) {
      const doc = locals && locals[dt] && locals[dt][dn];
      if (!doc) continue;
      if (doc.__unsaved) doc.__needs_refresh = true;
      else if (model && typeof model.remove_from_locals === "function") model.remove_from_locals(dt, dn);
    }
    this._parkedDocs.clear();
  }
}
