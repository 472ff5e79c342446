//! Elision of oversized tool output.
//!
//! A tool result can be megabytes (a build log, a `cat` of a generated file). Storing it whole
//! costs space and, worse, tokens in every extraction prompt that quotes it. The beginning of
//! such an output usually says what ran and the end says how it finished, so
//! [`elide_middle`] keeps both and replaces the middle with one marker line that says how much
//! was cut:
//!
//! ```text
//! [... 48213 bytes (612 lines) elided ...]
//! ```
//!
//! The rules:
//!
//! - A text of at most `max_bytes` bytes is returned as it is, borrowed.
//! - Otherwise about two thirds of the budget go to the head and the rest to the tail. Cuts
//!   fall on UTF-8 character boundaries, and move back (head) or forward (tail) to a line
//!   boundary when one lies within a quarter of that part's budget (at most 1 KiB away), so
//!   that whole lines survive.
//! - The marker sits on a line of its own: a newline goes before it unless the head is empty
//!   or already ends with one, and after it unless the tail is empty.
//! - The head and tail together never exceed `max_bytes`, so the result is never longer than
//!   `max_bytes` plus the marker's length. With `max_bytes == 0` the result is the marker alone.

use std::borrow::Cow;

/// How far (in bytes) a cut may move to reach a line boundary, at most.
const MAX_LINE_SEARCH: usize = 1024;

/// Returns `text` if it fits in `max_bytes`, else its head and tail joined by a marker line
/// that says how many bytes and lines were elided.
///
/// The head gets about two thirds of the budget, the tail the rest; both are cut on character
/// boundaries, and on line boundaries when one is near. The result never exceeds `max_bytes`
/// plus the length of the marker line.
///
/// ```
/// use memcore::capture::truncate::elide_middle;
///
/// let log: String = (1..=1000).map(|i| format!("line {i}\n")).collect();
/// let short = elide_middle(&log, 200);
/// assert!(short.starts_with("line 1\n"));
/// assert!(short.ends_with("line 1000\n"));
/// assert!(short.contains("lines) elided ...]"));
/// assert_eq!(elide_middle("small", 200), "small");
/// ```
pub fn elide_middle(text: &str, max_bytes: usize) -> Cow<'_, str> {
    if text.len() <= max_bytes {
        return Cow::Borrowed(text);
    }
    let head_budget = max_bytes * 2 / 3;
    let tail_budget = max_bytes - head_budget;
    let head_end = head_cut(text, head_budget);
    let tail_start = tail_cut(text, tail_budget).max(head_end);
    let head = &text[..head_end];
    let middle = &text[head_end..tail_start];
    let tail = &text[tail_start..];

    Cow::Owned(join(head, middle.len(), middle.lines().count(), tail))
}

/// How much more than the kept head and tail [`elide_middle_with`] transforms around them.
const TRANSFORM_MARGIN: usize = 64 * 1024;

/// [`elide_middle`] of `transform(text)`, without transforming the whole of a huge text: only
/// the head and tail that may be kept, each with a wide margin, are transformed, then cut.
/// A transformation that reads a bounded context (redaction: a secret is far shorter than
/// the margin) gives the same kept text as transforming everything, and a cut through the
/// middle of what it would replace (half a secret) falls in the margin, which is elided.
/// The marker counts the elided bytes and lines of the original around the transformed parts.
pub fn elide_middle_with(
    text: &str,
    max_bytes: usize,
    transform: impl Fn(&str) -> String,
) -> String {
    if text.len() <= max_bytes.saturating_add(2 * TRANSFORM_MARGIN) {
        return elide_middle(&transform(text), max_bytes).into_owned();
    }
    let head_budget = max_bytes * 2 / 3;
    let tail_budget = max_bytes - head_budget;
    let mut rough_head = head_budget + TRANSFORM_MARGIN;
    while !text.is_char_boundary(rough_head) {
        rough_head -= 1;
    }
    let mut rough_tail = text.len() - (tail_budget + TRANSFORM_MARGIN);
    while !text.is_char_boundary(rough_tail) {
        rough_tail += 1;
    }
    let head = transform(&text[..rough_head]);
    let tail = transform(&text[rough_tail..]);
    let head_end = head_cut(&head, head_budget);
    let tail_start = tail_cut(&tail, tail_budget);
    let parts = [
        &head[head_end..],
        &text[rough_head..rough_tail],
        &tail[..tail_start],
    ];
    let bytes = parts.iter().map(|p| p.len()).sum();
    let newlines: usize = parts.iter().map(|p| p.matches('\n').count()).sum();
    let lines = newlines + usize::from(!tail[..tail_start].ends_with('\n'));
    join(&head[..head_end], bytes, lines, &tail[tail_start..])
}

/// `head`, the marker line for `bytes` bytes and `lines` lines, `tail`.
fn join(head: &str, bytes: usize, lines: usize, tail: &str) -> String {
    let line_word = if lines == 1 { "line" } else { "lines" };
    let mut out = String::with_capacity(head.len() + tail.len() + 64);
    out.push_str(head);
    if !head.is_empty() && !head.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!(
        "[... {bytes} bytes ({lines} {line_word}) elided ...]"
    ));
    if !tail.is_empty() {
        out.push('\n');
    }
    out.push_str(tail);
    out
}

/// The end of the head: at most `budget` bytes, on a character boundary, pulled back to just
/// after a newline when one is near.
fn head_cut(text: &str, budget: usize) -> usize {
    let mut end = budget.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let window = (budget / 4).min(MAX_LINE_SEARCH);
    let floor = end.saturating_sub(window);
    match text.as_bytes()[floor..end]
        .iter()
        .rposition(|&b| b == b'\n')
    {
        Some(i) => floor + i + 1,
        None => end,
    }
}

/// The start of the tail: at most `budget` bytes before the end, on a character boundary,
/// pushed forward to just after a newline when one is near.
fn tail_cut(text: &str, budget: usize) -> usize {
    let mut start = text.len() - budget.min(text.len());
    while !text.is_char_boundary(start) {
        start += 1;
    }
    if start > 0 && text.as_bytes()[start - 1] == b'\n' {
        return start;
    }
    let window = (budget / 4).min(MAX_LINE_SEARCH);
    let ceiling = (start + window).min(text.len());
    match text.as_bytes()[start..ceiling]
        .iter()
        .position(|&b| b == b'\n')
    {
        Some(i) => start + i + 1,
        None => start,
    }
}

#[cfg(test)]
mod tests {
    use super::{elide_middle, elide_middle_with};
    use std::borrow::Cow;

    /// The marker line inside an elided output.
    fn marker(out: &str) -> &str {
        let start = out.find("[... ").expect("marker present");
        let end = out[start..].find(" elided ...]").expect("marker end") + start;
        &out[start..end + " elided ...]".len()]
    }

    fn numbered_lines(n: usize) -> String {
        (1..=n).map(|i| format!("line {i:04}\n")).collect()
    }

    #[test]
    fn text_within_budget_is_borrowed_unchanged() {
        let text = "short output\n";
        assert!(matches!(elide_middle(text, 100), Cow::Borrowed(t) if t == text));
        assert!(matches!(elide_middle(text, text.len()), Cow::Borrowed(_)));
        assert!(matches!(elide_middle("", 0), Cow::Borrowed("")));
    }

    #[test]
    fn head_and_tail_are_kept_with_a_marker_between() {
        let text = numbered_lines(1000);
        let out = elide_middle(&text, 600);
        assert!(out.starts_with("line 0001\nline 0002\n"), "{out}");
        assert!(out.ends_with("line 0999\nline 1000\n"), "{out}");
        let m = marker(&out);
        assert!(out.len() <= 600 + m.len() + 2);
    }

    #[test]
    fn marker_counts_the_elided_bytes_and_lines() {
        let text = numbered_lines(1000);
        let out = elide_middle(&text, 600);
        let kept_lines = out.lines().filter(|l| l.starts_with("line ")).count();
        let elided_lines = 1000 - kept_lines;
        let kept_bytes = kept_lines * "line 0000\n".len();
        let expected = format!(
            "[... {} bytes ({elided_lines} lines) elided ...]",
            text.len() - kept_bytes
        );
        assert_eq!(marker(&out), expected);
        // Whole lines survive: the marker is on a line of its own.
        assert!(out.contains(&format!("\n{expected}\n")));
    }

    #[test]
    fn head_gets_about_two_thirds_of_the_budget() {
        let text = "x".repeat(10_000);
        let out = elide_middle(&text, 900);
        let m = marker(&out);
        let (head, rest) = out.split_at(out.find(m).unwrap_or(0));
        let tail = &rest[m.len()..];
        assert_eq!(head.trim_end().len(), 600);
        assert_eq!(tail.trim_start().len(), 300);
        assert_eq!(m, "[... 9100 bytes (1 line) elided ...]");
    }

    #[test]
    fn cuts_fall_on_line_boundaries_when_near() {
        // Lines of 50 bytes: neither the head budget (213) nor the tail budget (107) is a line
        // end, so both cuts move to the nearest newline.
        let text: String = (0..100)
            .map(|i| format!("{i:02} {}\n", "y".repeat(46)))
            .collect();
        let out = elide_middle(&text, 320);
        let m = marker(&out);
        let (head, rest) = out.split_at(out.find(m).unwrap_or(0));
        assert!(head.ends_with('\n'));
        assert_eq!(head.len() % 50, 0, "head {head:?}");
        assert!(rest[m.len()..].starts_with("\n"));
        let tail = &rest[m.len() + 1..];
        assert_eq!(tail.len() % 50, 0, "tail {tail:?}");
        assert!(tail.ends_with(&format!("99 {}\n", "y".repeat(46))));
    }

    #[test]
    fn a_far_line_boundary_does_not_shrink_the_kept_text() {
        // One newline near the start only: cutting there would throw away most of the budget.
        let text = format!("header\n{}", "z".repeat(5000));
        let out = elide_middle(&text, 1200);
        let m = marker(&out);
        let head = &out[..out.find(m).unwrap_or(0)];
        assert_eq!(head.trim_end_matches('\n').len(), 800);
    }

    #[test]
    fn multi_byte_characters_are_never_split() {
        // Every char is 3 or 4 bytes, so most byte budgets fall inside a character.
        let text: String = "日本語のテキスト🦀".repeat(500);
        for max in [0, 1, 2, 3, 5, 7, 11, 100, 101, 1001, 4097] {
            let out = elide_middle(&text, max);
            let m = marker(&out);
            assert!(
                out.len() <= max + m.len() + 2,
                "max {max}: {} bytes",
                out.len()
            );
            // Head and tail are whole characters of the input.
            let (head, rest) = out.split_at(out.find(m).unwrap_or(0));
            let tail = rest[m.len()..].trim_start_matches('\n');
            let head = head.trim_end_matches('\n');
            assert!(text.starts_with(head), "max {max}");
            assert!(text.ends_with(tail), "max {max}");
            assert!(head.len() + tail.len() <= max);
        }
    }

    #[test]
    fn zero_budget_keeps_only_the_marker() {
        let out = elide_middle("abc\ndef\n", 0);
        assert_eq!(out, "[... 8 bytes (2 lines) elided ...]");
        let out = elide_middle("é", 0);
        assert_eq!(out, "[... 2 bytes (1 line) elided ...]");
    }

    #[test]
    fn tiny_budgets_stay_within_bounds() {
        let text = "a\nbb\nccc\ndddd\neeeee\n".repeat(20);
        for max in 0..text.len() {
            let out = elide_middle(&text, max);
            let m = marker(&out);
            assert!(out.len() <= max + m.len() + 2, "max {max}");
        }
    }

    #[test]
    fn a_huge_text_is_transformed_only_around_what_is_kept() {
        let text = numbered_lines(400_000); // 4 MB
        let calls = std::cell::Cell::new(0usize);
        let out = elide_middle_with(&text, 3000, |part| {
            calls.set(calls.get() + part.len());
            part.replace("line", "LINE")
        });
        assert!(
            calls.get() < 200 * 1024,
            "transformed {} bytes",
            calls.get()
        );
        assert!(out.starts_with("LINE 0001\n"), "{out}");
        assert!(out.ends_with("LINE 400000\n"), "{out}");
        assert!(out.len() < 3000 + 64, "{}", out.len());
        // The same marker as eliding everything transformed (the transformation keeps lengths).
        let whole = elide_middle(&text, 3000);
        assert_eq!(marker(&out), marker(&whole));
        // A small text is transformed whole.
        assert_eq!(elide_middle_with("abc", 10, |p| p.to_uppercase()), "ABC");
    }
}
