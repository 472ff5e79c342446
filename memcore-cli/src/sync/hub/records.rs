//! The hub's view of one shared observation, folded from its changes in the log by the
//! core's merge rules (`memcore::sync`): the first put gives every field; title, text and
//! kind are last-writer-wins by `(hlc, device_id, change_id)` among the edits after the put;
//! forgotten is the last forget or restore. The fold reads the whole set of a record's
//! changes each time, so the view is the same whatever order the pushes came in.
//!
//! Only what search needs is kept: a forgotten record keeps its row (so that a restore
//! arriving later finds it) with its text emptied.

use memcore::ChangeKind;
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
    fn key(&self) -> (i64, &str, &str) {
        (self.hlc, &self.device_id, &self.change_id)
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
    let mut sorted: Vec<&Logged> = changes.iter().collect();
    sorted.sort_by(|a, b| a.key().cmp(&b.key()));
    let put_name = ChangeKind::ObservationPut.as_str();
    let (base, put, mut view) = sorted.iter().find_map(|c| {
        (c.kind == put_name)
            .then(|| from_put(c))
            .flatten()
            .map(|v| (c.key(), &c.payload, v))
    })?;
    let mut narrative = text(put, "narrative");
    let rest = rest_of_body(put);
    for c in sorted.iter().filter(|c| c.key() > base) {
        if c.kind == ChangeKind::ObservationEdit.as_str() {
            if let Some(t) = c.payload.get("title").and_then(Value::as_str) {
                view.title = t.to_owned();
            }
            if let Some(n) = c.payload.get("narrative").and_then(Value::as_str) {
                narrative = n.to_owned();
            }
            if let Some(k) = c.payload.get("kind").and_then(Value::as_str) {
                view.kind = k.to_owned();
            }
        }
    }
    view.forgotten = sorted
        .iter()
        .rev()
        .find_map(|c| {
            if c.kind == ChangeKind::ObservationForget.as_str() {
                Some(true)
            } else if c.kind == ChangeKind::ObservationRestore.as_str() {
                Some(false)
            } else {
                None
            }
        })
        .unwrap_or(false);
    if view.forgotten {
        view.title.clear();
    } else {
        view.body = join([narrative].into_iter().chain(rest));
    }
    Some(view)
}

/// The view a put gives, before edits; `None` when its payload has no title.
fn from_put(c: &Logged) -> Option<View> {
    let title = c.payload.get("title")?.as_str()?.to_owned();
    Some(View {
        author: c.author.clone(),
        device_id: c.device_id.clone(),
        kind: text(&c.payload, "kind"),
        title,
        body: String::new(),
        forgotten: false,
    })
}

/// What of a put's body edits never change: the subtitle, facts, concepts and files (paths
/// are searchable as written).
fn rest_of_body(put: &Value) -> Vec<String> {
    let mut parts = vec![text(put, "subtitle")];
    for list in ["facts", "concepts", "files_modified", "files_read"] {
        if let Some(items) = put.get(list).and_then(Value::as_array) {
            parts.extend(items.iter().filter_map(Value::as_str).map(str::to_owned));
        }
    }
    parts
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
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
                json!({"title": "T0",
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
