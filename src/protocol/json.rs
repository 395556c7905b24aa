//! A JSON *scanner*: finds the boundaries of values without building them.
//!
//! The core routes packets by their header and a few small fields (the event
//! name, an ack's array, the handshake's numbers). The payload itself travels as
//! text to the browser's `JSON.parse`, so the core only needs to know where each
//! value starts and ends, and whether the text is well formed (RFC 8259). The
//! scanner is iterative: deeply nested input cannot overflow the stack.

use crate::protocol::error::DecodeError;
use alloc::string::String;
use alloc::vec::Vec;

const BAD: DecodeError = DecodeError::InvalidJson;

/// Index of the first non-whitespace byte at or after `i`.
pub fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// `s` without its leading and trailing JSON whitespace (space, tab, LF, CR). For
/// JSON text these are the only whitespace `str::trim` could remove; this one
/// keeps the Unicode whitespace table and `trim`'s searchers out of the module.
pub fn trim_ws(s: &str) -> &str {
    let b = s.as_bytes();
    let start = skip_ws(b, 0);
    let mut end = b.len();
    while end > start && matches!(b.get(end - 1), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        end -= 1;
    }
    s.get(start..end).unwrap_or_default()
}

/// Checks that `s` is exactly one JSON value, with optional surrounding whitespace.
pub fn validate(s: &str) -> Result<(), DecodeError> {
    let b = s.as_bytes();
    let end = skip_value(b, 0)?;
    if skip_ws(b, end) == b.len() {
        Ok(())
    } else {
        Err(BAD)
    }
}

/// Skips one JSON value starting at `i` (leading whitespace allowed) and returns
/// the index just past it.
pub fn skip_value(b: &[u8], mut i: usize) -> Result<usize, DecodeError> {
    // Open containers, innermost last: `[` or `{`.
    let mut stack: Vec<u8> = Vec::new();
    loop {
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b'{') => {
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b'}') {
                    i += 1;
                } else {
                    stack.push(b'{');
                    i = skip_key(b, i)?;
                    continue;
                }
            }
            Some(b'[') => {
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b']') {
                    i += 1;
                } else {
                    stack.push(b'[');
                    continue;
                }
            }
            Some(b'"') => i = skip_string(b, i)?,
            Some(b't') => i = skip_literal(b, i, b"true")?,
            Some(b'f') => i = skip_literal(b, i, b"false")?,
            Some(b'n') => i = skip_literal(b, i, b"null")?,
            Some(b'-' | b'0'..=b'9') => i = skip_number(b, i)?,
            _ => return Err(BAD),
        }
        // A value ended: close every container that ends here.
        loop {
            let Some(&open) = stack.last() else {
                return Ok(i);
            };
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => {
                    i += 1;
                    if open == b'{' {
                        i = skip_key(b, skip_ws(b, i))?;
                    }
                    break;
                }
                Some(b']') if open == b'[' => {
                    i += 1;
                    stack.pop();
                }
                Some(b'}') if open == b'{' => {
                    i += 1;
                    stack.pop();
                }
                _ => return Err(BAD),
            }
        }
    }
}

/// Skips `"key" :` and returns the index after the colon.
fn skip_key(b: &[u8], i: usize) -> Result<usize, DecodeError> {
    if b.get(i) != Some(&b'"') {
        return Err(BAD);
    }
    let i = skip_ws(b, skip_string(b, i)?);
    if b.get(i) == Some(&b':') {
        Ok(i + 1)
    } else {
        Err(BAD)
    }
}

fn skip_literal(b: &[u8], i: usize, lit: &[u8]) -> Result<usize, DecodeError> {
    if b.get(i..i + lit.len()) == Some(lit) {
        Ok(i + lit.len())
    } else {
        Err(BAD)
    }
}

fn skip_digits(b: &[u8], mut i: usize) -> Result<usize, DecodeError> {
    let start = i;
    while let Some(b'0'..=b'9') = b.get(i) {
        i += 1;
    }
    if i == start {
        Err(BAD)
    } else {
        Ok(i)
    }
}

fn skip_number(b: &[u8], mut i: usize) -> Result<usize, DecodeError> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = skip_digits(b, i)?,
        _ => return Err(BAD),
    }
    if b.get(i) == Some(&b'.') {
        i = skip_digits(b, i + 1)?;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        i = skip_digits(b, i)?;
    }
    Ok(i)
}

/// Skips a string starting at the `"` at `i`; returns the index after the closing quote.
fn skip_string(b: &[u8], mut i: usize) -> Result<usize, DecodeError> {
    i += 1;
    loop {
        match b.get(i) {
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => match b.get(i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                Some(b'u') => {
                    hex4(b, i + 2)?;
                    i += 6;
                }
                _ => return Err(BAD),
            },
            Some(0..=0x1f) | None => return Err(BAD),
            Some(_) => i += 1,
        }
    }
}

fn hex4(b: &[u8], i: usize) -> Result<u32, DecodeError> {
    let mut v = 0u32;
    for k in 0..4 {
        let d = match b.get(i + k) {
            Some(c @ b'0'..=b'9') => c - b'0',
            Some(c @ b'a'..=b'f') => c - b'a' + 10,
            Some(c @ b'A'..=b'F') => c - b'A' + 10,
            _ => return Err(BAD),
        };
        v = v * 16 + u32::from(d);
    }
    Ok(v)
}

/// Decodes the JSON string that is exactly `s` (quotes included, whitespace around
/// allowed). Lone surrogates, which JSON allows but Rust strings cannot hold,
/// become U+FFFD.
pub fn decode_string(s: &str) -> Result<String, DecodeError> {
    let b = s.as_bytes();
    let start = skip_ws(b, 0);
    if b.get(start) != Some(&b'"') {
        return Err(BAD);
    }
    let end = skip_string(b, start)?;
    if skip_ws(b, end) != b.len() {
        return Err(BAD);
    }
    // (Checked accessors here and below: the shipped wasm carries no panic
    // formatting; the quotes make these ranges valid.)
    let body = s.get(start + 1..end - 1).unwrap_or_default();
    if !body.bytes().any(|c| c == b'\\') {
        return Ok(String::from(body));
    }
    let bb = body.as_bytes();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < bb.len() {
        // Copy the run of plain characters up to the next escape in one go.
        let run = bb
            .iter()
            .skip(i)
            .position(|&c| c == b'\\')
            .map_or(bb.len(), |k| i + k);
        out.push_str(body.get(i..run).unwrap_or_default());
        i = run;
        if i >= bb.len() {
            break;
        }
        let Some(&escaped) = bb.get(i + 1) else {
            break;
        };
        let c = match escaped {
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex4(bb, i + 2)?;
                i += 6;
                let code = if (0xD800..0xDC00).contains(&hi)
                    && bb.get(i) == Some(&b'\\')
                    && bb.get(i + 1) == Some(&b'u')
                {
                    match hex4(bb, i + 2)? {
                        lo @ 0xDC00..=0xDFFF => {
                            i += 6;
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        _ => 0xFFFD,
                    }
                } else {
                    hi
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                continue;
            }
            other => char::from(other), // `"`, `\` or `/`: validated by skip_string
        };
        out.push(c);
        i += 2;
    }
    Ok(out)
}

/// Appends `s` to `out` as a JSON string literal.
pub fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Parses a non-negative JSON integer such as `25000` (the handshake's numbers).
pub fn parse_u64(s: &str) -> Option<u64> {
    let t = trim_ws(s);
    if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.bytes().try_fold(0u64, |v, c| push_digit(v, c - b'0'))
}

/// `v * 10 + digit`, or `None` past `u64::MAX`. Not `checked_mul`: wasm32 has no
/// overflow flag, and LLVM checks a 64-bit product with a 128-bit multiply
/// (`__multi3`, linked into the shipped module for these digits alone).
pub fn push_digit(v: u64, digit: u8) -> Option<u64> {
    const TENTH: u64 = u64::MAX / 10;
    let d = u64::from(digit);
    if v > TENTH || (v == TENTH && d > u64::MAX % 10) {
        None
    } else {
        Some(v * 10 + d)
    }
}

/// The top-level elements of a JSON array, as text slices, without decoding them.
///
/// Yields `Err` once and then stops if the text is not a well-formed array.
pub struct Elements<'a> {
    s: &'a str,
    i: usize,
    state: ListState,
}

/// The members of a JSON object as `(decoded key, value text)`.
pub struct Members<'a> {
    s: &'a str,
    i: usize,
    state: ListState,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ListState {
    Start,
    Next,
    Done,
}

/// Iterates over the elements of the JSON array `s`.
pub fn elements(s: &str) -> Elements<'_> {
    Elements {
        s,
        i: 0,
        state: ListState::Start,
    }
}

/// Iterates over the members of the JSON object `s`.
pub fn members(s: &str) -> Members<'_> {
    Members {
        s,
        i: 0,
        state: ListState::Start,
    }
}

/// Shared walk of `[a, b]` and `{"k": a}`: returns the span of the next item
/// (for objects, the span starts at the key), or `None` at the end.
fn next_item(
    s: &str,
    i: &mut usize,
    state: &mut ListState,
    open: u8,
    close: u8,
    keyed: bool,
) -> Option<Result<(usize, usize, usize), DecodeError>> {
    let b = s.as_bytes();
    let fail = |state: &mut ListState| {
        *state = ListState::Done;
        Some(Err(BAD))
    };
    match *state {
        ListState::Done => return None,
        ListState::Start => {
            let k = skip_ws(b, *i);
            if b.get(k) != Some(&open) {
                return fail(state);
            }
            let k = skip_ws(b, k + 1);
            if b.get(k) == Some(&close) {
                *state = ListState::Done;
                return if skip_ws(b, k + 1) == b.len() {
                    None
                } else {
                    Some(Err(BAD))
                };
            }
            *i = k;
        }
        ListState::Next => {}
    }
    let item_start = skip_ws(b, *i);
    let value_start = if keyed {
        match skip_key(b, item_start) {
            Ok(k) => skip_ws(b, k),
            Err(_) => return fail(state),
        }
    } else {
        item_start
    };
    let end = match skip_value(b, value_start) {
        Ok(e) => e,
        Err(_) => return fail(state),
    };
    let k = skip_ws(b, end);
    match b.get(k) {
        Some(b',') => {
            *i = k + 1;
            *state = ListState::Next;
        }
        Some(&c) if c == close && skip_ws(b, k + 1) == b.len() => *state = ListState::Done,
        _ => return fail(state),
    }
    Some(Ok((item_start, value_start, end)))
}

impl<'a> Iterator for Elements<'a> {
    type Item = Result<&'a str, DecodeError>;
    fn next(&mut self) -> Option<Self::Item> {
        let r = next_item(self.s, &mut self.i, &mut self.state, b'[', b']', false)?;
        Some(r.map(|(_, v, e)| self.s.get(v..e).unwrap_or_default()))
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = Result<(String, &'a str), DecodeError>;
    fn next(&mut self) -> Option<Self::Item> {
        let r = next_item(self.s, &mut self.i, &mut self.state, b'{', b'}', true)?;
        Some(r.and_then(|(k, v, e)| {
            // The key spans from `k` to its closing quote; skip_key validated it.
            let b = self.s.as_bytes();
            let key_end = skip_string(b, k)?;
            Ok((
                decode_string(self.s.get(k..key_end).unwrap_or_default())?,
                self.s.get(v..e).unwrap_or_default(),
            ))
        }))
    }
}
