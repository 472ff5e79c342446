//! Writing the JSONL export.

use super::Portable;
use super::format::{
    EXPORT_FORMAT_VERSION, EndRecord, EventRecord, EventRef, FORMAT_NAME, Header, LedgerRecord,
    ObservationLine, ObservationRef, ProjectRecord, PromptRecord, Record, SessionRecord,
    SummaryRecord, event_content_key,
};
use super::{ExportOptions, ExportReport};
use crate::error::{Error, Result};
use crate::model::{EventPayload, EventStatus, Observation};
use crate::store::portable::{EventRow, ExportScope};
use crate::store::{SCHEMA_VERSION, from_millis, to_millis};
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use time::OffsetDateTime;

/// Writes one JSON value per line and counts the bytes.
struct JsonLines<'a> {
    out: &'a mut dyn Write,
    bytes: u64,
}

impl JsonLines<'_> {
    fn line(&mut self, value: &impl Serialize) -> Result<()> {
        let mut buf = serde_json::to_vec(value).map_err(|source| Error::Json {
            context: "encode an export record".into(),
            source,
        })?;
        buf.push(b'\n');
        self.out.write_all(&buf).map_err(|source| Error::Io {
            action: "write the export",
            path: PathBuf::new(),
            source,
        })?;
        self.bytes += buf.len() as u64;
        Ok(())
    }
}

impl ExportOptions {
    /// The rows these options select.
    pub(crate) fn scope(&self) -> Result<ExportScope> {
        if let (Some(since), Some(until)) = (self.since, self.until)
            && since > until
        {
            return Err(Error::InvalidInput {
                what: "export window",
                reason: format!("since ({since}) is after until ({until})"),
            });
        }
        Ok(ExportScope {
            project: self.project.clone(),
            since: self.since.map(to_millis).unwrap_or(i64::MIN),
            until: self.until.map(to_millis).unwrap_or(i64::MAX),
            include_events: self.include_events,
        })
    }
}

/// How an event is named in an export.
pub(crate) fn event_ref(e: &EventRow) -> EventRef {
    match &e.external_id {
        Some(key) => EventRef {
            session_id: e.session_id.clone(),
            external_id: Some(key.clone()),
            content_key: None,
        },
        None => EventRef {
            session_id: e.session_id.clone(),
            external_id: None,
            content_key: Some(event_content_key(&e.kind, &e.payload, e.occurred_at)),
        },
    }
}

fn status(e: &EventRow) -> EventStatus {
    EventStatus::parse(&e.status).unwrap_or(EventStatus::Pending)
}

fn payload(e: &EventRow) -> Result<EventPayload> {
    serde_json::from_str(&e.payload).map_err(|source| Error::Json {
        context: format!("decode the payload of event {}", e.id),
        source,
    })
}

impl Portable<'_> {
    /// See [`Memory::export_jsonl`](crate::Memory::export_jsonl).
    pub(crate) fn export_jsonl(
        &self,
        out: &mut dyn Write,
        options: &ExportOptions,
    ) -> Result<ExportReport> {
        let scope = options.scope()?;
        // One read transaction: every query of the export sees the same snapshot.
        self.state
            .store
            .read_snapshot("the export", || self.write_jsonl(out, options, &scope))
    }

    /// The records of the export, read from the snapshot [`Portable::export_jsonl`] holds.
    fn write_jsonl(
        &self,
        out: &mut dyn Write,
        options: &ExportOptions,
        scope: &ExportScope,
    ) -> Result<ExportReport> {
        let mut lines = JsonLines { out, bytes: 0 };
        let mut counts = super::RecordCounts::default();
        lines.line(&Header {
            format: FORMAT_NAME.into(),
            format_version: EXPORT_FORMAT_VERSION,
            schema_version: SCHEMA_VERSION,
            exported_at: OffsetDateTime::now_utc(),
            project: options.project.clone(),
            since: options.since,
            until: options.until,
            include_events: options.include_events,
        })?;

        let sessions = self.state.store.export_sessions(scope)?;
        let mut names: BTreeSet<String> = sessions.iter().map(|s| s.project.clone()).collect();
        match &scope.project {
            Some(p) => {
                names.insert(p.clone());
            }
            None => names.extend(self.state.store.projects()?),
        }
        let names: Vec<String> = names.into_iter().collect();
        for p in self.state.store.project_rows(&names)? {
            lines.line(&Record::Project(ProjectRecord {
                name: p.name,
                created_at: from_millis(p.created_at),
            }))?;
            counts.projects += 1;
        }
        for s in sessions {
            lines.line(&Record::Session(SessionRecord {
                id: s.id,
                project: s.project,
                agent: s.agent,
                started_at: s.started_at,
                ended_at: s.ended_at,
                status: s.status,
            }))?;
            counts.sessions += 1;
        }
        self.state.store.for_each_export_event(scope, true, |e| {
            let text = match payload(&e)? {
                EventPayload::UserPrompt { text } => text,
                _ => return Ok(()),
            };
            lines.line(&Record::Prompt(PromptRecord {
                status: status(&e),
                session_id: e.session_id,
                external_id: e.external_id,
                text,
                occurred_at: from_millis(e.occurred_at),
                recorded_at: Some(from_millis(e.recorded_at)),
                attempts: e.attempts,
                last_error: e.last_error,
            }))?;
            counts.prompts += 1;
            Ok(())
        })?;
        if scope.include_events {
            self.state.store.for_each_export_event(scope, false, |e| {
                lines.line(&Record::Event(EventRecord {
                    payload: payload(&e)?,
                    status: status(&e),
                    session_id: e.session_id,
                    external_id: e.external_id,
                    occurred_at: from_millis(e.occurred_at),
                    recorded_at: Some(from_millis(e.recorded_at)),
                    attempts: e.attempts,
                    last_error: e.last_error,
                }))?;
                counts.events += 1;
                Ok(())
            })?;
        }
        self.state.store.for_each_export_observation(scope, |o| {
            let (supersedes, sources) = self.observation_refs(&o)?;
            lines.line(&ObservationLine {
                observation: &o,
                supersedes,
                sources,
            })?;
            counts.observations += 1;
            Ok(())
        })?;
        self.state.store.for_each_export_summary(scope, |s| {
            lines.line(&Record::Summary(SummaryRecord {
                session_id: s.session_id,
                project: Some(s.project),
                content: s.content,
                created_at: from_millis(s.created_at),
            }))?;
            counts.summaries += 1;
            Ok(())
        })?;
        self.state.store.for_each_export_ledger(scope, |l| {
            // In the ledger's own order (the batch's), not by row id.
            let rows = self.state.store.event_rows(&l.event_ids)?;
            let events = l
                .event_ids
                .iter()
                .filter_map(|id| rows.iter().find(|e| e.id == *id))
                .map(event_ref)
                .collect();
            lines.line(&Record::Ledger(LedgerRecord {
                session_id: l.session_id,
                project: l.project,
                purpose: l.purpose,
                model: l.model,
                prompt_tokens: l.prompt_tokens.max(0) as u64,
                completion_tokens: l.completion_tokens.max(0) as u64,
                events,
                outcome: l.outcome,
                detail: l.detail,
                observations: l.observations.max(0) as u64,
                created_at: from_millis(l.created_at),
            }))?;
            counts.ledger += 1;
            Ok(())
        })?;
        // The last line says the file is whole: an export cut short has none, or other counts.
        lines.line(&Record::End(EndRecord { records: counts }))?;
        Ok(ExportReport {
            records: counts,
            bytes: lines.bytes,
        })
    }

    /// The references an exported observation carries in place of its local fields (see
    /// [`ObservationLine`]): `supersedes` and its provenance, by names that hold in any store.
    fn observation_refs(&self, o: &Observation) -> Result<(Option<ObservationRef>, Vec<EventRef>)> {
        // Sorted by name, so the order does not depend on this store's row ids.
        let mut sources: Vec<EventRef> = self
            .state
            .store
            .event_rows(&o.source_event_ids)?
            .iter()
            .map(event_ref)
            .collect();
        // Sources an import could not link (their events were not in the file) are kept as
        // references and named again, so provenance survives export -> import -> export.
        for text in crate::store::portable::source_refs(self.state.store.conn(), o.id)? {
            if let Ok(r) = serde_json::from_str::<EventRef>(&text) {
                sources.push(r);
            }
        }
        sources.sort();
        sources.dedup();
        let supersedes = match o.supersedes {
            Some(older) => {
                self.state
                    .store
                    .observation_key(older)?
                    .map(|(project, content_hash)| ObservationRef {
                        project,
                        content_hash,
                    })
            }
            None => None,
        };
        Ok((supersedes, sources))
    }
}
