//! Text helpers shared across the crate, each written once: word splitting for the full-text
//! index and the built-in embedder (so that both see the same words: Unicode letter-and-digit
//! runs, identifiers split at case changes, one stop-word list), cutting a text to a length,
//! and removing the tags hosts wrap around what they add to a conversation.

/// Words too common to tell texts apart: dropped from full-text queries (never from the index)
/// and from embedder features.
pub(crate) const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "doing", "for",
    "from", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "she", "should",
    "so", "some", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "to", "too", "us", "was", "we", "were", "what", "when", "where", "which", "while",
    "who", "whom", "why", "will", "with", "would", "you", "your",
];

/// Whether a lower-case word is a stop word. [`STOP_WORDS`] is sorted (a unit test checks
/// it), so this is a binary search.
pub(crate) fn is_stop_word(lower: &str) -> bool {
    STOP_WORDS.binary_search(&lower).is_ok()
}

/// `part` lower-cased into `out` (cleared first), as `part.chars().flat_map(char::to_lowercase)`
/// would: byte by byte when `part` is ASCII (every English word), without the per-character
/// case tables.
pub(crate) fn lower_into(part: &str, out: &mut String) {
    out.clear();
    if part.is_ascii() {
        out.push_str(part);
        out.make_ascii_lowercase();
    } else {
        out.extend(part.chars().flat_map(char::to_lowercase));
    }
}

/// The word tokens of a text (runs of letters and digits), as FTS5's unicode61 tokenizer
/// splits them: `_`, `/`, `.`, `-` and every other symbol separate words.
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Whether `c` is a CJK character: a letter of a script written without spaces between
/// words, which FTS5's unicode61 tokenizer would keep in one token with its neighbours. The
/// crate's one definition of CJK: Han ideographs (the unified block, extensions A to H, the
/// compatibility ideographs, `々 〆 〇`), Hiragana, Katakana (with its phonetic extensions,
/// the Kana supplements and the halfwidth forms), and Hangul (syllables, jamo, compatibility
/// and halfwidth jamo). Only letters count: `、 。 ・ 「」` are punctuation and split runs,
/// as they split words.
pub(crate) fn is_cjk(c: char) -> bool {
    c.is_alphanumeric()
        && matches!(
            u32::from(c),
            0x1100..=0x11FF // Hangul Jamo
                | 0x3005..=0x3007 // 々 〆 〇
                | 0x3040..=0x309F // Hiragana
                | 0x30A0..=0x30FF // Katakana
                | 0x3130..=0x318F // Hangul Compatibility Jamo
                | 0x31F0..=0x31FF // Katakana Phonetic Extensions
                | 0x3400..=0x4DBF // CJK Unified Ideographs Extension A
                | 0x4E00..=0x9FFF // CJK Unified Ideographs
                | 0xA960..=0xA97F // Hangul Jamo Extended-A
                | 0xAC00..=0xD7AF // Hangul Syllables
                | 0xD7B0..=0xD7FF // Hangul Jamo Extended-B
                | 0xF900..=0xFAFF // CJK Compatibility Ideographs
                | 0xFF66..=0xFF9F // Halfwidth Katakana
                | 0xFFA0..=0xFFDC // Halfwidth Hangul
                | 0x1B000..=0x1B16F // Kana Supplement, Kana Extended-A, Small Kana Extension
                | 0x20000..=0x323AF // Extensions B to H, Compatibility Ideographs Supplement
        )
}

/// Whether `c` is a full-width Latin letter or digit (`Ａ`, `ｚ`, `０`).
fn is_full_width_alphanumeric(c: char) -> bool {
    matches!(c, '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}')
}

/// A full-width Latin letter or digit as its ASCII form (`Ａ` -> `A`); any other character
/// as it is.
fn fold_width(c: char) -> char {
    if is_full_width_alphanumeric(c) {
        char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
    } else {
        c
    }
}

/// Whether `text` holds a character the index splits apart from its word: CJK
/// ([`is_cjk`]) or a full-width Latin letter or digit. A text without one (every English
/// text) is indexed exactly as before CJK support.
pub(crate) fn has_cjk_or_full_width(text: &str) -> bool {
    text.chars()
        .any(|c| is_cjk(c) || is_full_width_alphanumeric(c))
}

/// One piece of a word that holds CJK or full-width characters (see [`segments`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment<'a> {
    /// A maximal run of CJK characters.
    Cjk(&'a str),
    /// The text between CJK runs (Latin letters, digits, other scripts), full-width letters
    /// and digits folded to ASCII.
    Other(String),
}

/// The pieces of one word (as [`words`] yields it) when it holds a CJK or full-width
/// character: its maximal CJK runs and the text between them. `今天用API部署` ->
/// `今天`, `API`, `部署`; `ＡＰＩ` -> `API`. `None` for any other word (every English word),
/// which is indexed and matched as it is.
pub(crate) fn segments(word: &str) -> Option<Vec<Segment<'_>>> {
    if !has_cjk_or_full_width(word) {
        return None;
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_cjk: Option<bool> = None;
    for (at, c) in word.char_indices() {
        let cjk = is_cjk(c);
        match in_cjk {
            Some(prev) if prev != cjk => {
                out.push(segment(&word[start..at], prev));
                start = at;
            }
            _ => {}
        }
        in_cjk = Some(cjk);
    }
    if let Some(prev) = in_cjk {
        out.push(segment(&word[start..], prev));
    }
    Some(out)
}

fn segment(piece: &str, cjk: bool) -> Segment<'_> {
    if cjk {
        Segment::Cjk(piece)
    } else {
        Segment::Other(piece.chars().map(fold_width).collect())
    }
}

/// The overlapping character bigrams of a CJK run (`数据库` -> `数据`, `据库`), which stand
/// for its words since the run has no spaces to split it: a query word is found inside a
/// run by its bigrams. A single character is its own only gram; an empty run has none.
pub(crate) fn bigrams(run: &str) -> Vec<&str> {
    let bounds: Vec<usize> = run
        .char_indices()
        .map(|(at, _)| at)
        .chain([run.len()])
        .collect();
    match bounds.len() {
        0 | 1 => Vec::new(),
        2 => vec![run],
        _ => bounds.windows(3).map(|w| &run[w[0]..w[2]]).collect(),
    }
}

/// Calls `f` with every word part of `text` as word sets and fingerprints count them: each
/// [`words`] word split by [`identifier_parts`]; a word holding CJK is first cut into
/// [`segments`], each CJK run counting as its [`bigrams`] (so a Chinese sentence is several
/// words, not one) and the text between as words of its own. Parts come as written; callers
/// lower-case them and drop stop words. For text without CJK or full-width characters the
/// parts are exactly `words` then `identifier_parts`. An ASCII text takes a byte-wise path
/// with the same output and no allocation (see [`ascii_word_parts`]).
pub(crate) fn word_parts(text: &str, mut f: impl FnMut(&str)) {
    if text.is_ascii() {
        return ascii_word_parts(text, f);
    }
    for word in words(text) {
        match segments(word) {
            None => identifier_parts(word).into_iter().for_each(&mut f),
            Some(segments) => {
                for segment in &segments {
                    match segment {
                        Segment::Cjk(run) => bigrams(run).into_iter().for_each(&mut f),
                        Segment::Other(other) => {
                            identifier_parts(other).into_iter().for_each(&mut f)
                        }
                    }
                }
            }
        }
    }
}

/// [`word_parts`] of an ASCII text, byte by byte: words are runs of ASCII letters and digits
/// (what `char::is_alphanumeric` keeps in that range), no CJK or full-width segments exist,
/// and each word is cut as [`identifier_parts`] cuts it, without collecting anything.
fn ascii_word_parts(text: &str, mut f: impl FnMut(&str)) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_alphanumeric() {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && bytes[at].is_ascii_alphanumeric() {
            at += 1;
        }
        let word = &bytes[start..at];
        let mut cut = 0;
        for i in 1..word.len() {
            let (c, prev) = (word[i], word[i - 1]);
            let next_lower = word.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            if c.is_ascii_uppercase()
                && (prev.is_ascii_lowercase() || (prev.is_ascii_uppercase() && next_lower))
            {
                f(&text[start + cut..start + i]);
                cut = i;
            }
        }
        f(&text[start + cut..at]);
    }
}

/// Splits a word at its case changes: `RefreshToken` -> `Refresh`, `Token`; `HTTPServer` ->
/// `HTTP`, `Server`; `parseJSONBody` -> `parse`, `JSON`, `Body`. A word without an inner case
/// change (`token`, `HTTP`, `E0502`) comes back whole, as the only part.
pub(crate) fn identifier_parts(word: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut cuts = vec![0];
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let prev = chars[i - 1].1;
        let next_lower = chars.get(i + 1).is_some_and(|(_, n)| n.is_lowercase());
        if c.is_uppercase() && (prev.is_lowercase() || (prev.is_uppercase() && next_lower)) {
            cuts.push(at);
        }
    }
    cuts.push(word.len());
    cuts.windows(2).map(|w| &word[w[0]..w[1]]).collect()
}

/// `text` (trimmed) cut to at most `max` characters on a character boundary, at a word
/// boundary when one is in the second half, with `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(pos) if pos > max / 2 => cut[..pos].to_owned(),
        _ => cut,
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ', '.']))
}

/// `text` with every run of whitespace (newlines included) made one space, trimmed.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The sentences of one line of prose: each ends at `.`, `!` or `?` followed by whitespace
/// or the end of the line (so `v1.2` and `main.rs` do not end one).
pub(crate) fn sentences(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = line.chars().peekable();
    // Inside a `code span` a full stop ends nothing (`{{ if .Env.X }}. `, `a.b.`).
    let mut in_code = false;
    while let Some(c) = chars.next() {
        current.push(c);
        if c == '`' {
            in_code = !in_code;
        }
        if !in_code
            && matches!(c, '.' | '!' | '?')
            && chars.peek().is_none_or(|n| n.is_whitespace())
            && !ends_with_abbreviation(&current)
        {
            let s = current.trim().to_owned();
            if !s.is_empty() {
                out.push(s);
            }
            current.clear();
        }
    }
    let s = current.trim().to_owned();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

/// Whether `text` ends with an abbreviation whose full stop ends no sentence (`e.g.`, `i.e.`,
/// `etc.` before more words, `vs.`).
fn ends_with_abbreviation(text: &str) -> bool {
    let last = text
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("")
        .trim_start_matches(['(', '['])
        .to_ascii_lowercase();
    matches!(last.as_str(), "e.g." | "i.e." | "vs." | "cf." | "etc.")
}

/// The first sentence of the first non-empty line of `text`, on one line.
pub(crate) fn first_sentence(text: &str) -> String {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| sentences(l).into_iter().next())
        .map(|s| one_line(&s))
        .unwrap_or_default()
}

/// The first paragraph of `text` (up to the first blank line), on one line.
pub(crate) fn first_paragraph(text: &str) -> String {
    one_line(text.trim().split("\n\n").next().unwrap_or(""))
}

/// `text` with its first character upper-cased.
pub(crate) fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `text` with its first character lower-cased.
pub(crate) fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Tags a host (Claude Code, an IDE extension) wraps around text it adds for its own model;
/// their content is not the user's or the assistant's words.
const HOST_TAGS: &[&str] = &[
    "system-reminder",
    "ide_opened_file",
    "ide_selection",
    "ide_diagnostics",
    "command-message",
    "command-name",
    "command-args",
    "local-command-stdout",
    "local-command-stderr",
    "local-command-caveat",
    "user-prompt-submit-hook",
];

/// `text` without the host's tagged blocks (see [`HOST_TAGS`]): each `<tag>…</tag>` span is
/// removed, and an unclosed one removes the rest of the text.
pub(crate) fn strip_host_tags(text: &str) -> String {
    let mut out = text.to_owned();
    for tag in HOST_TAGS {
        let open = format!("<{tag}");
        let close = format!("</{tag}>");
        let mut kept = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(start) = rest.find(&open) {
            // `<tag>` or `<tag attr=...>`, not `<tagger>`.
            let after_name = &rest[start + open.len()..];
            if !after_name.starts_with(['>', ' ', '\n', '/']) {
                kept.push_str(&rest[..start + open.len()]);
                rest = after_name;
                continue;
            }
            kept.push_str(&rest[..start]);
            rest = match after_name.find(&close) {
                Some(end) => &after_name[end + close.len()..],
                None => "",
            };
        }
        kept.push_str(rest);
        out = kept;
    }
    out.trim().to_owned()
}

/// The part of `text` (at most `max` characters) that speaks to `query`: the line or sentence
/// holding most of the query's words, with the lines around it as far as `max` allows. The
/// whole text when it fits; cut pieces are marked with `…`.
pub(crate) fn passage(text: &str, query: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut wanted: Vec<String> = Vec::new();
    for word in words(query) {
        match segments(word) {
            None => wanted.push(word.to_lowercase()),
            // A CJK run is looked for by its bigrams, the rest of the word as it is written.
            Some(_) => word_parts(word, |part| wanted.push(part.to_lowercase())),
        }
    }
    wanted.retain(|w| !is_stop_word(w) && w.chars().count() > 1);
    // Pieces: lines, and sentences inside long lines.
    let mut pieces: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.chars().count() <= max / 2 {
            pieces.push(line);
        } else {
            pieces.extend(line.split_inclusive(". "));
        }
    }
    let score = |piece: &str| {
        let lower = piece.to_lowercase();
        wanted.iter().filter(|w| lower.contains(w.as_str())).count()
    };
    let best = (0..pieces.len())
        .max_by_key(|&i| (score(pieces[i]), std::cmp::Reverse(i)))
        .unwrap_or(0);
    let (mut start, mut end) = (best, best + 1);
    let len = |a: usize, b: usize| {
        pieces[a..b]
            .iter()
            .map(|p| p.chars().count() + 1)
            .sum::<usize>()
    };
    loop {
        let grew_after = end < pieces.len() && len(start, end + 1) <= max;
        if grew_after {
            end += 1;
        }
        let grew_before = start > 0 && len(start - 1, end) <= max;
        if grew_before {
            start -= 1;
        }
        if !grew_after && !grew_before {
            break;
        }
    }
    let mut out = pieces[start..end].join("\n");
    if out.chars().count() > max {
        out = shorten(&out, max);
    }
    if start > 0 {
        out.insert_str(0, "… ");
    }
    if end < pieces.len() {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_cuts_at_a_word_and_marks_the_cut() {
        assert_eq!(shorten("  short  ", 10), "short");
        assert_eq!(shorten("one two three four five", 12), "one two…");
        assert_eq!(shorten("ééééé", 3), "éé…");
    }

    #[test]
    fn sentences_do_not_end_inside_code_or_after_abbreviations() {
        assert_eq!(
            sentences("Set it to `{{ if .Env.X }}. p:red`. Then test, e.g. with go test. Done."),
            [
                "Set it to `{{ if .Env.X }}. p:red`.",
                "Then test, e.g. with go test.",
                "Done."
            ]
        );
    }

    #[test]
    fn a_passage_is_the_part_that_speaks_to_the_query() {
        let text = format!(
            "{}\nThe cause was the subshell.\n{}",
            "intro ".repeat(40),
            "outro ".repeat(40)
        );
        let p = passage(&text, "why did the subshell count wrong", 60);
        assert!(p.contains("The cause was the subshell."), "{p}");
        assert!(p.chars().count() <= 64);
        assert_eq!(passage("short", "x", 60), "short");
    }

    #[test]
    fn host_tags_are_stripped_and_other_tags_kept() {
        let text = "<ide_opened_file>The user opened x.rs</ide_opened_file>Fix the <b>build</b>\n<system-reminder>noise";
        assert_eq!(strip_host_tags(text), "Fix the <b>build</b>");
        assert_eq!(strip_host_tags("<command-name>/clear</command-name>"), "");
        assert_eq!(
            strip_host_tags("<system-reminderish> ok"),
            "<system-reminderish> ok"
        );
        assert_eq!(one_line(" a\n  b\tc "), "a b c");
    }

    #[test]
    fn sentences_end_at_stops_followed_by_space() {
        assert_eq!(
            sentences("Use v1.2 in main.rs. It works! Done"),
            ["Use v1.2 in main.rs.", "It works!", "Done"]
        );
        assert_eq!(first_sentence("\n  First one. Second.\nNext"), "First one.");
        assert_eq!(first_paragraph("a\nb\n\nc"), "a b");
        assert_eq!(capitalize("éa"), "Éa");
        assert_eq!(lowercase_first("Ab"), "ab");
    }

    #[test]
    fn identifiers_split_at_case_changes() {
        assert_eq!(identifier_parts("RefreshToken"), ["Refresh", "Token"]);
        assert_eq!(identifier_parts("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(identifier_parts("parseJSONBody"), ["parse", "JSON", "Body"]);
        assert_eq!(identifier_parts("token"), ["token"]);
        assert_eq!(identifier_parts("E0502"), ["E0502"]);
        assert_eq!(identifier_parts("HTTP"), ["HTTP"]);
        assert_eq!(identifier_parts("Ünïcödé"), ["Ünïcödé"]);
    }

    #[test]
    fn words_split_on_every_symbol() {
        assert_eq!(
            words("src/auth/token.rs: refresh_token (E0502)").collect::<Vec<_>>(),
            ["src", "auth", "token", "rs", "refresh", "token", "E0502"]
        );
    }

    #[test]
    fn cjk_characters_are_han_kana_and_hangul_letters() {
        for c in [
            '面', '㐀', '𠮷', '々', 'の', 'デ', 'ー', 'ｶ', '데', 'ᄀ', 'ㄱ',
        ] {
            assert!(is_cjk(c), "{c}");
        }
        for c in ['a', 'é', 'Ａ', '1', '。', '，', '、', '・', '「', ' ', 'Ж'] {
            assert!(!is_cjk(c), "{c}");
        }
    }

    #[test]
    fn cjk_words_split_into_runs_and_the_rest() {
        assert_eq!(segments("token"), None);
        assert_eq!(segments("Ünïcödé"), None);
        assert_eq!(
            segments("今天用API部署"),
            Some(vec![
                Segment::Cjk("今天用"),
                Segment::Other("API".into()),
                Segment::Cjk("部署")
            ])
        );
        assert_eq!(
            segments("ＡＰＩ２"),
            Some(vec![Segment::Other("API2".into())])
        );
        assert_eq!(segments("面"), Some(vec![Segment::Cjk("面")]));
    }

    #[test]
    fn bigrams_overlap_and_a_single_character_is_its_own() {
        assert_eq!(bigrams("数据库"), ["数据", "据库"]);
        assert_eq!(bigrams("面试"), ["面试"]);
        assert_eq!(bigrams("面"), ["面"]);
        assert!(bigrams("").is_empty());
        assert_eq!(bigrams("𠮷野家"), ["𠮷野", "野家"]);
    }

    #[test]
    fn word_parts_count_cjk_runs_as_bigrams_and_leave_english_alone() {
        let parts = |text: &str| {
            let mut out = Vec::new();
            word_parts(text, |p| out.push(p.to_owned()));
            out
        };
        assert_eq!(
            parts("fix RefreshToken in src/auth.rs"),
            ["fix", "Refresh", "Token", "in", "src", "auth", "rs"]
        );
        assert_eq!(
            parts("数据库迁移失败。用getUser"),
            [
                "数据", "据库", "库迁", "迁移", "移失", "失败", "用", "get", "User"
            ]
        );
    }

    #[test]
    fn stop_words_are_sorted_for_the_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(STOP_WORDS.iter().all(|w| is_stop_word(w)));
        assert!(!is_stop_word("token") && !is_stop_word(""));
    }

    #[test]
    fn the_ascii_path_yields_the_general_parts() {
        // The general path: `words` then `segments` / `identifier_parts`, as for any text.
        let general = |text: &str| {
            let mut out = Vec::new();
            for word in words(text) {
                match segments(word) {
                    None => out.extend(identifier_parts(word).into_iter().map(str::to_owned)),
                    Some(_) => unreachable!("ASCII text has no segments"),
                }
            }
            out
        };
        for text in [
            "",
            "   ",
            "fix RefreshToken in src/auth.rs",
            "HTTPServer parseJSONBody E0502 x86_64 a-b_c.d/e",
            "ABC aBC AbC abC ABc A a 1A A1 aA1b X2Y __init__ snake_case kebab-case",
            "trailing UPPER",
            "MyHTTPClient2Go!!",
            "\t\nTabs\tand\nnewlines\r\n",
            "123 4five SIX7seven 8EIGHT",
        ] {
            let mut fast = Vec::new();
            word_parts(text, |p| fast.push(p.to_owned()));
            assert_eq!(fast, general(text), "{text:?}");
            let mut lower = String::new();
            for part in &fast {
                lower_into(part, &mut lower);
                let slow: String = part.chars().flat_map(char::to_lowercase).collect();
                assert_eq!(lower, slow);
            }
        }
        let mut lower = String::new();
        lower_into("ÉCOLE Straße İ", &mut lower);
        assert_eq!(
            lower,
            "ÉCOLE Straße İ"
                .chars()
                .flat_map(char::to_lowercase)
                .collect::<String>()
        );
    }

    #[test]
    fn a_passage_finds_a_cjk_word_inside_a_run() {
        let text = format!(
            "{}\n今天面试很顺利。\n{}",
            "前言".repeat(40),
            "后记".repeat(40)
        );
        let p = passage(&text, "面试怎么样", 30);
        assert!(p.contains("今天面试很顺利"), "{p}");
    }
}
