//! BERT uncased WordPiece tokenization, token for token as Hugging Face `tokenizers` does it
//! for `bert-base-uncased` and the models that share its vocabulary (all-MiniLM-L6-v2 and the
//! static model memcore ships).
//!
//! # The pipeline
//!
//! 1. **Normalize** (`BertNormalizer` with `clean_text`, `handle_chinese_chars`,
//!    `strip_accents` and `lowercase` all on): NUL, U+FFFD and every other character of
//!    general category `C*` (control, format, private use, unassigned) is dropped, except
//!    `\t`, `\n` and `\r`; every white-space character becomes a space; a CJK ideograph
//!    (the code point ranges `tokenizers` uses) gets a space on each side; the text is
//!    decomposed (NFD) and non-spacing marks (`Mn`) are dropped, so `Café` becomes `Cafe`;
//!    then it is lower-cased, character by character.
//! 2. **Pre-tokenize** (`BertPreTokenizer`): words are split at white space, and every
//!    punctuation character (ASCII 33–47, 58–64, 91–96, 123–126, or general category `P*`)
//!    is a word of its own.
//! 3. **WordPiece**: each word is cut greedily, longest vocabulary match first, from the
//!    left; pieces after the first carry the `##` prefix. A word longer than
//!    [`WordPiece::MAX_INPUT_CHARS_PER_WORD`] characters, or one that cannot be covered
//!    entirely, is one unknown token (`None`; a model maps it to its `[UNK]` id or skips it).
//!
//! The stages run as one lazy pass over the text's characters that stops as soon as
//! `max_tokens` tokens are out: a 1 MB text cut at 512 tokens costs what its first 512
//! tokens cost (plus, at worst, the rest of the word being read when the limit is reached).
//! Nothing is allocated per call once a [`WordPiece`]'s two buffers have grown to the
//! longest word seen.
//!
//! The character classes come from the same tables `tokenizers` uses (the
//! `unicode_categories` crate, frozen at Unicode 8: a punctuation mark or a format character
//! added since is an ordinary letter here, exactly as there); decomposition comes from
//! `unicode-normalization` and lower case from the Rust standard library, whose newer Unicode
//! versions differ from `tokenizers`' only on characters that BERT's vocabulary cannot spell
//! anyway. One deliberate difference: `tokenizers` matches special tokens written in the text
//! (`[CLS]`, `[SEP]`, `[PAD]`...), while here they are text like any other (`[`, `cl`, `##s`,
//! `]`), so input cannot inject them. Parity is pinned by
//! `tests/fixtures/wordpiece/bert_uncased.json`, generated with `tokenizers` by
//! `scripts/wordpiece-fixture.py` (and was checked on 3,000 random multi-script texts).
//!
//! # Vocabularies
//!
//! The tokenizer asks a [`Vocab`] for the id of each candidate piece. Two are provided:
//! [`SortedVocab`], a text of one token per line sorted by bytes, searched by
//! bisection with nothing built but a table of line offsets (the static model's
//! `tokens.txt`), and any `HashMap` from token to id (a transformer's `vocab.txt`, ids in
//! file order, special tokens included).
//!
//! ```
//! use std::collections::HashMap;
//! use memcore::recall::embed::wordpiece::{SortedVocab, Vocab, WordPiece};
//!
//! let vocab = SortedVocab::new("##ning\n##s\n,\nrun\nthe\n")?;
//! let mut tokenizer = WordPiece::new();
//! let mut ids = Vec::new();
//! tokenizer.tokenize("The RUNS, running!", &vocab, 512, &mut ids);
//! let tokens: Vec<_> = ids.iter().map(|id| id.and_then(|i| vocab.token(i))).collect();
//! assert_eq!(
//!     tokens,
//!     [Some("the"), Some("run"), Some("##s"), Some(","), Some("run"), Some("##ning"), None]
//! );
//!
//! // A transformer's vocab.txt: ids in file order, unknown words mapped to [UNK].
//! let map: HashMap<String, u32> = ["[UNK]", "run", "##ning"]
//!     .iter().enumerate().map(|(i, t)| (t.to_string(), i as u32)).collect();
//! ids.clear();
//! tokenizer.tokenize("running fast", &map, 510, &mut ids);
//! let unk = map.id("[UNK]").unwrap();
//! let ids: Vec<u32> = ids.into_iter().map(|id| id.unwrap_or(unk)).collect();
//! assert_eq!(ids, [1, 2, 0]);
//! # Ok::<(), memcore::Error>(())
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasher;

use unicode_categories::UnicodeCategories;
use unicode_normalization::UnicodeNormalization;

use crate::{Error, Result};

/// The prefix of a piece that continues a word (`##ing`).
pub const CONTINUING_SUBWORD_PREFIX: &str = "##";

/// A vocabulary: the id of each piece it knows.
///
/// Pieces are looked up as they appear in the vocabulary file: a word start as itself
/// (`run`), a continuation with its prefix (`##ning`).
pub trait Vocab {
    /// The id of `piece`, or `None` when the vocabulary does not have it.
    fn id(&self, piece: &str) -> Option<u32>;

    /// The length in bytes of the longest piece, prefix included: the tokenizer skips
    /// lookups of anything longer. `usize::MAX` (the default) when unknown.
    fn max_piece_len(&self) -> usize {
        usize::MAX
    }

    /// The longest piece at the start of `word` that the vocabulary has: `word[..n]`, or
    /// `##` + `word[..n]` when `continuation`, as `(id, n)` with `n > 0` on a char boundary;
    /// `None` when no piece fits. This is WordPiece's one question to a vocabulary.
    ///
    /// The default asks [`Vocab::id`] for ever shorter candidates (building the `##` ones in
    /// `scratch`, so nothing is allocated once it has grown); a vocabulary that can answer
    /// in one search overrides it, as [`SortedVocab`] does.
    fn longest_piece(
        &self,
        word: &str,
        continuation: bool,
        scratch: &mut String,
    ) -> Option<(u32, usize)> {
        let prefix = if continuation {
            CONTINUING_SUBWORD_PREFIX.len()
        } else {
            0
        };
        // The longest candidate that can be in the vocabulary, cut to a char boundary.
        let mut end = self.max_piece_len().saturating_sub(prefix);
        if end >= word.len() {
            end = word.len();
        } else {
            while end > 0 && !word.is_char_boundary(end) {
                end -= 1;
            }
        }
        while end > 0 {
            let candidate = word.get(..end)?;
            let id = if continuation {
                scratch.clear();
                scratch.push_str(CONTINUING_SUBWORD_PREFIX);
                scratch.push_str(candidate);
                self.id(scratch)
            } else {
                self.id(candidate)
            };
            if let Some(id) = id {
                return Some((id, end));
            }
            end -= candidate.chars().next_back().map_or(1, char::len_utf8);
        }
        None
    }
}

impl<K, S> Vocab for HashMap<K, u32, S>
where
    K: std::borrow::Borrow<str> + std::hash::Hash + Eq,
    S: BuildHasher,
{
    fn id(&self, piece: &str) -> Option<u32> {
        self.get(piece).copied()
    }
}

impl<V: Vocab + ?Sized> Vocab for &V {
    fn id(&self, piece: &str) -> Option<u32> {
        (**self).id(piece)
    }

    fn max_piece_len(&self) -> usize {
        (**self).max_piece_len()
    }

    fn longest_piece(
        &self,
        word: &str,
        continuation: bool,
        scratch: &mut String,
    ) -> Option<(u32, usize)> {
        (**self).longest_piece(word, continuation, scratch)
    }
}

/// A vocabulary read from a text of one token per line, sorted by UTF-8 bytes, each line
/// ended by `\n`: the id of a token is its line number (from 0).
///
/// Opening it checks the text and records where each line starts (4 bytes per token);
/// lookups bisect the lines. The text is borrowed ([`SortedVocab::new`]) or owned
/// ([`SortedVocab::from_string`]); nothing else is built or copied.
#[derive(Clone)]
pub struct SortedVocab<'a> {
    text: Cow<'a, str>,
    /// The start of every line, then `text.len()`.
    starts: Cow<'a, [u32]>,
    max_len: usize,
}

impl std::fmt::Debug for SortedVocab<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SortedVocab")
            .field("tokens", &self.len())
            .field("max_piece_len", &self.max_len)
            .finish_non_exhaustive()
    }
}

impl<'a> SortedVocab<'a> {
    /// Indexes `text`. Fails ([`Error::InvalidInput`], naming the line) when it is empty,
    /// does not end with `\n`, has an empty line or a `\r`, is larger than 4 GiB, or is not
    /// strictly increasing by bytes (unsorted or with a duplicate).
    pub fn new(text: &'a str) -> Result<Self> {
        Self::build(Cow::Borrowed(text))
    }

    /// [`SortedVocab::new`] over a text it owns.
    pub fn from_string(text: String) -> Result<SortedVocab<'static>> {
        SortedVocab::build(Cow::Owned(text))
    }

    /// A vocabulary indexed beforehand (the built-in one, indexed at compile time by
    /// [`line_starts`] and checked against [`SortedVocab::new`] by a test): nothing is
    /// checked or built. Wrong parts give wrong lookups, never a panic.
    pub(crate) fn from_parts(text: &'a str, starts: &'a [u32], max_len: usize) -> Self {
        SortedVocab {
            text: Cow::Borrowed(text),
            starts: Cow::Borrowed(starts),
            max_len,
        }
    }

    /// The longest token in bytes.
    #[cfg(test)]
    pub(crate) fn parts(&self) -> (&[u32], usize) {
        (&self.starts, self.max_len)
    }

    fn build(text: Cow<'a, str>) -> Result<Self> {
        let vocab = Self::index(text)?;
        for i in 1..vocab.len() {
            let (prev, line) = (vocab.bytes(i - 1), vocab.bytes(i));
            if prev >= line {
                return Err(Error::InvalidInput {
                    what: "vocabulary",
                    reason: format!(
                        "line {} ({:?}) does not sort after the line before it: tokens must be unique and sorted by UTF-8 bytes",
                        i + 1,
                        String::from_utf8_lossy(line)
                    ),
                });
            }
        }
        Ok(vocab)
    }

    /// Checks the text's shape and records where its lines start.
    fn index(text: Cow<'a, str>) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidInput {
            what: "vocabulary",
            reason,
        };
        let bytes = text.as_bytes();
        if bytes.is_empty() {
            return Err(invalid("it is empty".into()));
        }
        if bytes.last() != Some(&b'\n') {
            return Err(invalid("the last line does not end with '\\n'".into()));
        }
        if u32::try_from(bytes.len()).is_err() {
            return Err(invalid(format!("{} bytes is over 4 GiB", bytes.len())));
        }
        let mut starts = Vec::with_capacity(bytes.len() / 4 + 2);
        starts.push(0u32);
        // Fits: the length fits in u32.
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        let mut max_len = 0;
        for (i, w) in starts.windows(2).enumerate() {
            let len = (w[1] - w[0] - 1) as usize;
            if len == 0 {
                return Err(invalid(format!("line {} is empty", i + 1)));
            }
            max_len = max_len.max(len);
        }
        if let Some(at) = bytes.iter().position(|&b| b == b'\r') {
            let line = starts.partition_point(|&s| s as usize <= at);
            return Err(invalid(format!("line {line} has a '\\r'")));
        }
        Ok(SortedVocab {
            text,
            starts: Cow::Owned(starts),
            max_len,
        })
    }

    /// The bytes of line `i` (empty past the end).
    fn bytes(&self, i: usize) -> &[u8] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&start), Some(&next)) => self
                .text
                .as_bytes()
                .get(start as usize..next as usize - 1)
                .unwrap_or_default(),
            _ => &[],
        }
    }

    /// The number of tokens.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Whether there are no tokens (never, for a vocabulary [`SortedVocab::new`] accepted).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The token of id `id`, or `None` past the end.
    pub fn token(&self, id: u32) -> Option<&str> {
        let i = usize::try_from(id).ok()?;
        let start = *self.starts.get(i)? as usize;
        let next = *self.starts.get(i + 1)? as usize;
        self.text.get(start..next.checked_sub(1)?)
    }
}

impl Vocab for SortedVocab<'_> {
    fn id(&self, piece: &str) -> Option<u32> {
        if piece.len() > self.max_len {
            return None;
        }
        let (mut lo, mut hi) = (0usize, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.bytes(mid).cmp(piece.as_bytes()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return u32::try_from(mid).ok(),
            }
        }
        None
    }

    fn max_piece_len(&self) -> usize {
        self.max_len
    }

    /// One descent, as in a trie: the lines that start with the candidate's first `k` bytes
    /// are a contiguous range, narrowed byte by byte by bisecting on byte `k` alone; a line
    /// equal to the first `k` bytes is the first of its range.
    fn longest_piece(
        &self,
        word: &str,
        continuation: bool,
        _scratch: &mut String,
    ) -> Option<(u32, usize)> {
        let prefix: &[u8] = if continuation {
            CONTINUING_SUBWORD_PREFIX.as_bytes()
        } else {
            b""
        };
        // Most words are whole tokens: one bisection answers them.
        if prefix.len() + word.len() <= self.max_len {
            let (mut lo, mut hi) = (0usize, self.len());
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                match cmp_concat(self.bytes(mid), prefix, word.as_bytes()) {
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                    std::cmp::Ordering::Equal => {
                        return Some((u32::try_from(mid).ok()?, word.len()));
                    }
                }
            }
        }
        let target = prefix.iter().chain(word.as_bytes());
        let (mut lo, mut hi) = (0usize, self.len());
        let mut best = None;
        for (k, &b) in target.enumerate() {
            // Within [lo, hi) every line starts with the target's first k bytes; a line of
            // exactly k bytes sorts first. Key of a line: its byte k, or below all when it
            // has none.
            let key = |i: usize| self.bytes(i).get(k).map(|&x| u16::from(x) + 1).unwrap_or(0);
            let want = u16::from(b) + 1;
            let first = partition(lo, hi, |i| key(i) < want);
            let end = partition(first, hi, |i| key(i) <= want);
            if first == end {
                break;
            }
            (lo, hi) = (first, end);
            if k + 1 > prefix.len() && self.bytes(lo).len() == k + 1 {
                best = Some((u32::try_from(lo).ok()?, k + 1 - prefix.len()));
            }
        }
        best
    }
}

/// The number of lines of `text` (its `\n`s), at compile time.
pub(crate) const fn line_count(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            n += 1;
        }
        i += 1;
    }
    n
}

/// Where each of the `N` lines of `text` starts, then the end of the last line's `\n`, and
/// the longest line: [`SortedVocab`]'s index, computed at compile time.
pub(crate) const fn line_starts<const M: usize>(text: &str) -> ([u32; M], usize) {
    let bytes = text.as_bytes();
    let mut starts = [0u32; M];
    let (mut i, mut n, mut max_len) = (0, 1, 0);
    while i < bytes.len() && n < M {
        if bytes[i] == b'\n' {
            let len = i - starts[n - 1] as usize;
            if len > max_len {
                max_len = len;
            }
            starts[n] = (i + 1) as u32;
            n += 1;
        }
        i += 1;
    }
    (starts, max_len)
}

/// Compares `line` with `a` followed by `b`, as bytes.
fn cmp_concat(line: &[u8], a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let head = line.len().min(a.len());
    match line[..head].cmp(&a[..head]) {
        std::cmp::Ordering::Equal if line.len() < a.len() => std::cmp::Ordering::Less,
        std::cmp::Ordering::Equal => line[a.len()..].cmp(b),
        unequal => unequal,
    }
}

/// The first index in `lo..hi` where `pred` is false (`pred` true then false over the range).
fn partition(mut lo: usize, mut hi: usize, pred: impl Fn(usize) -> bool) -> usize {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The BERT uncased WordPiece tokenizer, with buffers reused from call to call.
///
/// Keep one per thread (or per embedder behind a lock) to avoid reallocating; the free
/// function [`tokenize`] makes a fresh one each call.
#[derive(Debug, Clone)]
pub struct WordPiece {
    max_input_chars_per_word: usize,
    /// The word being read (normalized).
    word: String,
    /// A continuation piece with its prefix.
    piece: String,
}

impl Default for WordPiece {
    fn default() -> Self {
        Self::new()
    }
}

impl WordPiece {
    /// BERT's limit: a longer word (in characters, after normalization) is one unknown token.
    pub const MAX_INPUT_CHARS_PER_WORD: usize = 100;

    /// The tokenizer with BERT's settings.
    pub fn new() -> Self {
        Self::with_max_input_chars_per_word(Self::MAX_INPUT_CHARS_PER_WORD)
    }

    /// The tokenizer with another word-length limit (a model's `max_input_chars_per_word`).
    pub fn with_max_input_chars_per_word(max_input_chars_per_word: usize) -> Self {
        WordPiece {
            max_input_chars_per_word,
            word: String::new(),
            piece: String::new(),
        }
    }

    /// The word-length limit in characters.
    pub fn max_input_chars_per_word(&self) -> usize {
        self.max_input_chars_per_word
    }

    /// Appends the tokens of `text` to `out`, at most `max_tokens` of them, and returns how
    /// many it appended. Each token is `Some(id)` of `vocab`, or `None` for a word the
    /// vocabulary cannot spell (one `None` per such word, as `tokenizers` gives one
    /// `[UNK]`). When the limit falls inside a word, that word's first pieces are kept, as
    /// truncation in `tokenizers` keeps them.
    ///
    /// Any text is accepted; nothing panics. Reading stops once `max_tokens` tokens are
    /// out.
    pub fn tokenize<V: Vocab + ?Sized>(
        &mut self,
        text: &str,
        vocab: &V,
        max_tokens: usize,
        out: &mut Vec<Option<u32>>,
    ) -> usize {
        let first = out.len();
        let limit = first.saturating_add(max_tokens);
        if max_tokens == 0 {
            return 0;
        }
        self.word.clear();
        let mut word_chars = 0usize;
        for c in normalized(text) {
            if c.is_whitespace() {
                self.flush(&mut word_chars, vocab, out);
            } else if is_punctuation(c) {
                self.flush(&mut word_chars, vocab, out);
                if out.len() < limit {
                    self.word.push(c);
                    word_chars = 1;
                    self.flush(&mut word_chars, vocab, out);
                }
            } else {
                // Past the limit the word is unknown whatever follows: stop storing it.
                if word_chars <= self.max_input_chars_per_word {
                    self.word.push(c);
                }
                word_chars += 1;
            }
            if out.len() >= limit {
                break;
            }
        }
        if out.len() < limit {
            self.flush(&mut word_chars, vocab, out);
        }
        out.truncate(limit);
        out.len() - first
    }

    /// Appends the pieces of the word read so far (if any) and starts a new one.
    fn flush<V: Vocab + ?Sized>(
        &mut self,
        word_chars: &mut usize,
        vocab: &V,
        out: &mut Vec<Option<u32>>,
    ) {
        if self.word.is_empty() {
            return;
        }
        if *word_chars > self.max_input_chars_per_word {
            out.push(None);
        } else {
            pieces(&self.word, &mut self.piece, vocab, out);
        }
        self.word.clear();
        *word_chars = 0;
    }
}

/// Appends the pieces of `word`, or one `None` when it cannot be covered.
fn pieces<V: Vocab + ?Sized>(
    word: &str,
    scratch: &mut String,
    vocab: &V,
    out: &mut Vec<Option<u32>>,
) {
    let mark = out.len();
    let mut start = 0;
    while let Some(rest) = word.get(start..).filter(|r| !r.is_empty()) {
        match vocab.longest_piece(rest, start > 0, scratch) {
            Some((id, len)) if len > 0 => {
                out.push(Some(id));
                start += len;
            }
            _ => {
                out.truncate(mark);
                out.push(None);
                return;
            }
        }
    }
}

/// Tokenizes `text` with a fresh [`WordPiece`]: see [`WordPiece::tokenize`].
pub fn tokenize<V: Vocab + ?Sized>(
    text: &str,
    vocab: &V,
    max_tokens: usize,
    out: &mut Vec<Option<u32>>,
) -> usize {
    WordPiece::new().tokenize(text, vocab, max_tokens, out)
}

/// The characters of `text` after `BertNormalizer`, lazily.
fn normalized(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars()
        .filter(|&c| !(c == '\0' || c == '\u{fffd}' || is_control(c)))
        .map(|c| if is_whitespace(c) { ' ' } else { c })
        .flat_map(|c| {
            if is_chinese_char(c) {
                [' ', c, ' '].into_iter().take(3)
            } else {
                [c, ' ', ' '].into_iter().take(1)
            }
        })
        .nfd()
        .filter(|&c| c.is_ascii() || !c.is_mark_nonspacing())
        .flat_map(char::to_lowercase)
}

/// White space as BERT counts it: Unicode `White_Space`, with `\t`, `\n`, `\r`.
fn is_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

/// Characters BERT drops: control (`Cc`), format (`Cf`) and private-use (`Co`) characters as
/// `unicode_categories` lists them, except `\t`, `\n`, `\r`.
fn is_control(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r');
    }
    c.is_other()
}

/// Punctuation as BERT counts it: all ASCII symbols and punctuation, and `P*` as
/// `unicode_categories` lists it.
fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    c.is_punctuation()
}

/// The CJK ideographs `tokenizers` isolates (its ranges, which differ from Google BERT's in
/// one: U+2B920.., not U+2B820..).
fn is_chinese_char(c: char) -> bool {
    matches!(
        u32::from(c),
        0x4E00..=0x9FFF
            | 0x3400..=0x4DBF
            | 0x20000..=0x2A6DF
            | 0x2A700..=0x2B73F
            | 0x2B740..=0x2B81F
            | 0x2B920..=0x2CEAF
            | 0xF900..=0xFAFF
            | 0x2F800..=0x2FA1F
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(serde::Deserialize)]
    struct Fixture {
        cases: Vec<Case>,
    }

    #[derive(serde::Deserialize)]
    struct Case {
        text: String,
        tokens: Vec<String>,
    }

    fn fixture() -> Fixture {
        serde_json::from_str(include_str!(
            "../../../tests/fixtures/wordpiece/bert_uncased.json"
        ))
        .unwrap()
    }

    /// A sorted vocabulary text of `tokens`.
    fn vocab_text<'a>(tokens: impl IntoIterator<Item = &'a str>) -> String {
        let mut v: Vec<&str> = tokens.into_iter().collect();
        v.sort_unstable();
        v.dedup();
        v.iter().map(|t| format!("{t}\n")).collect()
    }

    fn strings(vocab: &SortedVocab, ids: &[Option<u32>]) -> Vec<String> {
        ids.iter()
            .map(|id| match id {
                Some(i) => vocab.token(*i).unwrap().to_string(),
                None => "[UNK]".to_string(),
            })
            .collect()
    }

    /// Compares with `tokenizers` on the fixture, over `vocab`.
    fn assert_parity(vocab: &SortedVocab) {
        let mut wp = WordPiece::new();
        let mut ids = Vec::new();
        let mut failures = Vec::new();
        for case in fixture().cases {
            ids.clear();
            wp.tokenize(&case.text, vocab, usize::MAX, &mut ids);
            let got = strings(vocab, &ids);
            if got != case.tokens {
                failures.push(format!(
                    "{:?}\n  expected {:?}\n  got      {:?}",
                    case.text, case.tokens, got
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn matches_tokenizers_over_the_fixture_pieces() {
        // A vocabulary of every piece the fixture expects: a subset of BERT's, over which
        // greedy longest-match picks the same pieces for every word BERT can spell.
        let fixture = fixture();
        let text = vocab_text(
            fixture
                .cases
                .iter()
                .flat_map(|c| c.tokens.iter().map(String::as_str))
                .filter(|t| *t != "[UNK]"),
        );
        assert_parity(&SortedVocab::new(&text).unwrap());
    }

    /// Set `MEMCORE_BERT_VOCAB` to a `vocab.txt` of bert-base-uncased to compare over the
    /// whole vocabulary.
    #[test]
    fn matches_tokenizers_over_a_full_vocab_when_given() {
        let Some(path) = std::env::var_os("MEMCORE_BERT_VOCAB") else {
            return;
        };
        let raw = std::fs::read_to_string(path).unwrap();
        let text = vocab_text(raw.lines());
        assert_parity(&SortedVocab::new(&text).unwrap());
        // And through a HashMap in file order, as a transformer loads vocab.txt.
        let map: HashMap<&str, u32> = raw.lines().zip(0..).collect();
        let mut ids = Vec::new();
        for case in fixture().cases {
            ids.clear();
            tokenize(&case.text, &map, usize::MAX, &mut ids);
            let got: Vec<&str> = ids
                .iter()
                .map(|id| id.map_or("[UNK]", |i| raw.lines().nth(i as usize).unwrap()))
                .collect();
            assert_eq!(got, case.tokens, "{:?}", case.text);
        }
    }

    #[test]
    fn the_doc_example_pieces() {
        let v = SortedVocab::new("##ing\n##s\n,\nrun\nthe\n").unwrap();
        let mut ids = Vec::new();
        assert_eq!(tokenize("The RUNS, running!", &v, 512, &mut ids), 6);
        // "running" is run + "ning", and there is no "##ning": one unknown.
        assert_eq!(
            strings(&v, &ids),
            ["the", "run", "##s", ",", "[UNK]", "[UNK]"]
        );
    }

    #[test]
    fn max_tokens_cuts_and_appends() {
        let v = SortedVocab::new("##s\na\nb\nrun\n").unwrap();
        let mut ids = vec![Some(99)];
        assert_eq!(tokenize("a b runs a b", &v, 4, &mut ids), 4);
        assert_eq!(ids.len(), 5);
        assert_eq!(ids[0], Some(99));
        assert_eq!(strings(&v, &ids[1..]), ["a", "b", "run", "##s"]);
        // The limit inside a word keeps its first pieces.
        ids.clear();
        assert_eq!(tokenize("a b runs", &v, 3, &mut ids), 3);
        assert_eq!(strings(&v, &ids), ["a", "b", "run"]);
        assert_eq!(tokenize("a b", &v, 0, &mut ids), 0);
        assert_eq!(ids.len(), 3);
    }

    /// Counts lookups.
    struct Counting<'a>(SortedVocab<'a>, std::cell::Cell<usize>);

    impl Vocab for Counting<'_> {
        fn id(&self, piece: &str) -> Option<u32> {
            self.1.set(self.1.get() + 1);
            self.0.id(piece)
        }
    }

    #[test]
    fn long_input_stops_at_the_limit() {
        let v = Counting(SortedVocab::new("a\n").unwrap(), Default::default());
        let text = "a ".repeat(1_000_000);
        let mut ids = Vec::new();
        tokenize(&text, &v, 10, &mut ids);
        assert_eq!(ids, vec![Some(0); 10]);
        assert_eq!(v.1.get(), 10);
    }

    #[test]
    fn special_tokens_in_the_text_are_plain_text() {
        let v = SortedVocab::new("##s\n[\n[CLS]\n]\ncl\n").unwrap();
        let mut ids = Vec::new();
        tokenize("[CLS]", &v, usize::MAX, &mut ids);
        assert_eq!(strings(&v, &ids), ["[", "cl", "##s", "]"]);
    }

    #[test]
    fn over_long_and_unspellable_words_are_one_unknown() {
        let v = SortedVocab::new("##x\nx\n").unwrap();
        let mut ids = Vec::new();
        tokenize(&"x".repeat(100), &v, usize::MAX, &mut ids);
        assert_eq!(ids.len(), 100);
        ids.clear();
        tokenize(&"x".repeat(101), &v, usize::MAX, &mut ids);
        assert_eq!(ids, [None]);
        ids.clear();
        tokenize("xxy x", &v, usize::MAX, &mut ids);
        assert_eq!(ids, [None, Some(1)]);
        let mut short = WordPiece::with_max_input_chars_per_word(2);
        ids.clear();
        short.tokenize("xxx xx", &v, usize::MAX, &mut ids);
        assert_eq!(ids, [None, Some(1), Some(0)]);
    }

    #[test]
    fn sorted_vocab_refuses_bad_text() {
        for bad in ["", "a", "a\n\nb\n", "b\na\n", "a\na\n", "a\r\nb\r\n"] {
            assert!(SortedVocab::new(bad).is_err(), "{bad:?}");
        }
        let v = SortedVocab::new("##a\na\nab\né\n").unwrap();
        assert_eq!((v.len(), v.max_piece_len()), (4, 3));
        for (i, t) in ["##a", "a", "ab", "é"].iter().enumerate() {
            assert_eq!(v.id(t), Some(i as u32));
            assert_eq!(v.token(i as u32), Some(*t));
        }
        assert_eq!(v.id("b"), None);
        assert_eq!(v.id(""), None);
        assert_eq!(v.id("abcd"), None);
        assert_eq!(v.token(4), None);
    }

    /// Answers with the trait's default longest_piece.
    struct Plain<'a>(&'a SortedVocab<'a>);

    impl Vocab for Plain<'_> {
        fn id(&self, piece: &str) -> Option<u32> {
            self.0.id(piece)
        }
    }

    proptest! {
        #[test]
        fn the_sorted_descent_finds_what_bisection_finds(word in "[abé#]{1,8}", continuation: bool) {
            let v = SortedVocab::new("#\n##\n##a\n##ab\n##b\n##bé\n##é\na\naab\nab\nabab\nb\nbé\né\néa\n").unwrap();
            let mut scratch = String::new();
            prop_assert_eq!(
                v.longest_piece(&word, continuation, &mut scratch),
                Plain(&v).longest_piece(&word, continuation, &mut scratch)
            );
        }

        #[test]
        fn any_text_tokenizes_without_panicking(text in any::<String>(), max in 0usize..40) {
            let v = SortedVocab::new("##a\n##b\n,\na\nb\n").unwrap();
            let mut ids = Vec::new();
            let n = tokenize(&text, &v, max, &mut ids);
            prop_assert_eq!(n, ids.len());
            prop_assert!(n <= max);
        }
    }
}
