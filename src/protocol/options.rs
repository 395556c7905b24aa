//! The client's options: the object an application passes to
//! `new RealtimeClient(url, options)`, turned into a [`ClientConfig`] plus the browser
//! driver's own settings.
//!
//! The option names are socket.io-client's, plus ours (`bufferMaxCount`,
//! `bufferMaxAge`, `bufferOverflow`, `debug`, `ackTimeout`, `firstRetryDelay`,
//! `maxAttachments`, `maxAttachmentBytes`, `joinAcks`, and `rejectionRetries`, deprecated: still
//! checked, no effect since transient refusals are retried in full-jitter windows,
//! `client/recovery.rs`); [`OPTIONS`] lists them with their types, and the seam
//! (`protocol::seam`) writes that list into `www/seam.js`.
//!
//! Two halves, one on each side of the seam. The rules live in JS (`www/options.js`),
//! where the constructor checks the options before anything else happens, the wasm
//! module not loaded yet included, and throws a `TypeError` naming the option; the
//! wasm module carries no option names and no messages (docs/benchmarks.md, eleventh
//! round: 1.7 KB less gzip of wasm, 0.6 KB more of JS). What passed is handed over as
//! one array in the order of [`OPTIONS`] (`transports` as its names' initials, `"wp"`;
//! `query` as URL text; `extraHeaders` and `auth` as JSON text), and read here
//! through a [`Source`]: [`parse`]
//! applies the values with their meaning (defaults, units, `Infinity`, the transports'
//! order with `extraHeaders`) and trusts their types and ranges (whatever it is given,
//! it does not panic: numbers saturate, unknown names are the default).
//! `autoConnect` is JS's alone (the constructor calls `connect()`).
//!
//! Options of other layers (`shared`, `sharedKey`, … of shared mode) are not read.

use crate::protocol::config::{ClientConfig, OverflowPolicy, TransportKind};
use crate::protocol::seam::LogLevel;
use crate::protocol::time::Duration;
use alloc::string::String;

/// An option's value as `www/options.js` hands it over.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Not given.
    Absent,
    /// A boolean.
    Bool(bool),
    /// A number (any, NaN and infinities included).
    Number(f64),
    /// A string (or the form an array or object crosses in: see the module docs).
    Text(String),
}

/// Where option values come from (the checked options array, in the browser).
pub trait Source {
    /// The value of option `at` (an index into [`OPTIONS`]).
    fn get(&mut self, at: usize) -> Value;
}

/// The type an option takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `true` / `false`.
    Bool,
    /// A number (its range is checked with the values).
    Number,
    /// A string; a boolean is taken as its name (`debug: true`).
    Text,
    /// An array of strings.
    List,
    /// An object whose values are strings.
    Map,
    /// Any JSON object (`auth`).
    Object,
}

impl Kind {
    /// Its letter in the seam's `OPTION_KINDS` (`www/options.js`).
    pub fn letter(self) -> char {
        match self {
            Kind::Bool => 'b',
            Kind::Number => 'n',
            Kind::Text => 's',
            Kind::List => 'l',
            Kind::Map => 'm',
            Kind::Object => 'o',
        }
    }
}

/// Every option, with its type, in the seam's order (types are checked in it).
pub const OPTIONS: [(&str, Kind); 25] = [
    ("reconnection", Kind::Bool),
    ("reconnectionAttempts", Kind::Number),
    ("reconnectionDelay", Kind::Number),
    ("reconnectionDelayMax", Kind::Number),
    ("randomizationFactor", Kind::Number),
    ("timeout", Kind::Number),
    ("transports", Kind::List),
    ("upgrade", Kind::Bool),
    ("tryAllTransports", Kind::Bool),
    ("path", Kind::Text),
    ("query", Kind::Map),
    ("withCredentials", Kind::Bool),
    ("extraHeaders", Kind::Map),
    ("bufferMaxCount", Kind::Number),
    ("bufferMaxAge", Kind::Number),
    ("bufferOverflow", Kind::Text),
    ("debug", Kind::Text),
    ("autoConnect", Kind::Bool),
    ("ackTimeout", Kind::Number),
    ("rejectionRetries", Kind::Number),
    ("firstRetryDelay", Kind::Number),
    ("auth", Kind::Object),
    ("maxAttachments", Kind::Number),
    ("maxAttachmentBytes", Kind::Number),
    ("joinAcks", Kind::Bool),
];

/// Indices into [`OPTIONS`].
mod at {
    pub const RECONNECTION: usize = 0;
    pub const ATTEMPTS: usize = 1;
    pub const DELAY: usize = 2;
    pub const DELAY_MAX: usize = 3;
    pub const FACTOR: usize = 4;
    pub const TIMEOUT: usize = 5;
    pub const TRANSPORTS: usize = 6;
    pub const UPGRADE: usize = 7;
    pub const TRY_ALL: usize = 8;
    pub const PATH: usize = 9;
    pub const QUERY: usize = 10;
    pub const CREDENTIALS: usize = 11;
    pub const HEADERS: usize = 12;
    pub const MAX_COUNT: usize = 13;
    pub const MAX_AGE: usize = 14;
    pub const OVERFLOW: usize = 15;
    pub const DEBUG: usize = 16;
    pub const ACK_TIMEOUT: usize = 18;
    pub const FIRST_RETRY: usize = 20;
    pub const AUTH: usize = 21;
    pub const MAX_ATTACHMENTS: usize = 22;
    pub const MAX_ATTACHMENT_BYTES: usize = 23;
    pub const JOIN_ACKS: usize = 24;
}

/// What the options say, for the core and for the driver.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The core's configuration.
    pub config: ClientConfig,
    /// `debug`: the console log level, if given.
    pub log: Option<LogLevel>,
    /// `ackTimeout`: the default timeout of emits with an ack.
    pub ack_timeout: Option<Duration>,
    /// `withCredentials` (default true): cookies on cross-origin polling requests.
    pub with_credentials: bool,
    /// `extraHeaders`: headers of polling requests, as a JSON object of strings.
    pub extra_headers: Option<String>,
}

/// `"/path/"` from a `path` option: a leading and a trailing slash added when missing.
fn normalise_path(path: &str) -> String {
    let mut out = String::new();
    if !path.starts_with('/') {
        out.push('/');
    }
    out.push_str(path);
    if !path.ends_with('/') {
        out.push('/');
    }
    out
}

/// Option `at` as a number (booleans as 1 and 0), if given.
fn num(source: &mut impl Source, at: usize) -> Option<f64> {
    match source.get(at) {
        Value::Number(n) => Some(n),
        Value::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// Option `at` as a string (or JSON text), if given.
fn text(source: &mut impl Source, at: usize) -> Option<String> {
    match source.get(at) {
        Value::Text(t) => Some(t),
        _ => None,
    }
}

/// Option `at` as a count or a number of milliseconds: fractions cut, NaN and
/// negatives 0, saturated.
fn whole(source: &mut impl Source, at: usize) -> Option<u64> {
    num(source, at).map(|n| n as u64)
}

/// Applies the options (checked by `www/options.js`) for a client of `namespace`;
/// `jitter_seed` seeds the reconnect jitter (the browser passes a random number).
pub fn parse(namespace: &str, jitter_seed: u64, source: &mut impl Source) -> Options {
    let s = source;
    let mut c = ClientConfig::new(namespace);
    c.jitter_seed = jitter_seed;
    let headers = text(s, at::HEADERS);
    if let Some(list) = text(s, at::TRANSPORTS) {
        // Given, the list replaces the default.
        c.transports.clear();
        for t in list.bytes() {
            c.transports.push(if t == b'p' {
                TransportKind::Polling
            } else {
                TransportKind::WebSocket
            });
        }
    } else if headers.is_some() {
        // Headers go only on polling requests: with `extraHeaders` and no
        // `transports`, polling comes first (the WebSocket then upgrades a session
        // they authenticated).
        c.transports.reverse();
    }
    if let Some(f) = num(s, at::FACTOR) {
        c.randomization_factor = f;
    }
    if let Some(p) = text(s, at::PATH) {
        c.path = normalise_path(&p);
    }
    if let Some(n) = num(s, at::ATTEMPTS) {
        // Infinity (socket.io-client's default) means no limit.
        c.reconnection_attempts =
            (n != f64::INFINITY).then(|| (n as u64).min(u64::from(u32::MAX)) as u32);
    }
    for (i, field) in [
        (at::DELAY, &mut c.reconnection_delay),
        (at::DELAY_MAX, &mut c.reconnection_delay_max),
        (at::TIMEOUT, &mut c.timeout),
        (at::MAX_AGE, &mut c.buffer_max_age),
        (at::FIRST_RETRY, &mut c.first_retry_delay),
    ] {
        if let Some(ms) = whole(s, i) {
            *field = Duration(ms);
        }
    }
    if let Some(n) = whole(s, at::MAX_COUNT) {
        c.buffer_max_count = n as usize;
    }
    if let Some(n) = whole(s, at::MAX_ATTACHMENTS) {
        c.max_attachments = n.min(u64::from(u32::MAX)) as u32;
    }
    if let Some(n) = whole(s, at::MAX_ATTACHMENT_BYTES) {
        c.max_attachment_bytes = n as usize;
    }
    // `rejectionRetries`: deprecated, checked in JS and not used (module docs).
    for (i, field) in [
        (at::RECONNECTION, &mut c.reconnection),
        (at::UPGRADE, &mut c.upgrade),
        (at::TRY_ALL, &mut c.try_all_transports),
        (at::JOIN_ACKS, &mut c.join_acks),
    ] {
        if let Some(b) = num(s, i) {
            *field = b != 0.0;
        }
    }
    if let Some(q) = text(s, at::QUERY) {
        c.query = q;
    }
    if text(s, at::OVERFLOW).as_deref() == Some("drop-newest") {
        c.buffer_overflow = OverflowPolicy::DropNewest;
    }
    c.auth = text(s, at::AUTH);
    Options {
        config: c,
        log: text(s, at::DEBUG).and_then(|d| LogLevel::named(&d)),
        // Any number: NaN and negatives are 0, fractions are cut.
        ack_timeout: whole(s, at::ACK_TIMEOUT).map(Duration),
        with_credentials: num(s, at::CREDENTIALS) != Some(0.0),
        extra_headers: headers,
    }
}
