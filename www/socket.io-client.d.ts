// Types of www/socket.io-client.js, the `socket.io-client` entry of frappe-realtime
// ("frappe-realtime/socket.io-client"): socket.io-client 4.8's exports and type names.
// A TypeScript app that aliases the module in its bundler maps it for tsc too, e.g.
// `"paths": {"socket.io-client": ["./node_modules/frappe-realtime/www/socket.io-client.d.ts"]}`.

import {
  DisconnectDescription,
  ExtendedError,
  Manager,
  ManagerOptions,
  ManagerReservedEvents,
  Socket,
  SocketOptions,
  SocketReservedEvents,
} from "./socket.js";

export type { DefaultEventsMap, EventsMap } from "./socket.js";

/** socket.io-client's `io()`: the socket of the URL's namespace (see www/socket.io-client.js). */
declare function lookup(opts?: Partial<ManagerOptions & SocketOptions>): Socket;
declare function lookup(uri?: string, opts?: Partial<ManagerOptions & SocketOptions>): Socket;
declare namespace lookup {
  const Manager: typeof import("./socket.js").Manager;
  const Socket: typeof import("./socket.js").Socket;
  const io: typeof lookup;
  const connect: typeof lookup;
}

/** The Socket.IO protocol version (5). */
export declare const protocol: number;

/** socket.io-client's transport classes, as names for `transports` (nothing to construct). */
export declare class XHR {
  static readonly transport: "polling";
}
export declare class Fetch {
  static readonly transport: "polling";
}
export declare class NodeXHR {
  static readonly transport: "polling";
}
export declare class WebSocket {
  static readonly transport: "websocket";
}
export declare class NodeWebSocket {
  static readonly transport: "websocket";
}
/** Not supported: left out of `transports`. */
export declare class WebTransport {
  static readonly transport: "";
}

export {
  DisconnectDescription,
  ExtendedError,
  Manager,
  ManagerOptions,
  ManagerReservedEvents,
  Socket,
  SocketOptions,
  SocketReservedEvents,
  lookup as io,
  lookup as connect,
  lookup as default,
};
