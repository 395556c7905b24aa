//! The driver's one timer, armed for the core's `poll_timeout()`. Re-arming
//! replaces (and so clears) the previous timeout; dropping it clears it.

use crate::browser::driver::{self, Weak};
use crate::protocol::time::Instant;
use gloo_timers::callback::Timeout;

/// The armed timeout and the deadline it was armed for.
#[derive(Default)]
pub struct Timer {
    armed: Option<(Instant, Timeout)>,
}

impl Timer {
    /// Arms for `deadline` (or disarms on `None`); nothing changes when already
    /// armed for the same deadline.
    pub fn arm(&mut self, deadline: Option<Instant>, now: Instant, driver: &Weak) {
        if self.armed.as_ref().map(|(d, _)| *d) == deadline {
            return;
        }
        self.armed = deadline.map(|d| {
            let ms = d
                .saturating_since(now)
                .as_millis()
                .min(u64::from(u32::MAX / 2)) as u32;
            let weak = driver.clone();
            let timeout = Timeout::new(ms, move || {
                driver::input(&weak, |c, now| c.handle_timeout(now));
            });
            (d, timeout)
        });
    }

    /// Whether a timeout is armed (for leak tests).
    pub fn is_armed(&self) -> bool {
        self.armed.is_some()
    }
}
