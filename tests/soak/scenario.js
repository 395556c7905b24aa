// What the soak (tests/soak/soak.js) runs: the user and site, the rooms each of the two
// clients must be in, the published streams, and the defaults of a run (duration, rate,
// disconnect period, time limits and the growth thresholds that checks() applies,
// tests/soak/checks.js).

import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_USERS } from "../server/web.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const USER = "alice@example.com";
export const SITE = "site1";
export const PASSWORD = DEFAULT_USERS.find((u) => u.user === USER).pwd;

/** Rooms each client must be in: the server's own three, then what the page subscribed. */
export const ROOMS = {
  F: [`user:${USER}`, "website", "all", "doc:ToDo/SOAK-1", "doctype:ToDo", "task_progress:soak-f", "open_doc:ToDo/SOAK-2"],
  R: [`user:${USER}`, "website", "all", "doc:Note/SOAK-3", "doctype:Note", "task_progress:soak-r", "open_doc:Note/SOAK-4"],
};

/** The published streams: publish_realtime arguments, and which client's rooms get them. */
export const STREAMS = [
  { id: "F.doc", to: ["F"], via: "doc_subscribe", args: { event: "doc_update", doctype: "ToDo", docname: "SOAK-1" } },
  { id: "F.list", to: ["F"], via: "doctype_subscribe", args: { event: "list_update", doctype: "ToDo" } },
  { id: "F.task", to: ["F"], via: "task_subscribe", args: { event: "task_progress", task_id: "soak-f" } },
  { id: "F.open", to: ["F"], via: "doc_open", args: { event: "soak_open", room: "open_doc:ToDo/SOAK-2" } },
  { id: "R.doc", to: ["R"], via: "subscribe(doc)", args: { event: "doc_update", doctype: "Note", docname: "SOAK-3" } },
  { id: "R.list", to: ["R"], via: "subscribe(doctype)", args: { event: "list_update", doctype: "Note" } },
  { id: "R.task", to: ["R"], via: "subscribe(progress)", args: { event: "task_progress", task_id: "soak-r" } },
  { id: "R.open", to: ["R"], via: "subscribe(doc_open)", args: { event: "soak_open", room: "open_doc:Note/SOAK-4" } },
  { id: "user", to: ["F", "R"], via: "user room (server)", args: { event: "soak_user", user: USER } },
  { id: "all", to: ["F", "R"], via: "all room (server)", args: { event: "soak_all" } },
];

export const DEFAULTS = {
  seconds: 30 * 60,
  rate: 50, // events per second, all streams together
  period: 10, // seconds between forced disconnects
  restartEvery: 3, // every 3rd forced disconnect is an abrupt server restart
  restoreTimeoutMs: 8000, // disconnect → every room back on the server
  catchUpTimeoutMs: 3000, // quiet point: wait this long for events still in flight
  heapThreshold: 0.05,
  wasmThreshold: 0.05,
};
