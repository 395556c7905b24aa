//! What every part of the client shares: the configuration (read only), the
//! queue of events for the application and the deadline table.
//!
//! The parts (namespace, session, delivery, recovery) each own their own state
//! and take a `&mut Context` for the rest, so that events keep one order however
//! many parts report them, and every deadline lives in the one [`TimerTable`].
//!
//! Invariant: `config` never changes after [`Context::new`] checked it (its
//! transports list is not empty, its auth is a JSON object).

use super::api::Event;
use super::fifo::Fifo;
use super::timers::TimerTable;
use crate::protocol::config::ClientConfig;
use crate::protocol::error::UsageError;
use crate::protocol::json;

/// See the module documentation.
#[derive(Debug)]
pub(super) struct Context {
    /// The configuration, as checked by [`Context::new`].
    pub(super) config: ClientConfig,
    /// Events not yet taken by `Client::poll_event`, oldest first.
    pub(super) events: Fifo<Event>,
    /// Every deadline of the client.
    pub(super) timers: TimerTable,
}

impl Context {
    /// A context with no event and no deadline. Fails when `config.auth` is
    /// not a JSON object or `config.transports` is empty.
    pub(super) fn new(config: ClientConfig) -> Result<Context, UsageError> {
        if config.transports.is_empty() {
            return Err(UsageError::NoTransports);
        }
        if let Some(auth) = &config.auth {
            if json::members(auth).any(|m| m.is_err()) || !json::trim_ws(auth).starts_with('{') {
                return Err(UsageError::AuthNotObject);
            }
        }
        Ok(Context {
            config,
            events: Fifo::default(),
            timers: TimerTable::default(),
        })
    }
}
