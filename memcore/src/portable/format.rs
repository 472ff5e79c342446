//! The JSONL export format's records (see the [module docs](super) for the format itself).

use super::RecordCounts;
use crate::model::{EventPayload, EventStatus, ObservationKind, SessionStatus};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The version of the JSONL export format this build writes and the newest it reads.
///
/// Version 2 ends a file with an `end` record (the counts of what was written, so a file cut
/// short is told from a whole one) and keeps an observation's sources that name events not
/// in the file. Version 1 files are still read (they have no `end` record: import warns).
pub const EXPORT_FORMAT_VERSION: u32 = 2;

/// The `format` value of the header line.
pub(crate) const FORMAT_NAME: &str = "memcore-export";

/// Line 1 of an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Header {
    pub format: String,
    pub format_version: u32,
    pub schema_version: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: OffsetDateTime,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub since: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    #[serde(default)]
    pub include_events: bool,
}

/// Every other line of an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Record {
    Project(ProjectRecord),
    Session(SessionRecord),
    Prompt(PromptRecord),
    Event(EventRecord),
    Observation(ObservationRecord),
    Summary(SummaryRecord),
    Ledger(LedgerRecord),
    /// The last line: what the export wrote. Not applied; checked against the file.
    End(EndRecord),
}

impl Record {
    /// The record's `type`.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Record::Project(_) => "project",
            Record::Session(_) => "session",
            Record::Prompt(_) => "prompt",
            Record::Event(_) => "event",
            Record::Observation(_) => "observation",
            Record::Summary(_) => "summary",
            Record::Ledger(_) => "ledger",
            Record::End(_) => "end",
        }
    }

    /// The order in which records are applied: what others refer to comes first.
    pub(crate) fn phase(&self) -> u8 {
        match self {
            Record::Project(_) => 0,
            Record::Session(_) => 1,
            Record::Prompt(_) | Record::Event(_) => 2,
            Record::Observation(_) => 3,
            Record::Summary(_) => 4,
            Record::Ledger(_) => 5,
            Record::End(_) => 6,
        }
    }

    /// Counts this record in `counts` under its type (`end` counts nothing).
    pub(crate) fn count_in(&self, counts: &mut RecordCounts) {
        let n = match self {
            Record::Project(_) => &mut counts.projects,
            Record::Session(_) => &mut counts.sessions,
            Record::Prompt(_) => &mut counts.prompts,
            Record::Event(_) => &mut counts.events,
            Record::Observation(_) => &mut counts.observations,
            Record::Summary(_) => &mut counts.summaries,
            Record::Ledger(_) => &mut counts.ledger,
            Record::End(_) => return,
        };
        *n += 1;
    }
}

/// The `end` record, the last line of a format-2 export: how many records of each type the
/// export wrote before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EndRecord {
    pub records: RecordCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ProjectRecord {
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SessionRecord {
    pub id: String,
    pub project: String,
    pub agent: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    pub status: SessionStatus,
}

fn pending() -> EventStatus {
    EventStatus::Pending
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PromptRecord {
    pub session_id: String,
    #[serde(default)]
    pub external_id: Option<String>,
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub recorded_at: Option<OffsetDateTime>,
    #[serde(default = "pending")]
    pub status: EventStatus,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EventRecord {
    pub session_id: String,
    #[serde(default)]
    pub external_id: Option<String>,
    pub payload: EventPayload,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub recorded_at: Option<OffsetDateTime>,
    #[serde(default = "pending")]
    pub status: EventStatus,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
}

/// A reference to an event by what names it in any store: its session and key, or, for an
/// event without a key, its session and content key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct EventRef {
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_key: Option<String>,
}

/// A reference to an observation by what names it in any store: its project and content hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct ObservationRef {
    pub project: String,
    pub content_hash: String,
}

fn half() -> f32 {
    0.5
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ObservationRecord {
    pub project: String,
    #[serde(default)]
    pub session_id: Option<String>,
    pub kind: ObservationKind,
    pub title: String,
    #[serde(default)]
    pub subtitle: String,
    #[serde(default)]
    pub narrative: String,
    #[serde(default)]
    pub facts: Vec<String>,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub concepts: Vec<String>,
    #[serde(default)]
    pub files_read: Vec<String>,
    #[serde(default)]
    pub files_modified: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default = "half")]
    pub importance: f32,
    /// Informational on import (the hash is computed again from the content) except as the
    /// name other records' `supersedes` use.
    #[serde(default)]
    pub content_hash: Option<String>,
    /// Informational; computed again on import.
    #[serde(default)]
    pub token_count: Option<u32>,
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub supersedes: Option<ObservationRef>,
    #[serde(default)]
    pub sources: Vec<EventRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SummaryRecord {
    pub session_id: String,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub request: String,
    #[serde(default)]
    pub investigated: String,
    #[serde(default)]
    pub learned: String,
    #[serde(default)]
    pub completed: String,
    #[serde(default)]
    pub next_steps: String,
    #[serde(default)]
    pub notes: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LedgerRecord {
    #[serde(default)]
    pub session_id: Option<String>,
    pub project: String,
    pub purpose: String,
    pub model: String,
    #[serde(default)]
    pub prompt_tokens: u64,
    #[serde(default)]
    pub completion_tokens: u64,
    #[serde(default)]
    pub events: Vec<EventRef>,
    pub outcome: String,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub observations: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The content key of an event without a key of its own: the first 32 hex digits of SHA-256
/// over its type, payload JSON and time in milliseconds, NUL-separated.
pub(crate) fn event_content_key(kind: &str, payload: &str, occurred_ms: i64) -> String {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    hasher.update([0u8]);
    hasher.update(payload.as_bytes());
    hasher.update([0u8]);
    hasher.update(occurred_ms.to_string().as_bytes());
    hasher
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}
