// The sdk's event-listener hooks on one ToDo: useFrappeDocumentEventListener
// (doc_subscribe, doc_open, doc_update, and doc_subscribe again on the Manager's
// `reconnect`) and useFrappeDocTypeEventListener (doctype_subscribe, list_update).
import { useCallback, useContext, useEffect, useState } from "react";
import { FrappeContext, useFrappeDocTypeEventListener, useFrappeDocumentEventListener } from "frappe-react-sdk";

const name = new URLSearchParams(location.search).get("name") || "TD-0001";

export default function App() {
  const { socket } = useContext(FrappeContext);
  const [state, setState] = useState("connecting");
  const [reconnects, setReconnects] = useState(0);
  const [doc, setDoc] = useState({ modified: null, count: 0 });
  const [list, setList] = useState({ last: null, count: 0 });

  useEffect(() => {
    const update = () => setState(socket.connected ? "connected" : "disconnected");
    const onReconnect = () => setReconnects((n) => n + 1);
    socket.on("connect", update);
    socket.on("disconnect", update);
    socket.io.on("reconnect", onReconnect);
    update();
    return () => {
      socket.off("connect", update);
      socket.off("disconnect", update);
      socket.io.off("reconnect", onReconnect);
    };
  }, [socket]);

  const onDocUpdate = useCallback((d) => {
    if (d.doctype === "ToDo" && d.name === name) setDoc((old) => ({ modified: d.modified, count: old.count + 1 }));
  }, []);
  useFrappeDocumentEventListener("ToDo", name, onDocUpdate);

  const onListUpdate = useCallback((d) => {
    if (d.doctype === "ToDo") setList((old) => ({ last: d.name, count: old.count + 1 }));
  }, []);
  useFrappeDocTypeEventListener("ToDo", onListUpdate);

  return (
    <main>
      <h1>frappe-react-sdk · frappe-realtime</h1>
      <p>
        Socket: <strong data-testid="state">{state}</strong>, reconnects: <span data-testid="reconnects">{reconnects}</span>
      </p>
      <p>
        ToDo {name} modified: <strong data-testid="modified">{doc.modified ?? "no update yet"}</strong> (
        <span data-testid="doc-updates">{doc.count}</span>)
      </p>
      <p>
        list_update: <strong data-testid="list-last">{list.last ?? "none yet"}</strong> (
        <span data-testid="list-updates">{list.count}</span>)
      </p>
    </main>
  );
}
