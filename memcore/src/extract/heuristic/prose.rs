//! Text helpers: markdown to plain lines, sentences, titles from requests and intents.

use super::*;

// ---------------------------------------------------------------------------------------------
// Text helpers

/// `a`, `a and b`, `a, b and c`, `a, b, c and N more`.
pub(super) fn list_words(items: &[String], max: usize) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        _ if items.len() <= max => {
            let (last, rest) = items
                .split_last()
                .map(|(l, r)| (l.clone(), r))
                .unwrap_or_default();
            format!("{} and {last}", rest.join(", "))
        }
        _ => format!(
            "{} and {} more",
            items[..max - 1].join(", "),
            items.len() - (max - 1)
        ),
    }
}

/// Files named for a title: one or two by name, more by their shared directory, else `None`.
pub(super) fn files_phrase(files: &[String]) -> Option<String> {
    match files {
        [] => None,
        [a] => Some(a.clone()),
        [a, b] => Some(format!("{a} and {b}")),
        _ => {
            let dir = common_dir(files)?;
            Some(format!("{dir}/"))
        }
    }
}

pub(super) fn common_dir(files: &[String]) -> Option<String> {
    let mut common: Option<Vec<&str>> = None;
    for f in files {
        let mut parts: Vec<&str> = f.split('/').collect();
        parts.pop();
        common = Some(match common {
            None => parts,
            Some(c) => c
                .iter()
                .zip(&parts)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    common
        .filter(|c| !c.is_empty() && c.iter().all(|p| !p.is_empty()))
        .map(|c| c.join("/"))
}

/// Markdown reduced to plain lines: no code blocks, tables, headings or rules; no emphasis
/// marks, backticks or bullets.
pub(super) fn plain_lines(text: &str) -> Vec<String> {
    markdown_lines(text, false)
}

/// Like [`plain_lines`], keeping only prose: list items are left out too.
pub(super) fn prose_lines(text: &str) -> Vec<String> {
    markdown_lines(text, true)
}

pub(super) fn markdown_lines(text: &str, prose_only: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code
            || t.is_empty()
            || t.starts_with('#')
            || t.starts_with('|')
            || t.starts_with("---")
        {
            continue;
        }
        let numbered = t.split_once(['.', ')']).is_some_and(|(n, rest)| {
            !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && rest.starts_with(' ')
        });
        let bullet = ["- ", "* ", "+ ", "> "].iter().any(|b| t.starts_with(b)) || numbered;
        if prose_only && bullet {
            continue;
        }
        let t = if bullet {
            t.get(2..).unwrap_or("").trim_start_matches(['.', ')', ' '])
        } else {
            t
        };
        let cleaned = t.replace("**", "").replace('`', "");
        if !cleaned.trim().is_empty() {
            out.push(cleaned.trim().to_string());
        }
    }
    out
}

/// The first sentence of `text` read as markdown.
pub(super) fn first_sentence(text: &str) -> String {
    plain_lines(text)
        .first()
        .map(|l| text::first_sentence(l))
        .unwrap_or_default()
}

/// The first `n` sentences of `text` that say something: prose, not filler ("Excellent!",
/// "Let me ..."), not a short introduction to a list. A summary section, when there is one,
/// comes first.
pub(super) fn key_sentences(text: &str, n: usize) -> Vec<String> {
    const FILLER: [&str; 17] = [
        "excellent",
        "great",
        "perfect",
        "now i",
        "let me",
        "i'll",
        "i will",
        "here's",
        "here is",
        "based on",
        "sure",
        "okay",
        "ok",
        "alright",
        "done",
        "good",
        "i have",
    ];
    const SUMMARY: [&str; 5] = ["summary", "conclusion", "key findings", "tl;dr", "in short"];
    let summary_at = text.lines().position(|l| {
        let t = l.trim().to_ascii_lowercase();
        t.starts_with('#') && SUMMARY.iter().any(|w| t.contains(w))
    });
    let mut sections: Vec<String> = Vec::new();
    if let Some(at) = summary_at {
        sections.push(text.lines().skip(at).collect::<Vec<_>>().join("\n"));
    }
    sections.push(text.to_string());
    let mut out: Vec<String> = Vec::new();
    for section in &sections {
        for line in prose_lines(section) {
            for s in sentences(&line) {
                let lower = s.to_ascii_lowercase();
                let words = s.split_whitespace().count();
                let filler = FILLER.iter().any(|f| lower.starts_with(f))
                    || (s.ends_with(':') && words < 6)
                    || words < 3;
                if filler {
                    continue;
                }
                let s = match s.strip_suffix(':') {
                    Some(intro) => format!("{intro}."),
                    None => s,
                };
                push_unique(&mut out, s);
                if out.len() == n {
                    return out;
                }
            }
        }
    }
    out
}

/// A clause's first word in `verbs`, past-tensed, with `this`/`these`/`my`/`our` after it
/// made `the`.
pub(super) fn past_tense(
    clause: &str,
    verbs: &[(&'static str, &'static str)],
) -> Option<(String, &'static str)> {
    let clause = clause.trim();
    let (first, rest) = clause.split_once(' ').unwrap_or((clause, ""));
    let key = first
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_ascii_lowercase();
    let (verb, past) = verbs.iter().find(|(v, _)| *v == key)?;
    let rest = rest.trim();
    let rest = ["this ", "these ", "my ", "our "]
        .iter()
        .find_map(|p| {
            rest.get(..p.len())
                .filter(|head| head.eq_ignore_ascii_case(p))
                .map(|_| format!("the {}", &rest[p.len()..]))
        })
        .unwrap_or_else(|| rest.to_string());
    let verb: &'static str = verb;
    Some((format!("{past} {rest}").trim().to_string(), verb))
}

/// Trims a clause to a title: cut at rationale (` - `, ` since `, ` because `, `(`...), then,
/// when still long, at a subordinate clause, then at a word; no backticks or end punctuation.
pub(super) fn clause_title(clause: &str, max: usize) -> String {
    let mut t = clause.replace('`', "").replace("**", "");
    for cut in [
        " - ",
        " — ",
        " since ",
        " because ",
        " so that ",
        " to ensure ",
        " to make sure ",
        " to verify ",
        " to confirm ",
        "(",
        ": ",
    ] {
        if let Some(pos) = t.find(cut).filter(|p| *p >= 10) {
            t.truncate(pos);
        }
    }
    if t.chars().count() > max {
        for cut in [" that ", " which ", " so ", ", ", " with ", " using "] {
            if let Some(pos) = t.find(cut).filter(|p| *p >= 15) {
                t.truncate(pos);
                if t.chars().count() <= max {
                    break;
                }
            }
        }
    }
    let t = shorten(t.trim(), max);
    t.trim_end_matches(['.', ',', ';', ':', '!', '?', ' '])
        .to_string()
}

/// The first part of a request (`Read X and change Y. Commit.`) whose verb is in `verbs`,
/// past-tensed as a title, with the verb found.
pub(super) fn request_title(
    text: &str,
    verbs: &[(&'static str, &'static str)],
) -> Option<(String, &'static str)> {
    let first_lines: Vec<String> = plain_lines(text).into_iter().take(3).collect();
    for line in &first_lines {
        for sentence in sentences(line).iter().take(2) {
            for part in split_parts(sentence) {
                let part = strip_lead_ins(&part);
                if let Some((title, verb)) = past_tense(&part, verbs) {
                    return Some((clause_title(&title, 72), verb));
                }
            }
        }
    }
    None
}

/// `Read X and change Y, then commit` -> [`Read X`, `change Y`, `commit`]: splits at
/// `and`/`then` only where a verb follows.
pub(super) fn split_parts(sentence: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let joiner = matches!(w.to_ascii_lowercase().trim_end_matches(','), "and" | "then");
        let next_is_verb = words.get(i + 1).is_some_and(|n| {
            let n = n.to_ascii_lowercase();
            let n = n.trim_matches(|c: char| !c.is_alphanumeric());
            n == "then"
                || EDIT_VERBS.iter().chain(READ_VERBS).any(|(v, _)| *v == n)
                || OTHER_VERBS.contains(&n)
        });
        if joiner && next_is_verb && !current.is_empty() {
            parts.push(current.join(" ").trim_end_matches(',').to_string());
            current.clear();
        } else if w.ends_with(',') && next_is_verb {
            current.push(w.trim_end_matches(','));
            parts.push(current.join(" "));
            current.clear();
        } else {
            current.push(w);
        }
        i += 1;
    }
    if !current.is_empty() {
        parts.push(current.join(" "));
    }
    parts
}

pub(super) fn strip_lead_ins(text: &str) -> String {
    let mut t = text.trim();
    loop {
        let lower = t.to_ascii_lowercase();
        match LEAD_INS.iter().find(|p| lower.starts_with(*p)) {
            Some(p) => t = t[p.len()..].trim_start(),
            None => return t.to_string(),
        }
    }
}

/// The change an assistant message announces ("Let me delete the Python files" -> "Deleted
/// the Python files"), in full (see [`clause_title`] to make it a title), with its verb.
pub(super) fn intent_title(rules: &Rules, text: &str) -> Option<(String, &'static str)> {
    for line in plain_lines(text) {
        for sentence in sentences(&line) {
            for caps in rules.intent.captures_iter(&sentence) {
                let Some(verb) = caps.get(1) else { continue };
                let clause = &sentence[verb.start()..];
                let first = split_parts(clause).into_iter().next().unwrap_or_default();
                if first.to_ascii_lowercase().contains("todo") {
                    continue;
                }
                if let Some((clause, v)) = past_tense(&first, EDIT_VERBS) {
                    return Some((clause.replace('`', "").replace("**", ""), v));
                }
            }
        }
    }
    None
}

/// A title verb names no file from `files`: add ` in <files>` when they can be named briefly.
pub(super) fn with_files(title: String, files: &[String]) -> String {
    let names_one = files.iter().any(|f| {
        let name = f.rsplit('/').next().unwrap_or(f);
        title.contains(f.as_str()) || (name.len() > 2 && title.contains(name))
    });
    if names_one {
        return title;
    }
    match files_phrase(files) {
        Some(phrase) => format!("{title} in {phrase}"),
        None => title,
    }
}

pub(super) fn kind_for_verb(verb: &str) -> Option<ObservationKind> {
    if FIX_VERBS.contains(&verb) {
        Some(ObservationKind::Bugfix)
    } else if REFACTOR_VERBS.contains(&verb) {
        Some(ObservationKind::Refactor)
    } else {
        None
    }
}

pub(super) fn push_unique(list: &mut Vec<String>, item: String) {
    if !item.is_empty() && !list.contains(&item) {
        list.push(item);
    }
}

pub(super) fn push_id(ids: &mut Vec<EventId>, id: EventId) {
    if let Err(pos) = ids.binary_search(&id) {
        ids.insert(pos, id);
    }
}

/// `test_tokenizer` -> `tokenizer`, `TestParse` -> `Parse`, `lexer_test` -> `lexer`.
pub(super) fn test_label(name: &str) -> String {
    let n = name
        .strip_prefix("test_")
        .or_else(|| name.strip_prefix("Test"))
        .or_else(|| name.strip_suffix("_test"))
        .unwrap_or(name);
    if n.is_empty() {
        name.to_string()
    } else {
        n.to_string()
    }
}

/// `NameError: name 'x' is not defined` -> `NameError`.
pub(super) fn python_error_name(error: &str) -> Option<String> {
    let (name, _) = error.split_once(':')?;
    let name = name.rsplit('.').next().unwrap_or(name);
    (name.ends_with("Error") || name.ends_with("Exception"))
        .then(|| name.to_string())
        .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// `text` as inline code.
pub(super) fn code(text: &str) -> String {
    if text.contains('`') {
        format!("\"{text}\"")
    } else {
        format!("`{text}`")
    }
}
