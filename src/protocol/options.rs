//! The client's options: the object an application passes to
//! `new RealtimeClient(url, options)`, read by name, checked, and turned into a
//! [`ClientConfig`] plus the browser driver's own settings.
//!
//! The option names are socket.io-client's, plus ours (`bufferMaxCount`,
//! `bufferMaxAge`, `bufferOverflow`, `debug`, `ackTimeout`, `firstRetryDelay`, and
//! `rejectionRetries`, deprecated: still checked, no effect since transient refusals
//! are retried in full-jitter windows, `client/recovery.rs`); [`OPTIONS`] lists them
//! with their types. The browser hands
//! each value over through a [`Source`] as it finds it in the object; every rule and
//! every message lives here, so `cargo test` covers them. Types are checked first,
//! in the order of [`OPTIONS`], then values; the first problem is reported as an
//! [`OptionError`] (thrown as a `TypeError` in JS).
//!
//! Options of other layers (`shared`, `sharedKey`, … of shared mode) are not read.

use crate::protocol::config::{ClientConfig, OverflowPolicy, TransportKind};
use crate::protocol::json;
use crate::protocol::seam::LogLevel;
use crate::protocol::time::Duration;
use alloc::string::String;

/// An option's value as the application gave it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `undefined` or `null`: not given.
    Absent,
    /// A boolean.
    Bool(bool),
    /// A number (any, NaN and infinities included).
    Number(f64),
    /// A string.
    Text(String),
    /// An object or an array, as the JSON text `JSON.stringify` gives for it.
    Json(String),
    /// Anything else (a function, a symbol, a BigInt, an object JSON cannot write).
    Other,
}

/// Where option values come from (the options object, in the browser).
pub trait Source {
    /// The value of option `name`.
    fn get(&mut self, name: &str) -> Value;
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

/// Every option read here, with its type, in the order types are checked.
pub const OPTIONS: [(&str, Kind); 24] = [
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
    pub const AUTO_CONNECT: usize = 17;
    pub const ACK_TIMEOUT: usize = 18;
    pub const REJECTION_RETRIES: usize = 19;
    pub const FIRST_RETRY: usize = 20;
    pub const AUTH: usize = 21;
    pub const MAX_ATTACHMENTS: usize = 22;
    pub const MAX_ATTACHMENT_BYTES: usize = 23;
}

/// A bad option: its message, e.g. `option timeout must be a number`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionError(pub String);

/// What the options say, for the core and for the driver.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The core's configuration.
    pub config: ClientConfig,
    /// `debug`: the console log level, if given.
    pub log: Option<LogLevel>,
    /// `ackTimeout`: the default timeout of emits with an ack.
    pub ack_timeout: Option<Duration>,
    /// `autoConnect` (default true).
    pub auto_connect: bool,
    /// `withCredentials` (default true): cookies on cross-origin polling requests.
    pub with_credentials: bool,
    /// `extraHeaders`: headers of polling requests, as a JSON object of strings.
    pub extra_headers: Option<String>,
}

fn error(parts: &[&str]) -> OptionError {
    let mut m = String::new();
    for p in parts {
        m.push_str(p);
    }
    OptionError(m)
}

/// What a value of `kind` must be, for the messages.
fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "a boolean",
        Kind::Number => "a number",
        Kind::Text => "a string",
        Kind::List => "an array of strings",
        Kind::Map => "an object of strings",
        Kind::Object => "a plain object",
    }
}

/// Whether every element of the JSON array `j`, or every value of the JSON object
/// `j`, is a string.
fn strings(j: &str) -> bool {
    let string = |v: &str| json::decode_string(v).is_ok();
    if j.starts_with('[') {
        json::elements(j).all(|e| e.is_ok_and(string))
    } else {
        json::members(j).all(|m| m.is_ok_and(|(_, v)| string(v)))
    }
}

/// A whole number of milliseconds (or a count): finite and not negative.
fn ms(v: f64, name: &str) -> Result<u64, OptionError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v as u64)
    } else {
        Err(error(&[name, " must be a finite number >= 0"]))
    }
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

/// Reads, checks and applies the options for a client of `namespace`; `jitter_seed`
/// seeds the reconnect jitter (the browser passes a random number).
pub fn parse(
    namespace: &str,
    jitter_seed: u64,
    source: &mut impl Source,
) -> Result<Options, OptionError> {
    // Types first, in the order of OPTIONS: numbers and booleans (1 / 0) go to
    // `nums`, strings and JSON texts to `texts` (flat arrays: smaller wasm than an
    // array of `Value`s).
    let mut nums = [None; OPTIONS.len()];
    let mut texts = [const { None }; OPTIONS.len()];
    types(source, &mut nums, &mut texts)?;
    let mut c = ClientConfig::new(namespace);
    c.jitter_seed = jitter_seed;
    // Then the values.
    let log = values(&mut c, &nums, &mut texts)?;
    let num = |i: usize| nums.get(i).copied().flatten();
    let flag = |i: usize| num(i).map(|n| n != 0.0);
    Ok(Options {
        config: c,
        log,
        // Any number: NaN and negatives are 0, fractions are cut.
        ack_timeout: num(at::ACK_TIMEOUT).map(|t| Duration(if t > 0.0 { t as u64 } else { 0 })),
        auto_connect: flag(at::AUTO_CONNECT) != Some(false),
        with_credentials: flag(at::CREDENTIALS) != Some(false),
        extra_headers: texts.get_mut(at::HEADERS).and_then(Option::take),
    })
}

/// Numbers (booleans as 1 / 0) of the options, by their index in [`OPTIONS`].
type Nums = [Option<f64>; OPTIONS.len()];
/// Strings and JSON texts of the options, by their index in [`OPTIONS`].
type Texts = [Option<String>; OPTIONS.len()];

/// Reads every option and checks its type, in the order of [`OPTIONS`].
fn types(source: &mut impl Source, nums: &mut Nums, texts: &mut Texts) -> Result<(), OptionError> {
    for (((name, kind), n), t) in OPTIONS.into_iter().zip(nums).zip(texts) {
        let ok = match source.get(name) {
            Value::Absent => true,
            Value::Bool(b) if kind == Kind::Bool => {
                *n = Some(if b { 1.0 } else { 0.0 });
                true
            }
            // A boolean given for a string is its name (`debug: true`).
            Value::Bool(b) if kind == Kind::Text => {
                *t = Some(String::from(if b { "true" } else { "false" }));
                true
            }
            Value::Number(x) if kind == Kind::Number => {
                *n = Some(x);
                true
            }
            Value::Text(s) if kind == Kind::Text => {
                *t = Some(s);
                true
            }
            Value::Json(j) => {
                let ok = match kind {
                    Kind::List => j.starts_with('[') && strings(&j),
                    Kind::Map => j.starts_with('{') && strings(&j),
                    Kind::Object => j.starts_with('{'),
                    _ => false,
                };
                *t = Some(j);
                ok
            }
            _ => false,
        };
        if !ok {
            // `auth` is not named an option: socket.io-client's message.
            let option = if kind == Kind::Object { "" } else { "option " };
            return Err(error(&[option, name, " must be ", expected(kind)]));
        }
    }
    Ok(())
}

/// Checks the values and applies them to `c`; returns the log level (`debug`).
/// Not inlined: its early returns then have nothing of `parse` to drop.
#[inline(never)]
fn values(
    c: &mut ClientConfig,
    nums: &Nums,
    texts: &mut Texts,
) -> Result<Option<LogLevel>, OptionError> {
    // Headers go only on polling requests: with `extraHeaders` and no `transports`,
    // polling comes first (the WebSocket then upgrades a session they authenticated).
    if texts.get(at::HEADERS).is_some_and(Option::is_some) {
        if let [first, second] = &mut c.transports[..] {
            core::mem::swap(first, second);
        }
    }
    let num = |i: usize| nums.get(i).copied().flatten();
    let flag = |i: usize| num(i).map(|n| n != 0.0);
    let mut text = |i: usize| texts.get_mut(i).and_then(Option::take);
    let name = |i: usize| OPTIONS.get(i).map_or("", |o| o.0);
    // Given, the list replaces that default.
    if let Some(list) = text(at::TRANSPORTS) {
        c.transports.clear();
        // Checked above: every element is a string.
        for t in json::elements(&list) {
            let t = t.ok().and_then(|t| json::decode_string(t).ok());
            c.transports.push(match t.as_deref().unwrap_or_default() {
                "polling" => TransportKind::Polling,
                "websocket" => TransportKind::WebSocket,
                _ => {
                    return Err(error(&[
                        r#"transports may only list "polling" and "websocket""#,
                    ]))
                }
            });
        }
    }
    if let Some(f) = num(at::FACTOR) {
        if !(0.0..=1.0).contains(&f) {
            return Err(error(&["randomizationFactor must be between 0 and 1"]));
        }
        c.randomization_factor = f;
    }
    if let Some(p) = text(at::PATH) {
        c.path = normalise_path(&p);
    }
    if let Some(n) = num(at::ATTEMPTS) {
        // Infinity (socket.io-client's default) means no limit.
        c.reconnection_attempts = if n == f64::INFINITY {
            None
        } else {
            Some(ms(n, name(at::ATTEMPTS))?.min(u64::from(u32::MAX)) as u32)
        };
    }
    for i in [
        at::DELAY,
        at::DELAY_MAX,
        at::TIMEOUT,
        at::MAX_AGE,
        at::FIRST_RETRY,
        at::MAX_COUNT,
        at::MAX_ATTACHMENTS,
        at::MAX_ATTACHMENT_BYTES,
        at::REJECTION_RETRIES,
    ] {
        let Some(n) = num(i) else { continue };
        let d = ms(n, name(i))?;
        match i {
            at::DELAY => c.reconnection_delay = Duration(d),
            at::DELAY_MAX => c.reconnection_delay_max = Duration(d),
            at::TIMEOUT => c.timeout = Duration(d),
            at::MAX_AGE => c.buffer_max_age = Duration(d),
            at::FIRST_RETRY => c.first_retry_delay = Duration(d),
            at::MAX_COUNT => c.buffer_max_count = d as usize,
            at::MAX_ATTACHMENTS => c.max_attachments = d.min(u64::from(u32::MAX)) as u32,
            at::MAX_ATTACHMENT_BYTES => c.max_attachment_bytes = d as usize,
            // `rejectionRetries`: deprecated, checked and not used (module docs).
            _ => {}
        }
    }
    for (i, field) in [
        (at::RECONNECTION, &mut c.reconnection),
        (at::UPGRADE, &mut c.upgrade),
        (at::TRY_ALL, &mut c.try_all_transports),
    ] {
        if let Some(b) = flag(i) {
            *field = b;
        }
    }
    if let Some(q) = text(at::QUERY) {
        // Checked above: every value is a string.
        for m in json::members(&q) {
            let Ok((k, v)) = m else { continue };
            c.query
                .push((k, json::decode_string(v).unwrap_or_default()));
        }
    }
    if let Some(o) = text(at::OVERFLOW) {
        c.buffer_overflow = match o.as_str() {
            "drop-oldest" => OverflowPolicy::DropOldest,
            "drop-newest" => OverflowPolicy::DropNewest,
            _ => {
                return Err(error(&[
                    r#"bufferOverflow must be "drop-oldest" or "drop-newest""#,
                ]))
            }
        };
    }
    c.auth = text(at::AUTH);
    match text(at::DEBUG) {
        Some(d) => LogLevel::named(&d)
            .map(Some)
            .ok_or_else(|| error(&["debug must be off, error, warn, info or debug"])),
        None => Ok(None),
    }
}
