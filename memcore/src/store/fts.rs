//! The full-text side: what goes into the `terms` column beside the stored text, and how a
//! user's query becomes an FTS5 MATCH expression. Both sides split identifiers the same way,
//! so `RefreshToken`, `refresh_token` and `refresh token` find each other.
//!
//! # CJK
//!
//! FTS5's unicode61 tokenizer keeps a run of letters in one token, and Chinese and Japanese
//! (and Korean between its spaces) put no space between words: `今天面试很顺利` is one token,
//! so the word `面试` inside it could not be found. The bundled SQLite has no ICU tokenizer
//! and a custom tokenizer would need unsafe code, so the crate does the splitting itself, on
//! both sides, with character bigrams:
//!
//! * **Index.** Every maximal CJK run ([`crate::text::is_cjk`]) of a word adds its
//!   overlapping bigrams to the `terms` column (`今天面试` -> `今天 天面 面试`; a single
//!   character adds itself), and the rest of such a word (`API` in `用API部署`, full-width
//!   `ＡＰＩ` folded to `API`) is added as a word of its own. Words without CJK or full-width
//!   characters (every English word) add only their identifier parts, as before.
//! * **Query.** A CJK run in a query word becomes its bigrams. A run of two to
//!   [`MAX_CJK_WORD`] characters (most Chinese and Japanese words are two to four) is one
//!   phrase of its bigrams, `"数据 据库"`: every bigram is required, in order and adjacent,
//!   which is the run itself as a substring, so `数据库` does not match every text that holds
//!   `数据`. A longer run is most likely several words written together (a whole question),
//!   whose word boundaries are unknown: requiring it all would find only texts that repeat
//!   the question verbatim, so each of its bigrams is its own alternative in the OR list and
//!   BM25 ranks texts by how many of them, and how rare, they hold (recall over precision;
//!   the prompt context's coverage rule then keeps out texts holding few of them). The
//!   phrase of the whole run is one more alternative, so a text holding it verbatim ranks
//!   first. A single character matches a single-character run (and is not found inside a
//!   longer one: a lone character is too ambiguous a word).
//!
//! Known limits: a phrase can also match across the boundary of two runs of one row
//! (`数据。据库` indexes `数据 据库` too; such rows are rare and hold both halves), and a
//! particle written onto a short query run is part of its phrase (`的数据库` needs `的数据库`;
//! with a space, `的 数据库`, it does not). Korean writes spaces between words, but a word
//! longer than [`MAX_CJK_WORD`] syllables is treated like a Chinese sentence: any of its
//! bigrams, the whole word first.

use crate::text::{Segment, bigrams, identifier_parts, is_stop_word, segments, words};

/// Most tokens a query contributes; the rest are ignored.
const MAX_QUERY_TOKENS: usize = 64;

/// The longest CJK run of a query word that is matched only as one phrase (all its bigrams
/// required); longer runs also match by any of their bigrams (see the module docs).
pub(crate) const MAX_CJK_WORD: usize = 4;

/// The extra terms indexed beside `texts`: the camel-case parts of every identifier in them,
/// and the CJK bigrams and split-off pieces of every word that holds CJK or full-width
/// characters (see the module docs).
pub(crate) fn index_terms<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for text in texts {
        push_terms(&mut out, text, true);
    }
    out
}

/// The CJK part of [`index_terms`] alone (bigrams and split-off pieces of the words that hold
/// CJK or full-width characters); empty for a text without any.
pub(crate) fn cjk_terms<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for text in texts {
        push_terms(&mut out, text, false);
    }
    out
}

fn push_terms(out: &mut String, text: &str, identifiers: bool) {
    let mut push = |term: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(term);
    };
    for word in words(text) {
        match segments(word) {
            None if identifiers => {
                let parts = identifier_parts(word);
                if parts.len() >= 2 {
                    parts.into_iter().for_each(&mut push);
                }
            }
            None => {}
            Some(segments) => {
                for segment in &segments {
                    match segment {
                        Segment::Cjk(run) => bigrams(run).into_iter().for_each(&mut push),
                        Segment::Other(other) => {
                            push(other);
                            let parts = identifier_parts(other);
                            if parts.len() >= 2 {
                                parts.into_iter().for_each(&mut push);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The `terms` and `context` values of an observation's `observations_fts` row, from its
/// own texts (title, subtitle, narrative, facts, files), its concepts (joined by spaces)
/// and its situating context. `terms` holds the [`index_terms`] of the own texts and the
/// [`cjk_terms`] of the concepts (whose identifiers were never split). The context's CJK
/// bigrams go at the end of the `context` value instead, after a line break: that column
/// is only indexed, never read back, and weighs 0.3 because the context is not the
/// observation's own content; in `terms` (weight 1) the prompt that led to an observation
/// would count as much as the observation. A context without CJK is stored as it is.
pub(crate) fn observation_terms<'a>(
    own: impl IntoIterator<Item = &'a str>,
    concepts: &str,
    context: &str,
) -> (String, String) {
    let mut terms = index_terms(own);
    let concept_terms = cjk_terms([concepts]);
    if !concept_terms.is_empty() {
        if !terms.is_empty() {
            terms.push(' ');
        }
        terms.push_str(&concept_terms);
    }
    let context_terms = cjk_terms([context]);
    let context = if context_terms.is_empty() {
        context.to_owned()
    } else {
        format!("{context}\n{context_terms}")
    };
    (terms, context)
}

/// The tokens of a query, lower-cased and deduplicated, identifiers split like the index;
/// stop words are dropped unless nothing else is left. A CJK run becomes its bigrams: one
/// token holding them all, separated by spaces (a phrase once quoted), and for a run longer
/// than [`MAX_CJK_WORD`] characters one more token per bigram (see the module docs).
/// Tokens hold letters, digits and spaces only, never a quote.
pub(crate) fn query_tokens(query: &str) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    let mut push = |t: &str| {
        let t = t.to_lowercase();
        if !all.contains(&t) {
            all.push(t);
        }
    };
    for word in words(query) {
        let Some(segments) = segments(word) else {
            push(word);
            let parts = identifier_parts(word);
            if parts.len() > 1 {
                parts.into_iter().for_each(&mut push);
            }
            continue;
        };
        for segment in &segments {
            match segment {
                Segment::Cjk(run) => {
                    let grams = bigrams(run);
                    push(&grams.join(" "));
                    if run.chars().count() > MAX_CJK_WORD {
                        grams.into_iter().for_each(&mut push);
                    }
                }
                Segment::Other(other) => {
                    push(other);
                    let parts = identifier_parts(other);
                    if parts.len() > 1 {
                        parts.into_iter().for_each(&mut push);
                    }
                }
            }
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
/// those are. A token of several CJK bigrams is quoted whole, so it is a phrase: all of its
/// bigrams, adjacent. `None` when the query has no word at all.
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
            index_terms(["fix RefreshToken in src/auth.rs", "getUser"]),
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

    #[test]
    fn cjk_runs_add_their_bigrams_beside_identifier_parts() {
        assert_eq!(
            index_terms(["今天面试很顺利，明天入职。", "getUser 面"]),
            "今天 天面 面试 试很 很顺 顺利 明天 天入 入职 get User 面"
        );
        assert_eq!(index_terms(["データベースの移行"]).split(' ').count(), 8);
        assert_eq!(
            index_terms(["데이터베이스를 복구했다"]),
            "데이 이터 터베 베이 이스 스를 복구 구했 했다"
        );
        // The rest of a mixed word is a word of its own, full-width letters folded.
        assert_eq!(
            index_terms(["用RefreshToken部署", "ＡＰＩ密钥"]),
            "用 RefreshToken Refresh Token 部署 API 密钥"
        );
        assert_eq!(cjk_terms(["plain English, parseJSONBody"]), "");
        assert_eq!(cjk_terms(["用getUser"]), "用 getUser get User");
    }

    #[test]
    fn observation_context_keeps_its_bigrams_in_its_own_column() {
        let (terms, context) = observation_terms(["getUser"], "数据库", "今天面试");
        assert_eq!(terms, "get User 数据 据库");
        assert_eq!(context, "今天面试\n今天 天面 面试");
        let (terms, context) = observation_terms(["plain"], "tag", "context");
        assert_eq!((terms.as_str(), context.as_str()), ("", "context"));
    }

    #[test]
    fn cjk_query_words_become_phrases_of_their_bigrams() {
        assert_eq!(match_expression("面试").as_deref(), Some("\"面试\""));
        assert_eq!(
            match_expression("数据库 迁移").as_deref(),
            Some("\"数据 据库\" OR \"迁移\"")
        );
        // A run longer than a word: any of its bigrams.
        assert_eq!(
            query_tokens("数据库迁移失败"),
            [
                "数据 据库 库迁 迁移 移失 失败",
                "数据",
                "据库",
                "库迁",
                "迁移",
                "移失",
                "失败"
            ]
        );
        // Mixed, punctuation, full width, a single character.
        assert_eq!(
            query_tokens("RefreshToken的数据库？ＡＰＩ、面"),
            [
                "refreshtoken",
                "refresh",
                "token",
                "的数 数据 据库",
                "api",
                "面"
            ]
        );
    }
}
