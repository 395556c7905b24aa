//! Standard base64 (RFC 4648 §4, with `=` padding), as Engine.IO v4 uses for
//! binary messages on the polling transport (`b` + base64).

use crate::protocol::error::DecodeError;
use alloc::string::String;
use alloc::vec::Vec;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the base64 encoding of `data` to `out`.
pub fn encode_into(out: &mut String, data: &[u8]) {
    out.reserve(data.len().div_ceil(3) * 4);
    // Three bytes at a time, then the one or two left with `=` padding (a plain
    // loop: `chunks` carries a panic location into the module's data).
    let (mut v, mut n) = (0u32, 0);
    for &byte in data {
        v = v << 8 | u32::from(byte);
        n += 1;
        if n == 3 {
            push_group(out, v, n);
            (v, n) = (0, 0);
        }
    }
    if n > 0 {
        push_group(out, v << (8 * (3 - n)), n);
    }
}

/// Pushes the four characters of the 24-bit group `v` that holds `n` bytes.
fn push_group(out: &mut String, v: u32, n: usize) {
    for k in 0..4 {
        if k <= n {
            out.push(char::from(ALPHABET[((v >> (18 - 6 * k)) & 63) as usize]));
        } else {
            out.push('=');
        }
    }
}

fn value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Decodes base64 text; padding is optional, anything else outside the alphabet
/// is an error.
pub fn decode(text: &str) -> Result<Vec<u8>, DecodeError> {
    let b = text.as_bytes();
    // Up to two `=` at the end are padding.
    let pad = match b {
        [.., b'=', b'='] => 2,
        [.., b'='] => 1,
        _ => 0,
    };
    let body = b.get(..b.len() - pad).unwrap_or(b);
    if body.len() % 4 == 1 || (body.len() != b.len() && b.len() % 4 != 0) {
        return Err(DecodeError::InvalidBase64);
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    // Four characters make three bytes; a last group of two or three makes one or
    // two (a plain loop, as in `encode_into`).
    let (mut v, mut k) = (0u32, 0);
    for &c in body {
        v |= value(c).ok_or(DecodeError::InvalidBase64)? << (18 - 6 * k);
        k += 1;
        if k == 4 {
            out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
            (v, k) = (0, 0);
        }
    }
    if k > 0 {
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(bytes.get(..k - 1).unwrap_or_default());
    }
    Ok(out)
}
