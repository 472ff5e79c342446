//! The settings of a [`Redactor`](super::Redactor): the user's extra patterns and allowlist.

use serde::{Deserialize, Serialize};

/// Redaction settings: extra secret patterns and an allowlist.
///
/// Private spans and the built-in secret rules are always on: there is no switch to turn
/// privacy off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RedactionConfig {
    /// User patterns, checked before the built-in rules (a match that overlaps a built-in
    /// one is named by the user's kind).
    pub extra_patterns: Vec<SecretPattern>,
    /// Exact strings never redacted, such as a published test key. A match that lies within
    /// an occurrence of one of them is kept as it is. Empty strings are ignored.
    pub allowlist: Vec<String>,
}

/// A user-defined secret: a regular expression and the kind named in its marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretPattern {
    /// The kind named in the marker, `[REDACTED:<kind>]`: letters, digits, `-`, `_`, `.`.
    pub kind: String,
    /// A regular expression in the syntax of the `regex` crate. When it has a capture group,
    /// only the first group is replaced (when it took part in the match); otherwise the
    /// whole match.
    pub pattern: String,
}
