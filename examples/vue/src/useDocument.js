// A composable: live updates of one document and the connection's state.
import { onBeforeUnmount, onMounted, ref } from "vue";
import { socket } from "./realtime.js";

export function useConnection() {
  const state = ref(socket.state);
  const transport = ref(socket.transport);
  const error = ref("");
  const update = () => {
    state.value = socket.state;
    transport.value = socket.transport;
  };
  const handlers = {
    connect: () => {
      error.value = "";
      update();
    },
    disconnect: update,
    upgrade: update,
    reconnect_attempt: update,
    connect_error: (err) => {
      error.value = err.hint ? `${err.message} (${err.hint})` : err.message;
      update();
    },
  };
  onMounted(() => {
    for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);
    update();
  });
  onBeforeUnmount(() => {
    for (const [event, fn] of Object.entries(handlers)) socket.off(event, fn);
  });
  return { state, transport, error };
}

/**
 * Joins the document's room (`doc_subscribe`; the client joins it again after every
 * reconnect) and collects its `doc_update` events. Frappe's doc_update carries
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
  onMounted(() => {
    socket.on("doc_update", onUpdate);
    socket.subscribe("doc", doctype, name);
  });
  onBeforeUnmount(() => {
    socket.off("doc_update", onUpdate);
    socket.unsubscribe("doc", doctype, name);
  });
  return { modified, updates };
}
