//! The command's one error type. Every message says what failed, on what, and when it helps,
//! what to do.

use std::path::PathBuf;

/// What can go wrong in a `memcore` command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line is wrong; the message says how to write it.
    #[error("{0}\nRun `memcore help` for the list of commands.")]
    Usage(String),
    /// The store refused an operation.
    #[error(transparent)]
    Memory(#[from] memcore::Error),
    /// A file could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done ("read", "write", "create"...).
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON file (settings.json, config.json) is not valid JSON or not the expected shape.
    #[error("{path}: {reason}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Something asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The LLM provider is misconfigured.
    #[error("provider: {0}")]
    Provider(String),
    /// A check found problems (`doctor`); they were printed, this is the exit status.
    #[error("{0}")]
    Problems(String),
    /// The MCP server could not start or its session broke.
    #[error("mcp: {0}")]
    Mcp(String),
    /// A sync round failed (hub down, wrong credentials, a folder missing...); nothing that
    /// was not delivered is marked sent.
    #[error("sync: {0}")]
    Sync(String),
}

impl CliError {
    /// A usage error with `message`.
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::Usage(message.into())
    }

    /// An I/O error while doing `action` on `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> CliError {
        CliError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The command's result type.
pub type CliResult<T> = Result<T, CliError>;
