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
    }

    /// The delay before the next attempt; counts one attempt.
    pub fn next_delay(&mut self) -> Duration {
        let mut base = self.min;
        for _ in 0..self.attempts {
            if base >= self.max {
                break;
            }
            base = base.saturating_mul(2);
        }
        let base = base.min(self.max);
        self.attempts = self.attempts.saturating_add(1);
        if self.factor == 0.0 {
            return Duration(base);
        }
        let deviation = (self.rng.next_f64() * self.factor * base as f64) as u64;
        let up = self.rng.next_u64() & 1 == 1;
        Duration(if up && base + deviation <= self.max {
            base + deviation
        } else {
            base - deviation
        })
    }
}
