//! How observations, hits and timelines look in a terminal.

use memcore::{
    ConversationRecord, Observation, RecallHit, SearchHit, Summary, Timeline, TimelineItem,
};
use std::fmt::Write;
use time::OffsetDateTime;
use time::macros::format_description;

/// `2026-11-24 09:43` (UTC).
pub fn when(t: OffsetDateTime) -> String {
    t.format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
        .unwrap_or_default()
}

/// Text on one line, cut at `max` characters.
pub fn line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// One line per observation: id, time, kind, title.
pub fn observation_row(obs: &Observation) -> String {
    format!(
        "#{:<6} {}  {:<9} {}",
        obs.id,
        when(obs.created_at),
        obs.kind.as_str(),
        line(&obs.title, 100)
    )
}

/// One line per search hit: the row with its score.
pub fn hit_row(hit: &SearchHit) -> String {
    format!("{}  ({:.3})", observation_row(&hit.observation), hit.score)
}

/// One line per conversation record: `c` and its id, time, role (or tool), text.
pub fn record_row(record: &ConversationRecord) -> String {
    format!(
        "c{:<6} {}  {:<9} {}",
        record.event_id,
        when(record.occurred_at),
        record.label(),
        line(&record.text, 100)
    )
}

/// One line per hit of either layer, with its score.
pub fn recall_row(hit: &RecallHit) -> String {
    match hit {
        RecallHit::Observation(h) => hit_row(h),
        RecallHit::Conversation(h) => format!("{}  ({:.3})", record_row(&h.record), h.score),
    }
}

/// A conversation record in full.
pub fn record(record: &ConversationRecord) -> String {
    format!(
        "c{} {} in session {} · {} · project {}\n\n{}\n",
        record.event_id,
        record.label(),
        record.session_id,
        when(record.occurred_at),
        record.project,
        record.text.trim()
    )
}

/// An observation in full.
pub fn observation(obs: &Observation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#{} {}: {}", obs.id, obs.kind, obs.title);
    let _ = writeln!(
        out,
        "  project {} · session {} · {} · {} tokens · importance {:.2}{}",
        obs.project,
        obs.session_id.as_deref().unwrap_or("-"),
        when(obs.created_at),
        obs.token_count,
        obs.importance,
        if obs.pinned { " · pinned" } else { "" }
    );
    if let Some(newer) = obs.superseded_by {
        let _ = writeln!(out, "  superseded by #{newer}");
    }
    if let Some(older) = obs.supersedes {
        let _ = writeln!(out, "  supersedes #{older}");
    }
    for part in [&obs.subtitle, &obs.narrative] {
        if !part.trim().is_empty() {
            let _ = writeln!(out, "\n{}", part.trim());
        }
    }
    if !obs.facts.is_empty() {
        out.push('\n');
        for fact in &obs.facts {
            let _ = writeln!(out, "- {fact}");
        }
    }
    let lists = [
        ("files modified", &obs.files_modified),
        ("files read", &obs.files_read),
        ("concepts", &obs.concepts),
    ];
    let mut first = true;
    for (name, items) in lists {
        if !items.is_empty() {
            if first {
                out.push('\n');
                first = false;
            }
            let _ = writeln!(out, "{name}: {}", items.join(", "));
        }
    }
    if !obs.source_event_ids.is_empty() {
        let ids: Vec<String> = obs.source_event_ids.iter().map(|i| i.to_string()).collect();
        let _ = writeln!(out, "from events: {}", ids.join(", "));
    }
    out
}

/// A session summary.
pub fn summary(s: &Summary) -> String {
    let mut out = format!(
        "Session {} ({}), {}\n",
        s.session_id,
        s.project,
        when(s.created_at)
    );
    let c = &s.content;
    for (name, text) in [
        ("request", &c.request),
        ("investigated", &c.investigated),
        ("learned", &c.learned),
        ("completed", &c.completed),
        ("next steps", &c.next_steps),
        ("notes", &c.notes),
    ] {
        if !text.trim().is_empty() {
            let _ = writeln!(out, "  {name}: {}", line(text, 200));
        }
    }
    out
}

/// A timeline, the anchor marked.
pub fn timeline(t: &Timeline) -> String {
    let mut out = String::new();
    for (i, entry) in t.entries.iter().enumerate() {
        let mark = if i == t.anchor_index { ">" } else { " " };
        let text = match &entry.item {
            TimelineItem::Observation(obs) => format!(
                "#{:<6} {:<9} {}",
                obs.id,
                obs.kind.as_str(),
                line(&obs.title, 100)
            ),
            TimelineItem::Prompt(event) => {
                let text = match &event.payload {
                    memcore::EventPayload::UserPrompt { text } => text.as_str(),
                    _ => "",
                };
                format!("prompt  {}", line(text, 100))
            }
        };
        let _ = writeln!(out, "{mark} {}  {text}", when(entry.at));
    }
    out
}

/// A byte count for people.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_flat_and_bounded() {
        assert_eq!(line("a\n b\tc", 10), "a b c");
        assert_eq!(line("abcdefghij", 5), "abcd…");
    }

    #[test]
    fn byte_counts_read_well() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
