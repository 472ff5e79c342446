//! The tolerant parser of LLM extraction answers.
//!
//! An extraction prompt asks the host's LLM for observations (or a session summary) in a
//! fixed shape, but models answer in many: JSON wrapped in markdown fences or in prose, an
//! object instead of an array, numbers where strings were asked for, trailing commas,
//! claude-mem's XML `<observation>` blocks, an answer cut off by the token limit, or plain
//! prose. This module turns whatever came back into [`NewObservation`]s and a list of
//! [`ParseIssue`]s that say what was dropped, repaired or guessed. It never fails and never
//! panics: an answer with no payload at all yields no observations and one issue.
//!
//! # What is accepted
//!
//! [`parse_observations`] looks for, in this order of preference:
//!
//! - a JSON array of observation objects, a JSON object with an `observations` array (or
//!   `items`, `results`, `memories`), or a single observation object, anywhere in the answer
//!   (fences and prose around it are ignored). The JSON is read leniently: trailing and
//!   missing commas, bare member names, literal newlines in strings, `True`/`None`.
//! - claude-mem's `<observation>` blocks with `<type>`, `<title>`, `<subtitle>`,
//!   `<narrative>`, `<facts><fact>`, `<concepts><concept>`, `<files_read><file>`,
//!   `<files_modified><file>` (entities and CDATA are decoded).
//!
//! An empty answer, `[]`, `{"observations": []}`, `NONE`, "no observations", or `<skip/>` is
//! a valid answer with nothing to keep: no observations and no issues.
//!
//! # How items are normalised
//!
//! Field names are matched loosely (`type` or `kind`, `files_read`, `filesRead` or
//! `files-read`); scalars are converted to text where text is expected, a single value is a
//! one-element list, and a string where a list is expected is split by lines (and commas, for
//! concepts and files). Strings are trimmed, empty list entries dropped and duplicates
//! removed. Titles are kept on one line and cut at [`TITLE_MAX_CHARS`] characters; an item
//! with a narrative but no title gets one from its subtitle or its narrative's first
//! sentence; an item with neither title nor narrative is skipped. Concepts are lower-cased,
//! cut at `:` and the one equal to the kind removed (claude-mem's rules). `importance` may be
//! a number in `0..=1`, a number in `1..=10` (divided by ten), a percentage or
//! `low`/`medium`/`high`.
//!
//! # Robustness
//!
//! The payload scanner is iterative, nesting is bounded by 128 levels, and every search moves
//! forward under a work budget proportional to the input's length, so adversarial input
//! (deep brackets, unbalanced quotes, megabytes of text) costs linear time.

use crate::model::{NewObservation, NewSummary, ObservationKind};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;

/// Titles longer than this many characters are cut (at a word boundary, with `…`).
pub const TITLE_MAX_CHARS: usize = 200;

/// Deepest JSON nesting the parser follows.
const MAX_DEPTH: usize = 128;
/// Longest title derived from a subtitle or narrative.
const DERIVED_TITLE_MAX_CHARS: usize = 80;
/// How much of an answer an issue quotes.
const QUOTE_MAX_CHARS: usize = 80;
/// How many JSON-looking spans that fail to parse are tried before giving up (the work
/// budget bounds the time; this bounds the effort spent on answers that are mostly noise).
const MAX_FAILED_CANDIDATES: usize = 1024;
/// Longest answer that can be an explicit "nothing worth keeping" phrase.
const NOTHING_PHRASE_MAX_BYTES: usize = 300;
/// How deep a wrapper object is searched for the observations it holds.
const MAX_WRAPPER_LEVEL: usize = 3;

/// Member names (normalised, see [`normalise_key`]) that hold the list of observations.
const WRAPPER_KEYS: &[&str] = &[
    "observations",
    "observation",
    "items",
    "results",
    "memories",
];
/// Member names that make an object look like one observation.
const OBSERVATION_KEYS: &[&str] = &[
    "title",
    "subtitle",
    "narrative",
    "type",
    "kind",
    "facts",
    "concepts",
    "filesread",
    "filesmodified",
];
const KIND_KEYS: &[&str] = &["type", "kind", "observationtype"];
const TITLE_KEYS: &[&str] = &["title", "headline"];
const SUBTITLE_KEYS: &[&str] = &["subtitle"];
const NARRATIVE_KEYS: &[&str] = &["narrative", "description", "details", "content", "body"];
const FACTS_KEYS: &[&str] = &["facts", "fact", "keyfacts"];
const CONCEPTS_KEYS: &[&str] = &["concepts", "concept", "tags"];
const FILES_READ_KEYS: &[&str] = &["filesread", "readfiles", "filesviewed"];
const FILES_MODIFIED_KEYS: &[&str] = &[
    "filesmodified",
    "modifiedfiles",
    "fileschanged",
    "changedfiles",
    "fileswritten",
    "filesedited",
];
const IMPORTANCE_KEYS: &[&str] = &["importance"];

/// What [`parse_observations`] made of an answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ParseOutcome {
    /// The observations found, in the answer's order, normalised (see the module docs).
    /// `project`, `session_id`, `source_event_ids` and `created_at` are left for the caller.
    pub observations: Vec<NewObservation>,
    /// What was dropped, repaired or guessed. Empty for a clean answer, including a clean
    /// "nothing worth keeping".
    pub issues: Vec<ParseIssue>,
}

/// One problem found while parsing an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParseIssue {
    /// The item it concerns: its 0-based position among the answer's items (JSON array
    /// elements or `<observation>` blocks, counting skipped ones), or `None` when it concerns
    /// the answer as a whole.
    pub item: Option<usize>,
    /// What was wrong, in words meant for a log.
    pub reason: String,
}

impl ParseIssue {
    fn whole(reason: impl Into<String>) -> Self {
        ParseIssue {
            item: None,
            reason: reason.into(),
        }
    }

    fn at(item: usize, reason: impl Into<String>) -> Self {
        ParseIssue {
            item: Some(item),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ParseIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.item {
            Some(item) => write!(f, "item {item}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for ParseIssue {}

/// What [`parse_summary`] made of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryOutcome {
    /// A summary with at least one non-empty field.
    Summary(NewSummary),
    /// The model declined to summarise: claude-mem's `<skip_summary reason="..."/>`, a JSON
    /// `{"skip": true, "reason": ...}`, or an answer such as `NONE`.
    Skipped {
        /// The model's reason, or a description of its answer.
        reason: String,
    },
    /// The answer was empty, or a summary whose fields are all empty.
    Empty,
}

/// Parses an LLM's answer to an observation extraction prompt.
///
/// `kinds` are the kinds the mode allows (an empty slice allows any kind); a `type` or `kind`
/// is matched against them case-insensitively. An unknown kind becomes `fallback` and is
/// reported; a missing one becomes `fallback` silently. See the module docs for every
/// tolerated shape. Never fails: what could not be used is in [`ParseOutcome::issues`].
///
/// ```
/// use memcore::extract::parse::parse_observations;
/// use memcore::ObservationKind;
///
/// let answer = "Here you go:\n```json\n[{\"type\": \"Bugfix\", \"title\": \"Fix off-by-one\",\
///               \"facts\": \"parse.rs checks the bound\",}]\n```";
/// let outcome = parse_observations(answer, &ObservationKind::DEFAULTS, &ObservationKind::Change);
/// assert!(outcome.issues.is_empty());
/// assert_eq!(outcome.observations[0].kind, Some(ObservationKind::Bugfix));
/// assert_eq!(outcome.observations[0].facts, ["parse.rs checks the bound"]);
/// ```
pub fn parse_observations(
    text: &str,
    kinds: &[ObservationKind],
    fallback: &ObservationKind,
) -> ParseOutcome {
    let text = clean(text);
    let mut outcome = ParseOutcome::default();
    if text.is_empty() {
        return outcome;
    }
    let lower = text.to_ascii_lowercase();
    let xml_start = find_open_tag(&lower, 0, "observation");
    let mut budget = work_budget(text);
    let mut empty_payload = false;
    let search = search_json(text, xml_start.unwrap_or(text.len()), &mut budget, |json| {
        let payload = recognise_observations(json, 0)?;
        if payload.is_empty() {
            empty_payload = true;
            None
        } else {
            Some(payload)
        }
    });
    let normaliser = Normaliser { kinds, fallback };
    if let Some(payload) = search.found {
        normaliser.json_items(payload, &mut outcome);
    } else if let Some(start) = xml_start {
        normaliser.xml_blocks(text, &lower, start, &mut outcome);
    } else if !empty_payload && !is_explicit_nothing(text, &lower) {
        let what = search.error.unwrap_or_else(|| {
            "the answer holds neither JSON observations nor <observation> blocks".to_string()
        });
        outcome.issues.push(ParseIssue::whole(format!(
            "no observations found: {what}; the answer starts with {}",
            quote(text)
        )));
    }
    outcome
}

/// Parses an LLM's answer to a session summary prompt.
///
/// Accepts a JSON object with `request`, `investigated`, `learned`, `completed`,
/// `next_steps` (or `nextSteps`, `next-steps`) and `notes` (lists are joined with `"; "`),
/// possibly under a `summary` member, or claude-mem's `<summary>` XML with those child tags.
/// `<skip_summary reason="..."/>` gives [`SummaryOutcome::Skipped`], an empty answer
/// [`SummaryOutcome::Empty`]. A summary cut off mid-answer keeps the fields that were
/// complete.
///
/// # Errors
///
/// A [`ParseIssue`] that says what was wrong when the answer holds no summary at all.
pub fn parse_summary(text: &str) -> Result<SummaryOutcome, ParseIssue> {
    let text = clean(text);
    if text.is_empty() {
        return Ok(SummaryOutcome::Empty);
    }
    let lower = text.to_ascii_lowercase();
    let xml_start = find_open_tag(&lower, 0, "summary");
    if let Some(skip) = find_open_tag(&lower, 0, "skip_summary")
        && xml_start.is_none_or(|start| skip < start)
    {
        let reason = tag_attribute(text, &lower, skip, "reason").unwrap_or_default();
        return Ok(SummaryOutcome::Skipped { reason });
    }
    let mut budget = work_budget(text);
    let search = search_json(text, xml_start.unwrap_or(text.len()), &mut budget, |json| {
        summary_from_json(&json, 0)
    });
    if let Some(found) = search.found {
        return Ok(found);
    }
    if let Some(start) = xml_start {
        return summary_from_xml(text, &lower, start);
    }
    if is_explicit_nothing(text, &lower) {
        return Ok(SummaryOutcome::Skipped {
            reason: format!(
                "the answer says there is nothing to summarise: {}",
                quote(&strip_fence_lines(text))
            ),
        });
    }
    let what = if find_open_tag(&lower, 0, "observation").is_some() {
        "the answer holds <observation> blocks, not a <summary>".to_string()
    } else {
        search.error.unwrap_or_else(|| {
            "the answer holds neither a JSON summary object nor a <summary> block".to_string()
        })
    };
    Err(ParseIssue::whole(format!(
        "no summary found: {what}; the answer starts with {}",
        quote(text)
    )))
}

// ---------------------------------------------------------------------------------------
// Text helpers

/// The answer without surrounding whitespace and byte-order marks.
fn clean(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// How many bytes the JSON search may scan and parse in all: linear in the input.
fn work_budget(text: &str) -> usize {
    text.len().saturating_mul(4).saturating_add(65_536)
}

/// The first [`QUOTE_MAX_CHARS`] characters of `text`, quoted and escaped for a message.
fn quote(text: &str) -> String {
    let mut head: String = text.chars().take(QUOTE_MAX_CHARS).collect();
    if text.chars().nth(QUOTE_MAX_CHARS).is_some() {
        head.push('…');
    }
    format!("{head:?}")
}

/// A member name reduced to lower-case ASCII letters and digits: `files_read`, `filesRead`
/// and `files-read` all become `filesread`.
fn normalise_key(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// `text` without the lines that open or close a markdown fence.
fn strip_fence_lines(text: &str) -> String {
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("```"))
        .collect();
    kept.join("\n").trim().trim_matches('`').trim().to_string()
}

/// True when the answer says, in so many words or with a skip tag, that there is nothing
/// worth keeping.
fn is_explicit_nothing(text: &str, lower: &str) -> bool {
    if ["skip", "skip_observation", "skip_observations"]
        .iter()
        .any(|tag| find_open_tag(lower, 0, tag).is_some())
    {
        return true;
    }
    if text.len() > NOTHING_PHRASE_MAX_BYTES {
        return false;
    }
    let bare = strip_fence_lines(lower);
    let bare = bare.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '.' | '!' | '"' | '\'' | '*' | '_')
    });
    if bare.is_empty() || matches!(bare, "none" | "null" | "n/a" | "nothing" | "skip" | "empty") {
        return true;
    }
    if let Some(rest) = bare.strip_prefix("none")
        && rest.starts_with(|c: char| !c.is_alphanumeric())
    {
        return true;
    }
    [
        "no observation",
        "no new observation",
        "no notable",
        "no meaningful",
        "no significant",
        "nothing worth",
        "nothing to record",
        "nothing notable",
        "nothing new",
        "nothing significant",
        "nothing meaningful",
    ]
    .iter()
    .any(|phrase| bare.starts_with(phrase))
}

/// Whitespace runs (newlines included) become one space; the ends are trimmed.
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(1024));
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `text` cut to at most `max` characters, at a word boundary when one is near, with `…`.
fn truncate_chars(text: &str, max: usize) -> String {
    let Some((cut, _)) = text.char_indices().nth(max) else {
        return text.to_string();
    };
    let head = text.get(..cut).unwrap_or(text);
    // Leave room for the ellipsis.
    let head = match head.char_indices().last() {
        Some((last, _)) => head.get(..last).unwrap_or(head),
        None => head,
    };
    let window = head.len().saturating_sub(40);
    let head = match head.rfind(char::is_whitespace) {
        Some(space) if space >= window && space > 0 => head.get(..space).unwrap_or(head),
        _ => head,
    };
    let mut out = head.trim_end().to_string();
    out.push('…');
    out
}

/// A title for an item that has none: its subtitle, else its narrative's first sentence.
fn derive_title(subtitle: &str, narrative: &str) -> String {
    let source = if subtitle.is_empty() {
        let first_line = narrative
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let sentence_end = [". ", "! ", "? "]
            .iter()
            .filter_map(|end| first_line.find(end).map(|at| at + 1))
            .min()
            .unwrap_or(first_line.len());
        collapse_whitespace(first_line.get(..sentence_end).unwrap_or(first_line))
    } else {
        subtitle.to_string()
    };
    truncate_chars(&source, DERIVED_TITLE_MAX_CHARS)
}

/// Splits a string given where a list was expected: by lines (and commas when `commas`),
/// without list bullets (`-`, `*`, `•`, `1.`).
fn split_list(text: &str, commas: bool) -> Vec<String> {
    text.split(|c| c == '\n' || (commas && c == ','))
        .map(strip_bullet)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn strip_bullet(line: &str) -> &str {
    let line = line.trim();
    for bullet in ["- ", "* ", "• "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return rest.trim();
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0
        && digits < 4
        && let Some(rest) = line.get(digits..)
        && let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "))
    {
        return rest.trim();
    }
    line
}

/// Trims the entries, drops empty ones and exact duplicates, keeps the order.
fn clean_list(items: Vec<String>, trim: fn(&str) -> &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let item = trim(item.trim()).trim();
        if !item.is_empty() && seen.insert(item.to_string()) {
            out.push(item.to_string());
        }
    }
    out
}

/// A path without the backticks or quotes a model may put around it.
fn trim_path_quotes(path: &str) -> &str {
    path.trim_matches(['`', '"', '\''])
}

/// Reads an importance: a number in `0..=1`, a number in `1..=10` (divided by ten), a
/// percentage, `a/b`, or a word (`low` 0.25, `medium` 0.5, `high` 0.75, `critical` 1.0).
fn parse_importance(raw: &str) -> Result<Option<f32>, String> {
    let text = raw.trim().to_ascii_lowercase();
    if text.is_empty() {
        return Ok(None);
    }
    let word = match text.as_str() {
        "very low" | "trivial" => Some(0.1),
        "low" | "minor" => Some(0.25),
        "medium" | "moderate" | "normal" | "mid" => Some(0.5),
        "high" | "major" | "important" => Some(0.75),
        "very high" | "critical" => Some(1.0),
        _ => None,
    };
    if let Some(value) = word {
        return Ok(Some(value));
    }
    let invalid = || {
        format!(
            "importance {} is neither a number nor low/medium/high; ignored",
            quote(raw)
        )
    };
    let (number, scale) = if let Some(number) = text.strip_suffix('%') {
        (number.to_string(), Some(100.0))
    } else if let Some((number, scale)) = text.split_once('/') {
        let scale: f64 = scale.trim().parse().map_err(|_| invalid())?;
        (number.to_string(), Some(scale))
    } else {
        (text.clone(), None)
    };
    let value: f64 = number.trim().parse().map_err(|_| invalid())?;
    let value = match scale {
        Some(scale) if scale > 0.0 => value / scale,
        Some(_) => f64::NAN,
        None if value > 1.0 && value <= 10.0 => value / 10.0,
        None => value,
    };
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(Some(value as f32))
    } else {
        Err(format!(
            "importance {} is outside 0..1 and 1..10; ignored",
            quote(raw)
        ))
    }
}

// ---------------------------------------------------------------------------------------
// Lenient JSON

/// A JSON value as the lenient parser reads it. Numbers keep their text, so that a number
/// given where text is expected converts without loss; containers remember whether the
/// answer ended inside them.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(JsonArray),
    Object(JsonObject),
}

impl Json {
    fn type_name(&self) -> &'static str {
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
    fn scalar_text(&self) -> Option<String> {
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
struct JsonArray {
    /// The complete elements.
    items: Vec<Json>,
    /// Set when the answer ended before the closing `]`.
    cut: Option<Cut>,
}

/// Where an array was cut off.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cut {
    /// The index of the element the answer ended in; `None` when it ended between elements.
    item: Option<usize>,
    /// Whether that element began as an object.
    item_is_object: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct JsonObject {
    members: Vec<Member>,
    /// Set when the answer ended before the closing `}`.
    truncated: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct Member {
    key: String,
    /// The key as [`normalise_key`] gives it.
    norm: String,
    value: Json,
}

impl JsonObject {
    /// The first member named by the first alias that names one.
    fn get(&self, aliases: &[&str]) -> Option<&Member> {
        aliases
            .iter()
            .find_map(|alias| self.members.iter().find(|m| m.norm == *alias))
    }

    /// Removes and returns the member [`JsonObject::get`] would find.
    fn take(&mut self, aliases: &[&str]) -> Option<Json> {
        let index = aliases
            .iter()
            .find_map(|alias| self.members.iter().position(|m| m.norm == *alias))?;
        Some(self.members.remove(index).value)
    }

    fn has_any(&self, keys: &[&str]) -> bool {
        self.members.iter().any(|m| keys.contains(&m.norm.as_str()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum JsonError {
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
fn parse_json_lenient(src: &str) -> Result<Json, JsonError> {
    let mut parser = JsonParser {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        hit_eof: false,
    };
    parser.value(0)
}

struct JsonParser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Set once the text ended inside a container: every enclosing container stops.
    hit_eof: bool,
}

impl JsonParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn syntax(&self, expected: &'static str) -> JsonError {
        JsonError::Syntax {
            at: self.pos,
            expected,
        }
    }

    fn skip_whitespace(&mut self) {
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

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
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

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
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

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
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

    fn truncated(&mut self, mut object: JsonObject) -> Json {
        self.hit_eof = true;
        object.truncated = true;
        Json::Object(object)
    }

    fn string(&mut self) -> Result<String, JsonError> {
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
    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
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
    fn hex4(&mut self) -> Result<Option<u32>, JsonError> {
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

    fn number(&mut self) -> Result<Json, JsonError> {
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

    fn literal(&mut self) -> Result<Json, JsonError> {
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

    fn bare_key(&mut self) -> String {
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
enum Scan {
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
fn scan_balanced(bytes: &[u8], start: usize, budget: &mut usize) -> Scan {
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
struct JsonSearch<T> {
    found: Option<T>,
    /// Why the most promising JSON-looking span was rejected, for the "nothing found" issue.
    error: Option<String>,
}

/// Tries every JSON value that starts before `start_limit`, in order, until `accept` takes
/// one. Spans that fail to parse are retried one byte further (a payload may sit inside
/// prose brackets); the whole search is bounded by `budget` and [`MAX_FAILED_CANDIDATES`].
fn search_json<T>(
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
fn strip_trailing_fence(span: &str) -> &str {
    let span = span.trim_end();
    span.strip_suffix("```").unwrap_or(span).trim_end()
}

/// The observations a JSON value holds.
#[derive(Debug)]
struct Payload {
    items: Vec<Json>,
    cut: Option<Cut>,
    /// The answer ended inside the payload, after its observation list.
    truncated: bool,
}

impl Payload {
    fn is_empty(&self) -> bool {
        self.items.is_empty() && self.cut.is_none() && !self.truncated
    }
}

/// Recognises an observation payload: an array holding objects, a wrapper object, or one
/// observation object. `level` > 0 when looking inside an unrecognised object, where empty
/// lists do not count.
fn recognise_observations(json: Json, level: usize) -> Option<Payload> {
    match json {
        Json::Array(array) => {
            let holds_objects = array.items.iter().any(|j| matches!(j, Json::Object(_)))
                || array.cut.is_some_and(|cut| cut.item_is_object);
            let empty = array.items.is_empty() && array.cut.is_none();
            (holds_objects || (empty && level == 0)).then_some(Payload {
                items: array.items,
                cut: array.cut,
                truncated: false,
            })
        }
        Json::Object(mut object) => {
            let truncated = object.truncated;
            if let Some(inner) = object.take(WRAPPER_KEYS) {
                let payload = match inner {
                    Json::Array(array) => Payload {
                        items: array.items,
                        cut: array.cut,
                        truncated: truncated && array.cut.is_none(),
                    },
                    Json::Object(single) => single_observation(single),
                    _ => Payload {
                        items: Vec::new(),
                        cut: None,
                        truncated,
                    },
                };
                return (level == 0 || !payload.is_empty()).then_some(payload);
            }
            if object.has_any(OBSERVATION_KEYS) {
                return Some(single_observation(object));
            }
            if level == 0 && object.members.is_empty() && !truncated {
                return Some(Payload {
                    items: Vec::new(),
                    cut: None,
                    truncated: false,
                });
            }
            if level >= MAX_WRAPPER_LEVEL {
                return None;
            }
            object
                .members
                .into_iter()
                .find_map(|member| match member.value {
                    value @ (Json::Array(_) | Json::Object(_)) => {
                        recognise_observations(value, level + 1)
                    }
                    _ => None,
                })
        }
        _ => None,
    }
}

fn single_observation(object: JsonObject) -> Payload {
    if object.truncated {
        Payload {
            items: Vec::new(),
            cut: Some(Cut {
                item: Some(0),
                item_is_object: true,
            }),
            truncated: false,
        }
    } else {
        Payload {
            items: vec![Json::Object(object)],
            cut: None,
            truncated: false,
        }
    }
}

// ---------------------------------------------------------------------------------------
// XML (claude-mem's format)

/// The byte where an opening tag `<name` starts (followed by `>`, `/` or whitespace), at or
/// after `from`, in lower-cased text.
fn find_open_tag(lower: &str, from: usize, name: &str) -> Option<usize> {
    let needle = format!("<{name}");
    let bytes = lower.as_bytes();
    let mut pos = from;
    loop {
        let at = pos + lower.get(pos..)?.find(&needle)?;
        match bytes.get(at + needle.len()) {
            Some(b'>' | b'/') => return Some(at),
            Some(b) if b.is_ascii_whitespace() => return Some(at),
            _ => pos = at + 1,
        }
    }
}

/// The next position of `needle` at or after `from`, remembering the last answer so that a
/// sequence of searches with growing `from` costs one pass.
fn find_forward(
    cache: &mut Option<Option<usize>>,
    lower: &str,
    needle: &str,
    from: usize,
) -> Option<usize> {
    match *cache {
        Some(Some(found)) if found >= from => return Some(found),
        Some(None) => return None,
        _ => {}
    }
    let found = lower
        .get(from..)
        .and_then(|rest| rest.find(needle))
        .map(|offset| from + offset);
    *cache = Some(found);
    found
}

/// The byte range of the content of the first `<name>` (trying each name in turn) in
/// `lower`. Without a closing tag the content runs to the next tag (`to_next_tag`) or to the
/// end.
fn xml_range(lower: &str, names: &[&str], to_next_tag: bool) -> Option<(usize, usize)> {
    names.iter().find_map(|name| {
        let open = find_open_tag(lower, 0, name)?;
        let gt = open + lower.get(open..)?.find('>')?;
        if gt > 0 && lower.as_bytes().get(gt - 1) == Some(&b'/') {
            return Some((gt + 1, gt + 1));
        }
        let start = gt + 1;
        let rest = lower.get(start..)?;
        let end = match rest.find(&format!("</{name}")) {
            Some(offset) => start + offset,
            None if to_next_tag => rest.find('<').map_or(lower.len(), |offset| start + offset),
            None => lower.len(),
        };
        Some((start, end))
    })
}

/// The decoded, trimmed text of the first `<name>` element.
fn xml_text(block: &str, lower: &str, names: &[&str]) -> Option<String> {
    let (start, end) = xml_range(lower, names, true)?;
    Some(decode_xml_text(block.get(start..end)?))
}

/// The entries of a list element (`<facts><fact>..</fact></facts>`); without `<item>`
/// children, the element's text split by lines (and commas when `commas`).
fn xml_list(block: &str, lower: &str, names: &[&str], item: &str, commas: bool) -> Vec<String> {
    let Some((start, end)) = xml_range(lower, names, false) else {
        return Vec::new();
    };
    let (Some(region), Some(region_lower)) = (block.get(start..end), lower.get(start..end)) else {
        return Vec::new();
    };
    let close = format!("</{item}");
    let mut items = Vec::new();
    let mut found_tag = false;
    let mut pos = 0;
    while let Some(open) = find_open_tag(region_lower, pos, item) {
        found_tag = true;
        let Some(gt) = region_lower
            .get(open..)
            .and_then(|r| r.find('>'))
            .map(|o| open + o)
        else {
            break;
        };
        let content = gt + 1;
        if region_lower.as_bytes().get(gt.saturating_sub(1)) == Some(&b'/') {
            pos = content;
            continue;
        }
        // The entry ends at the next tag; a CDATA section is taken whole.
        let mut scan_from = content;
        if let Some(rest) = region_lower.get(content..)
            && rest.trim_start().starts_with("<![cdata[")
            && let Some(offset) = rest.find("]]>")
        {
            scan_from = content + offset + 3;
        }
        let next_tag = region_lower
            .get(scan_from..)
            .and_then(|r| r.find('<'))
            .map_or(region_lower.len(), |o| scan_from + o);
        if let Some(entry) = region.get(content..next_tag) {
            items.push(decode_xml_text(entry));
        }
        pos = next_tag;
        if region_lower
            .get(next_tag..)
            .is_some_and(|rest| rest.starts_with(&close))
        {
            pos = next_tag + close.len();
        }
    }
    if found_tag {
        items
    } else {
        split_list(&decode_xml_text(region), commas)
    }
}

/// An element's text: a CDATA section unwrapped, entities decoded, trimmed.
fn decode_xml_text(raw: &str) -> String {
    let raw = raw.trim();
    if let Some(inner) = raw
        .strip_prefix("<![CDATA[")
        .and_then(|rest| rest.strip_suffix("]]>"))
    {
        return inner.trim().to_string();
    }
    unescape_xml(raw).trim().to_string()
}

/// Decodes `&lt; &gt; &amp; &quot; &apos;` and numeric character references; anything else
/// that starts with `&` is kept as it is.
fn unescape_xml(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let after = rest.get(amp + 1..).unwrap_or_default();
        let semicolon = after.bytes().take(12).position(|b| b == b';');
        let decoded = semicolon.and_then(|semi| {
            let name = after.get(..semi)?;
            let c = match name {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => '\u{a0}',
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = after.get(semi + 1..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The decoded value of attribute `name` in the tag that starts at `tag_start`.
fn tag_attribute(text: &str, lower: &str, tag_start: usize, name: &str) -> Option<String> {
    let tag_end = lower
        .get(tag_start..)?
        .find('>')
        .map_or(lower.len(), |o| tag_start + o);
    let tag_lower = lower.get(tag_start..tag_end)?;
    let mut from = 0;
    let value_start = loop {
        let at = from + tag_lower.get(from..)?.find(name)?;
        let before_ok = tag_lower
            .as_bytes()
            .get(at.wrapping_sub(1))
            .is_some_and(u8::is_ascii_whitespace);
        let after = tag_lower.get(at + name.len()..)?.trim_start();
        if before_ok && after.starts_with('=') {
            break tag_lower.len() - after.len() + 1;
        }
        from = at + name.len();
    };
    let rest = text.get(tag_start + value_start..tag_end)?.trim_start();
    let value = match rest.chars().next()? {
        q @ ('"' | '\'') => {
            let inner = rest.get(1..)?;
            inner.get(..inner.find(q).unwrap_or(inner.len()))?
        }
        _ => rest.get(
            ..rest
                .find(|c: char| c.is_whitespace() || c == '/')
                .unwrap_or(rest.len()),
        )?,
    };
    Some(unescape_xml(value).trim().to_string())
}

// ---------------------------------------------------------------------------------------
// Items

/// An item's fields as read from the answer, before normalisation.
#[derive(Debug, Default)]
struct RawItem {
    kind: Option<String>,
    title: String,
    subtitle: String,
    narrative: String,
    facts: Vec<String>,
    concepts: Vec<String>,
    files_read: Vec<String>,
    files_modified: Vec<String>,
    importance: Option<String>,
}

impl RawItem {
    fn from_xml(block: &str, lower: &str) -> RawItem {
        RawItem {
            kind: xml_text(block, lower, &["type", "kind"]),
            title: xml_text(block, lower, &["title"]).unwrap_or_default(),
            subtitle: xml_text(block, lower, &["subtitle"]).unwrap_or_default(),
            narrative: xml_text(block, lower, &["narrative"]).unwrap_or_default(),
            facts: xml_list(block, lower, &["facts"], "fact", false),
            concepts: xml_list(block, lower, &["concepts"], "concept", true),
            files_read: xml_list(block, lower, &["files_read", "filesread"], "file", true),
            files_modified: xml_list(
                block,
                lower,
                &["files_modified", "filesmodified"],
                "file",
                true,
            ),
            importance: xml_text(block, lower, &["importance"]),
        }
    }

    fn from_json(object: &JsonObject, index: usize, issues: &mut Vec<ParseIssue>) -> RawItem {
        let mut fields = JsonFields {
            object,
            index,
            issues,
        };
        RawItem {
            kind: fields.first_text(KIND_KEYS),
            title: fields.text(TITLE_KEYS).unwrap_or_default(),
            subtitle: fields.text(SUBTITLE_KEYS).unwrap_or_default(),
            narrative: fields.text(NARRATIVE_KEYS).unwrap_or_default(),
            facts: fields.list(FACTS_KEYS, false),
            concepts: fields.list(CONCEPTS_KEYS, true),
            files_read: fields.list(FILES_READ_KEYS, true),
            files_modified: fields.list(FILES_MODIFIED_KEYS, true),
            importance: fields.first_text(IMPORTANCE_KEYS),
        }
    }
}

/// Reads an item's members, converting types and reporting what cannot be used.
struct JsonFields<'a> {
    object: &'a JsonObject,
    index: usize,
    issues: &'a mut Vec<ParseIssue>,
}

impl JsonFields<'_> {
    /// Text: a scalar converted, a list's scalars joined by lines.
    fn text(&mut self, aliases: &[&str]) -> Option<String> {
        let member = self.object.get(aliases)?;
        match &member.value {
            Json::Array(array) => {
                let parts: Vec<String> = array.items.iter().filter_map(Json::scalar_text).collect();
                Some(parts.join("\n"))
            }
            Json::Object(_) => {
                self.not_usable(&member.key, "an object", "text");
                None
            }
            scalar => scalar.scalar_text(),
        }
    }

    /// Text where one value is expected: a list gives its first scalar.
    fn first_text(&mut self, aliases: &[&str]) -> Option<String> {
        let member = self.object.get(aliases)?;
        match &member.value {
            Json::Array(array) => array.items.iter().find_map(Json::scalar_text),
            Json::Object(_) => {
                self.not_usable(&member.key, "an object", "text");
                None
            }
            scalar => scalar.scalar_text(),
        }
    }

    /// A list: scalars converted, a string split (see [`split_list`]), an object entry with
    /// one text member taken as that text.
    fn list(&mut self, aliases: &[&str], commas: bool) -> Vec<String> {
        let Some(member) = self.object.get(aliases) else {
            return Vec::new();
        };
        match &member.value {
            Json::String(text) => split_list(text, commas),
            Json::Object(_) => {
                self.not_usable(&member.key, "an object", "a list");
                Vec::new()
            }
            Json::Array(array) => {
                let mut out = Vec::with_capacity(array.items.len());
                let mut unusable = 0;
                for entry in &array.items {
                    match entry {
                        Json::Array(inner) => {
                            out.extend(inner.items.iter().filter_map(Json::scalar_text));
                        }
                        Json::Object(object) => match object.members.as_slice() {
                            [only] => match only.value.scalar_text() {
                                Some(text) => out.push(text),
                                None => unusable += 1,
                            },
                            _ => unusable += 1,
                        },
                        scalar => out.extend(scalar.scalar_text()),
                    }
                }
                if unusable > 0 {
                    self.issues.push(ParseIssue::at(
                        self.index,
                        format!(
                            "field `{}`: {unusable} entries are not text; ignored",
                            member.key
                        ),
                    ));
                }
                out
            }
            scalar => scalar.scalar_text().into_iter().collect(),
        }
    }

    fn not_usable(&mut self, key: &str, found: &str, expected: &str) {
        self.issues.push(ParseIssue::at(
            self.index,
            format!("field `{key}` is {found}, not {expected}; ignored"),
        ));
    }
}

/// Turns raw items into observations under one mode's kinds.
struct Normaliser<'a> {
    kinds: &'a [ObservationKind],
    fallback: &'a ObservationKind,
}

impl Normaliser<'_> {
    fn json_items(&self, payload: Payload, outcome: &mut ParseOutcome) {
        let complete = payload.items.len();
        for (index, item) in payload.items.into_iter().enumerate() {
            match item {
                Json::Object(object) => {
                    let raw = RawItem::from_json(&object, index, &mut outcome.issues);
                    self.push(raw, index, outcome);
                }
                other => outcome.issues.push(ParseIssue::at(
                    index,
                    format!(
                        "is {}, not an observation object; skipped",
                        other.type_name()
                    ),
                )),
            }
        }
        match payload.cut {
            Some(Cut {
                item: Some(index), ..
            }) => outcome.issues.push(ParseIssue::at(
                index,
                "the answer was cut off inside this item; it is dropped",
            )),
            Some(Cut { item: None, .. }) => outcome.issues.push(ParseIssue::whole(format!(
                "the answer was cut off after {complete} complete items, before the JSON array closed"
            ))),
            None if payload.truncated => outcome.issues.push(ParseIssue::whole(
                "the answer was cut off after the observations, before the JSON object closed",
            )),
            None => {}
        }
    }

    fn xml_blocks(&self, text: &str, lower: &str, first: usize, outcome: &mut ParseOutcome) {
        let mut next_open = Some(first);
        let mut close_cache = None;
        let mut index = 0;
        while let Some(open) = next_open {
            let Some(gt) = lower
                .get(open..)
                .and_then(|r| r.find('>'))
                .map(|o| open + o)
            else {
                self.cut_xml(index, outcome);
                return;
            };
            let content = gt + 1;
            next_open = find_open_tag(lower, content, "observation");
            if lower.as_bytes().get(gt.saturating_sub(1)) == Some(&b'/') {
                self.push(RawItem::default(), index, outcome);
                index += 1;
                continue;
            }
            let close = find_forward(&mut close_cache, lower, "</observation", content);
            let (end, resume) = match (close, next_open) {
                (Some(close), next) if next.is_none_or(|next| close < next) => {
                    let mut resume = close + "</observation".len();
                    if lower.as_bytes().get(resume) == Some(&b'>') {
                        resume += 1;
                    }
                    (close, resume)
                }
                // No closing tag before the next block: the block runs up to it.
                (_, Some(next)) => (next, next),
                (_, None) => {
                    self.cut_xml(index, outcome);
                    return;
                }
            };
            if let (Some(block), Some(block_lower)) =
                (text.get(content..end), lower.get(content..end))
            {
                self.push(RawItem::from_xml(block, block_lower), index, outcome);
            }
            index += 1;
            if next_open.is_some_and(|next| next < resume) {
                next_open = find_open_tag(lower, resume, "observation");
            }
        }
    }

    fn cut_xml(&self, index: usize, outcome: &mut ParseOutcome) {
        outcome.issues.push(ParseIssue::at(
            index,
            "the answer was cut off inside this <observation> block; it is dropped",
        ));
    }

    fn push(&self, raw: RawItem, index: usize, outcome: &mut ParseOutcome) {
        if let Some(observation) = self.finish(raw, index, &mut outcome.issues) {
            outcome.observations.push(observation);
        }
    }

    fn finish(
        &self,
        raw: RawItem,
        index: usize,
        issues: &mut Vec<ParseIssue>,
    ) -> Option<NewObservation> {
        let title = collapse_whitespace(&raw.title);
        let subtitle = collapse_whitespace(&raw.subtitle);
        let narrative = raw.narrative.trim().to_string();
        if title.is_empty() && narrative.is_empty() {
            issues.push(ParseIssue::at(
                index,
                "has neither a title nor a narrative; skipped",
            ));
            return None;
        }
        let title = if title.is_empty() {
            derive_title(&subtitle, &narrative)
        } else {
            truncate_chars(&title, TITLE_MAX_CHARS)
        };
        let kind = self.kind(raw.kind.as_deref(), index, issues);
        let mut concepts = Vec::with_capacity(raw.concepts.len());
        let mut seen = HashSet::new();
        for concept in raw.concepts {
            let concept = concept
                .split(':')
                .next()
                .unwrap_or_default()
                .trim()
                .to_lowercase();
            if !concept.is_empty() && concept != kind.as_str() && seen.insert(concept.clone()) {
                concepts.push(concept);
            }
        }
        let importance = raw
            .importance
            .as_deref()
            .and_then(|raw| match parse_importance(raw) {
                Ok(value) => value,
                Err(reason) => {
                    issues.push(ParseIssue::at(index, reason));
                    None
                }
            });
        Some(NewObservation {
            kind: Some(kind),
            title,
            subtitle,
            narrative,
            facts: clean_list(raw.facts, |fact: &str| fact),
            concepts,
            files_read: clean_list(raw.files_read, trim_path_quotes),
            files_modified: clean_list(raw.files_modified, trim_path_quotes),
            importance,
            ..NewObservation::default()
        })
    }

    /// The mode's kind an item names, or the fallback.
    fn kind(
        &self,
        raw: Option<&str>,
        index: usize,
        issues: &mut Vec<ParseIssue>,
    ) -> ObservationKind {
        let name = raw
            .unwrap_or_default()
            .trim()
            .trim_matches(['[', ']', '"', '\'', '`', '*'])
            .trim();
        if name.is_empty() {
            return self.fallback.clone();
        }
        let parsed = ObservationKind::parse(name);
        if self.kinds.is_empty() {
            return parsed;
        }
        if let Some(kind) = self
            .kinds
            .iter()
            .find(|kind| **kind == parsed || kind.as_str().eq_ignore_ascii_case(parsed.as_str()))
        {
            return kind.clone();
        }
        issues.push(ParseIssue::at(
            index,
            format!("unknown kind {}; stored as {}", quote(name), self.fallback),
        ));
        self.fallback.clone()
    }
}

// ---------------------------------------------------------------------------------------
// Summaries

const SUMMARY_FIELDS: &[&str] = &[
    "request",
    "investigated",
    "learned",
    "completed",
    "nextsteps",
    "notes",
];

fn summary_from_json(json: &Json, level: usize) -> Option<SummaryOutcome> {
    let Json::Object(object) = json else {
        return None;
    };
    if let Some(skip) = object.get(&["skipsummary", "skip"]) {
        let reason = || {
            object
                .get(&["reason", "skipreason"])
                .and_then(|m| m.value.scalar_text())
                .unwrap_or_default()
        };
        match &skip.value {
            Json::Bool(true) => return Some(SummaryOutcome::Skipped { reason: reason() }),
            Json::String(text) if !text.trim().is_empty() => {
                return Some(SummaryOutcome::Skipped {
                    reason: text.trim().to_string(),
                });
            }
            Json::Object(inner) => {
                let reason = inner
                    .get(&["reason"])
                    .and_then(|m| m.value.scalar_text())
                    .unwrap_or_default();
                return Some(SummaryOutcome::Skipped { reason });
            }
            _ => {}
        }
    }
    if object.has_any(SUMMARY_FIELDS) {
        let field = |key: &str| {
            object
                .get(&[key])
                .map(|member| summary_text(&member.value))
                .unwrap_or_default()
        };
        return Some(summary_outcome(NewSummary {
            request: field("request"),
            investigated: field("investigated"),
            learned: field("learned"),
            completed: field("completed"),
            next_steps: field("nextsteps"),
            notes: field("notes"),
        }));
    }
    if level >= MAX_WRAPPER_LEVEL {
        return None;
    }
    let wrapped = object
        .get(&["summary", "sessionsummary"])
        .and_then(|inner| summary_from_json(&inner.value, level + 1));
    if wrapped.is_some() {
        return wrapped;
    }
    object
        .members
        .iter()
        .find_map(|member| summary_from_json(&member.value, level + 1))
}

/// A summary field's text: a scalar converted, a list's entries joined with `"; "`.
fn summary_text(value: &Json) -> String {
    match value {
        Json::Array(array) => {
            let parts: Vec<String> = array
                .items
                .iter()
                .filter_map(|item| item.scalar_text().or_else(|| Some(summary_text(item))))
                .map(|text| text.trim().to_string())
                .filter(|text| !text.is_empty())
                .collect();
            parts.join("; ")
        }
        Json::Object(_) => String::new(),
        scalar => scalar.scalar_text().unwrap_or_default().trim().to_string(),
    }
}

fn summary_outcome(summary: NewSummary) -> SummaryOutcome {
    if summary == NewSummary::default() {
        SummaryOutcome::Empty
    } else {
        SummaryOutcome::Summary(summary)
    }
}

fn summary_from_xml(text: &str, lower: &str, open: usize) -> Result<SummaryOutcome, ParseIssue> {
    let content = lower
        .get(open..)
        .and_then(|r| r.find('>'))
        .map_or(lower.len(), |o| open + o + 1);
    let end = lower
        .get(content..)
        .and_then(|r| r.find("</summary"))
        .map_or(lower.len(), |o| content + o);
    let (Some(block), Some(block_lower)) = (text.get(content..end), lower.get(content..end)) else {
        return Ok(SummaryOutcome::Empty);
    };
    let fields = [
        xml_text(block, block_lower, &["request"]),
        xml_text(block, block_lower, &["investigated"]),
        xml_text(block, block_lower, &["learned"]),
        xml_text(block, block_lower, &["completed"]),
        xml_text(
            block,
            block_lower,
            &["next_steps", "nextsteps", "next-steps"],
        ),
        xml_text(block, block_lower, &["notes"]),
    ];
    if fields.iter().all(Option::is_none) {
        return Err(ParseIssue::whole(format!(
            "the <summary> block has none of the tags request, investigated, learned, \
             completed, next_steps, notes; it starts with {}",
            quote(block.trim())
        )));
    }
    let [request, investigated, learned, completed, next_steps, notes] =
        fields.map(Option::unwrap_or_default);
    Ok(summary_outcome(NewSummary {
        request,
        investigated,
        learned,
        completed,
        next_steps,
        notes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<ObservationKind> {
        ObservationKind::DEFAULTS.to_vec()
    }

    fn parse(text: &str) -> ParseOutcome {
        parse_observations(text, &defaults(), &ObservationKind::Discovery)
    }

    fn titles(outcome: &ParseOutcome) -> Vec<&str> {
        outcome
            .observations
            .iter()
            .map(|o| o.title.as_str())
            .collect()
    }

    #[test]
    fn scanner_finds_the_matching_bracket_and_skips_strings() {
        let text = br#"x [1, "]", {"a": "}"}] tail"#;
        let mut budget = 1000;
        assert_eq!(scan_balanced(text, 2, &mut budget), Scan::Closed(22));
    }

    #[test]
    fn scanner_reports_open_mismatch_depth_and_budget() {
        let mut budget = 1000;
        assert_eq!(scan_balanced(b"[1, [2]", 0, &mut budget), Scan::Open);
        assert_eq!(scan_balanced(b"[1}", 0, &mut budget), Scan::Mismatch);
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(
            scan_balanced(deep.as_bytes(), 0, &mut budget),
            Scan::TooDeep(MAX_DEPTH)
        );
        let mut small = 3;
        assert_eq!(scan_balanced(b"[1, 2]", 0, &mut small), Scan::OutOfBudget);
    }

    #[test]
    fn lenient_json_takes_trailing_and_missing_commas_and_bare_keys() {
        let json = parse_json_lenient(r#"{title: "a", "facts": ["x", "y",], n: 1 "b": true,}"#);
        let Ok(Json::Object(object)) = json else {
            panic!("not an object: {json:?}");
        };
        let keys: Vec<&str> = object.members.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["title", "facts", "n", "b"]);
        assert!(!object.truncated);
    }

    #[test]
    fn lenient_json_decodes_escapes_and_surrogates() {
        let json = parse_json_lenient(r#""a\n\t\"\\\/\u00e9\ud83d\ude00\ud800x\q""#);
        assert_eq!(
            json,
            Ok(Json::String("a\n\t\"\\/é😀\u{fffd}xq".to_string()))
        );
    }

    #[test]
    fn lenient_json_keeps_complete_items_of_a_cut_array() {
        let json = parse_json_lenient(r#"[{"a": 1}, {"b": [1, 2"#);
        let Ok(Json::Array(array)) = json else {
            panic!("not an array: {json:?}");
        };
        assert_eq!(array.items.len(), 1);
        assert_eq!(
            array.cut,
            Some(Cut {
                item: Some(1),
                item_is_object: true
            })
        );
    }

    #[test]
    fn lenient_json_reports_syntax_errors_with_their_position() {
        assert_eq!(
            parse_json_lenient(r#"[1, @]"#),
            Err(JsonError::Syntax {
                at: 4,
                expected: "a JSON value"
            })
        );
        assert!(matches!(
            parse_json_lenient("{\"a\" 1}"),
            Err(JsonError::Syntax { at: 5, .. })
        ));
    }

    #[test]
    fn lenient_json_bounds_nesting() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(matches!(
            parse_json_lenient(&deep),
            Err(JsonError::TooDeep { .. })
        ));
    }

    #[test]
    fn xml_entities_and_character_references_are_decoded() {
        assert_eq!(
            unescape_xml(
                "a &lt;b&gt; &amp;&amp; &quot;c&quot; &apos;d&apos; &#65;&#x42; &bogus; &"
            ),
            "a <b> && \"c\" 'd' AB &bogus; &"
        );
        assert_eq!(decode_xml_text(" <![CDATA[ a < b ]]> "), "a < b");
    }

    #[test]
    fn open_tags_need_a_delimiter_after_the_name() {
        let lower = "<observations><observation id=1><observation>";
        assert_eq!(find_open_tag(lower, 0, "observation"), Some(14));
        assert_eq!(find_open_tag(lower, 15, "observation"), Some(32));
        assert_eq!(find_open_tag(lower, 33, "observation"), None);
    }

    #[test]
    fn attributes_are_read_with_either_quote() {
        let text = r#"<skip_summary reason="only a &quot;ls&quot;"/>"#;
        let lower = text.to_ascii_lowercase();
        assert_eq!(
            tag_attribute(text, &lower, 0, "reason").as_deref(),
            Some("only a \"ls\"")
        );
        let text = "<skip_summary kind='x' reason='nothing done' />";
        let lower = text.to_ascii_lowercase();
        assert_eq!(
            tag_attribute(text, &lower, 0, "reason").as_deref(),
            Some("nothing done")
        );
    }

    #[test]
    fn importance_accepts_unit_ten_point_percent_and_words() {
        assert_eq!(parse_importance("0.7"), Ok(Some(0.7)));
        assert_eq!(parse_importance("1"), Ok(Some(1.0)));
        assert_eq!(parse_importance("8"), Ok(Some(0.8)));
        assert_eq!(parse_importance("80%"), Ok(Some(0.8)));
        assert_eq!(parse_importance("3/4"), Ok(Some(0.75)));
        assert_eq!(parse_importance(" High "), Ok(Some(0.75)));
        assert_eq!(parse_importance("low"), Ok(Some(0.25)));
        assert_eq!(parse_importance(""), Ok(None));
        assert!(parse_importance("42").is_err());
        assert!(parse_importance("-1").is_err());
        assert!(parse_importance("NaN").is_err());
        assert!(parse_importance("very").is_err());
        assert!(parse_importance("1/0").is_err());
    }

    #[test]
    fn long_titles_are_cut_at_a_word_boundary() {
        let title = "word ".repeat(100);
        let cut = truncate_chars(title.trim(), TITLE_MAX_CHARS);
        assert!(cut.chars().count() <= TITLE_MAX_CHARS);
        assert!(cut.ends_with("word…"));
        let no_spaces = "é".repeat(500);
        let cut = truncate_chars(&no_spaces, TITLE_MAX_CHARS);
        assert_eq!(cut.chars().count(), TITLE_MAX_CHARS);
        assert_eq!(truncate_chars("short", TITLE_MAX_CHARS), "short");
    }

    #[test]
    fn derived_titles_come_from_the_subtitle_or_the_first_sentence() {
        assert_eq!(derive_title("Sub", "Narr"), "Sub");
        assert_eq!(
            derive_title("", "\nThe cache is keyed by path. It expires hourly."),
            "The cache is keyed by path."
        );
    }

    #[test]
    fn list_strings_lose_their_bullets() {
        assert_eq!(
            split_list("- a\n* b\n• c\n1. d\n2) e\n\n-f", false),
            ["a", "b", "c", "d", "e", "-f"]
        );
        assert_eq!(split_list("x, y,,z", true), ["x", "y", "z"]);
    }

    #[test]
    fn nothing_phrases_are_recognised_and_prose_is_not() {
        for text in [
            "NONE",
            "none.",
            "```\nNONE\n```",
            "No observations.",
            "no observations to record",
            "Nothing worth recording.",
            "<skip/>",
            "The output was a plain listing. <skip />",
            "None - only a status check",
        ] {
            let lower = text.to_ascii_lowercase();
            assert!(is_explicit_nothing(text, &lower), "{text}");
        }
        for text in ["Nonetheless I fixed it", "I fixed the bug", "nonexistent"] {
            let lower = text.to_ascii_lowercase();
            assert!(!is_explicit_nothing(text, &lower), "{text}");
        }
    }

    #[test]
    fn kinds_match_case_insensitively_and_unknown_ones_fall_back() {
        let kinds = [
            ObservationKind::Bugfix,
            ObservationKind::Other("security_alert".into()),
        ];
        let outcome = parse_observations(
            r#"[{"type": "BUGFIX", "title": "a"}, {"kind": "Security Alert", "title": "b"},
                {"type": "gossip", "title": "c"}, {"title": "d"}]"#,
            &kinds,
            &ObservationKind::Change,
        );
        let got: Vec<_> = outcome
            .observations
            .iter()
            .map(|o| o.kind.clone())
            .collect();
        assert_eq!(
            got,
            [
                Some(ObservationKind::Bugfix),
                Some(ObservationKind::Other("security_alert".into())),
                Some(ObservationKind::Change),
                Some(ObservationKind::Change),
            ]
        );
        assert_eq!(
            outcome.issues,
            [ParseIssue::at(
                2,
                "unknown kind \"gossip\"; stored as change"
            )]
        );
    }

    #[test]
    fn an_empty_kind_list_accepts_any_kind() {
        let outcome = parse_observations(
            r#"{"type": "Gossip", "title": "a"}"#,
            &[],
            &ObservationKind::Change,
        );
        assert_eq!(
            outcome.observations[0].kind,
            Some(ObservationKind::Other("gossip".into()))
        );
        assert!(outcome.issues.is_empty());
    }

    #[test]
    fn concepts_are_lowercased_cut_at_colons_and_the_kind_removed() {
        let outcome = parse(
            r#"{"type": "bugfix", "title": "a", "concepts": ["Gotcha: details", "bugfix", "gotcha", " pattern ", ""]}"#,
        );
        assert_eq!(outcome.observations[0].concepts, ["gotcha", "pattern"]);
    }

    #[test]
    fn a_payload_after_prose_brackets_is_found() {
        let outcome = parse(r#"I read [the file] and {note} then: [{"title": "found"}]"#);
        assert_eq!(titles(&outcome), ["found"]);
        assert!(outcome.issues.is_empty());
    }

    #[test]
    fn an_unclosed_non_payload_does_not_hide_a_payload_inside_it() {
        let outcome = parse(r#"[1, [{"title": "inside"}]"#);
        assert_eq!(titles(&outcome), ["inside"]);
        assert!(outcome.issues.is_empty());
    }

    #[test]
    fn a_cut_answer_closed_by_a_fence_is_still_cut() {
        let outcome = parse("```json\n[{\"title\": \"a\"}, {\"title\": \"b\"\n```");
        assert_eq!(titles(&outcome), ["a"]);
        assert_eq!(
            outcome.issues,
            [ParseIssue::at(
                1,
                "the answer was cut off inside this item; it is dropped"
            )]
        );
    }

    #[test]
    fn an_empty_list_in_prose_does_not_hide_a_later_payload() {
        let outcome = parse(r#"The queue was [] before. [{"title": "after"}]"#);
        assert_eq!(titles(&outcome), ["after"]);
    }

    #[test]
    fn a_wrapper_nested_in_another_object_is_found() {
        let outcome = parse(r#"{"response": {"data": {"observations": [{"title": "deep"}]}}}"#);
        assert_eq!(titles(&outcome), ["deep"]);
    }

    #[test]
    fn json_mentioning_observation_tags_stays_json() {
        let outcome =
            parse(r#"[{"title": "Parser reads <observation> blocks", "narrative": "x"}]"#);
        assert_eq!(titles(&outcome), ["Parser reads <observation> blocks"]);
        assert!(outcome.issues.is_empty());
    }

    #[test]
    fn xml_mentioning_json_stays_xml() {
        let outcome = parse(
            "<observation><title>Config</title><narrative>Set [{\"title\": \"no\"}]</narrative></observation>",
        );
        assert_eq!(titles(&outcome), ["Config"]);
    }

    #[test]
    fn xml_blocks_without_closing_tags_run_to_the_next_block() {
        let outcome =
            parse("<observation><title>One</title>\n<observation><title>Two</title></observation>");
        assert_eq!(titles(&outcome), ["One", "Two"]);
        assert!(outcome.issues.is_empty());
    }

    #[test]
    fn xml_list_without_item_tags_is_split_by_lines() {
        let outcome = parse(
            "<observation><title>T</title><facts>- one\n- two</facts>\
             <files_read>a.rs, b.rs</files_read></observation>",
        );
        let obs = &outcome.observations[0];
        assert_eq!(obs.facts, ["one", "two"]);
        assert_eq!(obs.files_read, ["a.rs", "b.rs"]);
    }

    #[test]
    fn issues_display_their_item() {
        assert_eq!(ParseIssue::at(2, "bad").to_string(), "item 2: bad");
        assert_eq!(ParseIssue::whole("bad").to_string(), "bad");
    }

    #[test]
    fn summary_json_variants_and_skips() {
        assert_eq!(
            parse_summary(r#"{"summary": {"request": "r", "nextSteps": ["a", "b"]}}"#),
            Ok(SummaryOutcome::Summary(NewSummary {
                request: "r".into(),
                next_steps: "a; b".into(),
                ..NewSummary::default()
            }))
        );
        assert_eq!(
            parse_summary(r#"{"skip": true, "reason": "trivial"}"#),
            Ok(SummaryOutcome::Skipped {
                reason: "trivial".into()
            })
        );
        assert_eq!(
            parse_summary(r#"{"request": "", "notes": null}"#),
            Ok(SummaryOutcome::Empty)
        );
    }
}
