//! The summary request's plan: which events keep how much detail.

use super::*;

// ---------------------------------------------------------------------------------------
// Summary

/// How much of an event a summary shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Detail {
    Full,
    Brief,
    Line,
    Omitted,
}

/// One event of a summary, rendered at each level of detail.
pub(super) struct SummaryItem<'a> {
    pub(super) event: &'a Event,
    /// The renderings for Full, Brief and Line, each no longer than the previous.
    pub(super) renders: [(String, bool); 3],
    pub(super) costs: [u32; 3],
    pub(super) detail: Detail,
    /// 0 is shortened first: lookups, other tools, assistant messages and notes, then user
    /// prompts and the last assistant message.
    pub(super) class: u8,
}

impl SummaryItem<'_> {
    /// What the item costs at its current detail.
    pub(super) fn cost(&self) -> u32 {
        match self.detail {
            Detail::Full => self.costs[0],
            Detail::Brief => self.costs[1],
            Detail::Line => self.costs[2],
            Detail::Omitted => 0,
        }
    }
}

/// The events of a summary and how much of each fits.
pub(super) struct SummaryPlan<'a> {
    pub(super) items: Vec<SummaryItem<'a>>,
    pub(super) total: u32,
    pub(super) omitted_runs: u32,
}

impl<'a> SummaryPlan<'a> {
    pub(super) fn new(events: &[&'a Event], max_event_tokens: u32) -> SummaryPlan<'a> {
        let last_message = events
            .iter()
            .rposition(|e| matches!(e.payload, EventPayload::AssistantMessage { .. }));
        let is_todo_list = |e: &Event| match &e.payload {
            EventPayload::ToolUse { tool_name, .. } => {
                tools::classify(tool_name) == ToolAction::Plan
            }
            _ => false,
        };
        // Only the last todo list says where the work was heading; earlier ones are history.
        let last_todo_list = events.iter().rposition(|e| is_todo_list(e));
        let items: Vec<SummaryItem<'a>> = events
            .iter()
            .enumerate()
            .map(|(i, &event)| {
                let class = match &event.payload {
                    // Look-ups and bookkeeping are the first a summary shortens.
                    EventPayload::ToolUse { tool_name, .. } => {
                        let action = tools::classify(tool_name);
                        u8::from(
                            !(action.looks_up()
                                || matches!(action, ToolAction::Plan | ToolAction::Housekeeping)),
                        )
                    }
                    EventPayload::UserPrompt { .. } => 3,
                    EventPayload::AssistantMessage { .. } if Some(i) == last_message => 3,
                    EventPayload::AssistantMessage { .. } | EventPayload::Note { .. } => 2,
                };
                let full = render_shape(&shape(event, true), max_event_tokens);
                let brief = shorter(
                    &full,
                    render_shape(&shape(event, false), BRIEF_TOKENS.min(max_event_tokens)),
                );
                let line = shorter(
                    &brief,
                    render_shape(&line_shape(event), LINE_TOKENS.min(max_event_tokens)),
                );
                let renders = [full, brief, line];
                let costs = [0, 1, 2].map(|l| estimate(&renders[l].0));
                let detail = if is_todo_list(event) && Some(i) != last_todo_list {
                    Detail::Line
                } else {
                    Detail::Full
                };
                SummaryItem {
                    event,
                    renders,
                    costs,
                    detail,
                    class,
                }
            })
            .collect();
        let total = items.iter().map(SummaryItem::cost).sum();
        SummaryPlan {
            items,
            total,
            omitted_runs: 0,
        }
    }

    pub(super) fn cost(&self) -> u32 {
        self.total + self.omitted_runs * OMITTED_MARKER_TOKENS
    }

    /// Lowers the detail of events, least informative first, until the plan fits `room`.
    pub(super) fn fit(&mut self, room: u32) {
        const STEPS: &[(u8, Detail)] = &[
            (0, Detail::Brief),
            (1, Detail::Brief),
            (2, Detail::Brief),
            (0, Detail::Line),
            (1, Detail::Line),
            (3, Detail::Brief),
            (0, Detail::Omitted),
            (1, Detail::Omitted),
            (2, Detail::Line),
            (2, Detail::Omitted),
            (3, Detail::Line),
            (3, Detail::Omitted),
        ];
        let n = self.items.len();
        // The middle of the session first, its two ends last.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(i.min(n - 1 - i)));
        for &(class, detail) in STEPS {
            for &i in &order {
                if self.cost() <= room {
                    return;
                }
                if self.items[i].class == class && self.items[i].detail < detail {
                    self.set_detail(i, detail);
                }
            }
        }
    }

    pub(super) fn set_detail(&mut self, i: usize, detail: Detail) {
        self.total -= self.items[i].cost();
        self.items[i].detail = detail;
        self.total += self.items[i].cost();
        if detail == Detail::Omitted {
            let omitted = |j: Option<usize>| {
                j.and_then(|j| self.items.get(j))
                    .is_some_and(|it| it.detail == Detail::Omitted)
            };
            match (omitted(i.checked_sub(1)), omitted(Some(i + 1))) {
                (false, false) => self.omitted_runs += 1,
                (true, true) => self.omitted_runs -= 1,
                _ => {}
            }
        }
    }

    /// The events in order, omitted runs collapsed to one marker line each.
    pub(super) fn render(&self) -> String {
        let mut blocks: Vec<String> = Vec::new();
        let mut omitted = 0usize;
        for item in &self.items {
            let index = match item.detail {
                Detail::Full => 0,
                Detail::Brief => 1,
                Detail::Line => 2,
                Detail::Omitted => {
                    omitted += 1;
                    continue;
                }
            };
            if omitted > 0 {
                blocks.push(format!("[... {omitted} events omitted ...]"));
                omitted = 0;
            }
            blocks.push(item.renders[index].0.clone());
        }
        if omitted > 0 {
            blocks.push(format!("[... {omitted} events omitted ...]"));
        }
        blocks.join("\n\n")
    }

    /// Events not shown whole.
    pub(super) fn truncated_ids(&self) -> Vec<EventId> {
        self.items
            .iter()
            .filter(|item| item.detail != Detail::Full || item.renders[0].1)
            .map(|item| item.event.id)
            .collect()
    }
}

/// `candidate` if it is shorter than `current`, else `current` (a lower detail never costs
/// more).
pub(super) fn shorter(current: &(String, bool), candidate: (String, bool)) -> (String, bool) {
    if estimate(&candidate.0) < estimate(&current.0) {
        (candidate.0, candidate.1 || current.1)
    } else {
        current.clone()
    }
}

/// `Files modified: ...` and `Files read: ...` lines from the tool inputs, each list cut to
/// half of `room` tokens with a count of the paths left out.
pub(super) fn files_section(events: &[&Event], room: u32) -> String {
    let mut modified: Vec<String> = Vec::new();
    let mut read: Vec<String> = Vec::new();
    for event in events {
        let EventPayload::ToolUse {
            tool_name, input, ..
        } = &event.payload
        else {
            continue;
        };
        let (list, paths) = match tools::classify(tool_name) {
            ToolAction::Read => (
                &mut read,
                tools::input_path(input)
                    .map(|p| vec![p.trim().to_owned()])
                    .unwrap_or_default(),
            ),
            _ => (&mut modified, tools::modified_files(tool_name, input)),
        };
        for path in paths {
            if !list.contains(&path) {
                list.push(path);
            }
        }
    }
    let read: Vec<String> = read.into_iter().filter(|p| !modified.contains(p)).collect();
    let mut lines = Vec::new();
    for (label, paths) in [("Files modified", modified), ("Files read", read)] {
        if paths.is_empty() {
            continue;
        }
        let mut line = format!("{label}:");
        let mut shown = 0;
        for path in &paths {
            let more = paths.len() - shown;
            let sep = if shown == 0 { " " } else { ", " };
            let next = format!("{line}{sep}{path}");
            let tail = format!(" (and {more} more)");
            if estimate(&next) + estimate(&tail) > room / 2 {
                break;
            }
            line = next;
            shown += 1;
        }
        if shown == 0 {
            continue;
        }
        if shown < paths.len() {
            line.push_str(&format!(" (and {} more)", paths.len() - shown));
        }
        lines.push(line);
    }
    lines.join("\n")
}
