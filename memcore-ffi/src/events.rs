//! Recording events (one by one, or from a Claude Code transcript) and reading them back.

use crate::error::{FfiError, MemcoreStatus, ffi_call};
use crate::handle::MemcoreStore;
use crate::records::{Event, NewEvent, Recorded};
use crate::strings::{StringOut, json_arg, project_arg, records, str_arg, value_out};
use memcore::EventStatus;
use std::ffi::c_char;
use std::path::Path;

/// Which events `memcore_events()` returns. Passed as an `int32_t`: any other value fails with
/// `MEMCORE_ERR_INVALID_ARGUMENT`.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemcoreEventFilter {
    /// Every event.
    MEMCORE_EVENTS_ALL = 0,
    /// Events waiting for extraction.
    MEMCORE_EVENTS_PENDING = 1,
    /// Events distilled into observations.
    MEMCORE_EVENTS_EXTRACTED = 2,
    /// Events deliberately not extracted.
    MEMCORE_EVENTS_SKIPPED = 3,
    /// Events whose extraction failed too many times.
    MEMCORE_EVENTS_FAILED = 4,
}

/// The status filter of an `int32_t` event filter from C.
fn event_filter(value: i32) -> Result<Option<EventStatus>, FfiError> {
    use MemcoreEventFilter::*;
    Ok(match value {
        v if v == MEMCORE_EVENTS_ALL as i32 => None,
        v if v == MEMCORE_EVENTS_PENDING as i32 => Some(EventStatus::Pending),
        v if v == MEMCORE_EVENTS_EXTRACTED as i32 => Some(EventStatus::Extracted),
        v if v == MEMCORE_EVENTS_SKIPPED as i32 => Some(EventStatus::Skipped),
        v if v == MEMCORE_EVENTS_FAILED as i32 => Some(EventStatus::Failed),
        other => {
            return Err(FfiError::invalid(format!(
                "status filter {other} is not a MemcoreEventFilter (0 to 4)"
            )));
        }
    })
}

/// Records an event of a started session: redacted (private spans and secrets), oversized
/// tool output elided, and committed before the call returns.
///
/// `event_json` is an event document, for example `{"v":1, "session_id": "s1", "payload":
/// {"type": "tool_use", "tool_name": "Edit", "input": {...}, "output": "...",
/// "tool_use_id": "tu_1"}}`. Recording the same idempotency key (`external_id`, else the
/// tool-use id) twice in a session stores one event.
///
/// When not NULL, `*out_event_id` receives the event's id (the existing one for a repeated
/// key) and `*out_inserted` whether a new event was stored; both are 0/false on failure.
///
/// Fails with `MEMCORE_ERR_NULL_POINTER` (NULL `store` or `event_json`),
/// `MEMCORE_ERR_INVALID_UTF8`, `MEMCORE_ERR_INVALID_JSON`, `MEMCORE_ERR_UNSUPPORTED_VERSION`,
/// `MEMCORE_ERR_INVALID_ARGUMENT` (a missing field, an unknown payload type),
/// `MEMCORE_ERR_NOT_FOUND` (a session that was not started), or a store error.
///
/// # Safety
///
/// `store` is NULL or a live handle; `event_json` is NULL or NUL-terminated; `out_event_id`
/// and `out_inserted` are NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_event_record(
    store: *const MemcoreStore,
    event_json: *const c_char,
    out_event_id: *mut i64,
    out_inserted: *mut bool,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees NULL or writable out-pointers.
        let (out_id, out_inserted) = unsafe { (value_out(out_event_id), value_out(out_inserted)) };
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let event: NewEvent = unsafe { json_arg(event_json, "event_json") }?;
        let event = memcore::NewEvent::try_from(event)?;
        let recorded = Recorded::from(store.lock()?.memory.record_event(event)?);
        if let Some(out) = out_id {
            *out = recorded.id;
        }
        if let Some(out) = out_inserted {
            *out = recorded.inserted;
        }
        Ok(())
    })
}

/// The events of a session in the order they happened, all of them or those of one status
/// (`status` is a `MemcoreEventFilter`).
///
/// Sets `*out_events_json` to `{"v":1, "events": [...]}`; free it with
/// `memcore_string_free()`. An unknown session gives an empty list. NULL `store`,
/// `session_id` or `out_events_json`: `MEMCORE_ERR_NULL_POINTER`; an unknown `status`:
/// `MEMCORE_ERR_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `session_id` is NULL or NUL-terminated;
/// `out_events_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_events(
    store: *const MemcoreStore,
    session_id: *const c_char,
    status: i32,
    out_events_json: *mut *mut c_char,
) -> MemcoreStatus {
    ffi_call(|| {
        // SAFETY: the caller guarantees a NULL or writable out-pointer.
        let out = unsafe { StringOut::required(out_events_json, "out_events_json") }?;
        // SAFETY: the caller guarantees a NULL or live handle.
        let store = unsafe { MemcoreStore::from_ptr(store) }?;
        // SAFETY: the caller guarantees a NULL or NUL-terminated string.
        let session_id = unsafe { str_arg(session_id, "session_id") }?;
        let status = event_filter(status)?;
        let events = store.lock()?.memory.events(session_id, status)?;
        out.set_list("events", &records(events, Event::from))
    })
}

/// Imports a Claude Code session transcript (`~/.claude/projects/<p>/<session>.jsonl`) as
/// one session whose events are recorded as a live host's would be (redacted, bounded,
/// idempotent): importing it again adds nothing, a longer version adds only the new events.
///
/// `project` is NULL to resolve the project from the transcript's working directory. When
/// `out_report_json` is not NULL it receives (to free with `memcore_string_free()`) `{"v":1,
/// "session_id", "project", "events", "added", "skipped": {kind: count}, "bad_lines": [[line,
/// reason], ...]}`.
///
/// Fails with `MEMCORE_ERR_IO` when the file cannot be read, `MEMCORE_ERR_NULL_POINTER` for a
/// NULL `store` or `path`, `MEMCORE_ERR_INVALID_ARGUMENT` for an empty `project`.
///
/// # Safety
///
/// `store` is NULL or a live handle; `path` and `project` are NULL or NUL-terminated;
/// `out_report_json` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcore_import_transcript(
    store: *const MemcoreStore,
    path: *const c_char,
    project: *const c_char,
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
        let project = unsafe { project_arg(project, "project") }?;
        let report = store
            .lock()?
            .memory
            .import_transcript(Path::new(path), project)?;
        out.set_document(&report)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_filter_constant_is_accepted_and_others_are_not() {
        assert_eq!(event_filter(0).unwrap(), None);
        assert_eq!(event_filter(4).unwrap(), Some(EventStatus::Failed));
        for bad in [-1, 5, i32::MAX, i32::MIN] {
            assert_eq!(
                event_filter(bad).unwrap_err().status,
                MemcoreStatus::MEMCORE_ERR_INVALID_ARGUMENT
            );
        }
    }
}
