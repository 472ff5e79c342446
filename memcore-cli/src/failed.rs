//! Failed writes: the trace a hook leaves when it cannot store what Claude Code reported.
//!
//! A hook never blocks the agent and always exits 0, so a store it cannot write (a full disk,
//! a folder it may not write in, a broken file) would otherwise lose events silently: the log
//! sits on the same disk and fails with the store. So a hook whose store operation fails also
//! appends one short line (time, event, error) to a *marker file*,
//! `memcore.failed-writes` beside the store; when that folder cannot be written at all, to
//! `memcore-failed-writes-<hash of the store path>` in the temporary directory instead.
//!
//! The marker is made to survive the failure it records: on a full disk, creating an empty
//! file still works on the usual file systems (it needs an inode, not a data block), so the
//! file's existence and its modification time are the trace even when its line could not be
//! written. It is bounded ([`MAX_BYTES`]: later lines are dropped, the file's time still
//! moves). What the events were is lost; that they were lost is not.
//!
//! Who sees it: `memcore doctor` reports both files as a problem (and exits non-zero); the
//! next SessionStart whose store works says so at the top of its context and renames the
//! marker to `memcore.failed-writes.reported`, which doctor keeps reporting until the user
//! deletes it.
//!
//! A spool that replays the events later was considered and left out: the events it would
//! hold are exactly what cannot be written when the disk is full, and replaying tool calls
//! out of order into sessions that have moved on would mislead more than it helps.

use crate::paths::Paths;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The marker's name beside the store.
pub const MARKER: &str = "memcore.failed-writes";
/// The marker once a SessionStart has told the agent about it.
pub const REPORTED: &str = "memcore.failed-writes.reported";
/// The marker stops growing at this size.
pub const MAX_BYTES: u64 = 64 * 1024;

/// The marker beside the store.
pub fn marker(paths: &Paths) -> PathBuf {
    paths.data_dir.join(MARKER)
}

/// The reported marker beside the store.
pub fn reported(paths: &Paths) -> PathBuf {
    paths.data_dir.join(REPORTED)
}

/// The marker in the temporary directory, for a store whose folder cannot be written.
pub fn fallback(paths: &Paths) -> PathBuf {
    // FNV-1a: stable across builds, so a hook and a later doctor agree on the name.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in paths.db.to_string_lossy().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    std::env::temp_dir().join(format!("memcore-failed-writes-{hash:016x}"))
}

/// Records that `event` could not be stored because of `error`. Never fails: it tries the
/// marker beside the store, then the one in the temporary directory.
pub fn record(paths: &Paths, event: &str, error: &str) {
    let now = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    let line = format!("{now} {event}: {}\n", error.replace('\n', " "));
    if append(&marker(paths), &line) {
        return;
    }
    append(&fallback(paths), &line);
}

/// Appends `line` to `path` (created when missing) unless it is full; true when the file
/// exists afterwards, even if the line could not be written.
fn append(path: &Path, line: &str) -> bool {
    let Ok(mut file) = OpenOptions::new().create(true).append(true).open(path) else {
        return false;
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size < MAX_BYTES {
        let _ = file.write_all(line.as_bytes());
    } else {
        // Full: the line is dropped, the time still says when the last write failed.
        let _ = file.set_modified(std::time::SystemTime::now());
    }
    true
}

/// What one marker file says.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Trace {
    /// The file.
    pub path: PathBuf,
    /// Lines in it (at least this many hook writes failed; 0 when the disk was too full to
    /// write even one).
    pub lines: usize,
    /// Its last line.
    pub last: Option<String>,
    /// When it last changed.
    pub modified: Option<String>,
    /// Whether a SessionStart has already told the agent.
    pub reported: bool,
}

impl Trace {
    /// One sentence for people.
    pub fn describe(&self) -> String {
        let count = if self.lines == 0 {
            "hook writes failed (the disk was too full to say how many)".to_owned()
        } else {
            format!("at least {} hook writes failed", self.lines)
        };
        let mut text = format!(
            "{count}, the last at {}: those events were not stored",
            self.modified.as_deref().unwrap_or("an unknown time")
        );
        if let Some(last) = &self.last {
            text.push_str(&format!(" (last: {last})"));
        }
        text
    }
}

/// The markers that exist for the store of `paths`.
pub fn traces(paths: &Paths) -> Vec<Trace> {
    [
        (marker(paths), false),
        (fallback(paths), false),
        (reported(paths), true),
    ]
    .into_iter()
    .filter_map(|(path, reported)| {
        let meta = std::fs::metadata(&path).ok()?;
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let modified = meta
            .modified()
            .ok()
            .map(OffsetDateTime::from)
            .and_then(|t| t.format(&Rfc3339).ok());
        Some(Trace {
            lines: text.lines().count(),
            last: text
                .lines()
                .last()
                .map(|l| l.chars().take(200).collect::<String>()),
            modified,
            reported,
            path,
        })
    })
    .collect()
}

/// For a SessionStart whose store works: a note about the unreported markers (`None` when
/// there is none), which are renamed to [`REPORTED`] so that the next session is not told
/// again.
pub fn take_unreported(paths: &Paths) -> Option<String> {
    let fresh: Vec<Trace> = traces(paths).into_iter().filter(|t| !t.reported).collect();
    if fresh.is_empty() {
        return None;
    }
    let mut note = String::from("**memcore could not record part of an earlier session.** ");
    for trace in &fresh {
        note.push_str(&trace.describe());
        note.push_str(". ");
        // The reported file collects every marker's lines.
        let text = std::fs::read_to_string(&trace.path).unwrap_or_default();
        let target = reported(paths);
        let renamed = if trace.path.parent() == target.parent() && !target.exists() {
            std::fs::rename(&trace.path, &target).is_ok()
        } else {
            let ok = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&target)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .is_ok();
            ok && std::fs::remove_file(&trace.path).is_ok()
        };
        if !renamed {
            // Could not move it: leave it, and it is said again next time.
            continue;
        }
    }
    note.push_str("Tell the user; `memcore doctor` shows the details.\n\n");
    Some(note)
}
