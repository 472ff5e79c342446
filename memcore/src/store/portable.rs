//! SQL of export and import: whole tables read in a stable order (by row id, so a store
//! rebuilt from an export exports the same records in the same order), and rows inserted
//! with the times, statuses and keys they had in the store they came from.
//!
//! Rows are written by each table family's one writer (`sessions::insert_session`,
//! `events::insert_event_row`, `summaries::insert_summary_row`, `observations::
//! insert_observation`, `extraction::insert_ledger_at`), the same the live path uses; what is
//! here is what only import needs: finding what is already stored.
//!
//! Nothing here commits: reads run on whatever snapshot the caller holds, writes run inside
//! the caller's transaction, so an import is all or nothing.

use super::events::insert_event_row;
use super::extraction::{NewLedgerEntry, insert_ledger_at};
pub(crate) use super::observations::{
    drop_source_ref, insert_observation, keep_source_refs, link_sources, source_refs,
};
pub(crate) use super::sessions::session_project;
use super::sessions::{IfStored, insert_project, insert_session};
use super::summaries::insert_summary_row;
use super::{ConnExt, Store, from_millis, placeholders};
use crate::error::{Error, Result, SqlContext};
use crate::model::{EventId, NewSummary, ObservationId, Session, SessionStatus};
use rusqlite::{Connection, Row, Transaction, params, params_from_iter};

/// Which rows an export reads: one project or all, a time window (`since` inclusive, `until`
/// exclusive, in milliseconds), and whether events other than user prompts are included.
#[derive(Debug, Clone)]
pub(crate) struct ExportScope {
    /// One project, or every project.
    pub project: Option<String>,
    /// Earliest time included.
    pub since: i64,
    /// First time excluded.
    pub until: i64,
    /// Include tool uses, assistant messages and notes (user prompts are always included).
    pub include_events: bool,
}

/// A project row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProjectRow {
    /// Its name.
    pub name: String,
    /// When it was first seen, in milliseconds.
    pub created_at: i64,
}

/// An event row as stored, payload still as JSON text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventRow {
    /// Row id (meaningless outside this store).
    pub id: EventId,
    /// Its session.
    pub session_id: String,
    /// Payload type name (`user_prompt`, `tool_use`...).
    pub kind: String,
    /// The payload as stored (JSON).
    pub payload: String,
    /// The host's idempotency key.
    pub external_id: Option<String>,
    /// When it happened, in milliseconds.
    pub occurred_at: i64,
    /// When it was recorded, in milliseconds.
    pub recorded_at: i64,
    /// Extraction status as stored.
    pub status: String,
    /// Failed extraction attempts.
    pub attempts: u32,
    /// The last extraction error.
    pub last_error: Option<String>,
}

const EVENT_ROW_COLUMNS: &str = "e.id, e.session_id, e.type, e.payload, e.external_id, \
     e.occurred_at, e.recorded_at, e.status, e.attempts, e.last_error";

fn event_row(r: &Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: r.get(0)?,
        session_id: r.get(1)?,
        kind: r.get(2)?,
        payload: r.get(3)?,
        external_id: r.get(4)?,
        occurred_at: r.get(5)?,
        recorded_at: r.get(6)?,
        status: r.get(7)?,
        attempts: r.get(8)?,
        last_error: r.get(9)?,
    })
}

/// A summary row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SummaryRow {
    /// Its session.
    pub session_id: String,
    /// Its project.
    pub project: String,
    /// Its content.
    pub content: NewSummary,
    /// When it was written, in milliseconds.
    pub created_at: i64,
}

/// An extraction ledger row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LedgerRow {
    /// The session extracted, if any.
    pub session_id: Option<String>,
    /// The project.
    pub project: String,
    /// `observations` or `summary`.
    pub purpose: String,
    /// The model name.
    pub model: String,
    /// Input tokens.
    pub prompt_tokens: i64,
    /// Output tokens.
    pub completion_tokens: i64,
    /// Event row ids covered (export side) or resolved (import side).
    pub event_ids: Vec<EventId>,
    /// `completed`, `failed`, `gave_up`.
    pub outcome: String,
    /// Parse issues or failure reason.
    pub detail: Option<String>,
    /// Observations stored by the call.
    pub observations: i64,
    /// When it happened, in milliseconds.
    pub created_at: i64,
}

fn session_row(r: &Row<'_>) -> rusqlite::Result<Session> {
    let status: String = r.get(5)?;
    Ok(Session {
        id: r.get(0)?,
        project: r.get(1)?,
        agent: r.get(2)?,
        started_at: from_millis(r.get(3)?),
        ended_at: r.get::<_, Option<i64>>(4)?.map(from_millis),
        status: if status == "ended" {
            SessionStatus::Ended
        } else {
            SessionStatus::Active
        },
    })
}

/// Runs `sql` with `params` and hands every mapped row to `f`, stopping at its first error.
fn each_row<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    what: &str,
    map: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
    mut f: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(sql).ctx(|| format!("read {what}"))?;
    let mut rows = stmt.query(params).ctx(|| format!("read {what}"))?;
    while let Some(row) = rows.next().ctx(|| format!("read {what}"))? {
        f(map(row).ctx(|| format!("decode {what}"))?)?;
    }
    Ok(())
}

impl Store {
    /// The sessions an export holds: those of the scope's project that started in its window,
    /// and every session (of any project) that an exported record refers to. In row order.
    pub(crate) fn export_sessions(&self, scope: &ExportScope) -> Result<Vec<Session>> {
        let sql = "SELECT s.id, s.project, s.agent, s.started_at, s.ended_at, s.status
             FROM sessions s
             WHERE ((?1 IS NULL OR s.project = ?1) AND s.started_at >= ?2 AND s.started_at < ?3)
                OR EXISTS (SELECT 1 FROM observations o WHERE o.session_id = s.id
                           AND (?1 IS NULL OR o.project = ?1)
                           AND o.created_at >= ?2 AND o.created_at < ?3)
                OR EXISTS (SELECT 1 FROM summaries m WHERE m.session_id = s.id
                           AND (?1 IS NULL OR m.project = ?1)
                           AND m.created_at >= ?2 AND m.created_at < ?3)
                OR EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.id
                           AND (?1 IS NULL OR e.project = ?1)
                           AND (?4 OR e.type = 'user_prompt')
                           AND e.occurred_at >= ?2 AND e.occurred_at < ?3)
                OR EXISTS (SELECT 1 FROM extraction_ledger l WHERE l.session_id = s.id
                           AND (?1 IS NULL OR l.project = ?1)
                           AND l.created_at >= ?2 AND l.created_at < ?3)
             ORDER BY s.rowid";
        let mut out = Vec::new();
        each_row(
            self.conn(),
            sql,
            params![
                scope.project,
                scope.since,
                scope.until,
                scope.include_events
            ],
            "sessions to export",
            session_row,
            |s| {
                out.push(s);
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Project rows by name, sorted; names without a row are left out.
    pub(crate) fn project_rows(&self, names: &[String]) -> Result<Vec<ProjectRow>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT name, created_at FROM projects WHERE name IN ({}) ORDER BY name",
            placeholders(names.len())
        );
        self.conn().query_rows_uncached(
            &sql,
            params_from_iter(names),
            |r| {
                Ok(ProjectRow {
                    name: r.get(0)?,
                    created_at: r.get(1)?,
                })
            },
            || "read projects to export".into(),
        )
    }

    /// Hands the events in scope to `f`, in row order: user prompts only when `prompts`,
    /// every other type otherwise.
    pub(crate) fn for_each_export_event(
        &self,
        scope: &ExportScope,
        prompts: bool,
        f: impl FnMut(EventRow) -> Result<()>,
    ) -> Result<()> {
        let sql = format!(
            "SELECT {EVENT_ROW_COLUMNS} FROM events e
             WHERE (?1 IS NULL OR e.project = ?1) AND e.occurred_at >= ?2 AND e.occurred_at < ?3
               AND (e.type = 'user_prompt') = ?4
             ORDER BY e.id"
        );
        each_row(
            self.conn(),
            &sql,
            params![scope.project, scope.since, scope.until, prompts],
            "events to export",
            event_row,
            f,
        )
    }

    /// Hands the observations in scope to `f`, in row order.
    pub(crate) fn for_each_export_observation(
        &self,
        scope: &ExportScope,
        f: impl FnMut(crate::model::Observation) -> Result<()>,
    ) -> Result<()> {
        let sql = format!(
            "SELECT {} FROM observations o
             WHERE (?1 IS NULL OR o.project = ?1) AND o.created_at >= ?2 AND o.created_at < ?3
             ORDER BY o.id",
            super::observations::OBSERVATION_COLUMNS
        );
        each_row(
            self.conn(),
            &sql,
            params![scope.project, scope.since, scope.until],
            "observations to export",
            super::observations::observation_from_row,
            f,
        )
    }

    /// Hands the summaries in scope to `f`, in row order.
    pub(crate) fn for_each_export_summary(
        &self,
        scope: &ExportScope,
        f: impl FnMut(SummaryRow) -> Result<()>,
    ) -> Result<()> {
        each_row(
            self.conn(),
            "SELECT session_id, project, request, investigated, learned, completed, next_steps,
                    notes, created_at
             FROM summaries
             WHERE (?1 IS NULL OR project = ?1) AND created_at >= ?2 AND created_at < ?3
             ORDER BY id",
            params![scope.project, scope.since, scope.until],
            "summaries to export",
            |r| {
                Ok(SummaryRow {
                    session_id: r.get(0)?,
                    project: r.get(1)?,
                    content: NewSummary {
                        request: r.get(2)?,
                        investigated: r.get(3)?,
                        learned: r.get(4)?,
                        completed: r.get(5)?,
                        next_steps: r.get(6)?,
                        notes: r.get(7)?,
                    },
                    created_at: r.get(8)?,
                })
            },
            f,
        )
    }

    /// Hands the ledger rows in scope to `f`, in row order.
    pub(crate) fn for_each_export_ledger(
        &self,
        scope: &ExportScope,
        f: impl FnMut(LedgerRow) -> Result<()>,
    ) -> Result<()> {
        each_row(
            self.conn(),
            "SELECT session_id, project, purpose, model, prompt_tokens, completion_tokens,
                    event_ids, outcome, detail, observations, created_at
             FROM extraction_ledger
             WHERE (?1 IS NULL OR project = ?1) AND created_at >= ?2 AND created_at < ?3
             ORDER BY id",
            params![scope.project, scope.since, scope.until],
            "ledger rows to export",
            |r| {
                let ids: String = r.get(6)?;
                Ok(LedgerRow {
                    session_id: r.get(0)?,
                    project: r.get(1)?,
                    purpose: r.get(2)?,
                    model: r.get(3)?,
                    prompt_tokens: r.get(4)?,
                    completion_tokens: r.get(5)?,
                    event_ids: serde_json::from_str(&ids).unwrap_or_default(),
                    outcome: r.get(7)?,
                    detail: r.get(8)?,
                    observations: r.get(9)?,
                    created_at: r.get(10)?,
                })
            },
            f,
        )
    }

    /// Events by id, in id order; unknown ids are left out.
    pub(crate) fn event_rows(&self, ids: &[EventId]) -> Result<Vec<EventRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {EVENT_ROW_COLUMNS} FROM events e WHERE e.id IN ({}) ORDER BY e.id",
            placeholders(ids.len())
        );
        self.conn()
            .query_rows_uncached(&sql, params_from_iter(ids), event_row, || {
                "read source events".into()
            })
    }

    /// The project and content hash of an observation.
    pub(crate) fn observation_key(&self, id: ObservationId) -> Result<Option<(String, String)>> {
        self.conn().query_optional(
            "SELECT project, content_hash FROM observations WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
            || format!("read the content hash of observation {id}"),
        )
    }

    /// Sets or clears the pinned flag of an observation; false when no observation has `id`.
    pub(crate) fn set_pinned(&self, id: ObservationId, pinned: bool) -> Result<bool> {
        let tx = self.write()?;
        let found = pin_in(&tx, id, pinned)?;
        tx.commit()
            .ctx(|| format!("commit the pin of observation {id}"))?;
        Ok(found)
    }
}

/// Sets or clears the pinned flag of an observation in the caller's transaction, logged for
/// sync when its project is shared; false when no observation has `id`.
pub(crate) fn pin_in(tx: &Transaction<'_>, id: ObservationId, pinned: bool) -> Result<bool> {
    let n = tx.execute_cached(
        "UPDATE observations SET pinned = ?2 WHERE id = ?1",
        params![id, pinned],
        || format!("pin observation {id}"),
    )?;
    if n > 0
        && let Some(obs) = super::observations::observation_in(tx, id)?
    {
        super::sync::log_observation_change(
            tx,
            &obs,
            crate::sync::ChangeKind::ObservationPin,
            &serde_json::json!({ "pinned": pinned }),
        )?;
    }
    Ok(n > 0)
}

/// Records a project with its original creation time; false when it already existed.
pub(crate) fn import_project(tx: &Transaction<'_>, name: &str, created_at: i64) -> Result<bool> {
    insert_project(tx, name, Some(created_at))
}

/// Records a session as it was (times and status kept); false when a session with its id
/// already existed (the existing one is kept as it is).
pub(crate) fn import_session(tx: &Transaction<'_>, s: &Session) -> Result<bool> {
    insert_session(tx, s, IfStored::Keep)
}

/// An event to import: payload already redacted and encoded.
pub(crate) use super::events::NewEventRow as ImportedEvent;

/// Stores an event unless it is already there: same session and key, or, for an event without
/// a key, same session, type, payload and time. Returns its id and whether it was inserted.
pub(crate) fn import_event(tx: &Transaction<'_>, e: &ImportedEvent<'_>) -> Result<(EventId, bool)> {
    let existing: Option<EventId> = match e.external_id {
        Some(key) => event_by_key(tx, e.session_id, key)?,
        None => tx.query_optional(
            "SELECT id FROM events WHERE session_id = ?1 AND external_id IS NULL
               AND occurred_at = ?2 AND type = ?3 AND payload = ?4",
            params![e.session_id, e.occurred_at, e.kind, e.payload],
            |r| r.get(0),
            || format!("look up an event of session {:?}", e.session_id),
        )?,
    };
    if let Some(id) = existing {
        return Ok((id, false));
    }
    match insert_event_row(tx, e)? {
        Some(id) => Ok((id, true)),
        // Not reached (the key was looked up above, in the same transaction).
        None => Err(Error::NotFound {
            what: "event",
            id: format!("{:?} of session {:?}", e.external_id, e.session_id),
        }),
    }
}

/// The events of a session that have no key: id, type, payload and time. Import resolves
/// references to them by content.
pub(crate) fn keyless_events(
    tx: &Transaction<'_>,
    session_id: &str,
) -> Result<Vec<(EventId, String, String, i64)>> {
    tx.query_rows(
        "SELECT id, type, payload, occurred_at FROM events
         WHERE session_id = ?1 AND external_id IS NULL ORDER BY id",
        [session_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        || format!("read the unkeyed events of session {session_id:?}"),
    )
}

/// The id of a keyed event.
pub(crate) fn event_by_key(
    tx: &Transaction<'_>,
    session_id: &str,
    key: &str,
) -> Result<Option<EventId>> {
    tx.query_optional(
        "SELECT id FROM events WHERE session_id = ?1 AND external_id = ?2",
        params![session_id, key],
        |r| r.get(0),
        || format!("look up event {key:?} of session {session_id:?}"),
    )
}

/// The id of the observation with a content hash in a project.
pub(crate) fn observation_by_hash(
    tx: &Transaction<'_>,
    project: &str,
    hash: &str,
) -> Result<Option<ObservationId>> {
    tx.query_optional(
        "SELECT id FROM observations WHERE project = ?1 AND content_hash = ?2",
        params![project, hash],
        |r| r.get(0),
        || "look up an observation by content hash".into(),
    )
}

/// Links an observation to the older one it supersedes, unless it already has a link.
pub(crate) fn link_supersedes(
    tx: &Transaction<'_>,
    id: ObservationId,
    older: ObservationId,
) -> Result<()> {
    tx.execute_cached(
        "UPDATE observations SET supersedes = ?2 WHERE id = ?1 AND supersedes IS NULL AND id <> ?2",
        params![id, older],
        || format!("link observation {id} to the one it supersedes"),
    )?;
    Ok(())
}

/// Stores a summary with its original time unless the same session already has one with the
/// same time and content. Returns whether it was inserted.
pub(crate) fn import_summary(tx: &Transaction<'_>, s: &SummaryRow) -> Result<bool> {
    let c = &s.content;
    let exists = tx.exists(
        "SELECT EXISTS (SELECT 1 FROM summaries WHERE session_id = ?1 AND created_at = ?2
           AND request = ?3 AND investigated = ?4 AND learned = ?5 AND completed = ?6
           AND next_steps = ?7 AND notes = ?8)",
        params![
            s.session_id,
            s.created_at,
            c.request,
            c.investigated,
            c.learned,
            c.completed,
            c.next_steps,
            c.notes
        ],
        || format!("look up a summary of session {:?}", s.session_id),
    )?;
    if exists {
        return Ok(false);
    }
    insert_summary_row(tx, &s.session_id, &s.project, c, s.created_at)?;
    Ok(true)
}

/// Stores a ledger row unless an identical one (same project, purpose, model, tokens,
/// outcome, session, events and time) exists. Returns whether it was inserted.
pub(crate) fn import_ledger(tx: &Transaction<'_>, l: &LedgerRow) -> Result<bool> {
    let ids = serde_json::to_string(&l.event_ids).unwrap_or_else(|_| "[]".into());
    let exists = tx.exists(
        "SELECT EXISTS (SELECT 1 FROM extraction_ledger WHERE project = ?1 AND purpose = ?2
           AND model = ?3 AND prompt_tokens = ?4 AND completion_tokens = ?5
           AND outcome = ?6 AND session_id IS ?7 AND created_at = ?8 AND event_ids = ?9)",
        params![
            l.project,
            l.purpose,
            l.model,
            l.prompt_tokens,
            l.completion_tokens,
            l.outcome,
            l.session_id,
            l.created_at,
            ids
        ],
        || "look up a ledger row".into(),
    )?;
    if exists {
        return Ok(false);
    }
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    insert_ledger_at(
        tx,
        &NewLedgerEntry {
            session_id: l.session_id.as_deref(),
            project: &l.project,
            purpose: &l.purpose,
            model: &l.model,
            prompt_tokens: count(l.prompt_tokens),
            completion_tokens: count(l.completion_tokens),
            event_ids: &l.event_ids,
            outcome: &l.outcome,
            detail: l.detail.as_deref(),
            observations: count(l.observations),
        },
        l.created_at,
    )?;
    Ok(true)
}
