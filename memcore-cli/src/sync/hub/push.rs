//! Pushing: one batch of changes, one transaction.
//!
//! The transaction first takes `pg_advisory_xact_lock(hashtext('memcore:' || project))` for
//! every project in the batch, in sorted order (two batches that share projects take their
//! locks in the same order, so they cannot deadlock). While one push of a project is open,
//! the next waits for its commit before it even draws a `seq`, so within a project a
//! larger `seq` always belongs to a later commit: the pull cursor of `pull.rs` is safe.
//! Then every change is inserted with `ON CONFLICT (change_id) DO NOTHING` (a change sent
//! twice, after a failure or by two paths, is stored once; any other conflict, such as the
//! same device sequence number under another id, fails the batch instead of vanishing), and
//! the view of each observation the new changes touch is folded again from the log
//! (`records.rs`). A batch commits whole or not at all: a push killed half-way leaves
//! nothing of its batch, and sending it again completes it.

use super::error::query;
use super::records::{Logged, View, fold};
use super::{HubError, HubUrl};
use memcore::Change;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// What a push stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Changes given and committed (new or already on the hub).
    pub committed: usize,
    /// Changes the hub did not have.
    pub new: usize,
    /// Observations whose searchable view was written again.
    pub records: usize,
}

impl PushReport {
    pub(crate) fn add(&mut self, other: &PushReport) {
        self.committed += other.committed;
        self.new += other.new;
        self.records += other.records;
    }
}

const INSERT: &str = "
INSERT INTO memcore_changes
    (change_id, device_id, device_seq, hlc, author, project, record, kind, payload)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[],
                     $6::text[], $7::text[], $8::text[], $9::jsonb[])
ON CONFLICT (change_id) DO NOTHING
RETURNING project, record, kind";

const RECORD_CHANGES: &str = "
SELECT record, hlc, device_id, change_id, author, kind, payload FROM memcore_changes
WHERE project = $1 AND record = ANY($2) AND kind LIKE 'observation\\_%'";

const UPSERT_VIEW: &str = "
INSERT INTO memcore_records AS r (project, record, author, device_id, kind, title, body, forgotten)
SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::text[], $8::bool[])
ON CONFLICT (project, record) DO UPDATE SET
    author = excluded.author, device_id = excluded.device_id, kind = excluded.kind,
    title = excluded.title, body = excluded.body, forgotten = excluded.forgotten,
    updated_at = now(),
    -- A vector describes the text it was computed from: a new text drops it.
    model = CASE WHEN r.title = excluded.title AND r.body = excluded.body THEN r.model END,
    vector = CASE WHEN r.title = excluded.title AND r.body = excluded.body THEN r.vector END";

/// Stores `batch` in one transaction; `before_commit` runs last inside it (the tests' kill
/// point; `|_| Ok(())` otherwise).
pub(crate) fn push_batch(
    client: &mut postgres::Client,
    url: &HubUrl,
    batch: &[Change],
    before_commit: impl FnOnce(&mut postgres::Transaction<'_>) -> Result<(), postgres::Error>,
) -> Result<PushReport, HubError> {
    if batch.is_empty() {
        return Ok(PushReport::default());
    }
    let columns = Columns::of(batch, url)?;
    let payloads: Vec<&serde_json::Value> = columns.payload.iter().map(|p| p.as_ref()).collect();
    let action = format!("push {} changes", batch.len());
    let fail = |e: postgres::Error| query(url.target(), action.clone(), &e);
    let mut tx = client.transaction().map_err(fail)?;
    let projects: BTreeSet<&str> = batch.iter().map(|c| c.project.as_str()).collect();
    for project in projects {
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('memcore:' || $1))",
            &[&project],
        )
        .map_err(fail)?;
    }
    let inserted = tx
        .query(
            INSERT,
            &[
                &columns.change_id,
                &columns.device_id,
                &columns.device_seq,
                &columns.hlc,
                &columns.author,
                &columns.project,
                &columns.record,
                &columns.kind,
                &payloads,
            ],
        )
        .map_err(fail)?;
    // The observations whose view the new changes may change, by project.
    let mut touched: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &inserted {
        let kind: &str = row.get(2);
        if kind.starts_with("observation_") {
            touched.entry(row.get(0)).or_default().insert(row.get(1));
        }
    }
    let mut records = 0;
    for (project, ids) in &touched {
        records += refresh_views(&mut tx, project, ids).map_err(fail)?;
    }
    before_commit(&mut tx).map_err(fail)?;
    tx.commit().map_err(fail)?;
    Ok(PushReport {
        committed: batch.len(),
        new: inserted.len(),
        records,
    })
}

/// Folds the view of `records` of `project` again from all their changes, and writes it.
fn refresh_views(
    tx: &mut postgres::Transaction<'_>,
    project: &str,
    records: &BTreeSet<String>,
) -> Result<usize, postgres::Error> {
    let ids: Vec<&str> = records.iter().map(String::as_str).collect();
    let mut logs: BTreeMap<String, Vec<Logged>> = BTreeMap::new();
    for row in tx.query(RECORD_CHANGES, &[&project, &ids])? {
        logs.entry(row.get(0)).or_default().push(Logged {
            hlc: row.get(1),
            device_id: row.get(2),
            change_id: row.get(3),
            author: row.get(4),
            kind: row.get(5),
            payload: row.get(6),
        });
    }
    let views: Vec<(String, View)> = logs
        .into_iter()
        .filter_map(|(record, log)| fold(&log).map(|v| (record, v)))
        .collect();
    if views.is_empty() {
        return Ok(0);
    }
    let col = |f: fn(&View) -> &String| -> Vec<&str> {
        views.iter().map(|(_, v)| f(v).as_str()).collect()
    };
    let record: Vec<&str> = views.iter().map(|(r, _)| r.as_str()).collect();
    let forgotten: Vec<bool> = views.iter().map(|(_, v)| v.forgotten).collect();
    tx.execute(
        UPSERT_VIEW,
        &[
            &project,
            &record,
            &col(|v| &v.author),
            &col(|v| &v.device_id),
            &col(|v| &v.kind),
            &col(|v| &v.title),
            &col(|v| &v.body),
            &forgotten,
        ],
    )?;
    Ok(views.len())
}

/// A batch as the columns `unnest` takes.
struct Columns<'a> {
    change_id: Vec<&'a str>,
    device_id: Vec<&'a str>,
    device_seq: Vec<i64>,
    hlc: Vec<i64>,
    author: Vec<&'a str>,
    project: Vec<&'a str>,
    record: Vec<&'a str>,
    kind: Vec<&'static str>,
    payload: Vec<Cow<'a, serde_json::Value>>,
}

impl<'a> Columns<'a> {
    /// The columns, with numbers PostgreSQL's `bigint` cannot hold refused by name.
    fn of(batch: &'a [Change], url: &HubUrl) -> Result<Columns<'a>, HubError> {
        let n = batch.len();
        let mut c = Columns {
            change_id: Vec::with_capacity(n),
            device_id: Vec::with_capacity(n),
            device_seq: Vec::with_capacity(n),
            hlc: Vec::with_capacity(n),
            author: Vec::with_capacity(n),
            project: Vec::with_capacity(n),
            record: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            payload: Vec::with_capacity(n),
        };
        for change in batch {
            let bad = |what: &str, value: u64| HubError::BadChange {
                target: url.target(),
                change_id: change.change_id.clone(),
                reason: format!("its {what} {value} is beyond a signed 64-bit number"),
            };
            c.device_seq.push(
                i64::try_from(change.device_seq)
                    .map_err(|_| bad("device_seq", change.device_seq))?,
            );
            c.hlc
                .push(i64::try_from(change.hlc).map_err(|_| bad("hlc", change.hlc))?);
            for (what, text) in [
                ("change_id", &change.change_id),
                ("device_id", &change.device_id),
                ("author", &change.author),
                ("project", &change.project),
                ("record", &change.record),
            ] {
                if text.contains('\0') {
                    return Err(HubError::BadChange {
                        target: url.target(),
                        change_id: change.change_id.replace('\0', "\\0"),
                        reason: format!(
                            "its {what} holds a NUL character, which PostgreSQL text cannot"
                        ),
                    });
                }
            }
            c.change_id.push(&change.change_id);
            c.device_id.push(&change.device_id);
            c.author.push(&change.author);
            c.project.push(&change.project);
            c.record.push(&change.record);
            c.kind.push(change.kind.as_str());
            c.payload.push(without_nul(&change.payload));
        }
        Ok(c)
    }
}

/// `payload` as PostgreSQL's `jsonb` can hold it: a string with a NUL character (which
/// `jsonb` refuses, and which would stop every later push of this store) has it replaced by
/// U+FFFD on the hub's copy. Anything else is passed as it is, uncopied.
fn without_nul(payload: &serde_json::Value) -> Cow<'_, serde_json::Value> {
    fn has_nul(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(items) => items.iter().any(has_nul),
            serde_json::Value::Object(map) => {
                map.iter().any(|(k, v)| k.contains('\0') || has_nul(v))
            }
            _ => false,
        }
    }
    fn replace(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = s.replace('\0', "\u{fffd}"),
            serde_json::Value::Array(items) => items.iter_mut().for_each(replace),
            serde_json::Value::Object(map) => {
                let entries = std::mem::take(map);
                for (k, mut v) in entries {
                    replace(&mut v);
                    map.insert(k.replace('\0', "\u{fffd}"), v);
                }
            }
            _ => {}
        }
    }
    if !has_nul(payload) {
        return Cow::Borrowed(payload);
    }
    let mut copy = payload.clone();
    replace(&mut copy);
    Cow::Owned(copy)
}
