//! [`Memory::search`]: candidates from the full-text index and the vector index, fused into
//! one explained score.
//!
//! [`Memory::search`]: crate::Memory::search

use super::vectors::{self, VectorQuery};
use super::{Recall, rank};
use crate::error::Result;
use crate::model::{Observation, ObservationId, ObservationKind, Scope};
use crate::store::search::CandidateFilter;
use crate::store::vectors::Layer;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use time::OffsetDateTime;

/// Which signals a search uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMode {
    /// Full text and vectors, fused (vectors only when an embedder is set).
    #[default]
    Fused,
    /// Full text (BM25) only.
    Lexical,
    /// Vectors only; finds nothing without an embedder.
    Vector,
}

/// What a search may return; every condition must hold. Empty lists filter nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchFilter {
    /// Only these kinds.
    pub kinds: Vec<ObservationKind>,
    /// Only observations that read or modified one of these files. Paths match when equal or
    /// when one ends with `/` and the other: `token.rs` finds `src/auth/token.rs`.
    pub files: Vec<String>,
    /// Only observations tagged with one of these concepts.
    pub concepts: Vec<String>,
    /// Only observations of this session.
    pub session_id: Option<String>,
    /// Only observations made at or after this time.
    #[serde(with = "time::serde::rfc3339::option")]
    pub since: Option<OffsetDateTime>,
    /// Only observations made before this time.
    #[serde(with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
}

/// A search: the text, where to look, what to keep, how many.
///
/// ```
/// use memcore::{Memory, NewObservation, SearchRequest};
///
/// let dir = tempfile::tempdir()?;
/// let memory = Memory::open(dir.path().join("memory.db"))?;
/// memory.add_observation(NewObservation {
///     project: Some("app".into()),
///     title: "RefreshToken expiry fixed in src/auth/token.rs".into(),
///     files_modified: vec!["src/auth/token.rs".into()],
///     ..Default::default()
/// })?;
/// let hits = memory.search(&SearchRequest::new("refresh_token").project("app"))?;
/// assert_eq!(hits.len(), 1);
/// assert_eq!(hits[0].parts.text_rank, 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    /// The text to look for. Its words are searched one by one (any FTS5 syntax in it is
    /// plain text); with no word at all, the newest observations that pass the filter come
    /// back, ranked by the priors alone.
    pub query: String,
    /// Where to look: one project or all of them. Required: a request without a scope fails
    /// with [`crate::Error::InvalidInput`] (memcore never guesses the project; a host resolves
    /// it at its boundary, with [`crate::resolve_project`] for instance).
    pub scope: Option<Scope>,
    /// What may be returned.
    pub filter: SearchFilter,
    /// Files the request is about (open in the editor, named by the user): observations that
    /// read or modified one of them are boosted. Paths written in the query count too.
    pub files: Vec<String>,
    /// Which signals to use.
    pub mode: SearchMode,
    /// How many hits to return (10 by default).
    pub limit: usize,
    /// How many of the best hits to skip, for paging.
    pub offset: usize,
    /// The time recency is measured from; now when absent.
    #[serde(with = "time::serde::rfc3339::option")]
    pub now: Option<OffsetDateTime>,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            scope: None,
            filter: SearchFilter::default(),
            files: Vec::new(),
            mode: SearchMode::Fused,
            limit: 10,
            offset: 0,
            now: None,
        }
    }
}

impl SearchRequest {
    /// A search for `query`, 10 hits, with no scope yet: give one with
    /// [`SearchRequest::project`] or [`SearchRequest::all_projects`].
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            ..SearchRequest::default()
        }
    }

    /// Looks in one project.
    pub fn project(mut self, name: impl Into<String>) -> Self {
        self.scope = Some(Scope::Project(name.into()));
        self
    }

    /// Looks in every project.
    pub fn all_projects(mut self) -> Self {
        self.scope = Some(Scope::All);
        self
    }

    /// Returns at most `limit` hits.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Skips the `offset` best hits.
    pub fn offset(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }

    /// Uses `mode`'s signals.
    pub fn mode(mut self, mode: SearchMode) -> Self {
        self.mode = mode;
        self
    }

    /// Keeps only what passes `filter`.
    pub fn filter(mut self, filter: SearchFilter) -> Self {
        self.filter = filter;
        self
    }

    /// Boosts observations that touched one of `files`.
    pub fn files<S: Into<String>>(mut self, files: impl IntoIterator<Item = S>) -> Self {
        self.files = files.into_iter().map(Into::into).collect();
        self
    }

    /// Measures recency from `now` instead of the clock.
    pub fn at(mut self, now: OffsetDateTime) -> Self {
        self.now = Some(now);
        self
    }
}

/// Why a hit ranks where it does. The final score is
/// `relevance × recency × kind_weight × importance × file_match × superseded × diversity`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreParts {
    /// BM25 of the hit divided by the best BM25 among the candidates, times the query's text
    /// confidence (`0..=1`; 0 when the full-text search did not find it). The confidence is 1
    /// outside fused mode with an embedder; in it, with `c` the largest share of the query's
    /// content words that one of the best
    /// [`fusion_coverage_candidates`](super::RecallConfig::fusion_coverage_candidates) text
    /// candidates holds, it is `(c − floor) / (full − floor)` clamped to `0..=1`
    /// ([`fusion_coverage_floor`](super::RecallConfig::fusion_coverage_floor) 0.25,
    /// [`fusion_coverage_full`](super::RecallConfig::fusion_coverage_full) 0.4), so the text
    /// side has no say on a query its matches hardly cover.
    pub text_rank: f64,
    /// FTS5's BM25 score of the hit, sign flipped so higher is better; `None` when the
    /// full-text search did not find it.
    pub bm25: Option<f64>,
    /// Cosine similarity of the hit's vector with the query's; `None` without vectors.
    pub vector_similarity: Option<f64>,
    /// The fused relevance: `alpha × text_rank + (1 − alpha) × max(vector_similarity, 0)`
    /// (in lexical mode the text rank, in vector mode the similarity; 1 for an empty query).
    pub relevance: f64,
    /// Recency factor, `1 − w + w × 0.5^(age / half_life)`.
    pub recency: f64,
    /// The weight of the hit's kind (for an observation tagged `exploration`, times the
    /// exploration weight unless the query is about exploring; for a conversation record,
    /// the weight of its role).
    pub kind_weight: f64,
    /// Importance factor, `1 + w × (importance − 0.5)`.
    pub importance: f64,
    /// `1 + file_boost` when the hit touched a file the request names, else 1.
    pub file_match: f64,
    /// The superseded penalty when a newer observation replaces the hit, else 1.
    pub superseded: f64,
    /// The near-duplicate penalty when a better-ranked hit says nearly the same, else 1.
    pub diversity: f64,
}

impl ScoreParts {
    /// The product of every factor: the hit's score.
    pub fn score(&self) -> f64 {
        self.relevance
            * self.recency
            * self.kind_weight
            * self.importance
            * self.file_match
            * self.superseded
            * self.diversity
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The observation's id.
    pub id: ObservationId,
    /// The final score (higher is better); equal to `parts.score()`.
    pub score: f64,
    /// What the score is made of.
    pub parts: ScoreParts,
    /// The observation.
    pub observation: Observation,
}

impl Recall<'_> {
    /// See [`Memory::search`](crate::Memory::search).
    pub(crate) fn search(&self, request: &SearchRequest) -> Result<Vec<SearchHit>> {
        let hits = self.ranked(request)?;
        Ok(hits
            .into_iter()
            .skip(request.offset)
            .take(request.limit)
            .collect())
    }

    /// Every candidate of the request, ranked (before paging).
    pub(crate) fn ranked(&self, request: &SearchRequest) -> Result<Vec<SearchHit>> {
        let query_vector = self.query_vector(request)?;
        self.ranked_with(request, query_vector.as_deref())
    }

    /// The request's query embedded, when its mode uses vectors, an embedder is set and the
    /// query has a word.
    pub(crate) fn query_vector(&self, request: &SearchRequest) -> Result<Option<Vec<f32>>> {
        match self.state.embedder() {
            Some(embedder)
                if request.mode != SearchMode::Lexical
                    && crate::store::match_expression(&request.query).is_some() =>
            {
                Ok(Some(embed_query(embedder, &request.query)?))
            }
            _ => Ok(None),
        }
    }

    /// [`Recall::ranked`] with the query's vector already computed.
    pub(crate) fn ranked_with(
        &self,
        request: &SearchRequest,
        query_vector: Option<&[f32]>,
    ) -> Result<Vec<SearchHit>> {
        self.ranked_with_words(request, query_vector, &mut WordHashes::new())
    }

    /// [`Recall::ranked_with`], keeping in `words` the word hashes of the hits that the
    /// near-duplicate walk read, for a caller that walks them again (`recall`, which ranks
    /// both layers together): they cost more than anything else about a hit.
    pub(crate) fn ranked_with_words(
        &self,
        request: &SearchRequest,
        query_vector: Option<&[f32]>,
        words: &mut WordHashes,
    ) -> Result<Vec<SearchHit>> {
        let config = &self.state.config.recall;
        let scope = super::required_scope(request.scope.as_ref(), "a search")?;
        let filter = CandidateFilter {
            project: scope.project().map(str::to_owned),
            kinds: request
                .filter
                .kinds
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect(),
            files: request
                .filter
                .files
                .iter()
                .map(|f| rank::normalize_path(f).to_owned())
                .filter(|f| !f.is_empty())
                .collect(),
            concepts: request.filter.concepts.clone(),
            session_id: request.filter.session_id.clone(),
            since_ms: request.filter.since.map(crate::store::to_millis),
            until_ms: request.filter.until.map(crate::store::to_millis),
        };
        let wanted = request.offset.saturating_add(request.limit);
        if wanted == 0 {
            return Ok(Vec::new());
        }
        let per_hit = config.pool_per_hit.saturating_mul(wanted);
        let text_pool = config.text_pool.max(per_hit);
        let vector_pool = config.vector_pool.max(per_hit);

        let expression = crate::store::match_expression(&request.query);
        let use_text = request.mode != SearchMode::Vector;
        let embedder = self
            .state
            .embedder()
            .filter(|_| request.mode != SearchMode::Lexical);

        // Candidates: (id, raw bm25) from the text side, (id, cosine) from the vector side.
        let mut bm25: HashMap<ObservationId, f64> = HashMap::new();
        let mut order: Vec<ObservationId> = Vec::new();
        let empty_query = expression.is_none();
        if use_text && !empty_query {
            for (id, score) in self.state.store.text_candidates(
                &request.query,
                &config.column_weights.as_array(),
                &filter,
                text_pool,
                config.text_scan_budget,
            )? {
                bm25.insert(id, -score);
                order.push(id);
            }
        }
        let mut cosine: HashMap<ObservationId, f64> = HashMap::new();
        if let (false, Some(embedder), Some(query_vector)) = (empty_query, embedder, query_vector) {
            let vq = VectorQuery {
                project: filter.project.as_deref(),
                model: embedder.id(),
                vector: query_vector,
                layer: Layer::Observation,
            };
            let keep = |ids: &[ObservationId]| -> Result<Vec<ObservationId>> {
                if !filter.narrows() {
                    return Ok(ids.to_vec());
                }
                let passed: BTreeSet<ObservationId> = self
                    .state
                    .store
                    .filter_ids(ids, &filter)?
                    .into_iter()
                    .collect();
                Ok(ids
                    .iter()
                    .copied()
                    .filter(|id| passed.contains(id))
                    .collect())
            };
            let rescore = config.vector_rescore.max(vector_pool);
            for (id, sim) in vectors::nearest(&self.state.store, &vq, vector_pool, rescore, &keep)?
            {
                cosine.insert(id, f64::from(sim));
                if !bm25.contains_key(&id) {
                    order.push(id);
                }
            }
            let missing: Vec<ObservationId> = order
                .iter()
                .copied()
                .filter(|id| !cosine.contains_key(id))
                .collect();
            for (id, sim) in vectors::similarities(&self.state.store, &vq, &missing)? {
                cosine.insert(id, f64::from(sim));
            }
        }
        if empty_query {
            order = self.state.store.recent_candidates(&filter, text_pool)?;
        }
        if order.is_empty() {
            return Ok(Vec::new());
        }

        let best_bm25 = bm25.values().copied().fold(0.0f64, f64::max);
        let best_cosine = cosine.values().copied().fold(0.0f64, f64::max);
        let now = request.now.unwrap_or_else(OffsetDateTime::now_utc);
        let mut named_files: Vec<String> = request
            .files
            .iter()
            .map(|f| rank::normalize_path(f).to_owned())
            .filter(|f| !f.is_empty())
            .collect();
        named_files.extend(rank::paths_in(&request.query));

        let observations = self.state.store.observations_by_id(&order)?;
        let confidence = if request.mode == SearchMode::Fused && embedder.is_some() {
            text_confidence(
                config,
                &request.query,
                observations
                    .iter()
                    .filter_map(|o| bm25.get(&o.id).map(|b| (*b, observation_texts(o)))),
            )
        } else {
            1.0
        };
        let mut hits: Vec<SearchHit> = observations
            .into_iter()
            .map(|obs| {
                let raw = bm25.get(&obs.id).copied();
                let text_rank = text_rank(raw, best_bm25, confidence);
                let vector_similarity = cosine.get(&obs.id).copied();
                let relevance = if empty_query {
                    1.0
                } else {
                    fuse(
                        config,
                        request.mode,
                        embedder.is_some(),
                        text_rank,
                        vector_similarity,
                        best_cosine,
                    )
                };
                let parts = ScoreParts {
                    text_rank,
                    bm25: raw,
                    vector_similarity,
                    relevance,
                    recency: rank::recency_factor(config, obs.created_at, now),
                    kind_weight: rank::kind_factor(config, &obs)
                        * rank::exploration_factor(config, &obs, &request.query),
                    importance: rank::importance_factor(config, &obs),
                    file_match: rank::file_factor(config, &obs, &named_files),
                    superseded: rank::superseded_factor(config, &obs),
                    diversity: 1.0,
                };
                SearchHit {
                    id: obs.id,
                    score: parts.score(),
                    parts,
                    observation: obs,
                }
            })
            .collect();
        sort_hits(&mut hits);
        demote_near_duplicates(config, &mut hits, wanted, words);
        Ok(hits)
    }
}

/// The fused relevance of a hit (see the [module documentation](super)): in fused mode with
/// an embedder, `alpha × text_rank + (1 − alpha) × v`, where `v` is the hit's cosine
/// (negative as 0), divided by the best cosine among the candidates when
/// [`super::RecallConfig::relative_similarity`] is on; in lexical mode (or without an
/// embedder) the text rank, in vector mode `v`.
pub(crate) fn fuse(
    config: &super::RecallConfig,
    mode: SearchMode,
    has_embedder: bool,
    text_rank: f64,
    cosine: Option<f64>,
    best_cosine: f64,
) -> f64 {
    let mut v = cosine.unwrap_or(0.0).max(0.0);
    if config.relative_similarity && best_cosine > 0.0 {
        v = (v / best_cosine).min(1.0);
    }
    let alpha = if config.fusion_alpha.is_finite() {
        config.fusion_alpha.clamp(0.0, 1.0)
    } else {
        0.65
    };
    match mode {
        SearchMode::Lexical => text_rank,
        SearchMode::Vector => v,
        SearchMode::Fused if has_embedder => alpha * text_rank + (1.0 - alpha) * v,
        SearchMode::Fused => text_rank,
    }
}

/// The word hashes ([`rank::word_hashes`]) of observations, by id.
pub(crate) type WordHashes = HashMap<ObservationId, Vec<u64>>;

/// The text rank of a hit (see [`ScoreParts::text_rank`]): its BM25 over the best BM25 of
/// the candidates, times the query's text confidence ([`text_confidence`]); 0 when the
/// full-text search did not find it.
pub(crate) fn text_rank(bm25: Option<f64>, best_bm25: f64, confidence: f64) -> f64 {
    match bm25 {
        Some(b) if best_bm25 > 0.0 => (b / best_bm25).clamp(0.0, 1.0) * confidence,
        Some(_) => confidence,
        None => 0.0,
    }
}

/// How far the full-text side can be trusted on a query, `0..=1`: with `c` the largest share
/// of the query's content words (lower-cased, stop words dropped, identifiers split, CJK runs
/// as bigrams: `rank::text_word_set`) that one of the
/// [`RecallConfig::fusion_coverage_candidates`](super::RecallConfig::fusion_coverage_candidates)
/// best text candidates holds in its texts, the confidence is `(c − floor) / (full − floor)`
/// clamped to `0..=1`, where `floor` is
/// [`RecallConfig::fusion_coverage_floor`](super::RecallConfig::fusion_coverage_floor) and
/// `full` [`RecallConfig::fusion_coverage_full`](super::RecallConfig::fusion_coverage_full)
/// (with `floor ≥ full`, 1 from `full` on and 0 below; with `full ≤ 0`, always 1). `matches`
/// are the text candidates: their BM25 and their texts.
///
/// BM25 divided by the best BM25 gives the best text match 1 even when it holds one word of
/// the query; scaled by this confidence, text matches that hold little of the query leave the
/// lead to the vectors (a paraphrase shares no word with its target), while a query most of
/// whose words one record holds keeps the text rank it had.
pub(crate) fn text_confidence<'a, T>(
    config: &super::RecallConfig,
    query: &str,
    matches: impl IntoIterator<Item = (f64, T)>,
) -> f64
where
    T: IntoIterator<Item = &'a str>,
{
    let (floor, full) = (config.fusion_coverage_floor, config.fusion_coverage_full);
    if !(floor.is_finite() && full.is_finite()) || full <= 0.0 {
        return 1.0;
    }
    let words: Vec<String> = rank::text_word_set(query).into_iter().collect();
    if words.is_empty() {
        return 1.0;
    }
    let mut matches: Vec<(f64, T)> = matches.into_iter().collect();
    matches.sort_by(|a, b| b.0.total_cmp(&a.0));
    let coverage = matches
        .into_iter()
        .take(config.fusion_coverage_candidates.max(1))
        .map(|(_, texts)| held_share(&words, texts))
        .fold(0.0f64, f64::max);
    coverage_confidence(coverage, floor, full)
}

/// `(c − floor) / (full − floor)` clamped to `0..=1`; a step at `full` when `floor ≥ full`.
fn coverage_confidence(coverage: f64, floor: f64, full: f64) -> f64 {
    if coverage >= full {
        1.0
    } else if coverage <= floor {
        0.0
    } else {
        ((coverage - floor) / (full - floor)).clamp(0.0, 1.0)
    }
}

/// The share of `words` (lower-case) that occur among the word parts of `texts`.
fn held_share<'a>(words: &[String], texts: impl IntoIterator<Item = &'a str>) -> f64 {
    let mut held = vec![false; words.len()];
    let mut left = words.len();
    for text in texts {
        if left == 0 {
            break;
        }
        crate::text::word_parts(text, |part| {
            if left == 0 {
                return;
            }
            let lower;
            let part = if part.is_ascii() {
                part
            } else {
                lower = part.to_lowercase();
                lower.as_str()
            };
            for (word, seen) in words.iter().zip(held.iter_mut()) {
                if !*seen && word.eq_ignore_ascii_case(part) {
                    *seen = true;
                    left -= 1;
                }
            }
        });
    }
    (words.len() - left) as f64 / words.len() as f64
}

/// Every text of an observation the full-text index holds.
pub(crate) fn observation_texts(obs: &Observation) -> impl Iterator<Item = &str> {
    [&obs.title, &obs.subtitle, &obs.narrative, &obs.context]
        .into_iter()
        .chain(&obs.facts)
        .chain(&obs.concepts)
        .chain(&obs.files_read)
        .chain(&obs.files_modified)
        .map(String::as_str)
}

/// Best first; ties go to the newer observation.
fn sort_hits(hits: &mut [SearchHit]) {
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.id.cmp(&a.id)));
}

/// Walks the ranking best first; a hit whose words overlap a better hit's by at least the
/// configured share gets the duplicate factor, then the list is sorted again. The walk stops
/// once `wanted` hits are kept: every hit below them stays below them.
fn demote_near_duplicates(
    config: &super::RecallConfig,
    hits: &mut [SearchHit],
    wanted: usize,
    memo: &mut WordHashes,
) {
    let threshold = config.duplicate_similarity;
    let factor = config.duplicate_factor;
    if !(threshold.is_finite() && factor.is_finite()) || threshold > 1.0 || factor >= 1.0 {
        return;
    }
    let factor = factor.max(0.0);
    let mut kept: Vec<Vec<u64>> = Vec::new();
    let mut changed = false;
    for hit in hits.iter_mut() {
        if kept.len() >= wanted {
            break;
        }
        let words = memo
            .entry(hit.id)
            .or_insert_with(|| rank::word_hashes(&hit.observation))
            .clone();
        if kept
            .iter()
            .any(|w| rank::jaccard(w, &words, threshold) >= threshold)
        {
            hit.parts.diversity = factor;
            hit.score = hit.parts.score();
            changed = true;
        } else {
            kept.push(words);
        }
    }
    if changed {
        sort_hits(hits);
    }
}

/// The query's vector, checked and normalised like stored ones.
pub(crate) fn embed_query(embedder: &dyn super::embed::Embedder, query: &str) -> Result<Vec<f32>> {
    Ok(crate::state::embedding::embed_checked(embedder, &[query])?
        .pop()
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recall::RecallConfig;

    #[test]
    fn coverage_is_the_best_share_of_query_words_one_candidate_holds() {
        let words: Vec<String> = ["night", "mode", "admin", "panel"]
            .map(str::to_owned)
            .to_vec();
        assert_eq!(held_share(&words, ["The Admin page"]), 0.25);
        assert_eq!(held_share(&words, ["adminPanel", "night-mode toggle"]), 1.0);
        let config = RecallConfig::default();
        let query = "night mode for the admin panel";
        // One word of four: below the floor, the text side has no say.
        let weak = text_confidence(&config, query, [(3.0, vec!["admin users"])]);
        assert_eq!(weak, 0.0);
        // The best of the candidates counts, not only the best BM25.
        let strong = text_confidence(
            &config,
            query,
            [
                (3.0, vec!["admin users"]),
                (1.0, vec!["Night mode in the admin panel"]),
            ],
        );
        assert_eq!(strong, 1.0);
        assert_eq!(text_rank(Some(1.5), 3.0, 0.5), 0.25);
        assert_eq!(text_rank(None, 3.0, 1.0), 0.0);
        let off = RecallConfig {
            fusion_coverage_full: 0.0,
            ..RecallConfig::default()
        };
        assert_eq!(text_confidence(&off, query, [(3.0, vec!["admin"])]), 1.0);
    }

    #[test]
    fn confidence_rises_linearly_between_floor_and_full() {
        assert_eq!(coverage_confidence(0.2, 0.25, 0.4), 0.0);
        assert!((coverage_confidence(0.325, 0.25, 0.4) - 0.5).abs() < 1e-9);
        assert_eq!(coverage_confidence(0.5, 0.25, 0.4), 1.0);
        // floor ≥ full: a step at full.
        assert_eq!(coverage_confidence(0.3, 0.4, 0.4), 0.0);
        assert_eq!(coverage_confidence(0.4, 0.4, 0.4), 1.0);
    }
}
