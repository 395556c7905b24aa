//! The JS copies of the seam (src/protocol/seam.rs) match the Rust definition.
//!
//! `www/seam.js` is the generated module the facade imports; `src/browser/glue.js`
//! (a wasm-bindgen snippet, which cannot import from `www/`) holds the same constants
//! between two marker lines. `SEAM_WRITE=1 cargo test --test seam` rewrites both;
//! without it, any difference fails with the file named.

use frappe_realtime::protocol::options::OPTIONS;
use frappe_realtime::protocol::seam::{self, ErrorName, Lifecycle, LogLevel};
use std::path::Path;

const BEGIN: &str = "// <seam>\n";
const END: &str = "// </seam>\n";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn writing() -> bool {
    std::env::var_os("SEAM_WRITE").is_some()
}

fn check(path: &str, actual: &str, expected: &str, whole: &str) {
    if actual == expected {
        return;
    }
    if writing() {
        std::fs::write(root().join(path), whole).unwrap();
        return;
    }
    panic!(
        "{path} differs from src/protocol/seam.rs; run `SEAM_WRITE=1 cargo test --test seam` \
         to regenerate it\n--- expected\n{expected}--- found\n{actual}"
    );
}

#[test]
fn www_seam_js_is_generated_from_rust() {
    let path = "www/seam.js";
    let expected = seam::render_js(true);
    let actual = std::fs::read_to_string(root().join(path)).unwrap_or_default();
    check(path, &actual, &expected, &expected);
}

/// Checks (or rewrites) the marked block of `path` against `expected`; returns what is
/// outside the block.
fn check_block(path: &str, expected: &str) -> String {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let start = text
        .find(BEGIN)
        .unwrap_or_else(|| panic!("{path}: no `{}` line", BEGIN.trim_end()))
        + BEGIN.len();
    let end = start
        + text[start..]
            .find(END)
            .unwrap_or_else(|| panic!("{path}: no `{}` line", END.trim_end()));
    let whole = [&text[..start], expected, &text[end..]].concat();
    check(path, &text[start..end], expected, &whole);
    [&text[..start], &text[end..]].concat()
}

#[test]
fn glue_js_block_is_generated_from_rust() {
    check_block("src/browser/glue.js", &seam::render_js(false));
}

#[test]
fn client_d_ts_block_is_generated_from_rust_and_used() {
    let rest = check_block("www/client.d.ts", &seam::render_dts());
    // Every error name is declared by hand outside the block (an interface with that
    // `name`, or the union of connect_error's names).
    for name in ErrorName::ALL.map(ErrorName::name) {
        let quoted = format!("\"{name}\"");
        assert!(
            rest.contains(&quoted),
            "www/client.d.ts declares no error named {quoted}"
        );
    }
    // Every lifecycle event has its listener's signature in RealtimeEvents.
    let events = rest
        .split("export interface RealtimeEvents {")
        .nth(1)
        .and_then(|r| r.split("\n}").next())
        .expect("www/client.d.ts: interface RealtimeEvents");
    for event in Lifecycle::ALL.map(Lifecycle::name) {
        let key = format!("\n  {event}: (");
        assert!(
            events.contains(&key),
            "RealtimeEvents has no `{event}` listener"
        );
    }
    // Every option the core reads is declared.
    let options = rest
        .split("export interface RealtimeClientOptions {")
        .nth(1)
        .and_then(|r| r.split("\n}").next())
        .expect("www/client.d.ts: interface RealtimeClientOptions");
    for (name, _) in OPTIONS {
        let key = format!("\n  {name}?: ");
        assert!(
            options.contains(&key),
            "RealtimeClientOptions has no `{name}`"
        );
    }
}

#[test]
fn reserved_names_are_one_rule() {
    for event in Lifecycle::ALL {
        assert!(seam::is_reserved(event.name()), "{}", event.name());
    }
    for name in seam::EMIT_RESERVED {
        assert!(seam::is_reserved(name), "{name}");
    }
    for name in [
        "doc_update",
        "list_update",
        "msgprint",
        "progress",
        "Connect",
        "",
    ] {
        assert!(!seam::is_reserved(name), "{name}");
    }
    assert_eq!(LogLevel::named("false"), Some(LogLevel::Off));
    assert_eq!(LogLevel::named("true"), Some(LogLevel::Debug));
    assert_eq!(LogLevel::named("warn"), Some(LogLevel::Warn));
    assert_eq!(LogLevel::named("verbose"), None);
}
