// Types of www/socket.js: socket.io-client's Socket and Manager over RealtimeClient, with
// the names of socket.io-client 4.8's types (so that code typed against that library
// compiles against this one). Event maps type `on` and `emit` as socket.io-client's do;
// with the default map (no map given) any event name takes any arguments.

import { RealtimeClient, RealtimeClientOptions, TransportName } from "./client.js";

/** Event names → listener types. */
export interface EventsMap {
  [event: string]: any;
}
/** Any event, any arguments. */
export interface DefaultEventsMap {
  [event: string]: (...args: any[]) => void;
}

/** The second argument of `disconnect`: not given here. */
export type DisconnectDescription = Error | { description: string; context?: unknown };

/** The argument of `connect_error` (see ConnectError in client.d.ts for `type`, `hint`). */
export interface ExtendedError extends Error {
  data?: any;
  type?: string;
  hint?: string;
}

/** A transport name, or one of the transport classes the entry exports (`XHR`, `WebSocket`, …). */
export type TransportOption = TransportName | "webtransport" | string | { readonly transport: string };

/**
 * socket.io-client's Manager options (its Engine.IO options included), and the client's
 * own (client.d.ts RealtimeClientOptions). Names the client does not use are accepted and
 * ignored (`forceNew` and `multiplex` are `io()`'s).
 */
export interface ManagerOptions extends Omit<RealtimeClientOptions, "auth" | "query" | "transports" | "timeout"> {
  /** `io()`: a Manager of its own, never a cached one. */
  forceNew?: boolean;
  /** `io()`: `false` is `forceNew`. */
  multiplex?: boolean;
  /** Time allowed for one connect attempt's transport and handshake in ms (default 20000; the CONNECT's answer then waits up to 120 s); `false`: the default. */
  timeout?: number | false;
  /** Query parameters of every request; values become strings. */
  query?: string | Record<string, unknown>;
  /** Transports in the order tried: `"polling"`, `"websocket"` (others are left out). */
  transports?: TransportOption[];
  [option: string]: unknown;
}

/** socket.io-client's Socket options. */
export interface SocketOptions {
  /** The CONNECT payload; a function is called once, when the socket is created, and must call back at once. */
  auth?: { [key: string]: any } | ((cb: (data: object) => void) => void);
  /** Default ack timeout in ms. */
  ackTimeout?: number;
  /** socket.io-client's retried emits: not supported, ignored. */
  retries?: number;
  [option: string]: unknown;
}

/** The Socket's own events. */
export interface SocketReservedEvents {
  connect: () => void;
  connect_error: (err: ExtendedError) => void;
  disconnect: (reason: Socket.DisconnectReason, description?: DisconnectDescription) => void;
}

/** The Manager's events (no `ping`, no `packet`: the core has neither as an event). */
export interface ManagerReservedEvents {
  open: () => void;
  error: (err: Error) => void;
  ping: () => void;
  packet: (packet: unknown) => void;
  close: (reason: string, description?: DisconnectDescription) => void;
  reconnect_failed: () => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect_error: (err: Error) => void;
  reconnect: (attempt: number) => void;
}

type Names<M> = keyof M & string;
type ListenNames<L> = Names<L> | keyof SocketReservedEvents;
type ListenerOf<L, E> = E extends keyof SocketReservedEvents ? SocketReservedEvents[E] : E extends keyof L ? L[E] : never;
type ArgsOf<M, E> = E extends keyof M ? (M[E] extends (...args: infer A) => any ? A : any[]) : any[];
type AllButLast<T extends any[]> = T extends [...infer H, any] ? H : any[];
type Last<T extends any[]> = T extends [...any[], infer L] ? L : any;
type FirstArg<T> = T extends (arg: infer P, ...rest: any[]) => any ? P : any;
/** What an ack resolves `emitWithAck` with: its first argument, or the one after the
 *  timeout error of an ack decorated by `timeout()`. */
type AckValue<F> = F extends (err: Error, value: infer V, ...rest: any[]) => any ? V : FirstArg<F>;
/** The arguments of an emit after `timeout()`: its ack (the last one, a function) gets the timeout error first. */
type TimeoutArgs<P extends any[]> = P extends [...infer H, infer L]
  ? L extends (...args: infer A) => infer R
    ? [...H, (err: Error, ...args: A) => R]
    : P
  : P;
/** An emit events map as `timeout(ms)` makes it (socket.io-client's DecorateAcknowledgements). */
export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: TimeoutArgs<P>) => R : E[K];
};

/** A listener of any event. */
export type AnyListener = (...args: any[]) => void;

/** The Engine.IO session, as far as apps read it. */
export interface Engine {
  /** The open transport; `name` is undefined while none is open. */
  readonly transport: { readonly name: TransportName | undefined };
  /** The Engine.IO session id: not exposed by the client, undefined. */
  readonly id: string | undefined;
  readonly readyState: "opening" | "open" | "closed";
  /** `upgrade` (the transport), `open`, `close` (the reason). */
  on(event: "upgrade" | "open" | "close" | (string & {}), listener: (...args: any[]) => void): this;
  once(event: "upgrade" | "open" | "close" | (string & {}), listener: (...args: any[]) => void): this;
  off(event?: string, listener?: (...args: any[]) => void): this;
  listeners(event: string): Function[];
  hasListeners(event: string): boolean;
}

/**
 * socket.io-client's Manager: the sockets of one server (one connection per namespace
 * here), the reconnection settings, and its events, from its sockets' lifecycle.
 */
export declare class Manager<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents> {
  constructor(opts: Partial<ManagerOptions>);
  constructor(uri?: string, opts?: Partial<ManagerOptions>);
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>);
  /** The server URL as given. */
  readonly uri: string | undefined;
  opts: Partial<ManagerOptions>;
  readonly engine: Engine;
  /** The sockets, by namespace. */
  readonly nsps: Record<string, Socket<ListenEvents, EmitEvents>>;
  _autoConnect: boolean;
  readonly _readyState: "opening" | "open" | "closed";
  readonly _reconnecting: boolean;

  on<E extends keyof ManagerReservedEvents>(event: E, listener: ManagerReservedEvents[E]): this;
  once<E extends keyof ManagerReservedEvents>(event: E, listener: ManagerReservedEvents[E]): this;
  off<E extends keyof ManagerReservedEvents>(event?: E, listener?: ManagerReservedEvents[E]): this;
  removeListener<E extends keyof ManagerReservedEvents>(event?: E, listener?: ManagerReservedEvents[E]): this;
  removeAllListeners<E extends keyof ManagerReservedEvents>(event?: E): this;
  listeners<E extends keyof ManagerReservedEvents>(event: E): ManagerReservedEvents[E][];
  hasListeners<E extends keyof ManagerReservedEvents>(event: E): boolean;

  /** Whether to reconnect; `false` also stops the current sockets from reconnecting. */
  reconnection(v: boolean): this;
  reconnection(): boolean;
  /** The settings below apply to the sockets created afterwards. */
  reconnectionAttempts(v: number): this;
  reconnectionAttempts(): number;
  reconnectionDelay(v: number): this;
  reconnectionDelay(): number;
  randomizationFactor(v: number): this;
  randomizationFactor(): number;
  reconnectionDelayMax(v: number): this;
  reconnectionDelayMax(): number;
  timeout(v: number | boolean): this;
  timeout(): number | boolean;
  /** Connects every inactive socket; `fn` gets the first `open` (no argument) or `error`. */
  open(fn?: (err?: Error) => void): this;
  connect(fn?: (err?: Error) => void): this;
  /** The socket of namespace `nsp`, created on first use. */
  socket(nsp: string, opts?: Partial<SocketOptions>): Socket<ListenEvents, EmitEvents>;
  /** Disconnects every socket. */
  _close(): void;
  disconnect(): void;
}

/**
 * socket.io-client's Socket over RealtimeClient: Frappe's room events (`doc_subscribe`, …)
 * emitted with the server's arguments are kept and sent again after every reconnect.
 */
export declare class Socket<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents> extends RealtimeClient {
  /** A socket with a Manager of its own. */
  constructor(url: string, options?: Partial<ManagerOptions & SocketOptions>);
  /** socket.io-client's form (`Manager.socket`). */
  constructor(io: Manager<any, any>, nsp: string, opts?: Partial<SocketOptions>);

  readonly io: Manager<ListenEvents, EmitEvents>;
  /** The namespace. */
  readonly nsp: string;
  /** The CONNECT payload the socket was created with. */
  auth: { [key: string]: any } | undefined;
  /** Connecting, connected or waiting to reconnect: will connect by itself. */
  readonly active: boolean;
  /** Whether the last connect restored the previous session; false unless the client reports it. */
  readonly recovered: boolean;

  on<E extends ListenNames<ListenEvents>>(event: E, listener: ListenerOf<ListenEvents, E>): this;
  once<E extends ListenNames<ListenEvents>>(event: E, listener: ListenerOf<ListenEvents, E>): this;
  off<E extends ListenNames<ListenEvents>>(event?: E, listener?: ListenerOf<ListenEvents, E>): this;
  addEventListener(event: string, listener: AnyListener): this;
  removeListener(event?: string, listener?: AnyListener): this;
  removeAllListeners(event?: string): this;
  removeEventListener(event?: string, listener?: AnyListener): this;
  listeners(event: string): Function[];

  emit<E extends Names<EmitEvents>>(event: E, ...args: ArgsOf<EmitEvents, E>): this;
  emitWithAck<E extends Names<EmitEvents>>(event: E, ...args: AllButLast<ArgsOf<EmitEvents, E>>): Promise<AckValue<Last<ArgsOf<EmitEvents, E>>>>;
  /** `emit("message", ...args)`. */
  send(...args: any[]): this;
  /** The next emit waits at most `ms` for its ack: its callback gets `(err, ...args)`. */
  timeout(ms: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
  /** The next emit is dropped unless connected. */
  readonly volatile: this;
  /** Accepted for compatibility (the browser negotiates compression). */
  compress(compress: boolean): this;

  /** Catch-all listeners of server events, `(event, ...args)`, before the event's own. */
  onAny(listener: AnyListener): this;
  prependAny(listener: AnyListener): this;
  offAny(listener?: AnyListener): this;
  listenersAny(): AnyListener[];
  /** Listeners of every emit the app makes, `(event, ...args)` without the ack. */
  onAnyOutgoing(listener: AnyListener): this;
  prependAnyOutgoing(listener: AnyListener): this;
  offAnyOutgoing(listener?: AnyListener): this;
  listenersAnyOutgoing(): AnyListener[];

  /** `disconnect()`: `connect()` / `open()` may follow (RealtimeClient's `close()` is `destroy()` here). */
  close(): this;
  /** Disconnects and releases every listener, timer and page hook; the socket cannot be used afterwards. */
  destroy(): void;
}

export declare namespace Socket {
  type DisconnectReason = "io server disconnect" | "io client disconnect" | "ping timeout" | "transport close" | "transport error" | "parse error";
}

/** `uri` resolved against the page as socket.io-client resolves it. */
export declare function resolveUrl(uri: string | undefined | null): URL;
