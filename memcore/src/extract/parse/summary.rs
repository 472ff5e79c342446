//! Session summaries in JSON or XML.

use super::*;

// ---------------------------------------------------------------------------------------
// Summaries

pub(super) const SUMMARY_FIELDS: &[&str] = &[
    "request",
    "investigated",
    "learned",
    "completed",
    "nextsteps",
    "notes",
];

pub(super) fn summary_from_json(json: &Json, level: usize) -> Option<SummaryOutcome> {
    let Json::Object(object) = json else {
        return None;
    };
    if let Some(skip) = object.get(&["skipsummary", "skip"]) {
        let reason = || {
            object
                .get(&["reason", "skipreason"])
                .and_then(|m| m.value.scalar_text())
                .unwrap_or_default()
        };
        match &skip.value {
            Json::Bool(true) => return Some(SummaryOutcome::Skipped { reason: reason() }),
            Json::String(text) if !text.trim().is_empty() => {
                return Some(SummaryOutcome::Skipped {
                    reason: text.trim().to_string(),
                });
            }
            Json::Object(inner) => {
                let reason = inner
                    .get(&["reason"])
                    .and_then(|m| m.value.scalar_text())
                    .unwrap_or_default();
                return Some(SummaryOutcome::Skipped { reason });
            }
            _ => {}
        }
    }
    if object.has_any(SUMMARY_FIELDS) {
        let field = |key: &str| {
            object
                .get(&[key])
                .map(|member| summary_text(&member.value))
                .unwrap_or_default()
        };
        return Some(summary_outcome(NewSummary {
            request: field("request"),
            investigated: field("investigated"),
            learned: field("learned"),
            completed: field("completed"),
            next_steps: field("nextsteps"),
            notes: field("notes"),
        }));
    }
    if level >= MAX_WRAPPER_LEVEL {
        return None;
    }
    let wrapped = object
        .get(&["summary", "sessionsummary"])
        .and_then(|inner| summary_from_json(&inner.value, level + 1));
    if wrapped.is_some() {
        return wrapped;
    }
    object
        .members
        .iter()
        .find_map(|member| summary_from_json(&member.value, level + 1))
}

/// A summary field's text: a scalar converted, a list's entries joined with `"; "`.
pub(super) fn summary_text(value: &Json) -> String {
    match value {
        Json::Array(array) => {
            let parts: Vec<String> = array
                .items
                .iter()
                .filter_map(|item| item.scalar_text().or_else(|| Some(summary_text(item))))
                .map(|text| text.trim().to_string())
                .filter(|text| !text.is_empty())
                .collect();
            parts.join("; ")
        }
        Json::Object(_) => String::new(),
        scalar => scalar.scalar_text().unwrap_or_default().trim().to_string(),
    }
}

pub(super) fn summary_outcome(summary: NewSummary) -> SummaryOutcome {
    if summary == NewSummary::default() {
        SummaryOutcome::Empty
    } else {
        SummaryOutcome::Summary(summary)
    }
}

pub(super) fn summary_from_xml(
    text: &str,
    lower: &str,
    open: usize,
) -> Result<SummaryOutcome, ParseIssue> {
    let content = lower
        .get(open..)
        .and_then(|r| r.find('>'))
        .map_or(lower.len(), |o| open + o + 1);
    let end = lower
        .get(content..)
        .and_then(|r| r.find("</summary"))
        .map_or(lower.len(), |o| content + o);
    let (Some(block), Some(block_lower)) = (text.get(content..end), lower.get(content..end)) else {
        return Ok(SummaryOutcome::Empty);
    };
    let fields = [
        xml_text(block, block_lower, &["request"]),
        xml_text(block, block_lower, &["investigated"]),
        xml_text(block, block_lower, &["learned"]),
        xml_text(block, block_lower, &["completed"]),
        xml_text(
            block,
            block_lower,
            &["next_steps", "nextsteps", "next-steps"],
        ),
        xml_text(block, block_lower, &["notes"]),
    ];
    if fields.iter().all(Option::is_none) {
        return Err(ParseIssue::whole(format!(
            "the <summary> block has none of the tags request, investigated, learned, \
             completed, next_steps, notes; it starts with {}",
            quote(block.trim())
        )));
    }
    let [request, investigated, learned, completed, next_steps, notes] =
        fields.map(Option::unwrap_or_default);
    Ok(summary_outcome(NewSummary {
        request,
        investigated,
        learned,
        completed,
        next_steps,
        notes,
    }))
}
