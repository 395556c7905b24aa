export { RealtimeClient, connect, setWasmSource, whenReady } from "./client.js";
export type {
  AckCallback,
  AckError,
  ClientState,
  ConnectError,
  ConnectErrorType,
  DisconnectReason,
  DropReason,
  DroppedInfo,
  EmitReservedName,
  ErrorName,
  EventListener,
  LifecycleEvent,
  LogLevel,
  ProtocolError,
  ReconnectScheduledInfo,
  RealtimeClientOptions,
  RealtimeEvents,
  SubscriptionKind,
  TimeoutEmitter,
  TransportName,
  WasmSource,
} from "./client.js";
export { createRealtime, install } from "./frappe-realtime.js";
export type {
  FrappeLike,
  FrappeRealtime,
  ManagerEvent,
  RealtimeEnv,
  SocketLike,
  TaskEventData,
  TaskOptions,
} from "./frappe-realtime.js";
