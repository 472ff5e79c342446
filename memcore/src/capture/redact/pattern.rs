//! A rule's pattern: compiled the first time a text may match it, with the literals every
//! match starts with (the gate that skips a rule), read for the built-in rules from a table
//! computed beforehand ([`super::gate_table`]).

use regex::Regex;

use super::gate::{Literals, classify};
use super::gate_table::GATES;

/// A rule's pattern, compiled the first time a text may match it. Compiling every built-in
/// rule costs several milliseconds, which every hook process would pay for each first
/// redaction; a rule is compiled only once the gate ([`super::gate`]) opens for a text: one
/// of its prefix literals (`ghp_`, `AKIA`, `-----BEGIN`...) or of its words occurs in it. The
/// literals come from `regex-syntax`'s prefix extraction ([`classify`] keeps them, or shrinks
/// many into words they all start with), so skipping a rule never misses a match.
#[derive(Debug, Clone)]
pub(super) struct RulePattern {
    pub(super) source: String,
    pub(super) compiled: std::sync::OnceLock<Option<Regex>>,
}

impl RulePattern {
    /// A pattern compiled now (a user's, whose error must be reported at once).
    pub(super) fn eager(regex: Regex) -> RulePattern {
        let compiled = std::sync::OnceLock::new();
        let _ = compiled.set(Some(regex));
        RulePattern {
            source: String::new(),
            compiled,
        }
    }

    /// A built-in pattern, compiled on first use. It is not parsed now: parsing every rule
    /// costs more than the rest of a hook (the test `every_built_in_rule_compiles` holds each
    /// to compiling).
    fn lazy(source: String) -> RulePattern {
        RulePattern {
            source,
            compiled: std::sync::OnceLock::new(),
        }
    }

    /// The compiled pattern. A built-in pattern that parsed always compiles (the test
    /// `every_built_in_rule_compiles` holds every one to it); should one ever not, the rule
    /// matches nothing rather than panicking in a hook.
    pub(super) fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| Regex::new(&self.source).ok())
            .as_ref()
    }

    /// What the gate waits for before this rule runs ([`classify`] of its prefix literals):
    /// for a built-in pattern, read from [`GATES`], computed beforehand; for any other,
    /// extracted now.
    pub(super) fn gate_literals(&self) -> Literals {
        if self.source.is_empty() {
            return Literals::None;
        }
        let key = table_key(&self.source);
        match GATES.binary_search_by(|(k, _)| k.cmp(&key.as_str())) {
            Ok(at) => GATES[at].1.literals(),
            Err(_) => classify(self.extract_prefixes()),
        }
    }

    /// The literals every match of the pattern starts with, when there are few enough to
    /// check; `None` when a match may start anywhere. Extracted by `regex-syntax`.
    pub(super) fn extract_prefixes(&self) -> Option<Vec<Vec<u8>>> {
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        if self.source.is_empty() {
            return None;
        }
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(&self.source)
            .ok()?;
        let mut extractor = Extractor::new();
        extractor.kind(ExtractKind::Prefix);
        let seq = extractor.extract(&hir);
        let literals = seq.literals()?;
        if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
            return None;
        }
        Some(literals.iter().map(|l| l.as_bytes().to_vec()).collect())
    }
}

/// A built-in rule's pattern, compiled on first use (see [`RulePattern`]).
pub(super) fn builtin(pattern: &str) -> RulePattern {
    RulePattern::lazy(pattern.to_owned())
}

/// The key of a pattern in [`GATES`]: the first 16 hex digits of its SHA-256.
pub(super) fn table_key(source: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(source.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}
