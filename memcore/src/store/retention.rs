//! SQL of retention: finding what a policy would remove, removing it in one transaction
//! (observations with their full-text rows, provenance, files and vectors; extracted events
//! with their conversation-index rows), and giving the space back to the filesystem.
//!
//! Only unpinned observations and events whose extraction is over (`extracted` or `skipped`)
//! are ever candidates: pending and failed events still wait for extraction.

use super::{ConnExt, Store, placeholders};
use crate::error::{Result, SqlContext};
use crate::model::{EventId, ObservationId};
use rusqlite::{params, params_from_iter};
use std::collections::BTreeMap;

/// Estimated bytes an observation takes: its text twice (row and full-text index), its
/// vector, and a fixed overhead for the index entries of its row.
const OBSERVATION_BYTES: &str = "(2 * (length(CAST(title AS BLOB)) + length(CAST(subtitle AS BLOB))
      + length(CAST(narrative AS BLOB)) + length(CAST(facts AS BLOB))
      + length(CAST(context AS BLOB)) + length(CAST(concepts AS BLOB))
      + length(CAST(files_read AS BLOB)) + length(CAST(files_modified AS BLOB)))
      + coalesce((SELECT sum(length(code) * 9 / 8 + 64) FROM vectors v
                  WHERE v.layer = 0 AND v.record = observations.id), 0)
      + 160)";

/// Estimated bytes an event takes: its payload, about as much again for its short form in the
/// conversation index (bounded, and about as long as the payload for the messages that make
/// most of it), and a fixed overhead.
const EVENT_BYTES: &str = "(length(CAST(payload AS BLOB)) * 2 + 96
      + coalesce((SELECT sum(length(code) * 9 / 8 + 64) FROM vectors v
                  WHERE v.layer = 1 AND v.record = events.id), 0))";

/// Events retention may remove: their extraction is over.
const PRUNABLE_EVENT: &str = "status IN ('extracted', 'skipped')";

/// Ids per `IN (...)` list when deleting.
const CHUNK: usize = 500;

/// How the row estimates above relate to the bytes on disk: the pages each table family
/// takes (rows, indexes, full-text index), divided by the estimated size of all its rows.
/// A row's share of the file is its estimate times its family's scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SizeModel {
    /// Scale of observation estimates.
    pub observations: f64,
    /// Scale of event estimates.
    pub events: f64,
}

/// Something retention may remove, with its estimated size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prunable {
    /// An unpinned observation.
    Observation(ObservationId),
    /// An event whose extraction is over.
    Event(EventId),
}

impl Store {
    /// Unpinned observations created before `cut` (milliseconds), oldest first.
    pub(crate) fn unpinned_observations_before(&self, cut: i64) -> Result<Vec<ObservationId>> {
        self.conn().query_rows(
            "SELECT id FROM observations WHERE pinned = 0 AND created_at < ?1
             ORDER BY created_at, id",
            [cut],
            |r| r.get(0),
            || "find observations past the age limit".into(),
        )
    }

    /// Unpinned observations beyond the newest `keep` unpinned ones of their project.
    pub(crate) fn unpinned_observations_beyond(&self, keep: u32) -> Result<Vec<ObservationId>> {
        self.conn().query_rows(
            "SELECT id FROM (
                 SELECT id, created_at, row_number() OVER (
                     PARTITION BY project ORDER BY created_at DESC, id DESC) AS rank
                 FROM observations WHERE pinned = 0)
             WHERE rank > ?1 ORDER BY created_at, id",
            [keep],
            |r| r.get(0),
            || "find observations beyond the per-project limit".into(),
        )
    }

    /// Events whose extraction is over and that happened before `cut`, oldest first.
    pub(crate) fn finished_events_before(&self, cut: i64) -> Result<Vec<EventId>> {
        self.conn().query_rows(
            &format!(
                "SELECT id FROM events WHERE {PRUNABLE_EVENT} AND occurred_at < ?1
                 ORDER BY occurred_at, id"
            ),
            [cut],
            |r| r.get(0),
            || "find events past the age limit".into(),
        )
    }

    /// Hands every prunable row to `f`, oldest first, with its estimated size in bytes, until
    /// `f` returns false.
    pub(crate) fn for_each_prunable_oldest_first(
        &self,
        mut f: impl FnMut(Prunable, u64) -> bool,
    ) -> Result<()> {
        let sql = format!(
            "SELECT 0, id, created_at AS at, {OBSERVATION_BYTES} FROM observations
                 WHERE pinned = 0
             UNION ALL
             SELECT 1, id, occurred_at AS at, {EVENT_BYTES} FROM events WHERE {PRUNABLE_EVENT}
             ORDER BY at, 1, 2"
        );
        let mut stmt = self
            .conn()
            .prepare(&sql)
            .ctx(|| "list prunable rows".into())?;
        let mut rows = stmt.query([]).ctx(|| "list prunable rows".into())?;
        while let Some(row) = rows.next().ctx(|| "list prunable rows".into())? {
            let (table, id, bytes): (i64, i64, i64) = (
                row.get(0).ctx(|| "read a prunable row".into())?,
                row.get(1).ctx(|| "read a prunable row".into())?,
                row.get(3).ctx(|| "read a prunable row".into())?,
            );
            let item = if table == 0 {
                Prunable::Observation(id)
            } else {
                Prunable::Event(id)
            };
            if !f(item, bytes.max(0) as u64) {
                break;
            }
        }
        Ok(())
    }

    /// Estimated sizes of observations, in bytes, summed.
    pub(crate) fn observation_bytes(&self, ids: &[ObservationId]) -> Result<u64> {
        self.sum_bytes("observations", OBSERVATION_BYTES, ids)
    }

    /// Estimated sizes of events, in bytes, summed.
    pub(crate) fn event_bytes(&self, ids: &[EventId]) -> Result<u64> {
        self.sum_bytes("events", EVENT_BYTES, ids)
    }

    fn sum_bytes(&self, table: &str, expr: &str, ids: &[i64]) -> Result<u64> {
        let mut total = 0u64;
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT coalesce(sum({expr}), 0) FROM {table} WHERE id IN ({})",
                placeholders(chunk.len())
            );
            let n: i64 = self
                .conn()
                .query_row(&sql, params_from_iter(chunk), |r| r.get(0))
                .ctx(|| format!("estimate the size of {table} to prune"))?;
            total += n.max(0) as u64;
        }
        Ok(total)
    }

    /// How many of the events `ids` each project has.
    pub(crate) fn events_per_project(&self, ids: &[EventId]) -> Result<BTreeMap<String, u64>> {
        let mut out = BTreeMap::new();
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT project, count(*) FROM events WHERE id IN ({}) GROUP BY project",
                placeholders(chunk.len())
            );
            let rows: Vec<(String, i64)> = self.conn().query_rows_uncached(
                &sql,
                params_from_iter(chunk),
                |r| Ok((r.get(0)?, r.get(1)?)),
                || "count events to prune".into(),
            )?;
            for (project, n) in rows {
                *out.entry(project).or_default() += n.max(0) as u64;
            }
        }
        Ok(out)
    }

    /// Measures the store's pages per table family (SQLite's `dbstat`) against the row
    /// estimates. Falls back to a scale of 1 where `dbstat` is not available or a family is
    /// empty.
    pub(crate) fn size_model(&self) -> Result<SizeModel> {
        let pages: rusqlite::Result<Vec<(String, i64)>> = self
            .conn()
            .prepare(
                "SELECT coalesce(s.tbl_name, d.name), sum(d.pgsize)
                 FROM dbstat d LEFT JOIN sqlite_schema s ON s.name = d.name
                 GROUP BY 1",
            )
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect());
        let Ok(pages) = pages else {
            return Ok(SizeModel {
                observations: 1.0,
                events: 1.0,
            });
        };
        let (mut obs_bytes, mut event_bytes, mut vector_bytes) = (0i64, 0i64, 0i64);
        for (table, bytes) in pages {
            if table.starts_with("observation") {
                obs_bytes += bytes;
            } else if table.starts_with("events") || table.starts_with("conversation_fts") {
                event_bytes += bytes;
            } else if table.starts_with("vector") {
                vector_bytes += bytes;
            }
        }
        // The vector index's pages belong to both layers, by their share of the codes.
        let (obs_codes, all_codes): (i64, i64) = self
            .conn()
            .query_row(
                "SELECT coalesce(sum(CASE WHEN layer = 0 THEN length(code) END), 0),
                        coalesce(sum(length(code)), 0) FROM vectors",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ctx(|| "measure the vector index".into())?;
        if all_codes > 0 {
            let obs_share = (vector_bytes as f64 * obs_codes as f64 / all_codes as f64) as i64;
            obs_bytes += obs_share;
            event_bytes += vector_bytes - obs_share;
        }
        let estimate = |sql: String| -> Result<i64> {
            self.conn()
                .query_row(&sql, [], |r| r.get(0))
                .ctx(|| "estimate the store's rows".into())
        };
        let obs_estimate = estimate(format!(
            "SELECT coalesce(sum({OBSERVATION_BYTES}), 0) FROM observations"
        ))?;
        let event_estimate = estimate(format!(
            "SELECT coalesce(sum({EVENT_BYTES}), 0) FROM events"
        ))?;
        let scale = |bytes: i64, estimate: i64| {
            if bytes > 0 && estimate > 0 {
                bytes as f64 / estimate as f64
            } else {
                1.0
            }
        };
        Ok(SizeModel {
            observations: scale(obs_bytes, obs_estimate),
            events: scale(event_bytes, event_estimate),
        })
    }

    /// Bytes the database's live pages take (pages in use times page size, free pages left
    /// out): what a `VACUUM` would leave, before any deletion.
    pub(crate) fn used_bytes(&self) -> Result<u64> {
        self.conn()
            .query_row(
                "SELECT (page_count - freelist_count) * page_size
                 FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .ctx(|| "measure the database".into())
    }

    /// Deletes observations (with their index rows, provenance, files and vectors; links of
    /// newer observations that superseded them are cleared) and events (with their conversation
    /// index rows and the provenance links that pointed at them), in one transaction.
    pub(crate) fn delete_pruned(
        &self,
        observations: &[ObservationId],
        events: &[EventId],
    ) -> Result<()> {
        let tx = self.write()?;
        for chunk in observations.chunks(CHUNK) {
            let list = placeholders(chunk.len());
            for sql in [
                // Pinned is checked again here: another process may have pinned one since
                // it was selected.
                format!(
                    "DELETE FROM observations_fts WHERE rowid IN
                         (SELECT id FROM observations WHERE id IN ({list}) AND pinned = 0)"
                ),
                // Sources, files and vectors go by ON DELETE CASCADE.
                format!("DELETE FROM observations WHERE id IN ({list}) AND pinned = 0"),
            ] {
                tx.execute(&sql, params_from_iter(chunk))
                    .ctx(|| "prune observations".into())?;
            }
        }
        for chunk in events.chunks(CHUNK) {
            let list = placeholders(chunk.len());
            for sql in [
                format!("DELETE FROM conversation_fts WHERE rowid IN ({list})"),
                format!("DELETE FROM observation_sources WHERE event_id IN ({list})"),
                format!("DELETE FROM events WHERE id IN ({list}) AND {PRUNABLE_EVENT}"),
            ] {
                tx.execute(&sql, params_from_iter(chunk))
                    .ctx(|| "prune events".into())?;
            }
        }
        if !observations.is_empty() {
            tx.execute(
                "INSERT INTO observations_fts (observations_fts) VALUES ('optimize')",
                params![],
            )
            .ctx(|| "compact the observation index".into())?;
        }
        if !events.is_empty() {
            tx.execute(
                "INSERT INTO conversation_fts (conversation_fts) VALUES ('optimize')",
                params![],
            )
            .ctx(|| "compact the conversation index".into())?;
        }
        tx.commit().ctx(|| "commit the pruning".into())
    }

    /// Gives freed pages back to the filesystem: `VACUUM` rewrites the file without them,
    /// then a truncating checkpoint empties the write-ahead log. Waits on the busy timeout
    /// for other writers; readers in other processes may keep the log from being truncated
    /// until they finish (the next checkpoint does it).
    pub(crate) fn reclaim_space(&self) -> Result<()> {
        self.conn()
            .execute_batch("VACUUM")
            .ctx(|| format!("vacuum {}", self.path().display()))?;
        self.conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .ctx(|| format!("checkpoint {}", self.path().display()))
    }
}
