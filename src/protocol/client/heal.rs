//! Heal: the joins a connection made under stress sends one at a time, and
//! sends again, since Frappe's server may have dropped them without a word.
//!
//! # Data
//!
//! - the rounds of re-sent joins left on this connection, the gap before the
//!   next one, and which join of the round goes next;
//! - while the joins of a CONNECT are sent one at a time (after a loaded
//!   one, or past the first [`JOINS_AT_ONCE`] of a reconnect), the pace they
//!   divide;
//! - the CONNECT's measure: when the current attempt sent it, how long the
//!   attempt had taken until then, and the quickest wait the client has had.
//!
//! # Invariants
//!
//! - [`Timer::Heal`] is armed only here: while the joins of a CONNECT are
//!   being sent one at a time, or rounds are left on a connection made under stress
//!   (the `Client` stops it when the connection goes).
//! - The jitter is the backoff's ([`Backoff::within`], one generator per
//!   client): the heal draws and the retry delays come from one seeded stream.
//!
//! # The policy (issue 16; docs/architecture.md, "Retry policy")
//!
//! - **Rooms that heal, paced.** Frappe's server drops a `doc_subscribe` (and
//!   `doctype_subscribe`, `doc_open`) whose permission call to the web server
//!   failed, without a word to the client; under a reconnect herd the web
//!   server refuses or times out exactly then, for whichever client's join
//!   comes at the wrong moment (a client that connected quickly loses joins
//!   too, so its own connect time tells nothing). A reconnect, or a first
//!   connection made under stress — its run saw a transient refusal, or the
//!   attempt took [`SLOW_CONNECT`](super::SLOW_CONNECT) or more (the web
//!   server's queue) — re-sends its joins in [`HEAL_ROUNDS`] rounds. Each
//!   re-sent join is one more permission call, so the rounds wait until the
//!   herd is likely over, then trickle: a round starts anywhere in `[G, 3G]`
//!   after the CONNECT (or the previous round), `G = max(`[`HEAL_FIRST`]`,
//!   `[`HEAL_AFTER_SLOW`]` × the CONNECT's round trip)` (a herd of N clients
//!   in R rooms is N × (1 + R) calls: 10 s of work for 1,000 clients in 3
//!   rooms on 4 workers of 10 ms), doubling at every round; within a round
//!   each join waits anywhere in `[1, G / rooms]` after the previous one (one
//!   call at a time per client). Fleet simulation (tests/support/fleet.rs; 3
//!   seeds, 300 s), against rounds at 2, 6 and 14 s with every join at once: a
//!   queueing web server of 10 ms calls had every room back after 10.0 s with
//!   no call timed out (12.7 s, 3,092–3,452 timed out), one of 25 ms calls
//!   after 82–86 s (1,817–1,883 of 3,000 rooms after 300 s: the re-sent joins
//!   kept its queue past the realtime server's timeout), a refusing one of 10
//!   ms calls after 93–149 s (2,722–2,751).
//!   Joining a room held already changes nothing on the server. A page's first,
//!   quick connection re-sends nothing. Six rounds: a herd that outlasts a
//!   client's rounds has its joins refused or timed out in every one of them,
//!   and such a room stays lost while the page believes it holds it. With
//!   three (until stop 25), 1,000 clients on a refusing web server of 4
//!   workers of 50 ms had 2,990–2,994 of 3,000 rooms back after 1,200 s; with
//!   five (until stop 37) every room of every fleet came back whose node
//!   handled its messages as they came (docs/retry-policy.md, "Rooms that
//!   heal, paced", has the rows), but with a node that handles them in batches
//!   every 20 ms, as the browser herd's does, 10,000 clients on 4 refusing
//!   workers (a web server ten times too small) lost 6–14 of 30,000 rooms for
//!   good: their herd outlasted all five. With six, every room back after
//!   1,715.5–1,897.0 s (seeds 1–3), every other fleet as before. The rounds
//!   after the third come 80–240 s, 160–480 s and 320–960 s after the one
//!   before (with `G` at 10 s), a trickle, at a price: 3 × R more calls per
//!   client over those minutes (1,000 clients in 3 rooms: 22,000 calls instead
//!   of 13,000 on a web server that keeps up).
//! - **Joins after a loaded CONNECT, no faster than the web server serves
//!   them.** The CONNECT's round trip (sent to answered) is the web server's
//!   `get_user_info` and the realtime node's own time. The transport and the
//!   Engine.IO handshake before it do not reach the web server, so their time
//!   is taken off the round trip as the node's share, but never more than
//!   half of it: a node that takes connections in late (a backlog) delays the
//!   handshake and not the CONNECT, and taking the handshake off whole then
//!   calls a real queue none. What is left is the CONNECT's wait, and the
//!   quickest wait a client has had is its measure of that web server idle. A
//!   reconnect whose CONNECT waited more than [`LOADED_FACTOR`] times that, and
//!   more than [`LOADED_MIN`], found a queue, and its joins would go to the end
//!   of it in one block with everyone else's. They go from `rooms − 1` paces
//!   after the CONNECT on, one at a time, each anywhere in `[1, pace / rooms]`
//!   after the previous one, the pace being the wait (after a slow handshake,
//!   more: below). In a herd each client's wait is one
//!   `get_user_info` call longer than the one before it, so the joins of all
//!   reach the web server a little slower than it serves them (on average
//!   `rooms` joins in the time of `rooms + (rooms + 1) / (4 × rooms)` of its
//!   calls): its queue shrinks from the herd's burst instead of growing, and
//!   times out no join unless that burst alone outlasts the realtime server's
//!   wait.
//!
//!   That holds for a burst. A realtime node that takes the herd in slowly (a
//!   backlog of connections to accept: the browser herd's node opens the pages'
//!   WebSockets over 2–7 s, then answers a CONNECT of its main namespace in
//!   0.1 s) lets the CONNECTs reach the web server as a trickle that it serves
//!   as they come, and a client's wait then shows the queue left, not the
//!   clients served ahead of it whose joins are still to come: the waits stay
//!   short, everyone's joins come as fast as the clients connect, and the
//!   queue outgrows the realtime server's wait when the trickle ends. So the
//!   joins are paced on the wait plus a third of the handshake's time
//!   ([`HANDSHAKE_PART`]: work of the herd the web server served while this
//!   client waited for the node). Stop 35, against the wait alone: the
//!   browser herd of 1,000 clients in 5 rooms timed out 2,064 calls and had
//!   its rooms back after 87.4 s (71.8 s, 565 timed out, in another; two of
//!   four runs), now none in four; on the fleet, a node taking a connection
//!   every 5 ms, 25 ms calls and 5 rooms, 179–185 s (1,511–1,585 timed out) →
//!   45.9–46.0 s, none. The price: with 3 rooms the browser herd is back a
//!   little past its bound in most runs, none lost (docs/retry-policy.md has
//!   every row).
//!
//!   A third is what the web server served while the node took this client in
//!   when it stood partly idle (a node slower than the web server: its queue
//!   made by the joins). But the queue this client's CONNECT waited in built
//!   up while the node took the herd in, the web server busy: as long as the
//!   wait, the handshake counts whole, and a third of the rest (stop 37). The
//!   pace then grows with the handshake, that is with the client's place in
//!   the node's intake, even where the waits are alike. Stop 36 counted the
//!   whole handshake when it took no longer than the wait, else a third of it
//!   or the wait, whichever was more: flat for handshakes from one to three
//!   waits. A standing queue left by the first clients' joins makes every later
//!   client's wait the same, and the joins of all the clients taken in over 7 s
//!   came together 20 s later (docs/retry-policy.md, "Stop 36"): on the
//!   fleet's grid of node speeds (`cargo bench --bench herd_grid`, 121 cells of
//!   1,000 clients) 5 rooms on 22–25 ms calls at 7–8 ms a connection timed
//!   calls out, 252.0–290.1 s; now 38.6–43.8 s, none. No cell of the grid
//!   times calls out (3 before; 16 with stop 35's constants), every room
//!   back after 1.09 times the bound on average (1.23; 1.68). The price: the
//!   grid's cells most like the browser herd (3 rooms on 14 and 18 ms calls,
//!   3–10 ms a connection) 1.04 times their bound on average instead of 0.99;
//!   the browser herd itself came back within its bound in each of three runs
//!   (three runs of stop 36's build, alternated with them: 1.0, 0.94 and 1.22
//!   times it).
//!
//!   The client's measure of the herd's work is `(rooms + 1) × that pace`, and
//!   a client anywhere in a herd has seen on average half of it: the heal
//!   rounds wait at least three times that (`G = max(HEAL_FIRST,
//!   HEAL_AFTER_SLOW × the CONNECT's round trip,
//!   HEAL_AFTER_LOADED × (rooms + 1) × the pace)`), so no round re-sends a join
//!   while the herd may still be queued. Twice until stop 36, which ran the
//!   fleet over a grid of realtime nodes taking the herd in at 0 to 15 ms a
//!   connection (`cargo bench --bench herd_grid`: 121 cells of 1,000 clients, 3
//!   seeds each): the rounds of the clients that saw little of a herd still
//!   came in its tail, and herds of more than about 25 s of work timed calls
//!   out in 16 cells; with three times, in 8, every room back after 1.44 times
//!   the bound on average instead of 1.68, the burst of 25 ms calls within its
//!   bound (27.4 → 26.8 s), refusing web servers unchanged (no loaded CONNECT
//!   there). The price: a herd whose burst outlasts the realtime server's wait
//!   (1,000 clients on 50 ms calls) waits longer for the rounds that bring its
//!   timed-out joins back (311.7 → 449.4 s).
//!
//!   Until stop 30 the joins aimed at the middle of that measure (from
//!   `(rooms − 1) / 2` waits on, over two waits), the heal rounds waited it once:
//!   with more than 3 rooms the joins came faster than the web server served
//!   them and the queue outgrew the realtime server's wait. Fleet simulation
//!   (1,000 clients on 4 workers, queueing, worst of 3 seeds, stop 30 → 31):
//!   25 ms calls and 5 rooms 159.7 → 43.1 s (3,829 → 0 calls timed out), 20 ms
//!   and 5 rooms 128.6 → 33.6 s, 25 ms and 3 rooms 28.3 → 27.4 s, 1 room 18.4 →
//!   12.7 s; where the burst itself outlasts the wait (50 ms calls, 10,000
//!   clients on 4 workers) it comes back later (226.7 → 311.7 s, 603.8 →
//!   635.7 s). docs/retry-policy.md has every row, and what was tried.
//!
//!   Emits buffered offline go out at the CONNECT, before paced joins. A page
//!   on an idle web server sends its joins at once (after a reconnect, the
//!   first four: below).
//! - **Joins paced after a reconnect, past the first four.** A reconnect whose
//!   CONNECT found no queue sends its first [`JOINS_AT_ONCE`] joins at once
//!   and the others as after a loaded CONNECT: from `rooms − 1` paces on, one
//!   at a time, the pace being its own short wait. The clients at the head of
//!   a herd meet no queue. Had each sent all its joins at once, a client in
//!   many rooms (a connection shared by a browser's tabs holds all their
//!   rooms; an application may subscribe to every document it lists) put them
//!   ahead of the CONNECTs still arriving, every client behind measured a wait
//!   made of them, and its pace multiplied that by its rooms: the web server
//!   stood idle while the joins waited. Fleet simulation (stop 40; queueing
//!   web server of 4 workers, 10 ms calls, about 10 s of work, bound 12 s;
//!   worst of 3 seeds): 190 clients in 20 rooms 20.1 → 11.3 s, 129 in 30 rooms
//!   26.7 → 11.1 s, 78 in 50 rooms 43.4 → 10.2 s, 40 in 100 rooms 75.6 → 11.0
//!   s; 1,000 in 20 rooms on 40 workers 9.6 → 5.7 s (bound 7.2 s); 129 in 30
//!   rooms on 25 ms calls 47.7 → 27.7 s (bound 27 s). Four, a Desk form's
//!   page (its document, its presence, its list, a task): a page in up to four
//!   rooms does as before, and so does every herd of docs/scale.md (3 rooms).
//!   One to three at once did about as well (up to 2 s better on 25 ms calls)
//!   but would pace that page's last rooms; five a little worse (30 rooms
//!   11.6 s, 25 ms calls 28.5 s): the more a client sends at once, the more
//!   the waits behind it hold. The price: a page alone has its rooms past the
//!   fourth `rooms − 1` paces after its CONNECT (a pace of about twice the
//!   CONNECT's round trip: 20 rooms at 50 ms, about 2 s). Left open: the pace
//!   assumes every client ahead holds as many rooms as this one, so a client
//!   in many rooms among clients in few waits for joins that never come (500
//!   clients in 3 rooms, one in ten in 30: 34.8 s against a bound of 10.4 s);
//!   assuming fewer overflows a backlog where all hold many (docs/retry-policy.md,
//!   "Stop 40").
//! - **When the server answers joins** (`join_acks.rs`): a reconnect sends
//!   [`LOADED_JOINS_AT_ONCE`] join at a loaded CONNECT (else
//!   [`JOINS_AT_ONCE`]) and one more for each answer, the pace above only
//!   putting off the next join while no answer comes (a server that answers
//!   some joins and not others); the rounds re-send only the joins not
//!   answered for good, and stop when none is left (the mixed fleet above:
//!   8.4 s; docs/retry-policy.md, "Stop 41").

use super::context::Context;
use super::timers::Timer;
use crate::protocol::backoff::Backoff;
use crate::protocol::time::{Duration, Instant};

/// How many rounds of re-sent joins a reconnect, or a connection made under
/// stress, makes (see "Rooms that heal, paced").
pub const HEAL_ROUNDS: u32 = 6;

/// The shortest gap before the first round of re-sent joins: past the herd's
/// burst of calls (the later rounds double it).
pub const HEAL_FIRST: Duration = Duration(10_000);

/// The first round's gap is at least this many times the CONNECT's round trip
/// (sent to answered: the web server's `get_user_info` and the realtime node's
/// own time). Not the whole attempt's: the transport and the Engine.IO
/// handshake before the CONNECT reach no web server, and a node slow to take a
/// herd in made them long (until stop 33 they counted, and stretched every
/// round after them: docs/retry-policy.md, "Rooms that heal, paced").
pub const HEAL_AFTER_SLOW: u64 = 2;

/// A reconnect whose CONNECT waited more than this many times the quickest
/// CONNECT the client has had found the web server loaded (see "Joins after
/// a loaded CONNECT").
pub const LOADED_FACTOR: u64 = 4;

/// ... and at least this long: a few ms more on a quick web server say nothing
/// (and a short wait paces the joins over as short a time).
pub const LOADED_MIN: Duration = Duration(25);

/// The heal rounds after a loaded CONNECT wait at least this many times the
/// client's measure of the herd's work: a client anywhere in the herd has seen
/// on average half of the queue ahead of the last one, and the first clients
/// much less (2 until stop 36; see "Joins after a loaded CONNECT").
pub const HEAL_AFTER_LOADED: u64 = 3;

/// A reconnect whose CONNECT found no queue sends this many of its joins at
/// once, and paces the others as after a loaded CONNECT (see "Joins paced
/// after a reconnect").
pub const JOINS_AT_ONCE: usize = 4;

/// A reconnect whose CONNECT found the web server loaded, on a server that
/// answers joins, sends this many of its joins at once and one more for each
/// answer (`join_acks.rs`, "The policy").
pub const LOADED_JOINS_AT_ONCE: usize = 1;

/// The joins after a loaded CONNECT are paced on its wait plus the transport
/// and Engine.IO handshake's time before it, up to the wait whole and one part
/// in this many of the rest: work of the herd the web server served while
/// this client waited for the realtime node, which the CONNECT's wait does not
/// show (see "Joins after a loaded CONNECT").
pub const HANDSHAKE_PART: u64 = 3;

/// See the module documentation.
#[derive(Debug)]
pub(super) struct Heal {
    /// Rounds of re-sent joins left on this connection, and the gap before
    /// the next one.
    left: u32,
    gap: Duration,
    /// The join of the current round to send next.
    index: usize,
    /// While the joins of the CONNECT are sent one at a time (the first
    /// round): the window their pace divides.
    first_round: Option<Duration>,
    /// When the current attempt sent its CONNECT, and how long the attempt had
    /// taken until then (the transport and the Engine.IO handshake).
    connect_sent: Instant,
    handshake: Duration,
    /// The quickest CONNECT's wait the client has had (`u64::MAX` before the
    /// first).
    quickest: Duration,
}

impl Heal {
    /// No connection measured yet.
    pub(super) fn new() -> Heal {
        Heal {
            left: 0,
            gap: Duration(0),
            index: 0,
            first_round: None,
            connect_sent: Instant(0),
            handshake: Duration(0),
            quickest: Duration(u64::MAX),
        }
    }

    /// The CONNECT goes out `now`, the attempt having taken `took` until then.
    pub(super) fn connect_sent(&mut self, now: Instant, took: Duration) {
        // The CONNECT's round trip (the part of the attempt that waits for the web
        // server's `get_user_info`) will be measured from here, and the time the
        // transport and the Engine.IO handshake took before it (the realtime node's
        // and the network's) taken off, a part of it counted in the joins' pace
        // (see "Joins after a loaded CONNECT").
        self.connect_sent = now;
        self.handshake = took;
    }

    /// The namespace connected `now`, the client holding `rooms` joins;
    /// `stressed`: a reconnect, or its run saw a transient refusal, or the
    /// attempt took [`SLOW_CONNECT`](super::SLOW_CONNECT) or more. Returns how
    /// many of the joins, the first ones, are to be sent now (`step` sends the
    /// others, paced: see "Joins paced after a reconnect").
    pub(super) fn connected(
        &mut self,
        now: Instant,
        stressed: bool,
        rooms: usize,
        jitter: &mut Backoff,
        cx: &mut Context,
    ) -> usize {
        // The CONNECT's wait: its round trip less the handshake's time, and at least
        // half the round trip (see the module docs). This one counts: a first
        // CONNECT is never loaded by this measure.
        let rtt = now.saturating_since(self.connect_sent).0;
        let wait = Duration(rtt.saturating_sub(self.handshake.0).max(rtt / 2));
        self.quickest = self.quickest.min(wait);
        self.first_round = None;
        if !stressed {
            return rooms;
        }
        self.left = HEAL_ROUNDS;
        // `rtt` is real time (ms): these products cannot overflow.
        self.gap = Duration((rtt * HEAL_AFTER_SLOW).max(HEAL_FIRST.0));
        let loaded = wait.0
            > self
                .quickest
                .0
                .saturating_mul(LOADED_FACTOR)
                .max(LOADED_MIN.0);
        // A server that answers joins paces them itself: one or a few at once, one
        // more for each answer (`join_acks.rs`); the pace below is then the fallback.
        let at_once = match (loaded, cx.config.join_acks) {
            (false, _) => JOINS_AT_ONCE,
            (true, false) => 0,
            (true, true) => LOADED_JOINS_AT_ONCE,
        };
        if rooms <= at_once {
            self.next_round(now, jitter, cx);
            return rooms;
        }
        // The pace: the wait, and the herd's work served while the node took this
        // client in: the handshake's time up to the wait, whole (the queue grew
        // meanwhile: the web server was busy), and a third of the rest. The joins not
        // sent at once go from `rooms − 1` paces on, each within a pace / rooms of the
        // previous (see the module docs).
        let h = self.handshake.0;
        let whole = h.min(wait.0);
        let pace = Duration(wait.0 + whole + (h - whole) / HANDSHAKE_PART);
        let r = rooms as u64;
        if loaded {
            // The herd's work as this client measured it: the heal rounds wait three
            // times all of it.
            let window = pace.0 * (r + 1) * HEAL_AFTER_LOADED;
            self.gap = self.gap.max(Duration(window));
        }
        self.first_round = Some(pace);
        self.index = at_once;
        let lead = Duration(pace.0 * (r - 1));
        self.pace_join(now + lead, rooms, jitter, cx);
        at_once
    }

    /// Arms [`Timer::Heal`] for the next round of re-sent joins, if any is left.
    fn next_round(&mut self, now: Instant, jitter: &mut Backoff, cx: &mut Context) {
        let gap = self.gap;
        self.index = 0;
        let at =
            (self.left > 0).then(|| now + gap + jitter.within(Duration(gap.0.saturating_mul(2))));
        cx.timers.set(Timer::Heal, at);
    }

    /// [`Timer::Heal`] is due: returns which of the `count` joins to send now
    /// (the caller sends it; none when out of range) and arms the next.
    /// `answered`: not the timer but an answer to one of the CONNECT's joins
    /// (`join_acks.rs`); the timer is then put off to when the pace would
    /// have sent the join after next, in case no answer comes.
    pub(super) fn step(
        &mut self,
        now: Instant,
        count: usize,
        answered: bool,
        jitter: &mut Backoff,
        cx: &mut Context,
    ) -> usize {
        let index = self.index;
        if index + 1 >= count {
            // The joins of the CONNECT are not a heal round.
            if self.first_round.take().is_none() {
                self.left = self.left.saturating_sub(1);
                self.gap = Duration(self.gap.0.saturating_mul(2));
            }
            self.next_round(now, jitter, cx);
        } else {
            // One call at a time: the next join of this round.
            self.index = index + 1;
            match self.first_round {
                Some(pace) if answered => {
                    // At least 1 ms: a CONNECT answered at once measures a pace
                    // of 0, and a deadline is never left at `now`.
                    let rest = (count - index - 1) as u64;
                    let off = Duration((pace.0 * rest).max(1));
                    cx.timers.set(Timer::Heal, Some(now + off));
                }
                _ => self.pace_join(now, count, jitter, cx),
            }
        }
        index
    }

    /// Every join was answered for good on this connection (`join_acks.rs`):
    /// nothing is left to send or re-send.
    pub(super) fn settled(&mut self, cx: &mut Context) {
        self.left = 0;
        self.first_round = None;
        cx.timers.set(Timer::Heal, None);
    }

    /// Whether the joins of the CONNECT are still being sent, one at a time
    /// (see "Joins after a loaded CONNECT" and "Joins paced after a
    /// reconnect").
    pub(super) fn joins_paced(&self) -> bool {
        self.first_round.is_some()
    }

    /// A room was left: while the joins of the CONNECT are still being sent
    /// one at a time, they start over on the rooms left (the indices moved, and
    /// a join not yet sent must not be skipped; one sent twice is harmless).
    pub(super) fn room_left(&mut self) {
        if self.first_round.is_some() {
            self.index = 0;
        }
    }

    /// Arms [`Timer::Heal`] for the next join of the round, anywhere in
    /// `[1, window / count]` from `now`.
    fn pace_join(&mut self, now: Instant, count: usize, jitter: &mut Backoff, cx: &mut Context) {
        let window = self.first_round.unwrap_or(self.gap);
        let pace = Duration(window.0 / count.max(1) as u64);
        cx.timers.set(Timer::Heal, Some(now + jitter.within(pace)));
    }
}
