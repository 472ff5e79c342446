//! What a tool call does, decided in one place: one table per agent (Claude Code's tool names,
//! and the Codex and Gemini CLI names), read by the heuristic extractor, the LLM prompt
//! builder and the conversation layer alike. A name no table knows is [`ToolAction::Other`].
//!
//! The tables match names case-insensitively; MCP tools (`mcp__server__tool`) are `Other`.

use serde_json::Value;

/// What a tool call does to the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToolAction {
    /// Runs a shell command (`Bash`, Codex's `exec_command`/`shell`, Gemini's
    /// `run_shell_command`).
    Shell,
    /// Reads one file (`Read`, `read_file`, `view`, notebooks).
    Read,
    /// Searches file names or contents (`Glob`, `Grep`, `search_file_content`).
    Search,
    /// Changes part of a file in place (`Edit`, `MultiEdit`, `replace`, `str_replace`).
    Edit,
    /// Writes a whole file (`Write`, `write_file`, `create_file`).
    Write,
    /// Edits a notebook cell (`NotebookEdit`).
    NotebookEdit,
    /// Applies a patch or diff that may touch several files (Codex's `apply_patch`).
    Patch,
    /// Reads the web (`WebSearch`, `WebFetch`, `google_web_search`, `web_fetch`).
    Web,
    /// Hands work to a sub-agent (`Task`, `Agent`).
    Delegate,
    /// Keeps the agent's to-do list (`TodoWrite`, Codex's `update_plan`).
    Plan,
    /// Bookkeeping of the agent itself that says nothing about the project: listing a folder,
    /// polling a background shell, asking the user, plan mode, loading skills or tools.
    Housekeeping,
    /// A tool no table knows (MCP tools, a newer agent's tools).
    Other,
}

/// One agent's names, lower-case, per action.
type Table = &'static [(&'static str, ToolAction)];

/// Claude Code's tools.
#[rustfmt::skip]
const CLAUDE_CODE: Table = &[
    ("bash", ToolAction::Shell), ("powershell", ToolAction::Shell),
    ("read", ToolAction::Read), ("notebookread", ToolAction::Read),
    ("glob", ToolAction::Search), ("grep", ToolAction::Search),
    ("edit", ToolAction::Edit), ("multiedit", ToolAction::Edit),
    ("write", ToolAction::Write),
    ("notebookedit", ToolAction::NotebookEdit),
    ("websearch", ToolAction::Web), ("webfetch", ToolAction::Web),
    ("task", ToolAction::Delegate), ("agent", ToolAction::Delegate),
    ("todowrite", ToolAction::Plan),
    ("todoread", ToolAction::Housekeeping), ("taskcreate", ToolAction::Housekeeping),
    ("taskupdate", ToolAction::Housekeeping), ("tasklist", ToolAction::Housekeeping),
    ("taskget", ToolAction::Housekeeping), ("taskoutput", ToolAction::Housekeeping),
    ("taskstop", ToolAction::Housekeeping), ("killshell", ToolAction::Housekeeping),
    ("bashoutput", ToolAction::Housekeeping), ("askuserquestion", ToolAction::Housekeeping),
    ("enterplanmode", ToolAction::Housekeeping), ("exitplanmode", ToolAction::Housekeeping),
    ("toolsearch", ToolAction::Housekeeping), ("skill", ToolAction::Housekeeping),
    ("slashcommand", ToolAction::Housekeeping), ("ls", ToolAction::Housekeeping),
    ("listmcpresourcestool", ToolAction::Housekeeping),
    ("readmcpresourcetool", ToolAction::Housekeeping),
];

/// OpenAI Codex CLI's tools.
#[rustfmt::skip]
const CODEX: Table = &[
    ("shell", ToolAction::Shell), ("exec_command", ToolAction::Shell),
    ("local_shell", ToolAction::Shell), ("container.exec", ToolAction::Shell),
    ("apply_patch", ToolAction::Patch), ("applypatch", ToolAction::Patch),
    ("patch", ToolAction::Patch),
    ("view", ToolAction::Read), ("view_image", ToolAction::Read),
    ("str_replace", ToolAction::Edit), ("edit_file", ToolAction::Edit),
    ("create_file", ToolAction::Write),
    ("web_search", ToolAction::Web),
    ("update_plan", ToolAction::Plan),
    ("write_stdin", ToolAction::Housekeeping),
];

/// Google Gemini CLI's tools.
#[rustfmt::skip]
const GEMINI: Table = &[
    ("run_shell_command", ToolAction::Shell),
    ("read_file", ToolAction::Read), ("read_many_files", ToolAction::Read),
    ("glob", ToolAction::Search), ("search_file_content", ToolAction::Search),
    ("replace", ToolAction::Edit),
    ("write_file", ToolAction::Write),
    ("google_web_search", ToolAction::Web), ("web_fetch", ToolAction::Web),
    ("write_todos", ToolAction::Plan),
    ("list_directory", ToolAction::Housekeeping), ("list_dir", ToolAction::Housekeeping),
    ("save_memory", ToolAction::Housekeeping),
];

/// Every agent's table, searched in order.
const TABLES: [Table; 3] = [CLAUDE_CODE, CODEX, GEMINI];

/// What the tool called `name` does, whatever agent named it.
pub fn classify(name: &str) -> ToolAction {
    let lower = name.trim().to_ascii_lowercase();
    TABLES
        .iter()
        .flat_map(|t| t.iter())
        .find(|(n, _)| *n == lower)
        .map_or(ToolAction::Other, |(_, action)| *action)
}

impl ToolAction {
    /// Whether the call may change files of the project (edits, writes, patches; a shell
    /// command may too, but says so only in its command line).
    pub fn modifies_files(self) -> bool {
        matches!(
            self,
            ToolAction::Edit | ToolAction::Write | ToolAction::NotebookEdit | ToolAction::Patch
        )
    }

    /// Whether the call only looks around (reads, searches, the web).
    pub fn looks_up(self) -> bool {
        matches!(
            self,
            ToolAction::Read | ToolAction::Search | ToolAction::Web
        )
    }
}

/// The input keys agents name a tool call's file with, in order of preference.
pub const PATH_KEYS: [&str; 5] = [
    "file_path",
    "notebook_path",
    "path",
    "absolute_path",
    "filename",
];

/// The file a tool call is about: the first of the input keys agents use for it
/// ([`PATH_KEYS`]).
pub fn input_path(input: &Value) -> Option<&str> {
    PATH_KEYS
        .iter()
        .find_map(|k| input.get(*k).and_then(Value::as_str))
        .filter(|p| !p.trim().is_empty())
}

/// The command line of a shell tool's input: `command` (or `cmd`) as a string, or as an argv
/// array (`["bash", "-lc", "script"]` gives the script).
pub fn shell_command(input: &Value) -> Option<String> {
    match input.get("command").or_else(|| input.get("cmd"))? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Array(argv) => {
            let words: Vec<&str> = argv.iter().filter_map(Value::as_str).collect();
            match words.as_slice() {
                [] => None,
                [_, flag, script] if *flag == "-lc" || *flag == "-c" => Some((*script).to_owned()),
                _ => Some(words.join(" ")),
            }
        }
        _ => None,
    }
}

/// The `(old, new)` text pairs of an edit: MultiEdit's `edits` list, else the call's own
/// `old_string`/`new_string`.
pub fn edit_pairs(input: &Value) -> Vec<(&str, &str)> {
    fn text<'a>(v: &'a Value, k: &str) -> &'a str {
        v.get(k).and_then(Value::as_str).unwrap_or("")
    }
    match input.get("edits").and_then(Value::as_array) {
        Some(edits) => edits
            .iter()
            .map(|e| (text(e, "old_string"), text(e, "new_string")))
            .collect(),
        None => vec![(text(input, "old_string"), text(input, "new_string"))],
    }
}

/// The patch text of a patch tool's input: the input itself when it is a string, else its
/// `input`, `patch` or `diff` field, else the argv element holding an `apply_patch` envelope.
pub fn patch_text(input: &Value) -> String {
    match input {
        Value::String(s) => s.clone(),
        other => ["input", "patch", "diff"]
            .iter()
            .find_map(|k| other.get(*k).and_then(Value::as_str))
            .map(str::to_owned)
            .or_else(|| {
                other
                    .get("command")
                    .and_then(Value::as_array)
                    .and_then(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .find(|s| s.contains("***"))
                    })
                    .map(str::to_owned)
            })
            .unwrap_or_default(),
    }
}

/// The files a patch names, in order, each once: `*** Add File:`, `*** Update File:`,
/// `*** Delete File:` and `*** Move to:` headers (Codex's envelope) and `+++ b/` lines of a
/// unified diff.
pub fn patch_files(patch: &str) -> Vec<&str> {
    let mut files: Vec<&str> = Vec::new();
    for line in patch.lines() {
        let path = [
            "*** Add File: ",
            "*** Update File: ",
            "*** Delete File: ",
            "*** Move to: ",
            "+++ b/",
        ]
        .iter()
        .find_map(|p| line.strip_prefix(p))
        .map(str::trim);
        if let Some(path) = path.filter(|p| !p.is_empty())
            && !files.contains(&path)
        {
            files.push(path);
        }
    }
    files
}

/// The files a tool call changes: the edited or written file, or every file a patch names.
/// Empty for calls that change no file (or whose change only a command line tells).
pub fn modified_files(name: &str, input: &Value) -> Vec<String> {
    match classify(name) {
        ToolAction::Patch => patch_files(&patch_text(input))
            .into_iter()
            .map(str::to_owned)
            .collect(),
        action if action.modifies_files() => input_path(input)
            .map(|p| vec![p.trim().to_owned()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Whether a tool error says the user refused the call (nothing happened).
pub fn is_rejection(error: &str) -> bool {
    let e = error.to_ascii_lowercase();
    e.contains("doesn't want to proceed")
        || e.contains("was rejected")
        || e.contains("user denied")
        || e.contains("permission denied by user")
        || e.contains("interrupted by user")
}

/// A tool's output as readable text. A JSON object (a host's structured tool response, such
/// as Claude Code's `{"stdout": "...", "stderr": "", "interrupted": false, "isImage": false}`
/// for Bash) becomes its fields (see [`flatten_json`]): one field's text alone, several as
/// `key: text` lines; anything else is returned as it is.
pub fn output_text(output: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = output.trim();
    if !trimmed.starts_with('{') {
        return std::borrow::Cow::Borrowed(output);
    }
    let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(trimmed) else {
        return std::borrow::Cow::Borrowed(output);
    };
    let mut fields = Vec::new();
    for (key, value) in &obj {
        flatten_json(key, value, 0, &mut fields);
    }
    match fields.as_slice() {
        [(_, text)] => std::borrow::Cow::Owned(text.clone()),
        _ => std::borrow::Cow::Owned(
            fields
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    }
}

/// Flattens a JSON value to `(path, text)` fields; nulls, `false` and empty values are left
/// out, arrays of plain values joined with commas.
pub(crate) fn flatten_json(
    path: &str,
    value: &Value,
    depth: usize,
    out: &mut Vec<(String, String)>,
) {
    match value {
        Value::Null | Value::Bool(false) => {}
        Value::Bool(true) => out.push((path.to_string(), "true".into())),
        Value::Number(n) => out.push((path.to_string(), n.to_string())),
        Value::String(s) => {
            if !s.trim().is_empty() {
                out.push((path.to_string(), s.trim_end().to_string()));
            }
        }
        Value::Array(items) if items.is_empty() => {}
        Value::Object(obj) if obj.is_empty() => {}
        _ if depth >= 3 => out.push((path.to_string(), value.to_string())),
        Value::Array(items) => {
            if items.iter().all(|v| !v.is_array() && !v.is_object()) {
                let parts: Vec<String> = items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                out.push((path.to_string(), parts.join(", ")));
            } else {
                for (i, item) in items.iter().enumerate() {
                    flatten_json(&format!("{path}[{i}]"), item, depth + 1, out);
                }
            }
        }
        Value::Object(obj) => {
            for (key, item) in obj {
                flatten_json(&format!("{path}.{key}"), item, depth + 1, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_agent_is_classified_in_one_table() {
        assert_eq!(classify("Bash"), ToolAction::Shell);
        assert_eq!(classify("exec_command"), ToolAction::Shell);
        assert_eq!(classify("run_shell_command"), ToolAction::Shell);
        assert_eq!(classify("apply_patch"), ToolAction::Patch);
        assert!(classify("apply_patch").modifies_files());
        assert_eq!(classify("MultiEdit"), ToolAction::Edit);
        assert_eq!(classify("replace"), ToolAction::Edit);
        assert_eq!(classify("write_file"), ToolAction::Write);
        assert_eq!(classify("TodoWrite"), ToolAction::Plan);
        assert_eq!(classify("BashOutput"), ToolAction::Housekeeping);
        assert_eq!(classify("mcp__memcore__search"), ToolAction::Other);
        assert!(classify("Grep").looks_up());
    }

    #[test]
    fn inputs_are_read_the_way_each_agent_writes_them() {
        assert_eq!(input_path(&json!({"file_path": "a.rs"})), Some("a.rs"));
        assert_eq!(input_path(&json!({"path": " "})), None);
        assert_eq!(
            shell_command(&json!({"command": ["bash", "-lc", "make test"]})).as_deref(),
            Some("make test")
        );
        assert_eq!(shell_command(&json!({"command": []})), None);
        assert_eq!(
            edit_pairs(&json!({"edits": [{"old_string": "a", "new_string": "b"}]})),
            [("a", "b")]
        );
        assert_eq!(
            patch_text(&json!({"command": ["apply_patch", "*** Begin Patch"]})),
            "*** Begin Patch"
        );
        assert_eq!(
            patch_files(
                "*** Begin Patch\n*** Update File: a.rs\n@@\n-x\n+y\n*** Add File: b.rs\n+z\n*** Update File: a.rs\n"
            ),
            ["a.rs", "b.rs"]
        );
        assert_eq!(
            modified_files("apply_patch", &json!({"input": "*** Delete File: old.py"})),
            ["old.py"]
        );
        assert_eq!(
            modified_files("Write", &json!({"file_path": "w.rs"})),
            ["w.rs"]
        );
        assert!(modified_files("Read", &json!({"file_path": "r.rs"})).is_empty());
        assert!(is_rejection(
            "The user doesn't want to proceed with this tool use."
        ));
    }
}
