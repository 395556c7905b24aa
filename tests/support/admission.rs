//! A model of the companion app's admission (frappe-app/realtime/admission.js)
//! for the fleet on virtual time: the realtime node's window of calls to its
//! web server. The rules are the app's, one for one, on the fleet's clock; the
//! constants are the app's. The fleet (fleet.rs) moves the calls; this holds
//! the window's state and says which calls go, and when.
//!
//! - A window of calls in flight, [`FIRST_WINDOW`] at first; the calls beyond
//!   wait in arrival order.
//! - A call the web server did not serve (refused) goes again first, once
//!   another is answered, or after a pause when none is in flight
//!   ([`FIRST_PAUSE_MS`], doubling up to [`MAX_PAUSE_MS`] while nothing is
//!   served). A refusal shrinks the window by one unless the call went alone.
//! - The window grows by one for each call served while others wait, from
//!   [`CALM_MS`] after its last shrinking, up to [`MAX_WINDOW`].
//! - A call goes again until [`MAX_WAIT_MS`] after it was made; then the
//!   refusal is its caller's. A call whose client has gone by its turn is not
//!   made. A call that failed otherwise (the node's own timeout) is its
//!   caller's at once.

#![allow(dead_code)]

use std::collections::VecDeque;

pub const FIRST_WINDOW: usize = 16;
pub const MAX_WINDOW: usize = 64;
pub const CALM_MS: u64 = 1000;
pub const FIRST_PAUSE_MS: u64 = 100;
pub const MAX_PAUSE_MS: u64 = 1000;
pub const MAX_WAIT_MS: u64 = 60_000;

/// One realtime node's window. Calls are the fleet's call ids.
#[derive(Debug)]
pub struct Gate {
    pub window: usize,
    pub in_flight: usize,
    waiting: VecDeque<usize>,
    shrunk_at: Option<u64>,
    pause_ms: u64,
    /// Until when no call goes (a pause), if paused.
    pub paused_until: Option<u64>,
    pub stats: GateStats,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct GateStats {
    pub made: u32,
    pub served: u32,
    pub not_served: u32,
    pub gone: u32,
    pub shrinks: u32,
    pub peak_waiting: usize,
    pub min_window: usize,
}

/// The calls that go now, each `(id, n)`: call `id`, made as the `n`-th in
/// flight (what a refusal of it then does to the window depends on `n`).
pub type Go = Vec<(usize, usize)>;

impl Default for Gate {
    fn default() -> Gate {
        Gate {
            window: FIRST_WINDOW,
            in_flight: 0,
            waiting: VecDeque::new(),
            shrunk_at: None,
            pause_ms: FIRST_PAUSE_MS,
            paused_until: None,
            stats: GateStats {
                min_window: FIRST_WINDOW,
                ..GateStats::default()
            },
        }
    }
}

impl Gate {
    /// Calls waiting for their turn.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Call `id` waits for its turn (`first`: ahead of the others, a call going
    /// again); returns the calls that go now.
    pub fn turn(&mut self, id: usize, first: bool, gone: impl Fn(usize) -> bool) -> Go {
        if first {
            self.waiting.push_front(id);
        } else {
            self.waiting.push_back(id);
        }
        self.stats.peak_waiting = self.stats.peak_waiting.max(self.waiting.len());
        self.admit(gone)
    }

    /// The calls that go now: while not paused and the window has room. A call
    /// whose client is `gone` is not made and frees its place at once.
    pub fn admit(&mut self, gone: impl Fn(usize) -> bool) -> Go {
        let mut go = Vec::new();
        while self.paused_until.is_none() && self.in_flight < self.window {
            let Some(id) = self.waiting.pop_front() else {
                break;
            };
            if gone(id) {
                self.stats.gone += 1;
                continue;
            }
            self.in_flight += 1;
            self.stats.made += 1;
            go.push((id, self.in_flight));
        }
        go
    }

    /// A call was served at `now`: the window grows while others wait, once calm.
    pub fn served(&mut self, now: u64, gone: impl Fn(usize) -> bool) -> Go {
        self.stats.served += 1;
        self.pause_ms = FIRST_PAUSE_MS;
        let calm = self.shrunk_at.map_or(true, |t| now >= t + CALM_MS);
        if !self.waiting.is_empty() && calm && self.window < MAX_WINDOW {
            self.window += 1;
        }
        self.release(gone)
    }

    /// A call's place is free (its caller's own timeout).
    pub fn release(&mut self, gone: impl Fn(usize) -> bool) -> Go {
        self.in_flight -= 1;
        self.admit(gone)
    }

    /// A call made as the `n`-th in flight was refused at `now`. With none left in
    /// flight, the calls wait a pause: the fleet calls [`Gate::unpause`] at
    /// `paused_until`.
    pub fn refused(&mut self, now: u64, n: usize, gone: impl Fn(usize) -> bool) -> Go {
        self.in_flight -= 1;
        self.stats.not_served += 1;
        if n > 1 && self.window > 1 {
            self.window -= 1;
            self.shrunk_at = Some(now);
            self.stats.shrinks += 1;
            self.stats.min_window = self.stats.min_window.min(self.window);
        }
        if self.in_flight > 0 || self.paused_until.is_some() {
            return self.admit(gone);
        }
        self.paused_until = Some(now + self.pause_ms);
        self.pause_ms = (2 * self.pause_ms).min(MAX_PAUSE_MS);
        Vec::new()
    }

    /// The pause is over at `now` (ignored unless it ends now).
    pub fn unpause(&mut self, now: u64, gone: impl Fn(usize) -> bool) -> Go {
        if self.paused_until != Some(now) {
            return Vec::new();
        }
        self.paused_until = None;
        self.admit(gone)
    }
}
