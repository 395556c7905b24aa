// Types of www/frappe-realtime.js: `frappe.realtime` (alias `frappe.socketio`)
// over RealtimeClient, with the API of Frappe's socketio_client.js.

import type {
  EventListener,
  RealtimeClient,
  RealtimeClientOptions,
  RealtimeEvents,
  TimeoutEmitter,
  TransportName,
} from "./client.js";

/** The parts of `frappe` the facade reads; all optional. */
export interface FrappeLike {
  boot?: {
    /** The site: the namespace is `/<sitename>`. */
    sitename?: string;
    /** Realtime disabled for the site: `init` sets `disabled` and every method does nothing. */
    disable_async?: boolean | 0 | 1;
    /** The realtime server's port, used when `window.dev_server` is set. */
    socketio_port?: number | string;
    /** RealtimeClient options merged over the facade's (`withCredentials`, `autoConnect`), e.g. `{debug: "info"}`. */
    realtime_options?: RealtimeClientOptions;
    [key: string]: unknown;
  };
  /** Called with the message of a `msgprint` event. */
  msgprint?: (message: unknown) => unknown;
  /** Called for a `progress` event: `(title, percent, 100, description, true)`. */
  show_progress?: (title: string, count: number, total: number, description?: string, hide_on_completion?: boolean) => unknown;
  /** `request.cleanup(opts, data)` runs after the callbacks of a task event. */
  request?: { cleanup?: (opts: TaskOptions, data: TaskEventData) => unknown };
  realtime?: unknown;
  socketio?: unknown;
  [key: string]: unknown;
}

/** What `createRealtime` reads from its environment. */
export interface RealtimeEnv {
  /** Default: `window.frappe`, read at each use. */
  frappe?: FrappeLike;
  /**
   * Default: `globalThis.window` (or `globalThis`). Read: `location`, `dev_server`,
   * `site_name`, `localStorage` (`frappe-realtime-debug`), `jQuery` / `$` and
   * `document` (form hooks), `flt`, `__`.
   */
  window?: any;
  /** The client class (default: RealtimeClient); for tests. */
  RealtimeClient?: new (url: string, options?: RealtimeClientOptions) => RealtimeClient;
}

/** The payload of `task_status_change` / `task_progress`. */
export interface TaskEventData {
  task_id: string;
  status?: string;
  status_code?: number;
  [key: string]: unknown;
}

/**
 * Callbacks of `subscribe(task_id, opts)`: on `task_status_change` the one named
 * after the lower-cased status (`success`, `failed`, …), and `callback` on
 * success; on `task_progress`, `progress`; then `always`; `error` when
 * `status_code > 400`.
 */
export interface TaskOptions {
  success?: (data: TaskEventData) => void;
  callback?: (data: TaskEventData) => void;
  progress?: (data: TaskEventData) => void;
  always?: (data: TaskEventData) => void;
  error?: (data: TaskEventData) => void;
  [method: string]: unknown;
}

/** socket.io Manager events `socket.io.on` understands. */
export type ManagerEvent =
  | "reconnect_attempt"
  | "reconnect"
  | "reconnect_failed"
  | "reconnect_error"
  | "error"
  | "open"
  | "close";

/** What Desk and apps read from socket.io-client's `Socket`, over the client. */
export interface SocketLike {
  readonly connected: boolean;
  readonly disconnected: boolean;
  readonly id: string | undefined;
  /** Connecting, connected or waiting to reconnect. */
  readonly active: boolean;
  on<E extends keyof RealtimeEvents>(event: E, listener: RealtimeEvents[E]): this;
  on(event: string, listener: EventListener): this;
  once<E extends keyof RealtimeEvents>(event: E, listener: RealtimeEvents[E]): this;
  once(event: string, listener: EventListener): this;
  off(event?: string, listener?: EventListener): this;
  hasListeners(event: string): boolean;
  /** @throws TypeError for a reserved name or arguments that cannot be serialised (a cycle, a BigInt, a Blob). */
  emit(event: string, ...args: any[]): this;
  /** @throws TypeError (synchronously, no rejected Promise) like `emit`. */
  emitWithAck<T = any>(event: string, ...args: any[]): Promise<T>;
  timeout(ms: number): TimeoutEmitter;
  connect(): this;
  open(): this;
  disconnect(): this;
  close(): this;
  /** The Manager. */
  readonly io: {
    /** The URL: origin (or the dev server's) + `/<site>`. */
    readonly uri: string;
    readonly engine: {
      /** `name` is the open transport, undefined while none is open. */
      readonly transport: { readonly name: TransportName | undefined };
      /** Only `upgrade` is delivered; the listener receives `{name: "websocket"}`. */
      on(event: "upgrade", listener: (transport: { readonly name: TransportName | undefined }) => void): unknown;
      off(event: "upgrade", listener: (transport: { readonly name: TransportName | undefined }) => void): unknown;
    };
    /**
     * `reconnect_attempt(n)`, `reconnect(n)`, `reconnect_failed()`; `error` and
     * `reconnect_error` get transport-level connect errors; `open` is `connect`
     * and `close` is `disconnect` of the namespace. Other names are ignored.
     */
    on(event: ManagerEvent, listener: (...args: any[]) => void): SocketLike["io"];
    once(event: ManagerEvent, listener: (...args: any[]) => void): SocketLike["io"];
    /** Removes `listener`; without one, nothing. */
    off(event: ManagerEvent, listener?: (...args: any[]) => void): SocketLike["io"];
    /** Reconnection cannot be turned off here: always `true`; with an argument, returns the Manager. */
    reconnection(): boolean;
    reconnection(value: boolean): SocketLike["io"];
  };
}

/** `frappe.realtime` / `frappe.socketio`. */
export interface FrappeRealtime {
  /** Callbacks of `subscribe(task_id, opts)` by task id. */
  open_tasks: Record<string, TaskOptions | undefined>;
  /** `"<doctype>:<docname>"` of the documents `doc_subscribe` joined. */
  open_docs: Set<string>;
  /** `true` once `init` found `frappe.boot.disable_async`: every method then does nothing. */
  disabled: boolean;
  /** `true` between `init(port, true)` and the first `on` / `emit` / subscription / `connect`. */
  lazy_connect: boolean;

  /**
   * Creates the client (once; http and https pages only) and installs the
   * `connect_error`, `msgprint`, `progress`, `task_status_change` and
   * `task_progress` listeners and, with jQuery, Desk's form hooks. Connects at
   * once unless `lazy_connect`. Does nothing when `frappe.boot.disable_async`.
   */
  init(port?: number | string | null, lazy_connect?: boolean): void;
  /** `origin/<site>`; with `window.dev_server`, the port is `frappe.boot.socketio_port || port || 9000`. */
  get_host(port?: number | string | null): string;
  /** Connects a lazily initialised client (and retries one that stopped). */
  connect(): void;
  /** Adds a listener and makes a lazy client connect; ignored before `init` or without a function. */
  on<E extends keyof RealtimeEvents>(event: E, callback: RealtimeEvents[E]): void;
  on(event: string, callback: EventListener): void;
  /** Removes `callback`, or every listener of `event` without one; `off()` does nothing. */
  off(event: string, callback?: EventListener): void;
  /**
   * Sends (buffered while offline) and makes a lazy client connect; ignored (nothing checked,
   * nothing sent) before `init` and when async is disabled.
   * @throws TypeError for a reserved name or arguments that cannot be serialised (a cycle, a
   *   BigInt, a Blob); nothing is sent then.
   */
  emit(event: string, ...args: any[]): void;
  /** `emit(event, message)`; throws like `emit`. */
  publish(event: string, message?: unknown): void;

  /** Joins the task's room (`task_subscribe` and `progress_subscribe`) and keeps `opts` for its events. */
  subscribe(task_id: string, opts?: TaskOptions): void;
  task_subscribe(task_id: string): void;
  task_unsubscribe(task_id: string): void;
  doctype_subscribe(doctype: string): void;
  doctype_unsubscribe(doctype: string): void;
  /** Joins the document's room; a repeat for a document already joined does nothing. */
  doc_subscribe(doctype: string, docname: string): void;
  /** Leaves the document's room; whether it was in `open_docs`. */
  doc_unsubscribe(doctype: string, docname: string): boolean;
  /** Presence: joins `open_doc:` (the server then sends `doc_viewers`). */
  doc_open(doctype: string, docname: string): void;
  doc_close(doctype: string, docname: string): void;
  /** Runs the `subscribe` callbacks of a task event (`method`: lower-cased status, or `"progress"`). */
  process_response(data: TaskEventData | null | undefined, method: string): void;

  /** The client, once `init` has created it. */
  readonly client: RealtimeClient | null;
  /** A socket.io-client `Socket` look-alike; undefined before `init`. Assigning `null` closes the client so that `init` may run again. */
  get socket(): SocketLike | undefined;
  set socket(value: null | undefined);
}

/** A new `frappe.realtime` object (not installed anywhere). */
export function createRealtime(env?: RealtimeEnv): FrappeRealtime;

/**
 * Sets `frappe.realtime` and `frappe.socketio` (the same object) on `globalObj`
 * (creating `globalObj.frappe` if needed) and returns it. Idempotent; keeps an
 * instance of this package, and another client's instance that already has a socket.
 */
export function install(globalObj?: object): FrappeRealtime;

