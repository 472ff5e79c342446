//! Observations: what an extractor or the host stores, and what is stored.

use super::{from_time, rfc3339, to_time};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// An observation to store (what an extractor or the host itself produces). Only `title` is
/// required.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct NewObservation {
    /// A short title (required, non-empty).
    pub title: String,
    /// The project it belongs to; the session's project when absent and a session is given.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(optional))]
    pub project: Option<String>,
    /// The session it came from, if any.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(optional))]
    pub session_id: Option<String>,
    /// Its kind (`bugfix`, `feature`, `refactor`, `change`, `discovery`, `decision` or a
    /// mode's own); the mode's fallback kind when absent.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(type = "ObservationKind", optional))]
    pub kind: Option<String>,
    /// One sentence that expands the title.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub subtitle: String,
    /// What was done, how it works, why it matters.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub narrative: String,
    /// Self-contained factual statements.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub facts: Vec<String>,
    /// Text that situates the observation (the prompt that started the work): searched at a
    /// lower weight, not rendered in context.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub context: String,
    /// Knowledge-type tags (`how-it-works`, `gotcha`...).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub concepts: Vec<String>,
    /// Files read, as paths from the project root.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub files_read: Vec<String>,
    /// Files modified, as paths from the project root.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub files_modified: Vec<String>,
    /// The events it was distilled from (provenance).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub source_event_ids: Vec<i64>,
    /// Importance in `0.0..=1.0`; 0.5 when absent.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(optional))]
    pub importance: Option<f32>,
    /// An older observation this one replaces.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(optional))]
    pub supersedes: Option<i64>,
    /// When it was made; now when absent.
    #[serde(with = "rfc3339::option")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(type = "Timestamp", optional))]
    pub created_at: Option<SystemTime>,
}

impl From<NewObservation> for memcore::NewObservation {
    fn from(o: NewObservation) -> Self {
        memcore::NewObservation {
            project: o.project,
            session_id: o.session_id,
            kind: o.kind.map(|k| memcore::ObservationKind::parse(&k)),
            title: o.title,
            subtitle: o.subtitle,
            narrative: o.narrative,
            facts: o.facts,
            context: o.context,
            concepts: o.concepts,
            files_read: o.files_read,
            files_modified: o.files_modified,
            source_event_ids: o.source_event_ids,
            importance: o.importance,
            supersedes: o.supersedes,
            created_at: o.created_at.map(to_time),
        }
    }
}

/// A stored observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct Observation {
    /// Its id.
    pub id: i64,
    /// Its project.
    pub project: String,
    /// The session it came from, if any.
    pub session_id: Option<String>,
    /// Its kind (`bugfix`, `feature`, ... or a mode's own).
    #[cfg_attr(test, ts(type = "ObservationKind"))]
    pub kind: String,
    /// Short title.
    pub title: String,
    /// One sentence that expands the title.
    pub subtitle: String,
    /// What was done, how it works, why it matters.
    pub narrative: String,
    /// Self-contained factual statements.
    pub facts: Vec<String>,
    /// Text that situates the observation.
    pub context: String,
    /// Knowledge-type tags.
    pub concepts: Vec<String>,
    /// Files read.
    pub files_read: Vec<String>,
    /// Files modified.
    pub files_modified: Vec<String>,
    /// The events it was distilled from.
    pub source_event_ids: Vec<i64>,
    /// When it was made.
    #[serde(with = "rfc3339")]
    #[cfg_attr(test, ts(type = "string"))]
    pub created_at: SystemTime,
    /// Importance in `0.0..=1.0`.
    pub importance: f32,
    /// Hex SHA-256 of its normalised content; unique per project.
    pub content_hash: String,
    /// Its size in tokens by memcore's estimator.
    pub token_count: u32,
    /// The older observation it replaces, if any.
    pub supersedes: Option<i64>,
    /// The newer observation that replaces this one, if any.
    pub superseded_by: Option<i64>,
    /// Pinned observations are never pruned by retention.
    pub pinned: bool,
}

impl From<memcore::Observation> for Observation {
    fn from(o: memcore::Observation) -> Self {
        Observation {
            id: o.id,
            project: o.project,
            session_id: o.session_id,
            kind: o.kind.as_str().to_owned(),
            title: o.title,
            subtitle: o.subtitle,
            narrative: o.narrative,
            facts: o.facts,
            context: o.context,
            concepts: o.concepts,
            files_read: o.files_read,
            files_modified: o.files_modified,
            source_event_ids: o.source_event_ids,
            created_at: from_time(o.created_at),
            importance: o.importance,
            content_hash: o.content_hash,
            token_count: o.token_count,
            supersedes: o.supersedes,
            superseded_by: o.superseded_by,
            pinned: o.pinned,
        }
    }
}

/// The result of adding an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct Added {
    /// The observation's id: the new one, or the existing one with the same content.
    pub id: i64,
    /// True when an observation with the same content already existed in the project and
    /// nothing was stored.
    pub duplicate: bool,
}

impl From<memcore::Added> for Added {
    fn from(a: memcore::Added) -> Self {
        Added {
            id: a.id,
            duplicate: a.duplicate,
        }
    }
}

/// Test support: a core observation with every field set (a new field gets its sample value
/// here, beside the record), for the record tests and the documentation checks.
#[cfg(test)]
pub(crate) fn sample() -> memcore::Observation {
    memcore::Observation {
        id: 7,
        project: "shop".into(),
        session_id: Some("s1".into()),
        kind: memcore::ObservationKind::Bugfix,
        title: "Cart total rounds per line".into(),
        subtitle: "Rounding moved to the total".into(),
        narrative: "The cart rounded each line.".into(),
        facts: vec!["rounding is per total".into()],
        context: "fix the cart".into(),
        concepts: vec!["gotcha".into()],
        files_read: vec!["src/cart.py".into()],
        files_modified: vec!["src/cart.py".into()],
        source_event_ids: vec![3, 4],
        created_at: super::samples::T0,
        importance: 0.75,
        content_hash: "ab12".into(),
        token_count: 42,
        supersedes: Some(2),
        superseded_by: Some(9),
        pinned: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{same_json, samples};

    #[test]
    fn an_observation_serializes_as_the_core_does() {
        let core = samples::observation();
        same_json(&core, &Observation::from(core.clone()));
        let added = memcore::Added {
            id: 3,
            duplicate: true,
        };
        same_json(&added, &Added::from(added));
    }

    #[test]
    fn a_new_observation_reads_what_the_core_reads() {
        let json = r#"{"title":"t","project":"p","session_id":"s","kind":"decision",
            "subtitle":"st","narrative":"n","facts":["f"],"context":"c","concepts":["x"],
            "files_read":["a"],"files_modified":["b"],"source_event_ids":[1],
            "importance":0.25,"supersedes":4,"created_at":"2026-11-24T10:31:00Z"}"#;
        let record: NewObservation = serde_json::from_str(json).unwrap();
        let core: memcore::NewObservation = serde_json::from_str(json).unwrap();
        assert_eq!(memcore::NewObservation::from(record), core);
        let bare: NewObservation = serde_json::from_str(r#"{"title":"t"}"#).unwrap();
        let core: memcore::NewObservation = serde_json::from_str(r#"{"title":"t"}"#).unwrap();
        assert_eq!(memcore::NewObservation::from(bare), core);
    }
}
