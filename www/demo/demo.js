// The frappe-realtime demo page. It uses the package exactly as Desk would:
// `install(window)` puts `frappe.realtime` (and `frappe.socketio`) on the page and
// `frappe.realtime.init(frappe.boot.socketio_port)` connects with the `sid` cookie.
// Everything the page shows comes from what the realtime server sends:
//   doc_update  (room doc:ToDo/<name>)      → the form reloads the document
//   list_update (room doctype:ToDo)         → the list reloads
//   doc_viewers (room open_doc:ToDo/<name>) → the avatars
//   progress    (room task_progress:<id>)   → frappe.show_progress → the progress bar
// and the connection indicator reads the client's state and its reconnect_scheduled
// events. No framework, nothing loaded from elsewhere.

import { install } from "/assets/frappe-realtime/pkg/index.js";

const DOCTYPE = "ToDo";
const el = (id) => document.getElementById(id);
const frappe = window.frappe;
const me = (frappe.session && frappe.session.user) || "Guest";

/** What the page did and saw, for the tests and for a look from the console. */
const demo = (window.demo = {
  history: [], // client states, in order: {state, t}
  scheduled: [], // reconnect_scheduled payloads
  events: [], // [event, detail] of the event log, oldest first
  subscriptions: [], // rooms this page subscribed to
  serverRooms: null, // {id, rooms} from the realtime server, or null
  doc: null,
  task: null,
  ready: false,
});

// ---- small helpers -------------------------------------------------------------------

async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data._error_message || data.message || `HTTP ${res.status}`);
  return data;
}

const fullName = (user) => {
  const info = frappe.boot.user_info && frappe.boot.user_info[user];
  return (info && info.fullname) || user;
};

function initials(user) {
  const words = fullName(user).split(/[\s@._-]+/).filter(Boolean);
  return (words[0] ? words[0][0] : "?").toUpperCase() + (words[1] && words.length > 2 ? words[1][0].toUpperCase() : "");
}

function hue(user) {
  let h = 7;
  for (const c of user) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
}

function avatar(node, user) {
  node.textContent = initials(user);
  node.style.setProperty("--hue", hue(user));
  node.title = user === me ? `${fullName(user)} (you)` : fullName(user);
}

const clockTime = (d = new Date()) => d.toTimeString().slice(0, 8);
/** `HH:MM:SS` of Frappe's `modified` (`YYYY-MM-DD HH:MM:SS.ffffff`). */
const modifiedTime = (m) => String(m || "").slice(11, 19);

function flash(node) {
  node.classList.remove("flash");
  void node.offsetWidth; // restart the animation
  node.classList.add("flash");
}

function summary(value) {
  if (value === undefined) return "";
  const s = typeof value === "string" ? value : JSON.stringify(value);
  return s.length > 140 ? s.slice(0, 139) + "…" : s;
}

// ---- event log -----------------------------------------------------------------------

const COLLAPSE = new Set(["progress", "reconnect_scheduled", "reconnect_attempt", "connect_error"]);
let lastEntry = null;

/** kind: "server" (published by the server), "client" (the connection), "page" (this page did it). */
function log(event, detail, kind = "server") {
  demo.events.push([event, detail]);
  if (demo.events.length > 500) demo.events.shift();
  const list = el("log");
  if (lastEntry && lastEntry.event === event && COLLAPSE.has(event) && lastEntry.node === list.firstChild) {
    lastEntry.count++;
    lastEntry.node.querySelector(".t").textContent = clockTime();
    lastEntry.node.querySelector(".d").textContent = summary(detail);
    lastEntry.node.querySelector(".n").textContent = `×${lastEntry.count}`;
    return;
  }
  const li = document.createElement("li");
  li.className = kind;
  li.innerHTML = '<span class="t"></span> <span class="e"></span> <span class="n"></span> <span class="d"></span>';
  li.querySelector(".t").textContent = clockTime();
  li.querySelector(".e").textContent = event;
  li.querySelector(".d").textContent = summary(detail);
  list.prepend(li);
  while (list.children.length > 60) list.lastChild.remove();
  lastEntry = { event, count: 1, node: li };
}

// ---- sign in -------------------------------------------------------------------------

function showLogin() {
  el("login").hidden = false;
  el("conn-text").textContent = "Not signed in";
  const form = el("login-form");
  for (const b of document.querySelectorAll(".quick button")) {
    b.addEventListener("click", () => {
      el("usr").value = b.dataset.usr;
      el("pwd").value = b.dataset.pwd;
      form.requestSubmit();
    });
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    el("login-error").textContent = "";
    el("login-submit").disabled = true;
    try {
      const res = await fetch("/api/method/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ usr: el("usr").value.trim(), pwd: el("pwd").value }).toString(),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(body.message || `HTTP ${res.status}`);
      location.reload(); // like Frappe after a login: the page boots again with the session
    } catch (err) {
      el("login-error").textContent = err.message;
      el("login-submit").disabled = false;
    }
  });
  el("usr").focus();
  demo.ready = true;
}

// ---- the app -------------------------------------------------------------------------

const rt = install(window);
let client = null;
let current = null; // the open document's name
let dirty = false;
let saving = false;
let pending = null; // a newer version that arrived while the form had unsaved edits
let viewers = [];
let nextAttempt = null; // the last reconnect_scheduled payload
let attempt = 0;
let lastError = null;
let lastState = null;
let waitingForRestart = false;

const subscriptions = new Set();
function subscribed(room, on) {
  if (on) subscriptions.add(room);
  else subscriptions.delete(room);
  demo.subscriptions = [...subscriptions];
  renderRooms();
  pollRoomsSoon();
}

// Desk's hooks, which the facade calls for `msgprint` and `progress` events.
frappe.msgprint = (message) => {
  log("msgprint", message);
  const t = el("toast");
  t.textContent = String(message);
  t.hidden = false;
  clearTimeout(t._timer);
  t._timer = setTimeout(() => (t.hidden = true), 4000);
};
frappe.show_progress = (title, count, total, description) => {
  const percent = Math.max(0, Math.min(100, (count / (total || 100)) * 100));
  setBar(percent, `${Math.round(percent)} % · ${description || title}`);
};

function setBar(percent, text) {
  el("job-fill").style.width = `${percent}%`;
  el("job-bar").setAttribute("aria-valuenow", String(Math.round(percent)));
  el("job-bar").setAttribute("aria-valuetext", text);
  el("job-text").textContent = text;
}

function startApp() {
  el("app").hidden = false;
  el("me").hidden = false;
  avatar(el("me-avatar"), me);
  el("me-name").textContent = fullName(me);
  el("logout").addEventListener("click", async () => {
    await fetch("/api/method/logout", { credentials: "same-origin" }).catch(() => {});
    rt.socket = null; // closes the client
    location.reload();
  });

  // Exactly what Desk does at boot.
  rt.init(frappe.boot.socketio_port);
  client = rt.client;
  el("c-url").textContent = rt.socket ? rt.socket.io.uri : rt.get_host();

  rt.on("connect", () => {
    lastError = null;
    nextAttempt = null;
    attempt = 0;
    log("connect", `socket ${client.id}`, "client");
    if (waitingForRestart) {
      waitingForRestart = false;
      el("restart").disabled = false;
    }
    pollRoomsSoon();
  });
  rt.on("disconnect", (reason) => {
    log("disconnect", reason, "client");
    // Offline, we no longer know who else is viewing; doc_viewers tells again after the reconnect.
    viewers = [me];
    renderViewers();
  });
  rt.on("connect_error", (err) => {
    lastError = { message: err.message, hint: err.hint, name: err.name };
    log("connect_error", `${err.name}: ${err.message}`, "client");
  });
  rt.on("reconnect_scheduled", (info) => {
    nextAttempt = info;
    demo.scheduled.push(info);
    log("reconnect_scheduled", `attempt ${info.attempt} in ${info.delay} ms`, "client");
  });
  rt.on("reconnect_attempt", (n) => {
    attempt = n;
    log("reconnect_attempt", `attempt ${n}`, "client");
  });
  rt.on("reconnect", (n) => log("reconnect", `after ${n} attempt${n === 1 ? "" : "s"}; rooms re-joined by the client`, "client"));
  rt.on("reconnect_failed", () => log("reconnect_failed", "", "client"));
  rt.on("upgrade", () => log("upgrade", "polling → websocket", "client"));

  rt.on("doc_update", onDocUpdate);
  rt.on("list_update", onListUpdate);
  rt.on("doc_viewers", onViewers);
  rt.on("progress", (d) => log("progress", d && `${Math.round(d.percent || 0)} % ${d.description || ""}`));
  rt.on("task_status_change", (d) => log("task_status_change", d && `${d.task_id}: ${d.status}`));

  // Subscriptions: the client re-joins every one of them after each reconnect.
  rt.doctype_subscribe(DOCTYPE);
  subscribed(`doctype:${DOCTYPE}`, true);
  openDoc(decodeURIComponent(location.hash.slice(1)) || "TD-0001");
  loadList();

  window.addEventListener("hashchange", () => openDoc(decodeURIComponent(location.hash.slice(1))));
  for (const id of ["f-description", "f-status", "f-priority"]) {
    el(id).addEventListener("input", () => (dirty = true));
  }
  el("doc-form").addEventListener("submit", save);
  el("server-change").addEventListener("click", changeOnServer);
  el("job-start").addEventListener("click", startJob);
  el("restart").addEventListener("click", restartRealtime);
  // frappe.realtime.connect(): retries a client that stopped (a refused connection), or
  // skips the rest of the backoff while it waits to reconnect.
  el("reconnect").addEventListener("click", () => {
    log("reconnect_now", "frappe.realtime.connect()", "page");
    rt.connect();
  });

  render();
  setInterval(render, 100);
  setInterval(pollRooms, 1000);
  demo.ready = true;
}

// ---- the document form ---------------------------------------------------------------

async function openDoc(name) {
  if (!name || name === current) return;
  if (current) {
    rt.doc_close(DOCTYPE, current);
    rt.doc_unsubscribe(DOCTYPE, current);
    subscribed(`doc:${DOCTYPE}/${current}`, false);
    subscribed(`open_doc:${DOCTYPE}/${current}`, false);
  }
  current = name;
  rt.doc_subscribe(DOCTYPE, name); // doc_update
  rt.doc_open(DOCTYPE, name); // presence: doc_viewers
  subscribed(`doc:${DOCTYPE}/${name}`, true);
  subscribed(`open_doc:${DOCTYPE}/${name}`, true);
  viewers = [me];
  renderViewers();
  markCurrent();
  el("form-title").textContent = `${DOCTYPE} ${name}`;
  el("form-note").textContent = "";
  try {
    const { data } = await api("GET", `/api/resource/${DOCTYPE}/${encodeURIComponent(name)}`);
    if (name === current) fill(data);
  } catch (err) {
    el("form-note").textContent = err.message;
  }
}

function fill(doc) {
  demo.doc = doc;
  dirty = false;
  pending = null;
  el("f-description").value = doc.description;
  el("f-status").value = doc.status;
  el("f-priority").value = doc.priority;
  el("f-modified").textContent = `Last modified ${modifiedTime(doc.modified)} by ${fullName(doc.modified_by)}`;
}

async function save(e) {
  e.preventDefault();
  if (!current) return;
  saving = true;
  el("save").disabled = true;
  try {
    const { data } = await api("PUT", `/api/resource/${DOCTYPE}/${encodeURIComponent(current)}`, {
      description: el("f-description").value,
      status: el("f-status").value,
      priority: el("f-priority").value,
    });
    fill(data);
    el("form-note").textContent = `Saved at ${modifiedTime(data.modified)}`;
    log("save", `${DOCTYPE} ${data.name}`, "page");
  } catch (err) {
    el("form-note").textContent = `Not saved: ${err.message}`;
  } finally {
    saving = false;
    el("save").disabled = false;
  }
}

async function changeOnServer() {
  log("change_on_server", `${DOCTYPE} ${current}`, "page");
  try {
    await api("POST", "/api/method/frappe_realtime.demo.change_on_server", { name: current });
  } catch (err) {
    el("form-note").textContent = err.message;
  }
}

/** `doc_update` {doctype, name, modified}: reload the document if it is not the version shown (as Desk does). */
async function onDocUpdate(data) {
  log("doc_update", data && `${data.doctype} ${data.name} modified ${modifiedTime(data.modified)}`);
  if (!data || data.doctype !== DOCTYPE || data.name !== current) return;
  if (saving || (demo.doc && demo.doc.modified === data.modified)) return; // our own save
  const { data: doc } = await api("GET", `/api/resource/${DOCTYPE}/${encodeURIComponent(data.name)}`);
  if (doc.name !== current) return;
  const note = el("form-note");
  if (dirty) {
    pending = doc;
    note.textContent = `${fullName(doc.modified_by)} changed this document. `;
    const b = document.createElement("button");
    b.type = "button";
    b.className = "link";
    b.textContent = "Load their version";
    b.addEventListener("click", () => {
      if (pending) fill(pending);
      note.textContent = "";
    });
    note.append(b);
    return;
  }
  fill(doc);
  note.textContent = `Updated live: ${fullName(doc.modified_by)} changed it at ${modifiedTime(doc.modified)}`;
  flash(el("doc-form"));
}

// ---- presence ------------------------------------------------------------------------

function onViewers(data) {
  log("doc_viewers", data && `${data.docname}: ${(data.users || []).join(", ")}`);
  if (!data || data.doctype !== DOCTYPE || data.docname !== current) return;
  viewers = Array.isArray(data.users) ? data.users : [];
  renderViewers();
}

function renderViewers() {
  const list = el("viewers");
  list.textContent = "";
  const users = viewers.includes(me) ? viewers : [me, ...viewers];
  for (const user of users) {
    const li = document.createElement("li");
    li.className = "avatar";
    li.dataset.user = user;
    avatar(li, user);
    li.setAttribute("aria-label", li.title);
    list.append(li);
  }
}

// ---- the list ------------------------------------------------------------------------

let listTimer = null;
let flashName = null;

function onListUpdate(data) {
  log("list_update", data && `${data.doctype} ${data.name} by ${data.user}`);
  if (!data || data.doctype !== DOCTYPE) return;
  flashName = data.name;
  clearTimeout(listTimer);
  listTimer = setTimeout(loadList, 50); // several updates at once: one reload
}

async function loadList() {
  let rows;
  try {
    rows = (await api("GET", `/api/resource/${DOCTYPE}`)).data;
  } catch (err) {
    el("todo-list").textContent = err.message;
    return;
  }
  const list = el("todo-list");
  list.textContent = "";
  for (const doc of rows) {
    const li = document.createElement("li");
    li.dataset.name = doc.name;
    const a = document.createElement("a");
    a.href = `#${encodeURIComponent(doc.name)}`;
    a.innerHTML = '<span class="name"></span><span class="status"></span><span class="desc"></span>';
    a.querySelector(".name").textContent = doc.name;
    a.querySelector(".desc").textContent = doc.description;
    const status = a.querySelector(".status");
    status.textContent = doc.status;
    status.dataset.status = doc.status;
    li.append(a);
    list.append(li);
    if (doc.name === flashName) flash(li);
  }
  flashName = null;
  markCurrent();
}

function markCurrent() {
  for (const li of el("todo-list").children) {
    const a = li.firstChild;
    if (li.dataset.name === current) a.setAttribute("aria-current", "true");
    else a.removeAttribute("aria-current");
  }
}

// ---- the background job --------------------------------------------------------------

async function startJob() {
  const button = el("job-start");
  button.disabled = true;
  setBar(0, "Queued");
  try {
    const { message } = await api("POST", "/api/method/frappe_realtime.demo.start_job");
    if (demo.task) {
      rt.task_unsubscribe(demo.task);
      subscribed(`task_progress:${demo.task}`, false);
    }
    demo.task = message.task_id;
    log("start_job", message.task_id, "page");
    // As Desk does for a background job: the task's room, with callbacks for its status.
    rt.subscribe(message.task_id, {
      success: () => setBar(100, "100 % · Done"),
      failed: (d) => setBar(0, `Failed: ${d.status}`),
      always: () => (button.disabled = false),
    });
    subscribed(`task_progress:${message.task_id}`, true);
  } catch (err) {
    setBar(0, err.message);
    button.disabled = false;
  }
}

// ---- restart the realtime server -----------------------------------------------------

async function restartRealtime() {
  const button = el("restart");
  button.disabled = true;
  waitingForRestart = true;
  try {
    const { message } = await api("POST", "/api/method/frappe_realtime.demo.restart_realtime");
    log("restart", `realtime server killed; back in ${message.down_ms} ms`, "page");
  } catch (err) {
    log("restart", err.message, "page");
    button.disabled = false;
    waitingForRestart = false;
  }
}

// ---- connection indicator and rooms --------------------------------------------------

const STATE_TEXT = {
  idle: "Disconnected",
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting",
  failed: "Failed",
  closed: "Closed",
};

function render() {
  const state = client ? client.state : "idle";
  const conn = el("conn");
  let text = STATE_TEXT[state] || state;
  conn.removeAttribute("data-next-at");
  if (state === "connected") {
    text = `Connected · ${client.transport || "…"}`;
  } else if (state === "reconnecting") {
    const left = nextAttempt ? nextAttempt.at - Date.now() : -1;
    if (left > 0) {
      text = `Reconnecting · attempt ${nextAttempt.attempt} in ${(left / 1000).toFixed(1)} s`;
      conn.dataset.nextAt = String(nextAttempt.at);
    } else {
      text = `Reconnecting · attempt ${attempt || (nextAttempt && nextAttempt.attempt) || 1}…`;
    }
  } else if (state === "failed") {
    text = `Failed: ${lastError ? lastError.message : "gave up"}`;
  }
  if (state !== lastState) {
    lastState = state;
    demo.history.push({ state, t: Date.now() });
    conn.dataset.state = state;
    el("conn-sr").textContent = STATE_TEXT[state] || state;
    renderRooms();
  }
  if (el("conn-text").textContent !== text) el("conn-text").textContent = text;

  el("reconnect").disabled = state === "connected" || state === "connecting";
  if (waitingForRestart && state === "failed") {
    waitingForRestart = false;
    el("restart").disabled = false;
  }
  el("c-state").textContent = text;
  el("c-transport").textContent = client.transport || "–";
  el("c-id").textContent = client.id || "–";
  const err = el("c-error");
  const showError = lastError && state !== "connected";
  err.hidden = !showError;
  if (showError) {
    err.textContent = `${lastError.name}: ${lastError.message}` + (lastError.hint ? ` — hint: ${lastError.hint}` : "");
  }
}

let polling = false;
let pollTimer = null;
function pollRoomsSoon() {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(pollRooms, 150);
}

/** The realtime server's view of this socket (its /__test/state, filtered to our socket id). */
async function pollRooms() {
  if (polling || !client) return;
  const id = client.connected ? client.id : null;
  if (!id) {
    if (demo.serverRooms) {
      demo.serverRooms = null;
      renderRooms();
    }
    return;
  }
  polling = true;
  try {
    const { message } = await api("GET", `/api/method/frappe_realtime.demo.socket_rooms?socket_id=${encodeURIComponent(id)}`);
    demo.serverRooms = message.found ? { id, rooms: message.rooms } : null;
  } catch {
    demo.serverRooms = null;
  } finally {
    polling = false;
  }
  renderRooms();
}

function renderRooms() {
  const body = el("rooms");
  const server = demo.serverRooms && client && demo.serverRooms.id === client.id ? new Set(demo.serverRooms.rooms) : null;
  const rows = [...subscriptions].map((room) => [room, true]);
  if (server) for (const room of server) if (!subscriptions.has(room)) rows.push([room, false]);
  const html = [];
  for (const [room, mine] of rows) {
    const joined = server ? server.has(room) : null;
    html.push(
      `<tr data-room="${escapeHtml(room)}" data-joined="${joined === null ? "unknown" : joined}">` +
        `<td class="room">${escapeHtml(room)}</td>` +
        `<td>${mine ? '<span class="yes" aria-label="yes">✓</span>' : '<span class="muted" title="joined by the server at connect">auto</span>'}</td>` +
        `<td>${joined === null ? '<span class="muted" aria-label="unknown">–</span>' : joined ? '<span class="yes" aria-label="joined">✓</span>' : '<span class="no" aria-label="not joined">✗</span>'}</td>` +
        "</tr>",
    );
  }
  const next = html.join("");
  if (body._html !== next) {
    body._html = next;
    body.innerHTML = next;
  }
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// ---- boot ----------------------------------------------------------------------------

if (me === "Guest") showLogin();
else startApp();
