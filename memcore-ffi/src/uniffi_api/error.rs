//! [`MemcoreError`]: the one error of the uniffi API (an exception hierarchy in Python, an
//! `Error` enum in Swift), mapped from `memcore::Error` through the same families as the C
//! status codes.

use crate::error::{FfiError, MemcoreStatus};

/// Everything that can go wrong in a memcore call. Each variant is a family of failures and
/// carries a message that says what failed, on what (a path, an id, an argument).
///
/// In Python every variant is a subclass of the exception `MemcoreError` (`except
/// memcore.MemcoreError` catches them all, `except memcore.MemcoreError.NotFound` one
/// family); in Swift it is an `Error` enum with one case per family.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
pub enum MemcoreError {
    /// An argument was rejected: an empty id or path, a directory for a file, a value out of
    /// range, an unusable LLM answer, a document of the wrong shape.
    InvalidArgument {
        /// What was wrong.
        message: String,
    },
    /// Something referred to (a session, an observation) does not exist.
    NotFound {
        /// What was missing.
        message: String,
    },
    /// The file is not a memcore store (not SQLite, or a database of another program); it
    /// was left untouched.
    NotADatabase {
        /// Which file.
        message: String,
    },
    /// The store was written by a newer memcore; upgrade the library.
    SchemaTooNew {
        /// The versions found and supported.
        message: String,
    },
    /// The store's file or directory cannot be written.
    ReadOnly {
        /// Which location, and why.
        message: String,
    },
    /// A filesystem operation failed, or the store could not be opened.
    Io {
        /// What was done on which path, and the system's reason.
        message: String,
    },
    /// A SQLite operation failed.
    Database {
        /// What was done, and SQLite's reason.
        message: String,
    },
    /// Another process held the database longer than the busy timeout; retrying may succeed.
    Busy {
        /// What was waiting.
        message: String,
    },
    /// A document (configuration, mode, export file) was not valid JSON.
    Json {
        /// Where, and why.
        message: String,
    },
    /// A host callback (the LLM client or the embedder) raised an error or returned something
    /// unusable.
    Callback {
        /// The callback's error, or what was wrong with its result.
        message: String,
    },
    /// The handle was closed with `close()`; open the store again.
    Closed {
        /// Which store.
        message: String,
    },
    /// Anything else: a bug in memcore, or a store left unusable by an earlier panic.
    Internal {
        /// What happened.
        message: String,
    },
}

impl MemcoreError {
    /// The error's message, whatever its family.
    pub fn message(&self) -> &str {
        match self {
            MemcoreError::InvalidArgument { message }
            | MemcoreError::NotFound { message }
            | MemcoreError::NotADatabase { message }
            | MemcoreError::SchemaTooNew { message }
            | MemcoreError::ReadOnly { message }
            | MemcoreError::Io { message }
            | MemcoreError::Database { message }
            | MemcoreError::Busy { message }
            | MemcoreError::Json { message }
            | MemcoreError::Callback { message }
            | MemcoreError::Closed { message }
            | MemcoreError::Internal { message } => message,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> MemcoreError {
        MemcoreError::InvalidArgument {
            message: message.into(),
        }
    }
}

impl std::fmt::Display for MemcoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for MemcoreError {}

/// The C ABI decides the family (one mapping of `memcore::Error` for every binding); the
/// message is the core's.
impl From<memcore::Error> for MemcoreError {
    fn from(err: memcore::Error) -> MemcoreError {
        let FfiError { status, message } = FfiError::from(err);
        use MemcoreStatus::*;
        match status {
            MEMCORE_ERR_INVALID_ARGUMENT
            | MEMCORE_ERR_NULL_POINTER
            | MEMCORE_ERR_INVALID_UTF8
            | MEMCORE_ERR_UNSUPPORTED_VERSION => MemcoreError::InvalidArgument { message },
            MEMCORE_ERR_INVALID_JSON => MemcoreError::Json { message },
            MEMCORE_ERR_NOT_FOUND => MemcoreError::NotFound { message },
            MEMCORE_ERR_NOT_A_DATABASE => MemcoreError::NotADatabase { message },
            MEMCORE_ERR_SCHEMA_TOO_NEW => MemcoreError::SchemaTooNew { message },
            MEMCORE_ERR_READ_ONLY => MemcoreError::ReadOnly { message },
            MEMCORE_ERR_IO => MemcoreError::Io { message },
            MEMCORE_ERR_DATABASE => MemcoreError::Database { message },
            MEMCORE_ERR_BUSY => MemcoreError::Busy { message },
            MEMCORE_ERR_CALLBACK => MemcoreError::Callback { message },
            MEMCORE_OK | MEMCORE_ERR_POISONED | MEMCORE_ERR_PANIC | MEMCORE_ERR_INTERNAL => {
                MemcoreError::Internal { message }
            }
        }
    }
}

/// An exception a Python (or Swift) callback raised that is not a `MemcoreError`: it becomes
/// a [`MemcoreError::Callback`] with the exception's text instead of a panic.
///
/// A callback that returns a value of the wrong type fails the same way, while its value is
/// converted (Python: `AttributeError`/`TypeError` from the generated code), so those two are
/// reported as possibly that.
impl From<uniffi::UnexpectedUniFFICallbackError> for MemcoreError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> MemcoreError {
        let reason = err.reason;
        let message = if reason.starts_with("AttributeError(") || reason.starts_with("TypeError(") {
            format!(
                "the host callback raised {reason}, or returned the wrong type (its method \
                 must return the declared type, e.g. LlmResponse for LlmClient.complete)"
            )
        } else {
            reason
        };
        MemcoreError::Callback { message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callback_that_returned_the_wrong_type_is_reported_as_possibly_that() {
        let err = MemcoreError::from(uniffi::UnexpectedUniFFICallbackError::new(
            "AttributeError(\"'str' object has no attribute 'text'\")",
        ));
        let MemcoreError::Callback { message } = err else {
            panic!("a callback error");
        };
        assert!(message.contains("returned the wrong type"), "{message}");
        assert!(message.contains("'str' object"), "{message}");
        let err = MemcoreError::from(uniffi::UnexpectedUniFFICallbackError::new(
            "RuntimeError('down')",
        ));
        assert!(
            matches!(err, MemcoreError::Callback { ref message } if message == "RuntimeError('down')")
        );
    }

    #[test]
    fn core_errors_keep_their_family_and_message() {
        let err = MemcoreError::from(memcore::Error::NotFound {
            what: "session",
            id: "s1".into(),
        });
        assert_eq!(
            err,
            MemcoreError::NotFound {
                message: "session s1 not found".into()
            }
        );
        assert!(matches!(
            MemcoreError::from(memcore::Error::EmptyPath),
            MemcoreError::InvalidArgument { .. }
        ));
        let callback = MemcoreError::from(memcore::Error::HostCallback {
            what: "embedder",
            reason: "model down".into(),
        });
        assert_eq!(callback.message(), "the host's embedder failed: model down");
        assert!(matches!(callback, MemcoreError::Callback { .. }));
    }
}
