//! Open data: export to and import from versioned JSON Lines, online backup, retention.

use super::error::MemcoreError;
use super::memory::Memory;
use super::model::{from_time, to_time};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::time::SystemTime;

fn io_error(action: &str, path: &str, err: std::io::Error) -> MemcoreError {
    MemcoreError::Io {
        message: format!("{action} {path}: {err}"),
    }
}

/// What an export includes.
#[derive(Debug, Clone, PartialEq, Eq, Default, uniffi::Record)]
pub struct ExportOptions {
    /// Only this project (every project when `None`).
    #[uniffi(default)]
    pub project: Option<String>,
    /// Only records from this time on.
    #[uniffi(default)]
    pub since: Option<SystemTime>,
    /// Only records from before this time.
    #[uniffi(default)]
    pub until: Option<SystemTime>,
    /// Include raw events (tool uses, assistant messages, notes); user prompts are always
    /// included.
    #[uniffi(default)]
    pub include_events: bool,
}

/// Record counts by type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct RecordCounts {
    /// Project records.
    pub projects: u64,
    /// Session records.
    pub sessions: u64,
    /// User prompt records.
    pub prompts: u64,
    /// Other event records.
    pub events: u64,
    /// Observation records.
    pub observations: u64,
    /// Summary records.
    pub summaries: u64,
    /// Extraction ledger records.
    pub ledger: u64,
}

impl From<memcore::RecordCounts> for RecordCounts {
    fn from(c: memcore::RecordCounts) -> Self {
        RecordCounts {
            projects: c.projects,
            sessions: c.sessions,
            prompts: c.prompts,
            events: c.events,
            observations: c.observations,
            summaries: c.summaries,
            ledger: c.ledger,
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ExportReport {
    /// Records written, by type.
    pub records: RecordCounts,
    /// Bytes written, header included.
    pub bytes: u64,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    /// The file's format version.
    pub format_version: u32,
    /// The schema version of the store that wrote the file.
    pub schema_version: u32,
    /// Lines read.
    pub lines: u64,
    /// Records stored, by type.
    pub added: RecordCounts,
    /// Records already in the store (or twice in the file), by type.
    pub skipped: RecordCounts,
    /// Links whose target is neither in the file nor in the store; left out.
    pub unresolved_references: u64,
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackupReport {
    /// The backup file.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Database pages copied.
    pub pages: u64,
}

/// A retention policy: every limit is optional. Pinned observations are never removed;
/// events only once their extraction is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Record)]
pub struct RetentionPolicy {
    /// Remove unpinned observations, and finished events, older than this many days.
    #[uniffi(default)]
    pub max_age_days: Option<u32>,
    /// Keep at most this many unpinned observations per project (the newest).
    #[uniffi(default)]
    pub max_observations_per_project: Option<u32>,
    /// Remove the oldest rows until the store's estimated size fits in this many bytes.
    #[uniffi(default)]
    pub max_file_bytes: Option<u64>,
}

/// Which limit selected an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PruneReason {
    /// Older than `max_age_days`.
    Age,
    /// Beyond `max_observations_per_project`.
    ProjectLimit,
    /// Among the oldest rows removed to meet `max_file_bytes`.
    FileSize,
}

/// An observation a prune removed (or, in a dry run, would remove).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PrunedObservation {
    /// Its id.
    pub id: i64,
    /// Its project.
    pub project: String,
    /// Its kind.
    pub kind: String,
    /// Its title.
    pub title: String,
    /// When it was created.
    pub created_at: SystemTime,
    /// Why it goes.
    pub reason: PruneReason,
}

/// What a prune removed, or in a dry run would remove.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PruneReport {
    /// True when nothing was removed: the report says what would go.
    pub dry_run: bool,
    /// The observations, oldest first.
    pub observations: Vec<PrunedObservation>,
    /// Number of events removed.
    pub events: u64,
    /// Removed events per project.
    pub events_by_project: HashMap<String, u64>,
    /// Estimated bytes the removed rows took.
    pub estimated_bytes: u64,
    /// With a file-size limit: whether removing every candidate meets it.
    pub size_limit_met: bool,
    /// The store's size before.
    pub file_size_before: u64,
    /// The store's size after.
    pub file_size_after: u64,
}

#[uniffi::export]
impl Memory {
    /// Writes the store (or the part `options` selects) to `path` as versioned JSON Lines.
    /// The file is created or replaced; on failure an earlier file is left as it was.
    #[uniffi::method(default(options))]
    pub fn export_jsonl(
        &self,
        path: String,
        options: ExportOptions,
    ) -> Result<ExportReport, MemcoreError> {
        let options = memcore::ExportOptions {
            project: options.project,
            since: options.since.map(to_time),
            until: options.until.map(to_time),
            include_events: options.include_events,
        };
        let partial = format!("{path}.partial-{}", std::process::id());
        let written = self.with(|m| {
            let file = File::create(&partial).map_err(|e| io_error("create", &partial, e))?;
            let mut writer = BufWriter::new(file);
            let report = m.export_jsonl(&mut writer, &options)?;
            writer.flush().map_err(|e| io_error("write", &partial, e))?;
            std::fs::rename(&partial, &path).map_err(|e| io_error("rename to", &path, e))?;
            Ok(report)
        });
        match written {
            Ok(report) => Ok(ExportReport {
                records: report.records.into(),
                bytes: report.bytes,
            }),
            Err(err) => {
                let _ = std::fs::remove_file(&partial);
                Err(err)
            }
        }
    }

    /// Merges a JSON Lines export (of this store or another) into this store; records it
    /// already holds are skipped.
    pub fn import_jsonl(&self, path: String) -> Result<ImportReport, MemcoreError> {
        let file = File::open(&path).map_err(|e| io_error("open", &path, e))?;
        self.with(|m| {
            let r = m.import_jsonl(BufReader::new(file))?;
            Ok(ImportReport {
                format_version: r.format_version,
                schema_version: r.schema_version,
                lines: r.lines,
                added: r.added.into(),
                skipped: r.skipped.into(),
                unresolved_references: r.unresolved_references,
            })
        })
    }

    /// Writes a consistent copy of the store to `dest` (a new file) while it stays in use.
    pub fn backup(&self, dest: String) -> Result<BackupReport, MemcoreError> {
        self.with(|m| {
            let r = m.backup_to(&dest)?;
            Ok(BackupReport {
                path: r.path.to_string_lossy().into_owned(),
                bytes: r.bytes,
                pages: r.pages,
            })
        })
    }

    /// Applies a retention policy: removes what it selects (then gives the space back to
    /// the filesystem), or with `dry_run` only reports it.
    #[uniffi::method(default(dry_run = false))]
    pub fn prune(
        &self,
        policy: RetentionPolicy,
        dry_run: bool,
    ) -> Result<PruneReport, MemcoreError> {
        let policy = memcore::RetentionPolicy {
            max_age_days: policy.max_age_days,
            max_observations_per_project: policy.max_observations_per_project,
            max_file_bytes: policy.max_file_bytes,
        };
        self.with(|m| {
            let r = m.prune(&policy, dry_run)?;
            Ok(PruneReport {
                dry_run: r.dry_run,
                observations: r
                    .observations
                    .into_iter()
                    .map(|o| PrunedObservation {
                        id: o.id,
                        project: o.project,
                        kind: o.kind.as_str().to_owned(),
                        title: o.title,
                        created_at: from_time(o.created_at),
                        reason: match o.reason {
                            memcore::portable::PruneReason::Age => PruneReason::Age,
                            memcore::portable::PruneReason::ProjectLimit => {
                                PruneReason::ProjectLimit
                            }
                            memcore::portable::PruneReason::FileSize => PruneReason::FileSize,
                        },
                    })
                    .collect(),
                events: r.events,
                events_by_project: r.events_by_project.into_iter().collect(),
                estimated_bytes: r.estimated_bytes,
                size_limit_met: r.size_limit_met,
                file_size_before: r.file_size_before,
                file_size_after: r.file_size_after,
            })
        })
    }

    /// Pins an observation (never pruned by retention) or unpins it. True when it exists.
    #[uniffi::method(default(pinned = true))]
    pub fn pin(&self, id: i64, pinned: bool) -> Result<bool, MemcoreError> {
        self.with(|m| Ok(m.pin(id, pinned)?))
    }
}
