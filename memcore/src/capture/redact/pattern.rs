//! A rule's pattern: checked when the redactor is built, compiled the first time a text may
//! match it, with the literals every match starts with (the gate that skips a rule).

use regex::Regex;

use crate::{Error, Result};

/// A rule's pattern, compiled the first time a text may match it. Compiling every built-in
/// rule costs several milliseconds, which every hook process would pay for each first
/// redaction; a rule whose matches must all start with one of a few literals (most vendor
/// formats: `ghp_`, `AKIA`, `-----BEGIN`...) is compiled only once a text holds one of them
/// (see [`Redactor::gate`](super::Redactor::gate)). The literals come from `regex-syntax`'s
/// prefix extraction, so skipping a rule never misses a match.
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

    /// A built-in pattern, checked now and compiled on first use.
    fn lazy(source: String) -> Result<RulePattern> {
        regex_syntax::ParserBuilder::new()
            .build()
            .parse(&source)
            .map_err(|err| Error::InvalidInput {
                what: "built-in redaction pattern",
                reason: format!("{source:?}: {err} (this is a bug in memcore)"),
            })?;
        Ok(RulePattern {
            source,
            compiled: std::sync::OnceLock::new(),
        })
    }

    /// The compiled pattern. A built-in pattern that parsed always compiles (the test
    /// `every_built_in_rule_compiles` holds every one to it); should one ever not, the rule
    /// matches nothing rather than panicking in a hook.
    pub(super) fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| Regex::new(&self.source).ok())
            .as_ref()
    }

    /// The literals every match of the pattern starts with, when there are few enough to
    /// check; `None` when a match may start anywhere.
    pub(super) fn prefixes(&self) -> Option<Vec<Vec<u8>>> {
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
pub(super) fn builtin(pattern: &str) -> Result<RulePattern> {
    RulePattern::lazy(pattern.to_owned())
}

/// Compiles a built-in pattern now. A failure is a bug in memcore, reported rather than
/// panicking.
pub(super) fn builtin_regex(pattern: &str) -> Result<Regex> {
    Regex::new(pattern).map_err(|err| Error::InvalidInput {
        what: "built-in redaction pattern",
        reason: format!("{pattern:?}: {err} (this is a bug in memcore)"),
    })
}
