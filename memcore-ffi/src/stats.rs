//! Statistics and the integrity check.

use crate::error::{MemcoreStatus, ffi_call};
use crate::handle::MemcoreStore;
use crate::strings::{StringOut, scope_arg};
use std::ffi::c_char;

/// Counts of `project` (NULL: of the whole store): observations (in all and per kind),
/// sessions, summaries, events (pending and failed), plus the file's size and schema
/// version.
///
/// Sets `*out_stats_json` to `{"v":1, "observations", "observations_by_kind": {"bugfix": n,
/// ...}, "sessions", "summaries", "events", "pending_events", "failed_events",
/// "file_size_bytes", "schema_version"}`; free it with `memcore_string_free()`. NULL `store`
/// or `out_stats_json`: `MEMCORE_ERR_NULL_POINTER`; an empty `project`:
/// `MEMCORE_ERR_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `project` is NULL or NUL-terminated; `out_stats_json`
/// is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_stats(
    store: *const MemcoreStore,
    project: *const c_char,
    out_stats_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_stats_json, "out_stats_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let scope = unsafe { scope_arg(project, "project") }?;
        let stats = store.lock()?.memory.stats(&scope)?;
        out.set_document(&crate::records::Stats::from(stats))
    })
}

/// Runs SQLite's integrity check on the store's file.
///
/// Sets `*out_findings_json` to `{"v":1, "findings": ["ok"]}` for a sound file, else the
/// problems found; free it with `memcore_string_free()`. NULL `store` or
/// `out_findings_json`: `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `out_findings_json` is NULL or valid for writing one
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_integrity_check(
    store: *const MemcoreStore,
    out_findings_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_findings_json, "out_findings_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        let findings = store.lock()?.memory.integrity_check()?;
        out.set_list("findings", &findings)
    })
}
