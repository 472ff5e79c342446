//! The [`Redactor`]: its rules built from the table and the user's settings, and the passes
//! over a text (private spans, then secrets, again until nothing changes).

use std::borrow::Cow;

use regex::Regex;

use super::config::RedactionConfig;
use super::gate::{Gate, Literals};
use super::pattern::{RulePattern, builtin};
use super::rules::{KEY_ROOTS, KEY_WORDS, VALUE, fixed_rules, vendor_rules};
use crate::{Error, Result};

/// Applies the redaction rules to text and JSON. Build it once with [`Redactor::new`] and
/// reuse it: construction compiles the patterns.
///
/// ```
/// use memcore::capture::{RedactionConfig, Redactor};
///
/// let redactor = Redactor::new(&RedactionConfig::default())?;
/// let text = "psql postgres://app:s3cr3t-pw@db.internal/app <private>my notes</private>done";
/// assert_eq!(
///     redactor.redact(text),
///     "psql postgres://app:[REDACTED:url-credentials]@db.internal/app done"
/// );
/// # Ok::<(), memcore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Redactor {
    /// An opening or closing `<private>` tag.
    pub(super) private_tag: RulePattern,
    /// The rules, in priority order (a lower index names overlapping matches).
    pub(super) detectors: Vec<Detector>,
    /// Which rules may match a text (see [`Gate`]).
    pub(super) gate: Gate,
    /// A bare value that reads as code rather than a literal.
    pub(super) code_expr: RulePattern,
    /// Strings never redacted.
    pub(super) allowlist: Vec<String>,
}

/// The word of the private tag.
const PRIVATE: &[u8] = b"private";

/// One rule: a pattern and what to do with its matches.
#[derive(Debug, Clone)]
pub(super) struct Detector {
    pub(super) regex: RulePattern,
    pub(super) action: Action,
}

impl Detector {
    /// The words the gate waits for instead of the rule's prefix literals (see the rules'
    /// table and [`KEY_ROOTS`]); none for a user's rule.
    pub(super) fn gate_words(&self) -> &'static [&'static str] {
        match &self.action {
            Action::Fixed { words, .. } => words,
            Action::Assignment { .. } => KEY_ROOTS,
            _ => &[],
        }
    }
}

/// What a rule does with its matches.
#[derive(Debug, Clone)]
pub(super) enum Action {
    /// A built-in rule: the secret is capture group `group` (0: the whole match), kept only
    /// when `accept` says so.
    Fixed {
        kind: &'static str,
        group: usize,
        accept: fn(&str) -> bool,
        /// The words the gate waits for, when not the pattern's prefixes.
        words: &'static [&'static str],
    },
    /// A user pattern: the first capture group if any took part, else the whole match.
    Custom { kind: String },
    /// A `key = value` assignment; `flag` for the `--key value` form.
    Assignment { flag: bool },
    /// The vendor tokens: capture group `i + 1` is the token of `rules[i]`.
    Vendors { rules: Vec<(&'static str, Accept)> },
}

/// A test a candidate secret must pass.
pub(super) type Accept = fn(&str) -> bool;

/// The most redaction passes over one text (see [`Redactor::redact`]); a guard, never reached
/// by any text seen in the tests.
const MAX_PASSES: usize = 8;

impl Redactor {
    /// Builds a redactor from its settings.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when an extra pattern is not a valid regular expression, or
    /// its kind is empty or holds characters other than letters, digits, `-`, `_` and `.`.
    pub fn new(config: &RedactionConfig) -> Result<Redactor> {
        let mut detectors = Vec::new();
        for extra in &config.extra_patterns {
            let kind_ok = !extra.kind.is_empty()
                && extra
                    .kind
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            if !kind_ok {
                return Err(Error::InvalidInput {
                    what: "redaction pattern kind",
                    reason: format!(
                        "kind {:?} of pattern {:?} must be non-empty and use only letters, \
                         digits, '-', '_' and '.'",
                        extra.kind, extra.pattern
                    ),
                });
            }
            let regex = Regex::new(&extra.pattern).map_err(|err| Error::InvalidInput {
                what: "redaction pattern",
                reason: format!(
                    "pattern {:?} of kind {:?} is not a valid regular expression: {err}",
                    extra.pattern, extra.kind
                ),
            })?;
            detectors.push(Detector {
                regex: RulePattern::eager(regex),
                action: Action::Custom {
                    kind: extra.kind.clone(),
                },
            });
        }
        let vendors = vendor_rules();
        let alternatives: Vec<String> = vendors
            .iter()
            .map(|(_, pattern, _)| format!("({pattern})"))
            .collect();
        detectors.push(Detector {
            regex: builtin(&format!(
                r"(?-u:\b)(?:{})(?:[^A-Za-z0-9_]|$)",
                alternatives.join("|")
            )),
            action: Action::Vendors {
                rules: vendors
                    .into_iter()
                    .map(|(kind, _, accept)| (kind, accept))
                    .collect(),
            },
        });
        for (kind, pattern, group, accept, words) in fixed_rules() {
            detectors.push(Detector {
                regex: builtin(pattern),
                action: Action::Fixed {
                    kind,
                    group,
                    accept,
                    words,
                },
            });
        }
        let sep = r#"(?P<sep>\\?["']?[ \t]*(?:=>|:=|=|:)[ \t]*)"#;
        detectors.push(Detector {
            regex: builtin(&format!(
                r"(?:(?m:^)|[ \t])--(?P<key>[A-Za-z0-9_.-]*(?i:{KEY_WORDS}))[ \t]+{VALUE}"
            )),
            action: Action::Assignment { flag: true },
        });
        detectors.push(Detector {
            regex: builtin(&format!(
                r"(?P<url>://)?(?P<key>[A-Za-z0-9_.-]*(?i:{KEY_WORDS})){sep}{VALUE}"
            )),
            action: Action::Assignment { flag: false },
        });
        let ident = r"[A-Za-z_][A-Za-z0-9_]*";
        let call = r"(?:\(.*|\[.*|<.*|!\(.*|\?+|[)\]}>]+)";
        let code_expr = builtin(&format!(
            r"^(?:[&*]+{ident}.*|{ident}(?:(?:\.|::|->){ident})+{call}?|{ident}{call})$"
        ));
        let gate = Gate::new(detectors.iter().map(|detector| {
            let words = detector.gate_words();
            if words.is_empty() {
                detector.regex.gate_literals()
            } else {
                Literals::Words(words.iter().map(|w| Cow::Borrowed(w.as_bytes())).collect())
            }
        }))?;
        Ok(Redactor {
            private_tag: builtin(r"(?i)<[ \t]*/?[ \t]*private[ \t]*>"),
            gate,
            detectors,
            code_expr,
            allowlist: config
                .allowlist
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect(),
        })
    }

    /// Returns `text` with private spans removed and secrets replaced by
    /// `[REDACTED:<kind>]`. The rules are in the [module documentation](super).
    pub fn redact(&self, text: &str) -> String {
        self.redact_cow(text).into_owned()
    }

    /// Redacts `text`, borrowing it back when nothing changed.
    pub(super) fn redact_cow<'t>(&self, text: &'t str) -> Cow<'t, str> {
        // A rule scans its candidates left to right, and one it rejects hides what starts
        // inside it (`Bearer Bearer 12345678…`); replacing a secret changes what its neighbours
        // look like. So redact again until nothing changes: redacting the result once more
        // then changes nothing. Each pass only removes text or turns it into markers, and text
        // with nothing to redact costs one pass.
        let mut current = self.redact_once(text);
        for _ in 1..MAX_PASSES {
            let Cow::Owned(previous) = &current else {
                break;
            };
            let next = match self.redact_once(previous) {
                Cow::Borrowed(_) => break,
                Cow::Owned(next) => next,
            };
            current = Cow::Owned(next);
        }
        current
    }

    /// One pass: private spans, then secrets.
    fn redact_once<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.strip_private(text) {
            Cow::Borrowed(t) => self.replace_secrets(t),
            Cow::Owned(t) => Cow::Owned(self.replace_secrets(&t).into_owned()),
        }
    }

    /// Removes `<private>` spans (see the module documentation).
    fn strip_private<'t>(&self, text: &'t str) -> Cow<'t, str> {
        // Most texts have no tag: looked for without the regex (compiled on first need).
        let maybe_tag = text.contains('<')
            && text
                .as_bytes()
                .windows(PRIVATE.len())
                .any(|w| w.eq_ignore_ascii_case(PRIVATE));
        let Some(private_tag) = self.private_tag.regex().filter(|_| maybe_tag) else {
            return Cow::Borrowed(text);
        };
        let mut tags = private_tag.find_iter(text).peekable();
        if tags.peek().is_none() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut depth = 0usize;
        let mut last = 0;
        for tag in tags {
            if depth == 0 {
                out.push_str(&text[last..tag.start()]);
            }
            if tag.as_str().contains('/') {
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
            }
            last = tag.end();
        }
        if depth == 0 {
            out.push_str(&text[last..]);
        }
        Cow::Owned(out)
    }
}
