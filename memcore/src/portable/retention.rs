//! Retention: a policy the user configures, applied only by an explicit [`Memory::prune`]
//! call, with a dry run; and pinning, which puts an observation out of retention's reach.
//!
//! [`Memory::prune`]: crate::Memory::prune

use crate::error::Result;
use crate::model::{EventId, ObservationId, ObservationKind};
use crate::state::State;
use crate::store::retention::Prunable;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// How much memory to keep. Every limit is off by default: the default policy removes
/// nothing, and nothing is ever removed unless a host calls [`Memory::prune`](crate::Memory::prune) with a policy
/// the user configured.
///
/// Pinned observations ([`Memory::pin`](crate::Memory::pin)) are never removed, whatever the policy. Events are
/// removed only once their extraction is over (`extracted` or `skipped`); pending and failed
/// events stay. Sessions, summaries and the extraction ledger are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetentionPolicy {
    /// Remove unpinned observations created, and finished events that happened, more than
    /// this many days ago.
    pub max_age_days: Option<u32>,
    /// Keep at most this many unpinned observations per project (the newest); pinned ones
    /// come on top and are not counted.
    pub max_observations_per_project: Option<u32>,
    /// Remove the oldest finished events and unpinned observations, oldest first, until the
    /// store's estimated size after a vacuum fits in this many bytes. The estimate scales
    /// each row's text by what its tables (rows, indexes, full-text index) take on disk, so
    /// the file lands within a few percent of the limit.
    pub max_file_bytes: Option<u64>,
}

impl RetentionPolicy {
    /// True when no limit is set: pruning with this policy removes nothing.
    pub fn is_unlimited(&self) -> bool {
        self.max_age_days.is_none()
            && self.max_observations_per_project.is_none()
            && self.max_file_bytes.is_none()
    }
}

/// Which limit of a [`RetentionPolicy`] selected an observation (the first that did, in the
/// order age, per-project count, file size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PruneReason {
    /// Older than [`RetentionPolicy::max_age_days`].
    Age,
    /// Beyond [`RetentionPolicy::max_observations_per_project`].
    ProjectLimit,
    /// Among the oldest rows removed to meet [`RetentionPolicy::max_file_bytes`].
    FileSize,
}

/// An observation a prune removed (or, in a dry run, would remove).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrunedObservation {
    /// Its id.
    pub id: ObservationId,
    /// Its project.
    pub project: String,
    /// Its kind.
    pub kind: ObservationKind,
    /// Its title.
    pub title: String,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Why it goes.
    pub reason: PruneReason,
}

/// What [`Memory::prune`](crate::Memory::prune) removed, or in a dry run would remove.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PruneReport {
    /// True when nothing was removed: the report says what would go.
    pub dry_run: bool,
    /// The observations, oldest first.
    pub observations: Vec<PrunedObservation>,
    /// Number of events (their extraction over) removed.
    pub events: u64,
    /// Removed events per project.
    pub events_by_project: BTreeMap<String, u64>,
    /// Estimated bytes the removed rows took.
    pub estimated_bytes: u64,
    /// With a file-size limit: whether removing every candidate meets it (false when pinned
    /// observations and unfinished events alone exceed it).
    pub size_limit_met: bool,
    /// False when the removal was committed but giving the space back failed (another
    /// process kept the store busy past the busy timeout, say): the space is reused by new
    /// rows, and a later prune (or `VACUUM`) gives it back. True in a dry run.
    pub space_reclaimed: bool,
    /// The store's size (file and write-ahead log) before.
    pub file_size_before: u64,
    /// The store's size after (the same as before in a dry run).
    pub file_size_after: u64,
}

/// Retention over a store's [`State`].
pub(crate) struct Retention<'a> {
    state: &'a State,
}

impl<'a> Retention<'a> {
    /// Retention over `state`.
    pub(crate) fn new(state: &'a State) -> Self {
        Retention { state }
    }
}

impl Retention<'_> {
    /// See [`Memory::prune`](crate::Memory::prune).
    pub(crate) fn prune(&self, policy: &RetentionPolicy, dry_run: bool) -> Result<PruneReport> {
        let size_before = self.state.store.file_size();
        let mut report = PruneReport {
            dry_run,
            size_limit_met: true,
            space_reclaimed: true,
            file_size_before: size_before,
            file_size_after: size_before,
            ..PruneReport::default()
        };
        if policy.is_unlimited() {
            return Ok(report);
        }
        let mut observations: BTreeMap<ObservationId, PruneReason> = BTreeMap::new();
        let mut events: BTreeSet<EventId> = BTreeSet::new();
        if let Some(days) = policy.max_age_days {
            let cut = crate::store::now_millis() - i64::from(days) * 86_400_000;
            for id in self.state.store.unpinned_observations_before(cut)? {
                observations.entry(id).or_insert(PruneReason::Age);
            }
            events.extend(self.state.store.finished_events_before(cut)?);
        }
        if let Some(keep) = policy.max_observations_per_project {
            for id in self.state.store.unpinned_observations_beyond(keep)? {
                observations.entry(id).or_insert(PruneReason::ProjectLimit);
            }
        }
        let model = self.state.store.size_model()?;
        let scaled = |bytes: u64, scale: f64| (bytes as f64 * scale) as u64;
        let obs_ids: Vec<ObservationId> = observations.keys().copied().collect();
        let event_ids: Vec<EventId> = events.iter().copied().collect();
        let mut freed = scaled(
            self.state.store.observation_bytes(&obs_ids)?,
            model.observations,
        ) + scaled(self.state.store.event_bytes(&event_ids)?, model.events);
        if let Some(limit) = policy.max_file_bytes {
            let used = self.state.store.used_bytes()?;
            let fits = |freed: u64| used.saturating_sub(freed) <= limit;
            if !fits(freed) {
                self.state
                    .store
                    .for_each_prunable_oldest_first(|item, bytes| {
                        let (new, bytes) = match item {
                            Prunable::Observation(id) => (
                                observations.insert(id, PruneReason::FileSize).is_none(),
                                scaled(bytes, model.observations),
                            ),
                            Prunable::Event(id) => (events.insert(id), scaled(bytes, model.events)),
                        };
                        if new {
                            freed += bytes;
                        }
                        !fits(freed)
                    })?;
            }
            report.size_limit_met = fits(freed);
        }
        report.estimated_bytes = freed;

        let obs_ids: Vec<ObservationId> = observations.keys().copied().collect();
        for chunk in obs_ids.chunks(500) {
            for o in self.state.store.observations_by_id(chunk)? {
                let reason = observations.get(&o.id).copied().unwrap_or(PruneReason::Age);
                report.observations.push(PrunedObservation {
                    id: o.id,
                    project: o.project,
                    kind: o.kind,
                    title: o.title,
                    created_at: o.created_at,
                    reason,
                });
            }
        }
        report.observations.sort_by_key(|o| (o.created_at, o.id));
        let event_ids: Vec<EventId> = events.into_iter().collect();
        report.events_by_project = self.state.store.events_per_project(&event_ids)?;
        report.events = report.events_by_project.values().sum();
        if dry_run || (obs_ids.is_empty() && event_ids.is_empty()) {
            return Ok(report);
        }
        self.state.store.delete_pruned(&obs_ids, &event_ids)?;
        // The removal is committed: a failure to shrink the file must not hide that. The
        // vector chunks that now mostly hold removed records are rewritten first, so the
        // space of their slots is given back too.
        let compacted = self.state.store.compact_vector_chunks(usize::MAX).is_ok();
        report.space_reclaimed = compacted && self.state.store.reclaim_space().is_ok();
        report.file_size_after = self.state.store.file_size();
        Ok(report)
    }

    /// See [`Memory::pin`](crate::Memory::pin).
    pub(crate) fn pin(&self, id: ObservationId, pinned: bool) -> Result<bool> {
        self.state.store.set_pinned(id, pinned)
    }
}
