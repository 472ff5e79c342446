//! Records as they are written, the one path each takes in whichever feature writes it:
//! sessions and events (validated, redacted, bounded), observations (validated, redacted,
//! hashed, embedded), summaries (redacted), and the counts of [`State::stats`].

use super::State;
use crate::error::{Error, Result};
use crate::model::{
    Added, EventPayload, EventStatus, NewEvent, NewObservation, NewSession, NewSummary,
    Observation, Recorded, Scope, Session, Stats, Summary,
};
use crate::store::SCHEMA_VERSION;
use time::OffsetDateTime;

impl State {
    /// Starts (or reopens) a session once its id and project are checked.
    pub(crate) fn start_session(&self, session: NewSession) -> Result<Session> {
        non_empty("session id", &session.id)?;
        non_empty("session project", &session.project)?;
        self.store.start_session(&session)
    }

    /// Records an event, redacted and bounded, committed before this returns.
    pub(crate) fn record_event(&self, event: NewEvent) -> Result<Recorded> {
        non_empty("event session id", &event.session_id)?;
        let event = NewEvent {
            payload: self.prepare_payload(event.payload)?,
            ..event
        };
        self.store
            .insert_event(&event, self.config.defer_conversation_index)
    }

    /// Writes the deferred conversation-layer rows in batches of `batch`; returns how many.
    pub(crate) fn index_conversation(&self, batch: usize) -> Result<usize> {
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

    /// Stores an observation, prepared and embedded, unless its content is already stored.
    pub(crate) fn add_observation(&self, new: NewObservation) -> Result<Added> {
        let obs = self.prepare_observation(new)?;
        let vector = self.embed_observation(&obs)?;
        self.store.insert_observation(&obs, vector.as_ref())
    }

    /// Validates, redacts and completes an observation before it is stored: each field by its
    /// own rule ([`NewObservation::prepare`], beside the type), then what needs the store: the
    /// session's project when none is given, the superseded observation's existence, the
    /// content hash and the token count.
    pub(crate) fn prepare_observation(&self, new: NewObservation) -> Result<Observation> {
        let mut obs = new.prepare(|s| self.redactor.redact(s))?;
        if obs.project.is_empty() {
            obs.project = match &obs.session_id {
                Some(session) => {
                    self.store
                        .session_project(session)?
                        .ok_or_else(|| Error::NotFound {
                            what: "session",
                            id: session.clone(),
                        })?
                }
                None => {
                    return Err(Error::InvalidInput {
                        what: "observation project",
                        reason: "give a project or a session id".into(),
                    });
                }
            };
        }
        if let Some(older) = obs.supersedes
            && self.store.observations_by_id(&[older])?.is_empty()
        {
            return Err(Error::NotFound {
                what: "superseded observation",
                id: older.to_string(),
            });
        }
        crate::store::seal(&mut obs);
        Ok(obs)
    }

    /// Stores a summary of a session, redacted, dated `created_at` (the session's own time,
    /// so that an imported transcript's summary is not dated the day of the import); now when
    /// `None`.
    pub(crate) fn add_summary_at(
        &self,
        session_id: &str,
        summary: NewSummary,
        created_at: Option<OffsetDateTime>,
    ) -> Result<Summary> {
        let summary = summary.redacted(|s| self.redactor.redact(s.trim()));
        self.store.insert_summary(session_id, &summary, created_at)
    }

    /// The newest summary in scope.
    pub(crate) fn latest_summary(&self, scope: &Scope) -> Result<Option<Summary>> {
        Ok(self.store.recent_summaries(scope, 1)?.into_iter().next())
    }

    /// Counts in scope, with the file's size and schema version.
    pub(crate) fn stats(&self, scope: &Scope) -> Result<Stats> {
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
