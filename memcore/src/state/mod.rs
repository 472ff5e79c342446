//! [`State`]: what every feature works on (the store, the settings, the redactor, the
//! extraction mode and the embedder), and the operations on records that several features
//! share (`records.rs`: sessions, events and observations as they are written; `embedding.rs`:
//! vectors).
//!
//! This module sits below the features. Recall, extraction, portability, retention and
//! transcript ingestion each define a small type that borrows a `State` and implements that
//! feature; [`crate::Memory`] owns the `State` and hands each of its calls to one of them.
//! Nothing here knows a feature, and no feature knows `Memory`.

pub(crate) mod embedding;
mod records;

use crate::capture::{RedactionConfig, Redactor};
use crate::error::Result;
use crate::extract::ExtractionConfig;
use crate::extract::mode::Mode;
use crate::recall::RecallConfig;
use crate::recall::embed::{Embedder, default_embedder};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::cell::OnceCell;
use std::path::Path;
use std::time::Duration;

/// Settings of a [`Memory`](crate::Memory). Every field has a default; a host changes only
/// what it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// How long a write waits for another process's write to finish, in milliseconds.
    pub busy_timeout_ms: u64,
    /// Tool output (and error text) longer than this many bytes is kept as head and tail with
    /// a marker saying how much was cut.
    pub max_tool_output_bytes: usize,
    /// A prompt, assistant message or note longer than this many bytes is kept as head and
    /// tail with a marker saying how much was cut.
    pub max_text_bytes: usize,
    /// Extra secret patterns and an allowlist.
    pub redaction: RedactionConfig,
    /// Batching and retry settings of extraction.
    pub extraction: ExtractionConfig,
    /// Ranking settings of recall.
    pub recall: RecallConfig,
    /// Record events without their conversation-layer row, leaving it to the next
    /// [`Memory::recall`](crate::Memory::recall), extraction or
    /// [`Memory::index_conversation`](crate::Memory::index_conversation). For a host whose
    /// every recording is a short process that must return at once (Claude Code's PostToolUse
    /// hook); off by default, so an event is searchable as soon as it is recorded.
    pub defer_conversation_index: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            busy_timeout_ms: crate::store::DEFAULT_BUSY_TIMEOUT.as_millis() as u64,
            max_tool_output_bytes: 16 * 1024,
            max_text_bytes: 64 * 1024,
            redaction: RedactionConfig::default(),
            extraction: ExtractionConfig::default(),
            recall: RecallConfig::default(),
            defer_conversation_index: false,
        }
    }
}

/// What every feature works on. One connection: `Send`, not `Sync`.
pub(crate) struct State {
    pub(crate) store: Store,
    pub(crate) config: Config,
    pub(crate) redactor: LazyRedactor,
    pub(crate) mode: Mode,
    /// The embedder, made on first use: opening a store costs nothing for it, and a
    /// process that never embeds (most hooks) never loads the built-in model.
    embedder: OnceCell<Option<Box<dyn Embedder>>>,
}

// Shown as `Memory`: the facade's `Debug` is this one.
impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memory")
            .field("path", &self.store.path())
            .field("mode", &self.mode.name)
            .field(
                "embedder",
                &self
                    .embedder
                    .get()
                    .map(|e| e.as_ref().map(|e| e.id().to_owned())),
            )
            .finish_non_exhaustive()
    }
}

impl State {
    /// Opens the store at `path` with `config` (see [`crate::Memory::open_with`]).
    pub(crate) fn open(path: &Path, config: Config) -> Result<State> {
        let redactor = LazyRedactor::new(&config.redaction)?;
        let store = Store::open(path, Duration::from_millis(config.busy_timeout_ms))?;
        Ok(State {
            store,
            config,
            redactor,
            mode: Mode::code(),
            embedder: OnceCell::new(),
        })
    }

    /// Replaces the extraction mode once it is checked.
    pub(crate) fn set_mode(&mut self, mode: Mode) -> Result<()> {
        mode.validate()?;
        self.mode = mode;
        Ok(())
    }

    /// Replaces the embedder, or turns vectors off with `None`.
    pub(crate) fn set_embedder(&mut self, embedder: Option<Box<dyn Embedder>>) {
        self.embedder = OnceCell::from(embedder);
    }

    /// The embedder in use, if any: the built-in one unless replaced.
    pub(crate) fn embedder(&self) -> Option<&dyn Embedder> {
        self.embedder
            .get_or_init(|| Some(default_embedder()))
            .as_deref()
    }
}

/// The store's redactor, built on first use: compiling the built-in rules costs about 2 ms,
/// more than opening the store, and a process that only reads never needs them. A
/// configuration with extra patterns or an allowlist is compiled at once, so that a bad
/// pattern is reported by `open`.
pub(crate) struct LazyRedactor {
    config: RedactionConfig,
    cell: OnceCell<Redactor>,
}

impl LazyRedactor {
    fn new(config: &RedactionConfig) -> Result<LazyRedactor> {
        let cell = OnceCell::new();
        if *config != RedactionConfig::default() {
            let _ = cell.set(Redactor::new(config)?);
        }
        Ok(LazyRedactor {
            config: config.clone(),
            cell,
        })
    }

    fn get(&self) -> &Redactor {
        self.cell.get_or_init(|| {
            // Only the default configuration reaches this point (any other was compiled, and
            // so checked, in `new`), and the built-in rules are covered by the crate's tests.
            Redactor::new(&self.config).expect("the built-in redaction rules compile")
        })
    }

    /// See [`Redactor::redact`].
    pub(crate) fn redact(&self, text: &str) -> String {
        self.get().redact(text)
    }

    /// See [`Redactor::redact_json`].
    pub(crate) fn redact_json(&self, value: &mut serde_json::Value) {
        self.get().redact_json(value)
    }
}
