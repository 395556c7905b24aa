//! # frappe-realtime
//!
//! A Socket.IO v4 client (Engine.IO protocol v4, Socket.IO protocol v5) for
//! Frappe's realtime server, built as a pure protocol core plus a thin browser
//! driver.
//!
//! ## Layers
//!
//! - [`protocol`]: the sans-IO core. A deterministic state machine: the caller
//!   feeds it inputs (`handle_*`, with the current time), issues commands
//!   (`connect`, `emit`, `subscribe`, …) and drains its outputs (`poll_transmit`,
//!   `poll_event`, `poll_timeout`). It performs no I/O, reads no clock and draws
//!   its reconnect jitter from a seeded generator, so every behaviour can be
//!   tested on virtual time with exact wire strings.
//! - `browser` (wasm32 only): carries out what the core asks with `WebSocket`,
//!   `fetch` and one timer, and feeds the results back.
//!
//! ## The drive loop
//!
//! ```
//! use frappe_realtime::protocol::client::{Client, Transmit};
//! use frappe_realtime::protocol::config::ClientConfig;
//! use frappe_realtime::protocol::time::Instant;
//!
//! let mut client = Client::new(ClientConfig::new("/mysite")).unwrap();
//! client.connect(Instant(0));
//! // 1. carry out every transmit (open a transport, send a frame, issue a request)
//! while let Some(t) = client.poll_transmit() {
//!     assert!(matches!(t, Transmit::WebSocketOpen { .. }));
//! }
//! // 2. hand every event to the application
//! while let Some(_event) = client.poll_event() {}
//! // 3. arm one timer for the earliest deadline and call `handle_timeout` then
//! assert_eq!(client.poll_timeout(), Some(Instant(20_000)));
//! ```
//!
//! After every input (`handle_transport_open`, `handle_text`, `handle_binary`,
//! `handle_sent`, `handle_transport_closed`, `handle_timeout`) and every command,
//! repeat steps 1–3.

#![cfg_attr(all(target_arch = "wasm32", feature = "tiny"), no_std)]
// Every unsafe operation sits in its own `unsafe` block with a `// SAFETY:` note
// saying why it holds, unsafe fns included.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

extern crate alloc;

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[global_allocator]
static ALLOCATOR: browser::tiny::Tiny = browser::tiny::Tiny::new();

pub mod protocol;

/// The shipped allocator's size-class logic, over any byte arena: used by
/// `browser::tiny` with wasm linear memory, tested on the host with a buffer.
#[cfg(any(test, all(target_arch = "wasm32", feature = "tiny")))]
mod sizeclass;

#[cfg(target_arch = "wasm32")]
pub mod browser;

/// The README's Rust example is compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
