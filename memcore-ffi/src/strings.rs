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
/// The shapes, field by field. Each field is listed with its JSON type and meaning; `"key"?`
/// marks a key that a record passed in may omit (its default applies), and `or null` a value
/// that may be null. A record passed or returned on its own is a document and also has
/// `"v":1`; inside another document (a list, a report) it has no `"v"`. Each is the serde form
/// of a record of `memcore-ffi` (its `records` module), the same records the Python and Swift
/// bindings use and the Node package's types are generated from.
///
/// - lists out: `{"v":1, "sessions": [sessions]}`, `{"v":1, "events": [events]}`,
///   `{"v":1, "observations": [observations]}`, `{"v":1, "projects": [strings]}`,
///   `{"v":1, "findings": [strings]}`, `{"v":1, "entries": [ledger entries]}`,
///   `{"v":1, "hits": [search hits]}`
/// - config in (`memcore_open`): `{"v":1, "busy_timeout_ms"?, "max_tool_output_bytes"?,
///   "redaction"?, "extraction"?, "recall"?}`, each section as memcore's Rust `Config`
/// - LLM answer (from a `MemcoreLlm` callback): `{"v":1, "text", "usage"? {usage}}`
/// - mode in / out (`memcore_set_mode`, `memcore_mode`): `{"v":1, "name", "description"?,
///   "kinds": [{"name", "label", "description"}], "concepts"? [{"name", "description"}],
///   "fallback_kind", "prompts": {"observation_system", "summary_system",
///   "observation_header", "observation_footer", "summary_header", "summary_footer"}}`;
///   unknown fields are rejected here
/// - search in: `{"v":1, "query", "scope" ({"project": name} or "all"; required: memcore
///   does not guess a project from the working directory), "filter"? {"kinds", "files",
///   "concepts", "session_id", "since", "until"}, "files"?, "mode"?
///   ("fused"|"lexical"|"vector"), "limit"? (10), "offset"?, "now"?}`
/// - context in: `{"v":1, "purpose"? ("session_start"|"prompt"), "scope" (required, as in
///   a search), "query"?, "budget"? (tokens), "files"?, "now"?}`
/// - timeline in: `{"v":1, "anchor": {"observation": id} or {"time": timestamp},
///   "before", "after", "scope"? (required around a time; around an observation absent
///   means its project)}`
/// - the reports of the Markdown export, the transcript import and the claude-mem import
///   are documented at their functions
///
/// The records (generated from `memcore-ffi/src/records/` by `scripts/test-c.sh --update`):
///
/// <!-- records: generated from memcore-ffi/src/records; do not edit -->
/// - session in (`memcore_session_start`): A session to start (uniffi builds it from the arguments
///   of `Memory.start_session`).
///   - `"id"` (string): The host's session id.
///   - `"project"` (string): The project it belongs to (in the Node package: the working
///     directory's project, `resolveProject()`, when absent).
///   - `"agent"` (string): The agent that runs it.
///   - `"started_at"`? (timestamp or null): When it started; now when absent.
/// - session out: A stored session.
///   - `"id"` (string): The host's session id.
///   - `"project"` (string): The project it belongs to.
///   - `"agent"` (string): The agent that ran it (`claude-code`, a framework's name...).
///   - `"started_at"` (string): When it started.
///   - `"ended_at"` (string or null): When it ended, if it has.
///   - `"status"` ("active"|"ended"): Active or ended.
/// - event payload (in events in and out): What happened in a session. In JSON an object with
///   `"type"`: `user_prompt`, `tool_use`, `assistant_message` or `note`.
///   - with `"type": "user_prompt"`:
///     - `"text"` (string): The prompt's text.
///   - with `"type": "tool_use"`:
///     - `"tool_name"` (string): The tool's name (`Edit`, `Bash`, `Read`...).
///     - `"input"`? (any JSON): The tool's input: any JSON (`{"file_path": "src/cart.py"}`), stored
///       as given. JSON text for uniffi (empty for none); the JSON value itself, field `"input"`,
///       in a C document and in the Node package (which leaves its keys as they are).
///     - `"output"`? (string or null): What the tool returned, if it succeeded.
///     - `"error"`? (string or null): The error, if it failed.
///     - `"tool_use_id"`? (string or null): The host's id for this call; the idempotency key when
///       present.
///   - with `"type": "assistant_message"`:
///     - `"text"` (string): The message's text.
///   - with `"type": "note"`:
///     - `"text"` (string): The note's text.
/// - event in (`memcore_event_record`): An event to record.
///   - `"session_id"` (string): The session it belongs to (must have been started).
///   - `"payload"` ({event payload}): What happened.
///   - `"external_id"`? (string or null): The host's idempotency key: recording the same key twice
///     in a session stores one event. Defaults to the tool-use id of a tool call.
///   - `"occurred_at"`? (timestamp or null): When it happened; now when absent.
/// - event out: A stored event (its text already redacted).
///   - `"id"` (number): The event's id.
///   - `"session_id"` (string): Its session.
///   - `"project"` (string): Its session's project.
///   - `"payload"` ({event payload}): What happened.
///   - `"external_id"` (string or null): The host's idempotency key, if any.
///   - `"occurred_at"` (string): When it happened.
///   - `"status"` ("pending"|"extracted"|"skipped"|"failed"): Extraction status.
///   - `"attempts"` (number): How many extraction attempts have failed.
/// - observation in (`memcore_observation_add`): An observation to store (what an extractor or the
///   host itself produces). Only `title` is required.
///   - `"title"` (string): A short title (required, non-empty).
///   - `"project"`? (string or null): The project it belongs to; the session's project when absent
///     and a session is given.
///   - `"session_id"`? (string or null): The session it came from, if any.
///   - `"kind"`? (string or null): Its kind (`bugfix`, `feature`, `refactor`, `change`,
///     `discovery`, `decision` or a mode's own); the mode's fallback kind when absent.
///   - `"subtitle"`? (string): One sentence that expands the title.
///   - `"narrative"`? (string): What was done, how it works, why it matters.
///   - `"facts"`? ([string]): Self-contained factual statements.
///   - `"context"`? (string): Text that situates the observation (the prompt that started the
///     work): searched at a lower weight, not rendered in context.
///   - `"concepts"`? ([string]): Knowledge-type tags (`how-it-works`, `gotcha`...).
///   - `"files_read"`? ([string]): Files read, as paths from the project root.
///   - `"files_modified"`? ([string]): Files modified, as paths from the project root.
///   - `"source_event_ids"`? ([number]): The events it was distilled from (provenance).
///   - `"importance"`? (number or null): Importance in `0.0..=1.0`; 0.5 when absent.
///   - `"supersedes"`? (number or null): An older observation this one replaces.
///   - `"created_at"`? (timestamp or null): When it was made; now when absent.
/// - observation out: A stored observation.
///   - `"id"` (number): Its id.
///   - `"project"` (string): Its project.
///   - `"session_id"` (string or null): The session it came from, if any.
///   - `"kind"` (string): Its kind (`bugfix`, `feature`, ... or a mode's own).
///   - `"title"` (string): Short title.
///   - `"subtitle"` (string): One sentence that expands the title.
///   - `"narrative"` (string): What was done, how it works, why it matters.
///   - `"facts"` ([string]): Self-contained factual statements.
///   - `"context"` (string): Text that situates the observation.
///   - `"concepts"` ([string]): Knowledge-type tags.
///   - `"files_read"` ([string]): Files read.
///   - `"files_modified"` ([string]): Files modified.
///   - `"source_event_ids"` ([number]): The events it was distilled from.
///   - `"created_at"` (string): When it was made.
///   - `"importance"` (number): Importance in `0.0..=1.0`.
///   - `"content_hash"` (string): Hex SHA-256 of its normalised content; unique per project.
///   - `"token_count"` (number): Its size in tokens by memcore's estimator.
///   - `"supersedes"` (number or null): The older observation it replaces, if any.
///   - `"superseded_by"` (number or null): The newer observation that replaces this one, if any.
///   - `"pinned"` (boolean): Pinned observations are never pruned by retention.
/// - summary in (`memcore_summary_add`): A session summary to store. Every field is optional text.
///   - `"request"`? (string): What the user asked for.
///   - `"investigated"`? (string): What was looked into.
///   - `"learned"`? (string): What was learned.
///   - `"completed"`? (string): What was done.
///   - `"next_steps"`? (string): Where the work was heading.
///   - `"notes"`? (string): Anything else worth keeping.
/// - summary out: A stored session summary.
///   - `"id"` (number): Its id.
///   - `"session_id"` (string): The session it summarises.
///   - `"project"` (string): The session's project.
///   - `"request"` (string): What the user asked for.
///   - `"investigated"` (string): What was looked into.
///   - `"learned"` (string): What was learned.
///   - `"completed"` (string): What was done.
///   - `"next_steps"` (string): Where the work was heading.
///   - `"notes"` (string): Anything else worth keeping.
///   - `"created_at"` (string): When it was written.
/// - extraction request out / in: One bounded prompt for the host's LLM, with the events it covers.
///   Pass it back unchanged to complete or fail it.
///   - `"session_id"` (string): The session the events belong to.
///   - `"project"` (string): The session's project.
///   - `"purpose"` ("observations"|"summary"): Observations or summary.
///   - `"system_prompt"` (string): The system prompt; the same for every request of a purpose and
///     mode, so providers can cache it.
///   - `"user_prompt"` (string): The user prompt: the project, the rendered events, a reminder of
///     the output format.
///   - `"format"` ("observations_json"|"summary_json"): The reply format expected.
///   - `"max_output_tokens"` (number): The most the LLM should write in reply, in tokens.
///   - `"event_ids"` ([number]): Every event the request covers, in order.
///   - `"input_tokens"` (number): The estimated cost of the system prompt plus the user prompt, in
///     tokens.
///   - `"truncated_event_ids"` ([number]): Events the LLM sees only in part (cut to fit) or not at
///     all.
///   - `"claim"` (string): The claim that holds the events for this extractor (empty for
///     summaries).
/// - usage in: What the host's model reports about one call. Token counts the host does not know
///   are estimated by memcore.
///   - `"model"`? (string): The model's name as the host knows it (`claude-haiku-4-5`,
///     `gpt-4o-mini`...).
///   - `"prompt_tokens"`? (number or null): Input tokens billed.
///   - `"completion_tokens"`? (number or null): Output tokens billed.
/// - parse issue out (in reports): An item of an LLM answer that was skipped or changed, with the
///   reason.
///   - `"item"` (number or null): The item's 0-based position in the answer, or `None` for the
///     answer as a whole.
///   - `"reason"` (string): What was wrong, in words meant for a log.
/// - completion report out: The result of completing one request.
///   - `"stored"` ([number]): Ids of the observations stored.
///   - `"duplicates"` ([number]): Ids of existing observations the answer repeated (nothing stored
///     for them).
///   - `"issues"` ([{parse issue out}]): Items of the answer that were skipped or changed.
///   - `"events_extracted"` (number): How many events were marked extracted.
/// - failure report out: The result of reporting a failed request.
///   - `"events_failed"` (number): Events that reached the attempt limit and are now marked failed.
///   - `"events_pending"` (number): Events that stay pending for another attempt.
/// - extraction run out: Totals of one extraction run.
///   - `"requests"` (number): Requests (or heuristic batches) processed.
///   - `"observations_stored"` (number): Observations stored.
///   - `"duplicates"` (number): Observations the extractor produced that already existed.
///   - `"events_extracted"` (number): Events marked extracted.
///   - `"failures"` (number): Requests that failed (their events stay pending, or are failed at the
///     attempt limit).
///   - `"events_failed"` (number): Events marked failed at the attempt limit during this run.
///   - `"issues"` ([{parse issue out}]): Issues the parser reported.
///   - `"prompt_tokens"` (number): Input tokens spent.
///   - `"completion_tokens"` (number): Output tokens spent.
/// - ledger entry out: One row of the extraction ledger: what an LLM call (or a heuristic batch)
///   cost and produced.
///   - `"id"` (number): The row's id.
///   - `"session_id"` (string or null): The session extracted, if the request was per session.
///   - `"project"` (string): The project.
///   - `"purpose"` (string): `observations` or `summary`.
///   - `"model"` (string): The model name the host reported (`heuristic` for the rule-based
///     extractor).
///   - `"prompt_tokens"` (number): Input tokens (reported or estimated).
///   - `"completion_tokens"` (number): Output tokens (reported or estimated).
///   - `"event_ids"` ([number]): The events covered.
///   - `"outcome"` (string): `completed`, `failed` or `gave_up`.
///   - `"detail"` (string or null): Parse issues or the failure reason.
///   - `"observations"` (number): Observations stored by this call.
///   - `"created_at"` (string): When it happened.
/// - score parts out: Why a hit ranks where it does: the score is the product of `relevance`,
///   `recency`, `kind_weight`, `importance`, `file_match`, `superseded` and `diversity`.
///   - `"text_rank"` (number): BM25 of the hit over the best BM25 among the candidates, times the
///     query's text confidence in fused search (`0..=1`; `memcore::ScoreParts::text_rank` gives the
///     formula).
///   - `"bm25"` (number or null): FTS5's BM25 score (higher is better); `None` when full text did
///     not find it.
///   - `"vector_similarity"` (number or null): Cosine similarity with the query's vector; `None`
///     without vectors.
///   - `"relevance"` (number): The fused relevance.
///   - `"recency"` (number): Recency factor.
///   - `"kind_weight"` (number): The weight of the hit's kind.
///   - `"importance"` (number): Importance factor.
///   - `"file_match"` (number): Boost when the hit touched a file the request names, else 1.
///   - `"superseded"` (number): Penalty when a newer observation supersedes the hit, else 1.
///   - `"diversity"` (number): Penalty when a better-ranked hit says nearly the same, else 1.
/// - search hit out: One search result.
///   - `"id"` (number): The observation's id.
///   - `"score"` (number): The final score (higher is better).
///   - `"parts"` ({score parts out}): What the score is made of.
///   - `"observation"` ({observation out}): The observation.
/// - context out: A rendered context: markdown ready to inject into the model's context.
///   - `"text"` (string): The markdown; empty when nothing was worth saying.
///   - `"observation_ids"` ([number]): Every observation the text mentions, in the order listed.
///   - `"detailed_ids"` ([number]): The observations rendered in full (a prefix of the best ones).
///   - `"record_ids"` ([number]): Every conversation record (event) the text mentions (prompt
///     contexts only), in the order listed.
///   - `"detailed_record_ids"` ([number]): The conversation records rendered in full.
///   - `"open_item_ids"` ([number]): The open items listed first (session start): what the last
///     sessions left unfinished or named as next.
///   - `"summary_id"` (number or null): The session summary included, if any.
///   - `"tokens"` (number): The text's cost in tokens by memcore's estimator; never above the
///     budget.
///   - `"budget"` (number): The budget the text was held to.
/// - timeline item (in timeline entries): One entry of a timeline. In JSON the entry's fields with
///   `"type"`: `observation` or `prompt`.
///   - with `"type": "observation"`: the fields of {observation out}
///   - with `"type": "prompt"`: the fields of {event out}
/// - timeline entry out: A timeline entry with its time.
///   - `"at"` (string): When it happened.
///   - `"item"` ({timeline item}): What it is.
/// - timeline out: Observations and user prompts in time order around an anchor.
///   - `"entries"` ([{timeline entry out}]): Oldest first.
///   - `"anchor_index"` (number): The index in `entries` of the anchor observation, or for a time
///     anchor of the first entry at or after it (`len(entries)` when there is none).
/// - stats out: Store statistics.
///   - `"observations_by_kind"` ({string: number}): Observations per kind name.
///   - `"observations"` (number): All observations in scope.
///   - `"sessions"` (number): Sessions in scope.
///   - `"summaries"` (number): Summaries in scope.
///   - `"events"` (number): Events in scope.
///   - `"pending_events"` (number): Events waiting for extraction.
///   - `"failed_events"` (number): Events whose extraction failed too many times.
///   - `"file_size_bytes"` (number): Size of the database file (with its write-ahead log) in bytes;
///     the whole store, whatever the scope.
///   - `"schema_version"` (number): The store's schema version.
/// - export options in: What an export includes.
///   - `"project"`? (string or null): Only this project (every project when `None`).
///   - `"since"`? (timestamp or null): Only records from this time on.
///   - `"until"`? (timestamp or null): Only records from before this time.
///   - `"include_events"`? (boolean): Include raw events (tool uses, assistant messages, notes);
///     user prompts are always included.
/// - record counts out (in reports): Record counts by type.
///   - `"projects"` (number): Project records.
///   - `"sessions"` (number): Session records.
///   - `"prompts"` (number): User prompt records.
///   - `"events"` (number): Other event records.
///   - `"observations"` (number): Observation records.
///   - `"summaries"` (number): Summary records.
///   - `"ledger"` (number): Extraction ledger records.
/// - export report out: What an export wrote.
///   - `"records"` ({record counts out}): Records written, by type.
///   - `"bytes"` (number): Bytes written, header included.
/// - import report out: What an import did.
///   - `"format_version"` (number): The file's format version.
///   - `"schema_version"` (number): The schema version of the store that wrote the file.
///   - `"lines"` (number): Lines read.
///   - `"added"` ({record counts out}): Records stored, by type.
///   - `"skipped"` ({record counts out}): Records already in the store (or twice in the file), by
///     type.
///   - `"unresolved_references"` (number): Links whose target is neither in the file nor in the
///     store; left out.
///   - `"warnings"` ([string]): What the import noticed about the file without refusing it (a file
///     cut short, counts that disagree with its `end` record); empty for a whole export.
/// - backup report out: What a backup wrote.
///   - `"path"` (string): The backup file.
///   - `"bytes"` (number): Its size in bytes.
///   - `"pages"` (number): Database pages copied.
/// - retention policy in: A retention policy: every limit is optional. Pinned observations are
///   never removed; events only once their extraction is over.
///   - `"max_age_days"`? (number or null): Remove unpinned observations, and finished events, older
///     than this many days.
///   - `"max_observations_per_project"`? (number or null): Keep at most this many unpinned
///     observations per project (the newest).
///   - `"max_file_bytes"`? (number or null): Remove the oldest rows until the store's estimated
///     size fits in this many bytes.
/// - pruned observation out (in prune reports): An observation a prune removed (or, in a dry run,
///   would remove).
///   - `"id"` (number): Its id.
///   - `"project"` (string): Its project.
///   - `"kind"` (string): Its kind.
///   - `"title"` (string): Its title.
///   - `"created_at"` (string): When it was created.
///   - `"reason"` ("age"|"project_limit"|"file_size"): Why it goes.
/// - prune report out: What a prune removed, or in a dry run would remove.
///   - `"dry_run"` (boolean): True when nothing was removed: the report says what would go.
///   - `"observations"` ([{pruned observation out}]): The observations, oldest first.
///   - `"events"` (number): Number of events removed.
///   - `"events_by_project"` ({string: number}): Removed events per project.
///   - `"estimated_bytes"` (number): Estimated bytes the removed rows took.
///   - `"size_limit_met"` (boolean): With a file-size limit: whether removing every candidate meets
///     it.
///   - `"space_reclaimed"` (boolean): False when the removal was committed but giving the space
///     back failed (another process kept the store busy): a later prune gives it back. True in a
///     dry run.
///   - `"file_size_before"` (number): The store's size before.
///   - `"file_size_after"` (number): The store's size after.
/// <!-- end of records -->
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
