//! Tests for the JSON scanner (`protocol::json`) against RFC 8259 ("The
//! JavaScript Object Notation (JSON) Data Interchange Format").
//!
//! Section names in comments refer to RFC 8259. Socket.IO payloads quoted here
//! come from socketio/socket.io-protocol `Readme.md` at 4f633dd (`SIO`) and the
//! Engine.IO handshake from socketio/engine.io-protocol `README.md` at f21de7b
//! (`EIO`).

use frappe_realtime::protocol::error::DecodeError;
use frappe_realtime::protocol::json::{
    decode_string, elements, members, parse_u64, push_digit, skip_value, skip_ws, validate,
    write_string,
};

const BAD: Result<(), DecodeError> = Err(DecodeError::InvalidJson);

// ---------------------------------------------------------------------------
// validate / skip_value
// ---------------------------------------------------------------------------

// RFC 8259 §13 "Examples": the object and array examples, verbatim.
#[test]
fn rfc8259_examples() {
    let object = r#"{
        "Image": {
            "Width":  800,
            "Height": 600,
            "Title":  "View from 15th Floor",
            "Thumbnail": {
                "Url":    "http://www.example.com/image/481989943",
                "Height": 125,
                "Width":  100
            },
            "Animated" : false,
            "IDs": [116, 943, 234, 38793]
          }
      }"#;
    assert_eq!(validate(object), Ok(()));
    let array = r#"[
        {
           "precision": "zip",
           "Latitude":  37.7668,
           "Longitude": -122.3959,
           "Address":   "",
           "City":      "SAN FRANCISCO",
           "State":     "CA",
           "Zip":       "94107",
           "Country":   "US"
        },
        {
           "precision": "zip",
           "Latitude":  37.371991,
           "Longitude": -122.026020,
           "Address":   "",
           "City":      "SUNNYVALE",
           "State":     "CA",
           "Zip":       "94085",
           "Country":   "US"
        }
      ]"#;
    assert_eq!(validate(array), Ok(()));
    // §13: "Here are three small JSON texts containing only values".
    for text in [r#""Hello world!""#, "42", "true"] {
        assert_eq!(validate(text), Ok(()), "{text:?}");
    }
}

// RFC 8259 §2 (whitespace), §3 (literals), §6 (numbers).
#[test]
fn valid_scalars_and_whitespace() {
    let good = [
        "null",
        "true",
        "false",
        "0",
        "-0",
        "1",
        "-1",
        "10",
        "1.5",
        "-0.0",
        "1e5",
        "1E5",
        "1e+5",
        "1e-5",
        "1.5E-300",
        "123456789012345678901234567890",
        r#""""#,
        r#""a""#,
        "[]",
        "{}",
        " \t\n\r[ 1 , 2 ]\r\n\t ",
        "[[],[[]],{}]",
        r#"{"a":{"b":{"c":[1,{"d":null}]}}}"#,
        r#"{"":0}"#,
        r#"{"a":1,"a":2}"#,
        r#"["\u0000\"\\\/\b\f\n\r\t"]"#,
        "\"€😀\"",
        "\"\u{7f}\"",
    ];
    for text in good {
        assert_eq!(validate(text), Ok(()), "{text:?}");
    }
}

#[test]
fn invalid_texts() {
    let bad = [
        "",
        " ",
        // §6: no leading zeros, no leading `+`, digits on both sides of `.`,
        // digits after the exponent, no hex, no NaN/Infinity.
        "01",
        "-01",
        "+1",
        "-",
        "1.",
        ".5",
        "1.e5",
        "1e",
        "1e+",
        "0x1",
        "NaN",
        "Infinity",
        "-Infinity",
        // §3: literals are lowercase and complete.
        "tru",
        "True",
        "nul",
        "falsey",
        "undefined",
        // §4, §5: separators.
        "[1,]",
        "[,1]",
        "[1 2]",
        "[1,,2]",
        r#"{"a":1,}"#,
        r#"{,"a":1}"#,
        r#"{"a" 1}"#,
        r#"{"a":}"#,
        r#"{"a"}"#,
        "{a:1}",
        "{'a':1}",
        "{1:2}",
        "[",
        "]",
        "{",
        "}",
        "[}",
        "{]",
        "[[]",
        // §7: strings.
        r#""abc"#,
        r#""\x""#,
        r#""\u12""#,
        r#""\uZZZZ""#,
        r#""\"#,
        "\"tab\there\"",
        "\"new\nline\"",
        "\"\u{1f}\"",
        "'single'",
        // §2: one value, nothing after it; only the four whitespace characters.
        "{} x",
        "[] []",
        "1 2",
        r#""a""b""#,
        "[1]]",
        "\u{a0}1",
        "\u{c}1",
        "1\u{0}",
        "\u{feff}1",
    ];
    for text in bad {
        assert_eq!(validate(text), BAD, "{text:?}");
    }
}

#[test]
fn skip_value_positions() {
    let b = br#"  [1,{"a":"]"}] tail"#;
    assert_eq!(skip_value(b, 0), Ok(15));
    assert_eq!(&b[15..], b" tail");
    assert_eq!(skip_value(b, 3), Ok(4));
    assert_eq!(skip_value(br#"x "s" y"#, 1), Ok(5));
    assert_eq!(skip_value(b"-12.5e3,", 0), Ok(7));
    assert_eq!(skip_value(b"", 0), Err(DecodeError::InvalidJson));
    assert_eq!(skip_value(b"[1", 0), Err(DecodeError::InvalidJson));
    assert_eq!(skip_value(b"[1", 99), Err(DecodeError::InvalidJson));
    assert_eq!(skip_ws(b" \t\r\n x", 0), 5);
    assert_eq!(skip_ws(b"x", 5), 5);
}

/// Runs `f` on a thread with a small stack: a recursive scanner would overflow.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

// The scanner is documented as iterative: nesting 100 000 deep must not
// overflow the stack (RFC 8259 §9 lets parsers limit depth, but this one
// promises not to crash).
#[test]
fn deep_nesting_does_not_overflow() {
    on_small_stack(|| {
        const N: usize = 100_000;
        let arrays = "[".repeat(N) + &"]".repeat(N);
        assert_eq!(validate(&arrays), Ok(()));
        assert_eq!(elements(&arrays).count(), 1);

        let objects = r#"{"a":"#.repeat(N) + "1" + &"}".repeat(N);
        assert_eq!(validate(&objects), Ok(()));
        let m: Vec<_> = members(&objects).collect();
        assert_eq!(m.len(), 1);
        assert!(m[0].is_ok());

        let mixed = r#"[{"k":"#.repeat(N) + "null" + &"}]".repeat(N);
        assert_eq!(validate(&mixed), Ok(()));

        // Unbalanced, and wrongly closed, deep input fails cleanly.
        assert_eq!(validate(&"[".repeat(N)), BAD);
        assert_eq!(validate(&("[".repeat(N) + &"]".repeat(N - 1))), BAD);
        assert_eq!(validate(&("[".repeat(N) + &"}".repeat(N))), BAD);
        assert_eq!(validate(&("[".repeat(N) + &"]".repeat(N + 1))), BAD);

        // The same deep payload inside a Socket.IO event.
        let event = String::from(r#"2["deep","#) + &arrays + "]";
        let p = frappe_realtime::protocol::socket::Packet::decode(&event).unwrap();
        assert_eq!(p.event_name(), Ok("deep".into()));
    });
}

// ---------------------------------------------------------------------------
// decode_string / write_string
// ---------------------------------------------------------------------------

fn string(text: &str) -> String {
    match decode_string(text) {
        Ok(s) => s,
        Err(e) => panic!("{text:?} did not decode: {e:?}"),
    }
}

// RFC 8259 §7 "Strings": the two-character escapes and `\uXXXX`.
#[test]
fn string_escapes() {
    assert_eq!(string(r#""\"\\\/\b\f\n\r\t""#), "\"\\/\u{8}\u{c}\n\r\t");
    assert_eq!(string(r#""\u0041\u00e9\u20AC""#), "Aé€");
    assert_eq!(string(r#""\u0000""#), "\u{0}");
    assert_eq!(string(r#""a\\u0041""#), "a\\u0041");
    assert_eq!(string(r#""plain""#), "plain");
    assert_eq!(string(r#""""#), "");
    assert_eq!(string("\"€ 😀\""), "€ 😀");
    assert_eq!(string(" \t\"x\"\n "), "x");
    assert_eq!(
        string(r#""mid\ndle and \"quotes\" end""#),
        "mid\ndle and \"quotes\" end"
    );
}

// RFC 8259 §7: "the G clef character (U+1D11E) may be represented as
// "\uD834\uDD1E"" (a UTF-16 surrogate pair).
#[test]
fn surrogate_pairs() {
    assert_eq!(string(r#""\uD834\uDD1E""#), "\u{1D11E}");
    assert_eq!(string(r#""\ud834\udd1e""#), "\u{1D11E}");
    assert_eq!(string(r#""\ud83d\ude00!""#), "😀!");
    assert_eq!(string(r#""\uDBFF\uDFFF""#), "\u{10FFFF}");
    assert_eq!(string(r#""\uD800\uDC00""#), "\u{10000}");
}

// RFC 8259 §8.2: lone surrogates are grammatical but not Unicode; Rust strings
// cannot hold them, so each becomes U+FFFD.
#[test]
fn lone_surrogates_become_replacement_characters() {
    let r = '\u{fffd}';
    assert_eq!(string(r#""\ud800""#), r.to_string());
    assert_eq!(string(r#""\udc00""#), r.to_string());
    assert_eq!(string(r#""\ud800abc""#), format!("{r}abc"));
    assert_eq!(string(r#""\ud800\u0041""#), format!("{r}A"));
    assert_eq!(string(r#""\ud800\n""#), format!("{r}\n"));
    assert_eq!(string(r#""\ud800\ud800""#), format!("{r}{r}"));
    assert_eq!(string(r#""\udc00\ud800""#), format!("{r}{r}"));
    assert_eq!(string(r#""\ud800\ud83d\ude00""#), format!("{r}😀"));
    assert_eq!(string(r#""x\udfff""#), format!("x{r}"));
}

#[test]
fn string_errors() {
    for text in [
        "",
        "abc",
        "123",
        "null",
        "[\"a\"]",
        r#""abc"#,
        r#""a" x"#,
        r#""a""b""#,
        r#""a"b""#,
        r#""\x""#,
        r#""\u12""#,
        r#""\u12g4""#,
        r#""\"#,
        "\"a\nb\"",
        "'a'",
    ] {
        assert_eq!(
            decode_string(text),
            Err(DecodeError::InvalidJson),
            "{text:?}"
        );
    }
}

#[test]
fn write_string_exact() {
    let cases = [
        ("", r#""""#),
        ("plain", r#""plain""#),
        ("a\"b", r#""a\"b""#),
        ("a\\b", r#""a\\b""#),
        ("\n\r\t", r#""\n\r\t""#),
        ("\u{0}\u{1}\u{1f}", r#""\u0000\u0001\u001f""#),
        ("\u{7f}", "\"\u{7f}\""),
        ("/", r#""/""#),
        ("€😀", "\"€😀\""),
    ];
    for (s, expected) in cases {
        let mut out = String::from("x");
        write_string(&mut out, s);
        assert_eq!(out, String::from("x") + expected, "{s:?}");
    }
}

#[test]
fn write_then_decode_round_trips() {
    let mut all_controls = String::new();
    for c in 0u8..0x20 {
        all_controls.push(char::from(c));
    }
    let samples = [
        all_controls.as_str(),
        "\"\\\"\\",
        "\u{2028}\u{2029}",
        "\u{fffd}",
        "\u{10ffff}",
        "日本語 text",
        "ends with backslash\\",
    ];
    for s in samples {
        let mut out = String::new();
        write_string(&mut out, s);
        assert_eq!(validate(&out), Ok(()), "{out:?}");
        assert_eq!(decode_string(&out), Ok(s.to_string()), "{s:?}");
    }
}

// ---------------------------------------------------------------------------
// parse_u64
// ---------------------------------------------------------------------------

// EIO "Handshake": `pingInterval` 25000, `pingTimeout` 20000, `maxPayload` 1000000.
#[test]
fn parse_u64_values() {
    assert_eq!(parse_u64("25000"), Some(25000));
    assert_eq!(parse_u64("20000"), Some(20000));
    assert_eq!(parse_u64("1000000"), Some(1_000_000));
    assert_eq!(parse_u64(" 0 "), Some(0));
    assert_eq!(parse_u64("\n\t5\r"), Some(5));
    assert_eq!(parse_u64("18446744073709551615"), Some(u64::MAX));
    for text in [
        "",
        " ",
        "18446744073709551616",
        "99999999999999999999999",
        "-1",
        "+1",
        "1.5",
        "1e3",
        "\"1\"",
        "0x10",
        "1 2",
        "null",
        "١",
    ] {
        assert_eq!(parse_u64(text), None, "{text:?}");
    }
}

// ---------------------------------------------------------------------------
// elements / members
// ---------------------------------------------------------------------------

fn all_elements(s: &str) -> Vec<Result<&str, DecodeError>> {
    elements(s).collect()
}

// SIO "Packet encoding › Examples": the elements of
// `["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`.
#[test]
fn elements_of_spec_payloads() {
    assert_eq!(
        all_elements(r#"["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
        [
            Ok(r#""baz""#),
            Ok(r#"{"_placeholder":true,"num":0}"#),
            Ok(r#"{"_placeholder":true,"num":1}"#)
        ]
    );
    assert_eq!(
        all_elements(r#"["hey","Jude"]"#),
        [Ok(r#""hey""#), Ok(r#""Jude""#)]
    );
    assert_eq!(all_elements("[]"), []);
}

#[test]
fn elements_shapes() {
    assert_eq!(
        all_elements(r#"[1,"a",{"b":[2]},null,[[]],-0.5e1]"#),
        [
            Ok("1"),
            Ok(r#""a""#),
            Ok(r#"{"b":[2]}"#),
            Ok("null"),
            Ok("[[]]"),
            Ok("-0.5e1")
        ]
    );
    // Slices exclude the surrounding whitespace.
    assert_eq!(
        all_elements(" [ 1 ,\n\"x\" ,\t[ ] ] "),
        [Ok("1"), Ok("\"x\""), Ok("[ ]")]
    );
    assert_eq!(all_elements("  [ ]  "), []);
    // `]` and `,` inside strings do not end an element.
    assert_eq!(all_elements(r#"["],[,"]"#), [Ok(r#""],[,""#)]);
}

#[test]
fn elements_errors_end_iteration() {
    let err = Err(DecodeError::InvalidJson);
    for text in [
        "", "{}", "1", "\"a\"", "[", "[1", "[1 2]", "[1]x", "[]x", "[,]", "[1,]", "[}", "[1}",
    ] {
        let got = all_elements(text);
        assert_eq!(got.last(), Some(&err), "{text:?}: {got:?}");
        assert_eq!(
            got.iter().filter(|r| r.is_err()).count(),
            1,
            "{text:?}: {got:?}"
        );
    }
    // Elements before the error are still reported.
    assert_eq!(all_elements("[1,2,"), [Ok("1"), Ok("2"), err]);
    // Fused after the error.
    let mut it = elements("[x]");
    assert_eq!(it.next(), Some(err));
    assert_eq!(it.next(), None);
    assert_eq!(it.next(), None);
}

fn all_members(s: &str) -> Vec<Result<(String, &str), DecodeError>> {
    members(s).collect()
}

// EIO "Handshake" example and SIO "Connection to a namespace" payloads.
#[test]
fn members_of_spec_payloads() {
    assert_eq!(
        all_members(
            r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        ),
        [
            Ok(("sid".into(), r#""lv_VI97HAXpY6yYWAAAC""#)),
            Ok(("upgrades".into(), r#"["websocket"]"#)),
            Ok(("pingInterval".into(), "25000")),
            Ok(("pingTimeout".into(), "20000")),
            Ok(("maxPayload".into(), "1000000")),
        ]
    );
    assert_eq!(
        all_members(r#"{"message":"Not authorized"}"#),
        [Ok(("message".into(), r#""Not authorized""#))]
    );
    assert_eq!(
        all_members(r#"{"_placeholder":true,"num":0}"#),
        [Ok(("_placeholder".into(), "true")), Ok(("num".into(), "0"))]
    );
}

#[test]
fn members_shapes() {
    assert_eq!(all_members("{}"), []);
    assert_eq!(all_members(" { } "), []);
    assert_eq!(
        all_members(" { \"a\\\"b\" : [ 1 ] , \"\\u00e9\":{\"x\":{}} } "),
        [
            Ok(("a\"b".into(), "[ 1 ]")),
            Ok(("é".into(), r#"{"x":{}}"#))
        ]
    );
    assert_eq!(
        all_members(r#"{"\ud800":1}"#),
        [Ok(("\u{fffd}".into(), "1"))]
    );
}

#[test]
fn members_errors_end_iteration() {
    let err = Err(DecodeError::InvalidJson);
    for text in [
        "",
        "[]",
        "1",
        "{",
        r#"{"a"}"#,
        r#"{"a":}"#,
        r#"{"a":1,}"#,
        "{1:2}",
        "{a:1}",
        r#"{"a":1}}"#,
        r#"{"a":1]"#,
        r#"{"a":1 "b":2}"#,
    ] {
        let got = all_members(text);
        assert_eq!(got.last(), Some(&err), "{text:?}: {got:?}");
        assert_eq!(
            got.iter().filter(|r| r.is_err()).count(),
            1,
            "{text:?}: {got:?}"
        );
    }
    assert_eq!(all_members(r#"{"a":1,"b""#), [Ok(("a".into(), "1")), err]);
}

// ---------------------------------------------------------------------------
// Property-style: random text never panics; the scanners agree with each other.
// ---------------------------------------------------------------------------

#[path = "support/rng.rs"]
mod rng;
use rng::XorShift;

const TOKENS: &[&str] = &[
    "[", "]", "{", "}", ",", ":", " ", "\"", "\"k\"", "\\", "\\\"", "\\u", "\\ud83d", "\\ude00",
    "\\n", "00", "1", "-", ".", "e", "true", "null", "\n", "€", "a",
];

#[test]
fn random_json_is_consistent() {
    let mut rng = XorShift(0x853c_49e6_748f_ea9b);
    let mut valid = 0;
    for _ in 0..20_000 {
        let mut s = String::new();
        for _ in 0..rng.below(14) {
            s.push_str(TOKENS[rng.below(TOKENS.len())]);
        }
        let ok = validate(&s).is_ok();
        valid += usize::from(ok);
        let first = s
            .trim_start_matches([' ', '\n'])
            .as_bytes()
            .first()
            .copied();
        // elements/members accept exactly the valid arrays/objects.
        let e: Vec<_> = elements(&s).collect();
        assert_eq!(
            e.iter().all(Result::is_ok),
            ok && first == Some(b'['),
            "{s:?}"
        );
        for item in e.iter().flatten() {
            assert_eq!(validate(item), Ok(()), "{s:?} element {item:?}");
        }
        let m: Vec<_> = members(&s).collect();
        assert_eq!(
            m.iter().all(Result::is_ok),
            ok && first == Some(b'{'),
            "{s:?}"
        );
        for (_, v) in m.iter().flatten() {
            assert_eq!(validate(v), Ok(()), "{s:?} member value {v:?}");
        }
        // decode_string accepts exactly the valid strings, and write_string
        // produces an equivalent literal.
        let d = decode_string(&s);
        assert_eq!(d.is_ok(), ok && first == Some(b'"'), "{s:?}");
        if let Ok(text) = d {
            let mut again = String::new();
            write_string(&mut again, &text);
            assert_eq!(decode_string(&again), Ok(text), "{s:?}");
        }
        let _ = parse_u64(&s);
    }
    assert!(valid > 200, "only {valid} valid texts");
}

#[test]
fn push_digit_is_checked_arithmetic() {
    let tenth = u64::MAX / 10;
    assert_eq!(push_digit(tenth, 5), Some(u64::MAX));
    assert_eq!(push_digit(tenth, 6), None);
    assert_eq!(push_digit(tenth + 1, 0), None);
    assert_eq!(push_digit(0, 7), Some(7));
    for v in [
        0,
        1,
        9,
        10,
        12_345,
        tenth - 1,
        tenth,
        tenth + 1,
        u64::MAX / 2,
        u64::MAX,
    ] {
        for d in 0..=9u8 {
            let checked = v.checked_mul(10).and_then(|p| p.checked_add(u64::from(d)));
            assert_eq!(push_digit(v, d), checked, "{v} * 10 + {d}");
        }
    }
}
