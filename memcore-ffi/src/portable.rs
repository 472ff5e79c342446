//! Open data: JSONL export and import, Markdown export, online backup, import from a
//! claude-mem database, and retention (prune, pin).

use crate::error::{FfiError, MemcoreStatus, ffi_call};
use crate::handle::MemcoreStore;
use crate::records::{
    BackupReport, ExportOptions, ExportReport, ImportReport, PruneReport, RetentionPolicy,
};
use crate::strings::{StringOut, json_arg, opt_json_arg, str_arg, value_out};
use std::ffi::c_char;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

fn io_error(action: &str, path: &str, err: std::io::Error) -> FfiError {
    FfiError::new(
        MemcoreStatus::MEMCORE_ERR_IO,
        format!("{action} {path}: {err}"),
    )
}

/// Writes the store (or the part `options_json` selects) to the file at `path` as versioned
/// JSON Lines, the format `memcore_import_jsonl()` reads. The file is created, or replaced
/// if it exists; on failure it is left as it was (the export is written beside it, then
/// renamed).
///
/// `options_json` is NULL (everything, without raw events) or `{"v":1, "project"?, "since"?,
/// "until"?, "include_events"?}`. When `out_report_json` is not NULL it receives (to free with
/// `memcore_string_free()`) `{"v":1, "records": {"projects", "sessions", "prompts", "events",
/// "observations", "summaries", "ledger"}, "bytes"}`.
///
/// Fails with `MEMCORE_ERR_IO` when the file cannot be written, `MEMCORE_ERR_NULL_POINTER`
/// for a NULL `store` or `path`, `MEMCORE_ERR_INVALID_ARGUMENT` when `since` is after
/// `until`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `path` and `options_json` are NULL or NUL-terminated;
/// `out_report_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_export_jsonl(
    store: *const MemcoreStore,
    path: *const c_char,
    options_json: *const c_char,
    out_report_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_report_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees NULL or NUL-terminated strings.
        let path = unsafe { str_arg(path, "path") }?;
        // SAFETY: as above.
        let options: ExportOptions =
            unsafe { opt_json_arg(options_json, "options_json") }?.unwrap_or_default();
        // Written beside the target and renamed at the end: a failed export leaves neither a
        // partial file nor a damaged earlier export.
        let partial = format!("{path}.partial-{}", std::process::id());
        let state = store.lock()?;
        let written = File::create(&partial)
            .map_err(|e| io_error("create", &partial, e))
            .and_then(|file| {
                let mut writer = BufWriter::new(file);
                let report = state.memory.export_jsonl(&mut writer, &options.into())?;
                writer.flush().map_err(|e| io_error("write", &partial, e))?;
                Ok(report)
            })
            .and_then(|report| {
                std::fs::rename(&partial, path).map_err(|e| io_error("rename to", path, e))?;
                Ok(report)
            });
        match written {
            Ok(report) => out.set_document(&ExportReport::from(report)),
            Err(err) => {
                let _ = std::fs::remove_file(&partial);
                Err(err)
            }
        }
    })
}

/// Merges a JSONL export (from `memcore_export_jsonl()`, this store's or another's) into the
/// store, skipping what is already there. All or nothing: on any failure the store is
/// unchanged.
///
/// When `out_report_json` is not NULL it receives (to free with `memcore_string_free()`) `{"v":1,
/// "format_version", "schema_version", "lines", "added": {counts}, "skipped": {counts},
/// "unresolved_references", "warnings": [text]}` (counts as in the export report; warnings
/// when the file has no end record or its counts disagree: it may be incomplete).
///
/// Fails with `MEMCORE_ERR_IO` when the file cannot be read, `MEMCORE_ERR_INVALID_ARGUMENT`
/// for a file of a newer format or a bad line (the message names the line),
/// `MEMCORE_ERR_NULL_POINTER` for a NULL `store` or `path`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `path` is NULL or NUL-terminated; `out_report_json` is
/// NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_import_jsonl(
    store: *const MemcoreStore,
    path: *const c_char,
    out_report_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_report_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let path = unsafe { str_arg(path, "path") }?;
        let file = File::open(path).map_err(|e| io_error("open", path, e))?;
        let report = store.lock()?.memory.import_jsonl(BufReader::new(file))?;
        out.set_document(&ImportReport::from(report))
    })
}

/// Writes the store as Markdown into the directory `dir` (created if needed): one file per
/// project, each session with its summaries and observations. Files of the same name are
/// replaced.
///
/// `options_json` is NULL or export options (as `memcore_export_jsonl()`). When `out_report_json`
/// is not NULL it receives (to free with `memcore_string_free()`) `{"v":1, "files": [paths],
/// "sessions", "observations", "summaries"}`. Fails with `MEMCORE_ERR_IO` when a file cannot be
/// written, `MEMCORE_ERR_NULL_POINTER` for a NULL `store` or `dir`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `dir` and `options_json` are NULL or NUL-terminated;
/// `out_report_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_export_markdown(
    store: *const MemcoreStore,
    dir: *const c_char,
    options_json: *const c_char,
    out_report_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_report_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees NULL or NUL-terminated strings.
        let dir = unsafe { str_arg(dir, "dir") }?;
        // SAFETY: as above.
        let options: ExportOptions =
            unsafe { opt_json_arg(options_json, "options_json") }?.unwrap_or_default();
        let report = store
            .lock()?
            .memory
            .export_markdown(Path::new(dir), &options.into())?;
        out.set_document(&report)
    })
}

/// Writes a consistent copy of the store to `dest_path`, a new file, while this and other
/// processes go on using the store. The copy opens with `memcore_open()` as a store of its
/// own.
///
/// When `out_report_json` is not NULL it receives (to free with `memcore_string_free()`) `{"v":1,
/// "path", "bytes", "pages"}`. Fails with `MEMCORE_ERR_INVALID_ARGUMENT` when `dest_path` exists (a
/// backup never overwrites) or is empty, `MEMCORE_ERR_IO` or `MEMCORE_ERR_DATABASE` when copying
/// fails, `MEMCORE_ERR_NULL_POINTER` for a NULL `store` or `dest_path`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `dest_path` is NULL or NUL-terminated;
/// `out_report_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_backup(
    store: *const MemcoreStore,
    dest_path: *const c_char,
    out_report_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_report_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let dest = unsafe { str_arg(dest_path, "dest_path") }?;
        let report = store.lock()?.memory.backup_to(dest)?;
        out.set_document(&BackupReport::from(report))
    })
}

/// Imports a claude-mem database (`~/.claude-mem/claude-mem.db`, opened read-only) into the
/// store: its sessions, prompts, observations and summaries. Importing it again adds only
/// what is new.
///
/// When `out_report_json` is not NULL it receives (to free with `memcore_string_free()`) a report
/// document with per-table counts. Fails with `MEMCORE_ERR_NOT_FOUND` when `path` is not a file,
/// `MEMCORE_ERR_INVALID_ARGUMENT` when it is not a claude-mem database, `MEMCORE_ERR_DATABASE` when
/// reading it fails, `MEMCORE_ERR_NULL_POINTER` for a NULL `store` or `path`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `path` is NULL or NUL-terminated; `out_report_json` is
/// NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_import_claude_mem(
    store: *const MemcoreStore,
    path: *const c_char,
    out_report_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_report_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let path = unsafe { str_arg(path, "path") }?;
        let report = store.lock()?.memory.import_claude_mem(path)?;
        out.set_document(&report)
    })
}

/// Applies a retention policy: removes the unpinned observations and finished events it
/// selects (then gives the space back to the filesystem), or with `dry_run` only reports
/// them. Pending and failed events, sessions, summaries and pinned observations are kept.
///
/// `policy_json` is `{"v":1, "max_age_days"?, "max_observations_per_project"?, "max_file_bytes"?}`
/// (no limit: nothing is removed). When `out_report_json` is not NULL it receives (to free with
/// `memcore_string_free()`) `{"v":1, "dry_run", "observations": [{"id", "project", "kind", "title",
/// "created_at", "reason": "age"|"project_limit"|"file_size"}], "events", "events_by_project",
/// "estimated_bytes", "size_limit_met", "file_size_before", "file_size_after"}`. NULL `store` or
/// `policy_json`: `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `policy_json` is NULL or NUL-terminated;
/// `out_report_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_prune(
    store: *const MemcoreStore,
    policy_json: *const c_char,
    dry_run: bool,
    out_report_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_report_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let policy: RetentionPolicy = unsafe { json_arg(policy_json, "policy_json") }?;
        let report = store.lock()?.memory.prune(&policy.into(), dry_run)?;
        out.set_document(&PruneReport::from(report))
    })
}

/// Pins an observation (retention never removes it) or, with `pinned` false, unpins it.
///
/// When not NULL, `*out_found` receives false when no observation has that id (not an
/// error). NULL `store`: `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `out_found` is NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_pin(
    store: *const MemcoreStore,
    observation_id: i64,
    pinned: bool,
    out_found: *mut bool,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { value_out(out_found) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        let found = store.lock()?.memory.pin(observation_id, pinned)?;
        if let Some(out) = out {
            *out = found;
        }
        Ok(())
    })
}
