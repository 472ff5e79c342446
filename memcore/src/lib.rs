//! # memcore
//!
//! Persistent memory for AI agents, as an embeddable library.
//!
//! An agent host (Claude Code through its hooks, a Python or Node agent, a C program) reports
//! what happens in a session: the user's prompts, every tool call with its input and result,
//! the assistant's messages. memcore keeps those **events** durable in one local SQLite file,
//! distils them into typed **observations** (with the host's own LLM, through prompt
//! templates memcore owns, or with no LLM at all by deterministic rules), writes a
//! **summary** when a session ends, and, when the next session starts, **recalls** what
//! matters within a token budget.
//!
//! The core is in-process and pure: no daemon, no network, no threads, no global state. The
//! LLM and the embedder are the host's, behind traits ([`extract::LlmClient`],
//! [`recall::embed::Embedder`]); everything works without either.
//!
//! ```
//! use memcore::extract::Extractor;
//! use memcore::{EventPayload, Memory, NewEvent, NewSession, Scope};
//!
//! # fn main() -> memcore::Result<()> {
//! # let dir = tempfile::tempdir().unwrap();
//! let mem = Memory::open(dir.path().join("memory.db"))?;
//! mem.start_session(NewSession::new("s1", "webshop", "my-agent"))?;
//! mem.record_event(NewEvent::new("s1", EventPayload::UserPrompt {
//!     text: "Fix the coupon total in the cart".into(),
//! }))?;
//! mem.record_event(NewEvent::new("s1", EventPayload::ToolUse {
//!     tool_name: "Edit".into(),
//!     input: serde_json::json!({"file_path": "src/cart.rs",
//!                               "old_string": "total - coupon - coupon",
//!                               "new_string": "total - coupon"}),
//!     output: Some("The file src/cart.rs has been updated.".into()),
//!     error: None,
//!     tool_use_id: Some("toolu_01".into()),
//! }))?;
//! // Distil the session with the built-in heuristic extractor (no LLM, no cost).
//! mem.run_extraction(Extractor::Heuristic, None)?;
//! mem.end_session("s1")?;
//!
//! let memories = mem.recent(&Scope::Project("webshop".into()), 10)?;
//! assert!(memories[0].files_modified.contains(&"src/cart.rs".to_string()));
//! # Ok(())
//! # }
//! ```
//!
//! ## Map
//!
//! - [`Memory`] is the handle: sessions, events, observations, summaries, extraction and
//!   recall all hang off it. [`Config`] holds its settings.
//! - [`model`]: the plain data types.
//! - [`capture`]: project identity, redaction, output elision, transcript import.
//! - [`extract`]: modes, extraction requests, the answer parser, the heuristic extractor.
//! - [`recall`]: embedders, search, ranking, context rendering, timeline.
//! - [`curate`]: listing by filter, editing, forgetting with undo, the injection log.
//! - [`portable`]: JSONL export and import, Markdown export, online backup, claude-mem
//!   import, retention.
//! - [`tokens`]: the one token estimator.
//!
//! ## Guarantees
//!
//! - An event is committed before [`Memory::record_event`] returns, and recording the same
//!   idempotency key twice stores it once.
//! - Every text is redacted (`<private>` spans, recognisable secrets) before it is stored.
//! - Observations are deduplicated per project by a hash of their normalised content.
//! - Any number of threads (each with its own `Memory`) and processes may share one file.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod capture;
pub mod conversation;
pub mod curate;
mod error;
pub mod extract;
mod memory;
pub mod model;
pub mod portable;
pub mod recall;
mod state;
mod store;
pub mod sync;
mod text;
pub mod tokens;
pub mod tools;

pub use capture::project::resolve as resolve_project;
pub use curate::{
    ForgetBatch, Injection, NewInjection, ObservationCursor, ObservationEdit, ObservationFilter,
    ObservationPage,
};
pub use error::{Error, Result};
pub use memory::{Config, DB_ENV_VAR, Memory};
pub use model::*;
pub use portable::{
    BackupReport, ClaudeMemImport, ExportOptions, ExportReport, ImportReport, MarkdownExport,
    PruneReport, RecordCounts, RetentionPolicy,
};
pub use recall::{
    ColumnWeights, Context, ContextPurpose, ContextRequest, ConversationHit, EmbedProgress,
    RecallConfig, RecallHit, ScoreParts, SearchFilter, SearchHit, SearchMode, SearchRequest,
    Timeline, TimelineAnchor, TimelineEntry, TimelineItem, TimelineRequest, VectorStatus,
};
pub use store::{LedgerDay, LedgerEntry, SCHEMA_VERSION};
pub use sync::{
    ApplyReport, Change, ChangeKind, Origin, Outbox, SyncProject, SyncStatus, SyncTarget,
};

/// The README's Rust examples, compiled by `cargo test --doc` so that they cannot rot.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
