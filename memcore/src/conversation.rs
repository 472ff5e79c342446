//! The conversation layer's text: every event of a session in short form, as it happened.
//!
//! Observations are what an extractor distilled; the conversation layer keeps what was said
//! and done, so that a question the extractor missed is still answered. Each event becomes one
//! record whose text is what [`short_form`] makes of it:
//!
//! | event | short form |
//! |---|---|
//! | user prompt | the prompt, without host tags (`<ide_opened_file>`, `<system-reminder>`...) |
//! | assistant message | the message |
//! | note | the note |
//! | shell command | `$ command  # description`, then `→ ` and the outcome's first lines (an error's first lines, marked `failed:`) |
//! | edit | `Edit path: ` each replaced text `→` its replacement |
//! | write | `Write path:` and the start of the content |
//! | read | `Read path` |
//! | search | `Grep "pattern" in path` and the first matches |
//! | to-do list | `Todo:` each item with its status |
//! | sub-agent | `Task description:` its prompt's start and its report's start |
//! | anything else | the tool's name, its input as compact JSON, the start of its output |
//!
//! Every piece is bounded ([`MAX_CHARS`] in all), so a record costs little to index and show.
//! The text is made from the stored (already redacted and elided) event, so it is as private
//! as the event. Bookkeeping tools (polling a shell, plan mode) have no short form.

use crate::model::EventPayload;
use crate::text::{one_line, shorten, strip_host_tags};
use crate::tools::{self, ToolAction};
use serde_json::Value;

/// Most characters of one record's text.
pub const MAX_CHARS: usize = 4000;
/// Most characters of a tool call's outcome (its output's or error's first lines).
const OUTCOME_CHARS: usize = 400;
/// Most characters of one side of an edit.
const EDIT_CHARS: usize = 900;
/// Most characters of a written file's content.
const WRITE_CHARS: usize = 1500;

/// An event's short form in two parts: what was said or done, and for a tool call what came
/// of it. The outcome is indexed at a lower weight: a command's output repeats words of every
/// query (`git status` lists every file) without being what the record is about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShortForm {
    /// The prompt, the message, or the tool call (command, file and change).
    pub text: String,
    /// A tool call's outcome: an error's or the output's first lines; empty otherwise.
    pub outcome: String,
}

impl ShortForm {
    /// Whether there is nothing to index.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.outcome.is_empty()
    }

    /// The record's text as shown: the text, then `→ ` and the outcome on its own line.
    pub fn joined(&self) -> String {
        match (self.text.is_empty(), self.outcome.is_empty()) {
            (_, true) => self.text.clone(),
            (true, false) => format!("→ {}", self.outcome),
            (false, false) => format!("{}\n→ {}", self.text, self.outcome),
        }
    }
}

/// The conversation layer's text of an event (see [`short_form_parts`]), joined; empty when
/// the event has none (a bookkeeping tool, an empty prompt).
pub fn short_form(payload: &EventPayload) -> String {
    short_form_parts(payload).joined()
}

/// The conversation layer's text of an event, in its two parts.
pub fn short_form_parts(payload: &EventPayload) -> ShortForm {
    let text = match payload {
        EventPayload::UserPrompt { text } => strip_host_tags(text),
        EventPayload::AssistantMessage { text } | EventPayload::Note { text } => {
            text.trim().to_owned()
        }
        EventPayload::ToolUse {
            tool_name,
            input,
            output,
            error,
            ..
        } => {
            if error.as_deref().is_some_and(tools::is_rejection) {
                return ShortForm::default();
            }
            let text = tool_call(tool_name, input, output.as_deref());
            if text.is_empty() {
                return ShortForm::default();
            }
            // A sub-agent's report and a to-do list's echo are in the text or say nothing.
            let has_outcome = !matches!(
                tools::classify(tool_name),
                ToolAction::Delegate | ToolAction::Plan | ToolAction::Housekeeping
            );
            return ShortForm {
                text: shorten(&text, MAX_CHARS - OUTCOME_CHARS - 3),
                outcome: if has_outcome {
                    let output = output.as_deref().map(tools::output_text);
                    outcome(error.as_deref(), output.as_deref()).unwrap_or_default()
                } else {
                    String::new()
                },
            };
        }
    };
    ShortForm {
        text: shorten(&text, MAX_CHARS),
        outcome: String::new(),
    }
}

/// The short form of one tool call, without its outcome (a sub-agent's report is part of
/// it: the report is what the call was for).
fn tool_call(name: &str, input: &Value, output: Option<&str>) -> String {
    let field = |k: &str| input.get(k).and_then(Value::as_str).unwrap_or("").trim();
    let path = tools::input_path(input).unwrap_or("");
    match tools::classify(name) {
        ToolAction::Shell => {
            let Some(command) = tools::shell_command(input) else {
                return String::new();
            };
            let mut s = format!("$ {}", shorten(&command, 1200));
            if !field("description").is_empty() {
                s.push_str(&format!("  # {}", field("description")));
            }
            s
        }
        ToolAction::Read => format!("{name} {path}"),
        ToolAction::Search => {
            let mut s = format!("{name} \"{}\"", field("pattern"));
            if !path.is_empty() {
                s.push_str(&format!(" in {path}"));
            }
            if !field("glob").is_empty() {
                s.push_str(&format!(" ({})", field("glob")));
            }
            s
        }
        ToolAction::Edit => {
            let pairs: Vec<String> = tools::edit_pairs(input)
                .into_iter()
                .map(|(old, new)| {
                    format!(
                        "{} → {}",
                        shorten(old, EDIT_CHARS / 2),
                        shorten(new, EDIT_CHARS)
                    )
                })
                .collect();
            format!("{name} {path}: {}", pairs.join("\n"))
        }
        ToolAction::Write => format!("{name} {path}:\n{}", shorten(field("content"), WRITE_CHARS)),
        ToolAction::NotebookEdit => format!(
            "{name} {path}: {}",
            shorten(field("new_source"), EDIT_CHARS)
        ),
        ToolAction::Patch => format!(
            "{name}: {}",
            shorten(&tools::patch_text(input), WRITE_CHARS)
        ),
        ToolAction::Web => {
            let target = [field("url"), field("query")].join(" ");
            format!("{name} {}", target.trim())
        }
        ToolAction::Delegate => {
            let mut s = format!("{name} {}", field("description"));
            if !field("prompt").is_empty() {
                s.push_str(&format!(": {}", shorten(field("prompt"), 600)));
            }
            if let Some(report) = output
                .map(tools::output_text)
                .filter(|o| !o.trim().is_empty())
            {
                s.push_str(&format!("\nReport: {}", shorten(&report, 1500)));
            }
            s
        }
        ToolAction::Plan => todo_list(input),
        ToolAction::Housekeeping if name.eq_ignore_ascii_case("AskUserQuestion") => {
            format!("{name} {}", shorten(&compact(input), 600))
        }
        ToolAction::Housekeeping => String::new(),
        ToolAction::Other => format!("{name} {}", shorten(&compact(input), 600)),
    }
}

/// What a call's result says, in brief: an error's first lines, else the output's.
fn outcome(error: Option<&str>, output: Option<&str>) -> Option<String> {
    if let Some(error) = error.map(str::trim).filter(|e| !e.is_empty()) {
        return Some(format!(
            "failed: {}",
            shorten(&one_line(error), OUTCOME_CHARS)
        ));
    }
    let output = output.map(str::trim).filter(|o| !o.is_empty())?;
    Some(shorten(&one_line(output), OUTCOME_CHARS))
}

/// A to-do list as `Todo: [status] item; ...`.
fn todo_list(input: &Value) -> String {
    let items = input
        .get("todos")
        .or_else(|| input.get("plan"))
        .and_then(Value::as_array);
    let Some(items) = items else {
        return String::new();
    };
    let rendered: Vec<String> = items
        .iter()
        .filter_map(|item| {
            let text = ["content", "step", "text", "description"]
                .iter()
                .find_map(|k| item.get(*k).and_then(Value::as_str))?;
            let status = item
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("pending");
            Some(format!("[{status}] {}", shorten(text, 200)))
        })
        .collect();
    if rendered.is_empty() {
        return String::new();
    }
    format!("Todo: {}", rendered.join("; "))
}

/// A JSON value as compact text.
fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(name: &str, input: Value, output: Option<&str>, error: Option<&str>) -> String {
        short_form(&EventPayload::ToolUse {
            tool_name: name.into(),
            input,
            output: output.map(str::to_owned),
            error: error.map(str::to_owned),
            tool_use_id: None,
        })
    }

    #[test]
    fn prompts_lose_host_tags() {
        let text = short_form(&EventPayload::UserPrompt {
            text: "<ide_opened_file>The user opened a.rs</ide_opened_file>\nWhy does it hang?"
                .into(),
        });
        assert_eq!(text, "Why does it hang?");
    }

    #[test]
    fn shell_calls_keep_command_description_and_outcome() {
        let text = tool(
            "Bash",
            json!({"command": "cargo test -p app", "description": "Run the app tests"}),
            None,
            Some("Exit code 101\nthread 'main' panicked"),
        );
        assert_eq!(
            text,
            "$ cargo test -p app  # Run the app tests\n→ failed: Exit code 101 thread 'main' panicked"
        );
    }

    #[test]
    fn structured_tool_responses_read_as_their_text() {
        // Claude Code's PostToolUse sends Bash's response as an object; the hook stores it as
        // compact JSON.
        let text = tool(
            "Bash",
            json!({"command": "cargo test invoice_export"}),
            Some(
                r#"{"stdout":"test invoice_export ... FAILED","stderr":"","interrupted":false,"isImage":false}"#,
            ),
            None,
        );
        assert_eq!(
            text,
            "$ cargo test invoice_export\n→ test invoice_export ... FAILED"
        );
        let text = tool(
            "Write",
            json!({"file_path": "/p/a.rs", "content": "fn main() {}"}),
            Some(r#"{"filePath":"/p/a.rs","success":true}"#),
            None,
        );
        assert!(
            text.ends_with("→ filePath: /p/a.rs success: true"),
            "{text}"
        );
        // Text that only looks like JSON stays as it is.
        let text = tool("Bash", json!({"command": "echo"}), Some("{not json"), None);
        assert!(text.ends_with("→ {not json"), "{text}");
    }

    #[test]
    fn edits_keep_file_and_both_sides() {
        let text = tool(
            "Edit",
            json!({"file_path": "src/omp.zsh", "old_string": "setopt monitor", "new_string": "setopt no_monitor"}),
            Some("The file src/omp.zsh has been updated."),
            None,
        );
        assert!(text.starts_with("Edit src/omp.zsh: setopt monitor → setopt no_monitor"));
    }

    #[test]
    fn todo_lists_and_bookkeeping() {
        let text = tool(
            "TodoWrite",
            json!({"todos": [{"content": "Open the PR", "status": "pending"}]}),
            Some("Todos have been modified successfully"),
            None,
        );
        assert_eq!(text, "Todo: [pending] Open the PR");
        assert_eq!(
            tool("BashOutput", json!({"bash_id": "1"}), Some("x"), None),
            ""
        );
        assert_eq!(
            tool(
                "Bash",
                json!({"command": "rm -rf /"}),
                None,
                Some("The user doesn't want to proceed with this tool use.")
            ),
            ""
        );
    }

    #[test]
    fn every_form_is_bounded() {
        let long = "word ".repeat(10_000);
        for payload in [
            EventPayload::AssistantMessage { text: long.clone() },
            EventPayload::ToolUse {
                tool_name: "mcp__x__y".into(),
                input: json!({"q": long}),
                output: Some(long.clone()),
                error: None,
                tool_use_id: None,
            },
        ] {
            assert!(short_form(&payload).chars().count() <= MAX_CHARS);
        }
    }
}
