//! The factors of a score beside relevance: recency, kind, importance, named files,
//! supersession, and near-duplicate detection. Pure functions of an observation, the request
//! and the [`RecallConfig`].

use super::RecallConfig;
use crate::model::Observation;
use crate::text::{is_stop_word, lower_into, word_parts, words};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// `1 − w + w × 0.5^(age / half_life)`: 1 for an observation made now, `1 − w` for a very old
/// one. A future time counts as now. With `w` small, recency orders equally relevant hits
/// without burying an old, exact answer.
pub(crate) fn recency_factor(
    config: &RecallConfig,
    created: OffsetDateTime,
    now: OffsetDateTime,
) -> f64 {
    let w = finite_or(config.recency_weight, 0.0).clamp(0.0, 1.0);
    let half_life = finite_or(config.recency_half_life_days, 0.0);
    if w == 0.0 || half_life <= 0.0 {
        return 1.0;
    }
    let age_days = ((now - created).as_seconds_f64() / 86_400.0).max(0.0);
    1.0 - w + w * 0.5f64.powf(age_days / half_life)
}

/// The configured weight of the observation's kind; 1 when unlisted.
pub(crate) fn kind_factor(config: &RecallConfig, obs: &Observation) -> f64 {
    config
        .kind_weights
        .get(obs.kind.as_str())
        .map(|w| finite_or(*w, 1.0).max(0.0))
        .unwrap_or(1.0)
}

/// The exploration factor: an observation tagged `exploration` (what was read or searched,
/// with no decision, fix or cause in it) weighs [`RecallConfig::exploration_weight`], unless
/// the query asks about exploring (`explored`, `searched`, `read`, `looked`...).
pub(crate) fn exploration_factor(config: &RecallConfig, obs: &Observation, query: &str) -> f64 {
    if !obs.concepts.iter().any(|c| c == "exploration") || asks_about_exploring(query) {
        return 1.0;
    }
    finite_or(config.exploration_weight, 1.0).clamp(0.0, 1.0)
}

/// Whether a query is about what was looked at rather than what was decided or done.
pub(crate) fn asks_about_exploring(query: &str) -> bool {
    words(query).any(|w| {
        let w = w.to_lowercase();
        [
            "explor",
            "search",
            "look",
            "read",
            "grep",
            "browse",
            "investigat",
        ]
        .iter()
        .any(|stem| w.starts_with(stem))
    })
}

/// `1 + w × (importance − 0.5)`: 1 at the default importance.
pub(crate) fn importance_factor(config: &RecallConfig, obs: &Observation) -> f64 {
    let w = finite_or(config.importance_weight, 0.0);
    (1.0 + w * (f64::from(obs.importance) - 0.5)).max(0.0)
}

/// `1 + file_boost` when the observation read or modified one of `files`, else 1.
pub(crate) fn file_factor(config: &RecallConfig, obs: &Observation, files: &[String]) -> f64 {
    let touched = obs
        .files_read
        .iter()
        .chain(&obs.files_modified)
        .any(|stored| files.iter().any(|named| same_file(stored, named)));
    if touched {
        1.0 + finite_or(config.file_boost, 0.0).max(0.0)
    } else {
        1.0
    }
}

/// The superseded penalty when a newer observation replaces this one, else 1.
pub(crate) fn superseded_factor(config: &RecallConfig, obs: &Observation) -> f64 {
    if obs.superseded_by.is_some() {
        finite_or(config.superseded_factor, 1.0).clamp(0.0, 1.0)
    } else {
        1.0
    }
}

/// Whether two paths name the same file: equal, or one ends with `/` and the other (so a
/// bare name or an absolute path meets a path from the project root). The store's file
/// filter applies the same rule in SQL.
pub(crate) fn same_file(a: &str, b: &str) -> bool {
    let (a, b) = (normalize_path(a), normalize_path(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let suffix = |long: &str, short: &str| {
        long.len() > short.len()
            && long.ends_with(short)
            && long.as_bytes()[long.len() - short.len() - 1] == b'/'
    };
    a == b || suffix(a, b) || suffix(b, a)
}

/// A path without a leading `./` and trailing slashes.
pub(crate) fn normalize_path(path: &str) -> &str {
    let mut p = path.trim();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.trim_end_matches('/')
}

/// The file paths a query names: whitespace-separated pieces with a `/` or a file extension
/// (`src/auth/token.rs`, `token.rs`, `./Cargo.toml`), stripped of surrounding punctuation.
pub(crate) fn paths_in(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in query.split_whitespace() {
        let piece = piece.trim_matches(|c: char| {
            !(c.is_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '~'))
        });
        let piece = piece.trim_end_matches('.');
        let has_extension = piece.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && !stem.ends_with('/')
                && (1..=8).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
                && ext.chars().any(|c| c.is_ascii_alphabetic())
        });
        let has_dir = piece.contains('/') && piece.chars().any(char::is_alphanumeric);
        if (has_extension || has_dir) && !piece.contains("://") {
            let p = normalize_path(piece).to_owned();
            if !p.is_empty() && !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// The content words of an observation's own text (title, subtitle, narrative, facts),
/// lower-cased and hashed, sorted and deduplicated: a cheap fingerprint for near-duplicate
/// detection. Words are [`word_parts`]: identifier parts, and the bigrams of a CJK run, so
/// two Chinese sentences are compared by their bigrams rather than as one word each.
pub(crate) fn word_hashes(obs: &Observation) -> Vec<u64> {
    text_word_hashes(
        [&obs.title, &obs.subtitle, &obs.narrative]
            .into_iter()
            .chain(&obs.facts)
            .map(String::as_str),
    )
}

/// The content words of `texts`, lower-cased and hashed, sorted and deduplicated (see
/// [`word_hashes`]).
pub(crate) fn text_word_hashes<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<u64> {
    let mut out = Vec::new();
    let mut lower = String::new();
    for text in texts {
        word_parts(text, |part| {
            lower_into(part, &mut lower);
            if !is_stop_word(&lower) {
                out.push(fnv1a(lower.as_bytes()));
            }
        });
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The lower-cased content words of an observation's own text.
pub(crate) fn word_set(obs: &Observation) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for text in [&obs.title, &obs.subtitle, &obs.narrative]
        .into_iter()
        .chain(&obs.facts)
    {
        set.extend(text_word_set(text));
    }
    set
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// |a ∩ b| / |a ∪ b| of two sorted, deduplicated lists; 0 when both are empty. Returns 0
/// early when the sizes alone keep it under `at_least`.
pub(crate) fn jaccard(a: &[u64], b: &[u64], at_least: f64) -> f64 {
    let (small, large) = (a.len().min(b.len()), a.len().max(b.len()));
    if large == 0 || (small as f64) < at_least * large as f64 {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / (a.len() + b.len() - common) as f64
}

/// The share of `query`'s content words found in `set` (`0..=1`): an absolute measure of
/// how much of a prompt an observation speaks to, used when no embedder is set.
pub(crate) fn coverage(query: &BTreeSet<String>, set: &BTreeSet<String>) -> f64 {
    if query.is_empty() {
        return 0.0;
    }
    query.iter().filter(|w| set.contains(*w)).count() as f64 / query.len() as f64
}

/// The lower-cased content words of a text ([`word_parts`] without stop words: a CJK run
/// counts as its bigrams, so the prompt context's coverage of a Chinese prompt is the share
/// of its bigrams an observation holds).
pub(crate) fn text_word_set(text: &str) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    word_parts(text, |part| {
        let lower = part.to_lowercase();
        if !is_stop_word(&lower) {
            set.insert(lower);
        }
    });
    set
}

fn finite_or(x: f64, fallback: f64) -> f64 {
    if x.is_finite() { x } else { fallback }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn recency_halves_its_share_every_half_life() {
        let config = RecallConfig {
            recency_weight: 0.5,
            recency_half_life_days: 10.0,
            ..RecallConfig::default()
        };
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(1000);
        let f = |days: i64| recency_factor(&config, now - Duration::days(days), now);
        assert!((f(0) - 1.0).abs() < 1e-9);
        assert!((f(10) - 0.75).abs() < 1e-9);
        assert!((f(20) - 0.625).abs() < 1e-9);
        assert!((f(-5) - 1.0).abs() < 1e-9, "the future counts as now");
        assert!((f(10_000) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn paths_match_by_whole_trailing_components() {
        assert!(same_file("src/auth/token.rs", "token.rs"));
        assert!(same_file("src/auth/token.rs", "./src/auth/token.rs"));
        assert!(same_file(
            "src/auth/token.rs",
            "/home/me/app/src/auth/token.rs"
        ));
        assert!(!same_file("src/auth/token.rs", "en.rs"));
        assert!(!same_file("src/auth/token.rs", "auth/token"));
        assert!(!same_file("", ""));
    }

    #[test]
    fn queries_name_paths_with_a_slash_or_an_extension() {
        assert_eq!(
            paths_in("why does src/auth/token.rs panic, and (token.rs) or Cargo.toml?"),
            vec!["src/auth/token.rs", "token.rs", "Cargo.toml"]
        );
        assert!(paths_in("HTTP 429 after 1.5 seconds; see https://x.io/a").is_empty());
        assert!(paths_in("the end. Then more.").is_empty());
    }

    #[test]
    fn jaccard_and_coverage() {
        let obs = |title: &str| Observation {
            title: title.into(),
            ..crate::recall::tests::observation()
        };
        let a = word_hashes(&obs("refresh token expiry fixed"));
        let b = word_hashes(&obs("Fixed the refresh-token expiry"));
        assert!((jaccard(&a, &b, 0.0) - 1.0).abs() < 1e-9);
        let c = word_hashes(&obs("refresh token"));
        assert!((jaccard(&a, &c, 0.0) - 0.5).abs() < 1e-9);
        assert_eq!(jaccard(&a, &c, 0.8), 0.0, "sizes alone rule it out");
        assert_eq!(jaccard(&[], &[], 0.0), 0.0);
        let q = text_word_set("why did the token expire early");
        let words = word_set(&obs("refresh token expiry fixed"));
        assert!(coverage(&q, &words) > 0.0 && coverage(&q, &words) < 1.0);
    }
}
