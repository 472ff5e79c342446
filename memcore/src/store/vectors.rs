//! Stored vectors: one quantized code per record and embedder, and per scope the chunks of
//! sign bits that a vector search scans.
//!
//! # Layout
//!
//! * `vector_models`: one row per embedder id (its name and dimension), so the wide tables
//!   carry a small integer instead of the name.
//! * `vectors` (primary key `layer, record, model`): the record's vector as `dim` signed bytes
//!   and one scale (`vector ≈ code × scale`, per-vector symmetric int8 quantization), and the
//!   chunk slot that holds its sign bits.
//! * `vector_chunks`: for one (model, layer, project), up to [`chunk_slots`] records (about [`CHUNK_BYTES`]): their
//!   ids (`i64` little-endian each) and the signs of their coordinates (`ceil(dim / 8)` bytes
//!   each, bit `k % 8` of byte `k / 8` set when coordinate `k` is positive), and how many of
//!   its slots belong to deleted vectors (`dead`).
//!
//! A search reads the chunks of its scope (32 bytes per record at 256 dimensions: 320 KB at
//! 10,000 records), scores every slot against the full-precision query (see
//! `recall::vectors`), and reads the int8 codes of the best few hundred only. Nothing is
//! built in memory when a process starts, and no search holds more than one chunk and a
//! bounded candidate list.
//!
//! # Staying in step
//!
//! Deleting an observation or an event deletes its vectors (triggers), and deleting a
//! vector counts its slot as dead in its chunk; [`Store::compact_vector_chunks`] rewrites
//! chunks whose dead slots pass a quarter. A search skips a slot whose code is gone, so a
//! dead slot costs a few bytes of scanning, never a wrong result.
//!
//! Which records still lack a vector of a model is tracked by a watermark per (model, layer)
//! in `vector_progress`: every record with an id at or below it has been embedded (or had
//! nothing to embed). New records are embedded when they are written where that is cheap
//! and otherwise picked up, oldest first, by the lazy backfill.

use super::{ConnExt, Store, placeholders};
use crate::error::{Result, SqlContext};
use rusqlite::{Transaction, params};
use std::collections::HashMap;

/// Most bytes of ids and sign bits a chunk holds: 409 records at 256 dimensions (40 bytes
/// each), 120 at 1,024. Appending a record rewrites its scope's last chunk, so this bounds
/// what one write costs (8 KB on average), while a scan of 100,000 records at 256 dimensions
/// still reads only about 250 rows.
pub(crate) const CHUNK_BYTES: usize = 16 * 1024;

/// Records per chunk for vectors of `dim` dimensions (at least 16).
pub(crate) fn chunk_slots(dim: usize) -> usize {
    (CHUNK_BYTES / (8 + dim.div_ceil(8))).max(16)
}

/// Which kind of record a vector belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Layer {
    /// An observation (record = observation id).
    Observation,
    /// A conversation record (record = event id).
    Conversation,
}

impl Layer {
    pub(crate) fn code(self) -> i64 {
        match self {
            Layer::Observation => 0,
            Layer::Conversation => 1,
        }
    }
}

/// A vector quantized for storage.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Quantized {
    /// `vector ≈ code × scale`.
    pub scale: f32,
    /// One signed byte per coordinate, in `-127..=127`.
    pub code: Vec<i8>,
    /// The coordinates' signs, `ceil(dim / 8)` bytes.
    pub bits: Vec<u8>,
}

/// Quantizes a vector: symmetric int8 with one scale (`max |x| / 127`), and its sign bits.
/// Non-finite coordinates count as zero.
pub(crate) fn quantize(vector: &[f32]) -> Quantized {
    let max = vector
        .iter()
        .filter(|x| x.is_finite())
        .fold(0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    let code = vector
        .iter()
        .map(|x| {
            if x.is_finite() {
                (x / scale).round().clamp(-127.0, 127.0) as i8
            } else {
                0
            }
        })
        .collect();
    let mut bits = vec![0u8; vector.len().div_ceil(8)];
    for (k, x) in vector.iter().enumerate() {
        if *x > 0.0 {
            bits[k / 8] |= 1 << (k % 8);
        }
    }
    Quantized { scale, code, bits }
}

/// A stored code, read back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Code {
    pub scale: f32,
    pub code: Vec<i8>,
}

impl Code {
    /// The dot product of the stored vector with `query` (exact up to the quantization).
    pub(crate) fn dot(&self, query: &[f32]) -> f32 {
        if self.code.len() != query.len() {
            return 0.0;
        }
        let mut acc = [0f32; 8];
        let (cc, cq) = (self.code.chunks_exact(8), query.chunks_exact(8));
        let (rc, rq) = (cc.remainder(), cq.remainder());
        for (c, q) in cc.zip(cq) {
            for i in 0..8 {
                acc[i] += f32::from(c[i]) * q[i];
            }
        }
        let mut sum =
            ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for (c, q) in rc.iter().zip(rq) {
            sum += f32::from(*c) * q;
        }
        sum * self.scale
    }
}

/// The records of one layer and project, whose sign bits share chunks.
type Scope<'a> = (Layer, &'a str);

/// A vector to store: whose it is, where it lives, and its (unit-length) values.
#[derive(Debug, Clone)]
pub(crate) struct NewVector<'a> {
    pub layer: Layer,
    pub record: i64,
    pub project: &'a str,
    pub vector: &'a [f32],
}

/// The chunks of one scan, as read: the record ids and sign bits of each slot.
pub(crate) struct ChunkView<'a> {
    /// `i64` little-endian per slot.
    pub records: &'a [u8],
    /// `bytes_per_slot` per slot.
    pub bits: &'a [u8],
}

impl ChunkView<'_> {
    /// The record id of slot `i`.
    pub(crate) fn record(&self, i: usize) -> Option<i64> {
        let b = self.records.get(i * 8..i * 8 + 8)?;
        Some(i64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    }
}

/// How many records of one layer still lack a vector of a model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct VectorBacklog {
    pub observations: u64,
    pub conversation: u64,
}

/// The id of embedder `name` (`dim` dimensions), registered when `create`. A name already
/// registered with another dimension is an error: the embedder's id must change when its
/// vectors do.
fn model_id(
    tx: &rusqlite::Connection,
    name: &str,
    dim: usize,
    create: bool,
) -> Result<Option<i64>> {
    let found: Option<(i64, i64)> = tx.query_optional(
        "SELECT id, dim FROM vector_models WHERE name = ?1",
        [name],
        |r| Ok((r.get(0)?, r.get(1)?)),
        || format!("look up embedder {name:?}"),
    )?;
    match found {
        Some((id, d)) if d as usize == dim => Ok(Some(id)),
        Some((_, d)) => Err(crate::Error::InvalidInput {
            what: "embedder",
            reason: format!(
                "embedder {name:?} stored vectors of {d} dimensions and now gives {dim}: \
                 an embedder whose vectors change must change its id"
            ),
        }),
        None if create => {
            tx.execute_cached(
                "INSERT INTO vector_models (name, dim) VALUES (?1, ?2)",
                params![name, dim as i64],
                || format!("register embedder {name:?}"),
            )?;
            Ok(Some(tx.last_insert_rowid()))
        }
        None => Ok(None),
    }
}

/// Stores vectors of embedder `model` in a write transaction: each replaces the record's
/// previous vector of that model, and its sign bits are appended to the last chunk of its
/// scope (a new chunk when that one is full). Vectors must have `dim` coordinates.
pub(crate) fn put_vectors(
    tx: &Transaction<'_>,
    model: &str,
    dim: usize,
    vectors: &[NewVector<'_>],
) -> Result<()> {
    if vectors.is_empty() {
        return Ok(());
    }
    let Some(model_id) = model_id(tx, model, dim, true)? else {
        return Ok(());
    };
    let bytes = dim.div_ceil(8);
    let slots = chunk_slots(dim);
    // Group by scope so each chunk is rewritten once per call.
    let mut scopes: Vec<(Scope<'_>, Vec<(i64, Quantized)>)> = Vec::new();
    for v in vectors {
        if v.vector.len() != dim {
            return Err(crate::Error::InvalidInput {
                what: "embedder output",
                reason: format!(
                    "embedder {model:?} gave a vector of {} dimensions, declared {dim}",
                    v.vector.len()
                ),
            });
        }
        // A vector stored before for this record and model leaves a dead slot.
        tx.execute_cached(
            "DELETE FROM vectors WHERE layer = ?1 AND record = ?2 AND model = ?3",
            params![v.layer.code(), v.record, model_id],
            || format!("replace the vector of record {}", v.record),
        )?;
        let q = quantize(v.vector);
        match scopes.iter_mut().find(|(k, _)| *k == (v.layer, v.project)) {
            Some((_, list)) => list.push((v.record, q)),
            None => scopes.push(((v.layer, v.project), vec![(v.record, q)])),
        }
    }
    for ((layer, project), items) in scopes {
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            // The last chunk of the scope, if it has room.
            let last: Option<(i64, Vec<u8>, Vec<u8>)> = tx.query_optional(
                "SELECT id, records, bits FROM vector_chunks
                 WHERE model = ?1 AND layer = ?2 AND project = ?3
                 ORDER BY id DESC LIMIT 1",
                params![model_id, layer.code(), project],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                || format!("read the last vector chunk of project {project:?}"),
            )?;
            let (chunk, mut records, mut bits) = match last {
                Some((id, r, b)) if r.len() / 8 < slots => (Some(id), r, b),
                _ => (None, Vec::new(), Vec::new()),
            };
            let mut placed: Vec<(i64, usize, Quantized)> = Vec::new();
            while records.len() / 8 < slots {
                let Some((record, q)) = items.next() else {
                    break;
                };
                let slot = records.len() / 8;
                records.extend_from_slice(&record.to_le_bytes());
                bits.extend_from_slice(&q.bits[..bytes]);
                placed.push((record, slot, q));
            }
            let chunk = match chunk {
                Some(id) => {
                    tx.execute_cached(
                        "UPDATE vector_chunks SET records = ?2, bits = ?3 WHERE id = ?1",
                        params![id, records, bits],
                        || format!("append to vector chunk {id}"),
                    )?;
                    id
                }
                None => {
                    tx.execute_cached(
                        "INSERT INTO vector_chunks (model, layer, project, records, bits, dead)
                         VALUES (?1, ?2, ?3, ?4, ?5, 0)",
                        params![model_id, layer.code(), project, records, bits],
                        || format!("start a vector chunk for project {project:?}"),
                    )?;
                    tx.last_insert_rowid()
                }
            };
            for (record, slot, q) in placed {
                let code: Vec<u8> = q.code.iter().map(|c| *c as u8).collect();
                tx.execute_cached(
                    "INSERT INTO vectors (layer, record, model, chunk, slot, scale, code)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        layer.code(),
                        record,
                        model_id,
                        chunk,
                        slot as i64,
                        f64::from(q.scale),
                        code
                    ],
                    || format!("store the vector of record {record}"),
                )?;
            }
        }
    }
    Ok(())
}

/// Marks records as considered by the backfill of `model` (at most `upto`), whether or not
/// they got a vector.
pub(crate) fn advance_progress(
    tx: &Transaction<'_>,
    model: &str,
    dim: usize,
    layer: Layer,
    upto: i64,
) -> Result<()> {
    let Some(model_id) = model_id(tx, model, dim, true)? else {
        return Ok(());
    };
    tx.execute_cached(
        "INSERT INTO vector_progress (model, layer, upto) VALUES (?1, ?2, ?3)
         ON CONFLICT (model, layer) DO UPDATE SET upto = max(upto, excluded.upto)",
        params![model_id, layer.code(), upto],
        || "record the vector backfill's progress".into(),
    )?;
    Ok(())
}

/// The SQL that lists the records of a layer a backfill walks, oldest first: observations,
/// and conversation records that have their full-text row (an event still waiting for its
/// index row stops the walk, so the watermark never passes it).
fn layer_records(layer: Layer) -> &'static str {
    match layer {
        Layer::Observation => "SELECT id, 1 FROM observations WHERE id > ?1 ORDER BY id LIMIT ?2",
        Layer::Conversation => {
            "SELECT id, conversation_indexed FROM events WHERE id > ?1 ORDER BY id LIMIT ?2"
        }
    }
}

impl Store {
    /// The registered id of embedder `model`, if it has stored anything.
    fn existing_model(&self, model: &str, dim: usize) -> Result<Option<i64>> {
        model_id(&self.conn, model, dim, false)
    }

    /// The backfill watermark of `model` in `layer` (0 when it never ran).
    fn progress(&self, model_id: Option<i64>, layer: Layer) -> Result<i64> {
        let Some(model_id) = model_id else {
            return Ok(0);
        };
        let upto = self.conn.query_optional(
            "SELECT upto FROM vector_progress WHERE model = ?1 AND layer = ?2",
            params![model_id, layer.code()],
            |r| r.get(0),
            || "read the vector backfill's progress".into(),
        )?;
        Ok(upto.unwrap_or(0))
    }

    /// Up to `limit` records of `layer`, oldest first, that the backfill of `model` has not
    /// considered yet and that have no vector of it, with the id the watermark may advance to
    /// once they are embedded. Looks at most `16 × limit` records past the watermark, so a
    /// stretch of records embedded when written is passed over quickly.
    pub(crate) fn records_without_vector(
        &self,
        model: &str,
        dim: usize,
        layer: Layer,
        limit: usize,
    ) -> Result<(Vec<i64>, Option<i64>)> {
        let model_id = self.existing_model(model, dim)?;
        let after = self.progress(model_id, layer)?;
        let window = limit.saturating_mul(16).max(1);
        let rows: Vec<(i64, i64)> = self.conn.query_rows(
            layer_records(layer),
            params![after, window as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
            || "list records waiting for a vector".into(),
        )?;
        // Up to the first event still waiting for its index row.
        let scanned: Vec<i64> = rows
            .iter()
            .take_while(|(_, indexed)| *indexed != 0)
            .map(|(id, _)| *id)
            .collect();
        let have = match model_id {
            Some(model_id) => self.records_with_vector(model_id, layer, &scanned)?,
            None => HashMap::new(),
        };
        let mut ids = Vec::new();
        let mut upto = None;
        for id in scanned {
            if !have.contains_key(&id) {
                if ids.len() == limit {
                    break;
                }
                ids.push(id);
            }
            upto = Some(id);
        }
        Ok((ids, upto))
    }

    /// Which of `ids` have a vector of model `model_id` (id → nothing).
    fn records_with_vector(
        &self,
        model_id: i64,
        layer: Layer,
        ids: &[i64],
    ) -> Result<HashMap<i64, ()>> {
        let mut out = HashMap::new();
        for batch in ids.chunks(500) {
            let sql = format!(
                "SELECT record FROM vectors WHERE layer = ? AND model = ? AND record IN ({})",
                placeholders(batch.len())
            );
            let mut values: Vec<i64> = vec![layer.code(), model_id];
            values.extend_from_slice(batch);
            let found: Vec<i64> = self.conn.query_rows(
                &sql,
                rusqlite::params_from_iter(values),
                |r| r.get(0),
                || "check which records have a vector".into(),
            )?;
            out.extend(found.into_iter().map(|id| (id, ())));
        }
        Ok(out)
    }

    /// How many records the backfill of `model` has still to consider, per layer (records
    /// embedded when written count until the watermark passes them only when they lack a
    /// vector).
    pub(crate) fn vector_backlog(&self, model: &str, dim: usize) -> Result<VectorBacklog> {
        let model_id = self.existing_model(model, dim)?;
        let count = |layer: Layer, sql: &str| -> Result<u64> {
            let after = self.progress(model_id, layer)?;
            let n = self.conn.query_single(
                sql,
                params![after, model_id.unwrap_or(-1), layer.code()],
                |r| r.get::<_, i64>(0),
                || "count records waiting for a vector".into(),
            )?;
            Ok(n.max(0) as u64)
        };
        Ok(VectorBacklog {
            observations: count(
                Layer::Observation,
                "SELECT count(*) FROM observations o WHERE o.id > ?1 AND NOT EXISTS
                 (SELECT 1 FROM vectors v WHERE v.layer = ?3 AND v.record = o.id AND v.model = ?2)",
            )?,
            conversation: count(
                Layer::Conversation,
                "SELECT count(*) FROM events e WHERE e.id > ?1 AND NOT EXISTS
                 (SELECT 1 FROM vectors v WHERE v.layer = ?3 AND v.record = e.id AND v.model = ?2)",
            )?,
        })
    }

    /// Calls `f` with every chunk of `model`'s vectors in `layer` and `project` (`None`: every
    /// project), one at a time. Returns the bytes per slot (0 when the model stored nothing).
    pub(crate) fn scan_vector_chunks(
        &self,
        model: &str,
        dim: usize,
        layer: Layer,
        project: Option<&str>,
        mut f: impl FnMut(&ChunkView<'_>),
    ) -> Result<usize> {
        let Some(model_id) = self.existing_model(model, dim)? else {
            return Ok(0);
        };
        let mut read = |rows: &mut rusqlite::Rows<'_>| -> Result<()> {
            while let Some(row) = rows.next().ctx(|| "read a vector chunk".into())? {
                let records = row
                    .get_ref(0)
                    .and_then(|v| v.as_blob().map_err(Into::into))
                    .ctx(|| "read a vector chunk's records".into())?;
                let bits = row
                    .get_ref(1)
                    .and_then(|v| v.as_blob().map_err(Into::into))
                    .ctx(|| "read a vector chunk's bits".into())?;
                f(&ChunkView { records, bits });
            }
            Ok(())
        };
        match project {
            Some(project) => {
                let mut stmt = self
                    .conn
                    .prepare_cached(
                        "SELECT records, bits FROM vector_chunks
                         WHERE model = ?1 AND layer = ?2 AND project = ?3",
                    )
                    .ctx(|| "prepare the vector scan".into())?;
                let mut rows = stmt
                    .query(params![model_id, layer.code(), project])
                    .ctx(|| "scan vector chunks".into())?;
                read(&mut rows)?;
            }
            None => {
                let mut stmt = self
                    .conn
                    .prepare_cached(
                        "SELECT records, bits FROM vector_chunks WHERE model = ?1 AND layer = ?2",
                    )
                    .ctx(|| "prepare the vector scan".into())?;
                let mut rows = stmt
                    .query(params![model_id, layer.code()])
                    .ctx(|| "scan vector chunks".into())?;
                read(&mut rows)?;
            }
        }
        Ok(dim.div_ceil(8))
    }

    /// The stored codes of `model` for those of `records` that have one.
    pub(crate) fn vector_codes(
        &self,
        model: &str,
        dim: usize,
        layer: Layer,
        records: &[i64],
    ) -> Result<HashMap<i64, Code>> {
        let mut out = HashMap::new();
        let Some(model_id) = self.existing_model(model, dim)? else {
            return Ok(out);
        };
        for batch in super::id_batches(records) {
            let sql = format!(
                "SELECT record, scale, code FROM vectors
                 WHERE layer = ? AND model = ? AND record IN ({})",
                placeholders(batch.len())
            );
            let mut values: Vec<i64> = vec![layer.code(), model_id];
            values.extend_from_slice(&batch);
            let mut stmt = self
                .conn
                .prepare_cached(&sql)
                .ctx(|| "prepare the read of candidate vectors".into())?;
            let mut rows = stmt
                .query(rusqlite::params_from_iter(values))
                .ctx(|| "read candidate vectors".into())?;
            while let Some(row) = rows.next().ctx(|| "read candidate vectors".into())? {
                let read = |row: &rusqlite::Row<'_>| -> rusqlite::Result<Option<(i64, Code)>> {
                    let code = row.get_ref(2)?.as_blob()?;
                    if code.len() != dim {
                        return Ok(None);
                    }
                    Ok(Some((
                        row.get(0)?,
                        Code {
                            scale: row.get::<_, f64>(1)? as f32,
                            code: code.iter().map(|b| *b as i8).collect(),
                        },
                    )))
                };
                if let Some((record, code)) = read(row).ctx(|| "read a candidate vector".into())? {
                    out.insert(record, code);
                }
            }
        }
        Ok(out)
    }

    /// Rewrites chunks whose dead slots pass a quarter of them (at most `limit` chunks), so
    /// scans stop reading deleted records. Returns how many chunks it rewrote.
    pub(crate) fn compact_vector_chunks(&self, limit: usize) -> Result<usize> {
        let tx = self.write()?;
        let chunks: Vec<(i64, Vec<u8>, Vec<u8>)> = tx.query_rows(
            "SELECT id, records, bits FROM vector_chunks
             WHERE dead * 4 > length(records) / 8 LIMIT ?1",
            [limit as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            || "find vector chunks to compact".into(),
        )?;
        let done = chunks.len();
        for (id, records, bits) in chunks {
            let slots = records.len() / 8;
            let bytes = bits.len().checked_div(slots).unwrap_or(0);
            // The live slots: those a vector still points at.
            let live: Vec<(i64, i64, i64, i64)> = tx.query_rows(
                "SELECT layer, record, model, slot FROM vectors WHERE chunk = ?1 ORDER BY slot",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                || format!("read the live slots of vector chunk {id}"),
            )?;
            if live.is_empty() {
                tx.execute("DELETE FROM vector_chunks WHERE id = ?1", [id])
                    .ctx(|| format!("drop vector chunk {id}"))?;
                continue;
            }
            let mut new_records = Vec::with_capacity(live.len() * 8);
            let mut new_bits = Vec::with_capacity(live.len() * bytes);
            for (at, (layer, record, model, slot)) in live.iter().enumerate() {
                let slot = *slot as usize;
                let (Some(r), Some(b)) = (
                    records.get(slot * 8..slot * 8 + 8),
                    bits.get(slot * bytes..slot * bytes + bytes),
                ) else {
                    continue;
                };
                new_records.extend_from_slice(r);
                new_bits.extend_from_slice(b);
                tx.execute_cached(
                    "UPDATE vectors SET slot = ?4 WHERE layer = ?1 AND record = ?2 AND model = ?3",
                    params![layer, record, model, at as i64],
                    || format!("move record {record} in vector chunk {id}"),
                )?;
            }
            tx.execute_cached(
                "UPDATE vector_chunks SET records = ?2, bits = ?3, dead = 0 WHERE id = ?1",
                params![id, new_records, new_bits],
                || format!("rewrite vector chunk {id}"),
            )?;
        }
        tx.commit().ctx(|| "commit the vector compaction".into())?;
        Ok(done)
    }

    /// Number of stored vectors per embedder name.
    pub(crate) fn vector_counts(&self) -> Result<Vec<(String, u64)>> {
        self.conn.query_rows(
            "SELECT m.name, (SELECT count(*) FROM vectors v WHERE v.model = m.id)
             FROM vector_models m ORDER BY m.id",
            [],
            |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)),
            || "count stored vectors".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_keeps_direction_and_signs() {
        let v = [0.5f32, -0.25, 0.0, 1.0, -1.0, 0.125, 0.3, -0.3, 0.9];
        let q = quantize(&v);
        assert_eq!(q.code.len(), 9);
        assert_eq!(q.code[3], 127);
        assert_eq!(q.code[4], -127);
        assert_eq!(q.bits, vec![0b0110_1001, 0b0000_0001]);
        let back: Vec<f32> = q.code.iter().map(|c| f32::from(*c) * q.scale).collect();
        for (a, b) in v.iter().zip(&back) {
            assert!((a - b).abs() < 0.005, "{a} vs {b}");
        }
        let code = Code {
            scale: q.scale,
            code: q.code.clone(),
        };
        let exact: f32 = v.iter().map(|x| x * x).sum();
        assert!((code.dot(&v) - exact).abs() < 0.01);
        assert_eq!(code.dot(&v[1..]), 0.0);
    }

    #[test]
    fn quantize_survives_zero_and_non_finite() {
        let q = quantize(&[0.0, 0.0]);
        assert_eq!(q.code, vec![0, 0]);
        assert_eq!(q.scale, 1.0);
        let q = quantize(&[f32::NAN, 1.0, f32::INFINITY]);
        assert_eq!(q.code, vec![0, 127, 0]);
    }
}
