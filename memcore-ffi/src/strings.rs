//! Strings across the boundary: NUL-terminated UTF-8 arguments, JSON documents in and out
//! with their `"v": 1` envelope, out-pointers, and the two functions that create and free
//! library-owned strings.

use crate::error::{FfiError, MemcoreStatus, no_unwind};
use memcore::Scope;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::ffi::{CStr, CString, c_char};

/// The version of every JSON document the library reads and writes: the value of its `"v"`
/// field.
///
/// Every document is a JSON object. A document passed in must have `"v": 1` (else the call
/// fails with `MEMCORE_ERR_UNSUPPORTED_VERSION`); fields it does not know are ignored, and
/// fields it may omit take their defaults. Every document returned has `"v": 1` and may gain
/// fields in later versions of the library (read what you know, ignore the rest).
/// Timestamps are RFC 3339 strings (`"2026-11-24T10:31:00Z"`); ids of events and
/// observations are integers, ids of sessions the host's own strings.
///
/// The shapes, field by field (`?` marks a field that may be omitted or null). Each is the
/// serde form of a record of `memcore-ffi` (its `records` module), the same records the
/// Python and Swift bindings use; a test checks that every field of every record is listed
/// here.
///
/// - session in (`memcore_session_start`): `{"v":1, "id", "project", "agent",
///   "started_at"?}`
/// - session out: `{"v":1, "id", "project", "agent", "started_at", "ended_at"?,
///   "status": "active"|"ended"}`
/// - event in (`memcore_event_record`): `{"v":1, "session_id", "payload", "external_id"?,
///   "occurred_at"?}` where `payload` is one of `{"type":"user_prompt", "text"}`,
///   `{"type":"assistant_message", "text"}`, `{"type":"note", "text"}`,
///   `{"type":"tool_use", "tool_name", "input"? (any JSON), "output"?, "error"?,
///   "tool_use_id"?}`
/// - event out: `{"v":1, "id", "session_id", "project", "payload", "external_id"?,
///   "occurred_at", "status": "pending"|"extracted"|"skipped"|"failed", "attempts"}`
/// - observation in (`memcore_observation_add`): `{"v":1, "title", "project"?,
///   "session_id"?, "kind"?, "subtitle"?, "narrative"?, "facts"? [strings], "context"?,
///   "concepts"? [strings], "files_read"? [strings], "files_modified"? [strings],
///   "source_event_ids"? [ids], "importance"? (0..1), "supersedes"? (id), "created_at"?}`;
///   `kind` is `bugfix`, `feature`, `refactor`, `change`, `discovery`, `decision` or a mode's
///   own kind
/// - observation out: `{"v":1, "id", "project", "session_id"?, "kind", "title",
///   "subtitle", "narrative", "facts", "context", "concepts", "files_read",
///   "files_modified", "source_event_ids", "created_at", "importance", "content_hash",
///   "token_count", "supersedes"?, "superseded_by"?, "pinned"}`
/// - summary in (`memcore_summary_add`): `{"v":1, "request"?, "investigated"?, "learned"?,
///   "completed"?, "next_steps"?, "notes"?}`
/// - summary out: `{"v":1, "id", "session_id", "project", "request", "investigated",
///   "learned", "completed", "next_steps", "notes", "created_at"}`
/// - lists out: `{"v":1, "sessions": [...]}`, `{"v":1, "events": [...]}`,
///   `{"v":1, "observations": [...]}`, `{"v":1, "projects": [strings]}`,
///   `{"v":1, "findings": [strings]}`, `{"v":1, "entries": [...]}` (ledger); list items
///   are the objects here without their own `"v"`
/// - stats out: `{"v":1, "observations", "observations_by_kind": {kind: count},
///   "sessions", "summaries", "events", "pending_events", "failed_events",
///   "file_size_bytes", "schema_version"}`
/// - config in (`memcore_open`): `{"v":1, "busy_timeout_ms"?, "max_tool_output_bytes"?,
///   "redaction"?, "extraction"?, "recall"?}`, each section as memcore's Rust `Config`
/// - extraction request out / in: `{"v":1, "session_id", "project",
///   "purpose": "observations"|"summary", "system_prompt", "user_prompt",
///   "format": "observations_json"|"summary_json", "max_output_tokens", "event_ids",
///   "input_tokens", "truncated_event_ids", "claim"}`; pass it back unchanged
/// - usage in: `{"v":1, "model"?, "prompt_tokens"?, "completion_tokens"?}`
/// - LLM answer (from a `MemcoreLlm` callback): `{"v":1, "text", "usage"? {"model"?,
///   "prompt_tokens"?, "completion_tokens"?}}`
/// - parse issue out (in reports): `{"item"? (0-based position in the answer), "reason"}`
/// - completion report out: `{"v":1, "stored": [ids], "duplicates": [ids], "issues": [parse
///   issues], "events_extracted"}`
/// - failure report out: `{"v":1, "events_failed", "events_pending"}`
/// - extraction run out: `{"v":1, "requests", "observations_stored", "duplicates",
///   "events_extracted", "failures", "events_failed", "issues": [parse issues],
///   "prompt_tokens", "completion_tokens"}`
/// - ledger entry out: `{"id", "session_id"?, "project", "purpose", "model",
///   "prompt_tokens", "completion_tokens", "event_ids", "outcome":
///   "completed"|"failed"|"gave_up", "detail"?, "observations", "created_at"}`
/// - mode in / out (`memcore_set_mode`, `memcore_mode`): `{"v":1, "name", "description"?,
///   "kinds": [{"name", "label", "description"}], "concepts"? [{"name", "description"}],
///   "fallback_kind", "prompts": {"observation_system", "summary_system",
///   "observation_header", "observation_footer", "summary_header", "summary_footer"}}`;
///   unknown fields are rejected here
/// - search in: `{"v":1, "query", "scope" ({"project": name} or "all"; required: memcore
///   does not guess a project from the working directory), "filter"? {"kinds", "files",
///   "concepts", "session_id", "since", "until"}, "files"?, "mode"?
///   ("fused"|"lexical"|"vector"), "limit"? (10), "offset"?, "now"?}`
/// - search hit out: `{"v":1, "hits": [{"id", "score", "parts": {score parts},
///   "observation": {observation out}}]}`
/// - score parts out: `{"text_rank", "bm25"?, "vector_similarity"?, "relevance",
///   "recency", "kind_weight", "importance", "file_match", "superseded", "diversity"}`
/// - context in: `{"v":1, "purpose"? ("session_start"|"prompt"), "scope" (required, as in
///   a search), "query"?, "budget"? (tokens), "files"?, "now"?}`
/// - context out: `{"v":1, "text" (markdown), "observation_ids", "detailed_ids",
///   "record_ids", "detailed_record_ids", "open_item_ids", "summary_id"?, "tokens",
///   "budget"}`
/// - timeline in: `{"v":1, "anchor": {"observation": id} or {"time": timestamp},
///   "before", "after", "scope"? (required around a time; around an observation absent
///   means its project)}`
/// - timeline out: `{"v":1, "entries": [timeline entries], "anchor_index"}`
/// - timeline entry out: `{"at", "item": {"type": "observation"|"prompt", ...the
///   observation's or the event's fields}}`
/// - export options in: `{"v":1, "project"?, "since"?, "until"?, "include_events"?}`
/// - record counts out (in reports): `{"projects", "sessions", "prompts", "events",
///   "observations", "summaries", "ledger"}`
/// - export report out: `{"v":1, "records": {record counts}, "bytes"}`
/// - import report out: `{"v":1, "format_version", "schema_version", "lines", "added":
///   {record counts}, "skipped": {record counts}, "unresolved_references", "warnings":
///   [strings]}`
/// - backup report out: `{"v":1, "path", "bytes", "pages"}`
/// - retention policy in: `{"v":1, "max_age_days"?, "max_observations_per_project"?,
///   "max_file_bytes"?}`
/// - prune report out: `{"v":1, "dry_run", "observations": [pruned observations],
///   "events", "events_by_project": {project: count}, "estimated_bytes",
///   "size_limit_met", "space_reclaimed", "file_size_before", "file_size_after"}`
/// - pruned observation out: `{"id", "project", "kind", "title", "created_at", "reason":
///   "age"|"project_limit"|"file_size"}`
/// - the reports of the Markdown export, the transcript import and the claude-mem import
///   are documented at their functions
pub const MEMCORE_JSON_VERSION: u32 = 1;

/// Reads a required string argument.
///
/// # Safety
///
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, arg: &str) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(arg));
    }
    // SAFETY: not NULL, and the caller guarantees a NUL-terminated string living for 'a.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|e| {
        FfiError::new(
            MemcoreStatus::MEMCORE_ERR_INVALID_UTF8,
            format!(
                "{arg} is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Reads an optional string argument: NULL gives `None`.
///
/// # Safety
///
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(
    ptr: *const c_char,
    arg: &str,
) -> Result<Option<&'a str>, FfiError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { str_arg(ptr, arg) }.map(Some)
}

/// Reads an optional project name: NULL means every project; an empty name is an error.
///
/// # Safety
///
/// As [`str_arg`].
pub(crate) unsafe fn project_arg<'a>(
    ptr: *const c_char,
    arg: &str,
) -> Result<Option<&'a str>, FfiError> {
    // SAFETY: forwarded from the caller.
    match unsafe { opt_str_arg(ptr, arg) }? {
        Some(name) if name.trim().is_empty() => Err(FfiError::invalid(format!(
            "{arg} must not be empty; pass NULL for every project"
        ))),
        name => Ok(name.map(str::trim)),
    }
}

/// Reads an optional project name as a [`Scope`]: NULL means every project.
///
/// # Safety
///
/// As [`str_arg`].
pub(crate) unsafe fn scope_arg(ptr: *const c_char, arg: &str) -> Result<Scope, FfiError> {
    // SAFETY: forwarded from the caller.
    let project = unsafe { project_arg(ptr, arg) }?;
    Ok(project.map_or(Scope::All, |name| Scope::Project(name.to_owned())))
}

/// Reads a required JSON argument: a JSON object with `"v": 1` whose other fields make a `T`.
///
/// # Safety
///
/// As [`str_arg`].
pub(crate) unsafe fn json_arg<T: DeserializeOwned>(
    ptr: *const c_char,
    arg: &str,
) -> Result<T, FfiError> {
    // SAFETY: forwarded from the caller.
    let text = unsafe { str_arg(ptr, arg) }?;
    parse_document(text, arg)
}

/// Reads an optional JSON argument: NULL gives `None`.
///
/// # Safety
///
/// As [`str_arg`].
pub(crate) unsafe fn opt_json_arg<T: DeserializeOwned>(
    ptr: *const c_char,
    arg: &str,
) -> Result<Option<T>, FfiError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { json_arg(ptr, arg) }.map(Some)
}

/// Parses a versioned JSON document (`{"v": 1, ...}`) into a `T`.
pub(crate) fn parse_document<T: DeserializeOwned>(text: &str, arg: &str) -> Result<T, FfiError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        FfiError::new(
            MemcoreStatus::MEMCORE_ERR_INVALID_JSON,
            format!("{arg} is not valid JSON: {e}"),
        )
    })?;
    let serde_json::Value::Object(mut fields) = value else {
        return Err(FfiError::new(
            MemcoreStatus::MEMCORE_ERR_INVALID_JSON,
            format!("{arg} must be a JSON object with \"v\": {MEMCORE_JSON_VERSION}"),
        ));
    };
    match fields.remove("v") {
        Some(v) if v.as_u64() == Some(u64::from(MEMCORE_JSON_VERSION)) => {}
        Some(v) => {
            return Err(FfiError::new(
                MemcoreStatus::MEMCORE_ERR_UNSUPPORTED_VERSION,
                format!("{arg} has \"v\": {v}; this library reads version {MEMCORE_JSON_VERSION}"),
            ));
        }
        None => {
            return Err(FfiError::new(
                MemcoreStatus::MEMCORE_ERR_UNSUPPORTED_VERSION,
                format!("{arg} has no \"v\" field; add \"v\": {MEMCORE_JSON_VERSION}"),
            ));
        }
    }
    serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|e| FfiError::invalid(format!("{arg}: {e}")))
}

/// Writes a value as a versioned JSON document: `{"v":1,` followed by the value's own fields.
/// The value must serialize as a JSON object.
pub(crate) fn to_document<T: Serialize + ?Sized>(value: &T) -> Result<String, FfiError> {
    let body = serde_json::to_string(value)
        .map_err(|e| FfiError::new(MemcoreStatus::MEMCORE_ERR_INTERNAL, e.to_string()))?;
    let Some(fields) = body.strip_prefix('{') else {
        return Err(FfiError::new(
            MemcoreStatus::MEMCORE_ERR_INTERNAL,
            "a returned document must be a JSON object",
        ));
    };
    let separator = if fields == "}" { "" } else { "," };
    Ok(format!("{{\"v\":{MEMCORE_JSON_VERSION}{separator}{fields}"))
}

/// A list returned as `{"v":1, "<key>": [...]}`, its items' fields in declaration order.
pub(crate) fn list_document<T: Serialize>(key: &str, items: &[T]) -> Result<String, FfiError> {
    let internal =
        |e: serde_json::Error| FfiError::new(MemcoreStatus::MEMCORE_ERR_INTERNAL, e.to_string());
    let key = serde_json::to_string(key).map_err(internal)?;
    let items = serde_json::to_string(items).map_err(internal)?;
    Ok(format!("{{\"v\":{MEMCORE_JSON_VERSION},{key}:{items}}}"))
}

/// The records of a list of core values, for [`StringOut::set_list`].
pub(crate) fn records<C, R>(items: Vec<C>, convert: impl FnMut(C) -> R) -> Vec<R> {
    items.into_iter().map(convert).collect()
}

/// An out-pointer through which a library-owned string is returned. It is set to NULL as soon
/// as the wrapper is made, so the caller finds NULL there after any failure.
pub(crate) struct StringOut<'a>(Option<&'a mut *mut c_char>);

impl<'a> StringOut<'a> {
    /// A required out-pointer.
    ///
    /// # Safety
    ///
    /// `ptr` is NULL or valid for writing one pointer for `'a`.
    pub(crate) unsafe fn required(ptr: *mut *mut c_char, arg: &str) -> Result<Self, FfiError> {
        // SAFETY: forwarded from the caller.
        let out = unsafe { StringOut::optional(ptr) };
        if out.0.is_none() {
            return Err(FfiError::null(arg));
        }
        Ok(out)
    }

    /// An optional out-pointer: NULL means the caller does not want the value.
    ///
    /// # Safety
    ///
    /// As [`StringOut::required`].
    pub(crate) unsafe fn optional(ptr: *mut *mut c_char) -> Self {
        // SAFETY: the caller guarantees `ptr` is NULL or valid for writes for 'a.
        let slot = unsafe { ptr.as_mut() };
        StringOut(slot.map(|slot| {
            *slot = std::ptr::null_mut();
            slot
        }))
    }

    /// Hands `text` to the caller (as a string to free with `memcore_string_free`).
    pub(crate) fn set(self, text: String) -> Result<(), FfiError> {
        if let Some(slot) = self.0 {
            let text = CString::new(text).map_err(|_| {
                FfiError::new(
                    MemcoreStatus::MEMCORE_ERR_INTERNAL,
                    "a returned string contained a NUL byte",
                )
            })?;
            *slot = text.into_raw();
        }
        Ok(())
    }

    /// Hands `value` to the caller as a versioned JSON document.
    pub(crate) fn set_document<T: Serialize + ?Sized>(self, value: &T) -> Result<(), FfiError> {
        if self.0.is_none() {
            return Ok(());
        }
        self.set(to_document(value)?)
    }

    /// Hands a list to the caller as `{"v":1, "<key>": [...]}`.
    pub(crate) fn set_list<T: Serialize>(self, key: &str, items: &[T]) -> Result<(), FfiError> {
        if self.0.is_none() {
            return Ok(());
        }
        self.set(list_document(key, items)?)
    }

    /// Hands `Some(value)` to the caller as a document, and leaves NULL for `None`.
    pub(crate) fn set_optional_document<T: Serialize>(
        self,
        value: Option<&T>,
    ) -> Result<(), FfiError> {
        match value {
            Some(value) => self.set_document(value),
            None => Ok(()),
        }
    }
}

/// An out-pointer for a plain value (an id, a flag); NULL means the caller does not want it.
///
/// # Safety
///
/// `ptr` is NULL or valid for writing one `T` for `'a`.
pub(crate) unsafe fn value_out<'a, T: Default>(ptr: *mut T) -> Option<&'a mut T> {
    // SAFETY: the caller guarantees `ptr` is NULL or valid for writes for 'a.
    let slot = unsafe { ptr.as_mut() }?;
    *slot = T::default();
    Some(slot)
}

/// Frees a string returned by libmemcore (through a `char **out_...` argument or by
/// `memcore_string_new()`). NULL is accepted and ignored.
///
/// # Safety
///
/// `s` is NULL or a string that libmemcore returned and that has not been freed yet. Freeing
/// it twice, or freeing a string libmemcore did not allocate, is undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    no_unwind((), || {
        // SAFETY: the caller guarantees `s` came from `CString::into_raw` in this library and
        // was not freed before.
        drop(unsafe { CString::from_raw(s) });
    });
}

/// Copies a NUL-terminated string into memory owned by libmemcore and returns the copy.
///
/// A host callback uses it to hand a string back to the library (the answer of a
/// `MemcoreLlm.complete` callback): the library frees it. A string that is not handed over is
/// freed with `memcore_string_free()`.
///
/// Returns NULL when `s` is NULL. The bytes are copied as they are (they are checked as UTF-8
/// where the library reads them).
///
/// # Safety
///
/// `s` is NULL or points to a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_string_new(s: *const c_char) -> *mut c_char {
    if s.is_null() {
        return std::ptr::null_mut();
    }
    no_unwind(std::ptr::null_mut(), || {
        // SAFETY: not NULL, and the caller guarantees a NUL-terminated string.
        unsafe { CStr::from_ptr(s) }.to_owned().into_raw()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use memcore::NewSession;

    #[test]
    fn a_document_needs_version_one() {
        let ok: NewSession = parse_document(
            r#"{"v":1,"id":"s","project":"p","agent":"a"}"#,
            "session_json",
        )
        .unwrap();
        assert_eq!(ok.id, "s");
        let status = |text: &str| {
            parse_document::<NewSession>(text, "session_json")
                .unwrap_err()
                .status
        };
        use MemcoreStatus::*;
        assert_eq!(
            status(r#"{"v":2,"id":"s"}"#),
            MEMCORE_ERR_UNSUPPORTED_VERSION
        );
        assert_eq!(status(r#"{"v":"1"}"#), MEMCORE_ERR_UNSUPPORTED_VERSION);
        assert_eq!(status(r#"{"id":"s"}"#), MEMCORE_ERR_UNSUPPORTED_VERSION);
        assert_eq!(status(r#"{"v":1,"id":"s"}"#), MEMCORE_ERR_INVALID_ARGUMENT);
        assert_eq!(status("[1]"), MEMCORE_ERR_INVALID_JSON);
        assert_eq!(status("{\"v\":1,"), MEMCORE_ERR_INVALID_JSON);
    }

    #[test]
    fn a_returned_document_starts_with_its_version() {
        #[derive(Serialize)]
        struct Two {
            a: u8,
            b: &'static str,
        }
        #[derive(Serialize)]
        struct Empty {}
        assert_eq!(
            to_document(&Two { a: 1, b: "x" }).unwrap(),
            r#"{"v":1,"a":1,"b":"x"}"#
        );
        assert_eq!(to_document(&Empty {}).unwrap(), r#"{"v":1}"#);
        assert_eq!(
            list_document("ids", &[1, 2]).unwrap(),
            r#"{"v":1,"ids":[1,2]}"#
        );
        assert!(to_document(&[1]).is_err());
    }

    #[test]
    fn invalid_utf8_is_named() {
        let bytes = b"ab\xffc\0";
        // SAFETY: a NUL-terminated byte string literal.
        let err = unsafe { str_arg(bytes.as_ptr().cast(), "path") }.unwrap_err();
        assert_eq!(err.status, MemcoreStatus::MEMCORE_ERR_INVALID_UTF8);
        assert_eq!(
            err.message,
            "path is not valid UTF-8 (invalid byte at offset 2)"
        );
    }
}
