//! [`Memory`]: the handle (`memcore.Memory(path)` in Python), with sessions, events,
//! observations, summaries and statistics. Extraction, recall, embedders and portability add
//! their methods in their own modules.

use super::error::MemcoreError;
use crate::records::{
    Added, Event, EventPayload, EventStatus, NewEvent, NewObservation, NewSession, NewSummary,
    Observation, Recorded, Session, Stats, Summary, to_usize,
};
use crate::store::{LockError, Store};
use std::sync::Arc;
use std::time::SystemTime;

/// A memory store: one SQLite file that any number of handles, threads and processes may
/// share.
///
/// Open it with `Memory(path)` (the file and its directory are created when missing; an
/// older schema is migrated). Calls on one handle take turns, so a handle may be shared by
/// threads. Everything recorded is durable before the call returns; `close()` only releases
/// the file early (it is also released when the handle is garbage-collected).
#[derive(uniffi::Object)]
pub struct Memory {
    store: Store,
}

impl Memory {
    /// Runs `f` on the open store, holding the handle's lock.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut memcore::Memory) -> Result<T, MemcoreError>,
    ) -> Result<T, MemcoreError> {
        let mut guard = self.store.lock().map_err(|err| match err {
            LockError::Nested => MemcoreError::invalid(
                "a host callback (LLM client or embedder) called the Memory that is calling it; \
                 open another Memory on the same file for use inside callbacks",
            ),
            LockError::Poisoned => MemcoreError::Internal {
                message: format!(
                    "an earlier call panicked while it used the store {}; open it again",
                    self.store.path()
                ),
            },
            LockError::Closed => MemcoreError::Closed {
                message: format!("the store {} was closed", self.store.path()),
            },
        })?;
        f(&mut guard.memory)
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

fn non_negative(limit: u32) -> usize {
    to_usize(limit)
}

#[uniffi::export]
impl Memory {
    /// Opens (creating it if needed) the store at `path`.
    ///
    /// `config_json` is empty for the defaults, or a JSON object with any of
    /// `busy_timeout_ms`, `max_tool_output_bytes`, `redaction`, `extraction`, `recall` (each
    /// section as memcore's Rust `Config`; omitted fields keep their defaults).
    ///
    /// Raises `MemcoreError.InvalidArgument` for an empty path, a directory or a bad config,
    /// `MemcoreError.NotADatabase` for a file that is not a memcore store (left untouched),
    /// `MemcoreError.SchemaTooNew`, `MemcoreError.ReadOnly` or `MemcoreError.Io`.
    #[uniffi::constructor(default(config_json = ""))]
    pub fn new(path: String, config_json: String) -> Result<Arc<Memory>, MemcoreError> {
        let config: memcore::Config = if config_json.trim().is_empty() {
            memcore::Config::default()
        } else {
            serde_json::from_str(&config_json).map_err(|e| {
                MemcoreError::invalid(format!("config_json is not a valid config: {e}"))
            })?
        };
        Ok(Arc::new(Memory {
            store: Store::open(&path, config)?,
        }))
    }

    /// The file this store lives in, as given when it was opened.
    pub fn path(&self) -> String {
        self.store.path().to_owned()
    }

    /// Releases the file now. Later calls on this handle raise `MemcoreError.Closed`;
    /// closing twice is harmless. Nothing is lost: every call was durable when it returned.
    pub fn close(&self) {
        self.store.close();
    }

    /// True until `close()` is called.
    pub fn is_open(&self) -> bool {
        self.store.is_open()
    }

    // Sessions ---------------------------------------------------------------------------

    /// Starts a session of `project` run by `agent` (or reopens one the host resumes under
    /// the same id). `started_at` defaults to now.
    #[uniffi::method(default(started_at = None))]
    pub fn start_session(
        &self,
        session_id: String,
        project: String,
        agent: String,
        started_at: Option<SystemTime>,
    ) -> Result<Session, MemcoreError> {
        let new = NewSession {
            id: session_id,
            project,
            agent,
            started_at,
        };
        self.with(|m| Ok(m.start_session(new.into())?.into()))
    }

    /// Marks a session ended; ending it again is harmless. Raises `MemcoreError.NotFound`
    /// for an unknown session.
    pub fn end_session(&self, session_id: String) -> Result<Session, MemcoreError> {
        self.with(|m| Ok(m.end_session(&session_id)?.into()))
    }

    /// The session with this id, or `None`.
    pub fn session(&self, session_id: String) -> Result<Option<Session>, MemcoreError> {
        self.with(|m| Ok(m.session(&session_id)?.map(Into::into)))
    }

    /// The newest sessions, of `project` or of every project (`None`).
    #[uniffi::method(default(project = None, limit = 10))]
    pub fn recent_sessions(
        &self,
        project: Option<String>,
        limit: u32,
    ) -> Result<Vec<Session>, MemcoreError> {
        let scope = scope(project)?;
        self.with(|m| {
            Ok(m.recent_sessions(&scope, non_negative(limit))?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// Every project name in the store.
    pub fn projects(&self) -> Result<Vec<String>, MemcoreError> {
        self.with(|m| Ok(m.projects()?))
    }

    // Events -----------------------------------------------------------------------------

    /// Records an event: durable before this returns, redacted on the way in (private spans
    /// and recognisable secrets are removed), idempotent on its key (`external_id`, else the
    /// tool-use id). Raises `MemcoreError.NotFound` when the session was not started.
    pub fn record_event(&self, event: NewEvent) -> Result<Recorded, MemcoreError> {
        let event = memcore::NewEvent::try_from(event)?;
        self.with(|m| Ok(m.record_event(event)?.into()))
    }

    /// Records a prompt the user submitted.
    pub fn record_user_prompt(
        &self,
        session_id: String,
        text: String,
    ) -> Result<Recorded, MemcoreError> {
        self.record_event(NewEvent {
            session_id,
            payload: EventPayload::UserPrompt { text },
            external_id: None,
            occurred_at: None,
        })
    }

    /// Records a tool call: its name, its input as JSON text (empty for none), and its
    /// output or error. `tool_use_id` (the host's id of the call) makes recording it twice
    /// harmless.
    #[uniffi::method(default(input_json = "", output = None, error = None, tool_use_id = None))]
    pub fn record_tool_use(
        &self,
        session_id: String,
        tool_name: String,
        input_json: String,
        output: Option<String>,
        error: Option<String>,
        tool_use_id: Option<String>,
    ) -> Result<Recorded, MemcoreError> {
        self.record_event(NewEvent {
            session_id,
            payload: EventPayload::ToolUse {
                tool_name,
                input_json,
                output,
                error,
                tool_use_id,
            },
            external_id: None,
            occurred_at: None,
        })
    }

    /// Records a message from the assistant (typically the last one of a turn).
    pub fn record_assistant_message(
        &self,
        session_id: String,
        text: String,
    ) -> Result<Recorded, MemcoreError> {
        self.record_event(NewEvent {
            session_id,
            payload: EventPayload::AssistantMessage { text },
            external_id: None,
            occurred_at: None,
        })
    }

    /// Records an explicit note ("remember this").
    pub fn record_note(&self, session_id: String, text: String) -> Result<Recorded, MemcoreError> {
        self.record_event(NewEvent {
            session_id,
            payload: EventPayload::Note { text },
            external_id: None,
            occurred_at: None,
        })
    }

    /// The events of a session in the order they happened, all or those with `status`.
    #[uniffi::method(default(status = None))]
    pub fn events(
        &self,
        session_id: String,
        status: Option<EventStatus>,
    ) -> Result<Vec<Event>, MemcoreError> {
        self.with(|m| {
            Ok(m.events(&session_id, status.map(Into::into))?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    // Observations -----------------------------------------------------------------------

    /// Stores an observation (redacted, deduplicated per project by its content, embedded
    /// when an embedder is set).
    pub fn add_observation(&self, observation: NewObservation) -> Result<Added, MemcoreError> {
        self.with(|m| Ok(Added::from(m.add_observation(observation.into())?)))
    }

    /// The observations with these ids, in the order given; unknown ids are left out.
    pub fn get(&self, ids: Vec<i64>) -> Result<Vec<Observation>, MemcoreError> {
        self.with(|m| Ok(m.get(&ids)?.into_iter().map(Observation::from).collect()))
    }

    /// The newest observations, of `project` or of every project (`None`).
    #[uniffi::method(default(project = None, limit = 10))]
    pub fn recent(
        &self,
        project: Option<String>,
        limit: u32,
    ) -> Result<Vec<Observation>, MemcoreError> {
        let scope = scope(project)?;
        self.with(|m| {
            Ok(m.recent(&scope, non_negative(limit))?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// Forgets an observation (recoverable with `memcore forget --undo` until purged). True
    /// when it existed.
    pub fn forget(&self, id: i64) -> Result<bool, MemcoreError> {
        self.with(|m| Ok(m.forget(id)?))
    }

    // Summaries --------------------------------------------------------------------------

    /// Stores a summary of a session.
    pub fn add_summary(
        &self,
        session_id: String,
        summary: NewSummary,
    ) -> Result<Summary, MemcoreError> {
        self.with(|m| Ok(Summary::from(m.add_summary(&session_id, summary.into())?)))
    }

    /// The newest session summary, of `project` or of every project (`None`).
    #[uniffi::method(default(project = None))]
    pub fn latest_summary(&self, project: Option<String>) -> Result<Option<Summary>, MemcoreError> {
        let scope = scope(project)?;
        self.with(|m| Ok(m.latest_summary(&scope)?.map(Into::into)))
    }

    // Maintenance ------------------------------------------------------------------------

    /// Counts of what the store holds, for `project` or the whole store (`None`).
    #[uniffi::method(default(project = None))]
    pub fn stats(&self, project: Option<String>) -> Result<Stats, MemcoreError> {
        let scope = scope(project)?;
        self.with(|m| Ok(Stats::from(m.stats(&scope)?)))
    }

    /// Runs SQLite's integrity check: `["ok"]` for a sound file, else one finding per
    /// entry.
    pub fn integrity_check(&self) -> Result<Vec<String>, MemcoreError> {
        self.with(|m| Ok(m.integrity_check()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_handle_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db").to_string_lossy().into_owned();
        let memory = Memory::new(path, String::new()).unwrap();
        assert!(memory.projects().unwrap().is_empty());
        memory.close();
        memory.close();
        assert!(!memory.is_open());
        assert!(matches!(
            memory.projects(),
            Err(MemcoreError::Closed { .. })
        ));
    }

    #[test]
    fn a_nested_call_on_one_thread_is_an_error_not_a_deadlock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db").to_string_lossy().into_owned();
        let memory = Memory::new(path, String::new()).unwrap();
        let inner = memory.with(|_| Ok(memory.projects())).unwrap();
        assert!(matches!(inner, Err(MemcoreError::InvalidArgument { .. })));
        assert!(memory.projects().is_ok());
    }
}
