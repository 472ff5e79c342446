//! TEMPORARY: the core API of issue 18 as the contract names it, until it lands in `memcore`.
//! Reads fall back on what the core has (`recent`, `stats`); controls say they are not there
//! yet. Deleted when main is merged: the core's inherent methods and types replace these.

use memcore::{Event, EventId, Memory, Observation, ObservationId, ObservationKind, Scope};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// See the contract.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ObservationFilter {
    pub project: Option<String>,
    pub kind: Option<ObservationKind>,
    pub session_id: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub since: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    pub query: Option<String>,
}

/// See the contract.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ObservationEdit {
    pub title: Option<String>,
    pub narrative: Option<String>,
    pub kind: Option<ObservationKind>,
}

/// See the contract.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForgetBatch {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub reason: String,
    pub observation_ids: Vec<ObservationId>,
}

/// See the contract.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Injection {
    pub id: i64,
    pub session_id: String,
    pub project: String,
    pub event: String,
    pub query: Option<String>,
    pub observation_ids: Vec<ObservationId>,
    pub event_ids: Vec<EventId>,
    pub tokens: u32,
    pub budget: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// See the contract.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LedgerDay {
    pub day: String,
    pub model: String,
    pub calls: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

fn missing<T>(what: &'static str) -> memcore::Result<T> {
    Err(memcore::Error::InvalidInput {
        what,
        reason: "this build's core does not have it yet (issue 18 core API)".to_owned(),
    })
}

/// The contract's methods, as far as the present core allows.
pub trait PendingCore {
    fn list_observations(
        &self,
        f: &ObservationFilter,
        before: Option<ObservationId>,
        limit: usize,
    ) -> memcore::Result<Vec<Observation>>;
    fn count_observations(&self, f: &ObservationFilter) -> memcore::Result<u64>;
    fn edit_observation(
        &self,
        id: ObservationId,
        edit: ObservationEdit,
    ) -> memcore::Result<Observation>;
    fn forget_ids(&self, ids: &[ObservationId], reason: &str) -> memcore::Result<ForgetBatch>;
    fn forget_where(&self, f: &ObservationFilter, reason: &str) -> memcore::Result<ForgetBatch>;
    fn undo_forget(&self, batch: i64) -> memcore::Result<Vec<ObservationId>>;
    fn forget_batches(&self, limit: usize) -> memcore::Result<Vec<ForgetBatch>>;
    fn injections(
        &self,
        session_id: Option<&str>,
        scope: &Scope,
        limit: usize,
    ) -> memcore::Result<Vec<Injection>>;
    fn events_by_id(&self, ids: &[EventId]) -> memcore::Result<Vec<Event>>;
    fn session_summaries(&self, session_id: &str) -> memcore::Result<Vec<memcore::Summary>>;
    fn ledger_by_day(&self, project: Option<&str>, days: u32) -> memcore::Result<Vec<LedgerDay>>;
}

impl PendingCore for Memory {
    fn list_observations(
        &self,
        f: &ObservationFilter,
        before: Option<ObservationId>,
        limit: usize,
    ) -> memcore::Result<Vec<Observation>> {
        let scope = f.project.clone().map_or(Scope::All, Scope::Project);
        Ok(self
            .recent(&scope, 5_000)?
            .into_iter()
            .filter(|o| before.is_none_or(|b| o.id < b))
            .filter(|o| f.kind.as_ref().is_none_or(|k| &o.kind == k))
            .filter(|o| f.session_id.is_none() || o.session_id == f.session_id)
            .filter(|o| f.since.is_none_or(|t| o.created_at >= t))
            .filter(|o| f.until.is_none_or(|t| o.created_at < t))
            .take(limit)
            .collect())
    }
    fn count_observations(&self, f: &ObservationFilter) -> memcore::Result<u64> {
        let scope = f.project.clone().map_or(Scope::All, Scope::Project);
        Ok(self.stats(&scope)?.observations)
    }
    fn edit_observation(
        &self,
        _: ObservationId,
        _: ObservationEdit,
    ) -> memcore::Result<Observation> {
        missing("edit")
    }
    fn forget_ids(&self, _: &[ObservationId], _: &str) -> memcore::Result<ForgetBatch> {
        missing("forget")
    }
    fn forget_where(&self, _: &ObservationFilter, _: &str) -> memcore::Result<ForgetBatch> {
        missing("forget")
    }
    fn undo_forget(&self, _: i64) -> memcore::Result<Vec<ObservationId>> {
        missing("undo")
    }
    fn forget_batches(&self, _: usize) -> memcore::Result<Vec<ForgetBatch>> {
        Ok(Vec::new())
    }
    fn injections(&self, _: Option<&str>, _: &Scope, _: usize) -> memcore::Result<Vec<Injection>> {
        Ok(Vec::new())
    }
    fn events_by_id(&self, _: &[EventId]) -> memcore::Result<Vec<Event>> {
        Ok(Vec::new())
    }
    fn session_summaries(&self, _: &str) -> memcore::Result<Vec<memcore::Summary>> {
        Ok(Vec::new())
    }
    fn ledger_by_day(&self, _: Option<&str>, _: u32) -> memcore::Result<Vec<LedgerDay>> {
        Ok(Vec::new())
    }
}
