//! JSON text from hosts, made readable before parsing.
//!
//! JavaScript strings are UTF-16, and `JSON.stringify` writes a string cut inside an emoji
//! (a surrogate pair split in two) with a lone surrogate escape such as `\ud83d`. serde_json
//! rightly refuses that, and with it the whole document: one bad character would drop a whole
//! hook event or MCP request. [`repair_lone_surrogates`] replaces each lone surrogate escape
//! with `\ufffd` (U+FFFD, the replacement character) and leaves everything else, valid pairs
//! included, byte for byte as it was.

use std::borrow::Cow;

/// `json` with every lone UTF-16 surrogate escape (`\uD800`-`\uDFFF` not part of a high-low
/// pair) replaced by `\ufffd`. The text keeps its length; when nothing needs replacing it is
/// returned borrowed. Escaped backslashes (`\\ud83d` is a backslash and the letters
/// `ud83d`) are told apart from escapes.
pub fn repair_lone_surrogates(json: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < json.len() {
        if json[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = escape_at(json, i) else {
            // `\"`, `\\`, `\n`... (or a malformed escape, left for the parser to report).
            i += 2;
            continue;
        };
        match unit {
            0xD800..=0xDBFF => {
                if matches!(escape_at(json, i + 6), Some(0xDC00..=0xDFFF)) {
                    i += 12; // a valid pair
                    continue;
                }
            }
            0xDC00..=0xDFFF => {}
            _ => {
                i += 6;
                continue;
            }
        }
        let buf = out.get_or_insert_with(|| json.to_vec());
        buf[i..i + 6].copy_from_slice(b"\\ufffd");
        i += 6;
    }
    match out {
        Some(repaired) => Cow::Owned(repaired),
        None => Cow::Borrowed(json),
    }
}

/// The code unit of a `\uXXXX` escape starting at `at`, if there is one.
fn escape_at(json: &[u8], at: usize) -> Option<u16> {
    let escape = json.get(at..at + 6)?;
    if escape[0] != b'\\' || escape[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&escape[2..]).ok()?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(hex, 16).ok()
}

/// Parses JSON text from a host after [`repair_lone_surrogates`].
pub fn parse_lenient(json: &[u8]) -> serde_json::Result<serde_json::Value> {
    serde_json::from_slice(&repair_lone_surrogates(json))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(text: &str) -> String {
        String::from_utf8(repair_lone_surrogates(text.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn lone_surrogates_become_the_replacement_character() {
        assert_eq!(repaired(r#"{"a":"cut \ud83d"}"#), r#"{"a":"cut \ufffd"}"#);
        assert_eq!(repaired(r#""\uDE00x""#), r#""\ufffdx""#);
        assert_eq!(
            repaired(r#""\ud83d\ud83d\ude00""#),
            r#""\ufffd\ud83d\ude00""#
        );
        assert_eq!(repaired(r#""\ud83d\n""#), r#""\ufffd\n""#);
        let value = parse_lenient(br#"{"prompt":"hi \ud83d"}"#).unwrap();
        assert_eq!(value["prompt"], "hi \u{fffd}");
    }

    #[test]
    fn valid_text_is_left_alone() {
        for text in [
            r#"{"a":"\ud83d\ude00 ok"}"#,
            r#""\\ud83d""#,
            r#""\\\ud83d\ude00""#,
            r#""\u00e9 \n \" \\""#,
            r#""\ud83"#,
            "\\",
            "",
        ] {
            assert!(
                matches!(repair_lone_surrogates(text.as_bytes()), Cow::Borrowed(_)),
                "{text}"
            );
        }
        assert_eq!(parse_lenient(br#""\ud83d\ude00""#).unwrap(), "\u{1f600}");
        assert_eq!(parse_lenient(br#""\\ud83d""#).unwrap(), "\\ud83d");
    }
}
