//! Lenient JSON: a tolerant reader and the search for a payload in an answer.

use super::*;

// ---------------------------------------------------------------------------------------
// Lenient JSON

/// A JSON value as the lenient parser reads it. Numbers keep their text, so that a number
/// given where text is expected converts without loss; containers remember whether the
/// answer ended inside them.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(JsonArray),
    Object(JsonObject),
}

impl Json {
    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// The text of a scalar (`null` is empty); `None` for a container.
    pub(super) fn scalar_text(&self) -> Option<String> {
        match self {
            Json::Null => Some(String::new()),
            Json::Bool(b) => Some(b.to_string()),
            Json::Number(n) => Some(n.clone()),
            Json::String(s) => Some(s.clone()),
            Json::Array(_) | Json::Object(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct JsonArray {
    /// The complete elements.
    pub(super) items: Vec<Json>,
    /// Set when the answer ended before the closing `]`.
    pub(super) cut: Option<Cut>,
}

/// Where an array was cut off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Cut {
    /// The index of the element the answer ended in; `None` when it ended between elements.
    pub(super) item: Option<usize>,
    /// Whether that element began as an object.
    pub(super) item_is_object: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct JsonObject {
    pub(super) members: Vec<Member>,
    /// Set when the answer ended before the closing `}`.
    pub(super) truncated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Member {
    pub(super) key: String,
    /// The key as [`normalise_key`] gives it.
    pub(super) norm: String,
    pub(super) value: Json,
}

impl JsonObject {
    /// The first member named by the first alias that names one.
    pub(super) fn get(&self, aliases: &[&str]) -> Option<&Member> {
        aliases
            .iter()
            .find_map(|alias| self.members.iter().find(|m| m.norm == *alias))
    }

    /// Removes and returns the member [`JsonObject::get`] would find.
    pub(super) fn take(&mut self, aliases: &[&str]) -> Option<Json> {
        let index = aliases
            .iter()
            .find_map(|alias| self.members.iter().position(|m| m.norm == *alias))?;
        Some(self.members.remove(index).value)
    }

    pub(super) fn has_any(&self, keys: &[&str]) -> bool {
        self.members.iter().any(|m| keys.contains(&m.norm.as_str()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum JsonError {
    /// The text ended inside a value.
    Eof,
    /// Something that is not JSON, even leniently.
    Syntax { at: usize, expected: &'static str },
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep { at: usize },
}

/// Parses one JSON value at the start of `src`. When the text ends inside a container, the
/// container is returned with what was complete and marked (see [`JsonArray::cut`] and
/// [`JsonObject::truncated`]).
pub(super) fn parse_json_lenient(src: &str) -> Result<Json, JsonError> {
    let mut parser = JsonParser {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        hit_eof: false,
    };
    parser.value(0)
}

pub(super) struct JsonParser<'a> {
    pub(super) src: &'a str,
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
    /// Set once the text ended inside a container: every enclosing container stops.
    pub(super) hit_eof: bool,
}

impl JsonParser<'_> {
    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub(super) fn syntax(&self, expected: &'static str) -> JsonError {
        JsonError::Syntax {
            at: self.pos,
            expected,
        }
    }

    pub(super) fn skip_whitespace(&mut self) {
        while let Some(b) = self.peek() {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else if b >= 0x80 {
                match self.src.get(self.pos..).and_then(|s| s.chars().next()) {
                    Some(c) if c.is_whitespace() || c == '\u{feff}' => self.pos += c.len_utf8(),
                    _ => break,
                }
            } else {
                break;
            }
        }
    }

    pub(super) fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep { at: self.pos });
        }
        self.skip_whitespace();
        match self.peek() {
            None => Err(JsonError::Eof),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'+' | b'.' | b'0'..=b'9') => self.number(),
            Some(b) if b.is_ascii_alphabetic() => self.literal(),
            Some(_) => Err(self.syntax("a JSON value")),
        }
    }

    pub(super) fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.pos += 1; // '['
        let mut items = Vec::new();
        loop {
            self.skip_whitespace();
            match self.peek() {
                None => {
                    self.hit_eof = true;
                    let cut = Cut {
                        item: None,
                        item_is_object: false,
                    };
                    return Ok(Json::Array(JsonArray {
                        items,
                        cut: Some(cut),
                    }));
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(JsonArray { items, cut: None }));
                }
                // Leading, doubled and trailing commas are tolerated.
                Some(b',') => self.pos += 1,
                Some(first) => {
                    let index = items.len();
                    match self.value(depth + 1) {
                        Ok(value) if !self.hit_eof => items.push(value),
                        Ok(_) | Err(JsonError::Eof) => {
                            self.hit_eof = true;
                            let cut = Cut {
                                item: Some(index),
                                item_is_object: first == b'{',
                            };
                            return Ok(Json::Array(JsonArray {
                                items,
                                cut: Some(cut),
                            }));
                        }
                        Err(error) => return Err(error),
                    }
                }
            }
        }
    }

    pub(super) fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.pos += 1; // '{'
        let mut object = JsonObject::default();
        loop {
            self.skip_whitespace();
            let key = match self.peek() {
                None => return Ok(self.truncated(object)),
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(object));
                }
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                Some(b'"') => match self.string() {
                    Ok(key) => key,
                    Err(JsonError::Eof) => return Ok(self.truncated(object)),
                    Err(error) => return Err(error),
                },
                Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b'$' => self.bare_key(),
                Some(_) => return Err(self.syntax("a member name or '}'")),
            };
            self.skip_whitespace();
            match self.peek() {
                None => return Ok(self.truncated(object)),
                Some(b':') => self.pos += 1,
                Some(_) => return Err(self.syntax("':' after a member name")),
            }
            match self.value(depth + 1) {
                Ok(value) => {
                    let norm = normalise_key(&key);
                    object.members.push(Member { key, norm, value });
                    if self.hit_eof {
                        object.truncated = true;
                        return Ok(Json::Object(object));
                    }
                }
                Err(JsonError::Eof) => return Ok(self.truncated(object)),
                Err(error) => return Err(error),
            }
        }
    }

    pub(super) fn truncated(&mut self, mut object: JsonObject) -> Json {
        self.hit_eof = true;
        object.truncated = true;
        Json::Object(object)
    }

    pub(super) fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let rest = self.bytes.get(self.pos..).unwrap_or_default();
            let Some(offset) = rest.iter().position(|&b| b == b'"' || b == b'\\') else {
                self.pos = self.bytes.len();
                return Err(JsonError::Eof);
            };
            let end = self.pos + offset;
            out.push_str(self.src.get(self.pos..end).unwrap_or_default());
            let delimiter = rest.get(offset).copied();
            self.pos = end + 1;
            if delimiter == Some(b'"') {
                return Ok(out);
            }
            self.escape(&mut out)?;
        }
    }

    /// Reads the escape after a backslash. Unknown escapes keep their character.
    pub(super) fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let Some(c) = self.src.get(self.pos..).and_then(|s| s.chars().next()) else {
            return Err(JsonError::Eof);
        };
        self.pos += c.len_utf8();
        match c {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'u' => {
                let decoded = match self.hex4()? {
                    Some(high @ 0xD800..=0xDBFF) => {
                        let low = if self.src.get(self.pos..self.pos + 2) == Some("\\u") {
                            self.pos += 2;
                            self.hex4()?
                        } else {
                            None
                        };
                        match low {
                            Some(low @ 0xDC00..=0xDFFF) => {
                                char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                            }
                            _ => None,
                        }
                    }
                    Some(code) => char::from_u32(code),
                    None => None,
                };
                out.push(decoded.unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            other => out.push(other),
        }
        Ok(())
    }

    /// Four hex digits, or `None` (nothing consumed) when they are not there.
    pub(super) fn hex4(&mut self) -> Result<Option<u32>, JsonError> {
        if self.pos + 4 > self.bytes.len() {
            return Err(JsonError::Eof);
        }
        let Some(digits) = self.src.get(self.pos..self.pos + 4) else {
            return Ok(None);
        };
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        self.pos += 4;
        Ok(u32::from_str_radix(digits, 16).ok())
    }

    pub(super) fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        while matches!(
            self.peek(),
            Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        ) {
            self.pos += 1;
        }
        let raw = self.src.get(start..self.pos).unwrap_or_default();
        let raw = raw.strip_prefix('+').unwrap_or(raw);
        if raw.bytes().any(|b| b.is_ascii_digit()) && raw.parse::<f64>().is_ok() {
            Ok(Json::Number(raw.to_string()))
        } else if self.pos >= self.bytes.len() {
            Err(JsonError::Eof)
        } else {
            Err(JsonError::Syntax {
                at: start,
                expected: "a number",
            })
        }
    }

    pub(super) fn literal(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.pos += 1;
        }
        let word = self
            .src
            .get(start..self.pos)
            .unwrap_or_default()
            .to_ascii_lowercase();
        match word.as_str() {
            "true" => Ok(Json::Bool(true)),
            "false" => Ok(Json::Bool(false)),
            "null" | "none" | "undefined" => Ok(Json::Null),
            _ if self.pos >= self.bytes.len() => Err(JsonError::Eof),
            _ => Err(JsonError::Syntax {
                at: start,
                expected: "a JSON value",
            }),
        }
    }

    pub(super) fn bare_key(&mut self) -> String {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'-'))
        {
            self.pos += 1;
        }
        self.src
            .get(start..self.pos)
            .unwrap_or_default()
            .to_string()
    }
}

/// What the balanced-span scanner found from an opening bracket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Scan {
    /// The bracket closes; the span ends before this byte.
    Closed(usize),
    /// The text ends before the bracket closes.
    Open,
    /// A closing bracket that does not match.
    Mismatch,
    /// Nesting deeper than [`MAX_DEPTH`], at this byte.
    TooDeep(usize),
    /// The work budget ran out.
    OutOfBudget,
}

/// Finds where the bracket at `start` closes, skipping JSON strings. Iterative, with a
/// bounded stack; every byte it looks at costs one unit of `budget`.
pub(super) fn scan_balanced(bytes: &[u8], start: usize, budget: &mut usize) -> Scan {
    let mut closers: Vec<u8> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut pos = start;
    while let Some(&b) = bytes.get(pos) {
        if *budget == 0 {
            return Scan::OutOfBudget;
        }
        *budget -= 1;
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    if closers.len() >= MAX_DEPTH {
                        return Scan::TooDeep(pos);
                    }
                    closers.push(if b == b'[' { b']' } else { b'}' });
                }
                b']' | b'}' => match closers.pop() {
                    Some(expected) if expected == b => {
                        if closers.is_empty() {
                            return Scan::Closed(pos + 1);
                        }
                    }
                    _ => return Scan::Mismatch,
                },
                _ => {}
            }
        }
        pos += 1;
    }
    Scan::Open
}

/// What [`search_json`] found.
pub(super) struct JsonSearch<T> {
    pub(super) found: Option<T>,
    /// Why the most promising JSON-looking span was rejected, for the "nothing found" issue.
    pub(super) error: Option<String>,
}

/// Tries every JSON value that starts before `start_limit`, in order, until `accept` takes
/// one. Spans that fail to parse are retried one byte further (a payload may sit inside
/// prose brackets); the whole search is bounded by `budget` and [`MAX_FAILED_CANDIDATES`].
pub(super) fn search_json<T>(
    text: &str,
    start_limit: usize,
    budget: &mut usize,
    mut accept: impl FnMut(Json) -> Option<T>,
) -> JsonSearch<T> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut failures = 0;
    // (span length, message): the longest rejected span is the likeliest payload.
    let mut error: Option<(usize, String)> = None;
    let mut note = |len: usize, message: String| {
        if error.as_ref().is_none_or(|(best, _)| len > *best) {
            error = Some((len, message));
        }
    };
    while failures < MAX_FAILED_CANDIDATES {
        let Some(offset) = bytes
            .get(pos..start_limit.min(bytes.len()))
            .and_then(|rest| rest.iter().position(|&b| b == b'[' || b == b'{'))
        else {
            break;
        };
        let start = pos + offset;
        let (span, closed) = match scan_balanced(bytes, start, budget) {
            Scan::Closed(end) => (text.get(start..end).unwrap_or_default(), true),
            Scan::Open => (
                strip_trailing_fence(text.get(start..).unwrap_or_default()),
                false,
            ),
            Scan::Mismatch => {
                failures += 1;
                pos = start + 1;
                continue;
            }
            Scan::TooDeep(at) => {
                note(
                    at - start,
                    format!("the JSON at byte {start} nests deeper than {MAX_DEPTH} levels"),
                );
                pos = at + 1;
                continue;
            }
            Scan::OutOfBudget => {
                note(
                    0,
                    "the answer has too many JSON-looking fragments to search".into(),
                );
                break;
            }
        };
        *budget = budget.saturating_sub(span.len());
        match parse_json_lenient(span) {
            Ok(json) => {
                if let Some(found) = accept(json) {
                    return JsonSearch {
                        found: Some(found),
                        error: None,
                    };
                }
                if closed {
                    // A complete value that is not a payload: skip it whole.
                    pos = start + span.len();
                } else {
                    failures += 1;
                    pos = start + 1;
                }
            }
            Err(JsonError::Syntax { at, expected }) => {
                note(
                    span.len(),
                    format!(
                        "the JSON at byte {start} is invalid: expected {expected} at byte {}",
                        start + at
                    ),
                );
                failures += 1;
                pos = start + 1;
            }
            Err(JsonError::TooDeep { .. }) => {
                note(
                    span.len(),
                    format!("the JSON at byte {start} nests deeper than {MAX_DEPTH} levels"),
                );
                failures += 1;
                pos = start + 1;
            }
            Err(JsonError::Eof) => {
                failures += 1;
                pos = start + 1;
            }
        }
        if *budget == 0 {
            break;
        }
    }
    JsonSearch {
        found: None,
        error: error.map(|(_, message)| message),
    }
}

/// An unterminated span without a markdown fence that closes the answer after it.
pub(super) fn strip_trailing_fence(span: &str) -> &str {
    let span = span.trim_end();
    span.strip_suffix("```").unwrap_or(span).trim_end()
}
