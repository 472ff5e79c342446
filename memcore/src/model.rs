//! The data model: what a host records ([`NewEvent`]) and what memcore keeps and returns
//! ([`Session`], [`Event`], [`Observation`], [`Summary`]).
//!
//! Every type here is plain data with serde support; timestamps are [`OffsetDateTime`] and
//! serialize as RFC 3339. Ids are SQLite row ids (`i64`), except sessions, which keep the
//! host's own session id.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

/// Id of a stored [`Observation`].
pub type ObservationId = i64;
/// Id of a stored [`Event`].
pub type EventId = i64;

/// The kind of an observation. The six default kinds come from the built-in code mode; any
/// other lower-case string is kept as [`ObservationKind::Other`] (a mode may define its own).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObservationKind {
    /// Something was broken and is now fixed.
    Bugfix,
    /// A new capability was added.
    Feature,
    /// Code was restructured without changing behaviour.
    Refactor,
    /// A generic modification: docs, configuration, small edits.
    Change,
    /// Something learned about the existing system.
    Discovery,
    /// A design choice, with its reasons.
    Decision,
    /// A kind defined by a mode, stored as its (normalised) name.
    Other(String),
}

impl ObservationKind {
    /// The six kinds every store understands, in their canonical order.
    pub const DEFAULTS: [ObservationKind; 6] = [
        ObservationKind::Bugfix,
        ObservationKind::Feature,
        ObservationKind::Refactor,
        ObservationKind::Change,
        ObservationKind::Discovery,
        ObservationKind::Decision,
    ];

    /// Parses a kind name: trimmed, lower-cased, spaces and dashes become `_`. Never fails;
    /// an unknown name becomes [`ObservationKind::Other`]. An empty name becomes `change`.
    pub fn parse(name: &str) -> ObservationKind {
        let norm: String = name
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        match norm.as_str() {
            "bugfix" | "bug_fix" | "fix" => ObservationKind::Bugfix,
            "feature" => ObservationKind::Feature,
            "refactor" => ObservationKind::Refactor,
            "change" | "" => ObservationKind::Change,
            "discovery" => ObservationKind::Discovery,
            "decision" => ObservationKind::Decision,
            _ => ObservationKind::Other(norm),
        }
    }

    /// The kind's name as stored.
    pub fn as_str(&self) -> &str {
        match self {
            ObservationKind::Bugfix => "bugfix",
            ObservationKind::Feature => "feature",
            ObservationKind::Refactor => "refactor",
            ObservationKind::Change => "change",
            ObservationKind::Discovery => "discovery",
            ObservationKind::Decision => "decision",
            ObservationKind::Other(name) => name,
        }
    }
}

impl fmt::Display for ObservationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ObservationKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ObservationKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(ObservationKind::parse(&name))
    }
}

/// A project: the scope every memory belongs to. See [`crate::capture::project`] for how a name is
/// resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Project {
    /// The project's name, as resolved.
    pub name: String,
}

/// Which projects a read covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// One project, by name.
    Project(String),
    /// Every project in the store.
    All,
}

impl Scope {
    /// The project name when the scope is a single project.
    pub fn project(&self) -> Option<&str> {
        match self {
            Scope::Project(name) => Some(name),
            Scope::All => None,
        }
    }
}

/// Lifecycle state of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Started and not yet ended.
    Active,
    /// Ended by the host.
    Ended,
}

/// What a host passes to [`crate::Memory::start_session`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSession {
    /// The host's session id (Claude Code's `session_id`, a framework's run id...).
    pub id: String,
    /// The project, already resolved (see [`crate::capture::project::resolve`]).
    pub project: String,
    /// The agent that runs the session: `claude-code`, `codex`, a framework's name.
    pub agent: String,
    /// When the session started; now when absent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
}

impl NewSession {
    /// A session of `project` run by `agent`, starting now.
    pub fn new(
        id: impl Into<String>,
        project: impl Into<String>,
        agent: impl Into<String>,
    ) -> Self {
        NewSession {
            id: id.into(),
            project: project.into(),
            agent: agent.into(),
            started_at: None,
        }
    }
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The host's session id.
    pub id: String,
    /// The project it belongs to.
    pub project: String,
    /// The agent that ran it.
    pub agent: String,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When it ended, if it has.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    /// Active or ended.
    pub status: SessionStatus,
}

/// What happened in a session, as the host reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
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
        /// The tool's input, as JSON.
        #[serde(default)]
        input: serde_json::Value,
        /// What the tool returned, if it succeeded.
        #[serde(default)]
        output: Option<String>,
        /// The error, if it failed.
        #[serde(default)]
        error: Option<String>,
        /// The host's id for this call; the idempotency key when present.
        #[serde(default)]
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

impl EventPayload {
    /// The payload's type name as stored: `user_prompt`, `tool_use`, `assistant_message`, `note`.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventPayload::UserPrompt { .. } => "user_prompt",
            EventPayload::ToolUse { .. } => "tool_use",
            EventPayload::AssistantMessage { .. } => "assistant_message",
            EventPayload::Note { .. } => "note",
        }
    }
}

/// What a host passes to [`crate::Memory::record_event`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// The session it belongs to (must have been started).
    pub session_id: String,
    /// What happened.
    pub payload: EventPayload,
    /// The host's idempotency key: recording the same key twice in a session stores one
    /// event. Defaults to the tool-use id of a tool call.
    #[serde(default)]
    pub external_id: Option<String>,
    /// When it happened; now when absent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub occurred_at: Option<OffsetDateTime>,
}

impl NewEvent {
    /// An event of `session_id`, happening now, keyed by its tool-use id if it has one.
    pub fn new(session_id: impl Into<String>, payload: EventPayload) -> Self {
        NewEvent {
            session_id: session_id.into(),
            payload,
            external_id: None,
            occurred_at: None,
        }
    }

    /// The idempotency key: the explicit one, else the tool-use id.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.external_id.as_deref().or(match &self.payload {
            EventPayload::ToolUse { tool_use_id, .. } => tool_use_id.as_deref(),
            _ => None,
        })
    }
}

/// Where an event stands in extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl EventStatus {
    /// The status as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Pending => "pending",
            EventStatus::Extracted => "extracted",
            EventStatus::Skipped => "skipped",
            EventStatus::Failed => "failed",
        }
    }

    /// Parses a stored status.
    pub fn parse(s: &str) -> Option<EventStatus> {
        Some(match s {
            "pending" => EventStatus::Pending,
            "extracted" => EventStatus::Extracted,
            "skipped" => EventStatus::Skipped,
            "failed" => EventStatus::Failed,
            _ => return None,
        })
    }
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The event's id.
    pub id: EventId,
    /// Its session.
    pub session_id: String,
    /// Its session's project.
    pub project: String,
    /// What happened (already redacted).
    pub payload: EventPayload,
    /// The host's idempotency key, if any.
    pub external_id: Option<String>,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// Extraction status.
    pub status: EventStatus,
    /// How many extraction attempts have failed.
    pub attempts: u32,
}

/// A record of the conversation layer: one event as it happened, in short form (see
/// [`crate::conversation`]). Its id is the event's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationRecord {
    /// The event's id.
    pub event_id: EventId,
    /// Its session.
    pub session_id: String,
    /// Its session's project.
    pub project: String,
    /// The event's type: `user_prompt`, `assistant_message`, `tool_use` or `note`.
    pub role: String,
    /// The tool's name, for a tool call.
    pub tool: Option<String>,
    /// The short form: what is indexed and shown (redacted and bounded).
    pub text: String,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
}

impl ConversationRecord {
    /// What the record is, in a word: `prompt`, `assistant`, `note`, or the tool's name.
    pub fn label(&self) -> &str {
        match self.role.as_str() {
            "user_prompt" => "prompt",
            "assistant_message" => "assistant",
            "tool_use" => self.tool.as_deref().unwrap_or("tool"),
            other => other,
        }
    }

    /// The reference a user types for it: `c` and its id (`c17`).
    pub fn reference(&self) -> String {
        format!("c{}", self.event_id)
    }
}

/// A reference to a memory as a person or a model types it: an observation id (`42`, `#42`)
/// or a conversation record (`c17`, as [`ConversationRecord::reference`] writes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemoryRef {
    /// An observation.
    Observation(ObservationId),
    /// A conversation record, by its event's id.
    Conversation(EventId),
}

impl MemoryRef {
    /// Parses a reference; `None` unless it is a positive id, with an optional `#` and, for a
    /// conversation record, `c`.
    ///
    /// ```
    /// use memcore::MemoryRef;
    /// assert_eq!(MemoryRef::parse("#42"), Some(MemoryRef::Observation(42)));
    /// assert_eq!(MemoryRef::parse(" c17 "), Some(MemoryRef::Conversation(17)));
    /// assert_eq!(MemoryRef::parse("c0"), None);
    /// assert_eq!(MemoryRef::parse("x7"), None);
    /// ```
    pub fn parse(text: &str) -> Option<MemoryRef> {
        let t = text.trim().trim_start_matches('#');
        let (id, conversation) = match t.strip_prefix('c') {
            Some(n) => (n, true),
            None => (t, false),
        };
        let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
        Some(if conversation {
            MemoryRef::Conversation(id)
        } else {
            MemoryRef::Observation(id)
        })
    }
}

/// The result of [`crate::Memory::record_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The event's id (the existing one when the key was already recorded).
    pub id: EventId,
    /// False when an event with the same idempotency key was already stored.
    pub inserted: bool,
}

/// An observation to store: what an extractor (LLM or heuristic) or a host produces.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewObservation {
    /// The project it belongs to; the session's project when absent and a session is given.
    pub project: Option<String>,
    /// The session it came from, if any.
    pub session_id: Option<String>,
    /// Its kind.
    pub kind: Option<ObservationKind>,
    /// A short title (required, non-empty).
    pub title: String,
    /// One sentence that expands the title.
    pub subtitle: String,
    /// What was done, how it works, why it matters.
    pub narrative: String,
    /// Self-contained factual statements.
    pub facts: Vec<String>,
    /// Text that situates the observation without being part of it: the prompt that started
    /// the work, or the previous turn of a conversation. Searched at a lower weight than the
    /// observation's own text; not rendered in context.
    pub context: String,
    /// Knowledge-type tags (`how-it-works`, `gotcha`...).
    pub concepts: Vec<String>,
    /// Files read, as paths from the project root.
    pub files_read: Vec<String>,
    /// Files modified, as paths from the project root.
    pub files_modified: Vec<String>,
    /// The events it was distilled from (provenance).
    pub source_event_ids: Vec<EventId>,
    /// Importance in `0.0..=1.0`; 0.5 when absent.
    pub importance: Option<f32>,
    /// An older observation this one replaces.
    pub supersedes: Option<ObservationId>,
    /// When it was made; now when absent.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
}

impl NewObservation {
    /// The observation this asks to store, each field checked, redacted and completed by its
    /// own rule, written here beside the declarations: texts are trimmed and passed through
    /// `redact` (the store's redactor), and so is every list item, the empty ones dropped; the
    /// title must not be empty; the kind is `change`, the importance 0.5 (clamped to
    /// `0.0..=1.0`) and the time now when absent; a new observation is not pinned.
    ///
    /// What needs the store is left to the caller (`State::prepare_observation`): the project
    /// when only a session is given (empty here), checking that `supersedes` exists, the content
    /// hash and the token count (computed from the prepared text; empty and 0 here), the id.
    pub(crate) fn prepare(
        self,
        redact: impl Fn(&str) -> String,
    ) -> crate::error::Result<Observation> {
        let text = |s: &str| redact(s.trim());
        let list = |items: &[String]| -> Vec<String> {
            items
                .iter()
                .map(|s| text(s))
                .filter(|s| !s.is_empty())
                .collect()
        };
        let title = text(&self.title);
        if title.trim().is_empty() {
            return Err(crate::error::Error::InvalidInput {
                what: "observation title",
                reason: "must not be empty".into(),
            });
        }
        Ok(Observation {
            id: 0,
            project: self
                .project
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .to_owned(),
            session_id: self.session_id,
            kind: self.kind.unwrap_or(ObservationKind::Change),
            title,
            subtitle: text(&self.subtitle),
            narrative: text(&self.narrative),
            facts: list(&self.facts),
            context: text(&self.context),
            concepts: list(&self.concepts),
            files_read: list(&self.files_read),
            files_modified: list(&self.files_modified),
            source_event_ids: self.source_event_ids,
            created_at: self.created_at.unwrap_or_else(OffsetDateTime::now_utc),
            importance: match self.importance {
                Some(i) if i.is_finite() => i.clamp(0.0, 1.0),
                _ => 0.5,
            },
            content_hash: String::new(),
            token_count: 0,
            supersedes: self.supersedes,
            superseded_by: None,
            pinned: false,
        })
    }
}

/// A stored observation.
///
/// Its serde form is also the export's observation record (see [`crate::portable`]), less the
/// fields that name rows of the store holding it (`id`, `source_event_ids`, `supersedes`,
/// `superseded_by`), which the export replaces by references. A field that is also one of
/// [`NewObservation`] has the same serde form there (as an `Option` when it has a default),
/// so an import reads it back with no code of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Its id.
    pub id: ObservationId,
    /// Its project.
    pub project: String,
    /// The session it came from, if any.
    pub session_id: Option<String>,
    /// Its kind.
    pub kind: ObservationKind,
    /// Short title.
    pub title: String,
    /// One sentence that expands the title.
    pub subtitle: String,
    /// What was done, how it works, why it matters.
    pub narrative: String,
    /// Self-contained factual statements.
    pub facts: Vec<String>,
    /// Text that situates the observation (see [`NewObservation::context`]).
    pub context: String,
    /// Knowledge-type tags.
    pub concepts: Vec<String>,
    /// Files read.
    pub files_read: Vec<String>,
    /// Files modified.
    pub files_modified: Vec<String>,
    /// The events it was distilled from.
    pub source_event_ids: Vec<EventId>,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Importance in `0.0..=1.0`.
    pub importance: f32,
    /// Hex SHA-256 of its normalised content; unique per project.
    pub content_hash: String,
    /// Its size in tokens by the crate's estimator (see [`crate::tokens`]).
    pub token_count: u32,
    /// The older observation it replaces, if any.
    pub supersedes: Option<ObservationId>,
    /// The newer observation that replaces this one, if any.
    pub superseded_by: Option<ObservationId>,
    /// Pinned observations are never pruned by retention.
    pub pinned: bool,
}

/// The result of [`crate::Memory::add_observation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Added {
    /// The observation's id: the new one, or the existing one with the same content.
    pub id: ObservationId,
    /// True when an observation with the same content already existed in the project and
    /// nothing was stored.
    pub duplicate: bool,
}

/// A session summary, as a summarizer produces it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewSummary {
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
}

impl NewSummary {
    /// The summary with every text passed through `redact` (the store's redactor, which the
    /// caller applies to trimmed text): the one rule for a summary's fields, used when one is
    /// recorded and when one is imported.
    pub(crate) fn redacted(&self, redact: impl Fn(&str) -> String) -> NewSummary {
        NewSummary {
            request: redact(&self.request),
            investigated: redact(&self.investigated),
            learned: redact(&self.learned),
            completed: redact(&self.completed),
            next_steps: redact(&self.next_steps),
            notes: redact(&self.notes),
        }
    }
}

/// A stored session summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Its id.
    pub id: i64,
    /// The session it summarises.
    pub session_id: String,
    /// The session's project.
    pub project: String,
    /// Its content.
    #[serde(flatten)]
    pub content: NewSummary,
    /// When it was written.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Store statistics, from [`crate::Memory::stats`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Stats {
    /// Observations per kind name.
    pub observations_by_kind: std::collections::BTreeMap<String, u64>,
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
    /// Size of the database file (with its WAL) in bytes; the whole store, whatever the scope.
    pub file_size_bytes: u64,
    /// The store's schema version.
    pub schema_version: u32,
}
