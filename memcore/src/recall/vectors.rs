//! Vector search over the stored index (`store::vectors`): an approximate pass over every
//! record of the scope, then exact scores for the best few hundred.
//!
//! # How it ranks
//!
//! 1. **Approximate pass.** Every slot of the scope's chunks holds the signs of its vector's
//!    coordinates. Its approximate score is `Σ_k q_k × sign_k`: the query keeps its full
//!    precision and each stored coordinate is taken as ±1 (asymmetric binary scoring; a
//!    query coordinate near zero adds nothing, where Hamming distance between two sign
//!    vectors would count it as much as any other). With a table of the 256 partial sums
//!    of every 8 coordinates, a slot costs `dim / 8` look-ups and additions: about 0.3 ms
//!    for 10,000 records of 256 dimensions. The best [`crate::RecallConfig::vector_rescore`]
//!    slots are kept in a bounded list.
//! 2. **Exact pass.** Their int8 codes are read and scored exactly (cosine up to the
//!    quantization: within about 0.005 of the float value). A scope no larger than the
//!    rescoring pool is therefore ranked exactly.
//!
//! Nothing is built when a process starts and nothing is kept between searches: memory is
//! one chunk and the candidate list, whatever the size of the store.

use crate::error::Result;
use crate::store::Store;
use crate::store::vectors::{ChunkView, Layer};
use std::collections::{HashMap, HashSet};

/// Where a vector search looks.
pub(crate) struct VectorQuery<'a> {
    /// The project (`None`: the whole store).
    pub project: Option<&'a str>,
    /// The embedder id the vectors must have.
    pub model: &'a str,
    /// The query vector, unit length.
    pub vector: &'a [f32],
    /// Observations or conversation records.
    pub layer: Layer,
}

impl VectorQuery<'_> {
    fn is_zero(&self) -> bool {
        self.vector.iter().all(|x| *x == 0.0)
    }
}

/// The partial sums of the approximate score: entry `j * 256 + b` is the score of byte `j`
/// of a stored sign vector when that byte is `b`.
fn sign_table(query: &[f32]) -> Vec<f32> {
    let bytes = query.len().div_ceil(8);
    let mut table = vec![0f32; bytes * 256];
    for j in 0..bytes {
        let coords = &query[j * 8..(j * 8 + 8).min(query.len())];
        for b in 0..256usize {
            let mut sum = 0f32;
            for (k, q) in coords.iter().enumerate() {
                if b & (1 << k) != 0 {
                    sum += q;
                } else {
                    sum -= q;
                }
            }
            table[j * 256 + b] = sum;
        }
    }
    table
}

/// The approximate score of one slot's sign bytes: the sum of their entries in the table of
/// [`sign_table`]. Four running sums, so that the additions do not wait on each other (the
/// scan is bound by them: four times faster than one sum on 10,000 records).
fn approximate_score(table: &[f32], signs: &[u8]) -> f32 {
    let mut sums = [0f32; 4];
    let rows = table.chunks_exact(4 * 256);
    let groups = signs.chunks_exact(4);
    let (rest_rows, rest_signs) = (rows.remainder(), groups.remainder());
    for (rows, group) in rows.zip(groups) {
        // Fixed sizes: indexing with a byte needs no bounds check.
        if let (Ok(rows), Ok(group)) = (<&[f32; 1024]>::try_from(rows), <&[u8; 4]>::try_from(group))
        {
            sums[0] += rows[usize::from(group[0])];
            sums[1] += rows[256 + usize::from(group[1])];
            sums[2] += rows[512 + usize::from(group[2])];
            sums[3] += rows[768 + usize::from(group[3])];
        }
    }
    for (row, b) in rest_rows.chunks_exact(256).zip(rest_signs) {
        sums[0] += row.get(usize::from(*b)).copied().unwrap_or(0.0);
    }
    (sums[0] + sums[1]) + (sums[2] + sums[3])
}

/// The best `keep` (score, record) pairs seen, in bounded memory: the list grows to twice
/// `keep` and is cut back to the best `keep`. After a cut, a score below the lowest one kept
/// cannot make the best `keep` any more and is not even stored (most of a large scan).
struct Best {
    keep: usize,
    items: Vec<(f32, i64)>,
    floor: f32,
}

impl Best {
    fn new(keep: usize) -> Self {
        Best {
            keep: keep.max(1),
            items: Vec::with_capacity(keep.max(1) * 2),
            floor: f32::NEG_INFINITY,
        }
    }

    fn push(&mut self, score: f32, record: i64) {
        if score < self.floor {
            return;
        }
        self.items.push((score, record));
        if self.items.len() >= self.keep * 2 {
            self.cut();
        }
    }

    fn cut(&mut self) {
        if self.items.len() > self.keep {
            self.items
                .select_nth_unstable_by(self.keep, |a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
            self.items.truncate(self.keep);
            self.floor = self
                .items
                .iter()
                .map(|(s, _)| *s)
                .fold(f32::INFINITY, f32::min);
        }
    }

    fn into_records(mut self) -> Vec<i64> {
        self.cut();
        self.items.into_iter().map(|(_, r)| r).collect()
    }
}

/// The approximate pass: the `pool` records of the scope with the best approximate scores
/// (deduplicated), and how many slots were scanned.
fn approximate(store: &Store, query: &VectorQuery<'_>, pool: usize) -> Result<(Vec<i64>, usize)> {
    let table = sign_table(query.vector);
    let bytes = query.vector.len().div_ceil(8);
    let mut best = Best::new(pool);
    let mut scanned = 0usize;
    store.scan_vector_chunks(
        query.model,
        query.vector.len(),
        query.layer,
        query.project,
        |chunk: &ChunkView<'_>| {
            let slots = (chunk.records.len() / 8).min(chunk.bits.len() / bytes.max(1));
            for (i, signs) in chunk.bits.chunks_exact(bytes).take(slots).enumerate() {
                let Some(record) = chunk.record(i) else {
                    continue;
                };
                best.push(approximate_score(&table, signs), record);
            }
            scanned += slots;
        },
    )?;
    let mut seen = HashSet::new();
    let mut records = best.into_records();
    records.retain(|r| seen.insert(*r));
    Ok((records, scanned))
}

/// Higher first; ties go to the newer (higher) id.
fn order(a: &(i64, f32), b: &(i64, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(b.0.cmp(&a.0))
}

/// The `k` records of the scope nearest to the query (cosine, best first) among those `keep`
/// lets through, from a rescoring pool of `rescore` approximate candidates (grown when the
/// filter leaves fewer than `k`). `keep` filters a list of ids, keeping their order.
pub(crate) fn nearest(
    store: &Store,
    query: &VectorQuery<'_>,
    k: usize,
    rescore: usize,
    keep: &dyn Fn(&[i64]) -> Result<Vec<i64>>,
) -> Result<Vec<(i64, f32)>> {
    if k == 0 || query.is_zero() {
        return Ok(Vec::new());
    }
    let mut pool = rescore.max(k);
    loop {
        let (candidates, scanned) = approximate(store, query, pool)?;
        let mut scored: Vec<(i64, f32)> = similarities(store, query, &candidates)?
            .into_iter()
            .collect();
        scored.sort_by(order);
        let ids: Vec<i64> = scored.iter().map(|(id, _)| *id).collect();
        let kept = keep(&ids)?;
        if kept.len() >= k || pool >= scanned {
            let score: HashMap<i64, f32> = scored.into_iter().collect();
            return Ok(kept
                .into_iter()
                .take(k)
                .map(|id| (id, score.get(&id).copied().unwrap_or(0.0)))
                .collect());
        }
        pool = pool.saturating_mul(4);
    }
}

/// The similarity of the query with each of `ids` that has a vector (from its stored code).
pub(crate) fn similarities(
    store: &Store,
    query: &VectorQuery<'_>,
    ids: &[i64],
) -> Result<HashMap<i64, f32>> {
    if ids.is_empty() || query.is_zero() {
        return Ok(HashMap::new());
    }
    Ok(store
        .vector_codes(query.model, query.vector.len(), query.layer, ids)?
        .into_iter()
        .map(|(id, code)| (id, code.dot(query.vector)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_table_adds_up_to_the_signed_sum() {
        for dim in [19usize, 67, 256] {
            let q: Vec<f32> = (0..dim).map(|i| (i as f32 * 0.7).sin()).collect();
            let table = sign_table(&q);
            let signs: Vec<bool> = (0..dim).map(|i| i % 3 != 0).collect();
            let mut bits = vec![0u8; dim.div_ceil(8)];
            for (k, s) in signs.iter().enumerate() {
                if *s {
                    bits[k / 8] |= 1 << (k % 8);
                }
            }
            let fast = approximate_score(&table, &bits);
            let plain: f32 = q
                .iter()
                .zip(&signs)
                .map(|(x, s)| if *s { *x } else { -x })
                .sum();
            assert!((fast - plain).abs() < 1e-4, "{dim} dimensions");
        }
    }

    #[test]
    fn best_keeps_the_top_scores() {
        let mut best = Best::new(3);
        for (i, s) in [0.1f32, 0.9, 0.5, 0.7, 0.2, 0.95, 0.3].iter().enumerate() {
            best.push(*s, i as i64);
        }
        let mut top = best.into_records();
        top.sort();
        assert_eq!(top, vec![1, 3, 5]);
    }

    #[test]
    fn best_skips_nothing_that_belongs_in_the_top() {
        // Scores with ties, so the floor is met exactly.
        let scores: Vec<f32> = (0..1000)
            .map(|i| ((i * 7919) % 101) as f32 / 10.0)
            .collect();
        let mut best = Best::new(10);
        for (i, s) in scores.iter().enumerate() {
            best.push(*s, i as i64);
        }
        let mut top = best.into_records();
        top.sort();
        let mut all: Vec<(f32, i64)> = scores
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, i as i64))
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        let mut expected: Vec<i64> = all.iter().take(10).map(|(_, i)| *i).collect();
        expected.sort();
        assert_eq!(top, expected);
    }
}
