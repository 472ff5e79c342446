//! Events: what hosts record, with their extraction status. Every event is also indexed in
//! `conversation_fts` (the conversation layer, in its short form; see [`crate::conversation`]),
//! in the same transaction as the event row.

use super::{ConnExt, Store, from_millis, now_millis, placeholders, to_millis};
use crate::error::{Error, Result, SqlContext};
use crate::model::{Event, EventId, EventPayload, EventStatus, NewEvent, Recorded, Scope};
use rusqlite::{Row, params, params_from_iter};

pub(crate) const EVENT_COLUMNS: &str =
    "id, session_id, project, payload, external_id, occurred_at, status, attempts";

pub(crate) fn event_from_row(row: &Row<'_>) -> rusqlite::Result<Event> {
    let payload: String = row.get(3)?;
    let status: String = row.get(6)?;
    let payload = serde_json::from_str(&payload).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(Event {
        id: row.get(0)?,
        session_id: row.get(1)?,
        project: row.get(2)?,
        payload,
        external_id: row.get(4)?,
        occurred_at: from_millis(row.get(5)?),
        status: EventStatus::parse(&status).unwrap_or(EventStatus::Pending),
        attempts: row.get(7)?,
    })
}

/// Indexes an event in the conversation layer (`conversation_fts`, rowid = event id): its
/// short form (the call or message, and a tool call's outcome) and, in `terms`, the camel-case
/// parts of the identifiers and the CJK bigrams in it (see [`super::fts`]). An event without a short form (a bookkeeping tool) is not indexed. The
/// one writer of `conversation_fts` rows: recording, import and the version-2 migration.
pub(crate) fn index_event(
    tx: &rusqlite::Transaction<'_>,
    id: EventId,
    payload: &EventPayload,
) -> Result<()> {
    index_row(tx, id, payload).ctx(|| format!("index event {id} in the conversation layer"))
}

/// [`index_event`] with SQLite's error, for the migration.
pub(crate) fn index_row(
    tx: &rusqlite::Transaction<'_>,
    id: EventId,
    payload: &EventPayload,
) -> rusqlite::Result<()> {
    let form = crate::conversation::short_form_parts(payload);
    if form.is_empty() {
        return Ok(());
    }
    let terms = super::fts::index_terms([form.text.as_str(), form.outcome.as_str()]);
    tx.prepare_cached(
        "INSERT INTO conversation_fts (rowid, text, outcome, terms) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, form.text, form.outcome, terms])?;
    Ok(())
}

/// An event row to write: payload already redacted and encoded.
#[derive(Debug, Clone)]
pub(crate) struct NewEventRow<'a> {
    /// Its session (must exist).
    pub session_id: &'a str,
    /// Payload type name.
    pub kind: &'a str,
    /// Payload JSON.
    pub payload: &'a str,
    /// The payload itself, for the conversation index.
    pub decoded: &'a EventPayload,
    /// Idempotency key.
    pub external_id: Option<&'a str>,
    /// When it happened (ms).
    pub occurred_at: i64,
    /// When it was recorded (ms); now when absent.
    pub recorded_at: Option<i64>,
    /// Extraction status (`pending`, `extracted`, `skipped`, `failed`).
    pub status: &'a str,
    /// Failed attempts.
    pub attempts: u32,
    /// Last extraction error.
    pub last_error: Option<&'a str>,
    /// Leave the conversation row to [`Store::index_deferred_events`] (the row is marked
    /// `conversation_indexed = 0`).
    pub defer_index: bool,
}

/// Writes an event row and its conversation-layer row ([`index_event`], unless deferred) in
/// the caller's transaction: the one writer of `events` rows (recording and import). `None` when the
/// session already has an event with the same key (nothing written).
///
/// # Errors
///
/// [`Error::NotFound`] when the session does not exist.
pub(crate) fn insert_event_row(
    tx: &rusqlite::Transaction<'_>,
    e: &NewEventRow<'_>,
) -> Result<Option<EventId>> {
    let project =
        super::sessions::session_project(tx, e.session_id)?.ok_or_else(|| Error::NotFound {
            what: "session",
            id: e.session_id.to_owned(),
        })?;
    let n = tx.execute_cached(
        "INSERT INTO events (session_id, project, type, payload, external_id, occurred_at,
                             recorded_at, status, attempts, last_error, conversation_indexed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (session_id, external_id) DO NOTHING",
        params![
            e.session_id,
            project,
            e.kind,
            e.payload,
            e.external_id,
            e.occurred_at,
            e.recorded_at.unwrap_or_else(now_millis),
            e.status,
            e.attempts,
            e.last_error,
            !e.defer_index
        ],
        || format!("record an event in session {:?}", e.session_id),
    )?;
    if n == 0 {
        return Ok(None);
    }
    let id = tx.last_insert_rowid();
    if !e.defer_index {
        index_event(tx, id, e.decoded)?;
    }
    Ok(Some(id))
}

impl Store {
    /// Stores an event (already redacted) of a session that exists. Idempotent on the
    /// event's key: a second call with the same key returns the first event's id. With
    /// `defer_index`, the event's conversation row is left to [`Store::index_deferred_events`]
    /// (the event is marked `conversation_indexed = 0`).
    pub(crate) fn insert_event(&self, event: &NewEvent, defer_index: bool) -> Result<Recorded> {
        let key = event.idempotency_key();
        let payload = serde_json::to_string(&event.payload).map_err(|source| Error::Json {
            context: "encode an event payload".into(),
            source,
        })?;
        let occurred = event.occurred_at.map(to_millis).unwrap_or_else(now_millis);
        let tx = self.write()?;
        let written = insert_event_row(
            &tx,
            &NewEventRow {
                session_id: &event.session_id,
                kind: event.payload.type_name(),
                payload: &payload,
                decoded: &event.payload,
                external_id: key,
                occurred_at: occurred,
                recorded_at: None,
                status: EventStatus::Pending.as_str(),
                attempts: 0,
                last_error: None,
                defer_index,
            },
        )?;
        let inserted = written.is_some();
        if let Some(id) = written
            && let Some(project) = super::sync::events_shared_by(&tx, &event.session_id)?
        {
            super::sync::log_event_put(
                &tx,
                id,
                &project,
                &super::sync::EventRecord {
                    session_id: event.session_id.clone(),
                    payload: event.payload.clone(),
                    external_id: key.map(str::to_owned),
                    occurred_at: occurred,
                },
            )?;
        }
        let id = if let Some(id) = written {
            id
        } else {
            tx.query_single(
                "SELECT id FROM events WHERE session_id = ?1 AND external_id = ?2",
                params![event.session_id, key],
                |r| r.get(0),
                || format!("find event {key:?} of session {:?}", event.session_id),
            )?
        };
        tx.commit()
            .ctx(|| format!("commit an event of session {:?}", event.session_id))?;
        Ok(Recorded { id, inserted })
    }

    /// Indexes up to `limit` events recorded with a deferred conversation row, oldest first,
    /// in one transaction; returns how many. A payload that cannot be read is marked indexed
    /// without a row (as the migration does).
    pub(crate) fn index_deferred_events(&self, limit: usize) -> Result<usize> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let tx = self.write()?;
        let pending: Vec<(EventId, String)> = tx.query_rows(
            "SELECT id, payload FROM events WHERE conversation_indexed = 0 ORDER BY id LIMIT ?1",
            [limit],
            |r| Ok((r.get(0)?, r.get(1)?)),
            || "find events waiting for their conversation row".into(),
        )?;
        for (id, payload) in &pending {
            if let Ok(payload) = serde_json::from_str::<EventPayload>(payload) {
                index_event(&tx, *id, &payload)?;
            }
            tx.execute_cached(
                "UPDATE events SET conversation_indexed = 1 WHERE id = ?1",
                [id],
                || format!("mark event {id} indexed"),
            )?;
        }
        tx.commit()
            .ctx(|| "commit the conversation rows of deferred events".into())?;
        Ok(pending.len())
    }

    /// Whether any event waits for its conversation row.
    pub(crate) fn has_deferred_events(&self) -> Result<bool> {
        self.conn().exists(
            "SELECT EXISTS (SELECT 1 FROM events WHERE conversation_indexed = 0)",
            [],
            || "look for events waiting for their conversation row".into(),
        )
    }

    /// Events by id, in id order; unknown ids are left out.
    pub(crate) fn events_by_id(&self, ids: &[EventId]) -> Result<Vec<Event>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE id IN ({}) ORDER BY id",
            placeholders(ids.len())
        );
        self.conn()
            .query_rows_uncached(&sql, params_from_iter(ids), event_from_row, || {
                "read events by id".into()
            })
    }

    /// The events of a session in order, optionally only those with one status.
    pub(crate) fn session_events(
        &self,
        session_id: &str,
        status: Option<EventStatus>,
    ) -> Result<Vec<Event>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events
             WHERE session_id = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY id"
        );
        self.conn().query_rows(
            &sql,
            params![session_id, status.map(EventStatus::as_str)],
            event_from_row,
            || format!("read the events of session {session_id:?}"),
        )
    }

    /// Counts events in scope, optionally with one status.
    pub(crate) fn count_events(&self, scope: &Scope, status: Option<EventStatus>) -> Result<u64> {
        self.conn().query_single(
            "SELECT count(*) FROM events
             WHERE (?1 IS NULL OR project = ?1) AND (?2 IS NULL OR status = ?2)",
            params![scope.project(), status.map(EventStatus::as_str)],
            |r| r.get::<_, i64>(0).map(|n| n as u64),
            || "count events".into(),
        )
    }
}
