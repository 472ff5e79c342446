//! Session summaries and their full-text rows.

use super::{ConnExt, Store, from_millis, now_millis, to_millis};
use crate::error::{Error, Result, SqlContext};
use crate::model::{NewSummary, Scope, Summary};
use rusqlite::{Row, Transaction, params};
use time::OffsetDateTime;

pub(crate) const SUMMARY_COLUMNS: &str = "id, session_id, project, request, investigated, learned, completed, next_steps, notes, created_at";

pub(crate) fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<Summary> {
    Ok(Summary {
        id: row.get(0)?,
        session_id: row.get(1)?,
        project: row.get(2)?,
        content: NewSummary {
            request: row.get(3)?,
            investigated: row.get(4)?,
            learned: row.get(5)?,
            completed: row.get(6)?,
            next_steps: row.get(7)?,
            notes: row.get(8)?,
        },
        created_at: from_millis(row.get(9)?),
    })
}

/// Writes a summary row and its full-text row in the caller's transaction: the one writer of
/// `summaries` rows (recording and import). Returns its id. A summary of a shared project is
/// logged for sync.
pub(crate) fn insert_summary_row(
    tx: &Transaction<'_>,
    session_id: &str,
    project: &str,
    s: &NewSummary,
    created_at: i64,
) -> Result<i64> {
    let id = insert_summary_unlogged(tx, session_id, project, s, created_at)?;
    let summary = tx.query_single(
        &format!("SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id = ?1"),
        [id],
        summary_from_row,
        || format!("read summary {id}"),
    )?;
    super::sync::log_summary_put(tx, &summary)?;
    Ok(id)
}

/// [`insert_summary_row`] without the sync log (a summary that comes from the log).
pub(crate) fn insert_summary_unlogged(
    tx: &Transaction<'_>,
    session_id: &str,
    project: &str,
    s: &NewSummary,
    created_at: i64,
) -> Result<i64> {
    tx.execute_cached(
        "INSERT INTO summaries (session_id, project, request, investigated, learned,
                                completed, next_steps, notes, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            session_id,
            project,
            s.request,
            s.investigated,
            s.learned,
            s.completed,
            s.next_steps,
            s.notes,
            created_at
        ],
        || format!("store the summary of session {session_id:?}"),
    )?;
    let id = tx.last_insert_rowid();
    tx.execute_cached(
        "INSERT INTO summaries_fts (rowid, request, investigated, learned, completed,
                                    next_steps, notes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id,
            s.request,
            s.investigated,
            s.learned,
            s.completed,
            s.next_steps,
            s.notes
        ],
        || format!("index summary {id}"),
    )?;
    Ok(id)
}

impl Store {
    /// Stores a summary (already redacted) of an existing session, with its index row, dated
    /// `created_at` (the session's own time; now when `None`).
    pub(crate) fn insert_summary(
        &self,
        session_id: &str,
        s: &NewSummary,
        created_at: Option<OffsetDateTime>,
    ) -> Result<Summary> {
        let tx = self.write()?;
        let project =
            super::sessions::session_project(&tx, session_id)?.ok_or_else(|| Error::NotFound {
                what: "session",
                id: session_id.to_owned(),
            })?;
        let id = insert_summary_row(
            &tx,
            session_id,
            &project,
            s,
            created_at.map_or_else(now_millis, to_millis),
        )?;
        tx.commit()
            .ctx(|| format!("commit the summary of session {session_id:?}"))?;
        self.conn().query_single(
            &format!("SELECT {SUMMARY_COLUMNS} FROM summaries WHERE id = ?1"),
            [id],
            summary_from_row,
            || format!("read summary {id}"),
        )
    }

    /// The newest summaries in scope, newest first.
    pub(crate) fn recent_summaries(&self, scope: &Scope, limit: usize) -> Result<Vec<Summary>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.conn().query_rows(
            &format!(
                "SELECT {SUMMARY_COLUMNS} FROM summaries WHERE (?1 IS NULL OR project = ?1)
                 ORDER BY created_at DESC, id DESC LIMIT ?2"
            ),
            params![scope.project(), limit],
            summary_from_row,
            || "list recent summaries".into(),
        )
    }

    /// The summaries of one session, oldest first.
    pub(crate) fn session_summaries(&self, session_id: &str) -> Result<Vec<Summary>> {
        self.conn().query_rows(
            &format!(
                "SELECT {SUMMARY_COLUMNS} FROM summaries WHERE session_id = ?1
                 ORDER BY created_at, id"
            ),
            [session_id],
            summary_from_row,
            || format!("read the summaries of session {session_id:?}"),
        )
    }

    /// Counts summaries in scope.
    pub(crate) fn count_summaries(&self, scope: &Scope) -> Result<u64> {
        self.conn().query_single(
            "SELECT count(*) FROM summaries WHERE (?1 IS NULL OR project = ?1)",
            [scope.project()],
            |r| r.get::<_, i64>(0).map(|n| n as u64),
            || "count summaries".into(),
        )
    }

    /// Counts sessions in scope.
    pub(crate) fn count_sessions(&self, scope: &Scope) -> Result<u64> {
        self.conn().query_single(
            "SELECT count(*) FROM sessions WHERE (?1 IS NULL OR project = ?1)",
            [scope.project()],
            |r| r.get::<_, i64>(0).map(|n| n as u64),
            || "count sessions".into(),
        )
    }
}
