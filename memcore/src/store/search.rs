//! The SQL of recall: full-text candidates ranked by FTS5's `bm25()`, the filters every
//! candidate query shares, stored vectors for the in-memory vector index, and the neighbours
//! of an anchor for the timeline. Scoring and fusion live above, in `recall`.

use super::events::{EVENT_COLUMNS, event_from_row};
use super::fts::query_tokens;
use super::observations::{OBSERVATION_COLUMNS, observation_from_row};
use super::{ConnExt, Store, placeholders};
use crate::error::Result;
use crate::model::{Event, Observation, ObservationId};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter};
use std::collections::HashMap;

/// What every candidate query filters on; empty lists and `None` filter nothing.
#[derive(Debug, Clone, Default)]
pub(crate) struct CandidateFilter {
    /// Only this project (`None`: every project).
    pub project: Option<String>,
    /// Only these kinds, by stored name.
    pub kinds: Vec<String>,
    /// Only observations that read or modified one of these files. A path matches a stored
    /// one when they are equal or one ends with `/` followed by the other, so `token.rs`,
    /// `src/auth/token.rs` and `/home/me/app/src/auth/token.rs` all find `src/auth/token.rs`.
    pub files: Vec<String>,
    /// Only observations tagged with one of these concepts.
    pub concepts: Vec<String>,
    /// Only observations of this session.
    pub session_id: Option<String>,
    /// Only observations created at or after this time (ms since the epoch).
    pub since_ms: Option<i64>,
    /// Only observations created before this time (ms since the epoch).
    pub until_ms: Option<i64>,
}

impl CandidateFilter {
    /// Whether anything beyond the project narrows the candidates.
    pub(crate) fn narrows(&self) -> bool {
        !self.kinds.is_empty()
            || !self.files.is_empty()
            || !self.concepts.is_empty()
            || self.session_id.is_some()
            || self.since_ms.is_some()
            || self.until_ms.is_some()
    }

    /// `AND ...` clauses over the observations table aliased `o`, pushing their values.
    fn clauses(&self, values: &mut Vec<Value>) -> String {
        let mut sql = String::new();
        if let Some(project) = &self.project {
            sql.push_str(" AND o.project = ?");
            values.push(Value::Text(project.clone()));
        }
        if !self.kinds.is_empty() {
            sql.push_str(&format!(
                " AND o.kind IN ({})",
                placeholders(self.kinds.len())
            ));
            values.extend(self.kinds.iter().cloned().map(Value::Text));
        }
        if let Some(session) = &self.session_id {
            sql.push_str(" AND o.session_id = ?");
            values.push(Value::Text(session.clone()));
        }
        if let Some(since) = self.since_ms {
            sql.push_str(" AND o.created_at >= ?");
            values.push(Value::Integer(since));
        }
        if let Some(until) = self.until_ms {
            sql.push_str(" AND o.created_at < ?");
            values.push(Value::Integer(until));
        }
        if !self.files.is_empty() {
            let one = "(p.path = ?1 OR substr(p.path, -length(?1) - 1) = '/' || ?1
                        OR substr(?1, -length(p.path) - 1) = '/' || p.path)";
            let any: Vec<String> = self
                .files
                .iter()
                .map(|path| {
                    values.push(Value::Text(path.clone()));
                    // The path is compared three times: refer to its one value by number.
                    let n = values.len();
                    one.replace("?1", &format!("?{n}"))
                })
                .collect();
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM observation_files p
                              WHERE p.observation_id = o.id AND ({}))",
                any.join(" OR ")
            ));
        }
        if !self.concepts.is_empty() {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM json_each(o.concepts) c WHERE c.value IN ({}))",
                placeholders(self.concepts.len())
            ));
            values.extend(self.concepts.iter().cloned().map(Value::Text));
        }
        sql
    }
}

/// An FTS5 expression matching any of `tokens`, each quoted so it is a plain word (query
/// tokens hold only letters and digits, never a quote).
fn any_of(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// A query word and how common it is, estimated from the newest observations.
struct Frequency<'a> {
    /// About how many documents of the store hold it.
    documents: f64,
    /// The share of the newest observations that hold it.
    share: f64,
    token: &'a String,
}

/// Where word frequencies are estimated: the newest `window` observations, from id `floor`
/// on; one match among them stands for `scale` documents of the store.
struct Sample {
    floor: i64,
    window: usize,
    scale: f64,
}

/// Every `?` placeholder in `sql` numbered in order (`?1`, `?2`...), leaving numbered ones
/// as they are, so plain and numbered placeholders can be built together.
pub(super) fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0usize;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '?' {
            if chars.peek().is_some_and(char::is_ascii_digit) {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                n = n.max(digits.parse().unwrap_or(0));
                out.push_str(&digits);
            } else {
                n += 1;
                out.push_str(&n.to_string());
            }
        }
    }
    out
}

impl Store {
    /// Full-text candidates for a user's query: the best `limit` observations by FTS5's
    /// `bm25()` with the given column weights (`bm25(w1, ..., w8)` in the order of the
    /// `observations_fts` columns), as `(id, rank)` with FTS5's rank (negative, lower is
    /// better), best first.
    ///
    /// FTS5 scores every document that holds a query word (under a microsecond each), and
    /// before the first score it counts the documents of every word of the expression, over
    /// whole index lists (about 50 ns a document): a word found in half of 100,000 documents
    /// costs 2.5 ms before anything is ranked. So in a store of more than `scan_budget`
    /// observations, each word's document frequency is first estimated from the newest
    /// observations (an eighth of the budget of them), and a query whose words together
    /// occur in more than `scan_budget` documents is ranked in bounded passes (see
    /// [`Store::tiered_candidates`]). Otherwise, and always in a store of at most
    /// `scan_budget` observations, the ranking is exact.
    pub(crate) fn text_candidates(
        &self,
        query: &str,
        column_weights: &[f64; 8],
        filter: &CandidateFilter,
        limit: usize,
        scan_budget: usize,
    ) -> Result<Vec<(ObservationId, f64)>> {
        let tokens = query_tokens(query);
        if tokens.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let scan_budget = scan_budget.max(1);
        let filter = self.effective_filter(filter)?;
        let Some(sample) = self.sample(scan_budget)? else {
            // A small store: every match is scored.
            return self.ranked_matches(&any_of(&tokens), column_weights, &filter, limit, None);
        };
        let mut words: Vec<Frequency<'_>> = Vec::with_capacity(tokens.len());
        for token in &tokens {
            let seen = self.count_since(&any_of(std::slice::from_ref(token)), sample.floor)?;
            words.push(Frequency {
                documents: seen as f64 * sample.scale,
                share: seen as f64 / sample.window as f64,
                token,
            });
        }
        let total: f64 = words.iter().map(|w| w.documents).sum();
        if total <= scan_budget as f64 {
            return self.ranked_matches(&any_of(&tokens), column_weights, &filter, limit, None);
        }
        words.sort_by(|a, b| {
            a.documents
                .total_cmp(&b.documents)
                .then(a.token.cmp(b.token))
        });
        self.tiered_candidates(&words, column_weights, &filter, limit, scan_budget)
    }

    /// The ranking of a query whose words are too common to score every match, in bounded
    /// passes. `words` holds each word with its estimated document frequency, rarest first.
    ///
    /// * The *scored* words are the rarest ones whose frequencies add up to at most
    ///   `scan_budget` (and at least enough of them to be found in about twice `limit`
    ///   documents): BM25 is computed over them only. A word beyond them occurs in so many
    ///   documents that it says little about any one (BM25 gives it a low weight, and none
    ///   at all past half of the documents), while scoring it would cost a pass over its
    ///   whole index list on every search.
    /// * The *essential* words, the rarest ones whose frequencies add up to at most an
    ///   eighth of the budget, are searched in the whole store: every document holding one
    ///   is scored, on the essential words (exact for a document without another scored
    ///   word), then on every scored word for those that also hold another one (the
    ///   expression `(others...) AND (essential...)` names each word once, so its BM25 is
    ///   that of all the scored words).
    /// * The newest documents of the scope that hold a scored word are scored on every
    ///   scored word (a window of at least an eighth of the budget, large enough for about
    ///   twice `limit` of its documents to hold one): documents with only the commoner
    ///   words, from the recent past.
    ///
    /// Missed: older documents that hold only commoner words, and the share of the score
    /// that words too common to score would add. The vector side, which searches the whole
    /// scope, catches most of the rest.
    fn tiered_candidates(
        &self,
        words: &[Frequency<'_>],
        weights: &[f64; 8],
        filter: &CandidateFilter,
        limit: usize,
        scan_budget: usize,
    ) -> Result<Vec<(ObservationId, f64)>> {
        let rarest = |budget: f64| {
            let mut total = 0.0;
            words
                .iter()
                .take_while(|w| {
                    total += w.documents;
                    total <= budget
                })
                .count()
        };
        // Enough words to supply about twice `limit` documents, however rare they are.
        let mut supply = 0.0;
        let enough = words
            .iter()
            .position(|w| {
                supply += w.documents;
                supply >= 2.0 * limit as f64
            })
            .map_or(words.len(), |i| i + 1);
        let scored = rarest(scan_budget as f64).max(enough).max(1);
        let essential = rarest((scan_budget / 8) as f64).min(scored);
        let tokens = |range: std::ops::Range<usize>| -> Vec<String> {
            words[range].iter().map(|w| w.token.clone()).collect()
        };
        let mut scores: HashMap<ObservationId, f64> = HashMap::new();
        if essential > 0 {
            let rare = any_of(&tokens(0..essential));
            for (id, r) in self.ranked_matches(&rare, weights, filter, limit, None)? {
                scores.insert(id, r);
            }
            if scored > essential {
                let both = format!("({}) AND ({rare})", any_of(&tokens(essential..scored)));
                for (id, r) in self.ranked_matches(&both, weights, filter, limit, None)? {
                    scores.insert(id, r);
                }
            }
        }
        let all = any_of(&tokens(0..scored));
        let share: f64 = words[..scored].iter().map(|w| w.share).sum();
        let needed = (2.0 * limit as f64 / share.clamp(1e-3, 1.0)).ceil() as usize;
        let mut window = (scan_budget / 8).max(needed).max(limit);
        loop {
            let floor = self.newest_floor(filter.project.as_deref(), window)?;
            for (id, r) in self.ranked_matches(&all, weights, filter, limit, Some(floor))? {
                scores.insert(id, r);
            }
            // A scope whose newest documents rarely match widens its window.
            if scores.len() >= limit || floor <= 0 {
                break;
            }
            window = window.saturating_mul(4);
        }
        let mut ranked: Vec<(ObservationId, f64)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        ranked.truncate(limit);
        Ok(ranked)
    }

    /// Where the frequency estimates of a store of more than `scan_budget` observations look:
    /// its newest observations, an eighth of the budget of them (at least 64). `None` for a
    /// smaller store, which is scored exactly.
    fn sample(&self, scan_budget: usize) -> Result<Option<Sample>> {
        let window = (scan_budget / 8).max(64);
        let (newest, floor): (i64, Option<i64>) = self.conn().query_single(
            "SELECT coalesce(max(id), 0),
                    (SELECT id FROM observations ORDER BY id DESC LIMIT 1 OFFSET ?1)
             FROM observations",
            [i64::try_from(window - 1).unwrap_or(i64::MAX)],
            |r| Ok((r.get(0)?, r.get(1)?)),
            || "find the newest observations".into(),
        )?;
        let Some(floor) = floor.filter(|_| usize::try_from(newest).unwrap_or(0) > scan_budget)
        else {
            return Ok(None);
        };
        // Ids are handed out in order, so the store holds about `newest / span` times as many
        // observations as the window (fewer where some were deleted).
        let span = (newest - floor + 1).max(1) as f64;
        Ok(Some(Sample {
            floor,
            window,
            scale: newest as f64 / span,
        }))
    }

    /// How many documents with an id of at least `floor` match an FTS5 expression.
    fn count_since(&self, expression: &str, floor: i64) -> Result<usize> {
        let n = self.conn().query_single(
            "SELECT count(*) FROM observations_fts
             WHERE observations_fts MATCH ?1 AND rowid >= ?2",
            params![expression, floor],
            |r| r.get::<_, i64>(0),
            || format!("count the recent matches of {expression:?}"),
        )?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// `filter` without its project when the store holds no other project and nothing else
    /// narrows: the candidate queries then need not join the observations table (a quarter
    /// of the cost of scoring a document).
    fn effective_filter(&self, filter: &CandidateFilter) -> Result<CandidateFilter> {
        let Some(project) = filter.project.as_deref() else {
            return Ok(filter.clone());
        };
        if filter.narrows() {
            return Ok(filter.clone());
        }
        // Two seeks in the `(project, created_at)` index.
        let other = self.conn().exists(
            "SELECT EXISTS (SELECT 1 FROM observations WHERE project < ?1)
                 OR EXISTS (SELECT 1 FROM observations WHERE project > ?1)",
            [project],
            || "look for other projects".into(),
        )?;
        Ok(if other {
            filter.clone()
        } else {
            CandidateFilter::default()
        })
    }

    /// The lowest id among the `n` newest observations of the scope (0 when it has fewer),
    /// so `rowid >= floor` covers at least them.
    fn newest_floor(&self, project: Option<&str>, n: usize) -> Result<i64> {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        let sql = match project {
            Some(_) => {
                "SELECT count(*), coalesce(min(id), 0) FROM (SELECT id FROM observations
                 WHERE project = ?1 ORDER BY created_at DESC LIMIT ?2)"
            }
            None => {
                "SELECT count(*), coalesce(min(id), 0) FROM (SELECT id FROM observations
                 WHERE ?1 IS NULL ORDER BY id DESC LIMIT ?2)"
            }
        };
        let (count, floor): (i64, i64) = self.conn().query_single(
            sql,
            params![project, n],
            |r| Ok((r.get(0)?, r.get(1)?)),
            || "find the newest observations in scope".into(),
        )?;
        Ok(if count < n { 0 } else { floor })
    }

    /// The best `limit` observations matching `expression` that pass `filter` (and have an
    /// id of at least `floor`), ranked by `bm25()` with `weights`, best (lowest) first.
    ///
    /// Scores are read unordered and the best kept here: FTS5's own `ORDER BY rank` prepares
    /// and runs a second statement per query to sort, which costs more than the sort.
    fn ranked_matches(
        &self,
        expression: &str,
        weights: &[f64; 8],
        filter: &CandidateFilter,
        limit: usize,
        floor: Option<i64>,
    ) -> Result<Vec<(ObservationId, f64)>> {
        // Values in the order of their placeholders: weights, expression, floor, filter.
        let mut values: Vec<Value> = weights
            .iter()
            .map(|w| Value::Real(if w.is_finite() { w.max(0.0) } else { 0.0 }))
            .collect();
        values.push(Value::Text(expression.to_owned()));
        let mut clauses = String::new();
        if let Some(floor) = floor {
            clauses.push_str(" AND observations_fts.rowid >= ?");
            values.push(Value::Integer(floor));
        }
        let filtered = filter.clauses(&mut values);
        // The observations table is joined only for a filter on its columns.
        let join = if filtered.is_empty() {
            ""
        } else {
            " JOIN observations o ON o.id = observations_fts.rowid"
        };
        clauses.push_str(&filtered);
        let sql = number_placeholders(&format!(
            "SELECT observations_fts.rowid, bm25(observations_fts, ?, ?, ?, ?, ?, ?, ?, ?)
             FROM observations_fts{join}
             WHERE observations_fts MATCH ?{clauses}"
        ));
        let mut best: Vec<(ObservationId, f64)> = self.conn().query_rows(
            &sql,
            params_from_iter(values),
            |r| Ok((r.get(0)?, r.get(1)?)),
            || format!("search the full-text index for {expression:?}"),
        )?;
        let order = |a: &(ObservationId, f64), b: &(ObservationId, f64)| {
            a.1.total_cmp(&b.1).then(b.0.cmp(&a.0))
        };
        if best.len() > limit {
            best.select_nth_unstable_by(limit, order);
            best.truncate(limit);
        }
        best.sort_by(order);
        Ok(best)
    }

    /// Among the newest `window` observations of `project`, those tagged with one of
    /// `concepts` and not superseded, newest first. Bounded by the window, so it costs the same
    /// on any store (the `(project, created_at)` index serves it).
    pub(crate) fn recent_with_concepts(
        &self,
        project: &str,
        concepts: &[&str],
        window: usize,
    ) -> Result<Vec<ObservationId>> {
        let mut values: Vec<Value> = vec![
            Value::Text(project.to_owned()),
            Value::Integer(i64::try_from(window).unwrap_or(i64::MAX)),
        ];
        // The concepts column is a JSON list written by `json_list`: a concept is in it as
        // its quoted JSON string, which `instr` finds without parsing every row's list.
        values.extend(
            concepts
                .iter()
                .map(|c| Value::Text(serde_json::to_string(c).unwrap_or_default())),
        );
        let any = (3..3 + concepts.len())
            .map(|i| format!("instr(r.concepts, ?{i}) > 0"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let sql = format!(
            "SELECT r.id FROM (SELECT id, concepts, created_at FROM observations
                               WHERE project = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2) r
             WHERE ({any})
               AND NOT EXISTS (SELECT 1 FROM observations n WHERE n.supersedes = r.id)
             ORDER BY r.created_at DESC, r.id DESC"
        );
        self.conn().query_rows(
            &sql,
            params_from_iter(values),
            |r| r.get(0),
            || format!("list the open items of project {project:?}"),
        )
    }

    /// The newest `limit` observations passing `filter`: the candidates of a query with no
    /// words.
    pub(crate) fn recent_candidates(
        &self,
        filter: &CandidateFilter,
        limit: usize,
    ) -> Result<Vec<ObservationId>> {
        let mut values = Vec::new();
        let clauses = filter.clauses(&mut values);
        values.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        let sql = number_placeholders(&format!(
            "SELECT o.id FROM observations o WHERE 1{clauses}
             ORDER BY o.created_at DESC, o.id DESC LIMIT ?"
        ));
        self.conn().query_rows(
            &sql,
            params_from_iter(values),
            |r| r.get(0),
            || "list recent observations for recall".into(),
        )
    }

    /// The ids among `ids` that pass `filter`.
    pub(crate) fn filter_ids(
        &self,
        ids: &[ObservationId],
        filter: &CandidateFilter,
    ) -> Result<Vec<ObservationId>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut values: Vec<Value> = ids.iter().map(|id| Value::Integer(*id)).collect();
        let clauses = filter.clauses(&mut values);
        let sql = number_placeholders(&format!(
            "SELECT o.id FROM observations o WHERE o.id IN ({}){clauses}",
            placeholders(ids.len())
        ));
        self.conn().query_rows_uncached(
            &sql,
            params_from_iter(values),
            |r| r.get(0),
            || "filter recall candidates".into(),
        )
    }

    /// Up to `limit` observations in scope just before (`before = true`, newest first) or
    /// just after (oldest first) the position (`at_ms`, `id`): ordered by creation time, ties
    /// by id.
    pub(crate) fn observations_beside(
        &self,
        project: Option<&str>,
        at_ms: i64,
        id: ObservationId,
        before: bool,
        limit: usize,
    ) -> Result<Vec<Observation>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (scope, cmp, order) = beside(project, "o.project", before);
        let sql = format!(
            "SELECT {OBSERVATION_COLUMNS} FROM observations o
             WHERE {scope} AND (o.created_at, o.id) {cmp} (?2, ?3)
             ORDER BY o.created_at {order}, o.id {order} LIMIT ?4"
        );
        self.conn().query_rows(
            &sql,
            params![project, at_ms, id, limit],
            observation_from_row,
            || "read the observations around an anchor".into(),
        )
    }

    /// Up to `limit` user prompts in scope just before (newest first) or just after (oldest
    /// first) the position (`at_ms`, `id`), ordered by time, ties by event id.
    pub(crate) fn prompts_beside(
        &self,
        project: Option<&str>,
        at_ms: i64,
        id: i64,
        before: bool,
        limit: usize,
    ) -> Result<Vec<Event>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (scope, cmp, order) = beside(project, "project", before);
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events
             WHERE type = 'user_prompt' AND {scope} AND (occurred_at, id) {cmp} (?2, ?3)
             ORDER BY occurred_at {order}, id {order} LIMIT ?4"
        );
        self.conn().query_rows(
            &sql,
            params![project, at_ms, id, limit],
            event_from_row,
            || "read the prompts around an anchor".into(),
        )
    }

    /// One observation's project and creation time, if it exists.
    pub(crate) fn observation_position(&self, id: ObservationId) -> Result<Option<(String, i64)>> {
        self.conn().query_optional(
            "SELECT project, created_at FROM observations WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
            || format!("look up observation {id}"),
        )
    }
}

/// The parts of a "just before / just after a position" query: the scope test on
/// `project_column` (`?1`; a plain equality when there is a project, so that the
/// `(project, time)` index serves the query), the comparison of `(time, id)` with the position
/// `(?2, ?3)`, and the sort direction.
fn beside(
    project: Option<&str>,
    project_column: &str,
    before: bool,
) -> (String, &'static str, &'static str) {
    let scope = match project {
        Some(_) => format!("{project_column} = ?1"),
        None => "?1 IS NULL".to_owned(),
    };
    if before {
        (scope, "<", "DESC")
    } else {
        (scope, ">", "ASC")
    }
}

#[cfg(test)]
mod tests {
    use super::number_placeholders;

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(number_placeholders("a = ? AND b = ?"), "a = ?1 AND b = ?2");
        assert_eq!(
            number_placeholders("a = ? AND (x = ?2 OR y = ?2) AND c = ?"),
            "a = ?1 AND (x = ?2 OR y = ?2) AND c = ?3"
        );
    }
}
