//! The state of a record as the set of its changes defines it: a pure function, so that two
//! stores with the same changes agree whatever order the changes came in (see the merge
//! rules in [`super`]).

use super::{Change, ChangeKind};
use crate::model::{Observation, ObservationKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// An observation as a put carries it: every field but those that name local rows, with the
/// observation it supersedes by global id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // the fields of `crate::Observation`, documented there
pub struct ObservationRecord {
    pub project: String,
    pub session_id: Option<String>,
    pub kind: ObservationKind,
    pub title: String,
    #[serde(default)]
    pub subtitle: String,
    #[serde(default)]
    pub narrative: String,
    #[serde(default)]
    pub facts: Vec<String>,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub concepts: Vec<String>,
    #[serde(default)]
    pub files_read: Vec<String>,
    #[serde(default)]
    pub files_modified: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default)]
    pub importance: f32,
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub supersedes: Option<String>,
}

impl ObservationRecord {
    /// The record of a stored observation.
    pub(crate) fn of(obs: &Observation, supersedes: Option<String>) -> ObservationRecord {
        ObservationRecord {
            project: obs.project.clone(),
            session_id: obs.session_id.clone(),
            kind: obs.kind.clone(),
            title: obs.title.clone(),
            subtitle: obs.subtitle.clone(),
            narrative: obs.narrative.clone(),
            facts: obs.facts.clone(),
            context: obs.context.clone(),
            concepts: obs.concepts.clone(),
            files_read: obs.files_read.clone(),
            files_modified: obs.files_modified.clone(),
            created_at: obs.created_at,
            importance: obs.importance,
            pinned: obs.pinned,
            supersedes,
        }
    }
}

/// The fields an edit may carry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct EditPayload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ObservationKind>,
}

/// What a pin carries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct PinPayload {
    pub pinned: bool,
}

/// An observation as its changes define it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationState {
    /// The put's record with the winning title, text, kind and pin applied.
    pub record: ObservationRecord,
    /// Whether the last forget or restore says forgotten.
    pub forgotten: bool,
    /// Who made it: the author and device of the put that is its base.
    pub origin: super::Origin,
}

/// The state the changes of one observation define; `None` while its put has not arrived
/// (or no put could be read). Changes of another kind are ignored, and so is a payload that
/// cannot be read (it is kept in the log; a later build may read it).
pub fn observation_state(changes: &[Change]) -> Option<ObservationState> {
    let mut sorted: Vec<&Change> = changes.iter().collect();
    sorted.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    // The first put that can be read is the base; later puts (the same record sent again)
    // change nothing.
    let (base_at, origin, mut record) = sorted.iter().find_map(|c| {
        (c.kind == ChangeKind::ObservationPut)
            .then(|| serde_json::from_value::<ObservationRecord>(c.payload.clone()).ok())
            .flatten()
            .map(|r| {
                let origin = super::Origin {
                    author: c.author.clone(),
                    device_id: c.device_id.clone(),
                };
                (c.order_key(), origin, r)
            })
    })?;
    // In order, each later write replaces what an earlier one set: last writer wins per
    // field, by the total order above.
    for c in sorted.iter().filter(|c| c.order_key() > base_at) {
        match c.kind {
            ChangeKind::ObservationEdit => {
                if let Ok(edit) = serde_json::from_value::<EditPayload>(c.payload.clone()) {
                    if let Some(title) = edit.title {
                        record.title = title;
                    }
                    if let Some(narrative) = edit.narrative {
                        record.narrative = narrative;
                    }
                    if let Some(kind) = edit.kind {
                        record.kind = kind;
                    }
                }
            }
            ChangeKind::ObservationPin => {
                if let Ok(pin) = serde_json::from_value::<PinPayload>(c.payload.clone()) {
                    record.pinned = pin.pinned;
                }
            }
            _ => {}
        }
    }
    // Forgotten is a register of its own, written only by forgets and restores, wherever
    // they fall against the put: a forget that arrives before the record still forgets it.
    let forgotten = sorted
        .iter()
        .rev()
        .find_map(|c| match c.kind {
            ChangeKind::ObservationForget => Some(true),
            ChangeKind::ObservationRestore => Some(false),
            _ => None,
        })
        .unwrap_or(false);
    Some(ObservationState {
        record,
        forgotten,
        origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn change(
        device: &str,
        seq: u64,
        hlc: u64,
        kind: ChangeKind,
        payload: serde_json::Value,
    ) -> Change {
        Change {
            change_id: format!("{device}-{seq}"),
            device_id: device.into(),
            device_seq: seq,
            hlc,
            author: "a".into(),
            project: "p".into(),
            record: "r1".into(),
            kind,
            payload,
        }
    }

    fn put() -> serde_json::Value {
        json!({"project": "p", "session_id": null, "kind": "change", "title": "T0",
               "narrative": "N0", "created_at": "2026-01-01T00:00:00Z"})
    }

    fn sample() -> Vec<Change> {
        vec![
            change("a", 1, 100, ChangeKind::ObservationPut, put()),
            change(
                "a",
                2,
                200,
                ChangeKind::ObservationEdit,
                json!({"title": "Ta"}),
            ),
            change(
                "b",
                1,
                200,
                ChangeKind::ObservationEdit,
                json!({"title": "Tb", "kind": "decision"}),
            ),
            change(
                "c",
                1,
                150,
                ChangeKind::ObservationPin,
                json!({"pinned": true}),
            ),
            change("c", 2, 300, ChangeKind::ObservationForget, json!({})),
            change(
                "a",
                3,
                250,
                ChangeKind::ObservationEdit,
                json!({"narrative": "Na"}),
            ),
        ]
    }

    #[test]
    fn last_writer_wins_per_field_with_a_total_order_and_forget_sticks() {
        let state = observation_state(&sample()).unwrap();
        // Equal clocks: device "b" > "a" decides.
        assert_eq!(state.record.title, "Tb");
        assert_eq!(state.record.kind, ObservationKind::Decision);
        assert_eq!(state.record.narrative, "Na");
        assert!(state.record.pinned);
        assert!(state.forgotten);
        let mut restored = sample();
        restored.push(change(
            "a",
            4,
            400,
            ChangeKind::ObservationRestore,
            json!({}),
        ));
        assert!(!observation_state(&restored).unwrap().forgotten);
        restored.push(change(
            "b",
            2,
            350,
            ChangeKind::ObservationEdit,
            json!({"title": "late"}),
        ));
        assert_eq!(observation_state(&restored).unwrap().record.title, "late");
    }

    #[test]
    fn nothing_without_a_put_and_a_forget_before_the_put_still_forgets() {
        let mut only_edits = sample();
        only_edits.remove(0);
        assert_eq!(observation_state(&only_edits), None);
        let early_forget = vec![
            change("b", 1, 50, ChangeKind::ObservationForget, json!({})),
            change("a", 1, 100, ChangeKind::ObservationPut, put()),
        ];
        assert!(observation_state(&early_forget).unwrap().forgotten);
    }

    proptest! {
        /// The same set of changes, in any order and with duplicates, gives the same state.
        #[test]
        fn the_order_of_arrival_does_not_matter(order in Just(sample()).prop_shuffle(), dup in 0usize..6) {
            let mut changes = order;
            changes.push(changes[dup].clone());
            prop_assert_eq!(observation_state(&changes), observation_state(&sample()));
        }
    }
}
