//! One round with a hub: what `memcore sync --hub URL` does.
//!
//! 1. Push: the store's outbox for this hub, batch by batch; each batch is marked sent only
//!    after the hub committed it, so a round that fails (hub down, killed) leaves the rest in
//!    the outbox and the next round sends it (again, harmlessly, if the commit happened but
//!    its acknowledgement was lost).
//! 2. Vectors: the shared observations the batch touched get their vector on the hub, from
//!    the store's embedder, for the hub's search to re-rank with.
//! 3. Pull: every project the store shares, from the store's cursor for this hub, page by
//!    page; each page is applied (`Memory::sync_apply`) before the cursor moves past it, so
//!    a round stopped half-way loses nothing and re-reads at most one page.
//!
//! A hub whose database was replaced behind the same URL (a new identity) is pulled from the
//! start and sent everything again ([`HubCursor`]).

use super::{Hub, HubCursor, HubError, PUSH_BATCH};
use memcore::{ApplyReport, ChangeKind, Memory};
use std::collections::BTreeSet;
use std::time::Instant;

/// How many changes a pull page holds.
const PULL_PAGE: usize = 1000;

/// What a round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RoundReport {
    /// The hub, without password.
    pub target: String,
    /// This store's changes committed to the hub in this round (sent before or not).
    pub pushed: usize,
    /// Of those, the ones the hub did not have.
    pub new_on_hub: usize,
    /// Vectors written to the hub.
    pub vectors: usize,
    /// Why vectors could not be made or stored, if they could not (the changes were sent).
    pub vector_error: Option<String>,
    /// The projects pulled.
    pub projects: Vec<String>,
    /// Other devices' changes read from the hub.
    pub pulled: usize,
    /// Of those, the ones this store did not have.
    pub new: usize,
    /// Records whose state in this store changed.
    pub records_changed: usize,
    /// Hub rows this build could not read or the store refused as malformed (left on the
    /// hub, counted, passed over).
    pub unreadable: usize,
    /// The version of pgvector in the hub's database, if installed (memcore ranks vectors
    /// itself either way).
    pub pgvector: Option<String>,
    /// How long the round took, connecting included.
    pub elapsed_ms: u64,
}

/// Connects to the hub at `url` and runs one round for `memory`.
pub fn round(memory: &Memory, url: &str) -> Result<RoundReport, HubError> {
    let started = Instant::now();
    let mut hub = Hub::connect(url)?;
    let mut report = round_with(memory, &mut hub)?;
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// One round on an open hub.
fn round_with(memory: &Memory, hub: &mut Hub) -> Result<RoundReport, HubError> {
    let target = hub.target();
    let mut report = RoundReport {
        target: target.clone(),
        pgvector: hub.pgvector().map(str::to_owned),
        ..RoundReport::default()
    };
    let (mut cursor, new_cursor) = HubCursor::read(
        memory.sync_cursor(&target)?.as_deref(),
        hub.hub_id(),
        &target,
    );
    if new_cursor {
        // Kept before anything is sent: a round stopped later sends under the same name.
        memory.set_sync_cursor(&target, &cursor.to_text())?;
    }
    let sent_target = cursor.sent_target(&target);
    loop {
        let outbox = memory.sync_outbox(&sent_target, PUSH_BATCH)?;
        if !outbox.changes.is_empty() {
            let pushed = hub.push(&outbox.changes)?;
            report.pushed += pushed.committed;
            report.new_on_hub += pushed.new;
        }
        if outbox.upto > 0 {
            memory.sync_sent(&sent_target, outbox.upto)?;
        }
        // Vectors only sharpen the hub's search: failing to make them (the embedder broke)
        // is reported, and the round goes on.
        match push_vectors(memory, hub, &outbox.changes) {
            Ok(n) => report.vectors += n,
            Err(e) => report.vector_error = Some(e.to_string()),
        }
        if !outbox.more {
            break;
        }
    }
    let status = memory.sync_status()?;
    report.projects = status
        .projects
        .iter()
        .filter(|p| p.enabled && !p.private)
        .map(|p| p.project.clone())
        .collect();
    for project in report.projects.clone() {
        let project = &project;
        loop {
            let page = hub.pull(project, cursor.position(project), PULL_PAGE)?;
            report.unreadable += page.unreadable;
            // This store's own changes come back too: the store would ignore them.
            let theirs: Vec<_> = page
                .changes
                .into_iter()
                .filter(|c| c.device_id != status.device_id)
                .collect();
            if !theirs.is_empty() {
                report.pulled += theirs.len();
                apply_page(memory, &theirs, &mut report)?;
            }
            if page.next != cursor.position(project) {
                cursor.seq.insert(project.clone(), page.next);
                memory.set_sync_cursor(&target, &cursor.to_text())?;
            }
            if !page.more {
                break;
            }
        }
    }
    Ok(report)
}

/// Applies a page of changes. The store refuses a whole batch for one malformed change
/// (another client's bug): then the page is applied change by change, and the ones refused
/// are counted and passed over (they stay on the hub), so that one bad row does not stop the
/// team's sync for good. The merge does not depend on the order or grouping of changes.
fn apply_page(
    memory: &Memory,
    changes: &[memcore::Change],
    report: &mut RoundReport,
) -> Result<(), HubError> {
    let mut add = |a: ApplyReport| {
        report.new += a.new;
        report.records_changed += a.records_changed;
    };
    match memory.sync_apply(changes) {
        Ok(applied) => add(applied),
        Err(memcore::Error::InvalidInput { .. }) => {
            for change in changes {
                match memory.sync_apply(std::slice::from_ref(change)) {
                    Ok(applied) => add(applied),
                    Err(memcore::Error::InvalidInput { .. }) => report.unreadable += 1,
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Embeds the hub's text of the observations `changes` put or edited that have no vector
/// yet, with the store's embedder (none: nothing to do), and stores the vectors on the hub.
fn push_vectors(
    memory: &Memory,
    hub: &mut Hub,
    changes: &[memcore::Change],
) -> Result<usize, HubError> {
    let Some(embedder) = memory.embedder() else {
        return Ok(0);
    };
    let keys: BTreeSet<(String, String)> = changes
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                ChangeKind::ObservationPut | ChangeKind::ObservationEdit
            )
        })
        .map(|c| (c.project.clone(), c.record.clone()))
        .collect();
    if keys.is_empty() {
        return Ok(0);
    }
    let keys: Vec<(String, String)> = keys.into_iter().collect();
    let missing = hub.missing_vectors(&keys)?;
    if missing.is_empty() {
        return Ok(0);
    }
    let texts: Vec<&str> = missing.iter().map(|m| m.text.as_str()).collect();
    let vectors = embedder.embed(&texts)?;
    let rows: Vec<(String, String, Vec<f32>)> = missing
        .into_iter()
        .zip(vectors)
        .map(|(m, v)| (m.project, m.record, v))
        .collect();
    hub.set_vectors(embedder.id(), &rows)
}
