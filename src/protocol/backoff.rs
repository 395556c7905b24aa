//! Reconnect delays: exponential backoff with seeded jitter.
//!
//! The base delay doubles from `reconnection_delay` up to
//! `reconnection_delay_max`, as in socket.io-client. Each delay then moves by a
//! random fraction (at most `randomization_factor`) of the base, up or down.
//!
//! socket.io-client clamps the jittered delay to the cap, so once the cap is
//! reached about half of all clients retry at exactly the cap, in step: a retry
//! storm after a server restart. Here a move that would cross the cap goes down
//! instead, so delays at the cap spread uniformly over
//! `[max × (1 − factor), max]` and clients stay spread out.
//!
//! After a connection that was up is lost ([`Backoff::after_connection_lost`]),
//! the first retry comes sooner when `first_retry_delay` is shorter than
//! `reconnection_delay`: its base is `first_retry_delay`, jittered by the same
//! rule, and the retries after it go on from `reconnection_delay`, doubling
//! (250, 1000, 2000, … with the defaults). A network blip is usually over in
//! well under a second, so waiting a full second for the first retry only
//! delays recovery, while the jitter, spreading that retry over
//! `[first × (1 − factor), first × (1 + factor)]`, keeps a fleet of clients
//! from reconnecting in one instant after a server restart. A failed first
//! connection keeps socket.io-client's delays, and
//! `first_retry_delay ≥ reconnection_delay` gives its timing throughout.
//!
//! The generator is SplitMix64, seeded from the config: the core draws no
//! randomness of its own, and a test with a given seed sees exact delays.

use crate::protocol::time::Duration;

/// SplitMix64: tiny, fast, and good enough to decorrelate clients.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator with the given seed.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform value in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The reconnect delay generator and attempt counter.
#[derive(Clone, Debug)]
pub struct Backoff {
    min: u64,
    max: u64,
    factor: f64,
    attempts: u32,
    /// The base of the first delay when this run of delays follows a lost
    /// connection and it is shorter than `min`; the later ones then start from `min`.
    quick: Option<u64>,
    rng: SplitMix64,
}

impl Backoff {
    /// A backoff from `min` doubling up to `max`, spread by `factor` (clamped to 0..=1).
    pub fn new(min: Duration, max: Duration, factor: f64, seed: u64) -> Backoff {
        Backoff {
            min: min.0,
            max: max.0.max(min.0),
            factor: if factor.is_nan() {
                0.0
            } else {
                factor.clamp(0.0, 1.0)
            },
            attempts: 0,
            quick: None,
            rng: SplitMix64::new(seed),
        }
    }

    /// How many delays were handed out since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Starts over from the first delay (after a successful connection).
    pub fn reset(&mut self) {
        self.attempts = 0;
        self.quick = None;
    }

    /// Starts over after a lost connection. When `first` is shorter than
    /// `min`, the next delay's base is `first` and the delays after it go on
    /// from `min`, doubling; otherwise the delays are those after `reset`.
    /// Returns whether that quick first delay was put in front.
    pub fn after_connection_lost(&mut self, first: Duration) -> bool {
        self.attempts = 0;
        let quick = first.0 < self.min;
        self.quick = quick.then_some(first.0);
        quick
    }

    /// The delay before the next attempt; counts one attempt.
    pub fn next_delay(&mut self) -> Duration {
        let max = self.max;
        let n = self.attempts;
        self.attempts = n.saturating_add(1);
        let mut base = match self.quick {
            Some(first) if n == 0 => first,
            _ => self.min,
        };
        // After a quick first delay, the second one is `min`: one doubling less.
        for _ in u32::from(self.quick.is_some())..n {
            if base >= max {
                break;
            }
            base = base.saturating_mul(2);
        }
        Duration(self.jitter(base.min(max), max))
    }

    /// `base` moved like a delay (see the module documentation), without
    /// counting an attempt: for the probes while the server cannot be reached.
    pub fn spread(&mut self, base: Duration) -> Duration {
        Duration(self.jitter(base.0, u64::MAX))
    }

    /// A time anywhere in `[1, window]` ms, uniform ("full jitter": clients
    /// that drew it stay spread over the whole window), without counting an
    /// attempt; the middle of the window when `randomization_factor` is 0.
    pub fn within(&mut self, window: Duration) -> Duration {
        let w = window.0.max(1);
        if self.factor == 0.0 {
            return Duration((w / 2).max(1));
        }
        Duration(w - (self.rng.next_f64() * w as f64) as u64)
    }

    /// Counts one attempt whose delay was chosen elsewhere.
    pub fn count(&mut self) {
        self.attempts = self.attempts.saturating_add(1);
    }

    /// `base` moved up or down by a random fraction (at most the factor) of
    /// itself; a move up past `max` goes down instead.
    fn jitter(&mut self, base: u64, max: u64) -> u64 {
        if self.factor == 0.0 {
            return base;
        }
        let deviation = (self.rng.next_f64() * self.factor * base as f64) as u64;
        let up = self.rng.next_u64() & 1 == 1;
        if up && base.saturating_add(deviation) <= max {
            base + deviation
        } else {
            base - deviation
        }
    }
}

/// `v` grown `times` times (at most 64: past any cap in ms from 1), by half of
/// itself, rounded up, each time, or doubled when `double`; at most `cap`,
/// saturating.
pub fn grown(mut v: u64, times: u32, double: bool, cap: u64) -> u64 {
    for _ in 0..times.min(64) {
        if v >= cap {
            break;
        }
        v = v.saturating_add(if double { v } else { v.div_ceil(2) });
    }
    v.min(cap)
}
