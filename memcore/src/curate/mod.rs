//! Curation: what a person does to memory by hand, and what they need to see to do it.
//!
//! - Listing observations by a filter ([`ObservationFilter`]), a page at a time, newest first
//!   ([`ObservationCursor`]): the same filter says what a bulk forget would forget.
//! - Editing an observation's title, text and kind ([`ObservationEdit`]): redacted, rehashed,
//!   re-indexed and re-embedded like a new one.
//! - Forgetting with undo: a forgotten observation leaves every read path at once, but its
//!   whole record stays in the store's forget bin, one [`ForgetBatch`] per forget, until the
//!   batch is undone ([`crate::Memory::undo_forget`]) or purged
//!   ([`crate::Memory::purge_forgotten`]).
//! - The injection log ([`Injection`]): what the hooks put into each session's context.
//!
//! Every front end (the command line, the MCP server, the viewer, the bindings) goes through
//! these calls on [`crate::Memory`]; none of them writes these tables itself.

mod edit;
mod forget;

pub(crate) use edit::edit;
pub(crate) use forget::{filtered_ids, undo};

use crate::error::{Error, Result};
use crate::model::{EventId, ObservationId, ObservationKind};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

/// Which observations a listing, a count or a bulk forget covers. Every field narrows the
/// set; the default covers every observation of every project.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ObservationFilter {
    /// One project.
    pub project: Option<String>,
    /// One kind.
    pub kind: Option<ObservationKind>,
    /// One session.
    pub session_id: Option<String>,
    /// Created at or after this time.
    #[serde(with = "time::serde::rfc3339::option")]
    pub since: Option<OffsetDateTime>,
    /// Created before this time.
    #[serde(with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    /// Matching these words in the full-text index (any of them, as search matches them).
    pub query: Option<String>,
}

impl ObservationFilter {
    /// True when no field narrows the set.
    pub fn is_empty(&self) -> bool {
        self.project.is_none()
            && self.kind.is_none()
            && self.session_id.is_none()
            && self.since.is_none()
            && self.until.is_none()
            && self.query.as_deref().is_none_or(|q| q.trim().is_empty())
    }
}

/// Where the next page of a listing starts: after the observation created at `created_at`
/// with id `id` (the last one of the page before). It stays valid when that observation is
/// forgotten meanwhile. Written and parsed as `<unix milliseconds>.<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObservationCursor {
    /// The creation time of the last observation listed, in Unix milliseconds.
    pub created_at_ms: i64,
    /// Its id.
    pub id: ObservationId,
}

impl fmt::Display for ObservationCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.created_at_ms, self.id)
    }
}

impl FromStr for ObservationCursor {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let invalid = || Error::InvalidInput {
            what: "page cursor",
            reason: format!("{s:?} is not a cursor a listing returned (<milliseconds>.<id>)"),
        };
        let (at, id) = s.split_once('.').ok_or_else(invalid)?;
        Ok(ObservationCursor {
            created_at_ms: at.parse().map_err(|_| invalid())?,
            id: id.parse().map_err(|_| invalid())?,
        })
    }
}

impl Serialize for ObservationCursor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ObservationCursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationPage {
    /// The observations, newest first.
    pub items: Vec<crate::model::Observation>,
    /// Where the next page starts; `None` when this page is the last.
    pub next: Option<ObservationCursor>,
}

/// A change to an observation; the fields left `None` keep their value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ObservationEdit {
    /// The new title (must not be empty).
    pub title: Option<String>,
    /// The new text (the narrative).
    pub narrative: Option<String>,
    /// The new kind.
    pub kind: Option<ObservationKind>,
}

/// Observations forgotten together, recoverable until purged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForgetBatch {
    /// The batch's id: what [`crate::Memory::undo_forget`] takes.
    pub id: i64,
    /// When they were forgotten.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Why, in the words of whoever forgot them (`forget 12 14`, a filter...).
    pub reason: String,
    /// The observations forgotten, by the ids they had.
    pub observation_ids: Vec<ObservationId>,
}

/// What a hook injected into a session's context, as it asks [`crate::Memory::record_injection`]
/// to keep it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewInjection {
    /// The session it went into.
    pub session_id: String,
    /// The session's project.
    pub project: String,
    /// The hook event: `SessionStart` or `UserPromptSubmit`.
    pub event: String,
    /// The prompt it answered (`UserPromptSubmit`), redacted before it is kept.
    pub query: Option<String>,
    /// The observations it mentioned, in order.
    pub observation_ids: Vec<ObservationId>,
    /// The conversation records it mentioned, in order.
    pub event_ids: Vec<EventId>,
    /// Its size in tokens.
    pub tokens: u32,
    /// The budget it was held to.
    pub budget: u32,
}

/// A recorded injection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Injection {
    /// Its id.
    pub id: i64,
    /// What was injected.
    #[serde(flatten)]
    pub content: NewInjection,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}
