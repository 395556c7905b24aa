//! The server's packets, acted on: each Engine.IO packet (handshake, ping,
//! close, message, attachment) and the Socket.IO packet a message carries,
//! handed to the part it concerns. Apart from `client.rs`, whose inputs only
//! find which transport a text or frame came from (and run the deadlines):
//! here is what the packet then does.

use super::namespace::{Incoming, Phase};
use super::{Client, ConnectErrorKind, DisconnectReason};
use crate::protocol::engine;
use crate::protocol::socket::{self, PacketType};
use crate::protocol::time::Instant;

impl Client {
    pub(super) fn handle_engine_text(&mut self, now: Instant, text: &str) {
        match engine::Packet::decode_text(text) {
            Ok(packet) => self.handle_engine_packet(now, packet),
            Err(e) if self.namespace.phase() == Phase::Opening => {
                self.attempt_failed(now, ConnectErrorKind::Handshake, e.message())
            }
            Err(error) => self.protocol_error(now, error),
        }
    }

    pub(super) fn handle_engine_packet(&mut self, now: Instant, packet: engine::Packet<'_>) {
        match packet {
            engine::Packet::Open(text) => self.handle_open(now, text),
            engine::Packet::Ping(_) => self.transports.ping(now, &mut self.cx),
            engine::Packet::Close => {
                let reason = DisconnectReason::TransportClose;
                self.session_lost(now, reason, ConnectErrorKind::Transport, "transport close")
            }
            engine::Packet::Message(text) => match socket::Packet::decode(text) {
                Ok(p) => self.handle_socket_packet(now, p),
                Err(error) => self.protocol_error(now, error),
            },
            engine::Packet::Binary(data) => {
                if let Err(error) = self.delivery.attachment(data.into_owned(), &mut self.cx) {
                    self.protocol_error(now, error);
                }
            }
            engine::Packet::Pong(_) | engine::Packet::Upgrade | engine::Packet::Noop => {}
        }
    }

    fn handle_open(&mut self, now: Instant, text: &str) {
        if self.namespace.phase() != Phase::Opening || !self.transports.awaiting_handshake() {
            return;
        }
        let probe = match self.transports.handshake(now, text, &mut self.cx) {
            Ok(probe) => probe,
            Err(e) => return self.attempt_failed(now, ConnectErrorKind::Handshake, e.message()),
        };
        self.namespace.handshake_done(now, &mut self.cx);
        let took = self.namespace.took(now);
        let payload = self.recovery.connect_payload(now, took, &self.cx);
        self.send_packet(PacketType::Connect, None, &payload);
        if probe {
            self.transports.start_probe(&mut self.cx);
        }
    }

    fn handle_socket_packet(&mut self, now: Instant, p: socket::Packet<'_>) {
        match self.namespace.receive(&p, &self.cx) {
            Incoming::Ignored => {}
            Incoming::Connect => {
                let rooms = self.subscriptions.count();
                let took = self.namespace.took(now);
                let (sid, recovered, joins) =
                    self.recovery
                        .connected(now, took, p.data, rooms, &mut self.cx);
                self.namespace.connected_as(sid, recovered, &mut self.cx);
                self.join_acks.connected(self.subscriptions.registry());
                // Restore the rooms first (those not paced), then what was emitted
                // while offline.
                for index in 0..joins {
                    self.send_join_at(index);
                }
                for leave in self.subscriptions.on_connect(recovered) {
                    self.send_packet(PacketType::Event, None, &leave);
                }
                while let Some(item) = self.delivery.next_buffered(&mut self.cx) {
                    self.send_buffered(item);
                }
            }
            Incoming::Rejected => {
                // The attempt ends here, and so does the transport: anything the server
                // sends after this (Frappe's may still accept) arrives on a dead id.
                self.say_goodbye();
                let message = p.error_message();
                let took = self.namespace.took(now);
                let retry = self
                    .recovery
                    .rejected(now, took, message, p.data, &mut self.cx);
                self.namespace.rejected(retry, &mut self.cx);
            }
            Incoming::Disconnect => self.end_connection(now, DisconnectReason::IoServerDisconnect),
            Incoming::Delivery => {
                // A join's answer (`join_acks.rs`), else the application's.
                let rooms = self.subscriptions.registry();
                let answer = match (p.kind, p.id) {
                    (PacketType::Ack, Some(id)) => self.join_acks.answered(rooms, id, p.data),
                    _ => None,
                };
                if let Some(answer) = answer {
                    return self.join_answered(now, answer);
                }
                match self.delivery.receive(&p, &mut self.cx) {
                    Ok(true) => self.recovery.event_received(p.data),
                    Ok(false) => {}
                    Err(error) => self.protocol_error(now, error),
                }
            }
        }
    }
}
