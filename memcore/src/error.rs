//! The crate's one error type.
//!
//! Callers tell failures apart by variant, never by message: a busy database is
//! [`Error::Busy`] (worth retrying), a failed host callback [`Error::HostCallback`], any other
//! SQLite failure [`Error::Sqlite`].

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
    /// A SQLite operation failed for another reason than a busy database (see
    /// [`Error::Busy`]).
    #[error("{context}: {source}")]
    Sqlite {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
    /// Another connection held the database longer than the busy timeout (SQLite's
    /// `SQLITE_BUSY` or `SQLITE_LOCKED`); the same call may succeed when retried.
    #[error(
        "{context}: the database is busy (another writer held it longer than the busy timeout); try again: {source}"
    )]
    Busy {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
    /// A host callback (the host's LLM client or embedder, given through the FFI or as a Rust
    /// trait object) failed or returned something unusable.
    #[error("the host's {what} failed: {reason}")]
    HostCallback {
        /// Which callback ("embedder", "LLM client").
        what: &'static str,
        /// What it reported or what was wrong with what it returned.
        reason: String,
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

impl Error {
    /// A SQLite error with a description of the operation: [`Error::Busy`] for a busy or
    /// locked database, else [`Error::Sqlite`]. Every conversion of a `rusqlite::Error` goes
    /// through here (or [`SqlContext::ctx`]), so that a busy database is always recognised.
    pub(crate) fn sqlite(context: impl Into<String>, source: rusqlite::Error) -> Error {
        let context = context.into();
        if is_busy(&source) {
            Error::Busy { context, source }
        } else {
            Error::Sqlite { context, source }
        }
    }
}

/// Whether SQLite gave up waiting for another connection (`SQLITE_BUSY`, `SQLITE_LOCKED`).
fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Attaches a description of the operation to a SQLite error.
pub(crate) trait SqlContext<T> {
    /// Wraps the error with `context` (see [`Error::sqlite`]).
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> SqlContext<T> for std::result::Result<T, rusqlite::Error> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::sqlite(context(), source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_failure(code: std::ffi::c_int) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn a_busy_or_locked_database_is_its_own_variant() {
        for code in [rusqlite::ffi::SQLITE_BUSY, rusqlite::ffi::SQLITE_LOCKED] {
            let err = Err::<(), _>(sqlite_failure(code))
                .ctx(|| "write event".into())
                .unwrap_err();
            assert!(matches!(err, Error::Busy { .. }), "{err:?}");
            assert!(
                err.to_string()
                    .starts_with("write event: the database is busy")
            );
        }
        let other = Err::<(), _>(sqlite_failure(rusqlite::ffi::SQLITE_CORRUPT))
            .ctx(|| "read".into())
            .unwrap_err();
        assert!(matches!(other, Error::Sqlite { .. }), "{other:?}");
    }
}
