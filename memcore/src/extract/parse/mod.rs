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
use crate::text::{first_sentence, one_line, shorten};
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

mod items;
mod json;
mod summary;
#[cfg(test)]
mod tests;
mod values;
mod xml;

use items::*;
use json::*;
use summary::*;
use values::*;
use xml::*;
