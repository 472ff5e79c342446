//! Recall: search (full text, vectors, fused), ranking, timeline and context rendering.
//!
//! # How a search ranks
//!
//! 1. **Candidates.** The query's words (lower-cased, identifiers split at case changes, stop
//!    words dropped, each quoted so no FTS5 syntax in the user's text can act, joined by OR)
//!    go to SQLite FTS5, which ranks the matching observations with `bm25()` over all their
//!    text columns ([`ColumnWeights`]; the situating `context` column at 0.3) and returns the
//!    best `max(50, 4 × (offset + limit))`. When an [`embed::Embedder`] is set (the built-in
//!    [`embed::StaticEmbedder`] by default), the query is embedded and as many nearest vectors
//!    join the pool: an approximate pass over the signs of every stored vector of the scope,
//!    then exact scores for the best [`RecallConfig::vector_rescore`] (400) from their int8
//!    codes (`vectors.rs`).
//!    Chinese, Japanese and Korean have no spaces between words, so FTS5 would see a whole
//!    run (`今天面试很顺利`) as one word: both the index and the query cut CJK runs into
//!    overlapping character bigrams (the index in the `terms` column). A query run of two to
//!    four characters is one word, matched as the phrase of its bigrams (`数据库` needs
//!    `数据 据库` adjacent, so a text holding only `数据` does not match); a longer run is
//!    several unknown words, matched by any of its bigrams, texts holding the whole run or
//!    more of its bigrams first. Details in `store/fts.rs`.
//! 2. **Relevance.** `text_rank` is the candidate's BM25 divided by the best BM25 of the
//!    pool (so the best text match has 1), times the query's text confidence: with `c` the
//!    largest share of the query's content words that one of the 10 best text candidates
//!    holds ([`RecallConfig::fusion_coverage_candidates`]), the confidence is
//!    `(c − 0.25) / (0.4 − 0.25)` clamped to `0..=1` ([`RecallConfig::fusion_coverage_floor`],
//!    [`RecallConfig::fusion_coverage_full`]; fused mode with an embedder only). A query whose
//!    best text matches hold a quarter of its words or less is one the words do not answer
//!    (a paraphrase), and the vectors rank it alone. `vector_similarity` is the cosine of the
//!    candidate's vector with the query's (computed for every candidate, from either side).
//!    Fused relevance is
//!    `alpha × text_rank + (1 − alpha) × max(cosine, 0)` with `alpha` =
//!    [`RecallConfig::fusion_alpha`] (0.65); with [`RecallConfig::relative_similarity`] the
//!    cosine is divided by the best of the pool first (`search::fuse`, one function for
//!    both layers).
//! 3. **Priors.** Relevance is multiplied by a recency factor
//!    `1 − w + w × 0.5^(age / half_life)` (w 0.25, half-life 30 days: a gentle factor, so an
//!    old exact answer still beats a new vague one), a kind weight, an importance factor, a
//!    boost when the request names a file the observation read or modified (`1.5`), a penalty
//!    when a newer observation supersedes it (`0.5`), and a penalty (`0.5`) when a
//!    better-ranked hit says nearly the same thing (word overlap at least 0.8, a CJK run
//!    counting as its bigrams), so near-duplicates do not fill the top. Every factor is reported in [`ScoreParts`].
//!
//! # Why this fusion (measured)
//!
//! On the LoCoMo dev half (997 questions, one store per conversation, each turn an
//! observation with its two previous turns as context; `examples/locomo_eval.rs`), overall
//! recall in percent:
//!
//! | mode | R@5 | R@10 |
//! |---|---|---|
//! | lexical only (FTS5 BM25, context column 0.3) | 67.3 | 76.4 |
//! | vectors only (built-in hash embedder) | 52.6 | 63.7 |
//! | vectors only (built-in static model, the default embedder now) | 44.2 | 55.1 |
//! | **fused, weighted sum, alpha 0.7 (the default before the text confidence), static model** | **68.4** | **77.5** |
//! | fused, weighted sum, alpha 0.7, hash embedder (the next rows: hash embedder) | 67.8 | 76.6 |
//! | fused, alpha 0.5 / 0.6 / 0.8 / 0.9 | 67.9 / 68.0 / 67.7 / 67.5 | 77.0 / 76.8 / 76.5 / 76.4 |
//! | fused, reciprocal rank fusion k = 60 (same data and embedder, research harness) | 64.5 | 73.0 |
//! | fused, no context column | 55.8 | 63.4 |
//!
//! With the static model (the default), the sweep on LoCoMo (R@5 / R@10) and on codeval
//! (65 questions on real coding sessions, hit@1 / hit@5 / hit@10, and the share of prompt
//! contexts holding the answer; `../shared/data/codeval/run_codeval.py`):
//!
//! | fusion | LoCoMo | codeval | prompt ctx |
//! |---|---|---|---|
//! | **alpha 0.7 (the default then)** | **68.4 / 77.5** | **58.5 / 93.8 / 98.5** | **72.3** |
//! | alpha 0.5 | 68.7 / 78.0 | 56.9 / 93.8 / 96.9 | 72.3 |
//! | alpha 0.3 | 69.6 / 78.1 | 55.4 / 90.8 / 98.5 | 70.8 |
//! | alpha 0.2 | 69.5 / 77.8 | | |
//! | alpha 0.6 / 0.5 / 0.4, relative similarity | 69.0 / 77.7, 69.3 / 78.1, 69.2 / 77.7 | | |
//!
//! The text confidence (2026-12, static model; LoCoMo R@5 / R@10 / multi-hop R@10,
//! codeval hit@1 / hit@5 / hit@10 / prompt ctx through `memcore search`, whose listing puts
//! the hits that say enough first, and the paraphrase test's fused top-3 share):
//!
//! | text confidence | LoCoMo | codeval | paraphrase |
//! |---|---|---|---|
//! | none (before: alpha 0.7, `fusion_coverage_full` 0) | 68.4 / 77.5 / 42.9 | 60.0 / 95.4 / 98.5 / 72.3 | 3.6 |
//! | **ramp, coverage 0.25 → 0.4, alpha 0.65 (default)** | **68.4 / 77.5 / 43.6** | **60.0 / 95.4 / 98.5 / 72.3** | **25.0** |
//! | ramp, coverage 0.25 → 0.4, alpha 0.7 | 68.2 / 77.3 / 42.9 | 60.0 / 95.4 / 98.5 / 72.3 | 25.0 |
//! | ramp, coverage 0.25 → 0.4, alpha 0.6 / 0.75 | 68.5 / 77.4 / 43.1, 67.8 / 76.9 / 42.5 | | |
//! | ramp, coverage 0.3 → 0.45, alpha 0.7 | 67.9 / 77.3 / 42.9 | 60.0 / 95.4 / 98.5 / 72.3 | |
//! | ramp, coverage 0.2 → 0.4, alpha 0.7 | 68.4 / 77.5 / 42.9 | | |
//!
//! LoCoMo rows: `locomo_eval --recall '{"fusion_alpha": A, "fusion_coverage_floor": F,
//! "fusion_coverage_full": G}'`.
//! Paraphrases share at most a third of their words with their best text match (a quarter in
//! the median), LoCoMo's questions three quarters, codeval's questions two thirds: the ramp
//! sits below the coding questions, so they keep their ranking, and above most paraphrases.
//! A confidence that also weakens the text side of half-covered questions gains on LoCoMo
//! and loses coding questions whose answer shares a few rare words (identifiers) with a long
//! question. The paraphrase ceiling is the vectors' own ranking (42.9% with the static
//! model): a target that shares no word can only rise to where its cosine puts it. Other
//! fusions (z-scores of both sides, min-max of the cosines, coverage weighted by IDF, a share
//! of an adjacent turn's score) were tried outside memcore and are not settings here.
//!
//! Without the text confidence, a lower alpha gains up to a point of R@5 on LoCoMo's chat and
//! loses hit@1 on coding sessions, where the words (identifiers, paths, commands) are the
//! better signal; with it, 0.65 keeps LoCoMo's R@5 / R@10 and codeval where they were and
//! gains multi-hop recall (the table above). A weighted sum of normalised scores beats reciprocal rank fusion because the
//! vectors are a weaker signal than BM25 and RRF gives them an equal say. A host with a
//! stronger embedder should measure again: `locomo_eval --recall '{"fusion_alpha": 0.5}'`.

//! # Costs
//!
//! * **Full text.** FTS5 scores every document that holds a query word (under a microsecond
//!   each), and first counts the documents of every word of the expression over its whole
//!   index list (about 50 ns a document: 2.5 ms for a word in half of 100,000 records). A
//!   store of at most [`RecallConfig::text_scan_budget`] observations (2,000: every LoCoMo
//!   conversation, most projects) is ranked exactly. In a larger one, each query word's
//!   frequency is estimated from the newest 250 observations; when the words together occur
//!   in more than the budget, the ranking runs in bounded passes: BM25 over the rarest words
//!   whose frequencies add up to the budget (words commoner than that, which BM25 weighs
//!   little, or not at all past half of the store, are not scored), every document of the
//!   rarest of them, plus the newest documents holding any scored word
//!   (`store/search.rs`).
//! * **Vectors.** A search reads the sign bits of every vector in its scope, in chunks of
//!   about 16 KB stored in SQLite (32 bytes per record at 256 dimensions: 320 KB for 10,000
//!   records), scores them against the query with a table of partial sums (`dim / 8`
//!   additions a record), and reads the int8 codes of the best 400 for exact scores. Nothing
//!   is built or cached when a handle opens, memory is one chunk and the candidate list, and
//!   every record of the store is reachable. Records get their vectors when written
//!   (observations) or by the lazy backfill (`embedding.rs`).
//!
//! Measured with `examples/perf.rs` (release; see the README for the machine and its load).

mod context;
pub mod embed;
mod layers;
mod rank;
mod relevance;
mod search;
mod timeline;
pub(crate) mod vectors;

pub use crate::state::embedding::{EmbedProgress, VectorStatus};
pub use context::{
    Context, ContextPurpose, ContextRequest, INDEX_HEADER, index_row, recall_index_row,
    recall_index_row_by, record_index_row,
};
pub use layers::{ConversationHit, RecallHit};
pub use search::{ScoreParts, SearchFilter, SearchHit, SearchMode, SearchRequest};
pub use timeline::{Timeline, TimelineAnchor, TimelineEntry, TimelineItem, TimelineRequest};

use crate::error::{Error, Result};
use crate::model::Scope;
use crate::state::State;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Recall over a store's [`State`]: search, both layers ranked together, the relevance rule,
/// context rendering and the timeline (one `impl` per file of this module).
pub(crate) struct Recall<'a> {
    state: &'a State,
}

impl<'a> Recall<'a> {
    /// Recall over `state`.
    pub(crate) fn new(state: &'a State) -> Self {
        Recall { state }
    }
}

/// The scope of a request, which must say where to look: the core never guesses a project
/// (from the working directory or anything else); the host resolves it at its boundary, with
/// [`crate::resolve_project`] for instance. `what` names the request (`"a search"`).
pub(crate) fn required_scope(scope: Option<&Scope>, what: &str) -> Result<Scope> {
    scope.cloned().ok_or_else(|| Error::InvalidInput {
        what: "request scope",
        reason: format!("{what} needs a scope: a project, or all projects"),
    })
}

/// Recall and ranking settings. Every field has a default; the defaults are the measured
/// ones (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecallConfig {
    /// Weights of the full-text columns in BM25.
    pub column_weights: ColumnWeights,
    /// Share of the text rank in fused relevance (the rest is vector similarity), `0..=1`.
    pub fusion_alpha: f64,
    /// Whether the vector part of fused relevance is the cosine divided by the best cosine
    /// among the candidates (so the nearest vector counts as much as the best text match),
    /// rather than the raw cosine.
    pub relative_similarity: bool,
    /// Query coverage at and below which the text side has no say in fused relevance: a
    /// hit's text rank is `bm25 / best bm25 × confidence`, the confidence rising linearly
    /// from 0 at this coverage to 1 at [`RecallConfig::fusion_coverage_full`], where the
    /// coverage is the largest share of the query's content words that one of the best
    /// [`RecallConfig::fusion_coverage_candidates`] text candidates holds. Fused mode with
    /// an embedder only. See the [module documentation](self) for the sweep.
    pub fusion_coverage_floor: f64,
    /// Query coverage from which the text rank is the plain `bm25 / best bm25` (see
    /// [`RecallConfig::fusion_coverage_floor`]); 0 turns the confidence off.
    pub fusion_coverage_full: f64,
    /// How many of the best text candidates (by BM25) the query's coverage is measured on.
    pub fusion_coverage_candidates: usize,
    /// Smallest number of full-text candidates a search considers.
    pub text_pool: usize,
    /// Smallest number of vector candidates a search considers.
    pub vector_pool: usize,
    /// Each pool holds at least this many candidates per requested hit (`offset + limit`).
    pub pool_per_hit: usize,
    /// Most documents a full-text search scores in one pass. A store with more observations
    /// estimates how common each query word is; a query whose words together occur in more
    /// documents is ranked in bounded passes (BM25 over its rarer words only: every document
    /// with its rarest words, and the newest documents with the others) instead of scoring
    /// every match.
    pub text_scan_budget: usize,
    /// Half-life of the recency factor, in days.
    pub recency_half_life_days: f64,
    /// How much recency can move a score, `0..=1`: the factor is
    /// `1 − w + w × 0.5^(age / half_life)`, so an old observation keeps `1 − w` of its score.
    pub recency_weight: f64,
    /// Multipliers per kind name; a kind not listed weighs 1.
    pub kind_weights: BTreeMap<String, f64>,
    /// Multiplier of an observation tagged `exploration` (files read, searches run, nothing
    /// decided or fixed) unless the query is about exploring: such records share words with
    /// many questions and answer few.
    pub exploration_weight: f64,
    /// Multipliers of conversation records per event type (`user_prompt`,
    /// `assistant_message`, `tool_use`, `note`) in [`crate::Memory::recall`]: what a record
    /// is worth beside an observation of the same text rank. A type not listed weighs 1.
    pub conversation_weights: BTreeMap<String, f64>,
    /// BM25 weight of a tool call's outcome (its output's first lines) beside the call itself
    /// (weight 1) in the conversation index.
    pub conversation_outcome_weight: f64,
    /// How much importance moves a score: the factor is `1 + w × (importance − 0.5)`.
    pub importance_weight: f64,
    /// Extra share of score when the request names a file the observation read or modified:
    /// the factor is `1 + file_boost`.
    pub file_boost: f64,
    /// Factor applied to an observation a newer one supersedes.
    pub superseded_factor: f64,
    /// Two hits whose word sets overlap at least this much (Jaccard, `0..=1`) are
    /// near-duplicates; the lower-ranked one is demoted.
    pub duplicate_similarity: f64,
    /// Factor applied to a near-duplicate of a better-ranked hit.
    pub duplicate_factor: f64,
    /// How many records of the vector index's approximate pass (sign bits scored against
    /// the query) get an exact score from their int8 codes; the vector candidates are the
    /// best of those. A scope no larger than this is ranked exactly.
    pub vector_rescore: usize,
    /// Most records without a vector that a recall embeds before it searches (the lazy
    /// backfill's share of a read; extraction and `memcore index` do the rest).
    pub embed_batch: usize,
    /// Token budget of a session-start context.
    pub session_budget: u32,
    /// Token budget of a per-prompt context. 800 by default: on codeval, 600 left the answer
    /// out of 40% of the prompt contexts that held one.
    pub prompt_budget: u32,
    /// Most observations a context lists in its index.
    pub context_index_limit: usize,
    /// Most observations a context renders in full.
    pub context_detail_limit: usize,
    /// A per-prompt context includes an observation at least this similar to the prompt (vector
    /// cosine), or one holding at least [`RecallConfig::prompt_min_coverage`] of the prompt's
    /// content words. 0.45 with the built-in static model: unrelated texts have a median
    /// cosine of 0.31 with it (90th percentile 0.44), paraphrases 0.49.
    pub prompt_min_similarity: f64,
    /// A per-prompt context only includes conversation records holding at least this share
    /// of the prompt's content words.
    pub prompt_min_coverage: f64,
}

impl Default for RecallConfig {
    fn default() -> Self {
        RecallConfig {
            column_weights: ColumnWeights::default(),
            fusion_alpha: 0.65,
            relative_similarity: false,
            fusion_coverage_floor: 0.25,
            fusion_coverage_full: 0.4,
            fusion_coverage_candidates: 10,
            text_pool: 50,
            vector_pool: 50,
            pool_per_hit: 4,
            text_scan_budget: 2000,
            recency_half_life_days: 30.0,
            recency_weight: 0.25,
            kind_weights: [
                ("bugfix", 1.05),
                ("feature", 1.0),
                ("refactor", 0.95),
                ("change", 0.9),
                ("discovery", 1.0),
                ("decision", 1.1),
            ]
            .into_iter()
            .map(|(k, w)| (k.to_owned(), w))
            .collect(),
            exploration_weight: 0.6,
            conversation_weights: [
                ("user_prompt", 0.9),
                ("assistant_message", 1.0),
                ("tool_use", 0.85),
                ("note", 1.0),
            ]
            .into_iter()
            .map(|(k, w)| (k.to_owned(), w))
            .collect(),
            conversation_outcome_weight: 0.3,
            importance_weight: 0.5,
            file_boost: 0.5,
            superseded_factor: 0.5,
            duplicate_similarity: 0.8,
            duplicate_factor: 0.5,
            vector_rescore: 400,
            embed_batch: 64,
            session_budget: 2000,
            prompt_budget: 800,
            context_index_limit: 20,
            context_detail_limit: 3,
            prompt_min_similarity: 0.45,
            prompt_min_coverage: 0.3,
        }
    }
}

/// BM25 weights of the full-text columns of an observation. A weight of 0 ignores a column.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ColumnWeights {
    /// The title.
    pub title: f64,
    /// The subtitle.
    pub subtitle: f64,
    /// The narrative.
    pub narrative: f64,
    /// The facts.
    pub facts: f64,
    /// The concept tags.
    pub concepts: f64,
    /// The paths of files read and modified.
    pub files: f64,
    /// The camel-case parts of identifiers in the text.
    pub terms: f64,
    /// The situating context (the prompt, the previous turns); low, because it is not the
    /// observation's own content. 0.3 is the measured best on LoCoMo (0.2: R@10 −0.9,
    /// 0.4: +0.8 but R@1 −0.9).
    pub context: f64,
}

impl Default for ColumnWeights {
    fn default() -> Self {
        ColumnWeights {
            title: 1.0,
            subtitle: 1.0,
            narrative: 1.0,
            facts: 1.0,
            concepts: 1.0,
            files: 1.0,
            terms: 1.0,
            context: 0.3,
        }
    }
}

impl ColumnWeights {
    /// The weights in the order of the `observations_fts` columns.
    pub(crate) fn as_array(&self) -> [f64; 8] {
        [
            self.title,
            self.subtitle,
            self.narrative,
            self.facts,
            self.concepts,
            self.files,
            self.terms,
            self.context,
        ]
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::model::{NewObservation, Observation};

    /// A blank observation for unit tests: id 1, project `p`, an empty title, the epoch, and
    /// every other field as [`NewObservation::prepare`] makes it by default.
    pub(crate) fn observation() -> Observation {
        let mut o = NewObservation {
            project: Some("p".into()),
            title: "blank".into(),
            created_at: Some(time::OffsetDateTime::UNIX_EPOCH),
            ..NewObservation::default()
        }
        .prepare(str::to_owned)
        .expect("a titled observation prepares");
        o.id = 1;
        o.title.clear();
        o
    }
}
