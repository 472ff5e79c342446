//! Where the command keeps its files.
//!
//! Everything lives beside the store, in its directory (the *data directory*):
//!
//! | file | what |
//! |---|---|
//! | `memory.db` (+ `-wal`, `-shm`) | the store: `$MEMCORE_DB`, else `memcore/memory.db` in the user's data directory |
//! | `memory.db.extract.lock` | held by the one running extractor (see [`crate::extractor`]) |
//! | `memcore.log` (+ `memcore.log.1`) | what hooks and extractors could not do |
//! | `config.json` | provider and memory settings (see [`crate::config`]) |
//! | `memcore.failed-writes` (+ `.reported`) | hook writes that failed (see [`crate::failed`]) |

use crate::error::{CliError, CliResult};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The files of one store.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The store file.
    pub db: PathBuf,
    /// The directory that holds it, the log and the config.
    pub data_dir: PathBuf,
}

impl Paths {
    /// The paths for `db` when given (`--db`), else memcore's default store path.
    pub fn resolve(db: Option<&Path>) -> CliResult<Paths> {
        let db = match db {
            Some(db) => db.to_owned(),
            None => memcore::Memory::default_path()?,
        };
        if db.as_os_str().is_empty() {
            return Err(CliError::usage("the store path is empty"));
        }
        let data_dir = match db.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        Ok(Paths { db, data_dir })
    }

    /// The log file of hooks and extractors.
    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("memcore.log")
    }

    /// The configuration file.
    pub fn config_file(&self) -> PathBuf {
        self.data_dir.join("config.json")
    }

    /// The extractor's lock file: the store's path with `.extract.lock` appended.
    pub fn extract_lock(&self) -> PathBuf {
        let mut name: OsString = self.db.as_os_str().to_owned();
        name.push(".extract.lock");
        PathBuf::from(name)
    }
}
