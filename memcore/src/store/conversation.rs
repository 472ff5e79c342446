//! The SQL of the conversation layer: full-text candidates from `conversation_fts` (every
//! event in short form, rowid = event id; written by `events::index_event`) and the records
//! behind them.

use super::fts::query_tokens;
use super::{ConnExt, Store, from_millis, placeholders};
use crate::error::Result;
use crate::model::{ConversationRecord, EventId};
use rusqlite::params_from_iter;
use rusqlite::types::Value;

/// What a conversation candidate query filters on; `None` filters nothing.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConversationFilter {
    /// Only this project (`None`: every project).
    pub project: Option<String>,
    /// Only this session.
    pub session_id: Option<String>,
    /// Only events at or after this time (ms).
    pub since_ms: Option<i64>,
    /// Only events before this time (ms).
    pub until_ms: Option<i64>,
    /// Leave out events of this session (the one asking: its own prompt is no memory).
    pub exclude_session: Option<String>,
}

impl ConversationFilter {
    /// `AND ...` clauses over the events table aliased `e`, pushing their values.
    fn clauses(&self, values: &mut Vec<Value>) -> String {
        let mut sql = String::new();
        let mut push = |clause: &str, value: Value| {
            sql.push_str(clause);
            values.push(value);
        };
        if let Some(project) = &self.project {
            push(" AND e.project = ?", Value::Text(project.clone()));
        }
        if let Some(session) = &self.session_id {
            push(" AND e.session_id = ?", Value::Text(session.clone()));
        }
        if let Some(session) = &self.exclude_session {
            push(" AND e.session_id <> ?", Value::Text(session.clone()));
        }
        if let Some(since) = self.since_ms {
            push(" AND e.occurred_at >= ?", Value::Integer(since));
        }
        if let Some(until) = self.until_ms {
            push(" AND e.occurred_at < ?", Value::Integer(until));
        }
        sql
    }
}

impl Store {
    /// The best `limit` conversation records for a user's query by FTS5's `bm25()` (the short
    /// form at weight 1, a tool call's outcome at `outcome_weight`, identifier parts at
    /// `terms_weight`), as `(event id, rank)` with
    /// FTS5's rank (negative, lower is better), best first. The query's words are matched one
    /// by one, like the observation index's.
    pub(crate) fn conversation_candidates(
        &self,
        query: &str,
        outcome_weight: f64,
        terms_weight: f64,
        filter: &ConversationFilter,
        limit: usize,
    ) -> Result<Vec<(EventId, f64)>> {
        let tokens = query_tokens(query);
        if tokens.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let expression = tokens
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" OR ");
        let weight = |w: f64| Value::Real(if w.is_finite() { w.max(0.0) } else { 0.0 });
        let mut values = vec![
            weight(outcome_weight),
            weight(terms_weight),
            Value::Text(expression.clone()),
        ];
        let clauses = filter.clauses(&mut values);
        let sql = super::search::number_placeholders(&format!(
            "SELECT f.rowid, bm25(conversation_fts, 1.0, ?1, ?2)
             FROM conversation_fts f JOIN events e ON e.id = f.rowid
             WHERE conversation_fts MATCH ?3{clauses}"
        ));
        let mut best: Vec<(EventId, f64)> = self.conn().query_rows(
            &sql,
            params_from_iter(values),
            |r| Ok((r.get(0)?, r.get(1)?)),
            || format!("search the conversation index for {expression:?}"),
        )?;
        let order =
            |a: &(EventId, f64), b: &(EventId, f64)| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0));
        if best.len() > limit {
            best.select_nth_unstable_by(limit, order);
            best.truncate(limit);
        }
        best.sort_by(order);
        Ok(best)
    }

    /// Those of `ids` that pass `filter`, in the order given.
    pub(crate) fn filter_conversation_ids(
        &self,
        ids: &[EventId],
        filter: &ConversationFilter,
    ) -> Result<Vec<EventId>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut values: Vec<Value> = ids.iter().map(|id| Value::Integer(*id)).collect();
        let clauses = filter.clauses(&mut values);
        let sql = super::search::number_placeholders(&format!(
            "SELECT e.id FROM events e WHERE e.id IN ({}){clauses}",
            placeholders(ids.len())
        ));
        let passed: std::collections::HashSet<EventId> = self.conn().query_rows(
            &sql,
            params_from_iter(values),
            |r| r.get(0),
            || "filter conversation candidates".into(),
        )?;
        Ok(ids
            .iter()
            .copied()
            .filter(|id| passed.contains(id))
            .collect())
    }

    /// The conversation records of `ids` (events that have a short form), in id order.
    pub(crate) fn conversation_records(&self, ids: &[EventId]) -> Result<Vec<ConversationRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT e.id, e.session_id, e.project, e.type, e.payload, f.text, f.outcome,
                    e.occurred_at
             FROM events e JOIN conversation_fts f ON f.rowid = e.id
             WHERE e.id IN ({}) ORDER BY e.id",
            placeholders(ids.len())
        );
        self.conn().query_rows_uncached(
            &sql,
            params_from_iter(ids),
            |r| {
                let role: String = r.get(3)?;
                let payload: String = r.get(4)?;
                let tool = (role == "tool_use").then(|| tool_name(&payload)).flatten();
                let text: String = r.get(5)?;
                let outcome: String = r.get(6)?;
                let text = crate::conversation::ShortForm { text, outcome }.joined();
                Ok(ConversationRecord {
                    event_id: r.get(0)?,
                    session_id: r.get(1)?,
                    project: r.get(2)?,
                    role,
                    tool,
                    text,
                    occurred_at: from_millis(r.get(7)?),
                })
            },
            || "read conversation records".into(),
        )
    }
}

impl Store {
    /// Up to `n` records just before (`after = false`, nearest first) or just after `record`
    /// in its session, by time then id, among events that have a short form.
    pub(crate) fn conversation_neighbors(
        &self,
        record: &ConversationRecord,
        after: bool,
        n: usize,
    ) -> Result<Vec<ConversationRecord>> {
        let (cmp, order) = if after { (">", "ASC") } else { ("<", "DESC") };
        let sql = format!(
            "SELECT e.id FROM events e JOIN conversation_fts f ON f.rowid = e.id
             WHERE e.project = ?1 AND e.session_id = ?2 AND (e.occurred_at, e.id) {cmp} (?3, ?4)
             ORDER BY e.occurred_at {order}, e.id {order} LIMIT ?5"
        );
        let ids: Vec<EventId> = self.conn().query_rows(
            &sql,
            rusqlite::params![
                record.project,
                record.session_id,
                super::to_millis(record.occurred_at),
                record.event_id,
                i64::try_from(n).unwrap_or(i64::MAX)
            ],
            |r| r.get(0),
            || {
                format!(
                    "find the neighbours of conversation record {}",
                    record.event_id
                )
            },
        )?;
        let mut records = self.conversation_records(&ids)?;
        // Nearest first, as the ids came.
        records.sort_by_key(|r| ids.iter().position(|id| *id == r.event_id));
        Ok(records)
    }
}

/// The tool name of a stored tool-use payload.
fn tool_name(payload: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()?
        .get("tool_name")?
        .as_str()
        .map(str::to_owned)
}
