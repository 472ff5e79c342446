//! Reading tool output and code: error lines, failing tests, definitions added.

use super::*;

/// The most telling error line of a failed command's output.
pub(super) fn error_line(rules: &Rules, text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    for (n, pattern) in rules.errors.iter().enumerate() {
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            if let Some(m) = pattern.find(trimmed) {
                let mut found = m.as_str().trim().to_string();
                if n == 2 && found.ends_with(':') {
                    // Rust prints the panic message on the next line.
                    if let Some(next) = lines.get(i + 1) {
                        found = format!("{found} {}", next.trim());
                    }
                }
                if n == 3 {
                    found = found.trim_start_matches('E').trim().to_string();
                }
                return Some(shorten(&found, 160));
            }
        }
        // Python: the last exception line of a traceback.
        if n == 2
            && text.contains("Traceback (most recent call last)")
            && let Some(line) = lines
                .iter()
                .rev()
                .map(|l| l.trim())
                .find(|l| rules.python_error.is_match(l))
        {
            return Some(shorten(line, 160));
        }
    }
    lines
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !l.starts_with("Exit code"))
        .map(|l| shorten(l, 160))
}

/// The name of the first failing test in a test run's output, if one is named.
pub(super) fn failing_test(rules: &Rules, text: &str) -> Option<String> {
    for pattern in &rules.test_names {
        for line in text.lines() {
            if let Some(name) = pattern.captures(line.trim_end()).and_then(|c| c.get(1)) {
                let name = name.as_str();
                let name = name.rsplit("::").next().unwrap_or(name);
                let name = name.split('[').next().unwrap_or(name);
                if !name.is_empty() {
                    return Some(name.to_string());
                }
            }
        }
    }
    None
}

/// What a passing run showed: how many tests passed, else (for a run that is not a check)
/// the first line it printed, when that is short.
pub(super) fn result_line(rules: &Rules, text: &str, kind: RunKind) -> Option<String> {
    if let Some(n) = rules.passed.captures(text).and_then(|c| c.get(1)) {
        return Some(format!("{} tests", n.as_str()));
    }
    if kind == RunKind::Check {
        return None;
    }
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    (first.chars().count() <= 80).then(|| first.to_string())
}

pub(super) fn is_test_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("test") || lower.ends_with("_test") || lower == "tests"
}

/// Lines of `new` that are not in `old` and lines of `old` that are not in `new` (as
/// multisets).
pub(super) fn line_diff<'a>(old: &'a str, new: &'a str) -> (Vec<&'a str>, Vec<&'a str>) {
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for line in old.lines() {
        *counts.entry(line).or_insert(0) += 1;
    }
    let mut added = Vec::new();
    for line in new.lines() {
        match counts.get_mut(line) {
            Some(n) if *n > 0 => *n -= 1,
            _ => added.push(line),
        }
    }
    let mut removed = Vec::new();
    for line in old.lines() {
        if let Some(n) = counts.get_mut(line).filter(|n| **n > 0) {
            *n -= 1;
            removed.push(line);
        }
    }
    (added, removed)
}

/// Names defined in `new` that `old` does not define, at the outermost level among them
/// (the functions of a module, not their tests), trait plumbing (`fmt`, `from`...) left out.
pub(super) fn symbols_added(rules: &Rules, old: &str, new: &str) -> Vec<String> {
    let before: Vec<String> = definitions(rules, old)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let added: Vec<(usize, String)> = definitions(rules, new)
        .into_iter()
        .filter(|(_, n)| !before.contains(n))
        .collect();
    let outer = added.iter().map(|(indent, _)| *indent).min().unwrap_or(0);
    let mut out: Vec<String> = Vec::new();
    for (indent, name) in added {
        if indent == outer {
            push_unique(&mut out, name);
        }
    }
    out
}

pub(super) fn symbols_from_lines(rules: &Rules, text: &str) -> Vec<String> {
    symbols_added(rules, "", text)
}

/// Definitions in `text`, with their indentation.
pub(super) fn definitions(rules: &Rules, text: &str) -> Vec<(usize, String)> {
    const PLUMBING: [&str; 22] = [
        "fmt",
        "from",
        "into",
        "drop",
        "clone",
        "eq",
        "ne",
        "hash",
        "deref",
        "deref_mut",
        "next",
        "cmp",
        "partial_cmp",
        "as_ref",
        "borrow",
        "index",
        "source",
        "description",
        "try_from",
        "from_str",
        "tests",
        "for",
    ];
    text.lines()
        .filter_map(|line| {
            let name = rules.symbol.captures(line)?.get(1)?.as_str();
            let indent = line.len() - line.trim_start().len();
            (!PLUMBING.contains(&name)).then(|| (indent, name.to_string()))
        })
        .collect()
}

pub(super) fn first_meaningful_line(content: &str) -> Option<String> {
    content
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("#!") && l.chars().any(char::is_alphanumeric))
        .map(str::to_string)
}
