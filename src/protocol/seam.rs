//! The seam between Rust and JS: every name and number that crosses it, defined once.
//!
//! The browser driver and the JS half of the package (`src/browser/glue.js`, `www/`)
//! agree on input kinds, lifecycle event names, reserved names, log levels, room kinds
//! and error names. They are written here and nowhere else: [`render_js`] turns them
//! into JS source, and `tests/seam.rs` fails when a generated copy (`www/seam.js`, the
//! marked block of `glue.js`) differs from it, or when `www/client.d.ts` does not
//! declare a name. `SEAM_WRITE=1 cargo test --test seam` rewrites the copies.
//!
//! Pure data: compiled on the host like the rest of the core, so `cargo test` sees it.

use alloc::string::String;

/// What the JS hub feeds the driver through `hub.input(kind, id, data)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// Transport `id` opened.
    Open,
    /// A text frame (or a polling response) on transport `id`.
    Text,
    /// A binary frame on transport `id`.
    Binary,
    /// Transport `id` closed.
    Closed,
    /// Transport `id` failed.
    Failed,
    /// A polling POST of transport `id` completed.
    Sent,
    /// The client's timer fired.
    Timeout,
    /// The page asks for a reconnect now (online, visible, pageshow).
    TryNow,
    /// The page asks the client to look at its deadlines (offline).
    Check,
    /// A listener answered the server's ack request `id` (`data`: the arguments).
    Ack,
}

impl Input {
    /// Every input, by its number (`ALL[n]` has number `n`).
    pub const ALL: [Input; 10] = [
        Input::Open,
        Input::Text,
        Input::Binary,
        Input::Closed,
        Input::Failed,
        Input::Sent,
        Input::Timeout,
        Input::TryNow,
        Input::Check,
        Input::Ack,
    ];

    /// The input with number `n`.
    pub fn from_number(n: u32) -> Option<Input> {
        Input::ALL.get(n as usize).copied()
    }

    /// Its name in JS (a constant of `glue.js`).
    pub fn js_name(self) -> &'static str {
        match self {
            Input::Open => "OPEN",
            Input::Text => "TEXT",
            Input::Binary => "BINARY",
            Input::Closed => "CLOSED",
            Input::Failed => "FAILED",
            Input::Sent => "SENT",
            Input::Timeout => "TIMEOUT",
            Input::TryNow => "TRY_NOW",
            Input::Check => "CHECK",
            Input::Ack => "ACK",
        }
    }
}

/// The client's own (lifecycle) events. An application listens to them with `on`; the
/// server can never fire them: a server event with one of these names is refused
/// (see [`is_reserved`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    /// The namespace connected.
    Connect,
    /// A connection attempt failed (an `Error` with `type` and `data`).
    ConnectError,
    /// The connection ended (socket.io-client's reason string).
    Disconnect,
    /// A reconnect attempt is scheduled (`{attempt, delay, at}`).
    ReconnectScheduled,
    /// A reconnect attempt starts (its number).
    ReconnectAttempt,
    /// A reconnect succeeded (the attempt's number).
    Reconnect,
    /// `reconnectionAttempts` are exhausted.
    ReconnectFailed,
    /// The transport was upgraded to WebSocket (`"websocket"`).
    Upgrade,
    /// The upgrade probe failed; the client stays on polling.
    UpgradeError,
    /// The offline buffer dropped an emit (`{event, reason}`).
    Dropped,
    /// A protocol problem the client survived (a `ProtocolError`).
    Error,
}

impl Lifecycle {
    /// Every lifecycle event.
    pub const ALL: [Lifecycle; 11] = [
        Lifecycle::Connect,
        Lifecycle::ConnectError,
        Lifecycle::Disconnect,
        Lifecycle::ReconnectScheduled,
        Lifecycle::ReconnectAttempt,
        Lifecycle::Reconnect,
        Lifecycle::ReconnectFailed,
        Lifecycle::Upgrade,
        Lifecycle::UpgradeError,
        Lifecycle::Dropped,
        Lifecycle::Error,
    ];

    /// The event name listeners use (socket.io-client's where it has one).
    pub fn name(self) -> &'static str {
        match self {
            Lifecycle::Connect => "connect",
            Lifecycle::ConnectError => "connect_error",
            Lifecycle::Disconnect => "disconnect",
            Lifecycle::ReconnectScheduled => "reconnect_scheduled",
            Lifecycle::ReconnectAttempt => "reconnect_attempt",
            Lifecycle::Reconnect => "reconnect",
            Lifecycle::ReconnectFailed => "reconnect_failed",
            Lifecycle::Upgrade => "upgrade",
            Lifecycle::UpgradeError => "upgradeError",
            Lifecycle::Dropped => "dropped",
            Lifecycle::Error => "error",
        }
    }
}

/// The names socket.io reserves on a socket: an application may listen to them but
/// never emit them (socket.io-client throws; so does `emit` here).
pub const EMIT_RESERVED: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// The one rule for reserved names: a name the application cannot emit
/// ([`EMIT_RESERVED`]) or a lifecycle event's name. A server event with such a name
/// never reaches a listener; the client reports it instead.
pub fn is_reserved(name: &str) -> bool {
    EMIT_RESERVED.contains(&name) || Lifecycle::ALL.iter().any(|l| l.name() == name)
}

/// Console log levels, least first; the `debug` option takes their names (and
/// `"false"` / `"true"` for off / debug).
pub const LOG_LEVELS: [&str; 5] = ["off", "error", "warn", "info", "debug"];

/// The index in [`LOG_LEVELS`] of a `debug` value.
pub fn log_level(value: &str) -> Option<usize> {
    match value {
        "false" => Some(0),
        "true" => Some(4),
        _ => LOG_LEVELS.iter().position(|l| *l == value),
    }
}

/// The kinds `subscribe(kind, …)` takes, in the order of
/// [`crate::protocol::rooms::SubscriptionKind`].
pub const ROOM_KINDS: [&str; 5] = ["doctype", "doc", "doc_open", "task", "progress"];

/// The `name` of every Error the client hands to the application (besides
/// `TypeError` for bad arguments), each declared in `www/client.d.ts`.
pub const ERROR_NAMES: [&str; 5] = [
    "ConnectError",
    "TransportError",
    "TimeoutError",
    "ProtocolError",
    "AckError",
];

/// The JS module `www/seam.js` (and, as plain constants, the block of `glue.js`):
/// the names above as JS values.
pub fn render_js(exported: bool) -> String {
    let mut out = String::new();
    let decl = if exported { "export const " } else { "const " };
    out.push_str("// Generated from src/protocol/seam.rs; `SEAM_WRITE=1 cargo test --test seam` rewrites it.\n");
    for input in Input::ALL {
        out.push_str(decl);
        out.push_str(input.js_name());
        out.push_str(" = ");
        crate::protocol::socket::push_u64(&mut out, input as u64);
        out.push_str(";\n");
    }
    let lists: [(&str, &mut dyn Iterator<Item = &str>); 5] = [
        ("LIFECYCLE", &mut Lifecycle::ALL.iter().map(|l| l.name())),
        ("EMIT_RESERVED", &mut EMIT_RESERVED.iter().copied()),
        ("LOG_LEVELS", &mut LOG_LEVELS.iter().copied()),
        ("ROOM_KINDS", &mut ROOM_KINDS.iter().copied()),
        ("ERROR_NAMES", &mut ERROR_NAMES.iter().copied()),
    ];
    for (name, items) in lists {
        out.push_str(decl);
        out.push_str(name);
        out.push_str(" = [");
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push('"');
            out.push_str(item);
            out.push('"');
        }
        out.push_str("];\n");
    }
    out
}
