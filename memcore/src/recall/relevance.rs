//! The one relevance rule: which hits of a free-text query are worth showing, and which are
//! worth injecting unasked. `memcore search`, the MCP search tool (any listing a person or
//! an agent asked for) and the prompt context all decide here, through
//! [`Memory::recall_relevant`](crate::Memory::recall_relevant) (listings) and
//! [`Memory::relevance`](crate::Memory::relevance) (the prompt context), so that what the
//! context injects is always among what a listing shows.
//!
//! A query without a word (only punctuation, say) matches everything: the listing is then
//! one of filters and recency. Otherwise the rule has two levels:
//!
//! - **found**, what a listing shows: the full-text search found the hit, or its vector is at
//!   least [`RecallConfig::prompt_min_similarity`] similar to the query's (every vector is a
//!   little similar to every other, so a hit found by its vector alone must be close). Among
//!   the hits a listing asked for (its page), those that also say enough come first, each
//!   group in ranking order;
//! - **found and says enough**, what the prompt context injects: besides being found, an
//!   observation with a vector whose similarity reaches
//!   [`RecallConfig::prompt_min_similarity`], or that holds at least
//!   [`RecallConfig::prompt_min_coverage`] of the query's words; a conversation record that
//!   holds at least [`RecallConfig::prompt_min_coverage`] of them.
//!
//! Listings are looser because someone asked for them and reads the ranked rows: a hit that
//! shares one distinctive word with a long question (`typecheck` for "the command to type-check
//! the project before committing") is often the answer (codeval's `ce06`), while the context
//! of a prompt costs tokens on every prompt and must not fill with such hits. Putting the hits
//! that say enough first in a listing keeps such thin hits from pushing the answer down: on
//! codeval, hit@1/5/10 of `memcore search` are 60.0 / 95.4 / 98.5 this way, against
//! 58.5 / 93.8 / 98.5 listing in ranking order and 60.0 / 95.4 / 96.9 listing only what says
//! enough.
//!
//! The score that goes with a hit is the observation's vector similarity when it has one, else
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

    /// Recall keeping what a listing shows: the hits that were found, those that also say
    /// enough first (each group in its ranking order).
    pub(crate) fn recall_relevant(&self, request: &SearchRequest) -> Result<Vec<RecallHit>> {
        let query = Query::new(&request.query);
        let (mut enough, thin): (Vec<RecallHit>, Vec<RecallHit>) = self
            .recall(request)?
            .into_iter()
            .filter(|hit| self.found(&query, hit))
            .partition(|hit| self.judge(&query, hit).1);
        enough.extend(thin);
        Ok(enough)
    }

    /// Recall keeping what the prompt context may inject (found and says enough), leaving out
    /// the conversation of one session.
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

    /// The first level of the rule: the search found the hit by its words or a close vector
    /// (every hit of a query without a word).
    fn found(&self, query: &Query, hit: &RecallHit) -> bool {
        if !query.has_words {
            return true;
        }
        let parts = hit.parts();
        parts.bm25.is_some()
            || parts
                .vector_similarity
                .is_some_and(|s| s >= self.state.config.recall.prompt_min_similarity)
    }

    /// Both levels of the rule: the hit's score, and whether it is found and says enough.
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
        (score, self.found(query, hit) && says_enough)
    }
}
