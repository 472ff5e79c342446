//! Projects and sessions.

use crate::error::{MemcoreStatus, ffi_call};
use crate::handle::MemcoreStore;
use crate::records::{NewSession, Session};
use crate::strings::{StringOut, json_arg, opt_str_arg, records, scope_arg, str_arg};
use std::ffi::c_char;
use std::path::Path;

/// Resolves a project name, the one way memcore names projects on both the write and the
/// read path: `name` when it is not NULL or blank, else the folder name of the git repository
/// holding `cwd` (a linked worktree resolves to its main repository), else `cwd`'s own
/// folder name, else `"default"`. Reads `.git` entries only; runs no process.
///
/// Sets `*out_project` to a string the caller frees with `memcore_string_free()` (NULL on
/// failure). `name` may be NULL; `cwd` and `out_project` must not be
/// (`MEMCORE_ERR_NULL_POINTER`).
///
/// # Safety
///
/// `name` and `cwd` are NULL or NUL-terminated strings; `out_project` is NULL or valid for
/// writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_resolve_project(
    name: *const c_char,
    cwd: *const c_char,
    out_project: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_project, "out_project") }?;
        // SAFETY: the caller guarantees NULL or NUL-terminated strings.
        let name = unsafe { opt_str_arg(name, "name") }?;
        // SAFETY: as above.
        let cwd = unsafe { str_arg(cwd, "cwd") }?;
        out.set(memcore::resolve_project(name, Path::new(cwd)))
    })
}

/// Starts a session, or reopens one the host resumes under the same id.
///
/// `session_json` is a session document: `{"v":1, "id": "<host session id>", "project":
/// "<name>", "agent": "claude-code"}` (optionally `"started_at"`). When `out_session_json`
/// is not NULL it receives the stored session as a document (free it with
/// `memcore_string_free()`; NULL on failure).
///
/// Fails with `MEMCORE_ERR_NULL_POINTER` (NULL `store` or `session_json`),
/// `MEMCORE_ERR_INVALID_UTF8`, `MEMCORE_ERR_INVALID_JSON`, `MEMCORE_ERR_UNSUPPORTED_VERSION`,
/// `MEMCORE_ERR_INVALID_ARGUMENT` (a missing field, an empty id or project), or a store error.
///
/// # Safety
///
/// `store` is NULL or a live handle; `session_json` is NULL or NUL-terminated;
/// `out_session_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_session_start(
    store: *const MemcoreStore,
    session_json: *const c_char,
    out_session_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_session_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let session: NewSession = unsafe { json_arg(session_json, "session_json") }?;
        let session = store.lock()?.memory.start_session(session.into())?;
        out.set_document(&Session::from(session))
    })
}

/// Marks a session ended; ending it again is harmless.
///
/// When `out_session_json` is not NULL it receives the session as a document (free it with
/// `memcore_string_free()`; NULL on failure). Fails with `MEMCORE_ERR_NOT_FOUND` for an
/// unknown session, `MEMCORE_ERR_NULL_POINTER` for a NULL `store` or `session_id`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `session_id` is NULL or NUL-terminated;
/// `out_session_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_session_end(
    store: *const MemcoreStore,
    session_id: *const c_char,
    out_session_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_session_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let session_id = unsafe { str_arg(session_id, "session_id") }?;
        let session = store.lock()?.memory.end_session(session_id)?;
        out.set_document(&Session::from(session))
    })
}

/// Looks a session up by id.
///
/// Returns `MEMCORE_OK` and sets `*out_session_json` to the session document, or to NULL when
/// no session has that id; free it with `memcore_string_free()`. NULL `store`, `session_id`
/// or `out_session_json`: `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `session_id` is NULL or NUL-terminated;
/// `out_session_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_session_get(
    store: *const MemcoreStore,
    session_id: *const c_char,
    out_session_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_session_json, "out_session_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let session_id = unsafe { str_arg(session_id, "session_id") }?;
        let session = store.lock()?.memory.session(session_id)?;
        out.set_optional_document(session.map(Session::from).as_ref())
    })
}

/// The newest sessions, newest first, at most `limit`, of `project` (NULL: every project).
///
/// Sets `*out_sessions_json` to `{"v":1, "sessions": [...]}`; free it with
/// `memcore_string_free()`. NULL `store` or `out_sessions_json`: `MEMCORE_ERR_NULL_POINTER`;
/// an empty `project`: `MEMCORE_ERR_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `project` is NULL or NUL-terminated;
/// `out_sessions_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_sessions_recent(
    store: *const MemcoreStore,
    project: *const c_char,
    limit: usize,
    out_sessions_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_sessions_json, "out_sessions_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let scope = unsafe { scope_arg(project, "project") }?;
        let sessions = store.lock()?.memory.recent_sessions(&scope, limit)?;
        out.set_list("sessions", &records(sessions, Session::from))
    })
}

/// Every project name in the store.
///
/// Sets `*out_projects_json` to `{"v":1, "projects": ["name", ...]}`; free it with
/// `memcore_string_free()`. NULL `store` or `out_projects_json`: `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `out_projects_json` is NULL or valid for writing one
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_projects(
    store: *const MemcoreStore,
    out_projects_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_projects_json, "out_projects_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        let projects = store.lock()?.memory.projects()?;
        out.set_list("projects", &projects)
    })
}
