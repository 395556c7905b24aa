//! Client options from JS, read with serde-wasm-bindgen. The names are
//! socket.io-client's (`reconnectionDelay`, `transports`, …) plus ours for the
//! offline buffer and logging.

use crate::browser::js;
use crate::protocol::config::{ClientConfig, OverflowPolicy, TransportKind};
use crate::protocol::time::Duration;
use alloc::collections::BTreeMap;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

/// Options as JS passes them; every field optional.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Options {
    reconnection: Option<bool>,
    reconnection_attempts: Option<f64>,
    reconnection_delay: Option<f64>,
    reconnection_delay_max: Option<f64>,
    randomization_factor: Option<f64>,
    timeout: Option<f64>,
    transports: Option<Vec<String>>,
    upgrade: Option<bool>,
    try_all_transports: Option<bool>,
    path: Option<String>,
    query: Option<BTreeMap<String, String>>,
    /// Whether cross-origin polling requests carry cookies (default true: Frappe
    /// authenticates with its `sid` cookie).
    pub with_credentials: Option<bool>,
    /// Extra HTTP headers for polling requests (`Authorization: token k:s`).
    /// Browsers cannot set headers on a WebSocket.
    pub extra_headers: Option<BTreeMap<String, String>>,
    buffer_max_count: Option<f64>,
    buffer_max_age: Option<f64>,
    buffer_overflow: Option<String>,
    /// `"off"`, `"error"`, `"warn"`, `"info"` or `"debug"`.
    pub debug: Option<String>,
    /// Connect at construction (default true, as `io()`).
    pub auto_connect: Option<bool>,
    /// Default timeout of acks in ms (none by default).
    pub ack_timeout: Option<f64>,
}

fn ms(v: f64, name: &str) -> Result<Duration, JsValue> {
    if v.is_finite() && v >= 0.0 {
        Ok(Duration(v as u64))
    } else {
        let mut m = String::from(name);
        m.push_str(" must be a finite number >= 0");
        Err(js::type_error(&m))
    }
}

impl Options {
    /// Reads options from a JS object (`undefined` / `null` → defaults).
    pub fn from_js(value: &JsValue) -> Result<Options, JsValue> {
        if value.is_undefined() || value.is_null() {
            return Ok(Options::default());
        }
        serde_wasm_bindgen::from_value(value.clone()).map_err(|e| {
            let mut m = String::from("invalid options: ");
            m.push_str(&e.to_string());
            js::type_error(&m)
        })
    }

    /// The core configuration for `namespace`.
    pub fn config(
        &self,
        namespace: &str,
        auth: Option<String>,
        seed: u64,
    ) -> Result<ClientConfig, JsValue> {
        let mut c = ClientConfig::new(namespace);
        if let Some(v) = self.reconnection {
            c.reconnection = v;
        }
        if let Some(v) = self.reconnection_attempts {
            // `Infinity` (socket.io-client's default) means no limit.
            c.reconnection_attempts = if v.is_finite() {
                Some(ms(v, "reconnectionAttempts")?.0.min(u64::from(u32::MAX)) as u32)
            } else {
                None
            };
        }
        if let Some(v) = self.reconnection_delay {
            c.reconnection_delay = ms(v, "reconnectionDelay")?;
        }
        if let Some(v) = self.reconnection_delay_max {
            c.reconnection_delay_max = ms(v, "reconnectionDelayMax")?;
        }
        if let Some(v) = self.randomization_factor {
            if !(0.0..=1.0).contains(&v) {
                return Err(js::type_error(
                    "randomizationFactor must be between 0 and 1",
                ));
            }
            c.randomization_factor = v;
        }
        if let Some(v) = self.timeout {
            c.timeout = ms(v, "timeout")?;
        }
        if let Some(list) = &self.transports {
            c.transports.clear();
            for t in list {
                c.transports.push(match t.as_str() {
                    "polling" => TransportKind::Polling,
                    "websocket" => TransportKind::WebSocket,
                    _ => {
                        return Err(js::type_error(
                            "transports may only list \"polling\" and \"websocket\"",
                        ))
                    }
                });
            }
        }
        if let Some(v) = self.upgrade {
            c.upgrade = v;
        }
        if let Some(v) = self.try_all_transports {
            c.try_all_transports = v;
        }
        if let Some(p) = &self.path {
            let mut path = String::new();
            if !p.starts_with('/') {
                path.push('/');
            }
            path.push_str(p);
            if !path.ends_with('/') {
                path.push('/');
            }
            c.path = path;
        }
        if let Some(q) = &self.query {
            c.query = q.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        }
        if let Some(v) = self.buffer_max_count {
            c.buffer_max_count = ms(v, "bufferMaxCount")?.0 as usize;
        }
        if let Some(v) = self.buffer_max_age {
            c.buffer_max_age = ms(v, "bufferMaxAge")?;
        }
        if let Some(p) = &self.buffer_overflow {
            c.buffer_overflow = match p.as_str() {
                "drop-oldest" => OverflowPolicy::DropOldest,
                "drop-newest" => OverflowPolicy::DropNewest,
                _ => {
                    return Err(js::type_error(
                        "bufferOverflow must be \"drop-oldest\" or \"drop-newest\"",
                    ))
                }
            };
        }
        c.auth = auth;
        c.jitter_seed = seed;
        Ok(c)
    }
}
