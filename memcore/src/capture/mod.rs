//! Capture: what happens on the way in. Project identity, redaction of secrets and private
//! spans, elision of oversized tool output, repair of hosts' JSON text (lone UTF-16
//! surrogates), and import of Claude Code transcripts.

mod ingest;
pub mod json;
pub mod project;
pub mod redact;
pub mod transcript;
pub mod truncate;

pub(crate) use ingest::Ingest;
pub use ingest::{TranscriptImport, TranscriptRead};
pub use redact::{RedactionConfig, Redactor, SecretPattern};
