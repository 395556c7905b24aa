//! The timing invariants: deadlines, the heartbeat, and the fast path's
//! contract (listed in the module documentation of `mod.rs`).

use super::{frames, Before, Machine, Step};
use frappe_realtime::protocol::client::{DisconnectReason, Event, Transmit};

impl Machine {
    pub(super) fn check_deadlines(
        &mut self,
        before: &Before,
        step: &Step,
        called: bool,
        transmits: &[Transmit],
        events: &[Event],
    ) {
        let now = self.now;
        let deadline = self.client.poll_timeout();
        if let (true, Some(d)) = (called, deadline) {
            assert!(d >= now, "deadline {d:?} in the past at {now:?}");
            let zero = step.zero_armed || (self.zero_ping && step.frame_on.is_some());
            if step.timeout_only || !zero {
                assert!(d > now, "deadline {d:?} left at now after {step:?}");
            }
        }
        // A connection whose heartbeat window has passed is found dead by the
        // next input, whatever the timers did.
        if let (true, true, Some(session)) = (called, self.client.connected(), self.rooms.session())
        {
            if let Some(&(last, window, beat_step)) = self.heartbeat.get(&session) {
                assert!(
                    beat_step == self.step || now < last + window,
                    "still connected at {now:?}, past the heartbeat window from {last:?} ({window:?})"
                );
            }
        }
        let before_due = !before.deadline.is_some_and(|d| d <= now);
        if step.timeout_only && before_due {
            assert!(
                transmits.is_empty() && events.is_empty(),
                "handle_timeout before the deadline did something: {transmits:?} {events:?}"
            );
            assert_eq!(
                deadline, before.deadline,
                "handle_timeout before the deadline moved it"
            );
            self.stats.idle_timeouts += 1;
        }
        let Some((id, frame)) = step.plain.as_ref().filter(|_| !step.multi) else {
            return;
        };
        let prefix = format!("42{}", frames::prefix(&self.config.namespace));
        let rest = frame
            .strip_prefix(prefix.as_str())
            .filter(|r| r.starts_with('['));
        let (Some(rest), true, true) = (rest, before.plain == Some(*id), before_due) else {
            return;
        };
        // A malformed payload (the name no string, JSON the driver cannot parse)
        // goes to the core in the browser driver too (glue.js), which counts it:
        // the session's MAX_PROTOCOL_ERRORS-th closes it, as any other input would.
        if let [Event::Error { .. }, Event::Disconnect {
            reason: DisconnectReason::ParseError,
        }, ..] = events
        {
            return;
        }
        assert!(
            transmits.is_empty(),
            "a plain event transmitted {transmits:?}"
        );
        match events {
            [Event::Message {
                data,
                ack: None,
                attachments,
                ..
            }] => {
                assert_eq!(data, rest, "a plain event's data is not the frame's");
                assert!(attachments.is_empty());
            }
            [Event::Error { .. } | Event::Refused { .. }] => {}
            other => panic!("a plain event {frame:?} reported {other:?}"),
        }
        assert_eq!(deadline, before.deadline, "a plain event moved a deadline");
        assert_eq!(self.client.plain_event_transport(), before.plain);
        assert_eq!(self.client.state(), before.state);
        assert_eq!(self.client.buffered(), before.buffered);
        self.stats.plain_frames += 1;
    }

    /// A ping timeout must be due: the session's last heartbeat is at least
    /// `pingInterval + pingTimeout` old.
    pub(super) fn check_heartbeat_due(&self, session: Option<u32>) {
        if let Some(&(last, window, _)) = session.and_then(|s| self.heartbeat_before.get(&s)) {
            assert!(
                self.now >= last + window,
                "ping timeout at {:?}, though the last heartbeat at {last:?} allowed {window:?}",
                self.now
            );
        }
    }
}
