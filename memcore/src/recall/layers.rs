//! [`Memory::recall`]: one ranking over both layers of memory, the distilled observations and
//! the conversation as it happened.
//!
//! # How the two layers rank together
//!
//! Observations are ranked as [`Memory::search`] ranks them. Conversation records (every
//! event in short form, see [`crate::conversation`]) come from their own full-text index,
//! scored by the same BM25 over the same words, and from their own vectors (the same vector
//! index, its conversation layer). Both pools are then measured against one yardstick: a
//! hit's `text_rank` is its BM25 divided by the best BM25 of **both** pools, so a record that
//! matches the query better than any observation outranks them, and an observation that
//! matches as well as the best record stays above it (times the query's text confidence,
//! measured on the best text candidates of both pools). Relevance is fused the same way in
//! both layers (`alpha × text_rank + (1 − alpha) × max(cosine, 0)`). A conversation record's
//! score is `relevance × recency × role weight × file_match × diversity`, where the role weight
//! ([`super::RecallConfig::conversation_weights`]) says how much each kind of record is
//! worth beside an observation. Near-duplicates are demoted across both layers.
//!
//! A request that filters by kind, concept or file gets observations only (conversation
//! records have none of these); session and time filters apply to both.
//!
//! [`Memory::recall`]: crate::Memory::recall
//! [`Memory::search`]: crate::Memory::search

use super::Recall;
use super::rank;
use super::search::{ScoreParts, SearchHit, SearchRequest, WordHashes};
use super::vectors::{self, VectorQuery};
use crate::error::Result;
use crate::model::{ConversationRecord, EventId};
use crate::store::conversation::ConversationFilter;
use crate::store::vectors::Layer;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;

/// Events indexed per transaction when recall catches up with deferred ones.
const INDEX_BATCH: usize = 500;

/// Most characters of a hit's situating neighbour.
const CONTEXT_CHARS: usize = 600;
/// How many records after a prompt are searched for the assistant's first answer.
const PROMPT_ANSWER_WINDOW: usize = 8;

/// One result of [`Memory::recall`](crate::Memory::recall): an observation or a conversation record. In JSON, the
/// field `layer` (`observation` or `conversation`) tells them apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "layer", rename_all = "snake_case")]
// Hits are few (a page) and read field by field; boxing the larger variant would only add an
// indirection to every match.
#[allow(clippy::large_enum_variant)]
pub enum RecallHit {
    /// A distilled observation.
    Observation(SearchHit),
    /// A record of the conversation.
    Conversation(ConversationHit),
}

/// A conversation record found by [`Memory::recall`](crate::Memory::recall).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationHit {
    /// The record's id (its event's id).
    pub id: EventId,
    /// The final score (higher is better); equal to `parts.score()`.
    pub score: f64,
    /// What the score is made of (`kind_weight` is the role weight, `importance` and
    /// `superseded` are 1; `vector_similarity` is `None` until the record has a vector).
    pub parts: ScoreParts,
    /// The record.
    pub record: ConversationRecord,
    /// The records beside it that situate it, shortened: for a tool call the assistant's
    /// message just before it (why it was done), for an assistant message the tool calls just
    /// after it (what was done; at most two, the calls an assistant makes together), for a
    /// prompt the assistant's first answer to it. Empty when there is none. Not scored.
    pub context: Vec<ConversationRecord>,
}

impl RecallHit {
    /// The hit's score.
    pub fn score(&self) -> f64 {
        match self {
            RecallHit::Observation(h) => h.score,
            RecallHit::Conversation(h) => h.score,
        }
    }

    /// What the score is made of.
    pub fn parts(&self) -> &ScoreParts {
        match self {
            RecallHit::Observation(h) => &h.parts,
            RecallHit::Conversation(h) => &h.parts,
        }
    }

    /// The hit's reference as a user types it: the observation id (`42`), or `c` and the
    /// record's id (`c17`).
    pub fn reference(&self) -> String {
        match self {
            RecallHit::Observation(h) => h.id.to_string(),
            RecallHit::Conversation(h) => format!("c{}", h.id),
        }
    }

    /// When the hit's memory was made (the observation) or happened (the record).
    pub fn time(&self) -> OffsetDateTime {
        match self {
            RecallHit::Observation(h) => h.observation.created_at,
            RecallHit::Conversation(h) => h.record.occurred_at,
        }
    }

    fn set_diversity(&mut self, factor: f64) {
        let (parts, score) = match self {
            RecallHit::Observation(h) => (&mut h.parts, &mut h.score),
            RecallHit::Conversation(h) => (&mut h.parts, &mut h.score),
        };
        parts.diversity = factor;
        *score = parts.score();
    }

    fn word_hashes(&self) -> Vec<u64> {
        match self {
            RecallHit::Observation(h) => rank::word_hashes(&h.observation),
            RecallHit::Conversation(h) => rank::text_word_hashes([h.record.text.as_str()]),
        }
    }
}

impl Recall<'_> {
    /// See [`Memory::recall`](crate::Memory::recall).
    pub(crate) fn recall(&self, request: &SearchRequest) -> Result<Vec<RecallHit>> {
        self.recall_excluding(request, None)
    }

    /// See [`Memory::conversation`](crate::Memory::conversation).
    pub(crate) fn conversation(&self, ids: &[EventId]) -> Result<Vec<ConversationRecord>> {
        self.state.store.conversation_records(ids)
    }

    /// [`Memory::recall`](crate::Memory::recall) leaving out the conversation of one session (the one asking: a
    /// prompt must not find itself).
    pub(crate) fn recall_excluding(
        &self,
        request: &SearchRequest,
        exclude_session: Option<&str>,
    ) -> Result<Vec<RecallHit>> {
        let config = &self.state.config.recall;
        let wanted = request.offset.saturating_add(request.limit);
        if wanted == 0 {
            return Ok(Vec::new());
        }
        // Events recorded by a hook that could not wait are indexed before they are searched.
        // This is upkeep on a read: a store this process may only read, or a writer holding
        // the lock past the busy timeout, must not fail the search; the events are searched
        // once the next reader or extraction indexes them.
        let _ = self.state.index_conversation(INDEX_BATCH);
        // The same for records still without a vector, a few at a time.
        let _ = self.state.embed_step(config.embed_batch);
        let query_vector = self.query_vector(request)?;
        let mut words = WordHashes::new();
        let observations = self.ranked_with_words(request, query_vector.as_deref(), &mut words)?;
        let filter = &request.filter;
        let conversation_applies = filter.kinds.is_empty()
            && filter.concepts.is_empty()
            && filter.files.is_empty()
            && crate::store::match_expression(&request.query).is_some();
        // Candidates: (record, raw bm25 when the text search found it, cosine when it has a
        // vector).
        let mut records: Vec<(ConversationRecord, Option<f64>, Option<f64>)> = Vec::new();
        if conversation_applies {
            let scope = super::required_scope(request.scope.as_ref(), "a search")?;
            let pool = config
                .text_pool
                .max(config.pool_per_hit.saturating_mul(wanted));
            let conversation_filter = ConversationFilter {
                project: scope.project().map(str::to_owned),
                session_id: filter.session_id.clone(),
                since_ms: filter.since.map(crate::store::to_millis),
                until_ms: filter.until.map(crate::store::to_millis),
                exclude_session: exclude_session.map(str::to_owned),
            };
            let candidates = if request.mode == super::SearchMode::Vector {
                Vec::new()
            } else {
                self.state.store.conversation_candidates(
                    &request.query,
                    config.conversation_outcome_weight,
                    config.column_weights.terms,
                    &conversation_filter,
                    pool,
                )?
            };
            let bm25: HashMap<EventId, f64> =
                candidates.iter().map(|(id, rank)| (*id, -rank)).collect();
            let mut ids: Vec<EventId> = candidates.iter().map(|(id, _)| *id).collect();
            let mut cosine: HashMap<EventId, f64> = HashMap::new();
            if let (Some(embedder), Some(vector)) = (self.state.embedder(), &query_vector) {
                let vq = VectorQuery {
                    project: conversation_filter.project.as_deref(),
                    model: embedder.id(),
                    vector,
                    layer: Layer::Conversation,
                };
                let keep = |ids: &[EventId]| {
                    self.state
                        .store
                        .filter_conversation_ids(ids, &conversation_filter)
                };
                let rescore = config.vector_rescore.max(pool);
                for (id, sim) in vectors::nearest(&self.state.store, &vq, pool, rescore, &keep)? {
                    cosine.insert(id, f64::from(sim));
                    if !bm25.contains_key(&id) {
                        ids.push(id);
                    }
                }
                let missing: Vec<EventId> = ids
                    .iter()
                    .copied()
                    .filter(|id| !cosine.contains_key(id))
                    .collect();
                for (id, sim) in vectors::similarities(&self.state.store, &vq, &missing)? {
                    cosine.insert(id, f64::from(sim));
                }
            }
            ids.sort_unstable();
            for record in self.state.store.conversation_records(&ids)? {
                let b = bm25.get(&record.event_id).copied();
                let c = cosine.get(&record.event_id).copied();
                records.push((record, b, c));
            }
        }

        // One yardstick for both layers: the best BM25 of either pool.
        let best_observation = observations
            .iter()
            .filter_map(|h| h.parts.bm25)
            .fold(0.0f64, f64::max);
        let best = records
            .iter()
            .filter_map(|(_, b, _)| *b)
            .fold(best_observation, f64::max);
        let best_cosine = observations
            .iter()
            .filter_map(|h| h.parts.vector_similarity)
            .chain(records.iter().filter_map(|(_, _, c)| *c))
            .fold(0.0f64, f64::max);
        let has_embedder = self.state.embedder().is_some();
        let confidence = if request.mode == super::SearchMode::Fused && has_embedder {
            super::search::text_confidence(
                config,
                &request.query,
                observations
                    .iter()
                    .filter_map(|h| {
                        h.parts
                            .bm25
                            .map(|b| (b, super::search::observation_texts(&h.observation)))
                    })
                    .map(|(b, texts)| (b, texts.collect::<Vec<_>>()))
                    .chain(
                        records
                            .iter()
                            .filter_map(|(r, b, _)| b.map(|b| (b, vec![r.text.as_str()]))),
                    ),
            )
        } else {
            1.0
        };
        let fuse = |text_rank: f64, cosine: Option<f64>| {
            super::search::fuse(
                config,
                request.mode,
                has_embedder,
                text_rank,
                cosine,
                best_cosine,
            )
        };
        let mut hits: Vec<RecallHit> = observations
            .into_iter()
            .map(|mut hit| {
                // On the yardstick of both layers (the empty query keeps its relevance 1).
                if hit.parts.bm25.is_some() || hit.parts.vector_similarity.is_some() {
                    if hit.parts.bm25.is_some() {
                        hit.parts.text_rank =
                            super::search::text_rank(hit.parts.bm25, best, confidence);
                    }
                    hit.parts.relevance = fuse(hit.parts.text_rank, hit.parts.vector_similarity);
                    hit.score = hit.parts.score();
                }
                RecallHit::Observation(hit)
            })
            .collect();

        let now = request.now.unwrap_or_else(OffsetDateTime::now_utc);
        let mut named_files: Vec<String> = request
            .files
            .iter()
            .map(|f| rank::normalize_path(f).to_owned())
            .filter(|f| !f.is_empty())
            .collect();
        named_files.extend(rank::paths_in(&request.query));
        for (record, b, cosine) in records {
            let text_rank = super::search::text_rank(b, best, confidence);
            let relevance = fuse(text_rank, cosine);
            let role_weight = config
                .conversation_weights
                .get(&record.role)
                .copied()
                .filter(|w| w.is_finite())
                .unwrap_or(1.0)
                .max(0.0);
            let mentions_file = rank::paths_in(&record.text)
                .iter()
                .any(|p| named_files.iter().any(|n| rank::same_file(p, n)));
            let parts = ScoreParts {
                text_rank,
                bm25: b,
                vector_similarity: cosine,
                relevance,
                recency: rank::recency_factor(config, record.occurred_at, now),
                kind_weight: role_weight,
                importance: 1.0,
                file_match: if mentions_file {
                    1.0 + config.file_boost.max(0.0)
                } else {
                    1.0
                },
                superseded: 1.0,
                diversity: 1.0,
            };
            hits.push(RecallHit::Conversation(ConversationHit {
                id: record.event_id,
                score: parts.score(),
                parts,
                record,
                context: Vec::new(),
            }));
        }
        sort(&mut hits);
        demote_near_duplicates(config, &mut hits, wanted, &mut words);
        let mut page: Vec<RecallHit> = hits
            .into_iter()
            .skip(request.offset)
            .take(request.limit)
            .collect();
        for hit in &mut page {
            if let RecallHit::Conversation(h) = hit {
                h.context = self.situating_neighbors(&h.record)?;
            }
        }
        Ok(page)
    }

    /// See [`ConversationHit::context`].
    fn situating_neighbors(&self, record: &ConversationRecord) -> Result<Vec<ConversationRecord>> {
        let shorten = |mut n: ConversationRecord| {
            n.text = crate::text::shorten(&n.text, CONTEXT_CHARS);
            n
        };
        let found: Vec<ConversationRecord> = match record.role.as_str() {
            // Why the call was made: the message just before it.
            "tool_use" => self
                .state
                .store
                .conversation_neighbors(record, false, 1)?
                .into_iter()
                .filter(|n| n.role == "assistant_message")
                .collect(),
            // What was done about it: the calls made together just after it.
            "assistant_message" => self
                .state
                .store
                .conversation_neighbors(record, true, 2)?
                .into_iter()
                .take_while(|n| n.role == "tool_use")
                .collect(),
            // What came of a request: the assistant's first answer to it (a question asked
            // again later reads like the request; the answer is what it wants).
            "user_prompt" => self
                .state
                .store
                .conversation_neighbors(record, true, PROMPT_ANSWER_WINDOW)?
                .into_iter()
                .take_while(|n| n.role != "user_prompt")
                .find(|n| n.role == "assistant_message")
                .into_iter()
                .collect(),
            _ => Vec::new(),
        };
        Ok(found.into_iter().map(shorten).collect())
    }
}

/// Best first; ties go to the newer memory.
fn sort(hits: &mut [RecallHit]) {
    hits.sort_by(|a, b| {
        b.score()
            .total_cmp(&a.score())
            .then(b.time().cmp(&a.time()))
    });
}

/// [`super::search`]'s near-duplicate demotion, across both layers.
fn demote_near_duplicates(
    config: &super::RecallConfig,
    hits: &mut [RecallHit],
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
        let words = match &*hit {
            RecallHit::Observation(h) => memo
                .entry(h.id)
                .or_insert_with(|| rank::word_hashes(&h.observation))
                .clone(),
            RecallHit::Conversation(_) => hit.word_hashes(),
        };
        if kept
            .iter()
            .any(|w| rank::jaccard(w, &words, threshold) >= threshold)
        {
            hit.set_diversity(factor);
            changed = true;
        } else {
            kept.push(words);
        }
    }
    if changed {
        sort(hits);
    }
}
