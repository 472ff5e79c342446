//! Open data: export options and reports, import reports, backups, retention.

use super::{from_time, rfc3339, to_time};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::SystemTime;

/// What an export includes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct ExportOptions {
    /// Only this project (every project when `None`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(optional))]
    pub project: Option<String>,
    /// Only records from this time on.
    #[serde(with = "rfc3339::option")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(type = "Timestamp", optional))]
    pub since: Option<SystemTime>,
    /// Only records from before this time.
    #[serde(with = "rfc3339::option")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(type = "Timestamp", optional))]
    pub until: Option<SystemTime>,
    /// Include raw events (tool uses, assistant messages, notes); user prompts are always
    /// included.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(as = "Option<_>", optional))]
    pub include_events: bool,
}

impl From<ExportOptions> for memcore::ExportOptions {
    fn from(o: ExportOptions) -> Self {
        memcore::ExportOptions {
            project: o.project,
            since: o.since.map(to_time),
            until: o.until.map(to_time),
            include_events: o.include_events,
        }
    }
}

/// Record counts by type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct ExportReport {
    /// Records written, by type.
    pub records: RecordCounts,
    /// Bytes written, header included.
    pub bytes: u64,
}

impl From<memcore::ExportReport> for ExportReport {
    fn from(r: memcore::ExportReport) -> Self {
        ExportReport {
            records: r.records.into(),
            bytes: r.bytes,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
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
    /// What the import noticed about the file without refusing it (a file cut short, counts
    /// that disagree with its `end` record); empty for a whole export.
    pub warnings: Vec<String>,
}

impl From<memcore::ImportReport> for ImportReport {
    fn from(r: memcore::ImportReport) -> Self {
        ImportReport {
            format_version: r.format_version,
            schema_version: r.schema_version,
            lines: r.lines,
            added: r.added.into(),
            skipped: r.skipped.into(),
            unresolved_references: r.unresolved_references,
            warnings: r.warnings,
        }
    }
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct BackupReport {
    /// The backup file.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Database pages copied.
    pub pages: u64,
}

impl From<memcore::BackupReport> for BackupReport {
    fn from(r: memcore::BackupReport) -> Self {
        BackupReport {
            path: r.path.to_string_lossy().into_owned(),
            bytes: r.bytes,
            pages: r.pages,
        }
    }
}

/// A retention policy: every limit is optional. Pinned observations are never removed;
/// events only once their extraction is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct RetentionPolicy {
    /// Remove unpinned observations, and finished events, older than this many days.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(optional))]
    pub max_age_days: Option<u32>,
    /// Keep at most this many unpinned observations per project (the newest).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(optional))]
    pub max_observations_per_project: Option<u32>,
    /// Remove the oldest rows until the store's estimated size fits in this many bytes.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(test, ts(optional))]
    pub max_file_bytes: Option<u64>,
}

impl From<RetentionPolicy> for memcore::RetentionPolicy {
    fn from(p: RetentionPolicy) -> Self {
        memcore::RetentionPolicy {
            max_age_days: p.max_age_days,
            max_observations_per_project: p.max_observations_per_project,
            max_file_bytes: p.max_file_bytes,
        }
    }
}

/// Which limit selected an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum PruneReason {
    /// Older than `max_age_days`.
    Age,
    /// Beyond `max_observations_per_project`.
    ProjectLimit,
    /// Among the oldest rows removed to meet `max_file_bytes`.
    FileSize,
}

impl From<memcore::portable::PruneReason> for PruneReason {
    fn from(r: memcore::portable::PruneReason) -> Self {
        match r {
            memcore::portable::PruneReason::Age => PruneReason::Age,
            memcore::portable::PruneReason::ProjectLimit => PruneReason::ProjectLimit,
            memcore::portable::PruneReason::FileSize => PruneReason::FileSize,
        }
    }
}

/// An observation a prune removed (or, in a dry run, would remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct PrunedObservation {
    /// Its id.
    pub id: i64,
    /// Its project.
    pub project: String,
    /// Its kind.
    #[cfg_attr(test, ts(type = "ObservationKind"))]
    pub kind: String,
    /// Its title.
    pub title: String,
    /// When it was created.
    #[serde(with = "rfc3339")]
    #[cfg_attr(test, ts(type = "string"))]
    pub created_at: SystemTime,
    /// Why it goes.
    pub reason: PruneReason,
}

impl From<memcore::portable::PrunedObservation> for PrunedObservation {
    fn from(o: memcore::portable::PrunedObservation) -> Self {
        PrunedObservation {
            id: o.id,
            project: o.project,
            kind: o.kind.as_str().to_owned(),
            title: o.title,
            created_at: from_time(o.created_at),
            reason: o.reason.into(),
        }
    }
}

/// What a prune removed, or in a dry run would remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct PruneReport {
    /// True when nothing was removed: the report says what would go.
    pub dry_run: bool,
    /// The observations, oldest first.
    pub observations: Vec<PrunedObservation>,
    /// Number of events removed.
    pub events: u64,
    /// Removed events per project.
    #[serde(serialize_with = "super::sorted_map")]
    #[cfg_attr(test, ts(type = "Record<string, number>"))]
    pub events_by_project: HashMap<String, u64>,
    /// Estimated bytes the removed rows took.
    pub estimated_bytes: u64,
    /// With a file-size limit: whether removing every candidate meets it.
    pub size_limit_met: bool,
    /// False when the removal was committed but giving the space back failed (another
    /// process kept the store busy): a later prune gives it back. True in a dry run.
    pub space_reclaimed: bool,
    /// The store's size before.
    pub file_size_before: u64,
    /// The store's size after.
    pub file_size_after: u64,
}

impl From<memcore::PruneReport> for PruneReport {
    fn from(r: memcore::PruneReport) -> Self {
        PruneReport {
            dry_run: r.dry_run,
            observations: r.observations.into_iter().map(Into::into).collect(),
            events: r.events,
            events_by_project: r.events_by_project.into_iter().collect(),
            estimated_bytes: r.estimated_bytes,
            size_limit_met: r.size_limit_met,
            space_reclaimed: r.space_reclaimed,
            file_size_before: r.file_size_before,
            file_size_after: r.file_size_after,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::records::same_json;
    use crate::records::samples::T0;

    pub(crate) fn counts() -> memcore::RecordCounts {
        memcore::RecordCounts {
            projects: 1,
            sessions: 2,
            prompts: 3,
            events: 4,
            observations: 5,
            summaries: 6,
            ledger: 7,
        }
    }

    pub(crate) fn core_import() -> memcore::ImportReport {
        memcore::ImportReport {
            format_version: 2,
            schema_version: 12,
            lines: 30,
            added: counts(),
            skipped: counts(),
            unresolved_references: 1,
            warnings: vec!["no end record".into()],
        }
    }

    pub(crate) fn core_prune() -> memcore::PruneReport {
        memcore::PruneReport {
            dry_run: true,
            observations: vec![memcore::portable::PrunedObservation {
                id: 1,
                project: "shop".into(),
                kind: memcore::ObservationKind::Change,
                title: "old".into(),
                created_at: T0,
                reason: memcore::portable::PruneReason::ProjectLimit,
            }],
            events: 2,
            events_by_project: [("shop".to_owned(), 2), ("api".to_owned(), 1)]
                .into_iter()
                .collect(),
            estimated_bytes: 300,
            size_limit_met: true,
            space_reclaimed: true,
            file_size_before: 8192,
            file_size_after: 4096,
        }
    }

    #[test]
    fn portability_reports_serialize_as_the_core_does() {
        let export = memcore::ExportReport {
            records: counts(),
            bytes: 99,
        };
        same_json(&export, &ExportReport::from(export));
        let import = core_import();
        same_json(&import, &ImportReport::from(import.clone()));
        let backup = memcore::BackupReport {
            path: "/tmp/b.db".into(),
            bytes: 4096,
            pages: 1,
        };
        same_json(&backup, &BackupReport::from(backup.clone()));
        let prune = core_prune();
        same_json(&prune, &PruneReport::from(prune.clone()));
    }

    #[test]
    fn options_and_policies_read_what_the_core_reads() {
        let json = r#"{"project":"p","since":"2026-11-24T10:31:00Z","include_events":true}"#;
        let record: ExportOptions = serde_json::from_str(json).unwrap();
        let core: memcore::ExportOptions = serde_json::from_str(json).unwrap();
        assert_eq!(memcore::ExportOptions::from(record), core);
        let json = r#"{"max_age_days":30,"max_file_bytes":1000}"#;
        let record: RetentionPolicy = serde_json::from_str(json).unwrap();
        let core: memcore::RetentionPolicy = serde_json::from_str(json).unwrap();
        assert_eq!(memcore::RetentionPolicy::from(record), core);
    }
}
