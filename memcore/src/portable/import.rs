//! Reading a JSONL export back: parse every line first, then apply every record in one
//! transaction (see the [module docs](super#import) for the rules).

use super::Portable;
use super::RecordCounts;
use super::format::{
    EXPORT_FORMAT_VERSION, EventRef, FORMAT_NAME, Header, LedgerRecord, ObservationRecord,
    ObservationRef, Record, SummaryRecord, event_content_key,
};
use crate::error::{Error, Result};
use crate::model::{EventId, EventPayload, EventStatus, NewObservation, ObservationId};
use crate::state::State;
use crate::store::portable::{
    self as sql, ImportedEvent, LedgerRow, SummaryRow, event_by_key, keyless_events,
    observation_by_hash, session_project,
};
use crate::store::to_millis;
use rusqlite::Transaction;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::PathBuf;
use time::OffsetDateTime;

/// What [`Memory::import_jsonl`](crate::Memory::import_jsonl) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The file's format version.
    pub format_version: u32,
    /// The schema version of the store that wrote the file.
    pub schema_version: u32,
    /// Lines read, header and blank lines included.
    pub lines: u64,
    /// Records stored, by type.
    pub added: RecordCounts,
    /// Records already in the store (or twice in the file), by type: nothing was stored.
    pub skipped: RecordCounts,
    /// Provenance links, ledger event links and `supersedes` links whose target is neither
    /// in the file nor in the store. Observations keep such sources as references (exported
    /// again as they came); ledger and `supersedes` links are left out.
    pub unresolved_references: u64,
    /// What the import noticed about the file without refusing it: no `end` record (a file cut
    /// short at a line boundary, or a format-1 file, which has none), or an `end` record whose
    /// counts disagree with the records read. Empty for a whole format-2 export.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// The error for a bad line.
fn bad_line(line: usize, reason: impl std::fmt::Display) -> Error {
    Error::InvalidInput {
        what: "export file",
        reason: format!("line {line}: {reason}"),
    }
}

/// Names the line (and record type) an error met while applying a record comes from.
fn at_line(line: usize, record: &str, e: Error) -> Error {
    match e {
        Error::InvalidInput { what, reason } => Error::InvalidInput {
            what: "export file",
            reason: format!("line {line} ({record}): invalid {what}: {reason}"),
        },
        Error::NotFound { what, id } => Error::InvalidInput {
            what: "export file",
            reason: format!(
                "line {line} ({record}): {what} {id:?} is neither in the file nor in the store"
            ),
        },
        Error::Sqlite { context, source } => Error::Sqlite {
            context: format!("line {line} ({record}): {context}"),
            source,
        },
        Error::Busy { context, source } => Error::Busy {
            context: format!("line {line} ({record}): {context}"),
            source,
        },
        Error::Json { context, source } => Error::Json {
            context: format!("line {line} ({record}): {context}"),
            source,
        },
        other => other,
    }
}

/// A parsed export: the header, each record with its line number, the lines read, and what
/// the check of the `end` record found.
struct ParsedExport {
    header: Header,
    records: Vec<(usize, Record)>,
    lines: u64,
    warnings: Vec<String>,
}

/// Reads the header and every record, refusing the input at its first bad line, and checks
/// the `end` record against what was read.
fn read_records(mut input: impl BufRead) -> Result<ParsedExport> {
    let mut header = None;
    let mut records = Vec::new();
    // The `end` record: its line and counts; then the records read after it.
    let mut end: Option<(usize, RecordCounts)> = None;
    let mut after_end = 0u64;
    let mut read = RecordCounts::default();
    let mut buf = Vec::new();
    let mut line = 0usize;
    loop {
        buf.clear();
        let n = input
            .read_until(b'\n', &mut buf)
            .map_err(|source| Error::Io {
                action: "read the export",
                path: PathBuf::new(),
                source,
            })?;
        if n == 0 {
            break;
        }
        line += 1;
        let mut bytes = buf.as_slice();
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|e| bad_line(line, format!("not UTF-8 ({e})")))?
            .trim();
        if line == 1 {
            header = Some(parse_header(text)?);
            continue;
        }
        if text.is_empty() {
            continue;
        }
        match parse_record(line, text)? {
            Record::End(e) => {
                if let Some((first, _)) = end {
                    return Err(bad_line(
                        line,
                        format!("a second end record (the first is on line {first})"),
                    ));
                }
                end = Some((line, e.records));
            }
            record => {
                if end.is_some() {
                    after_end += 1;
                }
                record.count_in(&mut read);
                records.push((line, record));
            }
        }
    }
    let header = header.ok_or_else(|| Error::InvalidInput {
        what: "export file",
        reason: "the input is empty: a memcore export starts with a header line".into(),
    })?;
    let warnings = check_end(&header, end, after_end, &read);
    Ok(ParsedExport {
        header,
        records,
        lines: line as u64,
        warnings,
    })
}

/// What is wrong with the file's end: no `end` record, records after it, or counts that
/// disagree with the records read.
fn check_end(
    header: &Header,
    end: Option<(usize, RecordCounts)>,
    after_end: u64,
    read: &RecordCounts,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let Some((line, written)) = end else {
        warnings.push(if header.format_version < 2 {
            format!(
                "format version {} has no end record: whether the file is complete cannot \
                 be checked",
                header.format_version
            )
        } else {
            "the file has no end record: it may have been cut short (every record read \
             was imported)"
                .to_owned()
        });
        return warnings;
    };
    if after_end > 0 {
        warnings.push(format!(
            "{after_end} record(s) come after the end record on line {line}"
        ));
    }
    let by_type = |c: &RecordCounts| {
        [
            ("project", c.projects),
            ("session", c.sessions),
            ("prompt", c.prompts),
            ("event", c.events),
            ("observation", c.observations),
            ("summary", c.summaries),
            ("ledger", c.ledger),
        ]
    };
    for ((kind, said), (_, found)) in by_type(&written).into_iter().zip(by_type(read)) {
        if said != found {
            warnings.push(format!(
                "the end record on line {line} counts {said} {kind} record(s), the file has \
                 {found}: it may be incomplete or edited"
            ));
        }
    }
    warnings
}

fn parse_header(text: &str) -> Result<Header> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        bad_line(
            1,
            format!("not a memcore export (line 1 must be the JSON header: {e})"),
        )
    })?;
    let format = value.get("format").and_then(|f| f.as_str());
    if format != Some(FORMAT_NAME) {
        return Err(bad_line(
            1,
            format!(
                "not a memcore export (the header's format is {}, not {FORMAT_NAME:?})",
                format.map_or_else(|| "missing".to_owned(), |f| format!("{f:?}"))
            ),
        ));
    }
    match value.get("format_version").and_then(|v| v.as_u64()) {
        None => return Err(bad_line(1, "the header has no integer format_version")),
        Some(v) if v > u64::from(EXPORT_FORMAT_VERSION) => {
            return Err(Error::InvalidInput {
                what: "export format version",
                reason: format!(
                    "the file has format version {v}, newer than this memcore reads \
                     ({EXPORT_FORMAT_VERSION}); upgrade memcore to import it"
                ),
            });
        }
        Some(_) => {}
    }
    serde_json::from_value(value).map_err(|e| bad_line(1, format!("bad header: {e}")))
}

fn parse_record(line: usize, text: &str) -> Result<Record> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad_line(line, format!("not JSON: {e}")))?;
    let kind = match value.get("type") {
        Some(serde_json::Value::String(t)) => t.clone(),
        Some(_) => return Err(bad_line(line, "the record's type is not a string")),
        None => return Err(bad_line(line, "the record has no type")),
    };
    let record: Record = serde_json::from_value(value)
        .map_err(|e| bad_line(line, format!("bad {kind} record: {e}")))?;
    // An observation's fields are read when it is applied; checked here already, so that a
    // malformed one refuses the file before anything is written.
    if let Record::Observation(o) = &record {
        IncomingObservation::from_record(o)
            .map_err(|e| bad_line(line, format!("bad {kind} record: {e}")))?;
    }
    Ok(record)
}

/// An event to import, whichever record it came from.
pub(crate) struct IncomingEvent {
    pub session_id: String,
    pub external_id: Option<String>,
    pub payload: EventPayload,
    pub occurred_at: OffsetDateTime,
    pub recorded_at: Option<OffsetDateTime>,
    pub status: EventStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// An observation to import, whichever record it came from.
pub(crate) struct IncomingObservation {
    /// What to store. Its `source_event_ids` and `supersedes` are not read: they come from
    /// `sources` and `supersedes` below, resolved in the store.
    pub new: NewObservation,
    /// Whether it is pinned (a stored observation is pinned, a new one is not).
    pub pinned: bool,
    /// The content hash the exporting store gave it: the name other records'
    /// `supersedes` use (the stored hash is computed again from the content).
    pub content_hash: Option<String>,
    /// The observation it replaces.
    pub supersedes: Option<ObservationRef>,
    /// The events it came from.
    pub sources: Vec<EventRef>,
}

impl IncomingObservation {
    /// What an observation record asks to store. Its fields are read as a [`NewObservation`]
    /// (unknown ones ignored, missing ones given their defaults), so a field of the core types
    /// travels with no code here; beside them, what the store keeps of its own: `pinned`, and
    /// the content hash as a name.
    pub(crate) fn from_record(record: &ObservationRecord) -> serde_json::Result<Self> {
        #[derive(Deserialize)]
        struct Read {
            #[serde(flatten)]
            new: NewObservation,
            #[serde(default)]
            pinned: bool,
            #[serde(default)]
            content_hash: Option<String>,
        }
        let read = Read::deserialize(record.portable_fields()?)?;
        Ok(IncomingObservation {
            new: read.new,
            pinned: read.pinned,
            content_hash: read.content_hash,
            supersedes: record.supersedes.clone(),
            sources: record.sources.clone(),
        })
    }
}

/// The state of one import: the transaction and what it has resolved so far.
pub(crate) struct Importer<'a> {
    pub state: &'a State,
    pub tx: &'a Transaction<'a>,
    /// (session, content key) of keyless events seen or stored, to their ids.
    event_keys: HashMap<(String, String), EventId>,
    /// Sessions whose keyless events were read from the store into `event_keys`.
    loaded: HashSet<String>,
    /// (project, content hash) to observation id, for `supersedes`.
    hashes: HashMap<(String, String), ObservationId>,
    /// Observations whose `supersedes` named one not seen yet: (line, id, that one).
    links: Vec<(usize, ObservationId, ObservationRef)>,
    pub added: RecordCounts,
    pub skipped: RecordCounts,
    pub unresolved: u64,
}

impl<'a> Importer<'a> {
    pub(crate) fn new(state: &'a State, tx: &'a Transaction<'a>) -> Self {
        Importer {
            state,
            tx,
            event_keys: HashMap::new(),
            loaded: HashSet::new(),
            hashes: HashMap::new(),
            links: Vec::new(),
            added: RecordCounts::default(),
            skipped: RecordCounts::default(),
            unresolved: 0,
        }
    }

    fn count(&mut self, inserted: bool, field: fn(&mut RecordCounts) -> &mut u64) {
        let counts = if inserted {
            &mut self.added
        } else {
            &mut self.skipped
        };
        *field(counts) += 1;
    }

    fn apply(&mut self, line: usize, record: Record) -> Result<()> {
        match record {
            Record::Project(p) => {
                let name = p.name.trim();
                if name.is_empty() {
                    return Err(empty("project name"));
                }
                let inserted = sql::import_project(self.tx, name, to_millis(p.created_at))?;
                self.count(inserted, |c| &mut c.projects);
            }
            Record::Session(s) => {
                if s.id.trim().is_empty() {
                    return Err(empty("session id"));
                }
                if s.project.trim().is_empty() {
                    return Err(empty("session project"));
                }
                let session = crate::model::Session {
                    id: s.id,
                    project: s.project.trim().to_owned(),
                    agent: s.agent,
                    started_at: s.started_at,
                    ended_at: s.ended_at,
                    status: s.status,
                };
                let inserted = sql::import_session(self.tx, &session)?;
                self.count(inserted, |c| &mut c.sessions);
            }
            Record::Prompt(p) => {
                let inserted = self.event(IncomingEvent {
                    session_id: p.session_id,
                    external_id: p.external_id,
                    payload: EventPayload::UserPrompt { text: p.text },
                    occurred_at: p.occurred_at,
                    recorded_at: p.recorded_at,
                    status: p.status,
                    attempts: p.attempts,
                    last_error: p.last_error,
                })?;
                self.count(inserted, |c| &mut c.prompts);
            }
            Record::Event(e) => {
                let inserted = self.event(IncomingEvent {
                    session_id: e.session_id,
                    external_id: e.external_id,
                    payload: e.payload,
                    occurred_at: e.occurred_at,
                    recorded_at: e.recorded_at,
                    status: e.status,
                    attempts: e.attempts,
                    last_error: e.last_error,
                })?;
                self.count(inserted, |c| &mut c.events);
            }
            Record::Observation(o) => {
                let incoming =
                    IncomingObservation::from_record(&o).map_err(|source| Error::Json {
                        context: "read the observation".into(),
                        source,
                    })?;
                let inserted = self.observation(line, incoming)?;
                self.count(inserted, |c| &mut c.observations);
            }
            Record::Summary(s) => {
                let inserted = self.summary(s)?;
                self.count(inserted, |c| &mut c.summaries);
            }
            Record::Ledger(l) => self.ledger(l)?,
            // Checked when the file was read; nothing to store.
            Record::End(_) => {}
        }
        Ok(())
    }

    /// The one place imported free text (outside event payloads and observations, which go
    /// through `Memory::prepare_payload` and `Memory::prepare_observation`) passes the
    /// store's redactor: summary fields, and any other text field an import stores.
    fn redact(&self, text: &str) -> String {
        self.state.redactor.redact(text.trim())
    }

    /// Stores an event (redacted) unless it is there; returns whether it was stored.
    pub(crate) fn event(&mut self, e: IncomingEvent) -> Result<bool> {
        let occurred = to_millis(e.occurred_at);
        // The key the exporting store gave this event, if it has no key of its own.
        let file_key = match &e.external_id {
            None => serde_json::to_string(&e.payload)
                .ok()
                .map(|json| event_content_key(e.payload.type_name(), &json, occurred)),
            Some(_) => None,
        };
        let payload = self.state.prepare_payload(e.payload)?;
        // An extraction error may quote the event it failed on.
        let last_error = e.last_error.map(|t| self.state.redactor.redact(&t));
        let json = serde_json::to_string(&payload).map_err(|source| Error::Json {
            context: "encode an event payload".into(),
            source,
        })?;
        let (id, inserted) = sql::import_event(
            self.tx,
            &ImportedEvent {
                session_id: &e.session_id,
                kind: payload.type_name(),
                payload: &json,
                decoded: &payload,
                external_id: e.external_id.as_deref(),
                occurred_at: occurred,
                recorded_at: e.recorded_at.map(to_millis),
                status: e.status.as_str(),
                attempts: e.attempts,
                last_error: last_error.as_deref(),
                defer_index: false,
            },
        )?;
        if e.external_id.is_none() {
            let stored_key = event_content_key(payload.type_name(), &json, occurred);
            for key in file_key.into_iter().chain(Some(stored_key)) {
                self.event_keys.insert((e.session_id.clone(), key), id);
            }
        }
        Ok(inserted)
    }

    /// The id of the event a reference names, in this import or in the store.
    fn resolve(&mut self, r: &EventRef) -> Result<Option<EventId>> {
        if let Some(key) = &r.external_id {
            return event_by_key(self.tx, &r.session_id, key);
        }
        let Some(content_key) = &r.content_key else {
            return Ok(None);
        };
        let slot = (r.session_id.clone(), content_key.clone());
        if let Some(id) = self.event_keys.get(&slot) {
            return Ok(Some(*id));
        }
        if self.loaded.insert(r.session_id.clone()) {
            for (id, kind, payload, at) in keyless_events(self.tx, &r.session_id)? {
                let key = event_content_key(&kind, &payload, at);
                self.event_keys
                    .entry((r.session_id.clone(), key))
                    .or_insert(id);
            }
        }
        Ok(self.event_keys.get(&slot).copied())
    }

    /// The ids of the events `refs` name that are in this import or in the store, and the
    /// references to the others (each also counted as unresolved).
    fn resolve_split(&mut self, refs: &[EventRef]) -> Result<(Vec<EventId>, Vec<EventRef>)> {
        let mut ids = Vec::with_capacity(refs.len());
        let mut missing = Vec::new();
        for r in refs {
            match self.resolve(r)? {
                Some(id) => ids.push(id),
                None => {
                    self.unresolved += 1;
                    missing.push(r.clone());
                }
            }
        }
        Ok((ids, missing))
    }

    /// An observation's provenance: links to the events that resolve, references kept for
    /// those that do not (so that an export of this store names them again, and a later
    /// import that brings the events links them). For an observation already stored, its
    /// kept references that now resolve are linked too.
    fn provenance(
        &mut self,
        id: ObservationId,
        duplicate: bool,
        linked: &[EventId],
        missing: &[EventRef],
    ) -> Result<()> {
        if duplicate {
            sql::link_sources(self.tx, id, linked)?;
            for text in sql::source_refs(self.tx, id)? {
                let Ok(r) = serde_json::from_str::<EventRef>(&text) else {
                    continue;
                };
                if let Some(event) = self.resolve(&r)? {
                    sql::link_sources(self.tx, id, &[event])?;
                    sql::drop_source_ref(self.tx, id, &text)?;
                }
            }
        }
        let mut kept = Vec::with_capacity(missing.len());
        for r in missing {
            kept.push(serde_json::to_string(r).map_err(|source| Error::Json {
                context: "encode a source reference".into(),
                source,
            })?);
        }
        sql::keep_source_refs(self.tx, id, &kept)
    }

    fn resolve_all(&mut self, refs: &[EventRef]) -> Result<Vec<EventId>> {
        let mut ids = Vec::with_capacity(refs.len());
        for r in refs {
            match self.resolve(r)? {
                Some(id) => ids.push(id),
                None => self.unresolved += 1,
            }
        }
        Ok(ids)
    }

    fn observation_by_hash(&self, project: &str, hash: &str) -> Result<Option<ObservationId>> {
        if let Some(id) = self.hashes.get(&(project.to_owned(), hash.to_owned())) {
            return Ok(Some(*id));
        }
        observation_by_hash(self.tx, project, hash)
    }

    /// Stores an observation (redacted, embedded) unless its content is in its project
    /// already; returns whether it was stored.
    pub(crate) fn observation(&mut self, line: usize, o: IncomingObservation) -> Result<bool> {
        if let Some(session) = &o.new.session_id
            && session_project(self.tx, session)?.is_none()
        {
            return Err(Error::NotFound {
                what: "session",
                id: session.clone(),
            });
        }
        let (sources, missing) = self.resolve_split(&o.sources)?;
        let new = NewObservation {
            source_event_ids: sources.clone(),
            supersedes: None,
            ..o.new
        };
        let mut obs = self.state.prepare_observation(new)?;
        obs.pinned = o.pinned;
        let older = match &o.supersedes {
            Some(r) => self.observation_by_hash(&r.project, &r.content_hash)?,
            None => None,
        };
        obs.supersedes = older;
        let vector = self.state.embed_observation(&obs)?;
        let added = crate::store::portable::insert_observation(self.tx, &obs, vector.as_ref())?;
        self.provenance(added.id, added.duplicate, &sources, &missing)?;
        if added.duplicate {
            if o.pinned {
                crate::store::portable::pin_in(self.tx, added.id, true)?;
            }
        } else if let (Some(r), None) = (o.supersedes, older) {
            self.links.push((line, added.id, r));
        }
        if let Some(hash) = o.content_hash {
            self.hashes.insert((obs.project.clone(), hash), added.id);
        }
        self.hashes
            .insert((obs.project, obs.content_hash), added.id);
        Ok(!added.duplicate)
    }

    /// Links observations to older ones that came later in the file.
    fn finish_links(&mut self) -> Result<()> {
        for (line, id, r) in std::mem::take(&mut self.links) {
            match self.observation_by_hash(&r.project, &r.content_hash) {
                Ok(Some(older)) => sql::link_supersedes(self.tx, id, older)
                    .map_err(|e| at_line(line, "observation", e))?,
                Ok(None) => self.unresolved += 1,
                Err(e) => return Err(at_line(line, "observation", e)),
            }
        }
        Ok(())
    }

    /// Stores a summary (redacted) unless its session has it already; returns whether it
    /// was stored.
    pub(crate) fn summary(&mut self, s: SummaryRecord) -> Result<bool> {
        let project = session_project(self.tx, &s.session_id)?.ok_or_else(|| Error::NotFound {
            what: "session",
            id: s.session_id.clone(),
        })?;
        let content = s.content.redacted(|t| self.redact(t));
        let inserted = sql::import_summary(
            self.tx,
            &SummaryRow {
                session_id: s.session_id,
                project,
                content,
                created_at: to_millis(s.created_at),
            },
        )?;
        Ok(inserted)
    }

    fn ledger(&mut self, l: LedgerRecord) -> Result<()> {
        if l.project.trim().is_empty() {
            return Err(empty("ledger project"));
        }
        let event_ids = self.resolve_all(&l.events)?;
        let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let inserted = sql::import_ledger(
            self.tx,
            &LedgerRow {
                session_id: l.session_id,
                project: l.project,
                purpose: l.purpose,
                model: l.model,
                prompt_tokens: clamp(l.prompt_tokens),
                completion_tokens: clamp(l.completion_tokens),
                event_ids,
                outcome: l.outcome,
                // A ledger detail may quote what the model answered.
                detail: l.detail.map(|t| self.state.redactor.redact(&t)),
                observations: clamp(l.observations),
                created_at: to_millis(l.created_at),
            },
        )?;
        self.count(inserted, |c| &mut c.ledger);
        Ok(())
    }
}

fn empty(what: &'static str) -> Error {
    Error::InvalidInput {
        what,
        reason: "must not be empty".into(),
    }
}

impl Portable<'_> {
    /// See [`Memory::import_jsonl`](crate::Memory::import_jsonl).
    pub(crate) fn import_jsonl(&self, input: impl BufRead) -> Result<ImportReport> {
        let ParsedExport {
            header,
            mut records,
            lines,
            warnings,
        } = read_records(input)?;
        // What others refer to first; file order within a type.
        records.sort_by_key(|(line, r)| (r.phase(), *line));
        let tx = self.state.store.write()?;
        let mut importer = Importer::new(self.state, &tx);
        for (line, record) in records {
            let kind = record.type_name();
            importer
                .apply(line, record)
                .map_err(|e| at_line(line, kind, e))?;
        }
        importer.finish_links()?;
        let report = ImportReport {
            format_version: header.format_version,
            schema_version: header.schema_version,
            lines,
            added: importer.added,
            skipped: importer.skipped,
            unresolved_references: importer.unresolved,
            warnings,
        };
        drop(importer);
        tx.commit()
            .map_err(|source| Error::sqlite("commit the import", source))?;
        Ok(report)
    }
}
