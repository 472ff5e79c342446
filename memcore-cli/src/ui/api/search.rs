//! `GET /api/search`: the ranking explained. Both layers (observations and conversation
//! records) ranked together by the core's `recall_relevant`, the rule `memcore search` and
//! the MCP search tool apply, so the page shows what those show. Each hit carries every
//! score part, its layer, and the query words found in it.

use super::super::query::{ApiError, ApiResult, Query};
use super::super::server::Context;
use super::{kind, scope};
use memcore::{RecallHit, SearchFilter, SearchMode, SearchRequest};
use serde_json::{Value, json};

/// `GET /api/search?q=&project=&kind=&limit=&mode=`
pub fn search(ctx: &Context<'_>, q: &Query) -> ApiResult<Value> {
    let text = q.text("q").unwrap_or_default();
    let kinds = q.text("kind").map(|k| kind(&k)).transpose()?;
    if text.is_empty() && kinds.is_none() {
        return Err(ApiError::bad(
            "search needs q (the words to look for) or kind",
        ));
    }
    if text.chars().count() > 1_000 {
        return Err(ApiError::bad("q is longer than 1,000 characters"));
    }
    let mode = match q.text("mode").as_deref() {
        None | Some("fused") => SearchMode::Fused,
        Some("lexical") => SearchMode::Lexical,
        Some("vector") => SearchMode::Vector,
        Some(other) => {
            return Err(ApiError::bad(format!(
                "mode is fused, lexical or vector, not {other:?}"
            )));
        }
    };
    let request = SearchRequest {
        query: text.clone(),
        scope: Some(scope(q.text("project"))),
        filter: SearchFilter {
            kinds: kinds.into_iter().collect(),
            ..SearchFilter::default()
        },
        mode,
        limit: q.number("limit", 20, 1, 100)? as usize,
        ..SearchRequest::default()
    };
    let memory = ctx.memory();
    let hits = memory.recall_relevant(&request)?;
    let ids: Vec<memcore::ObservationId> = hits
        .iter()
        .filter_map(|h| match h {
            RecallHit::Observation(h) => Some(h.id),
            RecallHit::Conversation(_) => None,
        })
        .collect();
    let authors = memory.teammate_authors(&ids)?;
    let terms = terms(&text);
    let hits: Vec<Value> = hits
        .iter()
        .map(|hit| {
            let mut value = explained(hit, &terms);
            if let RecallHit::Observation(h) = hit
                && let Some(author) = authors.get(&h.id)
                && let Some(o) = value.get_mut("observation").and_then(Value::as_object_mut)
            {
                o.insert("author".to_owned(), json!(author));
            }
            value
        })
        .collect();
    Ok(json!({ "query": text, "hits": hits }))
}

/// A hit as the core serialises it (`layer`, `id`, `score`, `parts`, the observation or
/// record) plus `matched`.
fn explained(hit: &RecallHit, terms: &[String]) -> Value {
    let mut value = serde_json::to_value(hit).unwrap_or_else(|_| json!({}));
    let words = hit_words(hit);
    let matched: Vec<&String> = terms.iter().filter(|t| matches(t, &words)).collect();
    if let Value::Object(map) = &mut value {
        map.insert("matched".to_owned(), json!(matched));
    }
    value
}

/// The query's words: lower-case runs of letters and digits, two characters or more, once.
pub fn terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in words(query) {
        if word.chars().count() >= 2 && !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The words of the text a hit was found by.
fn hit_words(hit: &RecallHit) -> Vec<String> {
    let mut texts: Vec<&str> = Vec::new();
    match hit {
        RecallHit::Observation(h) => {
            let o = &h.observation;
            texts.extend([o.title.as_str(), &o.subtitle, &o.narrative, &o.context]);
            texts.extend(o.facts.iter().map(String::as_str));
            texts.extend(o.concepts.iter().map(String::as_str));
            texts.extend(o.files_read.iter().map(String::as_str));
            texts.extend(o.files_modified.iter().map(String::as_str));
        }
        RecallHit::Conversation(h) => {
            texts.push(&h.record.text);
            texts.extend(h.record.tool.as_deref());
        }
        // RecallHit is exhaustive today; a new layer would show no matched words.
        #[allow(unreachable_patterns)]
        _ => {}
    }
    texts.into_iter().flat_map(words).collect()
}

/// Whether `term` is in `words`, allowing for a word's ending: the term's stem (a plural
/// or verb ending taken off) begins one of the words, or a word begins the term.
fn matches(term: &str, words: &[String]) -> bool {
    let stem = stem(term);
    words
        .iter()
        .any(|w| w.starts_with(stem) || (w.chars().count() >= 4 && term.starts_with(w.as_str())))
}

fn stem(term: &str) -> &str {
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(stem) = term.strip_suffix(suffix)
            && stem.chars().count() >= 3
        {
            return stem;
        }
    }
    term
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(text: &str) -> Vec<String> {
        words(text).collect()
    }

    #[test]
    fn query_terms_are_lowercase_and_unique() {
        assert_eq!(
            terms("Coupon coupon, checkout-flow a"),
            ["coupon", "checkout", "flow"]
        );
    }

    #[test]
    fn terms_match_word_endings() {
        let w = ws("Fixed the coupons parser; retrying checkout");
        assert!(matches("coupon", &w));
        assert!(matches("coupons", &w));
        assert!(matches("parsing", &w));
        assert!(matches("retry", &w));
        assert!(matches("fix", &w));
        assert!(!matches("invoice", &w));
    }
}
