//! One pass of the secret rules over a text: the rules the gate lets through each collect
//! their matches, allowlisted and already-redacted ones are dropped, overlapping ones merge
//! into one marker named by the rule of highest priority.

use std::borrow::Cow;

use super::MARKER_PREFIX;
use super::redactor::{Action, Detector, Redactor};

/// A stretch of text to replace, and the rule that found it.
#[derive(Debug, Clone, Copy)]
struct Span<'r> {
    start: usize,
    end: usize,
    priority: usize,
    kind: &'r str,
}

impl Redactor {
    /// Replaces every secret in `text` with its marker, borrowing `text` back when there is
    /// none.
    pub(super) fn replace_secrets<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut spans = Vec::new();
        let possible = self.gate.open(text);
        for (priority, detector) in self.detectors.iter().enumerate() {
            if !possible.get(priority).copied().unwrap_or(true) {
                continue;
            }
            self.collect(detector, priority, text, &mut spans);
        }
        spans.retain(|s| s.start < s.end && !text[s.start..s.end].contains(MARKER_PREFIX));
        self.drop_allowed(text, &mut spans);
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        spans.sort_by_key(|s| (s.start, s.priority));
        let mut merged: Vec<Span<'_>> = Vec::with_capacity(spans.len());
        for span in spans {
            match merged.last_mut() {
                Some(last) if span.start < last.end => {
                    last.end = last.end.max(span.end);
                    if span.priority < last.priority {
                        last.priority = span.priority;
                        last.kind = span.kind;
                    }
                }
                _ => merged.push(span),
            }
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for span in merged {
            out.push_str(&text[last..span.start]);
            out.push_str(MARKER_PREFIX);
            out.push_str(span.kind);
            out.push(']');
            last = span.end;
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }

    /// Adds the matches of one rule to `spans`.
    fn collect<'r>(
        &'r self,
        detector: &'r Detector,
        priority: usize,
        text: &str,
        spans: &mut Vec<Span<'r>>,
    ) {
        let Some(regex) = detector.regex.regex() else {
            return;
        };
        let mut push = |start: usize, end: usize, kind: &'r str| {
            spans.push(Span {
                start,
                end,
                priority,
                kind,
            })
        };
        match &detector.action {
            Action::Fixed {
                kind,
                group: 0,
                accept,
                ..
            } => {
                for m in regex.find_iter(text) {
                    if accept(m.as_str()) {
                        push(m.start(), m.end(), kind);
                    }
                }
            }
            Action::Fixed {
                kind,
                group,
                accept,
                ..
            } => {
                for caps in regex.captures_iter(text) {
                    if let Some(m) = caps.get(*group)
                        && accept(m.as_str())
                    {
                        push(m.start(), m.end(), kind);
                    }
                }
            }
            Action::Custom { kind } if regex.captures_len() > 1 => {
                for caps in regex.captures_iter(text) {
                    if let Some(m) = caps.get(1).or_else(|| caps.get(0)) {
                        push(m.start(), m.end(), kind.as_str());
                    }
                }
            }
            Action::Custom { kind } => {
                for m in regex.find_iter(text) {
                    push(m.start(), m.end(), kind.as_str());
                }
            }
            Action::Vendors { rules } => {
                for caps in regex.captures_iter(text) {
                    let found = rules.iter().enumerate().find_map(|(i, (kind, accept))| {
                        caps.get(i + 1)
                            .filter(|m| accept(m.as_str()))
                            .map(|m| (m, *kind))
                    });
                    if let Some((m, kind)) = found {
                        push(m.start(), m.end(), kind);
                    }
                }
            }
            Action::Assignment { flag } => {
                for caps in regex.captures_iter(text) {
                    if let Some((start, end, kind)) = self.assignment(&caps, *flag) {
                        push(start, end, kind);
                    }
                }
            }
        }
    }

    /// Drops the spans that lie within an occurrence of an allowlisted string.
    fn drop_allowed(&self, text: &str, spans: &mut Vec<Span<'_>>) {
        if spans.is_empty() || self.allowlist.is_empty() {
            return;
        }
        let allowed: Vec<(usize, usize)> = self
            .allowlist
            .iter()
            .flat_map(|entry| {
                text.match_indices(entry.as_str())
                    .map(|(i, s)| (i, i + s.len()))
            })
            .collect();
        spans.retain(|span| {
            !allowed
                .iter()
                .any(|&(start, end)| start <= span.start && span.end <= end)
        });
    }
}
