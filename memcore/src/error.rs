//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong in memcore. Each message names what failed and on what.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store path is empty.
    #[error("store path is empty: give a file path such as ~/.local/share/memcore/memory.db")]
    EmptyPath,
    /// The store path is a directory.
    #[error("store path {path} is a directory, not a file")]
    PathIsDirectory {
        /// The path given.
        path: PathBuf,
    },
    /// The file exists but is not a SQLite database.
    #[error("{path} is not a memcore store (not a SQLite database); it was left untouched")]
    NotADatabase {
        /// The path given.
        path: PathBuf,
    },
    /// The file is a SQLite database but not a memcore store.
    #[error(
        "{path} is a SQLite database but not a memcore store (it has tables of its own); it was left untouched"
    )]
    ForeignDatabase {
        /// The path given.
        path: PathBuf,
    },
    /// The store was written by a newer memcore.
    #[error(
        "{path} has schema version {found}, newer than this memcore supports ({supported}); upgrade memcore"
    )]
    SchemaTooNew {
        /// The path given.
        path: PathBuf,
        /// The version found in the file.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// The store cannot be written (read-only file, directory or filesystem).
    #[error("{path} cannot be written (read-only location): {detail}")]
    ReadOnly {
        /// The path given.
        path: PathBuf,
        /// SQLite's or the OS's explanation.
        detail: String,
    },
    /// The store could not be opened for another reason.
    #[error("cannot open store {path}: {source}")]
    Open {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
    /// A filesystem operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("create directory", "read transcript"...).
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A SQLite operation failed.
    #[error("{context}: {source}")]
    Sqlite {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
    /// An argument was invalid.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// Which argument or field.
        what: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// Something referred to does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// What kind of thing ("session", "observation"...).
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// Data could not be encoded or decoded as JSON.
    #[error("{context}: {source}")]
    Json {
        /// What was being encoded or decoded.
        context: String,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
}

/// memcore's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches a description of the operation to a SQLite error.
pub(crate) trait SqlContext<T> {
    /// Wraps the error in [`Error::Sqlite`] with `context`.
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> SqlContext<T> for std::result::Result<T, rusqlite::Error> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Sqlite {
            context: context(),
            source,
        })
    }
}
