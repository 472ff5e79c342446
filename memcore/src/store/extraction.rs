//! The extraction side of events: claims with leases, completion (observations, status and a
//! ledger row in one transaction), failure with attempts, and the ledger.
//!
//! A claim marks pending events as taken by one extractor until its lease expires. Two
//! extractors (two processes) never hold the same event: claiming runs in one IMMEDIATE
//! transaction, and a claim whose holder died expires and can be taken again.

use super::events::{EVENT_COLUMNS, event_from_row};
use super::observations::{StoredVector, insert_observation};
use super::{ConnExt, Store, now_millis, placeholders};
use crate::error::{Error, Result, SqlContext};
use crate::model::{Added, Event, EventId, Observation};
use rusqlite::{Transaction, params, params_from_iter};
use serde::{Deserialize, Serialize};

/// One row of the extraction ledger: what one LLM call (or heuristic run) cost and produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The row's id.
    pub id: i64,
    /// The session extracted, if the request was per session.
    pub session_id: Option<String>,
    /// The project.
    pub project: String,
    /// `observations` or `summary`.
    pub purpose: String,
    /// The model name the host reported (`heuristic` for the rule-based extractor).
    pub model: String,
    /// Input tokens the host reported (or memcore estimated).
    pub prompt_tokens: u64,
    /// Output tokens the host reported (or memcore estimated).
    pub completion_tokens: u64,
    /// The events covered.
    pub event_ids: Vec<EventId>,
    /// `completed`, `failed` or `gave_up`.
    pub outcome: String,
    /// Parse issues or the failure reason.
    pub detail: Option<String>,
    /// Observations stored by this call.
    pub observations: u64,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

/// The ledger's totals for one UTC day and model: what the cost view and the daily cap read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerDay {
    /// The day, `YYYY-MM-DD` (UTC).
    pub day: String,
    /// The model as the ledger names it (`heuristic`, `anthropic:<model>`...).
    pub model: String,
    /// Calls made.
    pub calls: u64,
    /// Input tokens.
    pub prompt_tokens: u64,
    /// Output tokens.
    pub completion_tokens: u64,
}

/// What a ledger row records, before it is written.
#[derive(Debug, Clone)]
pub(crate) struct NewLedgerEntry<'a> {
    pub session_id: Option<&'a str>,
    pub project: &'a str,
    pub purpose: &'a str,
    pub model: &'a str,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub event_ids: &'a [EventId],
    pub outcome: &'a str,
    pub detail: Option<&'a str>,
    pub observations: u64,
}

fn insert_ledger(tx: &Transaction<'_>, e: &NewLedgerEntry<'_>) -> Result<()> {
    insert_ledger_at(tx, e, now_millis())
}

/// Writes a ledger row dated `created_at` (ms) in the caller's transaction: the one writer of
/// `extraction_ledger` rows (extraction and import).
pub(crate) fn insert_ledger_at(
    tx: &Transaction<'_>,
    e: &NewLedgerEntry<'_>,
    created_at: i64,
) -> Result<()> {
    let ids = serde_json::to_string(e.event_ids).unwrap_or_else(|_| "[]".into());
    tx.execute_cached(
        "INSERT INTO extraction_ledger (session_id, project, purpose, model, prompt_tokens,
             completion_tokens, event_ids, outcome, detail, observations, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            e.session_id,
            e.project,
            e.purpose,
            e.model,
            e.prompt_tokens as i64,
            e.completion_tokens as i64,
            ids,
            e.outcome,
            e.detail,
            e.observations as i64,
            created_at
        ],
        || "write an extraction ledger row".into(),
    )?;
    Ok(())
}

/// Checks that `holder` still holds every event of `ids`; a lease that expired and was taken
/// by another extractor must not be completed twice.
fn check_claim(tx: &Transaction<'_>, holder: &str, ids: &[EventId]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT count(*) FROM events WHERE claimed_by = ? AND status = 'pending' AND id IN ({})",
        placeholders(ids.len())
    );
    let params = std::iter::once(rusqlite::types::Value::from(holder.to_owned()))
        .chain(ids.iter().map(|id| rusqlite::types::Value::from(*id)));
    let held: i64 = tx
        .query_row(&sql, params_from_iter(params), |r| r.get(0))
        .ctx(|| "check an extraction claim".into())?;
    if held as usize != ids.len() {
        return Err(Error::InvalidInput {
            what: "extraction claim",
            reason: format!(
                "claim {holder} no longer holds all of its {} events (its lease expired and \
                 another extractor took them, or they were already completed)",
                ids.len()
            ),
        });
    }
    Ok(())
}

impl Store {
    /// The ids of sessions (oldest first) that have pending events nobody holds.
    pub(crate) fn sessions_with_pending(&self, project: Option<&str>) -> Result<Vec<String>> {
        self.conn().query_rows(
            "SELECT session_id FROM events
             WHERE status = 'pending' AND (claim_expires_at IS NULL OR claim_expires_at < ?1)
               AND (?2 IS NULL OR project = ?2)
             GROUP BY session_id ORDER BY min(id)",
            params![now_millis(), project],
            |r| r.get(0),
            || "list sessions with pending events".into(),
        )
    }

    /// Claims up to `limit` pending, unclaimed (or expired) events of a session for `holder`
    /// for `lease_ms`, oldest first, and returns them.
    pub(crate) fn claim_pending(
        &self,
        session_id: &str,
        holder: &str,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<Event>> {
        let now = now_millis();
        let tx = self.write()?;
        let ids: Vec<EventId> = tx.query_rows(
            "SELECT id FROM events
             WHERE session_id = ?1 AND status = 'pending'
               AND (claim_expires_at IS NULL OR claim_expires_at < ?2)
             ORDER BY id LIMIT ?3",
            params![session_id, now, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| r.get(0),
            || format!("find pending events of session {session_id:?}"),
        )?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        {
            let mut claim = tx
                .prepare_cached(
                    "UPDATE events SET claimed_by = ?1, claim_expires_at = ?2 WHERE id = ?3",
                )
                .ctx(|| "prepare an event claim".into())?;
            for id in &ids {
                claim
                    .execute(params![holder, now + lease_ms, id])
                    .ctx(|| format!("claim event {id}"))?;
            }
        }
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE id IN ({}) ORDER BY id",
            placeholders(ids.len())
        );
        let events =
            tx.query_rows_uncached(&sql, params_from_iter(&ids), event_from_row, || {
                "read claimed events".into()
            })?;
        tx.commit().ctx(|| "commit an event claim".into())?;
        Ok(events)
    }

    /// Moves the events `keep` from claim `from` to claim `to` and releases the rest of `from`.
    pub(crate) fn transfer_claim(&self, from: &str, to: &str, keep: &[EventId]) -> Result<()> {
        let tx = self.write()?;
        {
            let mut moved = tx
                .prepare_cached(
                    "UPDATE events SET claimed_by = ?2 WHERE id = ?3 AND claimed_by = ?1",
                )
                .ctx(|| "prepare a claim transfer".into())?;
            for id in keep {
                moved
                    .execute(params![from, to, id])
                    .ctx(|| format!("move the claim of event {id}"))?;
            }
        }
        tx.execute_cached(
            "UPDATE events SET claimed_by = NULL, claim_expires_at = NULL WHERE claimed_by = ?1",
            [from],
            || format!("release claim {from}"),
        )?;
        tx.commit().ctx(|| "commit a claim transfer".into())
    }

    /// Releases a claim without any other change (the events stay pending, attempts unchanged).
    pub(crate) fn release_claim(&self, holder: &str) -> Result<()> {
        self.conn().execute_cached(
            "UPDATE events SET claimed_by = NULL, claim_expires_at = NULL
             WHERE claimed_by = ?1 AND status = 'pending'",
            [holder],
            || format!("release claim {holder}"),
        )?;
        Ok(())
    }

    /// Completes a claimed batch in one transaction: stores the observations (deduplicated),
    /// marks the events extracted, releases the claim and writes the ledger row.
    pub(crate) fn complete_extraction(
        &self,
        holder: &str,
        observations: &[(Observation, Option<StoredVector>)],
        ledger: &NewLedgerEntry<'_>,
    ) -> Result<Vec<Added>> {
        let tx = self.write()?;
        check_claim(&tx, holder, ledger.event_ids)?;
        let mut added = Vec::with_capacity(observations.len());
        for (obs, vector) in observations {
            added.push(insert_observation(&tx, obs, vector.as_ref())?);
        }
        {
            let mut done = tx
                .prepare_cached(
                    "UPDATE events SET status = 'extracted', claimed_by = NULL,
                         claim_expires_at = NULL, last_error = NULL
                     WHERE id = ?1",
                )
                .ctx(|| "prepare event completion".into())?;
            for id in ledger.event_ids {
                done.execute([id])
                    .ctx(|| format!("mark event {id} extracted"))?;
            }
        }
        let stored = added.iter().filter(|a| !a.duplicate).count() as u64;
        insert_ledger(
            &tx,
            &NewLedgerEntry {
                observations: stored,
                ..ledger.clone()
            },
        )?;
        tx.commit().ctx(|| "commit an extraction".into())?;
        Ok(added)
    }

    /// Records a failed attempt on a claimed batch: one more attempt on each event, the claim
    /// released, and events that reached `max_attempts` marked failed (kept, never deleted).
    /// Returns how many events are now marked failed.
    pub(crate) fn fail_extraction(
        &self,
        holder: &str,
        reason: &str,
        max_attempts: u32,
        ledger: &NewLedgerEntry<'_>,
    ) -> Result<u64> {
        let tx = self.write()?;
        check_claim(&tx, holder, ledger.event_ids)?;
        let mut failed = 0u64;
        {
            let mut fail = tx
                .prepare_cached(
                    "UPDATE events SET attempts = attempts + 1, last_error = ?2,
                         claimed_by = NULL, claim_expires_at = NULL,
                         status = CASE WHEN attempts + 1 >= ?3 THEN 'failed' ELSE 'pending' END
                     WHERE id = ?1 RETURNING status",
                )
                .ctx(|| "prepare event failure".into())?;
            for id in ledger.event_ids {
                let status: String = fail
                    .query_row(params![id, reason, max_attempts], |r| r.get(0))
                    .ctx(|| format!("record a failed extraction of event {id}"))?;
                if status == "failed" {
                    failed += 1;
                }
            }
        }
        let outcome = if failed > 0 { "gave_up" } else { "failed" };
        insert_ledger(
            &tx,
            &NewLedgerEntry {
                outcome,
                detail: Some(reason),
                ..ledger.clone()
            },
        )?;
        tx.commit().ctx(|| "commit a failed extraction".into())?;
        Ok(failed)
    }

    /// Gives failed events (in `project`, or everywhere) a fresh start: pending, no attempts.
    /// Returns how many were reset.
    pub(crate) fn retry_failed(&self, project: Option<&str>) -> Result<u64> {
        let n = self.conn().execute_cached(
            "UPDATE events SET status = 'pending', attempts = 0, claimed_by = NULL,
                 claim_expires_at = NULL
             WHERE status = 'failed' AND (?1 IS NULL OR project = ?1)",
            [project],
            || "reset failed events".into(),
        )?;
        Ok(n as u64)
    }

    /// Writes a ledger row on its own (a summary request, say, that covers no claim).
    pub(crate) fn record_ledger(&self, entry: &NewLedgerEntry<'_>) -> Result<()> {
        let tx = self.write()?;
        insert_ledger(&tx, entry)?;
        tx.commit().ctx(|| "commit a ledger row".into())
    }

    /// The newest ledger rows, newest first.
    pub(crate) fn ledger(&self, project: Option<&str>, limit: usize) -> Result<Vec<LedgerEntry>> {
        self.conn().query_rows(
            "SELECT id, session_id, project, purpose, model, prompt_tokens, completion_tokens,
                    event_ids, outcome, detail, observations, created_at
             FROM extraction_ledger WHERE (?1 IS NULL OR project = ?1)
             ORDER BY id DESC LIMIT ?2",
            params![project, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| {
                let ids: String = r.get(7)?;
                Ok(LedgerEntry {
                    id: r.get(0)?,
                    session_id: r.get(1)?,
                    project: r.get(2)?,
                    purpose: r.get(3)?,
                    model: r.get(4)?,
                    prompt_tokens: r.get::<_, i64>(5)? as u64,
                    completion_tokens: r.get::<_, i64>(6)? as u64,
                    event_ids: serde_json::from_str(&ids).unwrap_or_default(),
                    outcome: r.get(8)?,
                    detail: r.get(9)?,
                    observations: r.get::<_, i64>(10)? as u64,
                    created_at: super::from_millis(r.get(11)?),
                })
            },
            || "read the extraction ledger".into(),
        )
    }

    /// The ledger's totals per UTC day and model over the last `days` days (today
    /// included), newest day first.
    pub(crate) fn ledger_by_day(&self, project: Option<&str>, days: u32) -> Result<Vec<LedgerDay>> {
        let day_ms: i64 = 86_400_000;
        let since = (now_millis().div_euclid(day_ms) - i64::from(days.max(1)) + 1) * day_ms;
        self.conn().query_rows(
            "SELECT date(created_at / 1000, 'unixepoch') AS day, model, count(*),
                    sum(prompt_tokens), sum(completion_tokens)
             FROM extraction_ledger
             WHERE created_at >= ?1 AND (?2 IS NULL OR project = ?2)
             GROUP BY day, model ORDER BY day DESC, model",
            params![since, project],
            |r| {
                Ok(LedgerDay {
                    day: r.get(0)?,
                    model: r.get(1)?,
                    calls: r.get::<_, i64>(2)?.max(0) as u64,
                    prompt_tokens: r.get::<_, i64>(3)?.max(0) as u64,
                    completion_tokens: r.get::<_, i64>(4)?.max(0) as u64,
                })
            },
            || "total the extraction ledger by day".into(),
        )
    }
}
