//! Observations: adding, getting by id, listing the newest, forgetting.

use crate::error::{FfiError, MemcoreStatus, ffi_call};
use crate::handle::MemcoreStore;
use crate::records::{Added, NewObservation, Observation};
use crate::strings::{StringOut, json_arg, records, scope_arg, value_out};
use std::ffi::c_char;

/// Stores an observation (redacted) unless one with the same content already exists in its
/// project.
///
/// `observation_json` is an observation document: `{"v":1, "title": "...", "project": "p"}`
/// at least (a `"session_id"` may stand for the project), plus any of `kind`, `subtitle`,
/// `narrative`, `facts`, `context`, `concepts`, `files_read`, `files_modified`,
/// `source_event_ids`, `importance`, `supersedes`, `created_at`.
///
/// When not NULL, `*out_observation_id` receives the id (of the existing observation for a
/// duplicate) and `*out_duplicate` whether it was a duplicate (nothing stored); both are
/// 0/false on failure.
///
/// Fails with `MEMCORE_ERR_NULL_POINTER` (NULL `store` or `observation_json`),
/// `MEMCORE_ERR_INVALID_UTF8`, `MEMCORE_ERR_INVALID_JSON`, `MEMCORE_ERR_UNSUPPORTED_VERSION`,
/// `MEMCORE_ERR_INVALID_ARGUMENT` (an empty title, no project nor session),
/// `MEMCORE_ERR_NOT_FOUND` (an unknown session or superseded observation),
/// `MEMCORE_ERR_CALLBACK` (the host embedder failed), or a store error.
///
/// # Safety
///
/// `store` is NULL or a live handle; `observation_json` is NULL or NUL-terminated;
/// `out_observation_id` and `out_duplicate` are NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_observation_add(
    store: *const MemcoreStore,
    observation_json: *const c_char,
    out_observation_id: *mut i64,
    out_duplicate: *mut bool,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees NULL or writable out-pointers.
        let (out_id, out_duplicate) =
            unsafe { (value_out(out_observation_id), value_out(out_duplicate)) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let observation: NewObservation =
            unsafe { json_arg(observation_json, "observation_json") }?;
        let added = Added::from(store.lock()?.memory.add_observation(observation.into())?);
        if let Some(out) = out_id {
            *out = added.id;
        }
        if let Some(out) = out_duplicate {
            *out = added.duplicate;
        }
        Ok(())
    })
}

/// Observations by id, in the order asked; unknown ids are left out. The full detail behind
/// an index line of a rendered context.
///
/// `ids` points to `ids_len` ids; it may be NULL when `ids_len` is 0. Sets
/// `*out_observations_json` to `{"v":1, "observations": [...]}`; free it with
/// `memcore_string_free()`. NULL `store` or `out_observations_json`, or NULL `ids` with a
/// non-zero `ids_len`: `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `ids` is NULL or points to `ids_len` readable
/// `int64_t`; `out_observations_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_get(
    store: *const MemcoreStore,
    ids: *const i64,
    ids_len: usize,
    out_observations_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_observations_json, "out_observations_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        let ids: &[i64] = match (ids.is_null(), ids_len) {
            (_, 0) => &[],
            (true, _) => return Err(FfiError::null("ids")),
            // SAFETY: not NULL, and the caller guarantees `ids_len` readable, aligned ids.
            (false, len) => unsafe { std::slice::from_raw_parts(ids, len) },
        };
        let observations = store.lock()?.memory.get(ids)?;
        out.set_list("observations", &records(observations, Observation::from))
    })
}

/// The newest observations of `project` (NULL: every project), newest first, at most
/// `limit`.
///
/// Sets `*out_observations_json` to `{"v":1, "observations": [...]}`; free it with
/// `memcore_string_free()`. NULL `store` or `out_observations_json`:
/// `MEMCORE_ERR_NULL_POINTER`; an empty `project`: `MEMCORE_ERR_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `project` is NULL or NUL-terminated;
/// `out_observations_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_recent(
    store: *const MemcoreStore,
    project: *const c_char,
    limit: usize,
    out_observations_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_observations_json, "out_observations_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let scope = unsafe { scope_arg(project, "project") }?;
        let observations = store.lock()?.memory.recent(&scope, limit)?;
        out.set_list("observations", &records(observations, Observation::from))
    })
}

/// Forgets an observation: it leaves search, context and listings at once and stays in the
/// store's forget bin, recoverable (`memcore forget --list`, `--undo BATCH`) until purged.
///
/// When not NULL, `*out_forgotten` receives true when an observation was forgotten, false
/// when none had that id (not an error). NULL `store`: `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `out_forgotten` is NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_forget(
    store: *const MemcoreStore,
    observation_id: i64,
    out_forgotten: *mut bool,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { value_out(out_forgotten) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        let forgotten = store.lock()?.memory.forget(observation_id)?;
        if let Some(out) = out {
            *out = forgotten;
        }
        Ok(())
    })
}
