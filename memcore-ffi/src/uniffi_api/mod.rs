//! # The uniffi API: memcore for Python and Swift
//!
//! The same library that carries the C ABI also carries uniffi 0.32 scaffolding (behind the
//! default cargo feature `uniffi`). Everything foreign-facing lives here, in memcore-ffi: the
//! core crate has no uniffi attribute. Each module is one concept:
//!
//! - [`error`]: [`MemcoreError`], one variant per failure family (the same families as the
//!   C status codes), each with its message.
//! - the records a host passes and gets back (sessions, events, observations, summaries,
//!   statistics, extraction requests and reports, search hits, contexts, timelines, the
//!   reports of export, import, backup and retention) are [`crate::records`], shared with the
//!   C ABI (whose JSON documents are their serde form).
//! - [`memory`]: [`Memory`], the handle (`memcore.Memory(path)` in Python), with sessions,
//!   events, observations, summaries and statistics. It wraps the same store handle as the
//!   C `MemcoreStore` (one lock, one re-entrancy guard).
//! - [`extraction`]: the host's LLM as the foreign trait [`LlmClient`], the extraction loop
//!   driven with it or step by step, and the ledger.
//! - [`recall`]: search, context and timeline, with their request records.
//! - [`embed`]: the host's embedding model as the foreign trait [`Embedder`].
//!
//! Both foreign traits feed the same adapters as the C callbacks (`crate::host`): what they
//! return is checked, and their failures mapped, in one place.
//! - [`portable`]: export, import, backup and retention.
//!
//! Conventions: ids of events and observations are `i64`, session ids the host's strings;
//! times are timestamps (`datetime` in Python, `Date` in Swift); a `project` argument that is
//! `None` means every project. Search and context requests must say where to look: a
//! `project`, or `all_projects = True`; a request with neither is refused
//! (`MemcoreError.InvalidArgument`): memcore never guesses the project from the working
//! directory of the host's process. Calls on one [`Memory`] take turns (it
//! holds a lock), so a handle may be shared by threads; a host callback must not call back
//! into the handle that is calling it (that call fails instead of deadlocking).
//!
//! Nothing here is `extern "C"` in the source: the scaffolding functions come from uniffi's
//! macros, which cbindgen does not expand, so `include/memcore.h` is the same with or without
//! this module.

pub mod embed;
pub mod error;
pub mod extraction;
pub mod memory;
pub mod portable;
pub mod recall;

pub use embed::Embedder;
pub use error::MemcoreError;
pub use extraction::LlmClient;
pub use memory::Memory;

/// The library's version (`"0.1.0"`).
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The store path used when the host has no preference: `$MEMCORE_DB` when set, else
/// `memcore/memory.db` in the user's data directory (`$XDG_DATA_HOME` or `~/.local/share` on
/// Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on Windows).
#[uniffi::export]
pub fn default_path() -> Result<String, MemcoreError> {
    let path = memcore::Memory::default_path()?;
    path.into_os_string()
        .into_string()
        .map_err(|_| MemcoreError::InvalidArgument {
            message: "the default path is not valid UTF-8".into(),
        })
}

/// Resolves a project name the way memcore does on every write and read: `name` when given
/// (trimmed), else the git repository that contains `cwd` (a worktree resolves to its main
/// repository), else the name of `cwd` itself. `cwd` defaults to the working directory.
#[uniffi::export(default(name = None, cwd = None))]
pub fn resolve_project(name: Option<String>, cwd: Option<String>) -> Result<String, MemcoreError> {
    let cwd = match cwd {
        Some(cwd) => std::path::PathBuf::from(cwd),
        None => std::env::current_dir().map_err(|e| MemcoreError::Io {
            message: format!("read the working directory: {e}"),
        })?,
    };
    Ok(memcore::resolve_project(name.as_deref(), &cwd))
}
