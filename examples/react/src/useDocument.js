// Hooks: live updates of one document and the connection's state.
import { useEffect, useState } from "react";
import { socket } from "./realtime.js";

export function useConnection() {
  const [info, setInfo] = useState({ state: socket.state, transport: socket.transport, error: "" });
  useEffect(() => {
    const update = (error) =>
      setInfo((old) => ({ state: socket.state, transport: socket.transport, error: error ?? old.error }));
    const handlers = {
      connect: () => update(""),
      disconnect: () => update(),
      upgrade: () => update(),
      reconnect_attempt: () => update(),
      connect_error: (err) => update(err.hint ? `${err.message} (${err.hint})` : err.message),
    };
    for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);
    update();
    return () => {
      for (const [event, fn] of Object.entries(handlers)) socket.off(event, fn);
    };
  }, []);
  return info;
}

/**
 * Joins the document's room (`doc_subscribe`; the client joins it again after every
 * reconnect) and collects its `doc_update` events. Frappe's doc_update carries
 * `{doctype, name, modified}`: a real app refetches the document there.
 */
export function useDocument(doctype, name) {
  const [updates, setUpdates] = useState([]);
  useEffect(() => {
    const onUpdate = (doc) => {
      if (!doc || doc.doctype !== doctype || doc.name !== name) return;
      const entry = { ...doc, received: new Date().toLocaleTimeString() };
      setUpdates((old) => [entry, ...old].slice(0, 10));
    };
    socket.on("doc_update", onUpdate);
    socket.subscribe("doc", doctype, name);
    return () => {
      socket.off("doc_update", onUpdate);
      socket.unsubscribe("doc", doctype, name);
    };
  }, [doctype, name]);
  return { modified: updates.length ? updates[0].modified : null, updates };
}
