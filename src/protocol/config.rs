//! Client configuration. Field names follow socket.io-client's options
//! (`reconnectionDelay` → `reconnection_delay`, …) and `Default` equals its
//! defaults, except where a default is one of the failures Frappe users suffer
//! today (see `docs/architecture.md`): attempts are unlimited, the offline buffer is
//! bounded, a failing WebSocket falls back to polling, and the first retry after
//! a lost connection comes sooner (`first_retry_delay`).

use crate::protocol::time::Duration;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// The Engine.IO protocol revision spoken (`EIO=4`).
pub const ENGINE_PROTOCOL: u32 = 4;

/// The two Engine.IO transports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportKind {
    /// HTTP long-polling: `GET` to receive, `POST` to send.
    Polling,
    /// A WebSocket.
    WebSocket,
}

impl TransportKind {
    /// The name used in the `transport=` query parameter and by socket.io-client
    /// (`socket.io.engine.transport.name`).
    pub fn name(self) -> &'static str {
        match self {
            TransportKind::Polling => "polling",
            TransportKind::WebSocket => "websocket",
        }
    }
}

/// What happens when an emit arrives while the offline buffer is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverflowPolicy {
    /// Drop the oldest buffered emit to make room (default): the newest state wins.
    DropOldest,
    /// Refuse the new emit and keep what is buffered.
    DropNewest,
}

/// Everything the client needs to know before it connects.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientConfig {
    /// The Socket.IO namespace: `/<site name>` for Frappe.
    pub namespace: String,
    /// The Engine.IO path (default `/socket.io/`).
    pub path: String,
    /// Extra query parameters added to every Engine.IO request, URL-encoded
    /// (`a=1&b=x%20y`; empty: none).
    pub query: String,
    /// Transports in the order they are tried. Default: WebSocket, then polling
    /// when the WebSocket cannot open (`try_all_transports`); polling first when the
    /// options set `extraHeaders`, which only polling requests can carry. See
    /// "Transports" in docs/architecture.md: a WebSocket session lives on the one
    /// connection it opened on, so it works behind load balancers without sticky
    /// sessions, where polling-first (socket.io-client's default) fails whenever a
    /// request of the session lands on another node.
    pub transports: Vec<TransportKind>,
    /// Probe and upgrade from polling to WebSocket when the server offers it.
    pub upgrade: bool,
    /// When the first transport fails to open, try the next in `transports`
    /// within the same attempt (socket.io-client's `tryAllTransports`; default
    /// `true` here so that a blocked WebSocket falls back to polling).
    pub try_all_transports: bool,
    /// Reconnect automatically after a lost connection or a failed attempt.
    pub reconnection: bool,
    /// Give up after this many reconnect attempts; `None` (default) never gives up.
    pub reconnection_attempts: Option<u32>,
    /// The first reconnect delay (default 1000 ms); doubled at every attempt.
    /// After a lost connection it may come second: see `first_retry_delay`.
    pub reconnection_delay: Duration,
    /// The first reconnect delay after a connection that was up is lost (one
    /// that stayed up `HEALTHY`, or the first since `connect()`; JS
    /// `firstRetryDelay`, default 250 ms), when shorter than
    /// `reconnection_delay`; spread by `randomization_factor` like every delay.
    /// The retries after it wait `reconnection_delay`, doubling: 250, 1000,
    /// 2000, … A blip is usually over in well under a second, and the spread
    /// keeps clients from all retrying in one instant after a server restart.
    /// A failed first connection and rejection retries start from
    /// `reconnection_delay`. At least `reconnection_delay`, it gives
    /// socket.io-client's timing.
    pub first_retry_delay: Duration,
    /// The cap on the reconnect delay (default 5000 ms).
    pub reconnection_delay_max: Duration,
    /// While the server cannot be reached, also try between the backoff's
    /// attempts, every `first_retry_delay` (default true; not a JS option:
    /// `firstRetryDelay ≥ reconnectionDelay` turns it off there). See
    /// "Probes" in `client/recovery.rs`.
    pub probe: bool,
    /// The spread of each delay, 0 to 1 (default 0.5).
    pub randomization_factor: f64,
    /// How long one attempt's transport and Engine.IO handshake may take
    /// (default 20 000 ms), as socket.io-client's `timeout`; the CONNECT's
    /// answer then waits up to
    /// [`CONNECT_WAIT`](crate::protocol::client::CONNECT_WAIT) (or until this
    /// runs out, when later).
    pub timeout: Duration,
    /// The auth payload sent with CONNECT, as the JSON text of an object.
    pub auth: Option<String>,
    /// The most emits kept while disconnected (default 100; 0 disables buffering).
    pub buffer_max_count: usize,
    /// How long an emit may wait in the offline buffer (default 60 000 ms).
    pub buffer_max_age: Duration,
    /// What a full buffer does with one more emit.
    pub buffer_overflow: OverflowPolicy,
    /// The most binary attachments one packet from the server may announce
    /// (default 10, socket.io-parser's `maxAttachments`); more closes the
    /// connection (`parse error`).
    pub max_attachments: u32,
    /// The most bytes held for the attachments of one binary packet still
    /// arriving (default 100 MB); more closes the connection (`parse error`).
    pub max_attachment_bytes: usize,
    /// Seed of the reconnect jitter. The driver passes a random value; tests
    /// pass a constant and get exact delays.
    pub jitter_seed: u64,
    /// The server answers joins (default false): each join asks for an ack,
    /// and the answers tell which rooms were taken, refused or failed. Frappe's
    /// server answers none; with this on and a server that does not answer,
    /// the client does as with it off. See `client/join_acks.rs`.
    pub join_acks: bool,
}

impl ClientConfig {
    /// The defaults, for the given namespace (`/` for the main namespace).
    pub fn new(namespace: &str) -> ClientConfig {
        let namespace = if namespace.starts_with('/') {
            String::from(namespace)
        } else {
            let mut n = String::from("/");
            n.push_str(namespace);
            n
        };
        ClientConfig {
            namespace,
            path: String::from("/socket.io/"),
            query: String::new(),
            transports: vec![TransportKind::WebSocket, TransportKind::Polling],
            upgrade: true,
            try_all_transports: true,
            reconnection: true,
            reconnection_attempts: None,
            reconnection_delay: Duration(1000),
            first_retry_delay: Duration(250),
            reconnection_delay_max: Duration(5000),
            probe: true,
            randomization_factor: 0.5,
            timeout: Duration(20_000),
            auth: None,
            buffer_max_count: 100,
            buffer_max_age: Duration(60_000),
            buffer_overflow: OverflowPolicy::DropOldest,
            max_attachments: 10,
            max_attachment_bytes: 100_000_000,
            jitter_seed: 0x5EED_F4A9_9E00_0001,
            join_acks: false,
        }
    }
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig::new("/")
    }
}
