//! The store's side of curation (see [`crate::curate`]): observations listed and counted by a
//! filter, an observation rewritten in place, and the injection log.

use super::observations::{OBSERVATION_COLUMNS, index_observation, observation_from_row};
use super::vectors::{Layer, NewVector, put_vectors};
use super::{ConnExt, Store, from_millis, now_millis, to_millis};
use crate::curate::{
    Injection, NewInjection, ObservationCursor, ObservationFilter, ObservationPage,
};
use crate::error::{Error, Result, SqlContext};
use crate::model::{Observation, ObservationId, Scope};
use crate::store::StoredVector;
use crate::sync::ChangeKind;
use crate::sync::EditPayload;
use rusqlite::types::Value;
use rusqlite::{Transaction, params, params_from_iter};

/// The `WHERE` clause of a filter over `observations o`, with its values in order.
fn filter_clause(f: &ObservationFilter) -> (String, Vec<Value>) {
    let mut clause = String::from("1");
    let mut values: Vec<Value> = Vec::new();
    let mut add = |sql: &str, value: Value| {
        clause.push_str(" AND ");
        clause.push_str(sql);
        values.push(value);
    };
    if let Some(project) = &f.project {
        add("o.project = ?", Value::Text(project.clone()));
    }
    if let Some(kind) = &f.kind {
        add("o.kind = ?", Value::Text(kind.as_str().to_owned()));
    }
    if let Some(session) = &f.session_id {
        add("o.session_id = ?", Value::Text(session.clone()));
    }
    if let Some(since) = f.since {
        add("o.created_at >= ?", Value::Integer(to_millis(since)));
    }
    if let Some(until) = f.until {
        add("o.created_at < ?", Value::Integer(to_millis(until)));
    }
    if let Some(query) = &f.query {
        // A query with no word matches nothing, as a search for it finds nothing.
        match super::match_expression(query) {
            Some(expr) => add(
                "o.id IN (SELECT rowid FROM observations_fts WHERE observations_fts MATCH ?)",
                Value::Text(expr),
            ),
            None if query.trim().is_empty() => {}
            None => add("0 AND ?", Value::Null),
        }
    }
    (clause, values)
}

impl Store {
    /// A page of the observations a filter covers, newest first (by creation time, then id),
    /// after `after` when given.
    pub(crate) fn list_observations(
        &self,
        filter: &ObservationFilter,
        after: Option<ObservationCursor>,
        limit: usize,
    ) -> Result<ObservationPage> {
        let (mut clause, mut values) = filter_clause(filter);
        if let Some(c) = after {
            clause.push_str(" AND (o.created_at, o.id) < (?, ?)");
            values.push(Value::Integer(c.created_at_ms));
            values.push(Value::Integer(c.id));
        }
        let limit = limit.clamp(1, 1000);
        values.push(Value::Integer(limit as i64 + 1));
        let sql = format!(
            "SELECT {OBSERVATION_COLUMNS} FROM observations o WHERE {clause}
             ORDER BY o.created_at DESC, o.id DESC LIMIT ?"
        );
        let mut items: Vec<Observation> = self.conn().query_rows_uncached(
            &sql,
            params_from_iter(values),
            observation_from_row,
            || "list observations".into(),
        )?;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|o| ObservationCursor {
                created_at_ms: to_millis(o.created_at),
                id: o.id,
            })
        } else {
            None
        };
        Ok(ObservationPage { items, next })
    }

    /// How many observations a filter covers.
    pub(crate) fn count_observations(&self, filter: &ObservationFilter) -> Result<u64> {
        let (clause, values) = filter_clause(filter);
        let sql = format!("SELECT count(*) FROM observations o WHERE {clause}");
        self.conn()
            .query_single(
                &sql,
                params_from_iter(values),
                |r| r.get::<_, i64>(0),
                || "count observations".into(),
            )
            .map(|n| n.max(0) as u64)
    }

    /// The ids of every observation a filter covers, newest first.
    pub(crate) fn observation_ids(&self, filter: &ObservationFilter) -> Result<Vec<ObservationId>> {
        let (clause, values) = filter_clause(filter);
        let sql = format!(
            "SELECT o.id FROM observations o WHERE {clause} ORDER BY o.created_at DESC, o.id DESC"
        );
        self.conn().query_rows_uncached(
            &sql,
            params_from_iter(values),
            |r| r.get(0),
            || "select the observations of a filter".into(),
        )
    }

    /// Rewrites a stored observation's kind, title, narrative, hash and token count (the
    /// caller prepared them), with its full-text row and its vector, in one transaction.
    /// Refuses an edit that makes it equal to another observation of its project. `edit`, the
    /// fields the user changed, is logged for sync (`None`: the edit comes from the log).
    pub(crate) fn update_observation(
        &self,
        obs: &Observation,
        vector: Option<&StoredVector>,
        edit: Option<&EditPayload>,
    ) -> Result<()> {
        let tx = self.write()?;
        update_in(&tx, obs, vector)?;
        if let Some(edit) = edit {
            let payload = serde_json::to_value(edit).map_err(|source| Error::Json {
                context: format!("encode the edit of observation {}", obs.id),
                source,
            })?;
            super::sync::log_observation_change(&tx, obs, ChangeKind::ObservationEdit, &payload)?;
        }
        tx.commit()
            .ctx(|| format!("commit the edit of observation {}", obs.id))
    }

    /// Keeps an injection (its query already redacted); returns it as stored.
    pub(crate) fn insert_injection(&self, new: &NewInjection) -> Result<Injection> {
        let at = now_millis();
        let ids = |v: &[i64]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        self.conn().execute_cached(
            "INSERT INTO injections (session_id, project, event, query, observation_ids,
                 event_ids, tokens, budget, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                new.session_id,
                new.project,
                new.event,
                new.query,
                ids(&new.observation_ids),
                ids(&new.event_ids),
                new.tokens,
                new.budget,
                at
            ],
            || format!("record an injection into session {:?}", new.session_id),
        )?;
        Ok(Injection {
            id: self.conn().last_insert_rowid(),
            content: new.clone(),
            at: from_millis(at),
        })
    }

    /// The newest injections of a session, or of every session in scope.
    pub(crate) fn injections(
        &self,
        session_id: Option<&str>,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<Injection>> {
        let ids = |text: String| serde_json::from_str::<Vec<i64>>(&text).unwrap_or_default();
        self.conn().query_rows(
            "SELECT id, session_id, project, event, query, observation_ids, event_ids, tokens,
                 budget, at
             FROM injections
             WHERE (?1 IS NULL OR session_id = ?1) AND (?2 IS NULL OR project = ?2)
             ORDER BY at DESC, id DESC LIMIT ?3",
            params![
                session_id,
                scope.project(),
                limit.min(i64::MAX as usize) as i64
            ],
            |r| {
                Ok(Injection {
                    id: r.get(0)?,
                    content: NewInjection {
                        session_id: r.get(1)?,
                        project: r.get(2)?,
                        event: r.get(3)?,
                        query: r.get(4)?,
                        observation_ids: ids(r.get(5)?),
                        event_ids: ids(r.get(6)?),
                        tokens: r.get(7)?,
                        budget: r.get(8)?,
                    },
                    at: from_millis(r.get(9)?),
                })
            },
            || "read injections".into(),
        )
    }
}

/// Rewrites an observation's content in place in the caller's transaction: every field but
/// its id, project, session, provenance, supersession and pin (see
/// [`Store::update_observation`]; sync also uses it to bring a row to its record's state).
pub(crate) fn update_in(
    tx: &Transaction<'_>,
    obs: &Observation,
    vector: Option<&StoredVector>,
) -> Result<()> {
    let id = obs.id;
    let twin: Option<ObservationId> = tx.query_optional(
        "SELECT id FROM observations WHERE project = ?1 AND content_hash = ?2 AND id != ?3",
        params![obs.project, obs.content_hash, id],
        |r| r.get(0),
        || "look up an observation's content hash".into(),
    )?;
    if let Some(twin) = twin {
        return Err(Error::InvalidInput {
            what: "observation edit",
            reason: format!(
                "observation {twin} of project {:?} already says exactly this",
                obs.project
            ),
        });
    }
    let changed = tx.execute_cached(
        "UPDATE observations SET kind = ?2, title = ?3, narrative = ?4, content_hash = ?5,
             token_count = ?6, subtitle = ?7, facts = ?8, context = ?9, concepts = ?10,
             files_read = ?11, files_modified = ?12, created_at = ?13, importance = ?14
         WHERE id = ?1",
        params![
            id,
            obs.kind.as_str(),
            obs.title,
            obs.narrative,
            obs.content_hash,
            obs.token_count,
            obs.subtitle,
            super::json_list(&obs.facts),
            obs.context,
            super::json_list(&obs.concepts),
            super::json_list(&obs.files_read),
            super::json_list(&obs.files_modified),
            super::to_millis(obs.created_at),
            f64::from(obs.importance)
        ],
        || format!("edit observation {id}"),
    )?;
    if changed == 0 {
        return Err(Error::NotFound {
            what: "observation",
            id: id.to_string(),
        });
    }
    tx.execute_cached(
        "DELETE FROM observations_fts WHERE rowid = ?1",
        [id],
        || format!("drop the index row of observation {id}"),
    )?;
    index_observation(tx, id, obs)?;
    if let Some(v) = vector {
        put_vectors(
            tx,
            &v.model,
            v.vector.len(),
            &[NewVector {
                layer: Layer::Observation,
                record: id,
                project: &obs.project,
                vector: &v.vector,
            }],
        )?;
    }
    Ok(())
}
