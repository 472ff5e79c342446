//! The session summary.

use super::*;

// ---------------------------------------------------------------------------------------------
// Summary

pub(super) fn summarize(rules: &Rules, analyses: &[Analysis]) -> Option<NewSummary> {
    let prompts: Vec<&String> = analyses.iter().flat_map(|a| &a.prompts).collect();
    let drafts: Vec<&NewObservation> = analyses
        .iter()
        .flat_map(|a| a.drafts.iter().map(|d| &d.obs))
        .collect();
    if prompts.is_empty() && drafts.is_empty() {
        return None;
    }
    let request = prompts
        .iter()
        .find(|p| p.split_whitespace().count() >= 3)
        .or(prompts.first())
        .map(|p| shorten(&first_paragraph(p), 240))
        .unwrap_or_default();

    let mut investigated_parts: Vec<String> = Vec::new();
    let files_read: Vec<String> = analyses
        .iter()
        .flat_map(|a| a.files_read.iter().cloned())
        .fold(Vec::new(), |mut acc, f| {
            push_unique(&mut acc, f);
            acc
        });
    if !files_read.is_empty() {
        investigated_parts.push(format!("Read {}", list_words(&files_read, 12)));
    }
    for a in analyses {
        for d in &a.delegations {
            investigated_parts.push(d.clone());
        }
    }
    if files_read.is_empty() {
        let searches: Vec<String> = analyses
            .iter()
            .flat_map(|a| a.searches.iter().cloned())
            .take(3)
            .collect();
        investigated_parts.extend(searches);
    }

    let completed: Vec<String> = drafts
        .iter()
        .filter(|o| {
            matches!(
                o.kind,
                Some(
                    ObservationKind::Bugfix
                        | ObservationKind::Feature
                        | ObservationKind::Change
                        | ObservationKind::Refactor
                )
            )
        })
        .map(|o| o.title.clone())
        .collect();

    let mut learned: Vec<String> = analyses
        .iter()
        .flat_map(|a| a.learned.iter().cloned())
        .collect();
    for o in &drafts {
        if o.kind == Some(ObservationKind::Discovery) && !o.subtitle.is_empty() && learned.len() < 4
        {
            learned.push(o.subtitle.clone());
        }
    }

    let next_steps = analyses
        .iter()
        .rev()
        .find_map(|a| a.last_assistant.as_ref())
        .map(|text| next_steps(rules, text))
        .unwrap_or_default();
    let notes: Vec<String> = analyses
        .iter()
        .flat_map(|a| a.unresolved.iter().cloned())
        .collect();
    Some(NewSummary {
        request,
        investigated: sentence_list(&investigated_parts),
        learned: sentence_list(&learned),
        completed: sentence_list(&completed),
        next_steps,
        notes: sentence_list(&notes),
    })
}

pub(super) fn sentence_list(items: &[String]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|i| i.trim().trim_end_matches('.').to_string())
        .filter(|i| !i.is_empty())
        .collect();
    if items.is_empty() {
        String::new()
    } else {
        shorten(&format!("{}.", items.join("; ")), 600)
    }
}

/// The next steps a message states, joined for a summary field.
pub(super) fn next_steps(rules: &Rules, text: &str) -> String {
    shorten(&sentence_list(&next_step_items(rules, text)), 600)
}

/// The next steps a message states, each whole: a "Next steps" section's lines, else the
/// sentences that mention what remains (at most three).
pub(super) fn next_step_items(rules: &Rules, text: &str) -> Vec<String> {
    let text = text::strip_host_tags(text);
    let mut section: Vec<String> = Vec::new();
    let mut in_section = false;
    for line in text.lines() {
        let t = line.trim();
        let heading =
            t.starts_with('#') || (t.starts_with("**") && t.ends_with("**")) || t.ends_with(':');
        let lower = t.to_ascii_lowercase();
        if heading
            && (lower.contains("next step")
                || lower.contains("remaining")
                || lower.contains("todo")
                || lower.contains("follow-up")
                || lower.contains("left to do"))
        {
            in_section = true;
            continue;
        }
        if in_section {
            if t.is_empty() && !section.is_empty() {
                break;
            }
            if heading && !section.is_empty() {
                break;
            }
            let cleaned = paragraphs(t).join(" ");
            if !cleaned.is_empty() {
                section.push(cleaned);
            }
            if section.len() == 12 {
                break;
            }
        }
    }
    if !section.is_empty() {
        return section;
    }
    paragraphs(&text)
        .iter()
        .flat_map(|l| sentences(l))
        .filter(|s| rules.next_steps.is_match(s))
        .take(3)
        .collect()
}
