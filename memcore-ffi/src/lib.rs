//! # libmemcore: the C ABI of memcore
//!
//! This crate builds `libmemcore` (a shared and a static library) and is the only place in
//! memcore with `unsafe` code. It is a thin translation: every function reads its C
//! arguments, calls one method of [`memcore::Memory`], and writes the result back. The header,
//! `include/memcore.h`, is generated from these sources by cbindgen (see `cbindgen.toml`) and
//! checked for drift by `scripts/test-c.sh`; the doc comments here are its documentation.
//!
//! ## Conventions (the same for every function)
//!
//! - **Handle.** `memcore_open()` returns an opaque `MemcoreStore *`; `memcore_close()` frees
//!   it. The handle holds a lock, so one handle may be used from many threads at once.
//! - **Status.** Every fallible function returns a [`MemcoreStatus`]: `MEMCORE_OK` (0), or
//!   the kind of failure; `memcore_last_error_message()` then says what failed (per thread).
//! - **Strings.** Arguments are NUL-terminated UTF-8 (`MEMCORE_ERR_INVALID_UTF8` otherwise).
//!   Returned strings come through `char **out_...` arguments, belong to the caller, and are
//!   freed with `memcore_string_free()`; an out-pointer is set to NULL first, so it holds
//!   NULL after any failure.
//! - **JSON.** Rich data crosses as JSON documents, each an object with `"v": 1` (see
//!   [`strings::MEMCORE_JSON_VERSION`] for every shape).
//! - **NULL.** A NULL pointer where a value is required fails with
//!   `MEMCORE_ERR_NULL_POINTER`; optional pointers (documented as such) may be NULL; every
//!   free function accepts NULL.
//! - **Panics.** Every function body runs under `catch_unwind`: a panic becomes
//!   `MEMCORE_ERR_PANIC`, never an abort.
//!
//! ## Module map
//!
//! `error` (status codes, last error, the call wrapper), `strings` (string and JSON
//! arguments, out-pointers, `memcore_string_free`), `handle` (open, close), then one module
//! per concept: `sessions`, `events`, `observations`, `summaries`, `extraction`, `recall`,
//! `stats`, `portable` (export, import, backup, retention), `callbacks` (the host's LLM and
//! embedder). Adding a function is a few lines in the module of its concept: read the
//! arguments with the `strings` helpers, lock the handle, call the core, convert the result
//! to its [`records`] type and write it.
//!
//! Shared with the uniffi API (no C items): `store` (the one handle type, its lock and
//! re-entrancy guard, which `MemcoreStore` and `uniffi_api::Memory` wrap), `host` (the one
//! adapter each for the host's LLM and embedder, fed by the C callbacks or the uniffi foreign
//! traits) and [`records`] (every record both front doors exchange, defined once: its serde
//! form is the C JSON, under the `uniffi` feature it is a uniffi record).

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

// The header lists items in the order the modules come here (rustfmt keeps the order of
// groups separated by blank lines): the conventions first, then the API from opening a store
// to reading it, then the host callbacks.
mod error;

mod strings;

mod handle;

mod sessions;

mod events;

mod observations;

mod summaries;

mod extraction;

mod recall;

mod stats;

mod portable;

mod callbacks;

// No C items below: the handle and the host adapters shared by both front doors, and the
// records they exchange.
mod host;
pub mod records;
mod store;

#[cfg(test)]
mod docs_check;

pub use callbacks::{MemcoreEmbedder, MemcoreLlm};
pub use error::MemcoreStatus;
pub use events::MemcoreEventFilter;
pub use handle::MemcoreStore;
pub use strings::MEMCORE_JSON_VERSION;

use std::ffi::c_char;

/// The version of the C ABI: raised on any change that breaks a program compiled against an
/// older header (a removed or changed function or struct). Additions (new functions, status
/// codes, JSON fields) do not change it. A host checks `memcore_abi_version() ==
/// MEMCORE_ABI_VERSION` at start-up.
pub const MEMCORE_ABI_VERSION: u32 = 1;

/// The library's version (`"0.1.0"`), as a static NUL-terminated string: never NULL, never
/// freed.
#[unsafe(no_mangle)]
pub extern "C" fn memcore_version() -> *const c_char {
    const VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
    ) {
        Ok(v) => v,
        Err(_) => c"unknown",
    };
    VERSION.as_ptr()
}

/// The C ABI version of the library that is loaded; compare it with the
/// `MEMCORE_ABI_VERSION` of the header the program was compiled against.
#[unsafe(no_mangle)]
pub extern "C" fn memcore_abi_version() -> u32 {
    MEMCORE_ABI_VERSION
}

// The uniffi API (Python, Swift): foreign-facing records, the `Memory` object, the LLM client
// and embedder as foreign traits. Not C: cbindgen does not expand uniffi's macros.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("memcore");
#[cfg(feature = "uniffi")]
pub mod uniffi_api;
