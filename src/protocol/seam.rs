//! The seam between Rust and JS: every name and number that crosses it, defined once.
//!
//! The browser driver and the JS half of the package (`src/browser/glue.js`, `www/`)
//! agree on input kinds, lifecycle event names, reserved names, log levels, room kinds,
//! error names and the options' names and types. They are written here and nowhere else: [`render_js`] turns them
//! into JS source, and `tests/seam.rs` fails when a generated copy (`www/seam.js`, the
//! marked block of `glue.js`) differs from it, or when `www/client.d.ts` does not
//! declare a name. `SEAM_WRITE=1 cargo test --test seam` rewrites the copies.
//!
//! Pure data: compiled on the host like the rest of the core, so `cargo test` sees it.

use crate::protocol::client::{AckFailure, ConnectErrorKind, DropReason};
use crate::protocol::options::OPTIONS;
use crate::protocol::rooms::SubscriptionKind;
use alloc::string::String;

/// What the JS hub feeds the driver through `hub.input(kind, id, data)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// Transport `id` opened.
    Open,
    /// A text frame (or a polling response in one piece) on transport `id`.
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
    /// A polling response on transport `id`, split at `\x1e` into its packets
    /// (`data`: an array of strings).
    Payload,
    /// The check before WebSocket `id` (`Transmit::WebSocketOpen`'s `check`)
    /// found something there: the WebSocket is being opened.
    Found,
}

impl Input {
    /// Every input, by its number (`ALL[n]` has number `n`).
    pub const ALL: [Input; 12] = [
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
        Input::Payload,
        Input::Found,
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
            Input::Payload => "PAYLOAD",
            Input::Found => "FOUND",
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

/// How much the browser driver logs to the console, least first; the `debug` option
/// and property take their names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Failures only.
    Error,
    /// Failures: connect errors, attempts exhausted, dropped emits, malformed frames (default).
    Warn,
    /// Connection state changes.
    Info,
    /// Every transmit and event (never request bodies or cookies).
    Debug,
}

impl LogLevel {
    /// Every level, least first.
    pub const ALL: [LogLevel; 5] = [
        LogLevel::Off,
        LogLevel::Error,
        LogLevel::Warn,
        LogLevel::Info,
        LogLevel::Debug,
    ];

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Off => "off",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        }
    }

    /// The level a `debug` value names: a level's name, or `"false"` (off) / `"true"` (debug).
    pub fn named(value: &str) -> Option<LogLevel> {
        match value {
            "false" => Some(LogLevel::Off),
            "true" => Some(LogLevel::Debug),
            _ => LogLevel::ALL.into_iter().find(|l| l.name() == value),
        }
    }
}

/// The `name` of every Error the client hands to the application besides `TypeError`
/// (bad arguments); each is declared in `www/client.d.ts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorName {
    /// `connect_error`: the server refused the namespace (`type` and `data` as sent).
    Connect,
    /// `connect_error`: the transport failed or the handshake was malformed.
    Transport,
    /// `connect_error`: the attempt took longer than `timeout`.
    Timeout,
    /// `error`: the server sent something the client could not use.
    Protocol,
    /// An ack that will never come (timeout, disconnect, dropped, closed).
    Ack,
}

impl ErrorName {
    /// Every error name.
    pub const ALL: [ErrorName; 5] = [
        ErrorName::Connect,
        ErrorName::Transport,
        ErrorName::Timeout,
        ErrorName::Protocol,
        ErrorName::Ack,
    ];

    /// The Error's `name`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorName::Connect => "ConnectError",
            ErrorName::Transport => "TransportError",
            ErrorName::Timeout => "TimeoutError",
            ErrorName::Protocol => "ProtocolError",
            ErrorName::Ack => "AckError",
        }
    }

    /// The name of a `connect_error` of this kind.
    pub fn of_connect_error(kind: ConnectErrorKind) -> ErrorName {
        match kind {
            ConnectErrorKind::Server => ErrorName::Connect,
            ConnectErrorKind::Transport | ConnectErrorKind::Handshake => ErrorName::Transport,
            ConnectErrorKind::Timeout => ErrorName::Timeout,
        }
    }
}

/// The `reason` of a `dropped` event.
pub fn drop_reason(reason: DropReason) -> &'static str {
    match reason {
        DropReason::BufferFull => "buffer full",
        DropReason::Expired => "expired",
        DropReason::TooLarge => "larger than the server's maxPayload",
    }
}

/// Every [`drop_reason`].
pub const DROP_REASONS: [DropReason; 3] = [
    DropReason::BufferFull,
    DropReason::Expired,
    DropReason::TooLarge,
];

/// The message of the `AckError` an ack that will never come fails with.
pub fn ack_failure(failure: AckFailure) -> &'static str {
    match failure {
        AckFailure::Timeout => "operation has timed out",
        AckFailure::Disconnected => "socket has been disconnected",
    }
}

/// Every list of names the seam carries, as `(JS name, TypeScript type name, names)`.
fn lists() -> [(&'static str, &'static str, alloc::vec::Vec<&'static str>); 7] {
    [
        (
            "LIFECYCLE",
            "LifecycleEvent",
            Lifecycle::ALL.map(Lifecycle::name).to_vec(),
        ),
        ("EMIT_RESERVED", "EmitReservedName", EMIT_RESERVED.to_vec()),
        (
            "LOG_LEVELS",
            "LogLevel",
            LogLevel::ALL.map(LogLevel::name).to_vec(),
        ),
        (
            "ROOM_KINDS",
            "SubscriptionKind",
            SubscriptionKind::ALL.map(SubscriptionKind::name).to_vec(),
        ),
        (
            "ERROR_NAMES",
            "ErrorName",
            ErrorName::ALL.map(ErrorName::name).to_vec(),
        ),
        (
            "DROP_REASONS",
            "DropReason",
            DROP_REASONS.map(drop_reason).to_vec(),
        ),
        (
            "OPTION_NAMES",
            "OptionName",
            OPTIONS.map(|(name, _)| name).to_vec(),
        ),
    ]
}

const GENERATED: &str =
    "// Generated from src/protocol/seam.rs; `SEAM_WRITE=1 cargo test --test seam` rewrites it.\n";

/// The JS module `www/seam.js` (`exported`) and, as plain constants, the block of
/// `glue.js`: the input numbers and the lists above as JS values.
pub fn render_js(exported: bool) -> String {
    let mut out = String::from(GENERATED);
    let decl = if exported { "export const " } else { "const " };
    for input in Input::ALL {
        out.push_str(decl);
        out.push_str(input.js_name());
        out.push_str(" = ");
        crate::protocol::socket::push_u64(&mut out, input as u64);
        out.push_str(";\n");
    }
    for (name, _, items) in lists() {
        out.push_str(decl);
        out.push_str(name);
        out.push_str(" = [");
        out.push_str(
            &items
                .iter()
                .map(|i| quoted(i))
                .collect::<alloc::vec::Vec<_>>()
                .join(", "),
        );
        out.push_str("];\n");
    }
    // Each option's type, one letter per OPTION_NAMES (www/options.js checks them).
    out.push_str(decl);
    out.push_str("OPTION_KINDS = \"");
    out.extend(OPTIONS.map(|(_, kind)| kind.letter()));
    out.push_str("\";\n");
    out
}

/// The block of `www/client.d.ts`: each list as a union type.
pub fn render_dts() -> String {
    let mut out = String::from(GENERATED);
    for (_, ty, items) in lists() {
        out.push_str("export type ");
        out.push_str(ty);
        out.push_str(" = ");
        out.push_str(
            &items
                .iter()
                .map(|i| quoted(i))
                .collect::<alloc::vec::Vec<_>>()
                .join(" | "),
        );
        out.push_str(";\n");
    }
    out
}

fn quoted(s: &str) -> String {
    let mut q = String::from("\"");
    q.push_str(s);
    q.push('"');
    q
}
