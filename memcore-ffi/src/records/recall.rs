//! What recall returns: search hits with the parts of their score, rendered contexts and
//! timelines.

use super::{Event, Observation, count, from_time, rfc3339};
use serde::Serialize;
use std::time::SystemTime;

/// Why a hit ranks where it does: the score is the product of `relevance`, `recency`,
/// `kind_weight`, `importance`, `file_match`, `superseded` and `diversity`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct ScoreParts {
    /// BM25 of the hit over the best BM25 among the candidates, times the query's text
    /// confidence in fused search (`0..=1`; `memcore::ScoreParts::text_rank` gives the formula).
    pub text_rank: f64,
    /// FTS5's BM25 score (higher is better); `None` when full text did not find it.
    pub bm25: Option<f64>,
    /// Cosine similarity with the query's vector; `None` without vectors.
    pub vector_similarity: Option<f64>,
    /// The fused relevance.
    pub relevance: f64,
    /// Recency factor.
    pub recency: f64,
    /// The weight of the hit's kind.
    pub kind_weight: f64,
    /// Importance factor.
    pub importance: f64,
    /// Boost when the hit touched a file the request names, else 1.
    pub file_match: f64,
    /// Penalty when a newer observation supersedes the hit, else 1.
    pub superseded: f64,
    /// Penalty when a better-ranked hit says nearly the same, else 1.
    pub diversity: f64,
}

impl From<memcore::ScoreParts> for ScoreParts {
    fn from(p: memcore::ScoreParts) -> Self {
        ScoreParts {
            text_rank: p.text_rank,
            bm25: p.bm25,
            vector_similarity: p.vector_similarity,
            relevance: p.relevance,
            recency: p.recency,
            kind_weight: p.kind_weight,
            importance: p.importance,
            file_match: p.file_match,
            superseded: p.superseded,
            diversity: p.diversity,
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct SearchHit {
    /// The observation's id.
    pub id: i64,
    /// The final score (higher is better).
    pub score: f64,
    /// What the score is made of.
    pub parts: ScoreParts,
    /// The observation.
    pub observation: Observation,
}

impl From<memcore::SearchHit> for SearchHit {
    fn from(h: memcore::SearchHit) -> Self {
        SearchHit {
            id: h.id,
            score: h.score,
            parts: h.parts.into(),
            observation: h.observation.into(),
        }
    }
}

/// A rendered context: markdown ready to inject into the model's context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct Context {
    /// The markdown; empty when nothing was worth saying.
    pub text: String,
    /// Every observation the text mentions, in the order listed.
    pub observation_ids: Vec<i64>,
    /// The observations rendered in full (a prefix of the best ones).
    pub detailed_ids: Vec<i64>,
    /// Every conversation record (event) the text mentions (prompt contexts only), in the
    /// order listed.
    pub record_ids: Vec<i64>,
    /// The conversation records rendered in full.
    pub detailed_record_ids: Vec<i64>,
    /// The open items listed first (session start): what the last sessions left unfinished
    /// or named as next.
    pub open_item_ids: Vec<i64>,
    /// The session summary included, if any.
    pub summary_id: Option<i64>,
    /// The text's cost in tokens by memcore's estimator; never above the budget.
    pub tokens: u32,
    /// The budget the text was held to.
    pub budget: u32,
}

impl From<memcore::Context> for Context {
    fn from(c: memcore::Context) -> Self {
        Context {
            text: c.text,
            observation_ids: c.observation_ids,
            detailed_ids: c.detailed_ids,
            record_ids: c.record_ids,
            detailed_record_ids: c.detailed_record_ids,
            open_item_ids: c.open_item_ids,
            summary_id: c.summary_id,
            tokens: c.tokens,
            budget: c.budget,
        }
    }
}

/// One entry of a timeline. In JSON the entry's fields with `"type"`: `observation` or
/// `prompt`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all_fields = "camelCase"))]
pub enum TimelineItem {
    /// An observation.
    Observation {
        /// The observation.
        #[serde(flatten)]
        observation: Observation,
    },
    /// A user prompt.
    Prompt {
        /// The prompt's event.
        #[serde(flatten)]
        event: Event,
    },
}

/// A timeline entry with its time.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct TimelineEntry {
    /// When it happened.
    #[serde(with = "rfc3339")]
    #[cfg_attr(test, ts(type = "string"))]
    pub at: SystemTime,
    /// What it is.
    pub item: TimelineItem,
}

/// Observations and user prompts in time order around an anchor.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct Timeline {
    /// Oldest first.
    pub entries: Vec<TimelineEntry>,
    /// The index in `entries` of the anchor observation, or for a time anchor of the first
    /// entry at or after it (`len(entries)` when there is none).
    pub anchor_index: u64,
}

impl From<memcore::Timeline> for Timeline {
    fn from(t: memcore::Timeline) -> Self {
        Timeline {
            entries: t
                .entries
                .into_iter()
                .map(|e| TimelineEntry {
                    at: from_time(e.at),
                    item: match e.item {
                        memcore::TimelineItem::Observation(o) => TimelineItem::Observation {
                            observation: o.into(),
                        },
                        memcore::TimelineItem::Prompt(e) => {
                            TimelineItem::Prompt { event: e.into() }
                        }
                    },
                })
                .collect(),
            anchor_index: count(t.anchor_index),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::records::same_json;
    use crate::records::samples::{self, T0, T1};

    pub(crate) fn core_hit() -> memcore::SearchHit {
        memcore::SearchHit {
            id: 7,
            score: 0.5,
            parts: memcore::ScoreParts {
                text_rank: 1.0,
                bm25: Some(3.5),
                vector_similarity: Some(0.25),
                relevance: 0.75,
                recency: 0.9,
                kind_weight: 1.25,
                importance: 1.0,
                file_match: 1.5,
                superseded: 0.5,
                diversity: 1.0,
            },
            observation: samples::observation(),
        }
    }

    pub(crate) fn core_context() -> memcore::Context {
        memcore::Context {
            text: "# memory".into(),
            observation_ids: vec![1, 2],
            detailed_ids: vec![1],
            record_ids: vec![3],
            detailed_record_ids: vec![3],
            open_item_ids: vec![2],
            summary_id: Some(4),
            tokens: 120,
            budget: 2000,
        }
    }

    pub(crate) fn core_timeline() -> memcore::Timeline {
        let mut prompt = samples::event();
        prompt.payload = memcore::EventPayload::UserPrompt { text: "why".into() };
        memcore::Timeline {
            entries: vec![
                memcore::TimelineEntry {
                    at: T0,
                    item: memcore::TimelineItem::Observation(samples::observation()),
                },
                memcore::TimelineEntry {
                    at: T1,
                    item: memcore::TimelineItem::Prompt(prompt),
                },
            ],
            anchor_index: 0,
        }
    }

    #[test]
    fn recall_results_serialize_as_the_core_does() {
        let hit = core_hit();
        same_json(&hit, &SearchHit::from(hit.clone()));
        let context = core_context();
        same_json(&context, &Context::from(context.clone()));
        let timeline = core_timeline();
        same_json(&timeline, &Timeline::from(timeline.clone()));
    }
}
