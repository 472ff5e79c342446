//! Open data: export to and import from versioned JSON Lines, online backup, retention.

use super::error::MemcoreError;
use super::memory::Memory;
use crate::records::{
    BackupReport, ExportOptions, ExportReport, ImportReport, PruneReport, RetentionPolicy,
};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};

fn io_error(action: &str, path: &str, err: std::io::Error) -> MemcoreError {
    MemcoreError::Io {
        message: format!("{action} {path}: {err}"),
    }
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
        let options = memcore::ExportOptions::from(options);
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
            Ok(report) => Ok(ExportReport::from(report)),
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
        self.with(|m| Ok(ImportReport::from(m.import_jsonl(BufReader::new(file))?)))
    }

    /// Writes a consistent copy of the store to `dest` (a new file) while it stays in use.
    pub fn backup(&self, dest: String) -> Result<BackupReport, MemcoreError> {
        self.with(|m| Ok(BackupReport::from(m.backup_to(&dest)?)))
    }

    /// Applies a retention policy: removes what it selects (then gives the space back to
    /// the filesystem), or with `dry_run` only reports it.
    #[uniffi::method(default(dry_run = false))]
    pub fn prune(
        &self,
        policy: RetentionPolicy,
        dry_run: bool,
    ) -> Result<PruneReport, MemcoreError> {
        let policy = memcore::RetentionPolicy::from(policy);
        self.with(|m| Ok(PruneReport::from(m.prune(&policy, dry_run)?)))
    }

    /// Pins an observation (never pruned by retention) or unpins it. True when it exists.
    #[uniffi::method(default(pinned = true))]
    pub fn pin(&self, id: i64, pinned: bool) -> Result<bool, MemcoreError> {
        self.with(|m| Ok(m.pin(id, pinned)?))
    }
}
