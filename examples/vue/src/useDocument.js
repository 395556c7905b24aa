// A composable: live updates of one document and the connection's state.
import { onBeforeUnmount, onMounted, ref } from "vue";
import { connectionInfo, socket } from "./realtime.js";

export function useConnection() {
  const state = ref("connecting");
  const transport = ref("");
  const error = ref("");
  const update = () => {
    const info = connectionInfo();
    state.value = info.state;
    transport.value = info.transport;
  };
  const handlers = {
    connect: () => {
      error.value = "";
      update();
      // socket.io-client's idiom: the engine tells when polling is upgraded to WebSocket.
      socket.io.engine.once("upgrade", update);
    },
    disconnect: update,
    connect_error: (err) => {
      error.value = err.message;
      update();
    },
  };
  onMounted(() => {
    for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);
    socket.io.on("reconnect_attempt", update);
    if (socket.connected) update();
  });
  onBeforeUnmount(() => {
    for (const [event, fn] of Object.entries(handlers)) socket.off(event, fn);
    socket.io.off("reconnect_attempt", update);
  });
  return { state, transport, error };
}

/**
 * Joins the document's room (`doc_subscribe`, and again on the Manager's `reconnect`: a
 * restarted realtime server has forgotten it; frappe-realtime also keeps the room by
 * itself) and collects its `doc_update` events. Frappe's doc_update carries
 * `{doctype, name, modified}`: a real app refetches the document there.
 */
export function useDocument(doctype, name) {
  const modified = ref(null);
  const updates = ref([]);
  const onUpdate = (doc) => {
    if (!doc || doc.doctype !== doctype || doc.name !== name) return;
    modified.value = doc.modified;
    updates.value = [{ ...doc, received: new Date().toLocaleTimeString() }, ...updates.value].slice(0, 10);
  };
  const subscribe = () => socket.emit("doc_subscribe", doctype, name);
  onMounted(() => {
    socket.on("doc_update", onUpdate);
    socket.io.on("reconnect", subscribe);
    subscribe();
  });
  onBeforeUnmount(() => {
    socket.off("doc_update", onUpdate);
    socket.io.off("reconnect", subscribe);
    socket.emit("doc_unsubscribe", doctype, name);
  });
  return { modified, updates };
}
