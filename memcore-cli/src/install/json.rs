//! An ordered JSON tree for editing files people and other tools also edit.
//!
//! `serde_json::Value` sorts object keys (the `preserve_order` feature would change that for
//! the whole workspace, the core included), so settings.json goes through this small tree
//! instead: objects are lists of members in file order (duplicates kept), and it is written
//! back with the file's own indentation and final newline. A file written by
//! `JSON.stringify(value, null, n)` (as Claude Code writes it) comes back byte for byte; any
//! other formatting comes back as equivalent JSON (see [`super`] for how uninstall still
//! restores such a file exactly).

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::fmt;

/// A JSON value whose objects keep their members in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// A string value.
    pub fn string(s: impl Into<String>) -> Json {
        Json::String(s.into())
    }
}

/// How a JSON file is laid out: its indentation (none for a one-line file) and whether it
/// ends with a newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    indent: Option<String>,
    final_newline: bool,
}

impl Default for Layout {
    /// Claude Code's own layout: two spaces, final newline.
    fn default() -> Self {
        Layout {
            indent: Some("  ".to_owned()),
            final_newline: true,
        }
    }
}

impl Layout {
    /// The layout of `text`: the leading whitespace of its first indented line.
    pub fn of(text: &str) -> Layout {
        let indent = text
            .lines()
            .skip(1)
            .map(|line| {
                let rest = line.trim_start_matches([' ', '\t']);
                &line[..line.len() - rest.len()]
            })
            .find(|ws| !ws.is_empty())
            .map(str::to_owned);
        let multi_line = text.trim_end().contains('\n');
        Layout {
            indent: if multi_line {
                indent.or(Some("  ".to_owned()))
            } else {
                None
            },
            final_newline: text.ends_with('\n'),
        }
    }
}

/// Parses JSON text into an ordered tree.
pub fn parse(text: &str) -> Result<Json, serde_json::Error> {
    serde_json::from_str(text)
}

/// Writes `value` in `layout`.
pub fn write(value: &Json, layout: &Layout) -> String {
    let mut out = Vec::new();
    let written = match &layout.indent {
        Some(indent) => {
            let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
            let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
            value.serialize(&mut ser)
        }
        None => value.serialize(&mut serde_json::Serializer::new(&mut out)),
    };
    // Serializing a tree of plain values into a Vec cannot fail; keep whatever was written.
    let _ = written;
    let mut text = String::from_utf8(out).unwrap_or_default();
    if layout.final_newline {
        text.push('\n');
    }
    text
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) => n.serialize(s),
            Json::String(text) => s.serialize_str(text),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Json, E> {
        serde_json::Number::from_f64(n)
            .map(Json::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            members.push((k, v));
        }
        Ok(Json::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stringify_layout_round_trips_byte_for_byte() {
        let text = "{\n  \"zeta\": 1,\n  \"alpha\": [\n    true,\n    null,\n    -2.5\n  ],\n  \"empty\": {},\n  \"list\": [],\n  \"s\": \"é \\\" \\n \\u0001\"\n}\n";
        let tree = parse(text).unwrap();
        assert_eq!(write(&tree, &Layout::of(text)), text);
    }

    #[test]
    fn tabs_four_spaces_and_one_line_files_keep_their_layout() {
        for text in [
            "{\n\t\"a\": {\n\t\t\"b\": 1\n\t}\n}",
            "{\n    \"a\": [\n        1\n    ]\n}\n",
            "{\"a\":{\"b\":[1,2]}}",
        ] {
            let tree = parse(text).unwrap();
            assert_eq!(write(&tree, &Layout::of(text)), text);
        }
    }

    #[test]
    fn member_order_and_duplicates_are_kept() {
        let tree = parse(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
        let Json::Object(members) = tree else {
            panic!("object expected")
        };
        let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "b"]);
    }
}
