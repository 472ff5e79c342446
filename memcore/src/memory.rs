//! [`Memory`]: the handle a host holds, and [`Config`].

use crate::capture::{RedactionConfig, Redactor};
use crate::error::{Error, Result};
use crate::extract::ExtractionConfig;
use crate::extract::mode::Mode;
use crate::model::{
    Added, Event, EventPayload, EventStatus, NewEvent, NewObservation, NewSession, NewSummary,
    Observation, ObservationId, ObservationKind, Recorded, Scope, Session, Stats, Summary,
};
use crate::recall::RecallConfig;
use crate::recall::embed::{Embedder, default_embedder};
use crate::store::{SCHEMA_VERSION, Store};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

/// The environment variable that overrides the default store path.
pub const DB_ENV_VAR: &str = "MEMCORE_DB";

/// Settings of a [`Memory`]. Every field has a default; a host changes only what it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// How long a write waits for another process's write to finish, in milliseconds.
    pub busy_timeout_ms: u64,
    /// Tool output (and error text) longer than this many bytes is kept as head and tail with
    /// a marker saying how much was cut.
    pub max_tool_output_bytes: usize,
    /// A prompt, assistant message or note longer than this many bytes is kept as head and
    /// tail with a marker saying how much was cut.
    pub max_text_bytes: usize,
    /// Extra secret patterns and an allowlist.
    pub redaction: RedactionConfig,
    /// Batching and retry settings of extraction.
    pub extraction: ExtractionConfig,
    /// Ranking settings of recall.
    pub recall: RecallConfig,
    /// Record events without their conversation-layer row, leaving it to the next
    /// [`Memory::recall`], extraction or [`Memory::index_conversation`]. For a host whose
    /// every recording is a short process that must return at once (Claude Code's PostToolUse
    /// hook); off by default, so an event is searchable as soon as it is recorded.
    pub defer_conversation_index: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            busy_timeout_ms: crate::store::DEFAULT_BUSY_TIMEOUT.as_millis() as u64,
            max_tool_output_bytes: 16 * 1024,
            max_text_bytes: 64 * 1024,
            redaction: RedactionConfig::default(),
            extraction: ExtractionConfig::default(),
            recall: RecallConfig::default(),
            defer_conversation_index: false,
        }
    }
}

/// A memory store: one SQLite file, shared safely by any number of threads (each with its own
/// `Memory`) and processes.
///
/// A `Memory` is one connection: it is `Send` but not `Sync`. Open one per thread, or guard
/// one with a mutex; opening an existing store is cheap (well under a millisecond beyond
/// SQLite's own open).
pub struct Memory {
    pub(crate) store: Store,
    pub(crate) config: Config,
    pub(crate) redactor: LazyRedactor,
    pub(crate) mode: Mode,
    /// The embedder, made on first use: opening a store costs nothing for it, and a
    /// process that never embeds (most hooks) never loads the built-in model.
    embedder: std::cell::OnceCell<Option<Box<dyn Embedder>>>,
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memory")
            .field("path", &self.store.path())
            .field("mode", &self.mode.name)
            .field(
                "embedder",
                &self
                    .embedder
                    .get()
                    .map(|e| e.as_ref().map(|e| e.id().to_owned())),
            )
            .finish_non_exhaustive()
    }
}

impl Memory {
    /// Opens the store at `path` with the default [`Config`], creating the file (and its
    /// directory) if needed and migrating an older schema.
    ///
    /// Fails, leaving the file untouched, on an empty path, a directory, a file that is not a
    /// SQLite database, a foreign SQLite database, a store of a newer schema, or a read-only
    /// location; each has its own [`Error`] variant.
    pub fn open(path: impl AsRef<Path>) -> Result<Memory> {
        Memory::open_with(path, Config::default())
    }

    /// Opens the store at `path` with `config`.
    pub fn open_with(path: impl AsRef<Path>, config: Config) -> Result<Memory> {
        let redactor = LazyRedactor::new(&config.redaction)?;
        let store = Store::open(path.as_ref(), Duration::from_millis(config.busy_timeout_ms))?;
        Ok(Memory {
            store,
            config,
            redactor,
            mode: Mode::code(),
            embedder: std::cell::OnceCell::new(),
        })
    }

    /// Opens the store at [`Memory::default_path`].
    pub fn open_default() -> Result<Memory> {
        Memory::open(Memory::default_path()?)
    }

    /// The default store path: `$MEMCORE_DB` when set, else `memcore/memory.db` in the user's
    /// data directory (`$XDG_DATA_HOME` or `~/.local/share` on Linux, `~/Library/Application
    /// Support` on macOS, `%APPDATA%` on Windows).
    pub fn default_path() -> Result<PathBuf> {
        if let Some(path) = std::env::var_os(DB_ENV_VAR).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        Ok(data_dir()?.join("memcore").join("memory.db"))
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// The settings this store was opened with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The extraction mode in use (the built-in code mode unless [`Memory::set_mode`] changed it).
    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// Replaces the extraction mode: its kinds, concepts and prompt texts.
    pub fn set_mode(&mut self, mode: Mode) -> Result<()> {
        mode.validate()?;
        self.mode = mode;
        Ok(())
    }

    /// Replaces the embedder (the built-in
    /// [`StaticEmbedder`](crate::recall::embed::StaticEmbedder) by default), or turns vectors off
    /// with `None`. Observations stored from now on are embedded with it; search compares the
    /// query only with vectors of the same embedder id.
    pub fn set_embedder(&mut self, embedder: Option<Box<dyn Embedder>>) {
        self.embedder = std::cell::OnceCell::from(embedder);
    }

    /// The embedder in use, if any.
    pub fn embedder(&self) -> Option<&dyn Embedder> {
        self.embedder
            .get_or_init(|| Some(default_embedder()))
            .as_deref()
    }

    /// Starts a session (or reopens one the host resumes under the same id).
    pub fn start_session(&self, session: NewSession) -> Result<Session> {
        non_empty("session id", &session.id)?;
        non_empty("session project", &session.project)?;
        self.store.start_session(&session)
    }

    /// Marks a session ended. Ending it again is harmless.
    pub fn end_session(&self, session_id: &str) -> Result<Session> {
        self.store.end_session(session_id)
    }

    /// One session by id.
    pub fn session(&self, session_id: &str) -> Result<Option<Session>> {
        self.store.session(session_id)
    }

    /// The newest sessions in scope, newest first.
    pub fn recent_sessions(&self, scope: &Scope, limit: usize) -> Result<Vec<Session>> {
        self.store.recent_sessions(scope, limit)
    }

    /// Every project name in the store.
    pub fn projects(&self) -> Result<Vec<String>> {
        self.store.projects()
    }

    /// Records an event of a started session. The event is redacted (private spans and
    /// secrets), oversized tool output is elided, and the row is committed before this
    /// returns: a process crash right after cannot lose it. Recording the same idempotency key
    /// twice in a session stores it once ([`Recorded::inserted`] says which happened).
    pub fn record_event(&self, event: NewEvent) -> Result<Recorded> {
        non_empty("event session id", &event.session_id)?;
        let event = NewEvent {
            payload: self.prepare_payload(event.payload)?,
            ..event
        };
        self.store
            .insert_event(&event, self.config.defer_conversation_index)
    }

    /// Writes the conversation-layer rows of events recorded with
    /// [`Config::defer_conversation_index`], in batches of `batch`, until none is left;
    /// returns how many. Recall and extraction call it; a host may too.
    pub fn index_conversation(&self, batch: usize) -> Result<usize> {
        let batch = batch.max(1);
        let mut total = 0;
        while self.store.has_deferred_events()? {
            let n = self.store.index_deferred_events(batch)?;
            total += n;
            if n == 0 {
                break;
            }
        }
        Ok(total)
    }

    /// Redacts and bounds what an event carries before it is stored: the one path every event
    /// takes in, whether recorded live or imported.
    pub(crate) fn prepare_payload(&self, payload: EventPayload) -> Result<EventPayload> {
        let limit = self.config.max_tool_output_bytes;
        // Redacted before the cut, so that a cut never leaves half a secret behind; of a huge
        // text only what may be kept is redacted (a 30 MB paste would take seconds).
        let bound_text = |text: String| {
            crate::capture::truncate::elide_middle_with(&text, self.config.max_text_bytes, |t| {
                self.redactor.redact(t)
            })
        };
        Ok(match payload {
            EventPayload::UserPrompt { text } => EventPayload::UserPrompt {
                text: bound_text(text),
            },
            EventPayload::AssistantMessage { text } => EventPayload::AssistantMessage {
                text: bound_text(text),
            },
            EventPayload::Note { text } => EventPayload::Note {
                text: bound_text(text),
            },
            EventPayload::ToolUse {
                tool_name,
                mut input,
                output,
                error,
                tool_use_id,
            } => {
                non_empty("tool name", &tool_name)?;
                self.redactor.redact_json(&mut input);
                let bound = |text: String| {
                    crate::capture::truncate::elide_middle_with(&text, limit, |t| {
                        self.redactor.redact(t)
                    })
                };
                EventPayload::ToolUse {
                    tool_name,
                    input,
                    output: output.map(bound),
                    error: error.map(bound),
                    tool_use_id,
                }
            }
        })
    }

    /// The events of a session in order, optionally only those with one status.
    pub fn events(&self, session_id: &str, status: Option<EventStatus>) -> Result<Vec<Event>> {
        self.store.session_events(session_id, status)
    }

    /// Stores an observation, redacted, unless one with the same content already exists in
    /// its project ([`Added::duplicate`] then says so and gives the existing id).
    ///
    /// The project is the observation's own, else its session's; one of the two is required.
    /// The title must not be empty.
    pub fn add_observation(&self, new: NewObservation) -> Result<Added> {
        let obs = self.prepare_observation(new)?;
        let vector = self.embed_observation(&obs)?;
        self.store.insert_observation(&obs, vector.as_ref())
    }

    /// Validates, redacts and completes an observation before it is stored.
    pub(crate) fn prepare_observation(&self, new: NewObservation) -> Result<Observation> {
        let r = |s: &str| self.redactor.redact(s.trim());
        let list = |items: &[String]| -> Vec<String> {
            items
                .iter()
                .map(|s| r(s))
                .filter(|s| !s.is_empty())
                .collect()
        };
        let title = r(&new.title);
        non_empty("observation title", &title)?;
        let project = match (&new.project, &new.session_id) {
            (Some(p), _) if !p.trim().is_empty() => p.trim().to_owned(),
            (_, Some(session)) => {
                self.store
                    .session_project(session)?
                    .ok_or_else(|| Error::NotFound {
                        what: "session",
                        id: session.clone(),
                    })?
            }
            _ => {
                return Err(Error::InvalidInput {
                    what: "observation project",
                    reason: "give a project or a session id".into(),
                });
            }
        };
        if let Some(older) = new.supersedes
            && self.store.observations_by_id(&[older])?.is_empty()
        {
            return Err(Error::NotFound {
                what: "superseded observation",
                id: older.to_string(),
            });
        }
        let kind = new.kind.unwrap_or(ObservationKind::Change);
        let subtitle = r(&new.subtitle);
        let narrative = r(&new.narrative);
        let context = r(&new.context);
        let facts = list(&new.facts);
        let concepts = list(&new.concepts);
        let files_read = list(&new.files_read);
        let files_modified = list(&new.files_modified);
        let content_hash = crate::store::content_hash(&kind, &title, &subtitle, &narrative, &facts);
        let token_count = crate::tokens::estimate(&title)
            + crate::tokens::estimate(&subtitle)
            + crate::tokens::estimate(&narrative)
            + facts
                .iter()
                .map(|f| crate::tokens::estimate(f))
                .sum::<u32>();
        let importance = match new.importance {
            Some(i) if i.is_finite() => i.clamp(0.0, 1.0),
            _ => 0.5,
        };
        Ok(Observation {
            id: 0,
            project,
            session_id: new.session_id,
            kind,
            title,
            subtitle,
            narrative,
            facts,
            context,
            concepts,
            files_read,
            files_modified,
            source_event_ids: new.source_event_ids,
            created_at: new.created_at.unwrap_or_else(OffsetDateTime::now_utc),
            importance,
            content_hash,
            token_count,
            supersedes: new.supersedes,
            superseded_by: None,
            pinned: false,
        })
    }

    /// Stores a summary of a session, redacted.
    pub fn add_summary(&self, session_id: &str, summary: NewSummary) -> Result<Summary> {
        self.add_summary_at(session_id, summary, None)
    }

    /// [`Memory::add_summary`] dated `created_at` (the session's own time, so that an
    /// imported transcript's summary is not dated the day of the import); now when `None`.
    pub(crate) fn add_summary_at(
        &self,
        session_id: &str,
        summary: NewSummary,
        created_at: Option<OffsetDateTime>,
    ) -> Result<Summary> {
        let r = |s: &str| self.redactor.redact(s.trim());
        let summary = NewSummary {
            request: r(&summary.request),
            investigated: r(&summary.investigated),
            learned: r(&summary.learned),
            completed: r(&summary.completed),
            next_steps: r(&summary.next_steps),
            notes: r(&summary.notes),
        };
        self.store.insert_summary(session_id, &summary, created_at)
    }

    /// The newest summary in scope.
    pub fn latest_summary(&self, scope: &Scope) -> Result<Option<Summary>> {
        Ok(self.store.recent_summaries(scope, 1)?.into_iter().next())
    }

    /// Observations by id, in the order asked; unknown ids are left out.
    pub fn get(&self, ids: &[ObservationId]) -> Result<Vec<Observation>> {
        self.store.observations_by_id(ids)
    }

    /// The newest observations in scope, newest first.
    pub fn recent(&self, scope: &Scope, limit: usize) -> Result<Vec<Observation>> {
        self.store.recent_observations(scope, limit)
    }

    /// Deletes an observation and everything indexed about it. Returns false when no
    /// observation had that id.
    pub fn forget(&self, id: ObservationId) -> Result<bool> {
        self.store.delete_observation(id)
    }

    /// Runs SQLite's `PRAGMA integrity_check` and returns its findings: `["ok"]` for a
    /// sound file.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        self.store.integrity_check()
    }

    /// Counts in scope: observations per kind, sessions, summaries, events (pending and
    /// failed), plus the file's size and schema version.
    pub fn stats(&self, scope: &Scope) -> Result<Stats> {
        let observations_by_kind = self.store.count_observations_by_kind(scope)?;
        Ok(Stats {
            observations: observations_by_kind.values().sum(),
            observations_by_kind,
            sessions: self.store.count_sessions(scope)?,
            summaries: self.store.count_summaries(scope)?,
            events: self.store.count_events(scope, None)?,
            pending_events: self.store.count_events(scope, Some(EventStatus::Pending))?,
            failed_events: self.store.count_events(scope, Some(EventStatus::Failed))?,
            file_size_bytes: self.store.file_size(),
            schema_version: self.store.schema_version().unwrap_or(SCHEMA_VERSION),
        })
    }
}

fn non_empty(what: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::InvalidInput {
            what,
            reason: "must not be empty".into(),
        });
    }
    Ok(())
}

/// The user's data directory, by platform convention.
fn data_dir() -> Result<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let found = if cfg!(windows) {
        var("APPDATA")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|h| h.join("Library/Application Support"))
    } else {
        var("XDG_DATA_HOME").or_else(|| var("HOME").map(|h| h.join(".local/share")))
    };
    found.ok_or_else(|| Error::InvalidInput {
        what: "default store path",
        reason: format!("no home or data directory is set; set {DB_ENV_VAR} to a file path"),
    })
}

/// The store's redactor, built on first use: compiling the built-in rules costs about 2 ms,
/// more than opening the store, and a process that only reads never needs them. A
/// configuration with extra patterns or an allowlist is compiled at once, so that a bad
/// pattern is reported by `open`.
pub(crate) struct LazyRedactor {
    config: RedactionConfig,
    cell: std::cell::OnceCell<Redactor>,
}

impl LazyRedactor {
    fn new(config: &RedactionConfig) -> Result<LazyRedactor> {
        let cell = std::cell::OnceCell::new();
        if *config != RedactionConfig::default() {
            let _ = cell.set(Redactor::new(config)?);
        }
        Ok(LazyRedactor {
            config: config.clone(),
            cell,
        })
    }

    fn get(&self) -> &Redactor {
        self.cell.get_or_init(|| {
            // Only the default configuration reaches this point (any other was compiled, and
            // so checked, in `new`), and the built-in rules are covered by the crate's tests.
            Redactor::new(&self.config).expect("the built-in redaction rules compile")
        })
    }

    /// See [`Redactor::redact`].
    pub(crate) fn redact(&self, text: &str) -> String {
        self.get().redact(text)
    }

    /// See [`Redactor::redact_json`].
    pub(crate) fn redact_json(&self, value: &mut serde_json::Value) {
        self.get().redact_json(value)
    }
}
