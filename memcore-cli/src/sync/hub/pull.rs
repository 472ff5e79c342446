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

/// How many changes of `project` after position `after` were made by another device than
/// `own`: what a pull would bring (`memcore sync --status`).
pub(crate) fn count_after(
    client: &mut postgres::Client,
    url: &HubUrl,
    project: &str,
    after: i64,
    own: &str,
) -> Result<u64, HubError> {
    let row = client
        .query_one(
            "SELECT count(*) FROM memcore_changes WHERE project = $1 AND seq > $2 AND device_id <> $3",
            &[&project, &after, &own],
        )
        .map_err(|e| query(url.target(), format!("count what waits in project {project:?}"), &e))?;
    Ok(row.get::<_, i64>(0).max(0) as u64)
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

/// Where a store stands with one hub: one pull position per project, the hub they belong
/// to, and the name its sent marks are kept under. Kept in the store as its opaque cursor
/// string for the hub.
///
/// A hub is known by its URL, but the database behind a URL can be replaced (dropped and
/// made again, restored from an older backup). Its identity (`memcore_hub_meta.hub_id`) then
/// changes: the pull positions mean nothing there, and what the store marked as sent may be
/// missing. So on a new identity the pulls start again from the start, and the sent marks
/// move to a name of their own (`<target>#<hub_id>`), so that everything is sent again (the
/// hub skips what it has). Both are harmless repeats: the store ignores changes it has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubCursor {
    /// The hub's identity.
    pub hub: String,
    /// The last `seq` read, by project.
    pub seq: BTreeMap<String, i64>,
    /// The name the sent marks are kept under, when not the hub's target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_as: Option<String>,
}

impl HubCursor {
    /// The cursor `text` (kept under `target`) holds for the hub `hub_id`, and whether it
    /// is new (to be kept before anything is sent). A cursor that cannot be read starts from
    /// the start; one kept for another identity also sends everything again (see above).
    pub fn read(text: Option<&str>, hub_id: &str, target: &str) -> (HubCursor, bool) {
        let fresh = |sent_as| HubCursor {
            hub: hub_id.to_owned(),
            seq: BTreeMap::new(),
            sent_as,
        };
        match text.and_then(|t| serde_json::from_str::<HubCursor>(t).ok()) {
            Some(c) if c.hub == hub_id => (c, false),
            Some(_) => (fresh(Some(format!("{target}#{hub_id}"))), true),
            None => (fresh(None), text.is_some()),
        }
    }

    /// The name this store's sent marks for the hub are kept under.
    pub fn sent_target(&self, target: &str) -> String {
        self.sent_as.clone().unwrap_or_else(|| target.to_owned())
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
    fn a_cursor_of_another_hub_starts_again_and_sends_everything_again() {
        let (mut c, new) = HubCursor::read(None, "h1", "hub:x");
        assert!(!new);
        c.seq.insert("p".into(), 42);
        let text = c.to_text();
        let (same, new) = HubCursor::read(Some(&text), "h1", "hub:x");
        assert_eq!((same.position("p"), new), (42, false));
        assert_eq!(same.sent_target("hub:x"), "hub:x");
        let (other, new) = HubCursor::read(Some(&text), "h2", "hub:x");
        assert_eq!((other.position("p"), new), (0, true));
        assert_eq!(other.sent_target("hub:x"), "hub:x#h2");
        let kept = other.to_text();
        assert_eq!(
            HubCursor::read(Some(&kept), "h2", "hub:x")
                .0
                .sent_target("hub:x"),
            "hub:x#h2"
        );
        let (unreadable, new) = HubCursor::read(Some("{not json"), "h1", "hub:x");
        assert_eq!((unreadable.position("p"), new), (0, true));
    }
}
