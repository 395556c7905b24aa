//! The JS copies of the seam (src/protocol/seam.rs) match the Rust definition.
//!
//! `www/seam.js` is the generated module the facade imports; `src/browser/glue.js`
//! (a wasm-bindgen snippet, which cannot import from `www/`) holds the same constants
//! between two marker lines. `SEAM_WRITE=1 cargo test --test seam` rewrites both;
//! without it, any difference fails with the file named.

use frappe_realtime::protocol::seam::{self, Lifecycle, ERROR_NAMES};
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

#[test]
fn glue_js_block_is_generated_from_rust() {
    let path = "src/browser/glue.js";
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let start = text
        .find(BEGIN)
        .unwrap_or_else(|| panic!("{path}: no `{}` line", BEGIN.trim_end()))
        + BEGIN.len();
    let end = start
        + text[start..]
            .find(END)
            .unwrap_or_else(|| panic!("{path}: no `{}` line", END.trim_end()));
    let expected = seam::render_js(false);
    let whole = [&text[..start], &expected, &text[end..]].concat();
    check(path, &text[start..end], &expected, &whole);
}

#[test]
fn client_d_ts_declares_every_error_and_lifecycle_name() {
    let dts = std::fs::read_to_string(root().join("www/client.d.ts")).unwrap();
    for name in ERROR_NAMES {
        let decl = format!("name: \"{name}\"");
        assert!(dts.contains(&decl), "www/client.d.ts does not declare `{decl}`");
    }
    for event in Lifecycle::ALL {
        let decl = format!("\"{}\"", event.name());
        assert!(dts.contains(&decl), "www/client.d.ts does not name the lifecycle event {decl}");
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
    for name in ["doc_update", "list_update", "msgprint", "progress", "Connect", ""] {
        assert!(!seam::is_reserved(name), "{name}");
    }
    assert_eq!(seam::log_level("false"), Some(0));
    assert_eq!(seam::log_level("true"), Some(4));
    assert_eq!(seam::log_level("warn"), Some(2));
    assert_eq!(seam::log_level("verbose"), None);
}
