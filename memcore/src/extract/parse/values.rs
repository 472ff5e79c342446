//! Normalising field values: keys, lists, titles, importance, "nothing" answers.

use super::*;

// ---------------------------------------------------------------------------------------
// Text helpers

/// The answer without surrounding whitespace and byte-order marks.
pub(super) fn clean(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// How many bytes the JSON search may scan and parse in all: linear in the input.
pub(super) fn work_budget(text: &str) -> usize {
    text.len().saturating_mul(4).saturating_add(65_536)
}

/// The first [`QUOTE_MAX_CHARS`] characters of `text`, quoted and escaped for a message.
pub(super) fn quote(text: &str) -> String {
    let mut head: String = text.chars().take(QUOTE_MAX_CHARS).collect();
    if text.chars().nth(QUOTE_MAX_CHARS).is_some() {
        head.push('…');
    }
    format!("{head:?}")
}

/// A member name reduced to lower-case ASCII letters and digits: `files_read`, `filesRead`
/// and `files-read` all become `filesread`.
pub(super) fn normalise_key(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// `text` without the lines that open or close a markdown fence.
pub(super) fn strip_fence_lines(text: &str) -> String {
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("```"))
        .collect();
    kept.join("\n").trim().trim_matches('`').trim().to_string()
}

/// True when the answer says, in so many words or with a skip tag, that there is nothing
/// worth keeping.
pub(super) fn is_explicit_nothing(text: &str, lower: &str) -> bool {
    if ["skip", "skip_observation", "skip_observations"]
        .iter()
        .any(|tag| find_open_tag(lower, 0, tag).is_some())
    {
        return true;
    }
    if text.len() > NOTHING_PHRASE_MAX_BYTES {
        return false;
    }
    let bare = strip_fence_lines(lower);
    let bare = bare.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '.' | '!' | '"' | '\'' | '*' | '_')
    });
    if bare.is_empty() || matches!(bare, "none" | "null" | "n/a" | "nothing" | "skip" | "empty") {
        return true;
    }
    if let Some(rest) = bare.strip_prefix("none")
        && rest.starts_with(|c: char| !c.is_alphanumeric())
    {
        return true;
    }
    [
        "no observation",
        "no new observation",
        "no notable",
        "no meaningful",
        "no significant",
        "nothing worth",
        "nothing to record",
        "nothing notable",
        "nothing new",
        "nothing significant",
        "nothing meaningful",
    ]
    .iter()
    .any(|phrase| bare.starts_with(phrase))
}

/// A title for an item that has none: its subtitle, else its narrative's first sentence.
pub(super) fn derive_title(subtitle: &str, narrative: &str) -> String {
    let source = if subtitle.is_empty() {
        first_sentence(narrative)
    } else {
        subtitle.to_string()
    };
    shorten(&source, DERIVED_TITLE_MAX_CHARS)
}

/// Splits a string given where a list was expected: by lines (and commas when `commas`),
/// without list bullets (`-`, `*`, `•`, `1.`).
pub(super) fn split_list(text: &str, commas: bool) -> Vec<String> {
    text.split(|c| c == '\n' || (commas && c == ','))
        .map(strip_bullet)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) fn strip_bullet(line: &str) -> &str {
    let line = line.trim();
    for bullet in ["- ", "* ", "• "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return rest.trim();
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0
        && digits < 4
        && let Some(rest) = line.get(digits..)
        && let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "))
    {
        return rest.trim();
    }
    line
}

/// Trims the entries, drops empty ones and exact duplicates, keeps the order.
pub(super) fn clean_list(items: Vec<String>, trim: fn(&str) -> &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let item = trim(item.trim()).trim();
        if !item.is_empty() && seen.insert(item.to_string()) {
            out.push(item.to_string());
        }
    }
    out
}

/// A path without the backticks or quotes a model may put around it.
pub(super) fn trim_path_quotes(path: &str) -> &str {
    path.trim_matches(['`', '"', '\''])
}

/// Reads an importance: a number in `0..=1`, a number in `1..=10` (divided by ten), a
/// percentage, `a/b`, or a word (`low` 0.25, `medium` 0.5, `high` 0.75, `critical` 1.0).
pub(super) fn parse_importance(raw: &str) -> Result<Option<f32>, String> {
    let text = raw.trim().to_ascii_lowercase();
    if text.is_empty() {
        return Ok(None);
    }
    let word = match text.as_str() {
        "very low" | "trivial" => Some(0.1),
        "low" | "minor" => Some(0.25),
        "medium" | "moderate" | "normal" | "mid" => Some(0.5),
        "high" | "major" | "important" => Some(0.75),
        "very high" | "critical" => Some(1.0),
        _ => None,
    };
    if let Some(value) = word {
        return Ok(Some(value));
    }
    let invalid = || {
        format!(
            "importance {} is neither a number nor low/medium/high; ignored",
            quote(raw)
        )
    };
    let (number, scale) = if let Some(number) = text.strip_suffix('%') {
        (number.to_string(), Some(100.0))
    } else if let Some((number, scale)) = text.split_once('/') {
        let scale: f64 = scale.trim().parse().map_err(|_| invalid())?;
        (number.to_string(), Some(scale))
    } else {
        (text.clone(), None)
    };
    let value: f64 = number.trim().parse().map_err(|_| invalid())?;
    let value = match scale {
        Some(scale) if scale > 0.0 => value / scale,
        Some(_) => f64::NAN,
        None if value > 1.0 && value <= 10.0 => value / 10.0,
        None => value,
    };
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(Some(value as f32))
    } else {
        Err(format!(
            "importance {} is outside 0..1 and 1..10; ignored",
            quote(raw)
        ))
    }
}
