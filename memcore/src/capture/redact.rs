//! Redaction of `<private>` spans and recognisable secrets. (Being written.)

use serde::{Deserialize, Serialize};

/// Redaction settings: extra secret patterns and an allowlist.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RedactionConfig {}

/// Applies the redaction rules to text.
#[derive(Debug, Clone)]
pub struct Redactor {}

impl Redactor {
    /// Builds a redactor from its settings.
    pub fn new(_config: &RedactionConfig) -> crate::Result<Redactor> {
        Ok(Redactor {})
    }

    /// Returns `text` with private spans removed and secrets replaced.
    pub fn redact(&self, text: &str) -> String {
        text.to_string()
    }
}
