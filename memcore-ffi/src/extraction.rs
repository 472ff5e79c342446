//! Extraction: pending events to observations, step by step (the host calls its LLM), with
//! the LLM set by `memcore_set_llm()`, or by rules; the ledger of what it cost; and the mode
//! (kinds and prompts) requests are built from.

use crate::error::{MemcoreStatus, ffi_call};
use crate::handle::MemcoreStore;
use crate::records::{
    CompletionReport, ExtractionRequest, ExtractionRun, FailureReport, LedgerEntry, Usage,
};
use crate::strings::{StringOut, json_arg, opt_json_arg, project_arg, records, str_arg};
use crate::summaries::no_llm;
use memcore::extract::{Extractor, Mode};
use std::ffi::c_char;

/// Claims the next batch of pending events (oldest session first; of `project`, or of any
/// project when NULL) and returns the request to send to the host's LLM.
///
/// Sets `*out_request_json` to an extraction request document, or to NULL when nothing is
/// pending; free it with `memcore_string_free()`. Send its `system_prompt` and `user_prompt`
/// to the model (asking for at most `max_output_tokens`), then pass the request back,
/// unchanged, with the answer to `memcore_extraction_complete()`, or with a reason to
/// `memcore_extraction_fail()`. The claim is a lease (`extraction.lease_seconds` of the
/// config, 300 s by default): events not completed by then can be claimed again.
///
/// NULL `store` or `out_request_json`: `MEMCORE_ERR_NULL_POINTER`; an empty `project`:
/// `MEMCORE_ERR_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `project` is NULL or NUL-terminated;
/// `out_request_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_extraction_next(
    store: *const MemcoreStore,
    project: *const c_char,
    out_request_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_request_json, "out_request_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let project = unsafe { project_arg(project, "project") }?;
        let request = store.lock()?.memory.next_extraction(project)?;
        out.set_optional_document(request.map(ExtractionRequest::from).as_ref())
    })
}

/// Completes a request from `memcore_extraction_next()` with the model's answer: parses it
/// (tolerantly), stores the observations, marks the events extracted and records the cost.
///
/// `request_json` is the request as returned; `answer` the model's text; `usage_json` NULL or a
/// usage document (`{"v":1, "model", "prompt_tokens", "completion_tokens"}`). When
/// `out_report_json` is not NULL it receives (to free with `memcore_string_free()`) `{"v":1,
/// "stored": [ids], "duplicates": [ids], "issues": [...], "events_extracted": n}` (free it with
/// `memcore_string_free()`).
///
/// Fails with `MEMCORE_ERR_INVALID_ARGUMENT` when the answer is not usable at all (this is
/// already recorded as a failed attempt: the events are released, pending with one more
/// attempt, so do not also call `memcore_extraction_fail()`), when the claim was lost, or for
/// a summary request; `MEMCORE_ERR_NULL_POINTER` for a NULL `store`,
/// `request_json` or `answer`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `request_json`, `answer` and `usage_json` are NULL or
/// NUL-terminated; `out_report_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_extraction_complete(
    store: *const MemcoreStore,
    request_json: *const c_char,
    answer: *const c_char,
    usage_json: *const c_char,
    out_report_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_report_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees NULL or NUL-terminated strings.
        let request: ExtractionRequest = unsafe { json_arg(request_json, "request_json") }?;
        // SAFETY: as above.
        let answer = unsafe { str_arg(answer, "answer") }?;
        // SAFETY: as above.
        let usage: Usage = unsafe { opt_json_arg(usage_json, "usage_json") }?.unwrap_or_default();
        let report =
            store
                .lock()?
                .memory
                .complete_extraction(&request.into(), answer, &usage.into())?;
        out.set_document(&CompletionReport::from(report))
    })
}

/// Reports that the model failed on a request from `memcore_extraction_next()`: its events
/// stay pending with one more attempt, or are marked failed (kept, never deleted) at the
/// attempt limit.
///
/// `reason` says what went wrong (recorded in the ledger). When `out_report_json` is not NULL it
/// receives (to free with `memcore_string_free()`) `{"v":1, "events_failed": n, "events_pending":
/// n}`. NULL `store`, `request_json` or `reason`: `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `request_json` and `reason` are NULL or NUL-terminated;
/// `out_report_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_extraction_fail(
    store: *const MemcoreStore,
    request_json: *const c_char,
    reason: *const c_char,
    out_report_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_report_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees NULL or NUL-terminated strings.
        let request: ExtractionRequest = unsafe { json_arg(request_json, "request_json") }?;
        // SAFETY: as above.
        let reason = unsafe { str_arg(reason, "reason") }?;
        let report = store
            .lock()?
            .memory
            .fail_extraction(&request.into(), reason)?;
        out.set_document(&FailureReport::from(report))
    })
}

/// Extracts every pending event (of `project`, or of any project when NULL) by rules: no
/// LLM, no cost.
///
/// When `out_run_json` is not NULL it receives (to free with `memcore_string_free()`) the totals:
/// `{"v":1, "requests", "observations_stored", "duplicates", "events_extracted", "failures",
/// "events_failed", "issues", "prompt_tokens", "completion_tokens"}`. NULL `store`:
/// `MEMCORE_ERR_NULL_POINTER`; an empty `project`: `MEMCORE_ERR_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `project` is NULL or NUL-terminated; `out_run_json` is
/// NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_extract_heuristic(
    store: *const MemcoreStore,
    project: *const c_char,
    out_run_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_run_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let project = unsafe { project_arg(project, "project") }?;
        let run = store
            .lock()?
            .memory
            .run_extraction(Extractor::Heuristic, project)?;
        out.set_document(&ExtractionRun::from(run))
    })
}

/// Extracts every pending event (of `project`, or of any project when NULL) with the LLM set
/// by `memcore_set_llm()`, calling it once per batch until nothing claimable is pending.
///
/// A failed callback does not stop the run: its events stay pending (up to the attempt limit) and
/// the failure is counted. When `out_run_json` is not NULL it receives (to free with
/// `memcore_string_free()`) the totals (as `memcore_extract_heuristic()`). Fails with
/// `MEMCORE_ERR_INVALID_ARGUMENT` when no LLM is set or `project` is empty,
/// `MEMCORE_ERR_NULL_POINTER` for a NULL `store`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `project` is NULL or NUL-terminated; `out_run_json` is
/// NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_extract_pending(
    store: *const MemcoreStore,
    project: *const c_char,
    out_run_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::optional(out_run_json) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let project = unsafe { project_arg(project, "project") }?;
        let state = store.lock()?;
        let llm = state.llm.as_ref().ok_or_else(no_llm)?;
        let run = state.memory.extract_pending(llm, project)?;
        out.set_document(&ExtractionRun::from(run))
    })
}

/// Makes failed events (of `project`, or of any project when NULL) pending again with no
/// attempts, for another try after the cause was fixed.
///
/// When `out_count` is not NULL it receives how many events were made pending. NULL `store`:
/// `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `project` is NULL or NUL-terminated; `out_count` is NULL
/// or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_retry_failed(
    store: *const MemcoreStore,
    project: *const c_char,
    out_count: *mut u64,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { crate::strings::value_out(out_count) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let project = unsafe { project_arg(project, "project") }?;
        let count = store.lock()?.memory.retry_failed(project)?;
        if let Some(out) = out {
            *out = count;
        }
        Ok(())
    })
}

/// The newest rows of the extraction ledger (of `project`, or of any project when NULL), at
/// most `limit`: one per LLM call or heuristic batch, with its model, token counts, events
/// and outcome.
///
/// Sets `*out_entries_json` to `{"v":1, "entries": [{"id", "session_id", "project",
/// "purpose", "model", "prompt_tokens", "completion_tokens", "event_ids", "outcome",
/// "detail", "observations", "created_at"}, ...]}`; free it with `memcore_string_free()`.
/// NULL `store` or `out_entries_json`: `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `project` is NULL or NUL-terminated;
/// `out_entries_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_ledger(
    store: *const MemcoreStore,
    project: *const c_char,
    limit: usize,
    out_entries_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_entries_json, "out_entries_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let project = unsafe { project_arg(project, "project") }?;
        let entries = store.lock()?.memory.ledger(project, limit)?;
        out.set_list("entries", &records(entries, LedgerEntry::from))
    })
}

/// Replaces the store handle's extraction mode: the observation kinds, concept tags and
/// prompt texts that requests are built from and answers parsed with (the built-in `code`
/// mode by default). It applies to this handle only, until it is closed.
///
/// `mode_json` is a mode document: `{"v":1, "name", "description"?, "kinds": [{"name",
/// "label", ...}], "concepts"?, "fallback_kind", "prompts": {...}}`, the shape
/// `memcore_mode()` returns (start from it). Fails with `MEMCORE_ERR_INVALID_ARGUMENT`
/// naming the bad field, `MEMCORE_ERR_NULL_POINTER` for a NULL `store` or `mode_json`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `mode_json` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_set_mode(
    store: *const MemcoreStore,
    mode_json: *const c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let fields: serde_json::Value = unsafe { json_arg(mode_json, "mode_json") }?;
        // The core's own loader validates the mode and names a bad field precisely.
        let mode = Mode::from_json(&fields.to_string())?;
        store.lock()?.memory.set_mode(mode)?;
        Ok(())
    })
}

/// The extraction mode in use, as a mode document (`{"v":1, "name": "code", "kinds": [...],
/// ...}`); free it with `memcore_string_free()`. NULL `store` or `out_mode_json`:
/// `MEMCORE_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `out_mode_json` is NULL or valid for writing one
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_mode(
    store: *const MemcoreStore,
    out_mode_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_mode_json, "out_mode_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        let state = store.lock()?;
        out.set_document(state.memory.mode())
    })
}
