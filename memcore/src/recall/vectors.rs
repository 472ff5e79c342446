//! The in-memory vector index a [`crate::Memory`] keeps for the last scope it searched.
//!
//! Reading every stored vector from SQLite for each query costs 4 KB per observation, so
//! the vectors of one (project, embedder) pair are read once and kept: the newest
//! `window` of them (by id), as floats, compared exactly by brute force. The index notices
//! every commit, by this connection (`total_changes`) or another (`PRAGMA data_version`):
//! new observations are appended (and the oldest dropped past the window); anything else (a
//! deletion) rebuilds it.
//!
//! Observations outside the window are still compared exactly when the full-text search
//! brings them: [`VectorCache::similarities`] reads their vectors from the file.
//!
//! Why a window and not an approximate index over everything: on LoCoMo the fused ranking
//! is the same to the decimal with no vector-only candidates at all (the gain of fusion comes
//! from the similarity of the text candidates), and a one-bit-per-coordinate index ranked
//! the vectors of short queries badly (vector-only R@10 41 against 63.7 exact, because the
//! mostly-zero query coordinates carry no sign). A window keeps memory bounded (16 MB at the
//! default 4,096 vectors of 1,024 dimensions) and the first search of a short-lived process
//! cheap (it reads the window, not the whole store).

use crate::error::Result;
use crate::model::ObservationId;
use crate::store::Store;
use crate::store::search::ScopeCensus;
use std::cell::RefCell;
use std::collections::HashMap;

/// The lazily built vector index of a [`crate::Memory`]. Not shared between handles.
#[derive(Debug, Default)]
pub(crate) struct VectorCache {
    index: RefCell<Option<VectorIndex>>,
}

/// Where a vector search looks.
pub(crate) struct VectorQuery<'a> {
    /// The project (`None`: the whole store).
    pub project: Option<&'a str>,
    /// The embedder id the vectors must have.
    pub model: &'a str,
    /// The query vector, unit length.
    pub vector: &'a [f32],
    /// How many of the newest vectors the index holds.
    pub window: usize,
}

#[derive(Debug)]
struct VectorIndex {
    project: Option<String>,
    model: String,
    dim: usize,
    window: usize,
    stamp: (i64, u64),
    census: ScopeCensus,
    /// Observation ids in ascending order.
    ids: Vec<ObservationId>,
    /// `dim` floats per id.
    floats: Vec<f32>,
}

impl VectorIndex {
    fn new(query: &VectorQuery<'_>, stamp: (i64, u64), census: ScopeCensus) -> Self {
        VectorIndex {
            project: query.project.map(str::to_owned),
            model: query.model.to_owned(),
            dim: query.vector.len(),
            window: query.window,
            stamp,
            census,
            ids: Vec::new(),
            floats: Vec::new(),
        }
    }

    /// Appends the newest stored vectors with ids above `after` (at most a window of them),
    /// then drops the oldest beyond the window.
    fn load(&mut self, store: &Store, after: ObservationId, expected: usize) -> Result<()> {
        let dim = self.dim;
        let expected = expected.min(self.window);
        let mut ids = Vec::with_capacity(expected);
        let mut floats: Vec<f32> = Vec::with_capacity(expected * dim);
        store.for_each_newest_vector(
            self.project.as_deref(),
            &self.model,
            after,
            self.window,
            |id, blob| {
                if blob.len() != dim * 4 {
                    return;
                }
                ids.push(id);
                floats.extend(
                    blob.chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                );
            },
        )?;
        // Rows came newest first; the index keeps ascending ids.
        let keep = (self.ids.len() + ids.len()).min(self.window);
        let drop = self.ids.len() + ids.len() - keep;
        let mut all_ids = Vec::with_capacity(keep);
        let mut all_floats = Vec::with_capacity(keep * dim);
        let old = self.ids.len().saturating_sub(drop);
        let old_from = self.ids.len() - old;
        all_ids.extend_from_slice(&self.ids[old_from..]);
        all_floats.extend_from_slice(&self.floats[old_from * dim..]);
        let new_from = drop.saturating_sub(self.ids.len());
        for at in (0..ids.len() - new_from).rev() {
            all_ids.push(ids[at]);
            all_floats.extend_from_slice(&floats[at * dim..(at + 1) * dim]);
        }
        self.ids = all_ids;
        self.floats = all_floats;
        Ok(())
    }

    fn vector(&self, at: usize) -> &[f32] {
        &self.floats[at * self.dim..(at + 1) * self.dim]
    }
}

/// The dot product with eight independent partial sums, added in a fixed order: the same
/// result on every platform, and fast (the compiler can keep the lanes in SIMD registers).
pub(crate) fn fast_dot(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        sum += x * y;
    }
    sum
}

/// Decodes a stored vector of `dim` floats; `None` when the length does not match.
fn decode(blob: &[u8], dim: usize) -> Option<Vec<f32>> {
    (blob.len() == dim * 4).then(|| {
        blob.chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    })
}

/// Higher first; ties go to the newer (higher) id.
fn order(a: &(ObservationId, f32), b: &(ObservationId, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(b.0.cmp(&a.0))
}

/// The `m` best of `scores`, in order.
fn best(mut scores: Vec<(ObservationId, f32)>, m: usize) -> Vec<(ObservationId, f32)> {
    if m < scores.len() {
        scores.select_nth_unstable_by(m, order);
        scores.truncate(m);
    }
    scores.sort_by(order);
    scores
}

impl VectorCache {
    /// Runs `f` with an up-to-date index for the query's scope and embedder.
    fn with_index<T>(
        &self,
        store: &Store,
        query: &VectorQuery<'_>,
        f: impl FnOnce(&VectorIndex) -> Result<T>,
    ) -> Result<T> {
        let stamp = store.change_stamp()?;
        let mut slot = self.index.borrow_mut();
        let fits = slot.as_ref().is_some_and(|ix| {
            ix.project.as_deref() == query.project
                && ix.model == query.model
                && ix.dim == query.vector.len()
                && ix.window == query.window
        });
        let fresh = match slot.take().filter(|_| fits) {
            Some(ix) if ix.stamp == stamp => ix,
            Some(mut ix) => {
                // Something was committed: append what is new, rebuild if anything vanished.
                let census = store.scope_census(query.project, ix.census.max_id)?;
                if census.count - census.added_after == ix.census.count {
                    let after = ix.census.max_id;
                    ix.load(store, after, census.added_after as usize)?;
                    ix.stamp = stamp;
                    ix.census = census;
                    ix
                } else {
                    let mut ix = VectorIndex::new(query, stamp, census);
                    ix.load(store, 0, census.count as usize)?;
                    ix
                }
            }
            None => {
                let census = store.scope_census(query.project, 0)?;
                let mut ix = VectorIndex::new(query, stamp, census);
                ix.load(store, 0, census.count as usize)?;
                ix
            }
        };
        let out = f(&fresh);
        *slot = Some(fresh);
        out
    }

    /// The `k` vectors of the index nearest to the query (cosine, best first) among those
    /// `keep` lets through. `keep` filters a list of ids, keeping their order.
    pub(crate) fn nearest(
        &self,
        store: &Store,
        query: &VectorQuery<'_>,
        k: usize,
        keep: &dyn Fn(&[ObservationId]) -> Result<Vec<ObservationId>>,
    ) -> Result<Vec<(ObservationId, f32)>> {
        if k == 0 || query.window == 0 || query.vector.iter().all(|x| *x == 0.0) {
            return Ok(Vec::new());
        }
        self.with_index(store, query, |ix| {
            let scores: Vec<(ObservationId, f32)> = ix
                .ids
                .iter()
                .enumerate()
                .map(|(at, id)| (*id, fast_dot(ix.vector(at), query.vector)))
                .collect();
            let n = scores.len();
            // Walk down the ranking until enough candidates pass the filter.
            let mut m = k.max(64);
            loop {
                let top = best(scores.clone(), m.min(n));
                let ids: Vec<ObservationId> = top.iter().map(|(id, _)| *id).collect();
                let kept = keep(&ids)?;
                if kept.len() >= k || m >= n {
                    let score: HashMap<ObservationId, f32> = top.into_iter().collect();
                    return Ok(kept
                        .into_iter()
                        .take(k)
                        .map(|id| (id, score.get(&id).copied().unwrap_or(0.0)))
                        .collect());
                }
                m = m.saturating_mul(4);
            }
        })
    }

    /// The exact similarity of the query with each of `ids` that has a vector: from the
    /// index when it holds them, else read from the file.
    pub(crate) fn similarities(
        &self,
        store: &Store,
        query: &VectorQuery<'_>,
        ids: &[ObservationId],
    ) -> Result<HashMap<ObservationId, f32>> {
        if ids.is_empty() || query.vector.iter().all(|x| *x == 0.0) {
            return Ok(HashMap::new());
        }
        self.with_index(store, query, |ix| {
            let mut out = HashMap::new();
            let mut missing = Vec::new();
            for id in ids {
                match ix.ids.binary_search(id) {
                    Ok(at) => {
                        out.insert(*id, fast_dot(ix.vector(at), query.vector));
                    }
                    Err(_) => missing.push(*id),
                }
            }
            for (id, blob) in store.vectors_by_id(&missing, query.model)? {
                if let Some(v) = decode(&blob, ix.dim) {
                    out.insert(id, fast_dot(&v, query.vector));
                }
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_dot_matches_the_plain_dot_product() {
        let a: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..37).map(|i| (i as f32 * 0.11).cos()).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((fast_dot(&a, &b) - plain).abs() < 1e-5);
        assert_eq!(fast_dot(&a, &b[1..]), 0.0);
    }

    #[test]
    fn best_keeps_the_top_in_order() {
        let scores = vec![(1, 0.1), (2, 0.9), (3, 0.5), (4, 0.9)];
        assert_eq!(best(scores.clone(), 2), vec![(4, 0.9), (2, 0.9)]);
        assert_eq!(best(scores, 10).len(), 4);
    }

    #[test]
    fn decode_checks_the_length() {
        assert_eq!(decode(&1.5f32.to_le_bytes(), 1), Some(vec![1.5]));
        assert_eq!(decode(&[0, 0, 0], 1), None);
    }
}
