// Hooks: live updates of one document and the connection's state.
import { useEffect, useState } from "react";
import { connectionInfo, socket } from "./realtime.js";

export function useConnection() {
  const [info, setInfo] = useState({ state: "connecting", transport: "", error: "" });
  useEffect(() => {
    const update = (error) => setInfo((old) => ({ ...connectionInfo(), error: error ?? old.error }));
    const handlers = {
      connect: () => {
        update("");
        // socket.io-client's idiom: the engine tells when polling is upgraded to WebSocket.
        socket.io.engine.once("upgrade", () => update());
      },
      disconnect: () => update(),
      connect_error: (err) => update(err.message),
    };
    const onAttempt = () => update();
    for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);
    socket.io.on("reconnect_attempt", onAttempt);
    if (socket.connected) update();
    return () => {
      for (const [event, fn] of Object.entries(handlers)) socket.off(event, fn);
      socket.io.off("reconnect_attempt", onAttempt);
    };
  }, []);
  return info;
}

/**
 * Joins the document's room (`doc_subscribe`, and again on the Manager's `reconnect`: a
 * restarted realtime server has forgotten it; frappe-realtime also keeps the room by
 * itself) and collects its `doc_update` events. Frappe's doc_update carries
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
    const subscribe = () => socket.emit("doc_subscribe", doctype, name);
    socket.on("doc_update", onUpdate);
    socket.io.on("reconnect", subscribe);
    subscribe();
    return () => {
      socket.off("doc_update", onUpdate);
      socket.io.off("reconnect", subscribe);
      socket.emit("doc_unsubscribe", doctype, name);
    };
  }, [doctype, name]);
  return { modified: updates.length ? updates[0].modified : null, updates };
}
