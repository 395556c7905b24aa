// Code written against socket.io-client's API, as an SPA has it; the build's alias makes
// "socket.io-client" frappe-realtime. `?realtime=<url>/<site>&name=<ToDo>`.
import { io } from "socket.io-client";

const params = new URLSearchParams(location.search);
const name = params.get("name") || "TD-0001";
const socket = io(params.get("realtime") || `${location.origin}/${window.site_name}`, { withCredentials: true });

const show = (id, text) => (document.querySelector(`[data-testid="${id}"]`).textContent = String(text));
let reconnects = 0;
let docUpdates = 0;

socket.on("connect", () => show("state", "connected"));
socket.on("disconnect", () => show("state", "disconnected"));
// The Manager's reconnect, after a lost connection came back; rejoin like an SPA does.
socket.io.on("reconnect", () => {
  show("reconnects", ++reconnects);
  socket.emit("doc_subscribe", "ToDo", name);
});
socket.on("doc_update", (doc) => {
  if (doc.doctype !== "ToDo" || doc.name !== name) return;
  show("modified", doc.modified);
  show("doc-updates", ++docUpdates);
});
socket.emit("doc_subscribe", "ToDo", name);
