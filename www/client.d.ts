/// <reference lib="es2015.symbol.wellknown" />
/// <reference lib="esnext.disposable" />
// Types of www/client.js: RealtimeClient, a Socket.IO v4 client (Engine.IO v4,
// Socket.IO protocol v5) for Frappe's realtime server, compiled from Rust to wasm.

// The names the client shares with its Rust core: LifecycleEvent (the client's own
// events), EmitReservedName (names emit refuses), LogLevel (console log level, "warn" by
// default), SubscriptionKind (a Frappe room subscription kept across reconnects),
// ErrorName (the `name` of the Errors the client hands over), DropReason (why an emit
// was dropped).
// <seam>
// Generated from src/protocol/seam.rs; `SEAM_WRITE=1 cargo test --test seam` rewrites it.
export type LifecycleEvent = "connect" | "connect_error" | "disconnect" | "reconnect_scheduled" | "reconnect_attempt" | "reconnect" | "reconnect_failed" | "upgrade" | "upgradeError" | "dropped" | "error";
export type EmitReservedName = "connect" | "connect_error" | "disconnect" | "disconnecting" | "newListener" | "removeListener";
export type LogLevel = "off" | "error" | "warn" | "info" | "debug";
export type SubscriptionKind = "doctype" | "doc" | "doc_open" | "task" | "progress";
export type ErrorName = "ConnectError" | "TransportError" | "TimeoutError" | "ProtocolError" | "AckError";
export type DropReason = "buffer full" | "expired" | "larger than the server's maxPayload";
export type OptionName = "reconnection" | "reconnectionAttempts" | "reconnectionDelay" | "reconnectionDelayMax" | "randomizationFactor" | "timeout" | "transports" | "upgrade" | "tryAllTransports" | "path" | "query" | "withCredentials" | "extraHeaders" | "bufferMaxCount" | "bufferMaxAge" | "bufferOverflow" | "debug" | "autoConnect" | "ackTimeout" | "rejectionRetries" | "firstRetryDelay" | "auth" | "maxAttachments" | "maxAttachmentBytes" | "joinAcks";
// </seam>

/** An Engine.IO transport. */
export type TransportName = "polling" | "websocket";

/**
 * Where the client is: `idle` (not connecting: before `connect()` with
 * `autoConnect: false`, or after `disconnect()`), `connecting`, `connected`,
 * `reconnecting` (waiting for or making a reconnect attempt), `failed` (refused
 * by the server, or `reconnectionAttempts` exhausted), `closed` (after `close()`).
 * Before the wasm module is ready the state reads `connecting`.
 */
export type ClientState = "idle" | "connecting" | "connected" | "reconnecting" | "failed" | "closed";

/** socket.io-client's disconnect reasons. */
export type DisconnectReason =
  | "io server disconnect"
  | "io client disconnect"
  | "ping timeout"
  | "transport close"
  | "transport error"
  | "parse error";

/**
 * `ConnectError`: the server refused the namespace (CONNECT_ERROR: origin,
 * namespace, cookie, session); not retried. `TransportError`: the transport or
 * the handshake failed; retried. `TimeoutError`: no Engine.IO handshake within `timeout`, or no answer to the CONNECT within 120 s of it (Frappe's waits for its web server); retried.
 */
export type ConnectErrorType = "ConnectError" | "TransportError" | "TimeoutError";

/** The argument of `connect_error`. */
export interface ConnectError extends Error {
  name: ConnectErrorType;
  type: ConnectErrorType;
  /** The server's `data` of a CONNECT_ERROR, parsed, when it sent any. */
  data?: unknown;
  /** What to check for the known messages of Frappe's realtime server (`Invalid origin`, …). */
  hint?: string;
}

/** The argument of `error`: something the server sent that the client could not use
 *  (a malformed frame, a server event with a reserved name); the client carries on. */
export interface ProtocolError extends Error {
  name: "ProtocolError";
}

/** The argument of `error` after a trap inside the wasm (out of memory, a bug): the client restarted on a fresh
 *  module instance with the same options, subscriptions and listeners; pending acks were rejected with it. */
export interface InternalError extends Error {
  name: "InternalError";
  /** The trap (a WebAssembly.RuntimeError) or the exception that unwound through the wasm. */
  cause: unknown;
}

/** How an ack that will never come fails (timeout, disconnect, dropped emit, closed client). */
export interface AckError extends Error {
  name: "AckError";
}

/** The argument of `reconnect_scheduled`. */
export interface ReconnectScheduledInfo {
  /** The attempt that will run (1 for the first reconnect). */
  attempt: number;
  /** Milliseconds until it runs. */
  delay: number;
  /** When it runs, in `Date.now()` milliseconds. */
  at: number;
}

/** The argument of `dropped`: an emit that was never sent. */
export interface DroppedInfo {
  event: string;
  /** Offline buffer full or expired, or larger than the server's `maxPayload` (which would close the connection). */
  reason: DropReason;
}


/** The callback of an emit that asks for an ack. */
export type AckCallback = (...args: any[]) => void;

/** A listener of a server event: the event's arguments, then an ack function when the server asked for one. */
export type EventListener = (...args: any[]) => void;

/** The client's own events. Any other name is a server event. */
export interface RealtimeEvents {
  /** The namespace is connected (also after every reconnect; rooms are already re-joined). */
  connect: () => void;
  /** The connection ended. */
  disconnect: (reason: DisconnectReason) => void;
  /** An attempt failed; see `ConnectError.type` for whether it is retried. */
  connect_error: (err: ConnectError) => void;
  /** A reconnect attempt starts. */
  reconnect_attempt: (attempt: number) => void;
  /** Connected again after `attempt` attempts. */
  reconnect: (attempt: number) => void;
  /** `reconnectionAttempts` exhausted (never with the default, unlimited). */
  reconnect_failed: () => void;
  /** The next reconnect attempt is scheduled. */
  reconnect_scheduled: (info: ReconnectScheduledInfo) => void;
  /** The session moved from polling to WebSocket. */
  upgrade: (transport: "websocket") => void;
  /** The WebSocket probe failed; the session stays on polling. */
  upgradeError: () => void;
  /** A protocol error from the server's side (malformed packet, a server event with a reserved name, …), or an
   *  InternalError: the wasm trapped and the client restarted on a fresh instance with its options, subscriptions
   *  and listeners. */
  error: (err: ProtocolError | InternalError) => void;
  /** An emit was dropped without being sent (offline buffer full or expired, or too large); its ack callback gets the error. */
  dropped: (info: DroppedInfo) => void;
}

/**
 * Options of `RealtimeClient`: socket.io-client's names and defaults, except
 * where noted. Unknown names are ignored; a bad value of a known one is a
 * `TypeError` from the constructor (the first such option, in `OptionName`'s order).
 */
export interface RealtimeClientOptions {
  /** Connect when created (default `true`, as `io()`); with `false`, call `connect()`. */
  autoConnect?: boolean;
  /** Reconnect after a lost connection or a failed attempt (default `true`). */
  reconnection?: boolean;
  /** Give up after this many reconnect attempts (default `Infinity`: never; Frappe's Desk used 3). */
  reconnectionAttempts?: number;
  /**
   * First reconnect delay in ms, doubled at every attempt (default 1000). After a lost connection a
   * quicker retry may come first: see `firstRetryDelay`.
   */
  reconnectionDelay?: number;
  /**
   * First reconnect delay in ms after a connection that was up is lost (one that stayed up 5 s, or
   * the first since `connect()`), when shorter than `reconnectionDelay` (default 250); spread by `randomizationFactor`. The retries after it wait
   * `reconnectionDelay`, doubling: 250, 1000, 2000, … A blip is usually over in well under a second,
   * and the spread keeps clients from all retrying at once after a server restart. A failed first
   * connection starts from `reconnectionDelay`. Set it to `reconnectionDelay` (or more) for
   * socket.io-client's timing.
   */
  firstRetryDelay?: number;
  /** Cap of the reconnect delay in ms (default 5000). */
  reconnectionDelayMax?: number;
  /** Spread of each delay, 0 to 1 (default 0.5); at the cap the spread goes down, never past it. */
  randomizationFactor?: number;
  /**
   * @deprecated Checked and ignored. Frappe's transient `Unauthorized: …` refusal (the realtime
   * server could not reach the web server) is retried without end, each retry anywhere in a
   * window that starts at twice `reconnectionDelay` and doubles up to 60 s, not counted against
   * `reconnectionAttempts`; other rejections (no cookie, invalid origin or namespace) are never retried.
   */
  rejectionRetries?: number;
  /** Time allowed for one attempt's transport and Engine.IO handshake, in ms (default 20000); the answer to the namespace's CONNECT then waits up to 120 s (or until this runs out, when later). */
  timeout?: number;
  /**
   * Transports in the order tried. Default `["websocket", "polling"]`: a WebSocket, and
   * polling when it cannot open; `["polling", "websocket"]` (polling, then an upgrade)
   * when `extraHeaders` is set, since only polling requests carry headers.
   */
  transports?: TransportName[];
  /** Upgrade from polling to WebSocket when the server offers it (default `true`). */
  upgrade?: boolean;
  /** When the first transport cannot open, try the next one in the same attempt (default `true`; socket.io-client: `false`). */
  tryAllTransports?: boolean;
  /** Engine.IO path (default `"/socket.io/"`). */
  path?: string;
  /** Extra query parameters of every Engine.IO request. */
  query?: Record<string, string>;
  /** Send cookies on cross-origin polling requests (default `true` here: Frappe authenticates with its `sid` cookie). */
  withCredentials?: boolean;
  /** Extra headers of polling requests, e.g. `{Authorization: "token key:secret"}`; browsers cannot set headers on a WebSocket. */
  extraHeaders?: Record<string, string>;
  /** Payload of the namespace CONNECT (a plain object; Frappe does not use one). */
  auth?: Record<string, unknown>;
  /** Most emits kept while disconnected (default 100; 0 disables the buffer). socket.io-client: unbounded. */
  bufferMaxCount?: number;
  /** How long an emit may wait in the offline buffer, in ms (default 60000). */
  bufferMaxAge?: number;
  /** What a full buffer does with one more emit (default `"drop-oldest"`). Every drop is reported by `dropped`. */
  bufferOverflow?: "drop-oldest" | "drop-newest";
  /** Default ack timeout in ms for emits with a callback (none by default). */
  ackTimeout?: number;
  /** Most binary attachments one packet from the server may announce (default 10, as socket.io-parser). More closes the connection (`parse error`, a ProtocolError on `error` first), then the client reconnects. */
  maxAttachments?: number;
  /** Most bytes held for the attachments of one binary packet still arriving (default 100 000 000). More closes the connection like `maxAttachments`. */
  maxAttachmentBytes?: number;
  /**
   * The server answers joins (default false): every join (`subscribe`, `doc_subscribe`, …) asks for an ack,
   * a join answered as failed is sent again after a growing wait, and a reconnect sends its joins a few at a
   * time as the answers come. Frappe's realtime server answers none; the companion Frappe app in frappe-app/
   * makes it answer (README, "Acknowledged joins"). On a server that answers nothing this changes nothing but
   * the ack ids on the joins.
   */
  joinAcks?: boolean;
  /** Console log level (default `"warn"`). */
  debug?: LogLevel;
  /**
   * Share one connection between the tabs of this origin (docs/shared.md): `true` / `"worker"`
   * (a SharedWorker; Web Locks leader election where there is none), `"locks"` (leader
   * election always). Off by default.
   */
  shared?: boolean | "worker" | "locks";
  /** Shared mode: where www/shared-worker.js is served (default: next to www/shared.js). */
  workerUrl?: string | URL;
  /** Shared mode: extra text in the sharing key, e.g. the user in an SPA without Frappe's boot data. */
  sharedKey?: string;
}

/** What `setWasmSource` accepts: a URL, a fetch `Response`, the bytes or a compiled module (or a promise of one). */
export type WasmSource =
  | RequestInfo
  | URL
  | Response
  | BufferSource
  | WebAssembly.Module
  | Promise<RequestInfo | URL | Response | BufferSource | WebAssembly.Module>;

/** `timeout(ms)`: emits whose ack must arrive within `ms`. */
export interface TimeoutEmitter {
  /** The callback, last argument, receives `(err, ...ackArgs)`; `err` is `null` or the timeout / disconnect `Error`. */
  emit(event: string, ...args: any[]): RealtimeClient;
  /** A promise of the ack's first argument; rejects on timeout or disconnect. */
  emitWithAck<T = any>(event: string, ...args: any[]): Promise<T>;
}

/**
 * A Socket.IO client for one namespace (`https://host[:port]/<site>`).
 * Usable at once: calls made before the wasm module is ready are queued.
 */
export class RealtimeClient {
  /**
   * @param url `http(s)://host[:port]/<namespace>`; a relative URL resolves against the page.
   * @throws TypeError when `url` is not a string or not a URL, or for a bad option
   *   (named in the message), at once, whether the wasm module has loaded or not.
   */
  constructor(url: string, options?: RealtimeClientOptions);

  /** Resolves once the wasm module is loaded and the client exists; rejects if either failed. */
  readonly ready: Promise<void>;

  on<E extends keyof RealtimeEvents>(event: E, listener: RealtimeEvents[E]): this;
  on(event: string, listener: EventListener): this;
  once<E extends keyof RealtimeEvents>(event: E, listener: RealtimeEvents[E]): this;
  once(event: string, listener: EventListener): this;
  /** Removes `listener` (its first registration) from `event`; every listener of `event` without `listener`; every listener without arguments. */
  off<E extends keyof RealtimeEvents>(event: E, listener?: RealtimeEvents[E]): this;
  off(event?: string, listener?: EventListener): this;

  /**
   * Sends `event` (buffered while disconnected). A function as the last argument receives the ack.
   * @throws TypeError for an empty or reserved name (`connect`, `connect_error`, `disconnect`,
   *   `disconnecting`, `newListener`, `removeListener`) or arguments that cannot be serialised (a cycle,
   *   a BigInt, a Blob); nothing is sent then. Other values follow JSON.stringify (`undefined`
   *   and functions inside the arguments become `null` or are left out).
   */
  emit(event: string, ...args: any[]): this;
  /**
   * Sends `event` and resolves with the ack's first argument; rejects on timeout (`ackTimeout`) or disconnect.
   * @throws TypeError (synchronously, not a rejected Promise) like `emit`.
   */
  emitWithAck<T = any>(event: string, ...args: any[]): Promise<T>;
  /** socket.io-client's `timeout(ms).emit(...)` / `.emitWithAck(...)`. */
  timeout(ms: number): TimeoutEmitter;

  /**
   * Registers a Frappe room subscription and joins it now if connected; the
   * client joins it again after every reconnect. A repeat is ignored.
   * `doctype`: `doctype_subscribe(first)`; `doc`: `doc_subscribe(first, second)`;
   * `doc_open`: `doc_open(first, second)`; `task`: `task_subscribe(first)`;
   * `progress`: `progress_subscribe(first)`.
   */
  subscribe(kind: "doc" | "doc_open", doctype: string, name: string): this;
  subscribe(kind: "doctype" | "task" | "progress", first: string): this;
  /** Forgets a subscription and leaves its room (`doctype_unsubscribe`, `doc_unsubscribe`, `doc_close`, `task_unsubscribe`). */
  unsubscribe(kind: "doc" | "doc_open", doctype: string, name: string): this;
  unsubscribe(kind: "doctype" | "task" | "progress", first: string): this;

  /** Connects; while waiting to reconnect, tries now. */
  connect(): this;
  /** Same as `connect()`. */
  open(): this;
  /** Disconnects (`io client disconnect`) and stops reconnecting; `connect()` may follow. */
  disconnect(): this;
  /** Disconnects and releases every listener, timer and page hook; the client cannot be used afterwards. */
  close(): void;
  [Symbol.dispose](): void;
  /** Tries to reconnect now instead of waiting for the backoff (the client already does on `online` and when the tab becomes visible). */
  reconnectNow(): void;

  /** Whether `event` has a listener. */
  hasListeners(event: string): boolean;
  /** The listeners of `event`, in registration order. */
  listeners(event: string): Function[];
  /** Whether the namespace is connected. */
  readonly connected: boolean;
  readonly disconnected: boolean;
  /** The socket id while connected. */
  readonly id: string | undefined;
  /** The open transport. */
  readonly transport: TransportName | undefined;
  readonly state: ClientState;
  /** Emits waiting in the offline buffer. */
  readonly buffered: number;
  /** Console log level; settable at run time. */
  debug: LogLevel;
  /**
   * For leak checks: `[listeners, transports, timer armed (0/1), page listeners, wasm
   * memory bytes]`. The last is the size of the module instance's linear memory, which
   * all clients of a page share and which never shrinks (docs/reliability.md).
   */
  resources(): [number, number, number, number, number];
}

/** Where the wasm module comes from; call before the first client. */
export function setWasmSource(source: WasmSource): void;
/** Resolves once the wasm module is instantiated. */
export function whenReady(): Promise<unknown>;
/** `io(url, options)`-style shorthand for `new RealtimeClient(url, options)`. */
export function connect(url: string, options?: RealtimeClientOptions): RealtimeClient;
