//! Delivery: the application's emits on their way out, and the server's events
//! and acks on their way in.
//!
//! # Data
//!
//! - the offline buffer: emits made while not connected, oldest first, each with
//!   its encoded packet and attachments, until the next CONNECT sends them;
//! - the pending acks: the emits waiting for the server's ack, with their
//!   deadlines and whether they were sent yet (or still wait in the buffer);
//! - the ack requests of the server's events on this connection, each answered
//!   at most once;
//! - the binary EVENT or ACK whose attachments are still arriving;
//! - while the caller hands over an input it gives away
//!   ([`Client::handle_text_owned`](super::Client::handle_text_owned)): where that
//!   input ends, and the packet whose payload ends it, waiting for the input itself
//!   to become its payload (no copy of the bulk of a large message).
//!
//! # Invariants
//!
//! - The buffer holds at most `buffer_max_count` emits, none older than
//!   `buffer_max_age` once the deadlines were checked; every drop is reported
//!   (`Event::Dropped`) and takes the emit's ack with it.
//! - An ack that fails while its emit still waits in the buffer removes the emit:
//!   it is never sent.
//! - [`Timer::Ack`] is the earliest deadline among the pending acks and
//!   [`Timer::Buffer`] the expiry of the oldest buffered emit, re-armed after
//!   every change here.
//! - A server event with a reserved name ([`seam::is_reserved`]) is never
//!   delivered: it is reported as an `Event::Refused`, and its ack request is not
//!   recorded, so it can never be answered.

use super::api::{AckFailure, DropReason, Event};
use super::context::Context;
use super::fifo::Fifo;
use super::timers::Timer;
use crate::protocol::config::OverflowPolicy;
use crate::protocol::error::{DecodeError, UsageError};
use crate::protocol::json;
use crate::protocol::seam;
use crate::protocol::socket::{self, PacketType};
use crate::protocol::time::{Duration, Instant};
use alloc::string::String;
use alloc::vec::Vec;

/// An emit, encoded, waiting to be sent (or about to be).
#[derive(Debug)]
pub(super) struct Buffered {
    /// When the application emitted it.
    at: Instant,
    /// The event name, for `Event::Dropped`.
    name: String,
    /// Its ack id, if it asked for one.
    ack: Option<u64>,
    /// The encoded Socket.IO packet.
    pub(super) packet: String,
    /// Its binary attachments, in placeholder order.
    pub(super) attachments: Vec<Vec<u8>>,
}

impl Buffered {
    /// The EVENT (or BINARY_EVENT) packet of an emit of `name` with `args` (a
    /// JSON array text) on `namespace`, made at `now`.
    pub(super) fn event(
        now: Instant,
        namespace: &str,
        name: &str,
        args: &str,
        ack: Option<u64>,
        attachments: Vec<Vec<u8>>,
    ) -> Buffered {
        let kind = if attachments.is_empty() {
            PacketType::Event
        } else {
            PacketType::BinaryEvent
        };
        let payload = socket::event_payload(name, args);
        let packet = socket::Packet {
            kind,
            namespace,
            attachments: attachments.len() as u32,
            id: ack,
            data: &payload,
        }
        .to_text();
        Buffered {
            at: now,
            name: String::from(name),
            ack,
            packet,
            attachments,
        }
    }
}

/// An emit waiting for the server's ack.
#[derive(Debug)]
struct PendingAck {
    id: u64,
    deadline: Option<Instant>,
    /// Sent on a connection (fails on disconnect) rather than still buffered.
    sent: bool,
}

/// An event or ack whose binary attachments are still arriving.
#[derive(Debug)]
struct PartialBinary {
    kind: PacketType,
    id: Option<u64>,
    name: String,
    data: String,
    expected: u32,
    attachments: Vec<Vec<u8>>,
    /// The bytes held in `attachments`.
    bytes: usize,
}

/// The most server ack requests kept unanswered on one connection; beyond,
/// the oldest is dropped (an app that never answers must not grow memory).
pub(super) const MAX_SERVER_ACKS: usize = 1000;

/// See the module documentation.
#[derive(Debug, Default)]
pub(super) struct Delivery {
    buffer: Fifo<Buffered>,
    acks: Vec<PendingAck>,
    next_ack: u64,
    /// Ack ids the server asked for on this connection, oldest first.
    server_acks: Vec<u64>,
    /// An ack request was dropped on this connection (reported once).
    server_acks_dropped: bool,
    partial: Option<PartialBinary>,
    /// The address one past the end of an input given away, while it is handled.
    given_end: Option<usize>,
    /// The packet whose payload ends that input, and where the payload starts.
    taken: Option<(PartialBinary, usize)>,
}

impl Delivery {
    /// An input that ends at address `end` is being handled and given away: a
    /// payload that ends it is taken from it ([`Delivery::fill`]) rather than copied.
    pub(super) fn give(&mut self, end: usize) {
        self.given_end = Some(end);
    }

    /// The input's handling is over: the address where the payload taken from it
    /// starts, if one was.
    pub(super) fn taken_at(&mut self) -> Option<usize> {
        self.given_end = None;
        self.taken.as_ref().map(|t| t.1)
    }

    /// The taken payload (the given input, its head removed) goes to its packet,
    /// which is then delivered or waits for its attachments.
    pub(super) fn fill(&mut self, data: String, cx: &mut Context) {
        if let Some((mut partial, _)) = self.taken.take() {
            partial.data = data;
            self.settle(partial, cx);
        }
    }

    /// How many emits wait in the buffer.
    pub(super) fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Whether a binary packet waits for attachments.
    pub(super) fn reassembling(&self) -> bool {
        self.partial.is_some()
    }

    // ----- outgoing --------------------------------------------------------

    /// A fresh ack id for an ack the client handles itself (a join's:
    /// `join_acks.rs`).
    pub(super) fn next_id(&mut self) -> u64 {
        self.next_ack += 1;
        self.next_ack - 1
    }

    /// Registers the ack of an emit made at `now`, failing after `timeout` if
    /// any; returns its id.
    pub(super) fn expect_ack(
        &mut self,
        now: Instant,
        timeout: Option<Duration>,
        cx: &mut Context,
    ) -> u64 {
        let id = self.next_id();
        self.acks.push(PendingAck {
            id,
            deadline: timeout.map(|t| now + t),
            sent: false,
        });
        self.rearm(cx);
        id
    }

    /// Keeps an emit made while not connected; a full buffer drops one emit as
    /// `buffer_overflow` says.
    pub(super) fn hold(&mut self, item: Buffered, cx: &mut Context) {
        if self.buffer.len() >= cx.config.buffer_max_count {
            let dropped = match cx.config.buffer_overflow {
                OverflowPolicy::DropOldest if !self.buffer.is_empty() => {
                    let old = self.buffer.pop_front();
                    self.buffer.push_back(item);
                    old
                }
                _ => Some(item),
            };
            if let Some(d) = dropped {
                self.discard(d, DropReason::BufferFull, cx);
            }
        } else {
            self.buffer.push_back(item);
        }
        self.rearm(cx);
    }

    /// The oldest buffered emit, taken out to be sent.
    pub(super) fn next_buffered(&mut self, cx: &mut Context) -> Option<Buffered> {
        let item = self.buffer.pop_front();
        self.rearm(cx);
        item
    }

    /// An emit about to go on a session whose server takes messages of at most
    /// `max_payload` bytes. The server would close the connection on a larger
    /// one (socket.io's `maxHttpBufferSize`) and the emit would be lost with it:
    /// it is dropped instead, and `None` returned. Otherwise its ack (if any)
    /// now counts as sent, and the emit is handed back to be sent.
    pub(super) fn release(
        &mut self,
        item: Buffered,
        max_payload: Option<u64>,
        cx: &mut Context,
    ) -> Option<Buffered> {
        let max = max_payload.map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX));
        // "4" + packet on WebSocket; on polling binary goes as "b" + base64.
        if item.packet.len() + 1 > max
            || item
                .attachments
                .iter()
                .any(|a| a.len().div_ceil(3) * 4 + 1 > max)
        {
            self.discard(item, DropReason::TooLarge, cx);
            return None;
        }
        if let Some(id) = item.ack {
            if let Some(a) = self.acks.iter_mut().find(|a| a.id == id) {
                a.sent = true;
            }
        }
        Some(item)
    }

    /// Drops the buffered emits whose time ran out at `now`.
    pub(super) fn expire(&mut self, now: Instant, cx: &mut Context) {
        let max_age = cx.config.buffer_max_age;
        while let Some(front) = self.buffer.front() {
            if now < front.at + max_age {
                break;
            }
            if let Some(item) = self.buffer.pop_front() {
                self.discard(item, DropReason::Expired, cx);
            }
        }
        self.rearm(cx);
    }

    /// Fails the acks whose deadline passed at `now`.
    pub(super) fn time_out_acks(&mut self, now: Instant, cx: &mut Context) {
        self.fail_acks(AckFailure::Timeout, Some(now), cx);
    }

    /// The connection ended: the server's ack requests lapse and the acks of
    /// emits sent on it fail. Buffered emits stay.
    pub(super) fn connection_ended(&mut self, cx: &mut Context) {
        self.server_acks.clear();
        self.server_acks_dropped = false;
        self.fail_acks(AckFailure::Disconnected, None, cx);
    }

    /// Takes the server's ack request `id`; `false` when there is none.
    pub(super) fn take_server_ack(&mut self, id: u64) -> bool {
        let Some(at) = self.server_acks.iter().position(|&a| a == id) else {
            return false;
        };
        remove_at(&mut self.server_acks, at);
        true
    }

    /// Forgets the pending ack `id` (one copy of `Vec::retain` for both callers).
    fn forget_ack(&mut self, id: u64) {
        self.acks.retain(|a| a.id != id);
    }

    fn discard(&mut self, item: Buffered, reason: DropReason, cx: &mut Context) {
        if let Some(id) = item.ack {
            self.forget_ack(id);
        }
        cx.events.push_back(Event::Dropped {
            name: item.name,
            ack: item.ack,
            reason,
        });
        self.rearm(cx);
    }

    /// Fails and forgets the pending acks whose deadline passed at `due`, or
    /// without `due` those of emits sent on the connection. An emit whose ack
    /// failed while it was still buffered is never sent.
    fn fail_acks(&mut self, reason: AckFailure, due: Option<Instant>, cx: &mut Context) {
        // One closure for both cases: one copy of `retain` in the module.
        let pred = |a: &PendingAck| match due {
            Some(now) => a.deadline.is_some_and(|d| now >= d),
            None => a.sent,
        };
        let (events, buffer) = (&mut cx.events, &mut self.buffer);
        self.acks.retain(|a| {
            if !pred(a) {
                return true;
            }
            // Each buffered emit taken from the front and put back unless it waited
            // for this ack: the order is kept, as `retain` would, with the
            // `pop_front` / `push_back` the buffer already uses.
            for _ in 0..buffer.len() {
                if let Some(b) = buffer.pop_front() {
                    if b.ack != Some(a.id) {
                        buffer.push_back(b);
                    }
                }
            }
            events.push_back(Event::AckFailed { id: a.id, reason });
            false
        });
        self.rearm(cx);
    }

    /// Sets [`Timer::Ack`] and [`Timer::Buffer`] from the acks and the buffer.
    fn rearm(&self, cx: &mut Context) {
        let ack = self.acks.iter().filter_map(|a| a.deadline).min();
        cx.timers.set(Timer::Ack, ack);
        let max_age = cx.config.buffer_max_age;
        cx.timers
            .set(Timer::Buffer, self.buffer.front().map(|b| b.at + max_age));
    }

    // ----- incoming --------------------------------------------------------

    /// An EVENT or ACK (binary or not) from the server: delivered now, or once
    /// its attachments arrived (a binary packet replaces one still waiting for
    /// attachments). Returns whether it was an event with a valid name, or the
    /// error to report (a malformed name; more attachments announced than
    /// `max_attachments`).
    pub(super) fn receive(
        &mut self,
        p: &socket::Packet<'_>,
        cx: &mut Context,
    ) -> Result<bool, DecodeError> {
        let is_event = matches!(p.kind, PacketType::Event | PacketType::BinaryEvent);
        if p.attachments > cx.config.max_attachments {
            return Err(DecodeError::TooManyAttachments);
        }
        let name = if is_event {
            p.event_name()?
        } else {
            String::new()
        };
        // The payload of a packet that ends an input given away is taken from it once
        // it is handled (`fill`): the bulk of a large message is held once, not twice.
        let at = p.data.as_ptr() as usize;
        let take = self.given_end == Some(at + p.data.len()) && !p.data.is_empty();
        let partial = PartialBinary {
            kind: p.kind,
            id: p.id,
            name,
            data: if take {
                String::new()
            } else {
                String::from(p.data)
            },
            expected: p.attachments,
            attachments: Vec::new(),
            bytes: 0,
        };
        if take {
            self.taken = Some((partial, at));
        } else {
            self.settle(partial, cx);
        }
        Ok(is_event)
    }

    /// A packet with its payload: delivered now, or once its attachments arrived.
    fn settle(&mut self, partial: PartialBinary, cx: &mut Context) {
        if partial.expected == 0 {
            self.deliver(partial, cx);
        } else {
            self.partial = Some(partial);
        }
    }

    /// A binary attachment arrived; the error to report when none was expected,
    /// or when the packet's attachments now hold more than
    /// `max_attachment_bytes` (the packet is dropped).
    pub(super) fn attachment(
        &mut self,
        data: Vec<u8>,
        cx: &mut Context,
    ) -> Result<(), DecodeError> {
        let Some(partial) = &mut self.partial else {
            return Err(DecodeError::UnexpectedBinary);
        };
        partial.bytes = partial.bytes.saturating_add(data.len());
        if partial.bytes > cx.config.max_attachment_bytes {
            self.partial = None;
            return Err(DecodeError::AttachmentsTooLarge);
        }
        partial.attachments.push(data);
        if partial.attachments.len() as u32 >= partial.expected {
            if let Some(done) = self.partial.take() {
                self.deliver(done, cx);
            }
        }
        Ok(())
    }

    /// Forgets a binary packet still waiting for attachments (its transport is gone).
    pub(super) fn forget_partial(&mut self) {
        self.partial = None;
    }

    fn deliver(&mut self, p: PartialBinary, cx: &mut Context) {
        match p.kind {
            PacketType::Event | PacketType::BinaryEvent => {
                if seam::is_reserved(&p.name) {
                    cx.events.push_back(Event::Refused { name: p.name });
                    return;
                }
                if let Some(id) = p.id {
                    if self.server_acks.len() >= MAX_SERVER_ACKS {
                        remove_at(&mut self.server_acks, 0);
                        if !self.server_acks_dropped {
                            self.server_acks_dropped = true;
                            cx.events.push_back(Event::Error {
                                error: DecodeError::TooManyAckRequests,
                            });
                        }
                    }
                    self.server_acks.push(id);
                }
                cx.events.push_back(Event::Message {
                    name: p.name,
                    data: p.data,
                    ack: p.id,
                    attachments: p.attachments,
                });
            }
            _ => {
                let Some(id) = p.id else { return };
                if !self.acks.iter().any(|a| a.id == id) {
                    return;
                }
                self.forget_ack(id);
                self.rearm(cx);
                cx.events.push_back(Event::Ack {
                    id,
                    data: p.data,
                    attachments: p.attachments,
                });
            }
        }
    }
}

/// Refuses an emit of `name` with `args` that must not reach the server: an
/// empty or reserved name ([`seam::EMIT_RESERVED`]), or arguments that are not
/// one JSON array.
pub(super) fn check_emit(name: &str, args: &str) -> Result<(), UsageError> {
    if name.is_empty() {
        return Err(UsageError::EmptyEventName);
    }
    if seam::EMIT_RESERVED.contains(&name) {
        return Err(UsageError::ReservedEventName);
    }
    check_args(args)
}

/// Refuses argument text that is not one well-formed JSON array.
pub(super) fn check_args(args: &str) -> Result<(), UsageError> {
    if json::trim_ws(args).starts_with('[') && json::validate(args).is_ok() {
        Ok(())
    } else {
        Err(UsageError::ArgumentsNotArray)
    }
}

/// `Vec::remove` without its panic path (which links `core::fmt`): the element at
/// `at`, if there is one, leaves; the others keep their order.
fn remove_at(items: &mut Vec<u64>, at: usize) {
    let mut i = 0;
    items.retain(|_| {
        i += 1;
        i != at + 1
    });
}
