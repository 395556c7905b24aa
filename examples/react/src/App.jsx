import { useConnection, useDocument } from "./useDocument.js";

const params = new URLSearchParams(location.search);
const doctype = params.get("doctype") || "ToDo";
const name = params.get("name") || "TD-0001";

export default function App() {
  const { state, transport, error } = useConnection();
  const { modified, updates } = useDocument(doctype, name);
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", margin: "2rem" }}>
      <h1>frappe-realtime · React</h1>
      <p>
        Connection: <strong data-testid="state">{state}</strong>
        {transport && (
          <span>
            {" "}over <span data-testid="transport">{transport}</span>
          </span>
        )}
      </p>
      {error && (
        <p style={{ color: "#b00020" }} data-testid="error">
          {error}
        </p>
      )}
      <h2>
        {doctype} {name}
      </h2>
      <p>
        Last modified: <strong data-testid="modified">{modified ?? "no update yet"}</strong> ({updates.length} update
        {updates.length === 1 ? "" : "s"})
      </p>
      <ul data-testid="updates">
        {updates.map((u) => (
          <li key={u.modified + u.received}>
            {u.received} · {JSON.stringify(u)}
          </li>
        ))}
      </ul>
    </main>
  );
}
