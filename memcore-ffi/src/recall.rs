//! Recall: search, context rendering within a token budget, and timelines.

use crate::error::{FfiError, MemcoreStatus, ffi_call};
use crate::handle::MemcoreStore;
use crate::records::{Context, SearchHit, Timeline};
use crate::strings::{StringOut, json_arg, records};
use memcore::{ContextRequest, Scope, SearchRequest, TimelineAnchor, TimelineRequest};
use std::ffi::c_char;

/// Refuses a request that does not say where to look: libmemcore never guesses the project
/// from the working directory of the host's process.
fn require_scope(scope: Option<&Scope>, what: &str) -> Result<(), FfiError> {
    match scope {
        Some(_) => Ok(()),
        None => Err(FfiError::invalid(format!(
            "{what} must say where to look: \"scope\": {{\"project\": \"<name>\"}} or \
             \"scope\": \"all\""
        ))),
    }
}

/// Searches the observations: full text and (with an embedder) vectors, fused with recency,
/// kind, importance and the files named, best first, each hit with the parts of its score.
///
/// `request_json` is a search document: `{"v":1, "query": "refresh token"}` and
/// `"scope"` (`{"project": "<name>"}` or `"all"`; required), plus any of `"filter"`
/// (`{"kinds": [...], "files": [...],
/// "concepts": [...], "session_id", "since", "until"}`), `"files"` (boosted),
/// `"mode"` (`"fused"`, `"lexical"`, `"vector"`), `"limit"` (10), `"offset"`, `"now"`.
///
/// Sets `*out_hits_json` to `{"v":1, "hits": [{"id", "score", "parts": {"text_rank",
/// "bm25", "vector_similarity", "relevance", "recency", "kind_weight", "importance",
/// "file_match", "superseded", "diversity"}, "observation": {...}}, ...]}`; free it with
/// `memcore_string_free()`.
///
/// Fails with `MEMCORE_ERR_NULL_POINTER` (NULL `store`, `request_json` or `out_hits_json`),
/// a JSON error (an unknown `mode` or a missing `scope` is `MEMCORE_ERR_INVALID_ARGUMENT`),
/// `MEMCORE_ERR_CALLBACK` (the host embedder failed), or a store error.
///
/// # Safety
///
/// `store` is NULL or a live handle; `request_json` is NULL or NUL-terminated;
/// `out_hits_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_search(
    store: *const MemcoreStore,
    request_json: *const c_char,
    out_hits_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_hits_json, "out_hits_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let request: SearchRequest = unsafe { json_arg(request_json, "request_json") }?;
        require_scope(request.scope.as_ref(), "request_json (a search)")?;
        let hits = store.lock()?.memory.search(&request)?;
        out.set_list("hits", &records(hits, SearchHit::from))
    })
}

/// Renders what memory holds for a session start or a prompt, as markdown within a token
/// budget, ready to inject into the model's context: the latest summary (at a session
/// start), an index of the relevant observations (id, date, kind, title, cost in tokens) and
/// the full text of the best few. The rest is one `memcore_get()` away.
///
/// `request_json` is a context document: `{"v":1, "purpose": "session_start"|"prompt",
/// "scope": {"project": "<name>"}, "query": "<the prompt>", "budget": 2000}`: `"scope"`
/// (`{"project": "<name>"}` or `"all"`) is required, every other field optional (`"files"`
/// and `"now"` too); an absent budget is the configured default of the purpose.
///
/// Sets `*out_context_json` to `{"v":1, "text": "<markdown>", "observation_ids": [...],
/// "detailed_ids": [...], "summary_id", "tokens", "budget"}` (`text` is empty when nothing
/// is worth saying); free it with `memcore_string_free()`.
///
/// Fails with `MEMCORE_ERR_NULL_POINTER` (NULL `store`, `request_json` or
/// `out_context_json`), a JSON error (an unknown `purpose` or a missing `scope` is
/// `MEMCORE_ERR_INVALID_ARGUMENT`), `MEMCORE_ERR_CALLBACK`, or a store error.
///
/// # Safety
///
/// `store` is NULL or a live handle; `request_json` is NULL or NUL-terminated;
/// `out_context_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_context(
    store: *const MemcoreStore,
    request_json: *const c_char,
    out_context_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_context_json, "out_context_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let request: ContextRequest = unsafe { json_arg(request_json, "request_json") }?;
        require_scope(request.scope.as_ref(), "request_json (a context request)")?;
        let context = store.lock()?.memory.context(&request)?;
        out.set_document(&Context::from(context))
    })
}

/// Observations and user prompts around an observation or a moment, in time order.
///
/// `request_json` is a timeline document: `{"v":1, "anchor": {"observation": 12} or
/// {"time": "<RFC 3339>"}, "before": 5, "after": 5}` plus a `"scope"` (`{"project":
/// "<name>"}` or `"all"`), optional around an observation (absent: its project) and required
/// around a time.
///
/// Sets `*out_timeline_json` to `{"v":1, "entries": [{"at", "item": {"type":
/// "observation", ...observation} or {"type": "prompt", ...event}}, ...], "anchor_index"}`
/// (oldest first); free it with `memcore_string_free()`.
///
/// Fails with `MEMCORE_ERR_NOT_FOUND` when the anchor observation does not exist,
/// `MEMCORE_ERR_NULL_POINTER` for a NULL `store`, `request_json` or `out_timeline_json`, a
/// JSON error, or a store error.
///
/// # Safety
///
/// `store` is NULL or a live handle; `request_json` is NULL or NUL-terminated;
/// `out_timeline_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_timeline(
    store: *const MemcoreStore,
    request_json: *const c_char,
    out_timeline_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_timeline_json, "out_timeline_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let request: TimelineRequest = unsafe { json_arg(request_json, "request_json") }?;
        if matches!(request.anchor, TimelineAnchor::Time(_)) {
            require_scope(
                request.scope.as_ref(),
                "request_json (a timeline around a time)",
            )?;
        }
        let timeline = store.lock()?.memory.timeline(&request)?;
        out.set_document(&Timeline::from(timeline))
    })
}
