//! The full-text side: what goes into the `terms` column beside the stored text, and how a
//! user's query becomes an FTS5 MATCH expression. Both sides split identifiers the same way,
//! so `RefreshToken`, `refresh_token` and `refresh token` find each other.

use crate::text::{identifier_parts, is_stop_word, words};

/// Most tokens a query contributes; the rest are ignored.
const MAX_QUERY_TOKENS: usize = 64;

/// The extra terms indexed beside `texts`: the camel-case parts of every identifier in them.
pub(crate) fn identifier_terms<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for text in texts {
        for word in words(text) {
            let parts = identifier_parts(word);
            if parts.len() < 2 {
                continue;
            }
            for part in parts {
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
        let parts = identifier_parts(word);
        if parts.len() > 1 {
            parts.into_iter().for_each(&mut push);
        }
    }
    let content: Vec<String> = all.iter().filter(|t| !is_stop_word(t)).cloned().collect();
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
