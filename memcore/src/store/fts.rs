//! The full-text side: what goes into the `terms` column beside the stored text, and how a
//! user's query becomes an FTS5 MATCH expression. Both sides split identifiers the same way,
//! so `RefreshToken`, `refresh_token` and `refresh token` find each other.

/// Words too common to help a query rank anything; dropped from queries (never from the
/// index), unless the query has nothing else.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "doing", "for",
    "from", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "she", "should",
    "so", "some", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "to", "too", "us", "was", "we", "were", "what", "when", "where", "which", "while",
    "who", "whom", "why", "will", "with", "would", "you", "your",
];

/// Most tokens a query contributes; the rest are ignored.
const MAX_QUERY_TOKENS: usize = 64;

/// Splits text into its word tokens (letters and digits), as FTS5's unicode61 tokenizer does.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// The camel-case parts of a word (`RefreshToken` -> `Refresh`, `Token`; `HTTPServer` ->
/// `HTTP`, `Server`), or nothing when the word has no inner case change.
fn camel_parts(word: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut cuts = Vec::new();
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let prev = chars[i - 1].1;
        let next_lower = chars.get(i + 1).is_some_and(|(_, n)| n.is_lowercase());
        if c.is_uppercase() && (prev.is_lowercase() || (prev.is_uppercase() && next_lower)) {
            cuts.push(at);
        }
    }
    if cuts.is_empty() {
        return Vec::new();
    }
    let mut parts = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts {
        parts.push(&word[start..cut]);
        start = cut;
    }
    parts.push(&word[start..]);
    parts
}

/// The extra terms indexed beside `texts`: the camel-case parts of every identifier in them.
pub(crate) fn identifier_terms<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for text in texts {
        for word in words(text) {
            for part in camel_parts(word) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(part);
            }
        }
    }
    out
}

/// The tokens of a query, lower-cased and deduplicated, identifiers split like the index;
/// stop words are dropped unless nothing else is left.
pub(crate) fn query_tokens(query: &str) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    let mut push = |t: &str| {
        let t = t.to_lowercase();
        if !all.contains(&t) {
            all.push(t);
        }
    };
    for word in words(query) {
        push(word);
        for part in camel_parts(word) {
            push(part);
        }
    }
    let content: Vec<String> = all
        .iter()
        .filter(|t| !STOP_WORDS.contains(&t.as_str()))
        .cloned()
        .collect();
    let mut tokens = if content.is_empty() { all } else { content };
    tokens.truncate(MAX_QUERY_TOKENS);
    tokens
}

/// An FTS5 MATCH expression for a user's query: each token quoted (so no FTS5 syntax in the
/// user's text can act: `AND`, `NEAR`, `*`, `:`, quotes are all plain words or separators)
/// and joined by OR, so BM25 ranks documents by how many of the words they hold and how rare
/// those are. `None` when the query has no word at all.
pub(crate) fn match_expression(query: &str) -> Option<String> {
    let tokens = query_tokens(query);
    if tokens.is_empty() {
        return None;
    }
    Some(
        tokens
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" OR "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_identifiers_are_split() {
        assert_eq!(camel_parts("RefreshToken"), vec!["Refresh", "Token"]);
        assert_eq!(camel_parts("HTTPServer"), vec!["HTTP", "Server"]);
        assert_eq!(camel_parts("parseJSONBody"), vec!["parse", "JSON", "Body"]);
        assert!(camel_parts("token").is_empty());
        assert!(camel_parts("E0502").is_empty());
        assert!(camel_parts("HTTP").is_empty());
    }

    #[test]
    fn identifier_terms_hold_only_the_split_parts() {
        assert_eq!(
            identifier_terms(["fix RefreshToken in src/auth.rs", "getUser"]),
            "Refresh Token get User"
        );
    }

    #[test]
    fn fts_syntax_in_queries_is_neutralised() {
        assert_eq!(
            match_expression("title:foo AND \"bar* NEAR(baz)").as_deref(),
            Some("\"title\" OR \"foo\" OR \"bar\" OR \"near\" OR \"baz\"")
        );
    }

    #[test]
    fn queries_without_words_match_nothing() {
        assert_eq!(match_expression(""), None);
        assert_eq!(match_expression("  *** ?? "), None);
    }

    #[test]
    fn stop_words_are_dropped_unless_alone() {
        assert_eq!(
            query_tokens("what is the refresh token"),
            vec!["refresh", "token"]
        );
        assert_eq!(query_tokens("what is it"), vec!["what", "is", "it"]);
    }
}
