// Type-level usage of the socket.io-client entry's declarations (www/socket.io-client.d.ts),
// written as Frappe SPAs and typed apps write it against socket.io-client 4.8. Checked with
// `tsc --noEmit --strict` (tests/packaging/tsconfig.json) and, by
// tests/packaging/packaging.test.js, twice more: through the packed tarball (importing
// "frappe-realtime/socket.io-client") and against socket.io-client's own declarations
// (importing "socket.io-client"), so that the file stays code that library's users write.
// Nothing here runs.

import ioDefault, { io, connect, Manager, Socket, type DisconnectDescription, type ManagerOptions, type SocketOptions } from "../../www/socket.io-client.js";

interface ServerToClientEvents {
  doc_update: (doc: { name: string; modified: string }) => void;
  list_update: (data: { doctype: string; name: string }) => void;
}
interface ClientToServerEvents {
  doc_subscribe: (doctype: string, name: string) => void;
  echo: (n: number, ack: (n: number) => void) => void;
}

/** frappe-ui's initSocket. */
export function initSocket(options: { port?: number } = {}): Socket {
  const host = window.location.hostname;
  const port = window.location.port ? `:${options.port || 9000}` : "";
  const protocol = port ? "http" : "https";
  return io(`${protocol}://${host}${port}/${host}`, { withCredentials: true });
}

/** Helpdesk / CRM / Gameplan. */
export function appSocket(): Socket {
  const socket = io("/site1", { withCredentials: true, reconnectionAttempts: 5 });
  socket.on("refetch_resource", (data: { cache_key?: string }) => console.log(data.cache_key));
  socket.emit("doc_subscribe", "CRM Lead", "L-1");
  socket.off("whatsapp_message");
  const handler = (data: unknown) => console.log(data);
  socket.on("docinfo_update", handler);
  socket.off("docinfo_update", handler);
  return socket;
}

/** frappe-react-sdk's SocketIO (default import) and its hooks. */
export function reactSdk(token: () => string): void {
  const socket = ioDefault("https://erp.example.com/site1", {
    withCredentials: true,
    secure: true,
    extraHeaders: { Authorization: `token ${token()}` },
  });
  const resubscribe = () => socket.emit("doc_subscribe", "ToDo", "TD-1");
  socket.io.on("reconnect", resubscribe);
  socket.io.off("reconnect", resubscribe);
  const listener = socket.on("doc_update", () => undefined);
  listener.off("doc_update");
}

export async function typed(): Promise<void> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ path: "/socket.io", transports: ["websocket", "polling"] });
  socket.on("doc_update", (doc) => console.log(doc.name.toUpperCase(), doc.modified));
  socket.on("connect", () => console.log(socket.id, socket.connected, socket.disconnected, socket.active, socket.recovered));
  socket.on("disconnect", (reason: Socket.DisconnectReason, description?: DisconnectDescription) => console.log(reason, description));
  socket.on("connect_error", (err) => console.log(err.message));
  socket.emit("doc_subscribe", "ToDo", "TD-1");
  socket.emit("echo", 1, (n) => console.log(n + 1));
  socket.volatile.emit("doc_subscribe", "ToDo", "TD-2");
  socket.compress(false).emit("doc_subscribe", "ToDo", "TD-3");
  const n: number = await socket.emitWithAck("echo", 2);
  console.log(n);
  socket.timeout(1000).emit("echo", 3, (err: Error | null, m: number) => console.log(err, m));
  socket.onAny((event: string, ...args: unknown[]) => console.log(event, args));
  socket.prependAny(() => undefined).offAny();
  socket.onAnyOutgoing((event: string) => console.log(event)).offAnyOutgoing();
  console.log(socket.listenersAny().length, socket.listenersAnyOutgoing().length);
  socket.send("hello");
  socket.io.on("reconnect_attempt", (attempt) => console.log(attempt + 1));
  socket.io.on("reconnect", (attempt: number) => console.log(attempt));
  socket.io.on("error", (err: Error) => console.log(err.message));
  socket.io.on("close", (reason: string) => console.log(reason));
  socket.io.engine.on("upgrade", (transport: { name: string }) => console.log(transport.name));
  console.log(socket.io.engine.transport.name);
  const attempts: number = socket.io.reconnectionAttempts();
  socket.io.reconnectionAttempts(attempts + 1).reconnectionDelay(500).reconnection(true);
  socket.disconnect().connect();
  socket.close().open();
  socket.removeAllListeners("doc_update");
  socket.removeAllListeners();
}

export function managers(): void {
  const options: Partial<ManagerOptions & SocketOptions> = { autoConnect: false, forceNew: true, auth: { token: "t" }, timeout: 5000 };
  const manager = new Manager("https://erp.example.com", options);
  const socket: Socket = manager.socket("/site1");
  manager.open((err) => console.log(err && err.message));
  socket.connect();
  const other = connect("https://erp.example.com/site2", { multiplex: false });
  other.disconnect();
}
