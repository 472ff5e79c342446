//! Capture: what happens on the way in. Redaction of secrets and private spans, elision of
//! oversized tool output, and import of Claude Code transcripts.

pub mod redact;
pub mod transcript;
pub mod truncate;

pub use redact::{RedactionConfig, Redactor};
