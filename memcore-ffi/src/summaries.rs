//! Session summaries: written by the host, by the host's LLM (step by step or through a
//! `MemcoreLlm`), or by the heuristic summariser; and the latest one read back.

use crate::error::{FfiError, MemcoreStatus, ffi_call};
use crate::handle::MemcoreStore;
use crate::records::{ExtractionRequest, NewSummary, Summary, Usage};
use crate::strings::{StringOut, json_arg, opt_json_arg, scope_arg, str_arg};
use std::ffi::c_char;

/// Stores a summary of a session (redacted).
///
/// `summary_json` is a summary document: `{"v":1, "request", "investigated", "learned",
/// "completed", "next_steps", "notes"}`, every field optional. When `out_summary_json` is
/// not NULL it receives the stored summary as a document (free it with
/// `memcore_string_free()`; NULL on failure).
///
/// Fails with `MEMCORE_ERR_NULL_POINTER` (NULL `store`, `session_id` or `summary_json`),
/// `MEMCORE_ERR_NOT_FOUND` (an unknown session), a JSON error, or a store error.
///
/// # Safety
///
/// `store` is NULL or a live handle; `session_id` and `summary_json` are NULL or
/// NUL-terminated; `out_summary_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_summary_add(
    store: *const MemcoreStore,
    session_id: *const c_char,
    summary_json: *const c_char,
    out_summary_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_summary_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees NULL or NUL-terminated strings.
        let session_id = unsafe { str_arg(session_id, "session_id") }?;
        // SAFETY: as above.
        let summary: NewSummary = unsafe { json_arg(summary_json, "summary_json") }?;
        let summary = store
            .lock()?
            .memory
            .add_summary(session_id, summary.into())?;
        out.set_document(&Summary::from(summary))
    })
}

/// The newest summary of `project` (NULL: of any project).
///
/// Sets `*out_summary_json` to the summary document, or to NULL when there is none; free it
/// with `memcore_string_free()`. NULL `store` or `out_summary_json`:
/// `MEMCORE_ERR_NULL_POINTER`; an empty `project`: `MEMCORE_ERR_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `project` is NULL or NUL-terminated;
/// `out_summary_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_summary_latest(
    store: *const MemcoreStore,
    project: *const c_char,
    out_summary_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_summary_json, "out_summary_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let scope = unsafe { scope_arg(project, "project") }?;
        let summary = store.lock()?.memory.latest_summary(&scope)?;
        out.set_optional_document(summary.map(Summary::from).as_ref())
    })
}

/// The summary request of a session, for a host that calls its LLM itself: an extraction
/// request document (`"purpose": "summary"`) with the session's prompts, files and most
/// informative events within the configured budget.
///
/// Sets `*out_request_json` to the request, or to NULL when the session has no events; free
/// it with `memcore_string_free()`. Send its `system_prompt` and `user_prompt` to the model
/// and pass the answer to `memcore_summary_complete()`. NULL `store`, `session_id` or
/// `out_request_json`: `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `session_id` is NULL or NUL-terminated;
/// `out_request_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_summary_request(
    store: *const MemcoreStore,
    session_id: *const c_char,
    out_request_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_request_json, "out_request_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let session_id = unsafe { str_arg(session_id, "session_id") }?;
        let request = store.lock()?.memory.summary_request(session_id)?;
        out.set_optional_document(request.map(ExtractionRequest::from).as_ref())
    })
}

/// Stores the summary the model wrote for a request from `memcore_summary_request()`, with a
/// ledger row recording its cost.
///
/// `request_json` is the request as returned; `answer` the model's text; `usage_json` NULL or
/// a usage document (`{"v":1, "model": "...", "prompt_tokens": 900, "completion_tokens":
/// 120}`; memcore estimates the counts it lacks). Sets `*out_summary_json` (when not NULL) to
/// the stored summary, or to NULL when the model skipped the summary or answered nothing.
///
/// Fails with `MEMCORE_ERR_INVALID_ARGUMENT` when the answer cannot be parsed as a summary or
/// the request is not a summary request, `MEMCORE_ERR_NULL_POINTER` for a NULL `store`,
/// `request_json` or `answer`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `request_json`, `answer` and `usage_json` are NULL or
/// NUL-terminated; `out_summary_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_summary_complete(
    store: *const MemcoreStore,
    request_json: *const c_char,
    answer: *const c_char,
    usage_json: *const c_char,
    out_summary_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_summary_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees NULL or NUL-terminated strings.
        let request: ExtractionRequest = unsafe { json_arg(request_json, "request_json") }?;
        // SAFETY: as above.
        let answer = unsafe { str_arg(answer, "answer") }?;
        // SAFETY: as above.
        let usage: Usage = unsafe { opt_json_arg(usage_json, "usage_json") }?.unwrap_or_default();
        let summary =
            store
                .lock()?
                .memory
                .complete_summary(&request.into(), answer, &usage.into())?;
        out.set_optional_document(summary.map(Summary::from).as_ref())
    })
}

/// Summarises a session by rules, with no LLM and no cost, and stores the summary.
///
/// Sets `*out_summary_json` (when not NULL) to the stored summary (to free with
/// `memcore_string_free()`), or to NULL when the
/// session has nothing to summarise. NULL `store` or `session_id`:
/// `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `session_id` is NULL or NUL-terminated;
/// `out_summary_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_summarize_heuristic(
    store: *const MemcoreStore,
    session_id: *const c_char,
    out_summary_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_summary_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let session_id = unsafe { str_arg(session_id, "session_id") }?;
        let summary = store.lock()?.memory.summarize_heuristic(session_id)?;
        out.set_optional_document(summary.map(Summary::from).as_ref())
    })
}

/// Summarises a session with the LLM set by `memcore_set_llm()`, falling back to the
/// heuristic summary when the model fails or its answer cannot be used, and stores it.
///
/// Sets `*out_summary_json` (when not NULL) to the stored summary (to free with
/// `memcore_string_free()`), or to NULL when there is
/// nothing to summarise. Fails with `MEMCORE_ERR_INVALID_ARGUMENT` when no LLM is set,
/// `MEMCORE_ERR_NULL_POINTER` for a NULL `store` or `session_id`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `session_id` is NULL or NUL-terminated;
/// `out_summary_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_summarize(
    store: *const MemcoreStore,
    session_id: *const c_char,
    out_summary_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_summary_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let session_id = unsafe { str_arg(session_id, "session_id") }?;
        let state = store.lock()?;
        let llm = state.llm.as_ref().ok_or_else(no_llm)?;
        let summary = state.memory.summarize(session_id, llm)?;
        out.set_optional_document(summary.map(Summary::from).as_ref())
    })
}

/// The error of an LLM-driven call on a store with no LLM.
pub(crate) fn no_llm() -> FfiError {
    FfiError::invalid(
        "no LLM is set on this store: call memcore_set_llm() first, or use the heuristic \
         functions",
    )
}
