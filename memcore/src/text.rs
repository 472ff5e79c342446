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

/// Whether a lower-case word is a stop word.
pub(crate) fn is_stop_word(lower: &str) -> bool {
    STOP_WORDS.contains(&lower)
}

/// The word tokens of a text (runs of letters and digits), as FTS5's unicode61 tokenizer
/// splits them: `_`, `/`, `.`, `-` and every other symbol separate words.
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
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
    let wanted: Vec<String> = words(query)
        .map(str::to_lowercase)
        .filter(|w| !is_stop_word(w) && w.chars().count() > 1)
        .collect();
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
}
