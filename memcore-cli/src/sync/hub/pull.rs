//! Pulling: a project's changes in the order of the hub's `seq`, from a position.
//!
//! Why the position can be a plain `seq` here, and would not be in general: an identity
//! column hands out numbers when rows are inserted, not when they are committed. If push A
//! draws seq 10 and stays open while push B draws 11 and commits, a reader sees 11, moves its
//! cursor past it, and never sees 10 once A commits: a change silently skipped for good
//! (measured on PostgreSQL 15, see the sync reference §3.4). Every push takes its projects'
//! advisory locks before inserting anything (`push.rs`), so within one project B cannot draw
//! a number until A has committed: for one project, seq order is commit order, and "seq
//! greater than the last one seen" misses nothing. The guarantee is per project only (two
//! projects' pushes run side by side), which is why [`HubCursor`] keeps one position per
//! project and never one for the whole hub.

use super::error::query;
use super::{HubError, HubUrl};
use memcore::{Change, ChangeKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A page of one project's changes.
#[derive(Debug, Clone, Default)]
pub struct Pulled {
    /// The changes, in the hub's order.
    pub changes: Vec<Change>,
    /// The position after the last row read (the position given when there was none).
    pub next: i64,
    /// Whether the page was full: more may follow.
    pub more: bool,
    /// Rows this build cannot read (an unknown kind, a number out of range), passed over and
    /// counted; they stay on the hub.
    pub unreadable: usize,
}

const PULL: &str = "
SELECT seq, change_id, device_id, device_seq, hlc, author, project, record, kind, payload
FROM memcore_changes WHERE project = $1 AND seq > $2 ORDER BY seq LIMIT $3";

/// At most `limit` changes of `project` after `after`.
pub(crate) fn pull(
    client: &mut postgres::Client,
    url: &HubUrl,
    project: &str,
    after: i64,
    limit: usize,
) -> Result<Pulled, HubError> {
    let limit = limit.clamp(1, 100_000);
    let rows = client
        .query(PULL, &[&project, &after, &(limit as i64)])
        .map_err(|e| query(url.target(), format!("pull project {project:?}"), &e))?;
    let mut pulled = Pulled {
        next: after,
        more: rows.len() == limit,
        ..Pulled::default()
    };
    for row in rows {
        pulled.next = row.get(0);
        match read(&row) {
            Some(change) => pulled.changes.push(change),
            None => pulled.unreadable += 1,
        }
    }
    Ok(pulled)
}

/// The change a row holds; `None` when this build cannot read it.
fn read(row: &postgres::Row) -> Option<Change> {
    let kind = ChangeKind::parse(row.try_get::<_, &str>(8).ok()?)?;
    Some(Change {
        change_id: row.try_get(1).ok()?,
        device_id: row.try_get(2).ok()?,
        device_seq: u64::try_from(row.try_get::<_, i64>(3).ok()?).ok()?,
        hlc: u64::try_from(row.try_get::<_, i64>(4).ok()?).ok()?,
        author: row.try_get(5).ok()?,
        project: row.try_get(6).ok()?,
        record: row.try_get(7).ok()?,
        kind,
        payload: row.try_get(9).ok()?,
    })
}

/// Where a store's pulls from one hub stand: one position per project, and the hub they
/// belong to. Kept in the store as its opaque cursor string for the hub.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubCursor {
    /// The hub's identity (`memcore_hub_meta.hub_id`).
    pub hub: String,
    /// The last `seq` read, by project.
    pub seq: BTreeMap<String, i64>,
}

impl HubCursor {
    /// The cursor `text` holds for the hub `hub_id`: a cursor that cannot be read, or that
    /// was kept for another hub (recreated, restored elsewhere: its seqs mean nothing here),
    /// starts again from the start. Reading again is harmless: the store ignores changes it
    /// has.
    pub fn read(text: Option<&str>, hub_id: &str) -> HubCursor {
        text.and_then(|t| serde_json::from_str::<HubCursor>(t).ok())
            .filter(|c| c.hub == hub_id)
            .unwrap_or_else(|| HubCursor {
                hub: hub_id.to_owned(),
                seq: BTreeMap::new(),
            })
    }

    /// The position of `project` (0: from the start).
    pub fn position(&self, project: &str) -> i64 {
        self.seq.get(project).copied().unwrap_or(0)
    }

    /// The cursor as the store keeps it.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_of_another_hub_or_unreadable_starts_from_the_start() {
        let mut c = HubCursor::read(None, "h1");
        c.seq.insert("p".into(), 42);
        let text = c.to_text();
        assert_eq!(HubCursor::read(Some(&text), "h1").position("p"), 42);
        assert_eq!(HubCursor::read(Some(&text), "h2").position("p"), 0);
        assert_eq!(HubCursor::read(Some("{not json"), "h1").position("p"), 0);
    }
}
