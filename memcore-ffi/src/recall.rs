//! Recall: search, context rendering within a token budget, and timelines.

use crate::error::{MemcoreStatus, ffi_call};
use crate::handle::MemcoreStore;
use crate::strings::{StringOut, records, json_arg};
use crate::records::{Context, SearchHit, Timeline};
use memcore::{ContextRequest, SearchRequest, TimelineRequest};
use std::ffi::c_char;

/// Searches the observations: full text and (with an embedder) vectors, fused with recency,
/// kind, importance and the files named, best first, each hit with the parts of its score.
///
/// `request_json` is a search document: `{"v":1, "query": "refresh token"}` at least, plus
/// any of `"scope"` (`{"project": "<name>"}` or `"all"`; absent: the project of the
/// process's working directory), `"filter"` (`{"kinds": [...], "files": [...],
/// "concepts": [...], "session_id", "since", "until"}`), `"files"` (boosted),
/// `"mode"` (`"fused"`, `"lexical"`, `"vector"`), `"limit"` (10), `"offset"`, `"now"`.
///
/// Sets `*out_hits_json` to `{"v":1, "hits": [{"id", "score", "parts": {"text_rank",
/// "bm25", "vector_similarity", "relevance", "recency", "kind_weight", "importance",
/// "file_match", "superseded", "diversity"}, "observation": {...}}, ...]}`; free it with
/// `memcore_string_free()`.
///
/// Fails with `MEMCORE_ERR_NULL_POINTER` (NULL `store`, `request_json` or `out_hits_json`),
/// a JSON error (an unknown `mode` is `MEMCORE_ERR_INVALID_ARGUMENT`),
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
/// "scope": {"project": "<name>"}, "query": "<the prompt>", "budget": 2000}`, every field
/// optional (`"files"` and `"now"` too); an absent scope is the project of the process's
/// working directory, an absent budget the configured default of the purpose.
///
/// Sets `*out_context_json` to `{"v":1, "text": "<markdown>", "observation_ids": [...],
/// "detailed_ids": [...], "summary_id", "tokens", "budget"}` (`text` is empty when nothing
/// is worth saying); free it with `memcore_string_free()`.
///
/// Fails with `MEMCORE_ERR_NULL_POINTER` (NULL `store`, `request_json` or
/// `out_context_json`), a JSON error (an unknown `purpose` is
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
        let context = store.lock()?.memory.context(&request)?;
        out.set_document(&Context::from(context))
    })
}

/// Observations and user prompts around an observation or a moment, in time order.
///
/// `request_json` is a timeline document: `{"v":1, "anchor": {"observation": 12} or
/// {"time": "<RFC 3339>"}, "before": 5, "after": 5}` plus an optional `"scope"` (absent:
/// the anchor observation's project, or for a time anchor the project of the process's
/// working directory).
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
        let timeline = store.lock()?.memory.timeline(&request)?;
        out.set_document(&Timeline::from(timeline))
    })
}
