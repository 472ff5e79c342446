//! Status codes, the thread-local last error, and [`ffi_call`], the wrapper every exported
//! function body runs in: it clears the last error, catches panics, and turns a failure into a
//! status code plus a message.

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What a libmemcore function returns: `MEMCORE_OK` (0) on success, otherwise the kind of
/// failure. After a failure, `memcore_last_error_message()` says what failed and why.
///
/// New codes may be added in later versions (without a change of `MEMCORE_ABI_VERSION`):
/// treat any unknown non-zero value as a failure.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemcoreStatus {
    /// Success.
    MEMCORE_OK = 0,
    /// An argument was rejected: an empty id, a JSON document of the wrong shape (a missing
    /// field, a wrong type, an unknown enum value), an unknown enum constant, a limit out of
    /// range.
    MEMCORE_ERR_INVALID_ARGUMENT = 1,
    /// A pointer argument that must not be NULL was NULL.
    MEMCORE_ERR_NULL_POINTER = 2,
    /// A string argument was not valid UTF-8.
    MEMCORE_ERR_INVALID_UTF8 = 3,
    /// A JSON argument was not valid JSON, or not a JSON object.
    MEMCORE_ERR_INVALID_JSON = 4,
    /// A JSON argument had no `"v"` field, or a version this library does not read.
    MEMCORE_ERR_UNSUPPORTED_VERSION = 5,
    /// Something referred to (a session, an observation) does not exist.
    MEMCORE_ERR_NOT_FOUND = 6,
    /// The file is not a memcore store (not SQLite, or a SQLite database of another program).
    /// It was left untouched.
    MEMCORE_ERR_NOT_A_DATABASE = 7,
    /// The store was written by a newer memcore; upgrade the library.
    MEMCORE_ERR_SCHEMA_TOO_NEW = 8,
    /// The store's file or directory cannot be written.
    MEMCORE_ERR_READ_ONLY = 9,
    /// A filesystem operation failed, or the store could not be opened.
    MEMCORE_ERR_IO = 10,
    /// A SQLite operation failed.
    MEMCORE_ERR_DATABASE = 11,
    /// Another process held the database longer than the busy timeout; retrying may succeed.
    MEMCORE_ERR_BUSY = 12,
    /// A host callback (LLM or embedder) reported a failure or returned something unusable.
    MEMCORE_ERR_CALLBACK = 13,
    /// An earlier call panicked while it held this store; close the handle and open the store
    /// again.
    MEMCORE_ERR_POISONED = 14,
    /// The library panicked (a bug in memcore); the call had no effect beyond what a failed
    /// call may leave.
    MEMCORE_ERR_PANIC = 15,
    /// Any other failure.
    MEMCORE_ERR_INTERNAL = 16,
}

/// A failed call: its status and a message that says what failed, on which argument or input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FfiError {
    pub(crate) status: MemcoreStatus,
    pub(crate) message: String,
}

impl FfiError {
    pub(crate) fn new(status: MemcoreStatus, message: impl Into<String>) -> FfiError {
        FfiError {
            status,
            message: message.into(),
        }
    }

    /// A NULL pointer where `arg` is required.
    pub(crate) fn null(arg: &str) -> FfiError {
        FfiError::new(
            MemcoreStatus::MEMCORE_ERR_NULL_POINTER,
            format!("{arg} must not be NULL"),
        )
    }

    /// A rejected argument.
    pub(crate) fn invalid(message: impl Into<String>) -> FfiError {
        FfiError::new(MemcoreStatus::MEMCORE_ERR_INVALID_ARGUMENT, message)
    }
}

impl From<memcore::Error> for FfiError {
    fn from(err: memcore::Error) -> FfiError {
        use MemcoreStatus::*;
        use memcore::Error;
        let status = match &err {
            Error::EmptyPath | Error::PathIsDirectory { .. } => MEMCORE_ERR_INVALID_ARGUMENT,
            Error::NotADatabase { .. } | Error::ForeignDatabase { .. } => {
                MEMCORE_ERR_NOT_A_DATABASE
            }
            Error::SchemaTooNew { .. } => MEMCORE_ERR_SCHEMA_TOO_NEW,
            Error::ReadOnly { .. } => MEMCORE_ERR_READ_ONLY,
            Error::Open { .. } | Error::Io { .. } => MEMCORE_ERR_IO,
            Error::Busy { .. } => MEMCORE_ERR_BUSY,
            Error::Sqlite { .. } => MEMCORE_ERR_DATABASE,
            Error::HostCallback { .. } => MEMCORE_ERR_CALLBACK,
            Error::InvalidInput { .. } => MEMCORE_ERR_INVALID_ARGUMENT,
            Error::NotFound { .. } => MEMCORE_ERR_NOT_FOUND,
            Error::Json { .. } => MEMCORE_ERR_INVALID_JSON,
            _ => MEMCORE_ERR_INTERNAL,
        };
        FfiError::new(status, err.to_string())
    }
}

/// The last failure on this thread.
struct LastError {
    status: MemcoreStatus,
    message: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError {
        status: MemcoreStatus::MEMCORE_OK,
        message: CString::default(),
    });
}

fn set_last_error(status: MemcoreStatus, message: &str) {
    // A message cannot carry NUL bytes through a C string; show them instead of cutting.
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // `try_with` fails only while the thread is being torn down; there is nobody to tell then.
    let _ = LAST_ERROR.try_with(|last| *last.borrow_mut() = LastError { status, message });
}

/// Runs the body of an exported function: clears this thread's last error, runs `body`
/// catching any panic, records the failure (status and message) when there is one, and
/// returns the status.
pub(crate) fn ffi_call(body: impl FnOnce() -> Result<(), FfiError>) -> MemcoreStatus {
    set_last_error(MemcoreStatus::MEMCORE_OK, "");
    let outcome = catch_unwind(AssertUnwindSafe(body));
    let err = match outcome {
        Ok(Ok(())) => return MemcoreStatus::MEMCORE_OK,
        Ok(Err(err)) => err,
        Err(payload) => FfiError::new(
            MemcoreStatus::MEMCORE_ERR_PANIC,
            format!(
                "memcore panicked (a bug, please report it): {}",
                panic_message(payload.as_ref())
            ),
        ),
    };
    set_last_error(err.status, &err.message);
    err.status
}

/// Runs the body of a function that cannot fail (a free function, a copy), catching any
/// panic so that it never unwinds into C; `fallback` is returned after a panic. The last error
/// is left unchanged, so a host may free what it holds before it reads the error of a failed
/// call.
pub(crate) fn no_unwind<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "no message"
    }
}

/// The status of the last libmemcore call made on this thread: `MEMCORE_OK` after a success.
///
/// Reading it does not change it. Every libmemcore function that returns a `MemcoreStatus`
/// resets it; the others (`memcore_version()`, `memcore_abi_version()`,
/// `memcore_last_error_message()`, `memcore_string_new()`, `memcore_string_free()`,
/// `memcore_close()`) leave it as it is.
#[unsafe(no_mangle)]
pub extern "C" fn memcore_last_error_code() -> MemcoreStatus {
    LAST_ERROR
        .try_with(|last| last.borrow().status)
        .unwrap_or(MemcoreStatus::MEMCORE_OK)
}

/// What went wrong in the last libmemcore call made on this thread, as a NUL-terminated UTF-8
/// message; an empty string (never NULL) after a success.
///
/// The string is owned by the library: do not free it. It stays valid until the next call, on
/// the same thread, of a libmemcore function that returns a `MemcoreStatus`; copy it to keep
/// it.
#[unsafe(no_mangle)]
pub extern "C" fn memcore_last_error_message() -> *const c_char {
    const EMPTY: &std::ffi::CStr = c"";
    LAST_ERROR
        .try_with(|last| last.borrow().message.as_ptr())
        .unwrap_or(EMPTY.as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn last_message() -> String {
        // SAFETY: the pointer is the thread-local message, valid until the next call.
        unsafe { CStr::from_ptr(memcore_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_a_status_with_its_message() {
        let status = ffi_call(|| panic!("boom at row 7"));
        assert_eq!(status, MemcoreStatus::MEMCORE_ERR_PANIC);
        assert_eq!(memcore_last_error_code(), MemcoreStatus::MEMCORE_ERR_PANIC);
        assert!(
            last_message().contains("boom at row 7"),
            "{}",
            last_message()
        );
    }

    #[test]
    fn a_success_clears_the_previous_error() {
        ffi_call(|| Err(FfiError::null("store")));
        assert_eq!(
            memcore_last_error_code(),
            MemcoreStatus::MEMCORE_ERR_NULL_POINTER
        );
        assert_eq!(last_message(), "store must not be NULL");
        assert_eq!(ffi_call(|| Ok(())), MemcoreStatus::MEMCORE_OK);
        assert_eq!(memcore_last_error_code(), MemcoreStatus::MEMCORE_OK);
        assert_eq!(last_message(), "");
    }

    #[test]
    fn nul_bytes_in_a_message_are_shown_not_cut() {
        ffi_call(|| Err(FfiError::invalid("bad\0tail")));
        assert_eq!(last_message(), "bad\\0tail");
    }

    #[test]
    fn errors_are_per_thread() {
        ffi_call(|| Err(FfiError::invalid("here")));
        std::thread::spawn(|| assert_eq!(memcore_last_error_code(), MemcoreStatus::MEMCORE_OK))
            .join()
            .unwrap();
        assert_eq!(
            memcore_last_error_code(),
            MemcoreStatus::MEMCORE_ERR_INVALID_ARGUMENT
        );
    }

    #[test]
    fn core_errors_map_to_their_status() {
        let not_found = memcore::Error::NotFound {
            what: "session",
            id: "s9".into(),
        };
        let err = FfiError::from(not_found);
        assert_eq!(err.status, MemcoreStatus::MEMCORE_ERR_NOT_FOUND);
        assert_eq!(err.message, "session s9 not found");
        let callback = memcore::Error::HostCallback {
            what: "embedder",
            reason: "embed returned 3".into(),
        };
        assert_eq!(
            FfiError::from(callback).status,
            MemcoreStatus::MEMCORE_ERR_CALLBACK
        );
        // A failure of the core's own embedder check is an argument error, whatever its text.
        let invalid = memcore::Error::InvalidInput {
            what: "host callback",
            reason: "x".into(),
        };
        assert_eq!(
            FfiError::from(invalid).status,
            MemcoreStatus::MEMCORE_ERR_INVALID_ARGUMENT
        );
    }
}
