//! Open data: export, import, backup, claude-mem import and retention.
//!
//! Memory kept for months must never be hostage to one program or one file. This module gives
//! it four ways out and one way in from claude-mem, and lets a user bound how much is kept.
//!
//! - [`export_jsonl`](crate::Memory::export_jsonl): versioned JSON Lines, a header line then
//!   one record per line, filtered by project and date;
//! - [`import_jsonl`](crate::Memory::import_jsonl): merges such a file into a store;
//!   idempotent, all or nothing;
//! - [`export_markdown`](crate::Memory::export_markdown): one readable file per project;
//! - [`backup_to`](crate::Memory::backup_to): a consistent copy, taken while others write;
//! - [`import_claude_mem`](crate::Memory::import_claude_mem): a claude-mem database's
//!   sessions, observations, summaries and prompts ([`claude_mem`]);
//! - [`prune`](crate::Memory::prune) and [`pin`](crate::Memory::pin): retention by a policy
//!   the user set, never touching pinned observations.
//!
//! # The JSONL format (format version 2)
//!
//! UTF-8, one JSON object per line. Line 1 is the header, the last line the `end` record:
//!
//! ```json
//! {"format":"memcore-export","format_version":2,"schema_version":2,
//!  "exported_at":"2026-11-20T10:00:00Z","project":null,"since":null,"until":null,
//!  "include_events":false}
//! ```
//!
//! `format_version` is the version of the record shapes below; `schema_version` is the schema
//! of the store that wrote the file (for information). An importer refuses a `format_version`
//! newer than [`EXPORT_FORMAT_VERSION`] and names the versions in its error. `project`,
//! `since`, `until` and `include_events` say which filter made the file.
//!
//! Every other line is a record with a `type`. Times are RFC 3339 in UTC, with milliseconds.
//! Records carry no row ids (they mean nothing in another store): a session is named by the
//! host's session id, an event by its session and its key, an observation by its project and
//! content hash.
//!
//! - `project`: `name`, `created_at`.
//! - `session`: `id`, `project`, `agent`, `started_at`, `ended_at` (or null), `status`
//!   (`active`, `ended`).
//! - `prompt`: a user prompt: `session_id`, `external_id` (the host's key, or null), `text`,
//!   `occurred_at`, `recorded_at`, `status` (`pending`, `extracted`, `skipped`, `failed`),
//!   `attempts`, `last_error`. Always exported: prompts are the user's own words.
//! - `event`: any other event (tool use, assistant message, note), only when
//!   [`ExportOptions::include_events`] is set: the same fields as a prompt, with `payload` (the
//!   [`crate::EventPayload`] as JSON, tagged by its own `type`) instead of `text`.
//! - `observation`: the fields of [`crate::Observation`] as its serde form writes them, in the
//!   order it declares them, less those that name rows of the store holding it (`id`,
//!   `source_event_ids`, `supersedes`, `superseded_by`; the one list is
//!   `format::LOCAL_OBSERVATION_FIELDS`); today `project`, `session_id`, `kind`, `title`,
//!   `subtitle`, `narrative`, `facts`, `context`, `concepts`, `files_read`,
//!   `files_modified`, `created_at`, `importance`, `content_hash`, `token_count`, `pinned`.
//!   Then `supersedes` (the observation it replaces as `{"project", "content_hash"}`, or null)
//!   and `sources`: the events it came from, each as `{"session_id", "external_id"}`, or, for
//!   an event without a key, `{"session_id", "content_key"}` where the content key is the
//!   first 32 hex digits of SHA-256 over the event's type, payload JSON and time in
//!   milliseconds (NUL-separated). A field added to `Observation` is exported and imported
//!   with no change here (an import reads the fields as a [`crate::NewObservation`]; files
//!   without the field give it its default), so the format version is not raised for it.
//!   `project`, `kind`, `title` and `created_at` are required; `content_hash` and
//!   `token_count` are computed again on import (the file's hash still names the
//!   observation for other records' `supersedes`).
//! - `summary`: `session_id`, `project`, `request`, `investigated`, `learned`, `completed`,
//!   `next_steps`, `notes`, `created_at`.
//! - `ledger`: one extraction call: `session_id`, `project`, `purpose`, `model`,
//!   `prompt_tokens`, `completion_tokens`, `events` (references as in `sources`), `outcome`,
//!   `detail`, `observations`, `created_at`.
//! - `end`: the last line, `records`: how many records of each type the export wrote before
//!   it (`{"projects", "sessions", "prompts", "events", "observations", "summaries",
//!   "ledger"}`), so that a file cut short at a line boundary is told from a whole one.
//!
//! Records come in that order (projects, sessions, prompts, events, observations, summaries,
//! ledger, end), each kind in the order it was stored, so a store rebuilt from an export
//! exports the same records again. Unknown fields are ignored; an unknown `type` is an error.
//!
//! Format 2 added the `end` record. Format 1 files (no `end` record, otherwise the same) are
//! still imported, with a warning that their completeness cannot be checked.
//!
//! # Import
//!
//! [`Memory::import_jsonl`](crate::Memory::import_jsonl) reads the whole file first and
//! refuses it, naming the line, if any record is malformed; then it applies every record in
//! one IMMEDIATE transaction: all or nothing. Records already in the store are skipped, so
//! importing a file twice, or into the store that wrote it, adds nothing:
//!
//! - projects and sessions by name and id (an existing session is kept as it is);
//! - events and prompts by session and key, or, without a key, by session, type, payload and
//!   time (two keyless events identical in all four are one event);
//! - observations by project and content hash (as
//!   [`Memory::add_observation`](crate::Memory::add_observation) does); an imported pinned
//!   observation pins the existing one;
//! - summaries by session, time and content; ledger rows by every field.
//!
//! The `end` record is checked against the records read: when it is missing (a file cut
//! short, or format 1) or its counts disagree, the file is still imported and the finding is
//! in [`ImportReport::warnings`] (`memcore import` prints it). A second `end` record is an
//! error.
//!
//! Text goes through the store's redaction on the way in, exactly as if the host had recorded
//! it; observations get their vectors from the configured embedder. References to events or
//! observations neither in the file nor in the store are counted in
//! [`ImportReport::unresolved_references`]. An observation keeps such sources as references
//! (an export without `include_events` names events it does not carry): the store exports
//! them again as they came, and a later import that brings the events links them, so
//! provenance survives export, import and export. Ledger event links and `supersedes` that do
//! not resolve are dropped. A record whose session is neither in the file nor in the store is
//! an error.
//!
//! # Backup and restore
//!
//! [`Memory::backup_to`](crate::Memory::backup_to) copies the store with SQLite's online
//! backup API while other processes keep writing. The store is in WAL mode, where readers
//! never block writers, so the copy reads every page in one step, inside one read
//! transaction: it is the store exactly as it was at one commit, and writers carry on.
//! (Copying in small steps would not help writers in WAL mode, and SQLite would restart the
//! copy each time another process commits.) The copy is checked with `integrity_check`
//! before it is moved into place.
//! To restore, stop every program that uses the store, then replace the store file with the
//! backup and delete the store's `-wal` and `-shm` files if they exist:
//!
//! ```sh
//! cp memory-backup.db ~/.local/share/memcore/memory.db
//! rm -f ~/.local/share/memcore/memory.db-wal ~/.local/share/memcore/memory.db-shm
//! ```
//!
//! Or keep the current store and merge the backup's content into it:
//! `Memory::open(backup)?.export_jsonl(..)` then `import_jsonl` into the store.
//!
//! # Retention
//!
//! Nothing is ever removed unless the host calls [`Memory::prune`](crate::Memory::prune) with
//! a [`RetentionPolicy`] the user configured; the default policy removes nothing. A dry run
//! lists what would go. Pinned observations ([`Memory::pin`](crate::Memory::pin)) are never
//! removed.

mod backup;
pub mod claude_mem;
mod export;
mod format;
mod import;
mod markdown;
mod retention;

pub use backup::BackupReport;
pub use claude_mem::{ClaudeMemImport, TableImport};
pub use format::EXPORT_FORMAT_VERSION;
pub use import::ImportReport;
pub use markdown::MarkdownExport;
pub(crate) use retention::Retention;
pub use retention::{PruneReason, PruneReport, PrunedObservation, RetentionPolicy};

use crate::state::State;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Export, import, backup and the claude-mem import over a store's [`State`] (one `impl` per
/// file of this module).
pub(crate) struct Portable<'a> {
    state: &'a State,
}

impl<'a> Portable<'a> {
    /// Portability over `state`.
    pub(crate) fn new(state: &'a State) -> Self {
        Portable { state }
    }
}

/// What [`Memory::export_jsonl`](crate::Memory::export_jsonl) and
/// [`Memory::export_markdown`](crate::Memory::export_markdown) include.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExportOptions {
    /// Only this project (every project when `None`). Sessions of other projects that an
    /// exported record belongs to are included too, so the file imports on its own.
    pub project: Option<String>,
    /// Only records from this time on (observations and summaries by creation, events by
    /// occurrence, sessions by start).
    #[serde(with = "time::serde::rfc3339::option")]
    pub since: Option<OffsetDateTime>,
    /// Only records from before this time.
    #[serde(with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    /// Include raw events (tool uses, assistant messages, notes). User prompts are always
    /// included. Off by default: raw events are most of a store's size.
    pub include_events: bool,
}

/// Record counts by type, as exported, added or skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts {
    /// Project records.
    pub projects: u64,
    /// Session records.
    pub sessions: u64,
    /// User prompt records.
    pub prompts: u64,
    /// Other event records.
    pub events: u64,
    /// Observation records.
    pub observations: u64,
    /// Summary records.
    pub summaries: u64,
    /// Extraction ledger records.
    pub ledger: u64,
}

impl RecordCounts {
    /// All records counted.
    pub fn total(&self) -> u64 {
        self.projects
            + self.sessions
            + self.prompts
            + self.events
            + self.observations
            + self.summaries
            + self.ledger
    }
}

/// What [`Memory::export_jsonl`](crate::Memory::export_jsonl) wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportReport {
    /// Records written, by type (the header line and the `end` record are not counted).
    pub records: RecordCounts,
    /// Bytes written, header included.
    pub bytes: u64,
}
