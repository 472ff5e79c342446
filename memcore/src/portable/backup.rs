//! Online backup with SQLite's backup API.
//!
//! The store runs in WAL mode, where a reader never blocks a writer. The backup copies every
//! page in one backup step, inside one read transaction: the copy is the store exactly as it
//! was at one commit, and writers in other processes keep committing meanwhile (their new
//! pages go to the write-ahead log, which the copy does not see). Copying in several small
//! steps would not help writers in WAL mode, and would make SQLite restart the copy from
//! the first page each time another process commits.
//!
//! The copy is written next to its destination under a temporary name, switched to a
//! rollback journal (so it is one self-contained file), checked with
//! `PRAGMA integrity_check`, and only then renamed to the destination: a failed backup
//! leaves no file that looks like a good one.

use super::Portable;
use crate::error::{Error, Result, SqlContext};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long the backup waits, in total, for a moment when it can read.
const BUSY_WAIT: Duration = Duration::from_secs(30);
/// Pause between attempts while the source is busy.
const BUSY_PAUSE: Duration = Duration::from_millis(20);

/// What [`Memory::backup_to`](crate::Memory::backup_to) wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupReport {
    /// The backup file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Database pages copied.
    pub pages: u64,
}

/// Removes the temporary file (and any journal) unless the backup succeeded.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            for suffix in ["", "-journal", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

impl Portable<'_> {
    /// See [`Memory::backup_to`](crate::Memory::backup_to).
    pub(crate) fn backup_to(&self, dest: impl AsRef<Path>) -> Result<BackupReport> {
        let dest = dest.as_ref();
        if dest.as_os_str().is_empty() {
            return Err(Error::EmptyPath);
        }
        if dest.exists() {
            return Err(Error::InvalidInput {
                what: "backup destination",
                reason: format!(
                    "{} already exists; give the path of a new file",
                    dest.display()
                ),
            });
        }
        let dir = match dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                    action: "create the backup's directory",
                    path: dir.to_owned(),
                    source,
                })?;
                dir.to_owned()
            }
            None => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "backup".into());
        let tmp = dir.join(format!(".{name}.partial-{}", std::process::id()));
        let mut guard = TempFile(Some(tmp.clone()));
        let _ = std::fs::remove_file(&tmp);

        let pages = {
            let mut copy = Connection::open_with_flags(
                &tmp,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .ctx(|| format!("create the backup file {}", tmp.display()))?;
            let pages = self.copy_pages(&mut copy, &tmp)?;
            copy.pragma_update_and_check(None, "journal_mode", "delete", |r| r.get::<_, String>(0))
                .ctx(|| format!("make the backup {} one self-contained file", tmp.display()))?;
            let findings: Vec<String> = copy
                .prepare("PRAGMA integrity_check")
                .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                .ctx(|| format!("check the backup {}", tmp.display()))?;
            if findings != ["ok"] {
                return Err(Error::InvalidInput {
                    what: "backup",
                    reason: format!(
                        "the copy failed its integrity check: {}",
                        findings.join("; ")
                    ),
                });
            }
            copy.close().map_err(|(_, source)| {
                Error::sqlite(format!("close the backup {}", tmp.display()), source)
            })?;
            pages
        };
        if dest.exists() {
            return Err(Error::InvalidInput {
                what: "backup destination",
                reason: format!(
                    "{} appeared during the backup; not replaced",
                    dest.display()
                ),
            });
        }
        std::fs::rename(&tmp, dest).map_err(|source| Error::Io {
            action: "move the backup into place at",
            path: dest.to_owned(),
            source,
        })?;
        guard.0 = None;
        let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        Ok(BackupReport {
            path: dest.to_owned(),
            bytes,
            pages,
        })
    }

    /// Copies every page of the store into `copy` in one step (one read snapshot), retrying
    /// while the source is locked. Returns the number of pages.
    fn copy_pages(&self, copy: &mut Connection, tmp: &Path) -> Result<u64> {
        let backup = Backup::new(self.state.store.conn(), copy)
            .ctx(|| format!("start a backup into {}", tmp.display()))?;
        let started = std::time::Instant::now();
        loop {
            match backup.step(-1).ctx(|| {
                format!(
                    "copy {} into {}",
                    self.state.store.path().display(),
                    tmp.display()
                )
            })? {
                StepResult::Done => break,
                StepResult::More => {}
                StepResult::Busy | StepResult::Locked if started.elapsed() < BUSY_WAIT => {
                    std::thread::sleep(BUSY_PAUSE)
                }
                StepResult::Busy | StepResult::Locked => {
                    return Err(Error::InvalidInput {
                        what: "backup",
                        reason: format!(
                            "{} stayed locked for {} s",
                            self.state.store.path().display(),
                            BUSY_WAIT.as_secs()
                        ),
                    });
                }
                _ => {}
            }
        }
        Ok(backup.progress().pagecount.max(0) as u64)
    }
}
