//! The one relevance rule: which hits of a free-text query are worth showing at all. The
//! prompt context, `memcore search`, the MCP search tool (and any other listing of hits) apply
//! this rule through [`Memory::relevance`](crate::Memory::relevance) and
//! [`Memory::recall_relevant`](crate::Memory::recall_relevant), so that a hit shown in one
//! place is shown in the others.
//!
//! A query without a word (only punctuation, say) matches everything: the listing is then
//! one of filters and recency. Otherwise a hit passes when both hold:
//!
//! - **the search found it by its words or by a close vector**: the full-text search found it,
//!   or its vector is at least [`RecallConfig::prompt_min_similarity`] similar to the query's
//!   (every vector is a little similar to every other, so a hit found by its vector alone
//!   must be close);
//! - **it says enough about the query**: an observation with a vector whose similarity
//!   reaches [`RecallConfig::prompt_min_similarity`], or that holds at least
//!   [`RecallConfig::prompt_min_coverage`] of the query's words; a conversation record that
//!   holds at least [`RecallConfig::prompt_min_coverage`] of them.
//!
//! The score that goes with it is the observation's vector similarity when it has one, else
//! the share of the query's words the hit holds.
//!
//! [`RecallConfig::prompt_min_similarity`]: super::RecallConfig::prompt_min_similarity
//! [`RecallConfig::prompt_min_coverage`]: super::RecallConfig::prompt_min_coverage

use super::layers::RecallHit;
use super::search::SearchRequest;
use super::{Recall, rank};
use crate::error::Result;
use std::collections::BTreeSet;

/// A query as the rule reads it: whether it has a word to search for, and its content words.
struct Query {
    has_words: bool,
    words: BTreeSet<String>,
}

impl Query {
    fn new(text: &str) -> Query {
        Query {
            has_words: crate::store::match_expression(text).is_some(),
            words: rank::text_word_set(text),
        }
    }
}

impl Recall<'_> {
    /// See [`Memory::relevance`](crate::Memory::relevance).
    pub(crate) fn relevance(&self, query: &str, hit: &RecallHit) -> (f64, bool) {
        self.judge(&Query::new(query), hit)
    }

    /// See [`Memory::recall_relevant`](crate::Memory::recall_relevant).
    pub(crate) fn recall_relevant(&self, request: &SearchRequest) -> Result<Vec<RecallHit>> {
        self.relevant_excluding(request, None)
    }

    /// [`Recall::recall_relevant`] leaving out the conversation of one session.
    pub(crate) fn relevant_excluding(
        &self,
        request: &SearchRequest,
        exclude_session: Option<&str>,
    ) -> Result<Vec<RecallHit>> {
        let query = Query::new(&request.query);
        let mut hits = self.recall_excluding(request, exclude_session)?;
        hits.retain(|hit| self.judge(&query, hit).1);
        Ok(hits)
    }

    /// The rule of the [module documentation](self): the hit's score, and whether it passes.
    fn judge(&self, query: &Query, hit: &RecallHit) -> (f64, bool) {
        let config = &self.state.config.recall;
        let (score, says_enough) = match hit {
            RecallHit::Observation(hit) => {
                let coverage = rank::coverage(&query.words, &rank::word_set(&hit.observation));
                match hit.parts.vector_similarity {
                    Some(sim) => (
                        sim,
                        sim >= config.prompt_min_similarity
                            || coverage >= config.prompt_min_coverage,
                    ),
                    None => (coverage, coverage >= config.prompt_min_coverage),
                }
            }
            RecallHit::Conversation(hit) => {
                let coverage = rank::coverage(&query.words, &rank::text_word_set(&hit.record.text));
                (coverage, coverage >= config.prompt_min_coverage)
            }
        };
        if !query.has_words {
            return (score, true);
        }
        let parts = hit.parts();
        let found = parts.bm25.is_some()
            || parts
                .vector_similarity
                .is_some_and(|s| s >= config.prompt_min_similarity);
        (score, found && says_enough)
    }
}
