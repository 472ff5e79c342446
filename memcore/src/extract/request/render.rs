//! Rendering one event: a compact block within a token budget.

use super::*;

// ---------------------------------------------------------------------------------------
// Rendering one event

/// How a text is shortened when it must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trim {
    /// Keep the start and the end, cut the middle.
    HeadTail,
    /// Keep the start.
    Head,
}

/// One labelled text of an event.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    /// `old`, `output`, `$`...; empty for an event's plain text.
    pub(super) label: String,
    pub(super) text: String,
    pub(super) trim: Trim,
    /// The most this piece may take, whatever the budget.
    pub(super) cap: u32,
}

impl Piece {
    pub(super) fn new(label: impl Into<String>, text: impl Into<String>) -> Piece {
        Piece {
            label: label.into(),
            text: text.into(),
            trim: Trim::HeadTail,
            cap: u32::MAX,
        }
    }

    pub(super) fn head(mut self) -> Piece {
        self.trim = Trim::Head;
        self
    }

    pub(super) fn capped(mut self, cap: u32) -> Piece {
        self.cap = cap;
        self
    }

    /// The piece with `text` in place of its own.
    pub(super) fn with_text(&self, text: &str) -> String {
        if self.label.is_empty() {
            text.to_string()
        } else if self.label == "$" {
            format!("$ {text}")
        } else if !text.contains('\n') && text.len() <= INLINE_CHARS {
            format!("{}: {text}", self.label)
        } else {
            format!("{}:\n{text}", self.label)
        }
    }
}

/// An event broken into its header line and pieces.
#[derive(Debug, Clone)]
pub(super) struct Shape {
    pub(super) header: String,
    pub(super) pieces: Vec<Piece>,
    /// Content was left out while shaping (too many fields, output dropped).
    pub(super) lossy: bool,
}

/// An event as about one line: a text event's first words; a tool's header line, with its
/// first input piece when that is short enough to show whole (`$ cargo test`).
pub(super) fn line_shape(event: &Event) -> Shape {
    let mut line = shape(event, false);
    if matches!(event.payload, EventPayload::ToolUse { .. }) {
        let room = LINE_TOKENS.saturating_sub(estimate(&line.header));
        let keep = line.pieces.first().is_some_and(|p| {
            p.text.len() <= INLINE_CHARS && estimate(&p.with_text(&p.text)) <= room
        });
        line.lossy |= line.pieces.len() > usize::from(keep);
        line.pieces.truncate(usize::from(keep));
    }
    line
}

/// Breaks `event` into pieces; without `with_output`, a tool's output is left out.
pub(super) fn shape(event: &Event, with_output: bool) -> Shape {
    let t = event.occurred_at;
    let stamp = format!("#{} {:02}:{:02}", event.id, t.hour(), t.minute());
    match &event.payload {
        EventPayload::UserPrompt { text } => text_shape(stamp, "User prompt", text),
        EventPayload::AssistantMessage { text } => text_shape(stamp, "Assistant", text),
        EventPayload::Note { text } => text_shape(stamp, "Note", text),
        EventPayload::ToolUse {
            tool_name,
            input,
            output,
            error,
            ..
        } => {
            let (title, mut pieces, mut lossy) = tool_input(tool_name, input);
            if let Some(error) = error.as_deref().map(strip_host_noise)
                && !error.trim().is_empty()
            {
                pieces.push(Piece::new("error", error.trim_end()));
            }
            let output = output
                .as_deref()
                .map(strip_host_noise)
                .filter(|o| !o.trim().is_empty());
            let action = tools::classify(tool_name);
            // A to-do list's output is boilerplate (an error is still shown); a write's output
            // confirms it and echoes part of the file.
            if let Some(output) = output
                && action != ToolAction::Plan
            {
                if with_output {
                    let cap = if action.modifies_files() {
                        WRITE_TOOL_OUTPUT_TOKENS
                    } else {
                        u32::MAX
                    };
                    let (output_pieces, output_lossy) = tool_output(&output);
                    lossy |= output_lossy;
                    pieces.extend(output_pieces.into_iter().map(|p| p.capped(cap)));
                } else {
                    lossy = true;
                }
            }
            let header = if title.is_empty() {
                format!("{stamp} {tool_name}")
            } else {
                format!("{stamp} {tool_name} {title}")
            };
            Shape {
                header,
                pieces,
                lossy,
            }
        }
    }
}

/// A prompt, message or note: its whole text without the host's tagged blocks (an opened
/// file, a reminder, a slash command's wrapper).
pub(super) fn text_shape(stamp: String, what: &str, text: &str) -> Shape {
    Shape {
        header: format!("{stamp} {what}"),
        pieces: vec![Piece::new("", crate::text::strip_host_tags(text))],
        lossy: false,
    }
}

/// A tool's header title, the pieces of its input, and whether fields were left out.
pub(super) fn tool_input(tool: &str, input: &Value) -> (String, Vec<Piece>, bool) {
    let Some(obj) = input.as_object() else {
        return match input {
            Value::Null => (String::new(), Vec::new(), false),
            Value::String(s) => (String::new(), vec![Piece::new("input", s.as_str())], false),
            other => (
                String::new(),
                vec![Piece::new("input", other.to_string()).head()],
                false,
            ),
        };
    };
    let text = |key: &str| obj.get(key).and_then(Value::as_str).unwrap_or_default();
    let mut pieces = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    let mut title = String::new();
    // The key holding the file's path, as `tools::input_path` picks it.
    let path_key = tools::PATH_KEYS
        .into_iter()
        .find(|k| obj.get(*k).and_then(Value::as_str).is_some());
    let edits = obj.get("edits").and_then(Value::as_array);
    match tools::classify(tool) {
        ToolAction::Edit if edits.is_some() => {
            title = path_key.map(text).unwrap_or_default().to_string();
            for (i, edit) in edits.into_iter().flatten().enumerate() {
                let field = |key| edit.get(key).and_then(Value::as_str).unwrap_or_default();
                pieces.push(Piece::new(format!("old {}", i + 1), field("old_string")));
                pieces.push(Piece::new(format!("new {}", i + 1), field("new_string")));
            }
            used.extend(path_key);
            used.push("edits");
        }
        ToolAction::Edit => {
            title = path_key.map(text).unwrap_or_default().to_string();
            pieces.push(Piece::new("old", text("old_string")));
            pieces.push(Piece::new("new", text("new_string")));
            if obj.get("replace_all") == Some(&Value::Bool(true)) {
                pieces.push(Piece::new("replace_all", "true"));
            }
            used.extend(path_key);
            used.extend(["old_string", "new_string", "replace_all"]);
        }
        ToolAction::Write => {
            title = path_key.map(text).unwrap_or_default().to_string();
            let content = text("content");
            let lines = match content.lines().count() {
                1 => "1 line".to_string(),
                n => format!("{n} lines"),
            };
            pieces.push(
                Piece::new(format!("content ({lines})"), content)
                    .head()
                    .capped(WRITTEN_CONTENT_TOKENS),
            );
            used.extend(path_key);
            used.push("content");
        }
        ToolAction::NotebookEdit => {
            title = path_key.map(text).unwrap_or_default().to_string();
            pieces.push(Piece::new("new", text("new_source")));
            used.extend(path_key);
            used.push("new_source");
        }
        ToolAction::Patch => {
            title = tools::patch_files(&tools::patch_text(input)).join(", ");
            pieces.push(Piece::new("patch", tools::patch_text(input)));
            used.extend(["input", "patch", "diff", "command"]);
        }
        ToolAction::Shell => {
            title = inline(text("description"))
                .map(|d| format!("({d})"))
                .unwrap_or_default();
            let command = tools::shell_command(input).unwrap_or_default();
            pieces.push(Piece::new("$", command.trim()));
            used.extend(["description", "command", "cmd", "timeout"]);
        }
        ToolAction::Plan => {
            let todos = obj.get("todos").and_then(Value::as_array);
            let lines: Vec<String> = todos
                .into_iter()
                .flatten()
                .map(|todo| {
                    let field = |key| todo.get(key).and_then(Value::as_str).unwrap_or_default();
                    format!("[{}] {}", field("status"), field("content"))
                })
                .collect();
            pieces.push(Piece::new("todos", lines.join("\n")).head());
            used.push("todos");
        }
        _ => {
            if let Some(key) = SUBJECT_KEYS.iter().find(|key| inline(text(key)).is_some()) {
                title = text(key).trim().to_string();
                used.push(key);
            }
        }
    }
    pieces.retain(|p| !p.text.trim().is_empty());

    let mut rest: Vec<(&String, &Value)> = obj
        .iter()
        .filter(|(k, _)| !used.contains(&k.as_str()))
        .collect();
    rest.sort_by_key(|(k, _)| {
        IMPORTANT_KEYS
            .iter()
            .position(|i| i == k)
            .unwrap_or(IMPORTANT_KEYS.len())
    });
    let mut fields = Vec::new();
    for (key, value) in rest {
        crate::tools::flatten_json(key, value, 0, &mut fields);
    }
    let (fields, lossy) = limit_fields(fields);
    pieces.extend(fields.into_iter().map(|(k, v)| Piece::new(k, v)));
    (title, pieces, lossy)
}

/// A tool's output as pieces: JSON objects flattened to their fields, other text whole.
pub(super) fn tool_output(output: &str) -> (Vec<Piece>, bool) {
    let trimmed = output.trim();
    if trimmed.starts_with('{')
        && let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(trimmed)
    {
        let mut fields = Vec::new();
        for (key, value) in &obj {
            crate::tools::flatten_json(&format!("output.{key}"), value, 0, &mut fields);
        }
        let (fields, lossy) = limit_fields(fields);
        return (
            fields.into_iter().map(|(k, v)| Piece::new(k, v)).collect(),
            lossy,
        );
    }
    (vec![Piece::new("output", output.trim_end())], false)
}

/// `text` without the host's own blocks ([`HOST_NOISE_TAGS`]); borrowed when there are none.
pub(super) fn strip_host_noise(text: &str) -> std::borrow::Cow<'_, str> {
    let mut text = std::borrow::Cow::Borrowed(text);
    for tag in HOST_NOISE_TAGS {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        while let Some(start) = text.find(&open) {
            let Some(len) = text[start..].find(&close) else {
                break;
            };
            let end = start + len + close.len();
            let mut owned = text.into_owned();
            owned.replace_range(start..end, "");
            text = std::borrow::Cow::Owned(owned);
        }
    }
    text
}

/// `text` trimmed, if it is one short line.
pub(super) fn inline(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty() && !text.contains('\n') && text.len() <= INLINE_CHARS).then_some(text)
}

/// Keeps the first [`MAX_FIELDS`] fields, with a line saying how many were left out.
pub(super) fn limit_fields(mut fields: Vec<(String, String)>) -> (Vec<(String, String)>, bool) {
    if fields.len() <= MAX_FIELDS {
        return (fields, false);
    }
    let left_out = fields.len() - (MAX_FIELDS - 1);
    fields.truncate(MAX_FIELDS - 1);
    fields.push((String::new(), format!("[{left_out} more fields not shown]")));
    (fields, true)
}

/// Renders a shape within `max_tokens`: each piece gets a fair share of what the header and
/// labels leave (short pieces whole, long ones cut to equal shares).
pub(super) fn render_shape(shape: &Shape, max_tokens: u32) -> (String, bool) {
    let labels: u32 = shape
        .pieces
        .iter()
        .map(|p| estimate(&p.with_text("")))
        .sum();
    let fixed = estimate(&shape.header) + labels;
    // A cap gives way when cutting would save no more than the marker costs.
    let wants: Vec<u32> = shape
        .pieces
        .iter()
        .map(|p| {
            let cost = estimate(&p.text);
            if cost <= p.cap.saturating_add(MARKER_TOKENS) {
                cost
            } else {
                p.cap
            }
        })
        .collect();
    let shares = water_fill(&wants, max_tokens.saturating_sub(fixed));
    let mut cut = shape.lossy;
    let mut block = shape.header.clone();
    for (piece, share) in shape.pieces.iter().zip(shares) {
        let (text, piece_cut) = trim_text(&piece.text, share, piece.trim);
        cut |= piece_cut;
        block.push('\n');
        block.push_str(&piece.with_text(&text));
    }
    if estimate(&block) > max_tokens {
        block = hard_cut(&block, max_tokens);
        cut = true;
    }
    (block, cut)
}

/// Shares `avail` among wants: every want at most its own, the rest split evenly (max-min
/// fairness).
pub(super) fn water_fill(wants: &[u32], avail: u32) -> Vec<u32> {
    let total: u64 = wants.iter().map(|&w| u64::from(w)).sum();
    if total <= u64::from(avail) {
        return wants.to_vec();
    }
    let mut order: Vec<usize> = (0..wants.len()).collect();
    order.sort_by_key(|&i| wants[i]);
    let mut shares = vec![0; wants.len()];
    let mut remaining = avail;
    for (done, &i) in order.iter().enumerate() {
        let left = u32::try_from(wants.len() - done).unwrap_or(u32::MAX);
        let give = wants[i].min(remaining / left);
        shares[i] = give;
        remaining -= give;
    }
    shares
}

/// Cuts `text` to at most `budget` tokens: whole lines from the head (and the tail), partial
/// lines at the cut, and a marker saying how many lines and tokens were cut.
pub(super) fn trim_text(text: &str, budget: u32, trim: Trim) -> (String, bool) {
    let total = estimate(text);
    if total <= budget {
        return (text.to_string(), false);
    }
    let room = budget.saturating_sub(MARKER_TOKENS);
    let (head_room, tail_room) = match trim {
        Trim::HeadTail => (room - room / 3, room / 3),
        Trim::Head => (room, 0),
    };
    let head_end = head_within(text, head_room);
    let tail_start = head_end + tail_within(&text[head_end..], tail_room);
    let middle = &text[head_end..tail_start];
    let lines = middle.matches('\n').count();
    let cut_tokens = estimate(middle);
    let marker = match (lines, trim) {
        (0, _) => format!("[... ~{cut_tokens} tokens cut ...]"),
        (n, Trim::Head) => format!("[... {n} more lines (~{cut_tokens} tokens) cut ...]"),
        (n, Trim::HeadTail) => format!("[... {n} lines (~{cut_tokens} tokens) cut ...]"),
    };
    let head = text[..head_end].trim_end_matches('\n');
    let tail = text[tail_start..].trim_start_matches('\n');
    let mut out = String::with_capacity(head.len() + marker.len() + tail.len() + 2);
    for part in [head, marker.as_str(), tail] {
        if !part.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(part);
        }
    }
    (out, true)
}

/// The byte length of the longest head of `text` within `room` tokens: whole lines, then part
/// of the next line.
pub(super) fn head_within(text: &str, room: u32) -> usize {
    let mut end = 0;
    let mut used = 0;
    for line in text.split_inclusive('\n') {
        let cost = estimate(line);
        if used + cost > room {
            return end + prefix_within(line, room - used);
        }
        used += cost;
        end += line.len();
    }
    end
}

/// The byte length of the longest tail of `text` within `room` tokens.
pub(super) fn tail_within(text: &str, room: u32) -> usize {
    let mut start = text.len();
    let mut used = 0;
    for line in text.split_inclusive('\n').rev() {
        let cost = estimate(line);
        let line_start = start - line.len();
        if used + cost > room {
            return line_start + suffix_within(line, room - used);
        }
        used += cost;
        start = line_start;
    }
    start
}

/// The byte length of the longest prefix of `text` within `room` tokens (the estimate only
/// grows as a prefix grows, so a binary search over character boundaries finds it).
pub(super) fn prefix_within(text: &str, room: u32) -> usize {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let fits = bounds.partition_point(|&b| estimate(&text[..b]) <= room);
    fits.checked_sub(1).map_or(0, |i| bounds[i])
}

/// The byte offset where the longest suffix of `text` within `room` tokens starts.
pub(super) fn suffix_within(text: &str, room: u32) -> usize {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    // Suffixes shrink as the start moves right: find the first start that fits.
    let first = bounds.partition_point(|&b| estimate(&text[b..]) > room);
    bounds.get(first).copied().unwrap_or(text.len())
}

/// The last resort: the head of `text` within `max_tokens`, ending with a marker when there
/// is room for one.
pub(super) fn hard_cut(text: &str, max_tokens: u32) -> String {
    const MARK: &str = "[...]";
    let mark = estimate(MARK);
    if max_tokens > mark {
        let end = prefix_within(text, max_tokens - mark);
        format!("{} {MARK}", &text[..end])
    } else {
        text[..prefix_within(text, max_tokens)].to_string()
    }
}
