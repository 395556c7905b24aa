//! The client configuration, decoded from the first bytes of the input.
//!
//! Each option takes the default or one of a few values that make its edge
//! reachable within a few hundred steps (a buffer of 0, 1 or 3 emits, a 1 ms
//! buffer age, one reconnect attempt, …). `timeout`, `reconnection_delay` and
//! `first_retry_delay` stay at least 1 ms: with both at zero a failed attempt would legitimately
//! re-arm a deadline at the very instant it fired, which the strict deadline
//! check (see `mod.rs`) excludes by contract.

use super::input::Input;
use frappe_realtime::protocol::config::{ClientConfig, OverflowPolicy, TransportKind};
use frappe_realtime::protocol::time::Duration;

/// The namespaces a fuzzed client may use: a Frappe site, and the main namespace
/// (whose packets carry no namespace at all on the wire).
const NAMESPACES: [&str; 2] = ["/site", "/"];

/// A configuration chosen by the input.
pub fn decode(input: &mut Input) -> ClientConfig {
    let namespace = *input.pick(&NAMESPACES);
    let mut c = ClientConfig::new(namespace);
    c.transports = match input.below(5) {
        0 | 1 => vec![TransportKind::Polling, TransportKind::WebSocket],
        2 => vec![TransportKind::WebSocket, TransportKind::Polling],
        3 => vec![TransportKind::Polling],
        _ => vec![TransportKind::WebSocket],
    };
    c.upgrade = input.below(4) != 0;
    c.try_all_transports = input.bool();
    c.reconnection = input.below(4) != 0;
    c.reconnection_attempts = match input.below(4) {
        0 => Some(input.below(4) as u32),
        _ => None,
    };
    c.buffer_overflow = if input.bool() {
        OverflowPolicy::DropOldest
    } else {
        OverflowPolicy::DropNewest
    };
    if input.below(4) == 0 {
        c.auth = Some(String::from(r#"{"token":"t"}"#));
    }
    c.reconnection_delay = Duration(*input.pick(&[1000, 1, 50, 300]));
    c.reconnection_delay_max = Duration(*input.pick(&[5000, 1, 200, 20_000]));
    c.randomization_factor = *input.pick(&[0.5, 0.0, 1.0, 0.25]);
    c.timeout = Duration(*input.pick(&[20_000, 1, 100, 3000]));
    c.buffer_max_count = *input.pick(&[100, 0, 1, 3]);
    c.buffer_max_age = Duration(*input.pick(&[60_000, 0, 1, 500]));
    c.jitter_seed = u64::from(input.u16()) | 1;
    // Last, so that the inputs saved before it existed decode as they did.
    c.first_retry_delay = Duration(*input.pick(&[250, 1, 30, 2000]));
    // Acknowledged joins on a quarter of the seeds, from bits the seed has anyway
    // (bit 0 is always set): no byte more, so saved inputs decode as they did.
    c.join_acks = (c.jitter_seed >> 1) & 3 == 0;
    c
}
