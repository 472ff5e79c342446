//! The gate: which rules may match a text, found in one pass before any rule runs. A rule
//! whose matches all start with one of a few literals (`ghp_`, `AKIA`, `-----BEGIN`...) waits
//! for one of them, exactly; a rule without such literals may name words one of which every
//! match holds somewhere (`://`, `token`...), found ignoring ASCII case. A rule the gate does
//! not open for a text is neither compiled nor run on it; a rule with neither runs on every
//! text.

use std::borrow::Cow;

use aho_corasick::AhoCorasick;

use crate::{Error, Result};

/// The literals of the gated rules, in two automatons.
#[derive(Debug, Clone, Default)]
pub(super) struct Gate {
    /// Prefix literals, matched exactly; `prefix_rule[i]` is the rule of literal `i`.
    prefixes: Option<AhoCorasick>,
    prefix_rule: Vec<usize>,
    /// Words, matched ignoring ASCII case; `word_rule[i]` is the rule of word `i`.
    words: Option<AhoCorasick>,
    word_rule: Vec<usize>,
    /// Per rule: whether it waits for the gate.
    pub(super) gated: Vec<bool>,
}

/// What the gate knows of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Literals {
    /// Every match starts with one of these.
    Prefixes(Vec<Cow<'static, [u8]>>),
    /// Every match holds one of these, ASCII case aside.
    Words(Vec<Cow<'static, [u8]>>),
    /// Nothing: the rule runs on every text.
    None,
}

/// [`Literals`] as the generated table of the built-in rules holds them
/// ([`super::gate_table`]).
#[derive(Debug)]
pub(super) enum Stored {
    /// [`Literals::Prefixes`].
    Prefixes(&'static [&'static [u8]]),
    /// [`Literals::Words`].
    Words(&'static [&'static [u8]]),
    /// [`Literals::None`].
    None,
}

impl Stored {
    /// The literals stored.
    pub(super) fn literals(&self) -> Literals {
        let list = |l: &'static [&'static [u8]]| l.iter().map(|b| Cow::Borrowed(*b)).collect();
        match self {
            Stored::Prefixes(l) => Literals::Prefixes(list(l)),
            Stored::Words(l) => Literals::Words(list(l)),
            Stored::None => Literals::None,
        }
    }
}

/// What the gate waits for, for a rule whose matches start with one of `prefixes` (`None`: with
/// anything): the prefixes themselves when they are few; when there are many, fewer words they
/// start with (see [`shrink`]); nothing when even those would be too short to keep any text out.
pub(super) fn classify(prefixes: Option<Vec<Vec<u8>>>) -> Literals {
    let owned = |l: Vec<Vec<u8>>| l.into_iter().map(Cow::Owned).collect();
    match prefixes {
        Some(list) if list.is_empty() => Literals::None,
        Some(list) if list.len() <= MANY_PREFIXES => Literals::Prefixes(owned(list)),
        Some(list) => {
            let words = shrink(list.clone());
            if words.iter().all(|w| w.len() >= MIN_WORD) {
                Literals::Words(owned(words))
            } else if list.len() <= MAX_PREFIXES {
                Literals::Prefixes(owned(list))
            } else {
                // So many short prefixes open the gate on nearly any text.
                Literals::None
            }
        }
        None => Literals::None,
    }
}

/// Above this many prefixes, a rule's prefixes are mostly the spellings of a word in every
/// case (`(?i:authorization)` gives 128) or its variants (`webhooks/00`...`webhooks/99`):
/// they are looked for as fewer, shorter words ignoring case (see [`shrink`]), which keeps the
/// automatons small (building them is most of a redactor's start).
const MANY_PREFIXES: usize = 16;

/// The shortest word [`shrink`] may leave: shorter ones occur in nearly every text, and
/// the prefixes are kept instead.
const MIN_WORD: usize = 3;
/// The most prefixes a rule keeps when they do not shrink to words.
const MAX_PREFIXES: usize = 64;

/// At most [`MANY_PREFIXES`] words that every one of `prefixes` starts with, ASCII case aside:
/// the prefixes lowercased, cut to the longest length that leaves that few. Every text a
/// prefix occurs in holds one of the words, so the gate opens at least as often as before.
fn shrink(mut prefixes: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    for prefix in &mut prefixes {
        prefix.make_ascii_lowercase();
    }
    let longest = prefixes.iter().map(Vec::len).max().unwrap_or(0);
    let cut = |len: usize| {
        let mut words: Vec<Vec<u8>> = prefixes
            .iter()
            .map(|p| p[..p.len().min(len)].to_vec())
            .collect();
        words.sort_unstable();
        words.dedup();
        words
    };
    let mut len = longest;
    let mut words = cut(len);
    while words.len() > MANY_PREFIXES && len > 1 {
        len -= 1;
        words = cut(len);
    }
    words
}

impl Gate {
    /// The gate of `rules`, in order.
    pub(super) fn new(rules: impl IntoIterator<Item = Literals>) -> Result<Gate> {
        let mut prefixes: Vec<Cow<'static, [u8]>> = Vec::new();
        let mut words: Vec<Cow<'static, [u8]>> = Vec::new();
        let mut gate = Gate::default();
        for (rule, literals) in rules.into_iter().enumerate() {
            match literals {
                Literals::Prefixes(list) if !list.is_empty() => {
                    gate.prefix_rule
                        .extend(std::iter::repeat_n(rule, list.len()));
                    prefixes.extend(list);
                    gate.gated.push(true);
                }
                Literals::Words(list) if !list.is_empty() => {
                    gate.word_rule.extend(std::iter::repeat_n(rule, list.len()));
                    words.extend(list);
                    gate.gated.push(true);
                }
                _ => gate.gated.push(false),
            }
        }
        let bug = |err: aho_corasick::BuildError| Error::InvalidInput {
            what: "built-in redaction pattern",
            reason: format!("the rules' literals: {err} (this is a bug in memcore)"),
        };
        if !prefixes.is_empty() {
            gate.prefixes = Some(AhoCorasick::new(&prefixes).map_err(bug)?);
        }
        if !words.is_empty() {
            gate.words = Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build(&words)
                    .map_err(bug)?,
            );
        }
        Ok(gate)
    }

    /// Per rule, whether it may match `text`.
    pub(super) fn open(&self, text: &str) -> Vec<bool> {
        let mut open: Vec<bool> = self.gated.iter().map(|g| !g).collect();
        for (automaton, rules) in [
            (&self.prefixes, &self.prefix_rule),
            (&self.words, &self.word_rule),
        ] {
            let Some(automaton) = automaton else { continue };
            for m in automaton.find_overlapping_iter(text) {
                if let Some(&rule) = rules.get(m.pattern().as_usize()) {
                    open[rule] = true;
                }
            }
        }
        open
    }

    /// How many literals the automatons hold (prefixes, words).
    #[cfg(test)]
    pub(super) fn sizes(&self) -> (usize, usize) {
        (self.prefix_rule.len(), self.word_rule.len())
    }

    /// A gate that opens every rule (for tests that check the gate misses nothing).
    #[cfg(test)]
    pub(super) fn open_all(rules: usize) -> Gate {
        Gate {
            gated: vec![false; rules],
            ..Gate::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_prefixes_shrink_to_few_words_that_each_prefix_starts_with() {
        let digits: Vec<Vec<u8>> = (0..100)
            .map(|i| format!("hooks/{i:02}").into_bytes())
            .collect();
        let expected: Vec<Vec<u8>> = (0..10).map(|i| format!("hooks/{i}").into_bytes()).collect();
        assert_eq!(shrink(digits.clone()), expected);
        let cases: Vec<Vec<u8>> = ["Bearer ", "BEARER ", "bearer\t", "bEaReR "]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        assert_eq!(shrink(cases), [b"bearer\t".to_vec(), b"bearer ".to_vec()]);
        let many: Vec<Vec<u8>> = (0..100).map(|i| format!("{i:02}x").into_bytes()).collect();
        let words = shrink(many.clone());
        assert!(words.len() <= MANY_PREFIXES, "{words:?}");
        for prefix in many.iter().chain(&digits) {
            let lower = prefix.to_ascii_lowercase();
            assert!(
                shrink(vec![prefix.clone()])
                    .iter()
                    .all(|w| lower.starts_with(w)),
                "{prefix:?}"
            );
        }
        for prefix in &many {
            assert!(words.iter().any(|w| prefix.starts_with(w)), "{prefix:?}");
        }
    }
}
