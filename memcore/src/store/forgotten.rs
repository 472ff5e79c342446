//! The forget bin: observations forgotten in batches, each kept whole (as JSON) until its
//! batch is undone or purged. Forgetting removes the observation from its table, its
//! full-text row and its vectors in the same transaction, so nothing reads it any more;
//! restoring puts it back under its own id when that id is still free.

use super::observations::{
    OBSERVATION_COLUMNS, insert_unlogged, keep_source_refs, observation_from_row,
};
use super::{ConnExt, Store, from_millis, now_millis, placeholders};
use crate::curate::ForgetBatch;
use crate::error::{Error, Result, SqlContext};
use crate::model::{Observation, ObservationId};
use crate::store::StoredVector;
use crate::sync::ChangeKind;
use rusqlite::{Transaction, params, params_from_iter};
use serde::{Deserialize, Serialize};

/// A forgotten observation as the bin keeps it: everything a restore needs to put it back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ForgottenRecord {
    /// The observation as it was (its id, provenance, supersession, pin).
    pub observation: Observation,
    /// Every observation that named it as superseded (their link is cleared while it is
    /// forgotten, and set again on restore when still clear).
    #[serde(default)]
    pub superseded_by: Vec<ObservationId>,
    /// Its kept references to sources not in the store (imports).
    #[serde(default)]
    pub source_refs: Vec<String>,
}

impl Store {
    /// Moves the observations with these ids (unknown ones are skipped) into a new batch of
    /// the bin, in one transaction. A batch is made only when something was forgotten.
    pub(crate) fn forget_observations(
        &self,
        ids: &[ObservationId],
        reason: &str,
    ) -> Result<ForgetBatch> {
        let tx = self.write()?;
        let batch = forget_in(&tx, ids, reason, true)?;
        tx.commit()
            .ctx(|| format!("commit forget batch {}", batch.id))?;
        Ok(batch)
    }

    /// The records of a batch still in the bin; `NotFound` when there is no such batch.
    pub(crate) fn forgotten_records(&self, batch: i64) -> Result<Vec<ForgottenRecord>> {
        let exists = self.conn().exists(
            "SELECT EXISTS (SELECT 1 FROM forget_batches WHERE id = ?1)",
            [batch],
            || format!("look up forget batch {batch}"),
        )?;
        if !exists {
            return Err(Error::NotFound {
                what: "forget batch",
                id: batch.to_string(),
            });
        }
        let texts: Vec<(ObservationId, String)> = self.conn().query_rows(
            "SELECT observation_id, record FROM forgotten WHERE batch = ?1 ORDER BY observation_id",
            [batch],
            |r| Ok((r.get(0)?, r.get(1)?)),
            || format!("read forget batch {batch}"),
        )?;
        texts
            .into_iter()
            .map(|(id, text)| {
                serde_json::from_str(&text).map_err(|source| Error::Json {
                    context: format!("read forgotten observation {id} of batch {batch}"),
                    source,
                })
            })
            .collect()
    }

    /// Puts a batch's records back (each with the vector given for it, if any) and removes
    /// the batch, in one transaction. A record comes back under its own id when that id is
    /// free, else under a new one; one whose content another observation of its project now
    /// holds is not stored twice. Returns the ids the records have now.
    pub(crate) fn restore_forgotten(
        &self,
        batch: i64,
        records: &[(ForgottenRecord, Option<StoredVector>)],
    ) -> Result<Vec<ObservationId>> {
        let tx = self.write()?;
        let mut restored = Vec::with_capacity(records.len());
        for (record, vector) in records {
            let mut obs = record.observation.clone();
            let old_id = obs.id;
            if id_taken(&tx, old_id)? {
                obs.id = 0;
            }
            obs.supersedes = match obs.supersedes {
                Some(older) if id_taken(&tx, older)? => Some(older),
                _ => None,
            };
            obs.source_event_ids = existing_events(&tx, &obs.source_event_ids)?;
            let added = insert_unlogged(&tx, &obs, vector.as_ref())?;
            if !added.duplicate {
                // It keeps its global id (under its new local id, if it changed), and the
                // restore travels as one.
                let parked = super::sync::binned(batch, old_id);
                if let Some(uid) = super::sync::uid_of(&tx, super::sync::OBSERVATION, &parked)? {
                    super::sync::remap(&tx, &uid, super::sync::OBSERVATION, &added.id.to_string())?;
                }
                let restored = Observation {
                    id: added.id,
                    ..obs.clone()
                };
                super::sync::log_observation_change(
                    &tx,
                    &restored,
                    ChangeKind::ObservationRestore,
                    &serde_json::json!({}),
                )?;
                keep_source_refs(&tx, added.id, &record.source_refs)?;
                for newer in &record.superseded_by {
                    tx.execute_cached(
                        "UPDATE observations SET supersedes = ?2 WHERE id = ?1 AND supersedes IS NULL",
                        params![newer, added.id],
                        || format!("relink observation {newer} to restored {}", added.id),
                    )?;
                }
            }
            restored.push(added.id);
        }
        let removed =
            tx.execute_cached("DELETE FROM forget_batches WHERE id = ?1", [batch], || {
                format!("close forget batch {batch}")
            })?;
        if removed == 0 {
            // Purged or undone by another process since it was read: nothing to restore.
            return Err(Error::NotFound {
                what: "forget batch",
                id: batch.to_string(),
            });
        }
        tx.commit()
            .ctx(|| format!("commit the undo of forget batch {batch}"))?;
        Ok(restored)
    }

    /// The batches in the bin, newest first.
    pub(crate) fn forget_batches(&self, limit: usize) -> Result<Vec<ForgetBatch>> {
        self.conn().query_rows(
            "SELECT b.id, b.at, b.reason,
                 (SELECT group_concat(observation_id) FROM forgotten f WHERE f.batch = b.id)
             FROM forget_batches b ORDER BY b.id DESC LIMIT ?1",
            [limit.min(i64::MAX as usize) as i64],
            |r| {
                let ids: Option<String> = r.get(3)?;
                let mut observation_ids: Vec<ObservationId> = ids
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|s| s.parse().ok())
                    .collect();
                observation_ids.sort_unstable();
                Ok(ForgetBatch {
                    id: r.get(0)?,
                    at: from_millis(r.get(1)?),
                    reason: r.get(2)?,
                    observation_ids,
                })
            },
            || "list forget batches".into(),
        )
    }

    /// Empties the bin, or one batch of it, for good; returns how many observations went.
    pub(crate) fn purge_forgotten(&self, batch: Option<i64>) -> Result<u64> {
        let tx = self.write()?;
        let n: i64 = tx.query_single(
            "SELECT count(*) FROM forgotten WHERE ?1 IS NULL OR batch = ?1",
            [batch],
            |r| r.get(0),
            || "count forgotten observations".into(),
        )?;
        let batches = tx.execute_cached(
            "DELETE FROM forget_batches WHERE ?1 IS NULL OR id = ?1",
            [batch],
            || "purge forgotten observations".into(),
        )?;
        if let Some(b) = batch
            && batches == 0
        {
            return Err(Error::NotFound {
                what: "forget batch",
                id: b.to_string(),
            });
        }
        tx.commit().ctx(|| "commit the purge".into())?;
        Ok(n.max(0) as u64)
    }
}

/// Moves observations into a new batch of the bin in the caller's transaction; `log` says
/// whether the forgets are logged for sync (not when they come from the log).
pub(crate) fn forget_in(
    tx: &Transaction<'_>,
    ids: &[ObservationId],
    reason: &str,
    log: bool,
) -> Result<ForgetBatch> {
    let at = now_millis();
    let mut records = Vec::new();
    for &id in ids {
        if let Some(record) = read_record(tx, id)? {
            records.push(record);
        }
    }
    let mut batch = ForgetBatch {
        id: 0,
        at: from_millis(at),
        reason: reason.to_owned(),
        observation_ids: records.iter().map(|r| r.observation.id).collect(),
    };
    if records.is_empty() {
        return Ok(batch);
    }
    tx.execute_cached(
        "INSERT INTO forget_batches (at, reason) VALUES (?1, ?2)",
        params![at, reason],
        || "open a forget batch".into(),
    )?;
    batch.id = tx.last_insert_rowid();
    for record in &records {
        let id = record.observation.id;
        let json = serde_json::to_string(record).map_err(|source| Error::Json {
            context: format!("keep forgotten observation {id}"),
            source,
        })?;
        tx.execute_cached(
            "INSERT OR REPLACE INTO forgotten (batch, observation_id, record) VALUES (?1, ?2, ?3)",
            params![batch.id, id, json],
            || format!("keep forgotten observation {id}"),
        )?;
        if log {
            super::sync::log_observation_change(
                tx,
                &record.observation,
                ChangeKind::ObservationForget,
                &serde_json::json!({}),
            )?;
        }
        tx.execute_cached(
            "UPDATE sync_records SET local_id = ?2 WHERE layer = 'observation' AND local_id = ?1",
            params![id.to_string(), super::sync::binned(batch.id, id)],
            || format!("park the global id of observation {id}"),
        )?;
        tx.execute_cached("DELETE FROM observations WHERE id = ?1", [id], || {
            format!("forget observation {id}")
        })?;
        tx.execute_cached(
            "DELETE FROM observations_fts WHERE rowid = ?1",
            [id],
            || format!("remove observation {id} from the index"),
        )?;
    }
    Ok(batch)
}

/// An observation with what a restore needs, read inside the forgetting transaction.
fn read_record(tx: &Transaction<'_>, id: ObservationId) -> Result<Option<ForgottenRecord>> {
    let Some(observation) = tx.query_optional(
        &format!("SELECT {OBSERVATION_COLUMNS} FROM observations o WHERE o.id = ?1"),
        [id],
        observation_from_row,
        || format!("read observation {id}"),
    )?
    else {
        return Ok(None);
    };
    let superseded_by = tx.query_rows(
        "SELECT id FROM observations WHERE supersedes = ?1 ORDER BY id",
        [id],
        |r| r.get(0),
        || format!("read what supersedes observation {id}"),
    )?;
    let source_refs = tx.query_rows(
        "SELECT event_ref FROM observation_source_refs WHERE observation_id = ?1",
        [id],
        |r| r.get(0),
        || format!("read the source references of observation {id}"),
    )?;
    Ok(Some(ForgottenRecord {
        observation,
        superseded_by,
        source_refs,
    }))
}

fn id_taken(tx: &Transaction<'_>, id: ObservationId) -> Result<bool> {
    tx.exists(
        "SELECT EXISTS (SELECT 1 FROM observations WHERE id = ?1)",
        [id],
        || format!("look up observation {id}"),
    )
}

/// The events of `ids` still in the store.
fn existing_events(tx: &Transaction<'_>, ids: &[i64]) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    tx.query_rows_uncached(
        &format!(
            "SELECT id FROM events WHERE id IN ({}) ORDER BY id",
            placeholders(ids.len())
        ),
        params_from_iter(ids),
        |r| r.get(0),
        || "look up the sources of a restored observation".into(),
    )
}
