//! The sans-IO protocol core: Engine.IO v4 + Socket.IO v5 + Frappe's rooms.
//!
//! Nothing in here performs I/O, reads a clock or draws a random number; see the
//! crate documentation for the drive loop.

pub mod backoff;
pub mod base64;
pub mod client;
pub mod config;
pub mod engine;
pub mod error;
pub mod json;
pub mod options;
pub mod rooms;
pub mod seam;
pub mod socket;
pub mod time;
