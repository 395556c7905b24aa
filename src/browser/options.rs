//! Client options from JS. The names are socket.io-client's
//! (`reconnectionDelay`, `transports`, …) plus ours for the offline buffer and
//! logging.
//!
//! Read field by field with `Reflect` rather than through serde-wasm-bindgen:
//! its error path formats values with `core::fmt` (float formatting included),
//! which cost 40 KB of the 68 KB gzip wasm when measured (see CHANGELOG.md).
//! A field of the wrong type is a `TypeError` naming the field.

use crate::browser::js;
use crate::protocol::config::{ClientConfig, OverflowPolicy, TransportKind};
use crate::protocol::time::Duration;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Options as JS passes them; every field optional.
#[derive(Default)]
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
    query: Option<Vec<(String, String)>>,
    /// Whether cross-origin polling requests carry cookies (default true: Frappe
    /// authenticates with its `sid` cookie).
    pub with_credentials: Option<bool>,
    /// Extra HTTP headers for polling requests (`Authorization: token k:s`).
    /// Browsers cannot set headers on a WebSocket.
    pub extra_headers: Option<Vec<(String, String)>>,
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

fn wrong_type(name: &str, expected: &str) -> JsValue {
    let mut m = String::from("option ");
    m.push_str(name);
    m.push_str(" must be ");
    m.push_str(expected);
    js::type_error(&m)
}

/// Reads one option; `undefined` and `null` mean "not given".
fn field(o: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(o, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn bool_field(o: &JsValue, name: &str) -> Result<Option<bool>, JsValue> {
    field(o, name)
        .map(|v| v.as_bool().ok_or_else(|| wrong_type(name, "a boolean")))
        .transpose()
}

fn number_field(o: &JsValue, name: &str) -> Result<Option<f64>, JsValue> {
    field(o, name)
        .map(|v| v.as_f64().ok_or_else(|| wrong_type(name, "a number")))
        .transpose()
}

fn string_field(o: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    field(o, name)
        .map(|v| {
            // `debug: true` is accepted as a level.
            if let Some(b) = v.as_bool() {
                return Ok(String::from(if b { "true" } else { "false" }));
            }
            v.as_string().ok_or_else(|| wrong_type(name, "a string"))
        })
        .transpose()
}

fn string_list(o: &JsValue, name: &str) -> Result<Option<Vec<String>>, JsValue> {
    field(o, name)
        .map(|v| {
            let a: Array = v
                .dyn_into()
                .map_err(|_| wrong_type(name, "an array of strings"))?;
            a.iter()
                .map(|s| {
                    s.as_string()
                        .ok_or_else(|| wrong_type(name, "an array of strings"))
                })
                .collect()
        })
        .transpose()
}

fn string_map(o: &JsValue, name: &str) -> Result<Option<Vec<(String, String)>>, JsValue> {
    field(o, name)
        .map(|v| {
            if !v.is_object() {
                return Err(wrong_type(name, "an object of strings"));
            }
            Object::entries(v.unchecked_ref())
                .iter()
                .map(|pair| {
                    let pair: Array = pair.unchecked_into();
                    match (pair.get(0).as_string(), pair.get(1).as_string()) {
                        (Some(k), Some(v)) => Ok((k, v)),
                        _ => Err(wrong_type(name, "an object of strings")),
                    }
                })
                .collect()
        })
        .transpose()
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
    pub fn from_js(o: &JsValue) -> Result<Options, JsValue> {
        if o.is_undefined() || o.is_null() {
            return Ok(Options::default());
        }
        if !o.is_object() {
            return Err(js::type_error("options must be an object"));
        }
        Ok(Options {
            reconnection: bool_field(o, "reconnection")?,
            reconnection_attempts: number_field(o, "reconnectionAttempts")?,
            reconnection_delay: number_field(o, "reconnectionDelay")?,
            reconnection_delay_max: number_field(o, "reconnectionDelayMax")?,
            randomization_factor: number_field(o, "randomizationFactor")?,
            timeout: number_field(o, "timeout")?,
            transports: string_list(o, "transports")?,
            upgrade: bool_field(o, "upgrade")?,
            try_all_transports: bool_field(o, "tryAllTransports")?,
            path: string_field(o, "path")?,
            query: string_map(o, "query")?,
            with_credentials: bool_field(o, "withCredentials")?,
            extra_headers: string_map(o, "extraHeaders")?,
            buffer_max_count: number_field(o, "bufferMaxCount")?,
            buffer_max_age: number_field(o, "bufferMaxAge")?,
            buffer_overflow: string_field(o, "bufferOverflow")?,
            debug: string_field(o, "debug")?,
            auto_connect: bool_field(o, "autoConnect")?,
            ack_timeout: number_field(o, "ackTimeout")?,
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
            c.query = q.clone();
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
