//! [`Memory::timeline`]: what happened around an observation or a moment, observations and
//! user prompts interleaved in time order.
//!
//! [`Memory::timeline`]: crate::Memory::timeline

use super::Recall;
use crate::error::{Error, Result};
use crate::model::{Event, Observation, ObservationId, Scope};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The point a timeline is centred on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineAnchor {
    /// An observation, which is included; the scope defaults to its project.
    Observation(ObservationId),
    /// A moment; entries at exactly this time count as after it.
    #[serde(with = "time::serde::rfc3339")]
    Time(OffsetDateTime),
}

/// What [`Memory::timeline`](crate::Memory::timeline) returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineRequest {
    /// The centre.
    pub anchor: TimelineAnchor,
    /// How many entries before the anchor.
    pub before: usize,
    /// How many entries after the anchor.
    pub after: usize,
    /// Where to look; `None` is the anchor observation's project. A time anchor needs one
    /// (a request without it fails with [`crate::Error::InvalidInput`]: memcore never guesses
    /// the project).
    pub scope: Option<Scope>,
}

impl TimelineRequest {
    /// `before` and `after` entries around an observation, in its project.
    pub fn around_observation(id: ObservationId, before: usize, after: usize) -> Self {
        TimelineRequest {
            anchor: TimelineAnchor::Observation(id),
            before,
            after,
            scope: None,
        }
    }

    /// `before` and `after` entries around a moment in `project`.
    pub fn around_time(
        project: impl Into<String>,
        at: OffsetDateTime,
        before: usize,
        after: usize,
    ) -> Self {
        TimelineRequest {
            anchor: TimelineAnchor::Time(at),
            before,
            after,
            scope: Some(Scope::Project(project.into())),
        }
    }
}

/// One entry of a timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TimelineItem {
    /// An observation.
    Observation(Observation),
    /// A user prompt (an event of type `user_prompt`).
    Prompt(Event),
}

/// A timeline entry with its time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When it happened (an observation's creation, a prompt's occurrence).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What it is.
    pub item: TimelineItem,
}

/// Entries in time order around an anchor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Oldest first.
    pub entries: Vec<TimelineEntry>,
    /// The index in `entries` of the anchor observation, or for a time anchor of the first
    /// entry at or after it (`entries.len()` when there is none).
    pub anchor_index: usize,
}

/// Orders entries: by time, then observations before prompts at the same time, then by id.
fn key(entry: &TimelineEntry) -> (OffsetDateTime, u8, i64) {
    match &entry.item {
        TimelineItem::Observation(o) => (entry.at, 0, o.id),
        TimelineItem::Prompt(e) => (entry.at, 1, e.id),
    }
}

impl Recall<'_> {
    /// See [`Memory::timeline`](crate::Memory::timeline).
    pub(crate) fn timeline(&self, request: &TimelineRequest) -> Result<Timeline> {
        let (scope, at_ms, anchor_obs) = match request.anchor {
            TimelineAnchor::Observation(id) => {
                let (project, at) =
                    self.state
                        .store
                        .observation_position(id)?
                        .ok_or_else(|| Error::NotFound {
                            what: "observation",
                            id: id.to_string(),
                        })?;
                let scope = request.scope.clone().unwrap_or(Scope::Project(project));
                (scope, at, Some(id))
            }
            TimelineAnchor::Time(t) => (
                super::required_scope(request.scope.as_ref(), "a timeline around a time")?,
                crate::store::to_millis(t),
                None,
            ),
        };
        let project = scope.project();
        // Positions are (time, observations before prompts, id). Before the anchor: earlier
        // times, and at the anchor observation's time its lower ids; prompts strictly earlier.
        // After: everything else (ids are positive, so 0 and -1 bound nothing at equal time).
        let (obs_before, obs_after) = match anchor_obs {
            Some(id) => (id, id),
            None => (0, -1),
        };
        let obs_entry = |o: Observation| TimelineEntry {
            at: o.created_at,
            item: TimelineItem::Observation(o),
        };
        let prompt_entry = |e: Event| TimelineEntry {
            at: e.occurred_at,
            item: TimelineItem::Prompt(e),
        };

        let mut before: Vec<TimelineEntry> = self
            .state
            .store
            .observations_beside(project, at_ms, obs_before, true, request.before)?
            .into_iter()
            .map(obs_entry)
            .chain(
                self.state
                    .store
                    .prompts_beside(project, at_ms, 0, true, request.before)?
                    .into_iter()
                    .map(prompt_entry),
            )
            .collect();
        before.sort_by_key(|e| std::cmp::Reverse(key(e)));
        before.truncate(request.before);
        before.reverse();

        let mut after: Vec<TimelineEntry> = self
            .state
            .store
            .observations_beside(project, at_ms, obs_after, false, request.after)?
            .into_iter()
            .map(obs_entry)
            .chain(
                self.state
                    .store
                    .prompts_beside(project, at_ms, -1, false, request.after)?
                    .into_iter()
                    .map(prompt_entry),
            )
            .collect();
        after.sort_by_key(key);
        after.truncate(request.after);

        let mut entries = before;
        let anchor_index = entries.len();
        if let Some(id) = anchor_obs
            && let Some(obs) = self
                .state
                .store
                .observations_by_id(&[id])?
                .into_iter()
                .next()
        {
            entries.push(obs_entry(obs));
        }
        entries.extend(after);
        Ok(Timeline {
            entries,
            anchor_index,
        })
    }
}
