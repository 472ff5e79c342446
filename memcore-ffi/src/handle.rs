//! The opaque store handle: opening, closing, and the lock every call takes.

use crate::error::{FfiError, MemcoreStatus, ffi_call, no_unwind};
use crate::store::{LockError, Store, StoreGuard};
use crate::strings::{StringOut, opt_json_arg, str_arg};
use memcore::{Config, Memory};
use std::ffi::c_char;

/// An open memcore store: one SQLite file. Opaque: create it with `memcore_open()`, pass it
/// to the other functions, free it with `memcore_close()`.
///
/// One handle may be used by any number of threads at once: calls on it are serialised by an
/// internal lock (a call waits for the one before it). Several handles, in one process or
/// many, may open the same file.
pub struct MemcoreStore {
    store: Store,
}

impl MemcoreStore {
    /// Borrows the handle behind a pointer argument.
    ///
    /// # Safety
    ///
    /// `ptr` is NULL or a handle returned by `memcore_open` and not yet closed, for `'a`.
    pub(crate) unsafe fn from_ptr<'a>(
        ptr: *const MemcoreStore,
    ) -> Result<&'a MemcoreStore, FfiError> {
        // SAFETY: the caller guarantees `ptr` is NULL or a live handle.
        unsafe { ptr.as_ref() }.ok_or_else(|| FfiError::null("store"))
    }

    /// Takes the handle's lock, waiting for a call on another thread to finish.
    pub(crate) fn lock(&self) -> Result<StoreGuard<'_>, FfiError> {
        self.store.lock().map_err(|err| match err {
            LockError::Nested => FfiError::invalid(
                "a host callback called libmemcore on the store that is calling it; \
                 use another handle (memcore_open the same file) from callbacks",
            ),
            LockError::Poisoned => FfiError::new(
                MemcoreStatus::MEMCORE_ERR_POISONED,
                "an earlier call panicked while it used this store; close it and open it again",
            ),
            // A C handle is closed only by memcore_close, which frees it.
            LockError::Closed => FfiError::new(
                MemcoreStatus::MEMCORE_ERR_INTERNAL,
                format!("the store {} was closed", self.store.path()),
            ),
        })
    }
}

/// Opens (creating it if needed) the store at `path` and returns a handle in `*out_store`.
///
/// `path` is a file path (UTF-8); missing directories are created, an older schema is
/// migrated. `config_json` is NULL for the defaults, or a config document
/// (`{"v":1, "busy_timeout_ms": 5000, ...}`, see `MEMCORE_JSON_VERSION`).
///
/// Returns `MEMCORE_OK` and sets `*out_store` to a handle the caller frees with
/// `memcore_close()`. On failure `*out_store` is set to NULL and the file is left untouched:
/// `MEMCORE_ERR_NOT_A_DATABASE` (not a memcore store), `MEMCORE_ERR_SCHEMA_TOO_NEW`,
/// `MEMCORE_ERR_READ_ONLY`, `MEMCORE_ERR_IO`, `MEMCORE_ERR_INVALID_ARGUMENT` (empty path, a
/// directory, a bad config). NULL `path` or `out_store`: `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `path` and `config_json` are NULL or NUL-terminated strings; `out_store` is NULL or valid
/// for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_open(
    path: *const c_char,
    config_json: *const c_char,
    out_store: *mut *mut MemcoreStore,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees `out_store` is NULL or valid for one write.
        let out = unsafe { out_store.as_mut() }.ok_or_else(|| FfiError::null("out_store"))?;
        *out = std::ptr::null_mut();
        // SAFETY: the caller guarantees both are NULL or NUL-terminated strings.
        let path = unsafe { str_arg(path, "path") }?;
        // SAFETY: as above.
        let config: Config =
            unsafe { opt_json_arg(config_json, "config_json") }?.unwrap_or_default();
        let store = MemcoreStore {
            store: Store::open(path, config)?,
        };
        *out = Box::into_raw(Box::new(store));
        Ok(())
    })
}

/// Closes a store and frees its handle, and with it the host callbacks it holds (their
/// `free_user_data` is called). NULL is accepted and ignored.
///
/// Everything recorded is already durable; closing only releases the file.
///
/// Using a handle after it was closed, closing it twice, or closing it while another thread is
/// still using it is undefined behaviour (the library cannot detect it: the handle's memory is
/// gone).
///
/// # Safety
///
/// `store` is NULL or a handle from `memcore_open()` that is not used by any other thread and
/// not used again after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_close(store: *mut MemcoreStore) {
    if store.is_null() {
        return;
    }
    no_unwind((), || {
        // SAFETY: the caller guarantees `store` came from `Box::into_raw` in `memcore_open` and
        // is not used again or elsewhere.
        let store = unsafe { Box::from_raw(store) };
        store.store.close();
    });
}

/// The store path used when the host has no preference: `$MEMCORE_DB` when set, else
/// `memcore/memory.db` in the user's data directory (`$XDG_DATA_HOME` or `~/.local/share`
/// on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on Windows).
///
/// Sets `*out_path` to a string the caller frees with `memcore_string_free()` (NULL on
/// failure). Fails with `MEMCORE_ERR_INVALID_ARGUMENT` when no home or data directory is
/// set, `MEMCORE_ERR_NULL_POINTER` when `out_path` is NULL.
///
/// # Safety
///
/// `out_path` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_default_path(out_path: *mut *mut c_char) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees `out_path` is NULL or valid for one write.
        let out = unsafe { StringOut::required(out_path, "out_path") }?;
        let path = Memory::default_path()?;
        let path = path.into_os_string().into_string().map_err(|_| {
            FfiError::new(
                MemcoreStatus::MEMCORE_ERR_INVALID_UTF8,
                "the default path is not valid UTF-8",
            )
        })?;
        out.set(path)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &tempfile::TempDir) -> MemcoreStore {
        let path = dir.path().join("m.db");
        MemcoreStore {
            store: Store::open(path.to_str().unwrap(), Config::default()).unwrap(),
        }
    }

    #[test]
    fn a_poisoned_handle_reports_a_status() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let status = ffi_call(|| {
            let _guard = store.lock()?;
            panic!("while holding the store");
        });
        assert_eq!(status, MemcoreStatus::MEMCORE_ERR_PANIC);
        let err = store.lock().err().unwrap();
        assert_eq!(err.status, MemcoreStatus::MEMCORE_ERR_POISONED);
    }

    #[test]
    fn a_nested_lock_on_one_thread_is_an_error_not_a_deadlock() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let outer = store.lock().unwrap();
        let err = store.lock().err().unwrap();
        assert_eq!(err.status, MemcoreStatus::MEMCORE_ERR_INVALID_ARGUMENT);
        drop(outer);
        assert!(store.lock().is_ok());
    }
}
