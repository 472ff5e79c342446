//! Projects and sessions.

use super::{ConnExt, Store, from_millis, now_millis, to_millis};
use crate::error::{Error, Result, SqlContext};
use crate::model::{NewSession, Scope, Session, SessionStatus};
use rusqlite::{Row, Transaction, params};

const SESSION_COLUMNS: &str = "id, project, agent, started_at, ended_at, status";

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<Session> {
    let status: String = row.get(5)?;
    Ok(Session {
        id: row.get(0)?,
        project: row.get(1)?,
        agent: row.get(2)?,
        started_at: from_millis(row.get(3)?),
        ended_at: row.get::<_, Option<i64>>(4)?.map(from_millis),
        status: if status == "ended" {
            SessionStatus::Ended
        } else {
            SessionStatus::Active
        },
    })
}

/// Records a project name the first time it is seen.
pub(crate) fn ensure_project(tx: &Transaction<'_>, name: &str) -> Result<()> {
    insert_project(tx, name, None).map(|_| ())
}

/// Records a project created at `created_at` (ms; now when `None`) unless it exists; true
/// when it was new. The one writer of `projects` rows (recording and import).
pub(crate) fn insert_project(
    tx: &Transaction<'_>,
    name: &str,
    created_at: Option<i64>,
) -> Result<bool> {
    let n = tx.execute_cached(
        "INSERT INTO projects (name, created_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![name, created_at.unwrap_or_else(now_millis)],
        || format!("record project {name:?}"),
    )?;
    Ok(n > 0)
}

/// What [`insert_session`] does with a session whose id is already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IfStored {
    /// Reopen it (active, no end): the host resumed the id.
    Reopen,
    /// Keep it as it is: an import never changes a stored session.
    Keep,
}

/// Writes a session (and its project) in the caller's transaction: the one writer of
/// `sessions` rows (recording and import). A new session is stored as given; a stored one is
/// reopened or kept, as `if_stored` says. True when a row was inserted or reopened.
pub(crate) fn insert_session(
    tx: &Transaction<'_>,
    s: &Session,
    if_stored: IfStored,
) -> Result<bool> {
    ensure_project(tx, &s.project)?;
    let status = match s.status {
        SessionStatus::Active => "active",
        SessionStatus::Ended => "ended",
    };
    let n = tx.execute_cached(
        "INSERT INTO sessions (id, project, agent, started_at, ended_at, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET status = 'active', ended_at = NULL WHERE ?7",
        params![
            s.id,
            s.project,
            s.agent,
            to_millis(s.started_at),
            s.ended_at.map(to_millis),
            status,
            if_stored == IfStored::Reopen
        ],
        || format!("store session {:?}", s.id),
    )?;
    Ok(n > 0)
}

/// A session read inside a transaction.
pub(crate) fn session_in(tx: &rusqlite::Connection, id: &str) -> Result<Option<Session>> {
    tx.query_optional(
        &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1"),
        [id],
        session_from_row,
        || format!("read session {id:?}"),
    )
}

/// The project of a session, read inside a transaction; `None` when there is no such session.
pub(crate) fn session_project(tx: &Transaction<'_>, id: &str) -> Result<Option<String>> {
    tx.query_optional(
        "SELECT project FROM sessions WHERE id = ?1",
        [id],
        |r| r.get(0),
        || format!("look up session {id:?}"),
    )
}

impl Store {
    /// Starts a session, or reopens it when the host resumes an id it used before.
    pub(crate) fn start_session(&self, new: &NewSession) -> Result<Session> {
        let tx = self.write()?;
        let session = Session {
            id: new.id.clone(),
            project: new.project.clone(),
            agent: new.agent.clone(),
            started_at: new.started_at.unwrap_or_else(|| from_millis(now_millis())),
            ended_at: None,
            status: SessionStatus::Active,
        };
        insert_session(&tx, &session, IfStored::Reopen)?;
        tx.commit().ctx(|| format!("commit session {:?}", new.id))?;
        self.session(&new.id)?.ok_or_else(|| Error::NotFound {
            what: "session",
            id: new.id.clone(),
        })
    }

    /// Marks a session ended (idempotent: ending it again keeps the first end time).
    pub(crate) fn end_session(&self, id: &str) -> Result<Session> {
        let changed = self.conn().execute_cached(
            "UPDATE sessions SET status = 'ended', ended_at = coalesce(ended_at, ?2)
             WHERE id = ?1",
            params![id, now_millis()],
            || format!("end session {id:?}"),
        )?;
        if changed == 0 {
            return Err(Error::NotFound {
                what: "session",
                id: id.to_owned(),
            });
        }
        self.session(id)?.ok_or_else(|| Error::NotFound {
            what: "session",
            id: id.to_owned(),
        })
    }

    /// One session by id.
    pub(crate) fn session(&self, id: &str) -> Result<Option<Session>> {
        self.conn().query_optional(
            &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1"),
            [id],
            session_from_row,
            || format!("read session {id:?}"),
        )
    }

    /// The project of a session, if the session exists.
    pub(crate) fn session_project(&self, id: &str) -> Result<Option<String>> {
        self.conn().query_optional(
            "SELECT project FROM sessions WHERE id = ?1",
            [id],
            |r| r.get(0),
            || format!("read the project of session {id:?}"),
        )
    }

    /// The most recent sessions in scope, newest first.
    pub(crate) fn recent_sessions(&self, scope: &Scope, limit: usize) -> Result<Vec<Session>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions
             WHERE (?1 IS NULL OR project = ?1) ORDER BY started_at DESC, id LIMIT ?2"
        );
        self.conn().query_rows(
            &sql,
            params![scope.project(), limit],
            session_from_row,
            || "list recent sessions".into(),
        )
    }

    /// Sessions (of `project`, or all) ended before `ended_before` that have a prompt, no
    /// pending event and no summary, oldest first: their summary was lost (an extractor that
    /// died at SessionEnd).
    pub(crate) fn ended_sessions_without_summary(
        &self,
        project: Option<&str>,
        ended_before: time::OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<String>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let ended_before = to_millis(ended_before);
        self.conn().query_rows(
            "SELECT s.id FROM sessions s
             WHERE s.status = 'ended' AND (?1 IS NULL OR s.project = ?1)
               AND s.ended_at <= ?3
               AND NOT EXISTS (SELECT 1 FROM summaries m WHERE m.session_id = s.id)
               AND EXISTS (SELECT 1 FROM events e
                           WHERE e.session_id = s.id AND e.type = 'user_prompt')
               AND NOT EXISTS (SELECT 1 FROM events e
                               WHERE e.session_id = s.id AND e.status = 'pending')
             ORDER BY s.ended_at, s.id LIMIT ?2",
            params![project, limit, ended_before],
            |r| r.get(0),
            || "list ended sessions without a summary".into(),
        )
    }

    /// Every project name in the store, sorted.
    pub(crate) fn projects(&self) -> Result<Vec<String>> {
        self.conn().query_rows(
            "SELECT name FROM projects ORDER BY name",
            [],
            |r| r.get(0),
            || "list projects".into(),
        )
    }
}
