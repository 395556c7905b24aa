//! What a run reached: counters of the checks that actually ran, so the stable
//! replay can assert that its inputs got deep enough to mean something.

/// How often the interesting checks actually ran, so that a replay can show it
/// did not pass vacuously.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub steps: usize,
    pub connects: usize,
    pub recovered: usize,
    /// CONNECTs whose `recovered` flag was checked against the pids on the wire.
    pub recovery_checked: usize,
    pub reconnects: usize,
    pub upgrades: usize,
    pub messages: usize,
    /// Quiet points at which the room stream, the server's rooms and the
    /// delivery of owed emits were checked complete.
    pub quiet_checks: usize,
    /// Connections after the first whose restore of at least one subscription
    /// was seen complete on the wire.
    pub restores_verified: usize,
    /// Emits that waited in the buffer and were flushed at a CONNECT.
    pub flushed: usize,
    pub dropped: usize,
    pub acks_settled: usize,
    /// `handle_timeout` before the deadline, checked to do nothing.
    pub idle_timeouts: usize,
    /// Plain EVENT frames checked against the fast-path contract.
    pub plain_frames: usize,
    /// CONNECTs whose joins the client paced (a loaded web server).
    pub paced: usize,
    /// Joins sent with an ack id (`join_acks`), and ACK frames delivered for one.
    pub join_acks: usize,
    pub join_answers: usize,
    /// Joins the model saw answered for good, then never sent again on their
    /// connection.
    pub joins_settled: usize,
    /// Scheduled attempts checked against `reconnection_attempts` after one
    /// that found nothing while probes ran (left out of the count).
    pub away_uncounted: usize,
}

impl Stats {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &Stats) {
        self.steps += other.steps;
        self.connects += other.connects;
        self.recovered += other.recovered;
        self.recovery_checked += other.recovery_checked;
        self.reconnects += other.reconnects;
        self.upgrades += other.upgrades;
        self.messages += other.messages;
        self.quiet_checks += other.quiet_checks;
        self.restores_verified += other.restores_verified;
        self.flushed += other.flushed;
        self.dropped += other.dropped;
        self.acks_settled += other.acks_settled;
        self.idle_timeouts += other.idle_timeouts;
        self.plain_frames += other.plain_frames;
        self.paced += other.paced;
        self.join_acks += other.join_acks;
        self.join_answers += other.join_answers;
        self.joins_settled += other.joins_settled;
        self.away_uncounted += other.away_uncounted;
    }
}
