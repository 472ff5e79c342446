//! Embedding records: checked calls to the embedder, the vector of an observation as it is
//! written, and the lazy backfill that gives every other record its vector.
//!
//! An observation written through [`crate::Memory`] is embedded in the transaction that
//! stores it.
//! Everything else gets its vector later, oldest first, in bounded batches: conversation
//! records (a hook that records an event must not wait for a model), records of a store
//! written before it had vectors or by another embedder, and records written while vectors
//! were off. [`crate::Memory::embed_pending`] does one bounded step and counts what is left;
//! recall (a small budget) and extraction (a large one) take the step without the count, whose
//! cost grows with the store; `memcore doctor` reports what is left. Search
//! works meanwhile: a record without a vector is still found by its words.

use super::State;
use crate::error::{Error, Result};
use crate::model::Observation;
use crate::recall::embed::{self, Embedder};
use crate::store::StoredVector;
use crate::store::vectors::{Layer, NewVector, advance_progress, put_vectors};
use serde::{Deserialize, Serialize};

/// What one step of the backfill did, and what is left.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedProgress {
    /// Records embedded by this step.
    pub embedded: usize,
    /// Observations still without a vector of the current embedder.
    pub observations_left: u64,
    /// Conversation records still without one.
    pub conversation_left: u64,
}

/// What the vector index holds; see [`crate::Memory::vector_status`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorStatus {
    /// The embedder in use (`None`: vectors are off).
    pub embedder: Option<String>,
    /// Observations without a vector of it.
    pub observations_left: u64,
    /// Conversation records without one.
    pub conversation_left: u64,
    /// Stored vectors per embedder id (vectors of an embedder no longer in use stay until
    /// their records go).
    pub stored: Vec<(String, u64)>,
}

impl EmbedProgress {
    /// Whether every record has its vector.
    pub fn is_done(&self) -> bool {
        self.observations_left == 0 && self.conversation_left == 0
    }
}

/// Calls the embedder and checks what it returns (one vector per text, of the declared
/// dimension, finite); every vector comes back with unit length (a zero vector stays zero).
pub(crate) fn embed_checked(embedder: &dyn Embedder, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
    let mut vectors = embedder.embed(texts)?;
    if vectors.len() != texts.len() {
        return Err(Error::InvalidInput {
            what: "embedder output",
            reason: format!(
                "embedder {} returned {} vectors for {} texts: it must return one per text",
                embedder.id(),
                vectors.len(),
                texts.len()
            ),
        });
    }
    for vector in &mut vectors {
        if vector.len() != embedder.dimension() || vector.iter().any(|x| !x.is_finite()) {
            return Err(Error::InvalidInput {
                what: "embedder output",
                reason: format!(
                    "embedder {} returned a vector of length {} (declared {}) or with non-finite values",
                    embedder.id(),
                    vector.len(),
                    embedder.dimension()
                ),
            });
        }
        embed::normalize(vector);
    }
    Ok(vectors)
}

impl State {
    /// The vector of an observation about to be stored, with the configured embedder.
    pub(crate) fn embed_observation(&self, obs: &Observation) -> Result<Option<StoredVector>> {
        let Some(embedder) = self.embedder() else {
            return Ok(None);
        };
        let text = embed::observation_text(obs);
        let vector = embed_checked(embedder, &[text.as_str()])?
            .pop()
            .unwrap_or_default();
        Ok(Some(StoredVector {
            model: embedder.id().to_owned(),
            vector,
        }))
    }

    /// One bounded step of the backfill and what is left (see
    /// [`crate::Memory::embed_pending`]). Counting what is left reads every record past the
    /// watermark: the hot paths call [`State::embed_step`] instead.
    pub(crate) fn embed_pending(&self, limit: usize) -> Result<EmbedProgress> {
        let Some(embedder) = self.embedder() else {
            return Ok(EmbedProgress::default());
        };
        let embedded = self.embed_step(limit)?;
        let left = self
            .store
            .vector_backlog(embedder.id(), embedder.dimension())?;
        Ok(EmbedProgress {
            embedded,
            observations_left: left.observations,
            conversation_left: left.conversation,
        })
    }

    /// One bounded step of the backfill: embeds up to `limit` records without a vector and
    /// moves the watermark past at most `16 × limit` records per layer; returns how many it
    /// embedded. Its cost does not grow with the store, so recall and extraction call it.
    pub(crate) fn embed_step(&self, limit: usize) -> Result<usize> {
        let Some(embedder) = self.embedder() else {
            return Ok(0);
        };
        let (model, dim) = (embedder.id(), embedder.dimension());
        let mut embedded = 0;
        for layer in [Layer::Observation, Layer::Conversation] {
            if embedded >= limit {
                break;
            }
            let (ids, upto) =
                self.store
                    .records_without_vector(model, dim, layer, limit - embedded)?;
            let Some(upto) = upto else {
                continue;
            };
            let texts: Vec<(i64, String, String)> = match layer {
                Layer::Observation => self
                    .store
                    .observations_by_id(&ids)?
                    .into_iter()
                    .map(|o| (o.id, o.project.clone(), embed::observation_text(&o)))
                    .collect(),
                Layer::Conversation => self
                    .store
                    .conversation_records(&ids)?
                    .into_iter()
                    .map(|r| (r.event_id, r.project, r.text))
                    .collect(),
            };
            let refs: Vec<&str> = texts.iter().map(|(_, _, t)| t.as_str()).collect();
            let vectors = if refs.is_empty() {
                Vec::new()
            } else {
                embed_checked(embedder, &refs)?
            };
            let new: Vec<NewVector<'_>> = texts
                .iter()
                .zip(&vectors)
                .filter(|(_, v)| v.iter().any(|x| *x != 0.0))
                .map(|((record, project, _), vector)| NewVector {
                    layer,
                    record: *record,
                    project,
                    vector,
                })
                .collect();
            let tx = self.store.write()?;
            put_vectors(&tx, model, dim, &new)?;
            advance_progress(&tx, model, dim, layer, upto)?;
            tx.commit()
                .map_err(|source| Error::sqlite("commit a batch of vectors", source))?;
            embedded += texts.len();
        }
        Ok(embedded)
    }

    /// What the vector index holds (see [`crate::Memory::vector_status`]).
    pub(crate) fn vector_status(&self) -> Result<VectorStatus> {
        let (embedder, left) = match self.embedder() {
            Some(e) => (
                Some(e.id().to_owned()),
                self.store.vector_backlog(e.id(), e.dimension())?,
            ),
            None => (None, Default::default()),
        };
        Ok(VectorStatus {
            embedder,
            observations_left: left.observations,
            conversation_left: left.conversation,
            stored: self.store.vector_counts()?,
        })
    }
}
