//! The hub's view of one shared observation, for search: the state the core's merge rules
//! give the whole set of its changes in the log ([`memcore::sync::observation_state`], the
//! one implementation of the rules), so the view is the same whatever order the pushes came
//! in, and the same as every store's.
//!
//! Only what search needs is kept: a forgotten record keeps its row (so that a restore
//! arriving later finds it) with its text emptied.

use memcore::{Change, ChangeKind};
use serde_json::Value;

/// One change as the log holds it (the fields the fold reads).
#[derive(Debug, Clone)]
pub(crate) struct Logged {
    pub hlc: i64,
    pub device_id: String,
    pub change_id: String,
    pub author: String,
    pub kind: String,
    pub payload: Value,
}

impl Logged {
    /// The change it is, for the core's merge; `None` for a kind this build does not know.
    fn change(&self) -> Option<Change> {
        Some(Change {
            change_id: self.change_id.clone(),
            device_id: self.device_id.clone(),
            // The merge orders by clock, device and change id; the sequence plays no part.
            device_seq: 0,
            hlc: u64::try_from(self.hlc).ok()?,
            author: self.author.clone(),
            project: String::new(),
            record: String::new(),
            kind: ChangeKind::parse(&self.kind)?,
            payload: self.payload.clone(),
        })
    }
}

/// A row of `memcore_records`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct View {
    pub author: String,
    pub device_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub forgotten: bool,
}

/// The view `changes` (all of one record's, any order) define; `None` while no readable put
/// has arrived.
pub(crate) fn fold(changes: &[Logged]) -> Option<View> {
    let changes: Vec<Change> = changes.iter().filter_map(Logged::change).collect();
    let state = memcore::sync::observation_state(&changes)?;
    let r = &state.record;
    let (title, body) = if state.forgotten {
        (String::new(), String::new())
    } else {
        // The narrative, then what edits never change: subtitle, facts, concepts and files
        // (paths are searchable as written).
        let parts = [r.narrative.clone(), r.subtitle.clone()]
            .into_iter()
            .chain(r.facts.iter().cloned())
            .chain(r.concepts.iter().cloned())
            .chain(r.files_modified.iter().cloned())
            .chain(r.files_read.iter().cloned());
        (r.title.clone(), join(parts))
    };
    Some(View {
        author: state.origin.author,
        device_id: state.origin.device_id,
        kind: r.kind.to_string(),
        title,
        body,
        forgotten: state.forgotten,
    })
}

fn join(parts: impl IntoIterator<Item = String>) -> String {
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn logged(device: &str, seq: u64, hlc: i64, kind: ChangeKind, payload: Value) -> Logged {
        Logged {
            hlc,
            device_id: device.into(),
            change_id: format!("{device}-{seq}"),
            author: format!("author-{device}"),
            kind: kind.as_str().into(),
            payload,
        }
    }

    fn sample() -> Vec<Logged> {
        vec![
            logged(
                "a",
                1,
                100,
                ChangeKind::ObservationPut,
                json!({"project": "p", "created_at": "2026-01-01T00:00:00Z", "title": "T0",
                "kind": "change", "narrative": "N0", "facts": ["uses WAL"],
                "files_modified": ["src/store.rs"]}),
            ),
            logged(
                "b",
                1,
                200,
                ChangeKind::ObservationEdit,
                json!({"title": "Tb", "kind": "decision"}),
            ),
            logged(
                "a",
                2,
                200,
                ChangeKind::ObservationEdit,
                json!({"title": "Ta"}),
            ),
            logged(
                "a",
                3,
                250,
                ChangeKind::ObservationEdit,
                json!({"narrative": "Na"}),
            ),
        ]
    }

    #[test]
    fn last_writer_wins_per_field_whatever_the_order() {
        let view = fold(&sample()).unwrap();
        assert_eq!(view.title, "Tb");
        assert_eq!(view.kind, "decision");
        assert_eq!(view.body, "Na\nuses WAL\nsrc/store.rs");
        assert_eq!(view.author, "author-a");
        let mut reversed = sample();
        reversed.reverse();
        assert_eq!(fold(&reversed), Some(view));
    }

    #[test]
    fn a_forget_empties_the_text_and_a_later_restore_brings_it_back() {
        let mut changes = sample();
        changes.insert(
            0,
            logged("c", 1, 300, ChangeKind::ObservationForget, json!({})),
        );
        let view = fold(&changes).unwrap();
        assert!(view.forgotten);
        assert_eq!((view.title.as_str(), view.body.as_str()), ("", ""));
        changes.push(logged(
            "c",
            2,
            400,
            ChangeKind::ObservationRestore,
            json!({}),
        ));
        assert_eq!(fold(&changes).unwrap().title, "Tb");
    }

    #[test]
    fn no_view_without_a_readable_put() {
        let mut changes = sample();
        changes.remove(0);
        assert_eq!(fold(&changes), None);
        changes.push(logged(
            "z",
            1,
            1,
            ChangeKind::ObservationPut,
            json!({"no": "title"}),
        ));
        assert_eq!(fold(&changes), None);
    }
}
