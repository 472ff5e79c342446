//! The records a host passes and gets back: sessions, events, observations, summaries and
//! statistics, each converted from or to memcore's own model type.
//!
//! Kinds are strings (`bugfix`, `feature`, `refactor`, `change`, `discovery`, `decision`, or
//! a mode's own kind), ids of events and observations `i64`, times timestamps.

use super::error::MemcoreError;
use std::collections::HashMap;
use std::time::SystemTime;
use time::OffsetDateTime;

pub(crate) fn to_time(t: SystemTime) -> OffsetDateTime {
    OffsetDateTime::from(t)
}

pub(crate) fn from_time(t: OffsetDateTime) -> SystemTime {
    SystemTime::from(t)
}

/// A count or limit from the foreign side as a `usize`.
pub(crate) fn to_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Lifecycle state of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SessionStatus {
    /// Started and not yet ended.
    Active,
    /// Ended by the host.
    Ended,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Session {
    /// The host's session id.
    pub id: String,
    /// The project it belongs to.
    pub project: String,
    /// The agent that ran it (`claude-code`, a framework's name...).
    pub agent: String,
    /// When it started.
    pub started_at: SystemTime,
    /// When it ended, if it has.
    pub ended_at: Option<SystemTime>,
    /// Active or ended.
    pub status: SessionStatus,
}

impl From<memcore::Session> for Session {
    fn from(s: memcore::Session) -> Self {
        Session {
            id: s.id,
            project: s.project,
            agent: s.agent,
            started_at: from_time(s.started_at),
            ended_at: s.ended_at.map(from_time),
            status: match s.status {
                memcore::SessionStatus::Active => SessionStatus::Active,
                memcore::SessionStatus::Ended => SessionStatus::Ended,
            },
        }
    }
}

/// What happened in a session, as the host reports it.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum EventPayload {
    /// A prompt the user submitted.
    UserPrompt {
        /// The prompt's text.
        text: String,
    },
    /// A tool call with its input and result.
    ToolUse {
        /// The tool's name (`Edit`, `Bash`, `Read`...).
        tool_name: String,
        /// The tool's input as JSON text (`{"file_path": "src/cart.py"}`); empty for none.
        #[uniffi(default)]
        input_json: String,
        /// What the tool returned, if it succeeded.
        #[uniffi(default)]
        output: Option<String>,
        /// The error, if it failed.
        #[uniffi(default)]
        error: Option<String>,
        /// The host's id for this call; the idempotency key when present.
        #[uniffi(default)]
        tool_use_id: Option<String>,
    },
    /// A message from the assistant (typically the last one of a turn).
    AssistantMessage {
        /// The message's text.
        text: String,
    },
    /// An explicit note: "remember this".
    Note {
        /// The note's text.
        text: String,
    },
}

/// Parses a tool input given as JSON text (empty: no input).
pub(crate) fn parse_input(input_json: &str) -> Result<serde_json::Value, MemcoreError> {
    if input_json.trim().is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_str(input_json).map_err(|e| MemcoreError::Json {
        message: format!("tool input is not valid JSON: {e}"),
    })
}

impl EventPayload {
    pub(crate) fn into_core(self) -> Result<memcore::EventPayload, MemcoreError> {
        Ok(match self {
            EventPayload::UserPrompt { text } => memcore::EventPayload::UserPrompt { text },
            EventPayload::ToolUse {
                tool_name,
                input_json,
                output,
                error,
                tool_use_id,
            } => memcore::EventPayload::ToolUse {
                tool_name,
                input: parse_input(&input_json)?,
                output,
                error,
                tool_use_id,
            },
            EventPayload::AssistantMessage { text } => {
                memcore::EventPayload::AssistantMessage { text }
            }
            EventPayload::Note { text } => memcore::EventPayload::Note { text },
        })
    }
}

impl From<memcore::EventPayload> for EventPayload {
    fn from(p: memcore::EventPayload) -> Self {
        match p {
            memcore::EventPayload::UserPrompt { text } => EventPayload::UserPrompt { text },
            memcore::EventPayload::ToolUse {
                tool_name,
                input,
                output,
                error,
                tool_use_id,
            } => EventPayload::ToolUse {
                tool_name,
                input_json: if input.is_null() {
                    String::new()
                } else {
                    input.to_string()
                },
                output,
                error,
                tool_use_id,
            },
            memcore::EventPayload::AssistantMessage { text } => {
                EventPayload::AssistantMessage { text }
            }
            memcore::EventPayload::Note { text } => EventPayload::Note { text },
        }
    }
}

/// An event to record with `Memory.record_event`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewEvent {
    /// The session it belongs to (must have been started).
    pub session_id: String,
    /// What happened.
    pub payload: EventPayload,
    /// The host's idempotency key: recording the same key twice in a session stores one
    /// event. Defaults to the tool-use id of a tool call.
    #[uniffi(default)]
    pub external_id: Option<String>,
    /// When it happened; now when absent.
    #[uniffi(default)]
    pub occurred_at: Option<SystemTime>,
}

impl NewEvent {
    pub(crate) fn into_core(self) -> Result<memcore::NewEvent, MemcoreError> {
        Ok(memcore::NewEvent {
            session_id: self.session_id,
            payload: self.payload.into_core()?,
            external_id: self.external_id,
            occurred_at: self.occurred_at.map(to_time),
        })
    }
}

/// Where an event stands in extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EventStatus {
    /// Waiting for extraction.
    Pending,
    /// Distilled into observations (or judged not worth keeping).
    Extracted,
    /// Deliberately not extracted.
    Skipped,
    /// Extraction failed too many times; kept, never deleted.
    Failed,
}

impl From<memcore::EventStatus> for EventStatus {
    fn from(s: memcore::EventStatus) -> Self {
        match s {
            memcore::EventStatus::Pending => EventStatus::Pending,
            memcore::EventStatus::Extracted => EventStatus::Extracted,
            memcore::EventStatus::Skipped => EventStatus::Skipped,
            memcore::EventStatus::Failed => EventStatus::Failed,
        }
    }
}

impl From<EventStatus> for memcore::EventStatus {
    fn from(s: EventStatus) -> Self {
        match s {
            EventStatus::Pending => memcore::EventStatus::Pending,
            EventStatus::Extracted => memcore::EventStatus::Extracted,
            EventStatus::Skipped => memcore::EventStatus::Skipped,
            EventStatus::Failed => memcore::EventStatus::Failed,
        }
    }
}

/// A stored event (its text already redacted).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Event {
    /// The event's id.
    pub id: i64,
    /// Its session.
    pub session_id: String,
    /// Its session's project.
    pub project: String,
    /// What happened.
    pub payload: EventPayload,
    /// The host's idempotency key, if any.
    pub external_id: Option<String>,
    /// When it happened.
    pub occurred_at: SystemTime,
    /// Extraction status.
    pub status: EventStatus,
    /// How many extraction attempts have failed.
    pub attempts: u32,
}

impl From<memcore::Event> for Event {
    fn from(e: memcore::Event) -> Self {
        Event {
            id: e.id,
            session_id: e.session_id,
            project: e.project,
            payload: e.payload.into(),
            external_id: e.external_id,
            occurred_at: from_time(e.occurred_at),
            status: e.status.into(),
            attempts: e.attempts,
        }
    }
}

/// The result of recording an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Recorded {
    /// The event's id (the existing one when the key was already recorded).
    pub id: i64,
    /// False when an event with the same idempotency key was already stored.
    pub inserted: bool,
}

impl From<memcore::Recorded> for Recorded {
    fn from(r: memcore::Recorded) -> Self {
        Recorded {
            id: r.id,
            inserted: r.inserted,
        }
    }
}

/// An observation to store (what an extractor or the host itself produces). Only `title` is
/// required.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewObservation {
    /// A short title (required, non-empty).
    pub title: String,
    /// The project it belongs to; the session's project when absent and a session is given.
    #[uniffi(default)]
    pub project: Option<String>,
    /// The session it came from, if any.
    #[uniffi(default)]
    pub session_id: Option<String>,
    /// Its kind (`bugfix`, `feature`, `refactor`, `change`, `discovery`, `decision` or a
    /// mode's own); the mode's fallback kind when absent.
    #[uniffi(default)]
    pub kind: Option<String>,
    /// One sentence that expands the title.
    #[uniffi(default)]
    pub subtitle: String,
    /// What was done, how it works, why it matters.
    #[uniffi(default)]
    pub narrative: String,
    /// Self-contained factual statements.
    #[uniffi(default)]
    pub facts: Vec<String>,
    /// Text that situates the observation (the prompt that started the work): searched at a
    /// lower weight, not rendered in context.
    #[uniffi(default)]
    pub context: String,
    /// Knowledge-type tags (`how-it-works`, `gotcha`...).
    #[uniffi(default)]
    pub concepts: Vec<String>,
    /// Files read, as paths from the project root.
    #[uniffi(default)]
    pub files_read: Vec<String>,
    /// Files modified, as paths from the project root.
    #[uniffi(default)]
    pub files_modified: Vec<String>,
    /// The events it was distilled from (provenance).
    #[uniffi(default)]
    pub source_event_ids: Vec<i64>,
    /// Importance in `0.0..=1.0`; 0.5 when absent.
    #[uniffi(default)]
    pub importance: Option<f32>,
    /// An older observation this one replaces.
    #[uniffi(default)]
    pub supersedes: Option<i64>,
    /// When it was made; now when absent.
    #[uniffi(default)]
    pub created_at: Option<SystemTime>,
}

impl From<NewObservation> for memcore::NewObservation {
    fn from(o: NewObservation) -> Self {
        memcore::NewObservation {
            project: o.project,
            session_id: o.session_id,
            kind: o.kind.map(|k| memcore::ObservationKind::parse(&k)),
            title: o.title,
            subtitle: o.subtitle,
            narrative: o.narrative,
            facts: o.facts,
            context: o.context,
            concepts: o.concepts,
            files_read: o.files_read,
            files_modified: o.files_modified,
            source_event_ids: o.source_event_ids,
            importance: o.importance,
            supersedes: o.supersedes,
            created_at: o.created_at.map(to_time),
        }
    }
}

/// A stored observation.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Observation {
    /// Its id.
    pub id: i64,
    /// Its project.
    pub project: String,
    /// The session it came from, if any.
    pub session_id: Option<String>,
    /// Its kind (`bugfix`, `feature`, ... or a mode's own).
    pub kind: String,
    /// Short title.
    pub title: String,
    /// One sentence that expands the title.
    pub subtitle: String,
    /// What was done, how it works, why it matters.
    pub narrative: String,
    /// Self-contained factual statements.
    pub facts: Vec<String>,
    /// Text that situates the observation.
    pub context: String,
    /// Knowledge-type tags.
    pub concepts: Vec<String>,
    /// Files read.
    pub files_read: Vec<String>,
    /// Files modified.
    pub files_modified: Vec<String>,
    /// The events it was distilled from.
    pub source_event_ids: Vec<i64>,
    /// When it was made.
    pub created_at: SystemTime,
    /// Importance in `0.0..=1.0`.
    pub importance: f32,
    /// Hex SHA-256 of its normalised content; unique per project.
    pub content_hash: String,
    /// Its size in tokens by memcore's estimator.
    pub token_count: u32,
    /// The older observation it replaces, if any.
    pub supersedes: Option<i64>,
    /// The newer observation that replaces this one, if any.
    pub superseded_by: Option<i64>,
    /// Pinned observations are never pruned by retention.
    pub pinned: bool,
}

impl From<memcore::Observation> for Observation {
    fn from(o: memcore::Observation) -> Self {
        Observation {
            id: o.id,
            project: o.project,
            session_id: o.session_id,
            kind: o.kind.as_str().to_owned(),
            title: o.title,
            subtitle: o.subtitle,
            narrative: o.narrative,
            facts: o.facts,
            context: o.context,
            concepts: o.concepts,
            files_read: o.files_read,
            files_modified: o.files_modified,
            source_event_ids: o.source_event_ids,
            created_at: from_time(o.created_at),
            importance: o.importance,
            content_hash: o.content_hash,
            token_count: o.token_count,
            supersedes: o.supersedes,
            superseded_by: o.superseded_by,
            pinned: o.pinned,
        }
    }
}

/// The result of adding an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Added {
    /// The observation's id: the new one, or the existing one with the same content.
    pub id: i64,
    /// True when an observation with the same content already existed in the project and
    /// nothing was stored.
    pub duplicate: bool,
}

impl From<memcore::Added> for Added {
    fn from(a: memcore::Added) -> Self {
        Added {
            id: a.id,
            duplicate: a.duplicate,
        }
    }
}

/// A session summary to store. Every field is optional text.
#[derive(Debug, Clone, PartialEq, Eq, Default, uniffi::Record)]
pub struct NewSummary {
    /// What the user asked for.
    #[uniffi(default)]
    pub request: String,
    /// What was looked into.
    #[uniffi(default)]
    pub investigated: String,
    /// What was learned.
    #[uniffi(default)]
    pub learned: String,
    /// What was done.
    #[uniffi(default)]
    pub completed: String,
    /// Where the work was heading.
    #[uniffi(default)]
    pub next_steps: String,
    /// Anything else worth keeping.
    #[uniffi(default)]
    pub notes: String,
}

impl From<NewSummary> for memcore::NewSummary {
    fn from(s: NewSummary) -> Self {
        memcore::NewSummary {
            request: s.request,
            investigated: s.investigated,
            learned: s.learned,
            completed: s.completed,
            next_steps: s.next_steps,
            notes: s.notes,
        }
    }
}

/// A stored session summary.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Summary {
    /// Its id.
    pub id: i64,
    /// The session it summarises.
    pub session_id: String,
    /// The session's project.
    pub project: String,
    /// What the user asked for.
    pub request: String,
    /// What was looked into.
    pub investigated: String,
    /// What was learned.
    pub learned: String,
    /// What was done.
    pub completed: String,
    /// Where the work was heading.
    pub next_steps: String,
    /// Anything else worth keeping.
    pub notes: String,
    /// When it was written.
    pub created_at: SystemTime,
}

impl From<memcore::Summary> for Summary {
    fn from(s: memcore::Summary) -> Self {
        Summary {
            id: s.id,
            session_id: s.session_id,
            project: s.project,
            request: s.content.request,
            investigated: s.content.investigated,
            learned: s.content.learned,
            completed: s.content.completed,
            next_steps: s.content.next_steps,
            notes: s.content.notes,
            created_at: from_time(s.created_at),
        }
    }
}

/// Store statistics.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Stats {
    /// Observations per kind name.
    pub observations_by_kind: HashMap<String, u64>,
    /// All observations in scope.
    pub observations: u64,
    /// Sessions in scope.
    pub sessions: u64,
    /// Summaries in scope.
    pub summaries: u64,
    /// Events in scope.
    pub events: u64,
    /// Events waiting for extraction.
    pub pending_events: u64,
    /// Events whose extraction failed too many times.
    pub failed_events: u64,
    /// Size of the database file (with its write-ahead log) in bytes; the whole store,
    /// whatever the scope.
    pub file_size_bytes: u64,
    /// The store's schema version.
    pub schema_version: u32,
}

impl From<memcore::Stats> for Stats {
    fn from(s: memcore::Stats) -> Self {
        Stats {
            observations_by_kind: s.observations_by_kind.into_iter().collect(),
            observations: s.observations,
            sessions: s.sessions,
            summaries: s.summaries,
            events: s.events,
            pending_events: s.pending_events,
            failed_events: s.failed_events,
            file_size_bytes: s.file_size_bytes,
            schema_version: s.schema_version,
        }
    }
}

/// A project argument: `None` is every project; an empty name is an error.
pub(crate) fn scope(project: Option<String>) -> Result<memcore::Scope, MemcoreError> {
    match project {
        None => Ok(memcore::Scope::All),
        Some(name) if name.trim().is_empty() => Err(MemcoreError::invalid(
            "project must not be empty; pass None for every project",
        )),
        Some(name) => Ok(memcore::Scope::Project(name.trim().to_owned())),
    }
}

/// A project filter argument as the core's `Option<&str>`, checked like [`scope`].
pub(crate) fn project_filter(project: Option<String>) -> Result<Option<String>, MemcoreError> {
    Ok(scope(project)?.project().map(str::to_owned))
}
