// Type-level usage of the package's declarations (www/*.d.ts), checked with
// `tsc --noEmit --strict` (tests/packaging/tsconfig.json, an npm test step) and,
// through the packed tarball, by tests/packaging/packaging.test.js, where this file
// is copied into a fixture project and imports "frappe-realtime" by name.
// Nothing here runs. Lines marked @ts-expect-error must fail to compile: they
// check that the declarations are strict where they should be.

import {
  RealtimeClient,
  connect,
  createRealtime,
  install,
  setWasmSource,
  whenReady,
  type ClientState,
  type ConnectError,
  type LifecycleEvent,
  type RealtimeEvents,
  type FrappeRealtime,
  type RealtimeClientOptions,
  type ReconnectScheduledInfo,
  type SocketLike,
  type TaskEventData,
  type TransportName,
} from "../../www/index.js";

export async function clientUsage(): Promise<void> {
  const options: RealtimeClientOptions = {
    withCredentials: true,
    transports: ["polling", "websocket"],
    reconnectionDelayMax: 5000,
    bufferOverflow: "drop-oldest",
    debug: "info",
    extraHeaders: { Authorization: "token key:secret" },
  };
  // @ts-expect-error an unknown transport
  const bad: RealtimeClientOptions = { transports: ["xhr"] };
  void bad;

  setWasmSource(new URL("/assets/frappe_realtime_bg.wasm", "https://erp.example.com"));
  await whenReady();

  const socket = new RealtimeClient("https://erp.example.com/erp.example.com", options);
  await socket.ready;
  socket
    .subscribe("doc", "ToDo", "TD-0001")
    .subscribe("doctype", "ToDo")
    .subscribe("task", "job-1")
    .unsubscribe("doc_open", "ToDo", "TD-0001");
  // @ts-expect-error a doc subscription needs the document name
  socket.subscribe("doc", "ToDo");
  // @ts-expect-error not a subscription kind
  socket.subscribe("room", "x");

  socket.on("connect", () => {});
  socket.on("connect_error", (err: ConnectError) => {
    const hint: string | undefined = err.hint;
    const kind: "ConnectError" | "TransportError" | "TimeoutError" = err.type;
    void hint;
    void kind;
  });
  socket.on("reconnect_scheduled", (info: ReconnectScheduledInfo) => void info.delay);
  socket.on("disconnect", (reason) => {
    // @ts-expect-error the reason is one of socket.io-client's strings
    const n: number = reason;
    void n;
  });
  socket.on("doc_update", (doc: { name: string; modified: string }) => void doc.modified);
  socket.once("list_update", () => {});
  socket.off("doc_update");

  socket.emit("my_event", { a: 1 }, (answer: unknown) => void answer);
  const answer: number = await socket.timeout(5000).emitWithAck<number>("echo_ack", 1);
  void answer;

  const state: ClientState = socket.state;
  const transport: TransportName | undefined = socket.transport;
  const id: string | undefined = socket.id;
  const connected: boolean = socket.connected;
  void [state, transport, id, connected];
  socket.debug = "debug";
  // @ts-expect-error not a log level
  socket.debug = "verbose";
  const [listeners, , , , wasmBytes]: [number, number, number, number, number] = socket.resources();
  void [listeners, wasmBytes];

  socket.reconnectNow();
  socket.disconnect().connect();
  {
    using disposable = connect("/site1", { autoConnect: false });
    disposable.connect();
  }
  socket.close();
}

export function facadeUsage(frappe: { realtime?: unknown; socketio?: unknown }): void {
  const rt: FrappeRealtime = install(globalThis);
  rt.init(9000);
  rt.init(9000, true);
  rt.init();
  const host: string = rt.get_host(9000);
  void host;
  rt.on("doc_update", (doc: unknown) => void doc);
  rt.off("doc_update");
  rt.emit("custom", 1, "two");
  rt.publish("custom", { a: 1 });
  rt.subscribe("job-1", {
    progress: (d: TaskEventData) => void d.task_id,
    success: (d) => void d.status,
    always: () => {},
  });
  rt.task_subscribe("job-1");
  rt.task_unsubscribe("job-1");
  rt.doctype_subscribe("ToDo");
  rt.doctype_unsubscribe("ToDo");
  rt.doc_subscribe("ToDo", "TD-0001");
  const was: boolean = rt.doc_unsubscribe("ToDo", "TD-0001");
  void was;
  rt.doc_open("ToDo", "TD-0001");
  rt.doc_close("ToDo", "TD-0001");
  // @ts-expect-error doc_subscribe needs the document name
  rt.doc_subscribe("ToDo");

  const socket: SocketLike | undefined = rt.socket;
  if (socket) {
    const name: TransportName | undefined = socket.io.engine.transport.name;
    void name;
    socket.io.on("reconnect_attempt", (n: number) => void n);
    socket.io.engine.on("upgrade", (t) => void t.name);
  }
  rt.socket = null;
  const disabled: boolean = rt.disabled;
  void disabled;
  frappe.socketio = frappe.realtime = rt;

  const standalone = createRealtime({
    frappe: { boot: { sitename: "site1", socketio_port: 9000, realtime_options: { debug: "warn" } } },
    window: globalThis,
  });
  standalone.init(9000, true);
}

// The lifecycle events with a typed listener are exactly the seam's (src/protocol/seam.rs).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const lifecycleEventsTyped: Same<keyof RealtimeEvents, LifecycleEvent> = true;
