//! The heuristic extractor: observations and a session summary from events, by deterministic
//! rules, with no LLM.
//!
//! It reads a session the way a careful engineer skims one, in order, and writes down what
//! mattered. The rules:
//!
//! - **Edits become `change` observations**: `Edit`, `MultiEdit`, `Write`, `NotebookEdit`,
//!   `apply_patch`, and shell commands that delete, move, copy or write files (`rm`, `mv`,
//!   `git rm`, `cat > file`...). Consecutive edits are grouped until something closes the
//!   work: a passing check or run, a commit, or the next user prompt; deletions in a group get
//!   their own observation. A group that creates files or adds definitions without removing
//!   anything is a `feature`; one whose stated intent is to refactor, rename or move is a
//!   `refactor`; one whose intent is to fix is a `bugfix`.
//! - **Fail then pass is a `bugfix`**: a command that fails (an error result, or output that
//!   shows failure: non-zero exit, `FAILED`, `error[E`, `Traceback`, `panicked`...) followed
//!   later by a passing run of the same or a similar command (same program and subcommand, or
//!   two checks of the same tool) gives one `bugfix` carrying the error line, the files edited
//!   in between and the commands that fixed it. Edits made before the failure are closed first.
//! - **Reads become a `discovery`**: `Read`, `Grep`, `Glob` and read-only shell commands that
//!   no edit group absorbed by the end of a prompt's work become one `discovery` naming the
//!   files, told with the assistant's next message. A subagent (`Task`) becomes a `discovery`
//!   with its report's first sentences.
//! - **Notes** (explicit "remember this") become a `decision` (when they read like one) or a
//!   `discovery`, with the note's text verbatim.
//! - **Noise is skipped**: `TodoWrite` and other bookkeeping tools, trivial shell commands
//!   (`ls`, `pwd`, `git status`...), failed edits, tool calls the user rejected.
//!
//! Titles read like a person wrote them: the user prompt that started the work gives the first
//! edit group its title ("Port this Python project to Rust" becomes "Ported the Python
//! project to Rust"); later groups take the assistant's stated intent ("Let me delete the
//! Python source files" becomes "Deleted the Python source files"), else the definitions
//! added, else the files. Paths are made relative to the project root: the one given to
//! [`Heuristic::with_project_root`], else the directory the session's file paths share.
//!
//! Every observation names the events it came from (`source_event_ids`: the edits, reads and
//! runs, and the prompt or message its title came from) and is dated by the latest of them.
//! [`heuristic_summary`] assembles a session summary from the same pass.
//!
//! The output is deterministic: the same events always give the same observations.

use crate::model::{Event, EventId, EventPayload, NewObservation, NewSummary, ObservationKind};
use regex::Regex;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// Observations from `events` by the default rules (see the [module docs](self)), with the
/// project root inferred from the paths. Events of several sessions are handled session by
/// session.
pub fn heuristic_observations(events: &[Event]) -> Vec<NewObservation> {
    Heuristic::new().observations(events)
}

/// A session summary from `events` by the default rules, or `None` when they hold nothing
/// to summarise (no prompt and no observation).
pub fn heuristic_summary(events: &[Event]) -> Option<NewSummary> {
    Heuristic::new().summary(events)
}

/// The heuristic extractor, with its settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Heuristic {
    /// The project's root directory (a Claude Code transcript's `cwd`): paths under it are
    /// stored relative to it. When `None`, the root is inferred per session as the directory
    /// the session's absolute file paths share.
    pub project_root: Option<String>,
}

impl Heuristic {
    /// The extractor with default settings.
    pub fn new() -> Heuristic {
        Heuristic::default()
    }

    /// The extractor with a known project root.
    pub fn with_project_root(root: impl Into<String>) -> Heuristic {
        Heuristic {
            project_root: Some(root.into()),
        }
    }

    /// Observations from `events`. See the [module docs](self) for the rules.
    pub fn observations(&self, events: &[Event]) -> Vec<NewObservation> {
        let rules = Rules::new();
        sessions(events)
            .into_iter()
            .flat_map(|session| self.analyze(&rules, &session).observations())
            .collect()
    }

    /// A summary of `events`: the request is the first substantive user prompt, investigated
    /// the files read, completed what changed, learned the causes of fixed failures (and what
    /// reading taught), next steps the next steps the last assistant message states, notes
    /// the failures left unresolved. `None` when there is no prompt and no observation.
    pub fn summary(&self, events: &[Event]) -> Option<NewSummary> {
        let rules = Rules::new();
        let analyses: Vec<Analysis> = sessions(events)
            .iter()
            .map(|session| self.analyze(&rules, session))
            .collect();
        summarize(&rules, &analyses)
    }

    fn analyze(&self, rules: &Rules, events: &[&Event]) -> Analysis {
        let root = match &self.project_root {
            Some(root) => Some(root.trim_end_matches('/').to_string()).filter(|r| !r.is_empty()),
            None => infer_root(events),
        };
        let mut analyzer = Analyzer::new(rules, root, events.first().copied());
        for event in events {
            analyzer.event(event);
        }
        analyzer.finish()
    }
}

/// Events grouped by session (in order of first appearance), each sorted by id.
fn sessions(events: &[Event]) -> Vec<Vec<&Event>> {
    let mut order: Vec<&str> = Vec::new();
    let mut by_session: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for event in events {
        let list = by_session.entry(event.session_id.as_str()).or_default();
        if list.is_empty() {
            order.push(event.session_id.as_str());
        }
        list.push(event);
    }
    order
        .into_iter()
        .filter_map(|s| by_session.remove(s))
        .map(|mut list| {
            list.sort_by_key(|e| e.id);
            list
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

/// Verbs that describe changing code, with their past tense.
#[rustfmt::skip]
const EDIT_VERBS: &[(&str, &str)] = &[
    ("add", "Added"), ("adjust", "Adjusted"), ("append", "Appended"), ("bump", "Bumped"),
    ("change", "Changed"), ("clean", "Cleaned"), ("configure", "Configured"),
    ("convert", "Converted"), ("correct", "Corrected"), ("create", "Created"),
    ("delete", "Deleted"), ("disable", "Disabled"), ("document", "Documented"), ("drop", "Dropped"),
    ("edit", "Edited"), ("enable", "Enabled"), ("extend", "Extended"), ("extract", "Extracted"),
    ("fix", "Fixed"), ("generate", "Generated"), ("handle", "Handled"),
    ("implement", "Implemented"), ("improve", "Improved"), ("initialize", "Initialized"),
    ("insert", "Inserted"), ("introduce", "Introduced"), ("make", "Made"), ("merge", "Merged"),
    ("migrate", "Migrated"), ("modify", "Modified"), ("move", "Moved"), ("patch", "Patched"),
    ("port", "Ported"), ("refactor", "Refactored"), ("remove", "Removed"), ("rename", "Renamed"),
    ("reorganize", "Reorganized"), ("repair", "Repaired"), ("replace", "Replaced"),
    ("resolve", "Resolved"), ("restructure", "Restructured"), ("revert", "Reverted"),
    ("rewrite", "Rewrote"), ("scaffold", "Scaffolded"), ("set", "Set"), ("simplify", "Simplified"),
    ("split", "Split"), ("translate", "Translated"), ("tweak", "Tweaked"), ("update", "Updated"),
    ("upgrade", "Upgraded"), ("wire", "Wired"), ("write", "Wrote"),
];

/// Verbs that describe looking at code, with their past tense.
#[rustfmt::skip]
const READ_VERBS: &[(&str, &str)] = &[
    ("analyze", "Analyzed"), ("analyse", "Analysed"), ("check", "Checked"), ("examine", "Examined"),
    ("explain", "Explained"), ("explore", "Explored"), ("find", "Found"), ("inspect", "Inspected"),
    ("investigate", "Investigated"), ("look", "Looked"), ("read", "Read"), ("review", "Reviewed"),
    ("search", "Searched"), ("study", "Studied"), ("summarize", "Summarized"),
];

const FIX_VERBS: &[&str] = &["fix", "correct", "repair", "resolve"];
#[rustfmt::skip]
const REFACTOR_VERBS: &[&str] = &[
    "refactor", "rename", "extract", "move", "restructure", "reorganize", "simplify", "split",
    "clean",
];

/// Other verbs that start a step of a request (`... and tell me what it says`).
#[rustfmt::skip]
const OTHER_VERBS: &[&str] = &[
    "run", "commit", "stop", "test", "verify", "tell", "show", "let", "give", "say", "report",
    "print", "push", "ensure", "list", "describe", "make", "keep", "use", "try", "ask",
];

/// Words a prompt or intent may start with before its verb.
#[rustfmt::skip]
const LEAD_INS: &[&str] = &[
    "please ", "can you ", "could you ", "would you ", "now ", "also ", "then ", "first ", "just ",
    "go ahead and ", "i want you to ", "i'd like you to ", "i need you to ", "help me ", "let's ",
    "we need to ",
];

/// Tools that are bookkeeping, not work.
#[rustfmt::skip]
const NOISE_TOOLS: &[&str] = &[
    "todowrite", "todoread", "taskcreate", "taskupdate", "tasklist", "taskget", "taskoutput",
    "taskstop", "killshell", "bashoutput", "askuserquestion", "enterplanmode", "exitplanmode",
    "toolsearch", "skill", "slashcommand", "ls", "list_dir", "listmcpresourcestool",
    "readmcpresourcetool",
];

/// Shell programs whose runs say nothing worth keeping.
#[rustfmt::skip]
const NOISE_PROGRAMS: &[&str] = &[
    "ls", "pwd", "echo", "cd", "which", "whoami", "date", "true", "false", "clear", "printf",
    "sleep", "type", "export", "source", ".", "tree", "chmod", "chown", "mkdir", "set", "unset",
    "alias", "history", "exit", "wait", "jobs", "id", "uname", "hostname", "env", "pushd", "popd",
    "basename", "dirname", "realpath", "readlink", "xargs",
];

/// Shell programs that read files (their non-flag arguments are files).
#[rustfmt::skip]
const FILE_READERS: &[&str] = &[
    "cat", "head", "tail", "less", "more", "bat", "nl", "sed", "awk",
];

/// Shell programs that search.
const SEARCHERS: &[&str] = &["grep", "rg", "ag", "ack", "find", "fd", "locate", "egrep"];

/// Git subcommands that only look.
#[rustfmt::skip]
const GIT_NOISE: &[&str] = &[
    "status", "log", "diff", "show", "branch", "remote", "fetch", "rev-parse", "config", "stash",
    "blame", "ls-files", "add", "reflog", "tag", "describe", "shortlog",
];

/// Program (and subcommand) prefixes that install or scaffold rather than check.
#[rustfmt::skip]
const SETUP_COMMANDS: &[&str] = &[
    "cargo install", "cargo add", "cargo init", "cargo new", "cargo fetch", "cargo update",
    "pip install", "pip uninstall", "pip3 install", "uv add", "uv sync", "uv pip", "uv venv",
    "uv init", "uv lock", "npm install", "npm i", "npm ci", "npm init", "pnpm install", "pnpm add",
    "yarn add", "yarn install", "bun install", "bun add", "poetry add", "poetry install", "go get",
    "go mod", "apt", "apt-get", "brew", "dnf", "yum", "apk", "gem", "bundle install", "rustup",
    "conda", "virtualenv", "python -m venv", "python -m pip", "git init", "git clone",
    "git checkout", "git switch", "git pull", "git push", "git merge", "git rebase", "git reset",
    "git restore", "git cherry-pick",
];

/// Words that mark a command as a check (test, build, lint, coverage...).
#[rustfmt::skip]
const CHECK_WORDS: &[&str] = &[
    "test", "tests", "pytest", "jest", "vitest", "mocha", "tox", "nox", "ctest", "check", "clippy",
    "lint", "build", "tsc", "mypy", "ruff", "flake8", "pylint", "eslint", "llvm-cov", "tarpaulin",
    "coverage", "make", "just", "gradle", "mvn", "nextest", "rspec", "phpunit", "vet", "fmt",
    "format", "compile", "bazel", "typecheck", "doc",
];

// ---------------------------------------------------------------------------------------------
// Patterns

/// The compiled patterns, built once per call (memcore keeps no global state).
struct Rules {
    symbol: Regex,
    intent: Regex,
    failure: Regex,
    errors: Vec<Regex>,
    python_error: Regex,
    test_names: Vec<Regex>,
    passed: Regex,
    next_steps: Regex,
    decision: Regex,
    paths: Regex,
}

impl Rules {
    fn new() -> Rules {
        let re = |p: &str| Regex::new(p).expect("constant pattern is valid");
        Rules {
            symbol: re(
                r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:unsafe\s+)?(?:const\s+)?(?:def|fn|class|struct|enum|trait|interface|function|func|type)\s+([A-Za-z_][A-Za-z0-9_]*)",
            ),
            intent: re(
                r"(?i)\b(?:let me|let's|i'll|i will|i need to|i'm going to|i am going to|i should|we need to|we should|next,? i'll)\s+(?:(?:also|now|first|then|quickly|just|go ahead and)\s+)*([a-z]+)\b",
            ),
            failure: re(
                r"(?m)^\s*error(?:\[E\d+\])?:|\bFAILED\b|Traceback \(most recent call last\)|panicked at|^npm ERR!|^--- FAIL|^FAIL\b|\b[1-9]\d* (?:failed|errors?)\b|^Exit code [1-9]",
            ),
            errors: vec![
                re(r"^error\[E\d+\]: .+"),
                re(r"^FAILED \S+.*"),
                re(r"panicked at .+"),
                re(r"^E\s{2,}\S.*"),
                re(r"^(?:error|fatal|ERROR|Error):? .+"),
                re(r"^[^\s:]+(?::\d+){1,2}:? .+|^[^\s(]+\(\d+,\d+\): .+"),
                re(r"^npm ERR! .+"),
                re(r"^--- FAIL: .+"),
                re(r"^FAIL\b.+"),
                re(r"^test result: FAILED.*"),
                re(r"\b[1-9]\d* (?:failed|errors?)\b.*"),
            ],
            python_error: re(r"^[A-Za-z_.]*(?:Error|Exception|Exit)\b.*"),
            test_names: vec![
                re(r"^test (\S+) \.\.\. FAILED"),
                re(r"^FAILED \S+?::(\S+)"),
                re(r"^--- FAIL: (\S+)"),
                re(r"^\s*[✕×] (.+?)(?: \(\d+ ?m?s\))?$"),
            ],
            passed: re(r"(?i)\b(\d+) (?:passed|tests? passed)\b"),
            next_steps: re(
                r"(?i)\bnext steps?\b|\byou (?:could|may want to|might want to)\b|\bstill (?:need|needs|to do)\b|\bremaining\b|\bTODO\b|\bfollow[- ]up\b|\bwould be to\b",
            ),
            decision: re(
                r"(?i)\b(?:decid\w*|decision|chose|choose|prefer\w*|instead of|rather than|we will|we'll|going with|should|must|always|never|don't|do not|convention|policy|agreed)\b",
            ),
            paths: re(r"(/[A-Za-z0-9_.\-]+)+"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Classification of events into actions

/// What one event amounts to. A shell command may amount to several.
#[derive(Debug, Clone)]
enum Action {
    Prompt(String),
    Assistant(String),
    Note(String),
    Change(FileChange),
    Read(Reading),
    Run(Run),
    Commit(Commit),
    Delegate(Delegation),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileOp {
    Created,
    Modified,
    Deleted,
    Moved,
}

/// One file changed by one event.
#[derive(Debug, Clone)]
struct FileChange {
    path: String,
    /// For moves and copies: where it came from.
    from: Option<String>,
    op: FileOp,
    /// A concrete statement of the change.
    fact: String,
    /// Definitions the change added (functions, types...).
    symbols: Vec<String>,
    /// Whether it removed or rewrote definitions (not a pure addition).
    removes_definitions: bool,
    /// The tool call's own description, when it gives one (Bash's `description`).
    description: Option<String>,
}

/// Files read and searches made by one event.
#[derive(Debug, Clone, Default)]
struct Reading {
    files: Vec<String>,
    searches: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunKind {
    /// Tests, builds, linters, coverage.
    Check,
    /// Installs and scaffolding.
    Setup,
    /// Anything else: scripts, programs.
    Exec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Pass,
    Fail,
    Unknown,
}

/// A command run.
#[derive(Debug, Clone)]
struct Run {
    /// The command as shown: relative paths, no redirections of stderr, shortened.
    display: String,
    /// The similarity key: program and subcommand.
    key: String,
    program: String,
    kind: RunKind,
    outcome: Outcome,
    error_line: Option<String>,
    test_name: Option<String>,
    /// A short line from the output: the test summary or the first line printed.
    result_line: Option<String>,
}

#[derive(Debug, Clone)]
struct Commit {
    message: Option<String>,
    outcome: Outcome,
    nothing_to_commit: bool,
    error_line: Option<String>,
    display: String,
}

#[derive(Debug, Clone)]
struct Delegation {
    description: String,
    output: String,
}

/// Classifies events, tracking the files seen so far (to tell a created file from a
/// rewritten one).
struct Classifier<'r> {
    rules: &'r Rules,
    root: Option<String>,
    seen: BTreeSet<String>,
}

impl Classifier<'_> {
    fn rel(&self, path: &str) -> String {
        relative(path, self.root.as_deref())
    }

    fn classify(&mut self, payload: &EventPayload) -> Vec<Action> {
        match payload {
            EventPayload::UserPrompt { text } => vec![Action::Prompt(text.clone())],
            EventPayload::AssistantMessage { text } => vec![Action::Assistant(text.clone())],
            EventPayload::Note { text } => vec![Action::Note(text.clone())],
            EventPayload::ToolUse {
                tool_name,
                input,
                output,
                error,
                ..
            } => self.tool(tool_name, input, output.as_deref(), error.as_deref()),
        }
    }

    fn tool(
        &mut self,
        name: &str,
        input: &Value,
        output: Option<&str>,
        error: Option<&str>,
    ) -> Vec<Action> {
        let lower = name.to_ascii_lowercase();
        if error.is_some_and(is_rejection) || NOISE_TOOLS.contains(&lower.as_str()) {
            return Vec::new();
        }
        let text = |k: &str| input.get(k).and_then(Value::as_str).unwrap_or("");
        let path_of = |input: &Value| {
            [
                "file_path",
                "notebook_path",
                "path",
                "absolute_path",
                "filename",
            ]
            .iter()
            .find_map(|k| input.get(*k).and_then(Value::as_str))
            .filter(|p| !p.is_empty())
            .map(str::to_string)
        };
        match lower.as_str() {
            "bash" | "shell" | "exec_command" | "run_shell_command" | "local_shell"
            | "powershell" => match shell_command(input) {
                Some(cmd) => self.shell(&cmd, input, output, error),
                None => Vec::new(),
            },
            "read" | "read_file" | "view" | "notebookread" => {
                if error.is_some() {
                    return Vec::new();
                }
                match path_of(input) {
                    Some(p) => {
                        self.seen.insert(self.rel(&p));
                        vec![Action::Read(Reading {
                            files: vec![self.rel(&p)],
                            searches: Vec::new(),
                        })]
                    }
                    None => Vec::new(),
                }
            }
            "glob" | "grep" | "search_file_content" | "websearch" | "webfetch" => {
                if error.is_some() {
                    return Vec::new();
                }
                let search = match lower.as_str() {
                    "glob" => {
                        let n = output.map_or(0, |o| {
                            o.lines()
                                .filter(|l| l.starts_with('/') || l.contains('.'))
                                .count()
                        });
                        let mut s = format!("Searched for files matching {}", text("pattern"));
                        if let Some(p) = path_of(input) {
                            s.push_str(&format!(" in {}", self.rel(&p)));
                        }
                        if n > 0 {
                            s.push_str(&format!(" ({n} found)"));
                        }
                        s
                    }
                    "websearch" => format!("Searched the web for \"{}\"", text("query")),
                    "webfetch" => format!("Fetched {}", text("url")),
                    _ => {
                        let mut s = format!("Searched for \"{}\"", text("pattern"));
                        if let Some(p) = path_of(input) {
                            s.push_str(&format!(" in {}", self.rel(&p)));
                        }
                        if !text("glob").is_empty() {
                            s.push_str(&format!(" ({})", text("glob")));
                        }
                        s
                    }
                };
                vec![Action::Read(Reading {
                    files: Vec::new(),
                    searches: vec![shorten(&search, 120)],
                })]
            }
            "edit" | "multiedit" | "replace" | "str_replace" | "edit_file" => {
                if error.is_some() {
                    return Vec::new();
                }
                let Some(path) = path_of(input) else {
                    return Vec::new();
                };
                let pairs: Vec<(&str, &str)> = match input.get("edits").and_then(Value::as_array) {
                    Some(edits) => edits
                        .iter()
                        .map(|e| {
                            (
                                e.get("old_string").and_then(Value::as_str).unwrap_or(""),
                                e.get("new_string").and_then(Value::as_str).unwrap_or(""),
                            )
                        })
                        .collect(),
                    None => vec![(text("old_string"), text("new_string"))],
                };
                vec![Action::Change(self.edit(&path, &pairs))]
            }
            "write" | "write_file" | "create_file" => {
                if error.is_some() {
                    return Vec::new();
                }
                let Some(path) = path_of(input) else {
                    return Vec::new();
                };
                vec![Action::Change(self.write(&path, text("content"), output))]
            }
            "notebookedit" => {
                if error.is_some() {
                    return Vec::new();
                }
                let Some(path) = path_of(input) else {
                    return Vec::new();
                };
                let rel = self.rel(&path);
                self.seen.insert(rel.clone());
                let mode = input
                    .get("edit_mode")
                    .and_then(Value::as_str)
                    .unwrap_or("replace");
                let first = first_meaningful_line(text("new_source"));
                let verb = match mode {
                    "insert" => "inserted a cell",
                    "delete" => "deleted a cell",
                    _ => "replaced a cell",
                };
                let mut fact = format!("Edited notebook {rel}: {verb}");
                if let Some(line) = first {
                    fact.push_str(&format!(" ({})", shorten(&line, 80)));
                }
                vec![Action::Change(FileChange {
                    path: rel,
                    from: None,
                    op: FileOp::Modified,
                    fact,
                    symbols: symbols_added(self.rules, "", text("new_source")),
                    removes_definitions: false,
                    description: None,
                })]
            }
            "apply_patch" | "applypatch" | "patch" => {
                if error.is_some() {
                    return Vec::new();
                }
                let patch = match input {
                    Value::String(s) => s.clone(),
                    other => ["input", "patch", "diff"]
                        .iter()
                        .find_map(|k| other.get(*k).and_then(Value::as_str))
                        .map(str::to_string)
                        .or_else(|| {
                            other
                                .get("command")
                                .and_then(Value::as_array)
                                .and_then(|a| {
                                    a.iter()
                                        .filter_map(Value::as_str)
                                        .find(|s| s.contains("***"))
                                })
                                .map(str::to_string)
                        })
                        .unwrap_or_default(),
                };
                self.patch(&patch).into_iter().map(Action::Change).collect()
            }
            "task" | "agent" => {
                let description = match text("description") {
                    "" => first_sentence(text("prompt")),
                    d => d.to_string(),
                };
                let output = output.or(error).unwrap_or("").to_string();
                if description.is_empty() && output.is_empty() {
                    return Vec::new();
                }
                vec![Action::Delegate(Delegation {
                    description,
                    output,
                })]
            }
            _ => Vec::new(),
        }
    }

    fn edit(&mut self, path: &str, pairs: &[(&str, &str)]) -> FileChange {
        let rel = self.rel(path);
        self.seen.insert(rel.clone());
        let mut symbols = Vec::new();
        let (mut added, mut removed) = (0, 0);
        let mut removes_definitions = false;
        let mut added_lines: Vec<String> = Vec::new();
        for (old, new) in pairs {
            let (a, r) = line_diff(old, new);
            added += a.len();
            removed += r.len();
            added_lines.extend(a.into_iter().map(str::to_string));
            for s in symbols_added(self.rules, old, new) {
                if !symbols.contains(&s) {
                    symbols.push(s);
                }
            }
            removes_definitions |= !symbols_added(self.rules, new, old).is_empty();
        }
        let single = |s: &str| !s.trim().contains('\n') && s.trim().chars().count() <= 60;
        let fact = match pairs {
            [(old, new)] if single(old) && single(new) && !old.trim().is_empty() => {
                format!("Edited {rel}: {} -> {}", code(old.trim()), code(new.trim()))
            }
            _ if !symbols.is_empty() => format!(
                "Edited {rel}: added {} (+{added} -{removed} lines)",
                list_words(&symbols, 4)
            ),
            _ => {
                let shown: Vec<String> = added_lines
                    .iter()
                    .map(|l| l.trim())
                    .filter(|l| !l.is_empty())
                    .take(4)
                    .map(|l| code(&shorten(l, 50)))
                    .collect();
                if shown.is_empty() {
                    format!("Edited {rel} (+{added} -{removed} lines)")
                } else {
                    format!(
                        "Edited {rel} (+{added} -{removed} lines): added {}",
                        shown.join(", ")
                    )
                }
            }
        };
        FileChange {
            path: rel,
            from: None,
            op: FileOp::Modified,
            fact,
            symbols,
            removes_definitions,
            description: None,
        }
    }

    fn write(&mut self, path: &str, content: &str, output: Option<&str>) -> FileChange {
        let rel = self.rel(path);
        let created = match output {
            Some(o) if o.starts_with("File created") => true,
            Some(o) if o.contains("has been updated") || o.contains("overwr") => false,
            _ => !self.seen.contains(&rel),
        };
        self.seen.insert(rel.clone());
        let lines = content.lines().count();
        let symbols = symbols_added(self.rules, "", content);
        let mut fact = format!(
            "{} {rel} ({lines} lines)",
            if created { "Created" } else { "Rewrote" }
        );
        if let Some(line) = first_meaningful_line(content) {
            fact.push_str(&format!(": {}", shorten(&line, 80)));
        }
        let public: Vec<String> = symbols
            .iter()
            .filter(|s| !is_test_name(s))
            .cloned()
            .collect();
        if !public.is_empty() {
            fact.push_str(&format!("; defines {}", list_words(&public, 4)));
        }
        FileChange {
            path: rel,
            from: None,
            op: if created {
                FileOp::Created
            } else {
                FileOp::Modified
            },
            fact,
            symbols,
            removes_definitions: !created,
            description: None,
        }
    }

    /// Changes of an `apply_patch` envelope (`*** Add File:`...) or a unified diff.
    fn patch(&mut self, patch: &str) -> Vec<FileChange> {
        let mut changes: Vec<FileChange> = Vec::new();
        let mut added: Vec<String> = Vec::new();
        let mut removed = 0usize;
        let close =
            |changes: &mut Vec<FileChange>, added: &mut Vec<String>, removed: &mut usize| {
                if let Some(last) = changes.last_mut() {
                    let body = added.join("\n");
                    last.symbols = symbols_from_lines(self.rules, &body);
                    last.removes_definitions = *removed > 0;
                    if last.op != FileOp::Deleted {
                        last.fact
                            .push_str(&format!(" (+{} -{} lines)", added.len(), removed));
                        if !last.symbols.is_empty() {
                            last.fact
                                .push_str(&format!(": added {}", list_words(&last.symbols, 4)));
                        }
                    }
                }
                added.clear();
                *removed = 0;
            };
        for line in patch.lines() {
            let header = [
                ("*** Add File: ", FileOp::Created),
                ("*** Update File: ", FileOp::Modified),
                ("*** Delete File: ", FileOp::Deleted),
                ("+++ b/", FileOp::Modified),
            ]
            .iter()
            .find_map(|(p, op)| line.strip_prefix(p).map(|rest| (rest.trim(), *op)));
            if let Some((path, op)) = header {
                close(&mut changes, &mut added, &mut removed);
                let rel = self.rel(path);
                self.seen.insert(rel.clone());
                let verb = match op {
                    FileOp::Created => "Created",
                    FileOp::Deleted => "Deleted",
                    _ => "Edited",
                };
                changes.push(FileChange {
                    path: rel.clone(),
                    from: None,
                    op,
                    fact: format!("{verb} {rel}"),
                    symbols: Vec::new(),
                    removes_definitions: false,
                    description: None,
                });
            } else if let Some(to) = line.strip_prefix("*** Move to: ") {
                if let Some(last) = changes.last_mut() {
                    let to = self.rel(to.trim());
                    last.fact = format!("Moved {} to {to}", last.path);
                    last.from = Some(std::mem::replace(&mut last.path, to));
                    last.op = FileOp::Moved;
                }
            } else if line.starts_with('+') && !line.starts_with("+++") {
                added.push(line[1..].to_string());
            } else if line.starts_with('-') && !line.starts_with("---") {
                removed += 1;
            }
        }
        close(&mut changes, &mut added, &mut removed);
        changes
    }

    fn shell(
        &mut self,
        command: &str,
        input: &Value,
        output: Option<&str>,
        error: Option<&str>,
    ) -> Vec<Action> {
        let description = input
            .get("description")
            .and_then(Value::as_str)
            .filter(|d| !d.is_empty())
            .map(str::to_string);
        let result = relativize_text(error.or(output).unwrap_or(""), self.root.as_deref());
        let result = result.as_str();
        let segments = split_shell(command);
        let mut actions = Vec::new();
        let mut reading = Reading::default();
        let mut main: Option<(Vec<String>, RunKind)> = None;
        let mut commit = false;
        for seg in &segments {
            for target in &seg.writes {
                if error.is_none() && !target.starts_with("/dev/") && !target.starts_with('&') {
                    let rel = self.rel(target);
                    let created = !self.seen.contains(&rel);
                    self.seen.insert(rel.clone());
                    actions.push(Action::Change(FileChange {
                        fact: format!("Wrote {rel} from the shell"),
                        path: rel,
                        from: None,
                        op: if created {
                            FileOp::Created
                        } else {
                            FileOp::Modified
                        },
                        symbols: Vec::new(),
                        removes_definitions: false,
                        description: description.clone(),
                    }));
                }
            }
            let words = program_words(&seg.words);
            let Some(program) = words.first().map(|w| basename(w)) else {
                continue;
            };
            let sub = words.get(1).map(String::as_str).unwrap_or("");
            let args: Vec<&String> = words
                .iter()
                .skip(1)
                .filter(|w| !w.starts_with('-'))
                .collect();
            match (program.as_str(), sub) {
                ("git", "commit") => commit = true,
                ("git", s) if GIT_NOISE.contains(&s) => {}
                ("git", "rm") | ("rm" | "rmdir" | "unlink", _) => {
                    if error.is_some() {
                        continue;
                    }
                    let skip = usize::from(program == "git");
                    for path in args.iter().skip(skip) {
                        let rel = self.rel(path);
                        actions.push(Action::Change(FileChange {
                            fact: format!("Deleted {rel}"),
                            path: rel,
                            from: None,
                            op: FileOp::Deleted,
                            symbols: Vec::new(),
                            removes_definitions: false,
                            description: description.clone(),
                        }));
                    }
                }
                ("git", "mv") | ("mv" | "cp", _) => {
                    let skip = usize::from(program == "git");
                    let paths: Vec<String> = args.iter().skip(skip).map(|p| self.rel(p)).collect();
                    if error.is_some() || paths.len() != 2 {
                        continue;
                    }
                    let (from, to) = (paths[0].clone(), paths[1].clone());
                    let copy = program == "cp";
                    self.seen.insert(to.clone());
                    actions.push(Action::Change(FileChange {
                        fact: format!("{} {from} to {to}", if copy { "Copied" } else { "Moved" }),
                        path: to,
                        from: if copy { None } else { Some(from) },
                        op: if copy { FileOp::Created } else { FileOp::Moved },
                        symbols: Vec::new(),
                        removes_definitions: false,
                        description: description.clone(),
                    }));
                }
                ("touch", _) => {
                    for path in args {
                        let rel = self.rel(path);
                        if self.seen.insert(rel.clone()) && error.is_none() {
                            actions.push(Action::Change(FileChange {
                                fact: format!("Created empty {rel}"),
                                path: rel,
                                from: None,
                                op: FileOp::Created,
                                symbols: Vec::new(),
                                removes_definitions: false,
                                description: description.clone(),
                            }));
                        }
                    }
                }
                ("sed", _) if words.iter().any(|w| w.starts_with("-i")) => {
                    if let Some(path) = args.last().filter(|_| error.is_none()) {
                        let rel = self.rel(path);
                        actions.push(Action::Change(FileChange {
                            fact: format!("Edited {rel} with sed"),
                            path: rel,
                            from: None,
                            op: FileOp::Modified,
                            symbols: Vec::new(),
                            removes_definitions: true,
                            description: description.clone(),
                        }));
                    }
                }
                (p, _) if FILE_READERS.contains(&p) => {
                    let files = args
                        .iter()
                        .skip(usize::from(matches!(p, "sed" | "awk")))
                        .filter(|a| a.contains('.') || a.contains('/'))
                        .map(|a| self.rel(a));
                    reading.files.extend(files);
                }
                (p, _) if SEARCHERS.contains(&p) => {
                    let shown = shorten(
                        &relativize_text(&seg.words.join(" "), self.root.as_deref()),
                        80,
                    );
                    reading.searches.push(format!("Searched with `{shown}`"));
                }
                (p, _) if NOISE_PROGRAMS.contains(&p) => {}
                _ => {
                    let kind = run_kind(&words);
                    let better = match &main {
                        None => true,
                        Some((_, k)) => *k != RunKind::Check && kind == RunKind::Check,
                    };
                    if better {
                        main = Some((words.clone(), kind));
                    }
                }
            }
        }
        if error.is_none() && (!reading.files.is_empty() || !reading.searches.is_empty()) {
            actions.push(Action::Read(reading));
        }
        let display = display_command(command, self.root.as_deref());
        if let Some((words, kind)) = main {
            let outcome = self.outcome(result, output, error);
            actions.push(Action::Run(Run {
                key: similarity_key(&words),
                program: words.first().map(|w| basename(w)).unwrap_or_default(),
                kind,
                outcome,
                error_line: (outcome == Outcome::Fail)
                    .then(|| error_line(self.rules, result))
                    .flatten(),
                test_name: (outcome == Outcome::Fail)
                    .then(|| failing_test(self.rules, result))
                    .flatten(),
                result_line: (outcome == Outcome::Pass)
                    .then(|| result_line(self.rules, result, kind))
                    .flatten(),
                display: display.clone(),
            }));
        }
        if commit {
            let nothing =
                result.contains("nothing to commit") || result.contains("no changes added");
            let outcome = if error.is_some() {
                Outcome::Fail
            } else if output.is_some() {
                Outcome::Pass
            } else {
                Outcome::Unknown
            };
            actions.push(Action::Commit(Commit {
                message: commit_message(command),
                outcome,
                nothing_to_commit: nothing,
                error_line: error.and_then(|e| error_line(self.rules, e)),
                display,
            }));
        }
        actions
    }

    fn outcome(&self, result: &str, output: Option<&str>, error: Option<&str>) -> Outcome {
        if error.is_some() || self.rules.failure.is_match(result) {
            Outcome::Fail
        } else if output.is_some() {
            Outcome::Pass
        } else {
            Outcome::Unknown
        }
    }
}

/// True when a tool's error says the user refused the call.
fn is_rejection(error: &str) -> bool {
    let e = error.to_ascii_lowercase();
    e.contains("doesn't want to proceed")
        || e.contains("was rejected")
        || e.contains("user denied")
        || e.contains("permission denied by user")
        || e.contains("interrupted by user")
}

/// The command line of a shell tool's input: `command` as a string, or as an argv array
/// (`["bash", "-lc", "script"]` gives the script).
fn shell_command(input: &Value) -> Option<String> {
    match input.get("command").or_else(|| input.get("cmd"))? {
        Value::String(s) => Some(s.clone()),
        Value::Array(argv) => {
            let words: Vec<&str> = argv.iter().filter_map(Value::as_str).collect();
            match words.as_slice() {
                [_, flag, script] if *flag == "-lc" || *flag == "-c" => Some(script.to_string()),
                _ => Some(words.join(" ")),
            }
        }
        _ => None,
    }
}

/// One simple command of a shell line: its words and the files it redirects output to.
#[derive(Debug, Default, Clone)]
struct Segment {
    words: Vec<String>,
    writes: Vec<String>,
}

/// Splits a shell line into simple commands, honouring quotes, skipping heredoc bodies and
/// collecting output redirections. Never fails; odd input gives odd words.
fn split_shell(command: &str) -> Vec<Segment> {
    let chars: Vec<char> = command.chars().collect();
    let mut segments = Vec::new();
    let mut seg = Segment::default();
    let mut word = String::new();
    let mut in_word = false;
    let mut redirect: Option<bool> = None; // Some(is_output) while reading a target
    let mut heredoc: Option<String> = None;
    let mut reading_heredoc = false;
    let mut i = 0;
    let end_word = |word: &mut String,
                    in_word: &mut bool,
                    seg: &mut Segment,
                    redirect: &mut Option<bool>,
                    heredoc: &mut Option<String>,
                    reading_heredoc: &mut bool| {
        if !*in_word {
            return;
        }
        let w = std::mem::take(word);
        *in_word = false;
        if *reading_heredoc {
            *heredoc = Some(w.trim_start_matches('-').to_string());
            *reading_heredoc = false;
        } else if let Some(is_output) = redirect.take() {
            if is_output {
                seg.writes.push(w);
            }
        } else {
            seg.words.push(w);
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' => {
                in_word = true;
                let quote = c;
                i += 1;
                while i < chars.len() && chars[i] != quote {
                    if quote == '"' && chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    word.push(chars[i]);
                    i += 1;
                }
            }
            '\\' if i + 1 < chars.len() => {
                in_word = true;
                if chars[i + 1] != '\n' {
                    word.push(chars[i + 1]);
                }
                i += 1;
            }
            ' ' | '\t' => end_word(
                &mut word,
                &mut in_word,
                &mut seg,
                &mut redirect,
                &mut heredoc,
                &mut reading_heredoc,
            ),
            '\n' | ';' | '|' | '&' => {
                end_word(
                    &mut word,
                    &mut in_word,
                    &mut seg,
                    &mut redirect,
                    &mut heredoc,
                    &mut reading_heredoc,
                );
                if c == '&' && seg.words.is_empty() && chars.get(i.wrapping_sub(1)) == Some(&'>') {
                    // `>&2` style: not a separator.
                } else {
                    segments.push(std::mem::take(&mut seg));
                }
                if c == '\n'
                    && let Some(delimiter) = heredoc.take()
                {
                    // Skip the heredoc body up to its delimiter line.
                    let rest: String = chars[i + 1..].iter().collect();
                    let mut consumed = 0;
                    for line in rest.split_inclusive('\n') {
                        consumed += line.chars().count();
                        if line.trim() == delimiter {
                            break;
                        }
                    }
                    i += consumed;
                }
                while i + 1 < chars.len() && matches!(chars[i + 1], '|' | '&') {
                    i += 1;
                }
            }
            '>' | '<' => {
                if in_word && word.chars().all(|d| d.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                }
                end_word(
                    &mut word,
                    &mut in_word,
                    &mut seg,
                    &mut redirect,
                    &mut heredoc,
                    &mut reading_heredoc,
                );
                if c == '<' && chars.get(i + 1) == Some(&'<') {
                    i += 1;
                    reading_heredoc = true;
                } else {
                    while chars.get(i + 1) == Some(&'>') {
                        i += 1;
                    }
                    if chars.get(i + 1) == Some(&'&') {
                        // `2>&1`, `>&2`: a descriptor, not a file.
                        i += 1;
                        while chars
                            .get(i + 1)
                            .is_some_and(|d| d.is_ascii_digit() || *d == '-')
                        {
                            i += 1;
                        }
                    } else {
                        redirect = Some(c == '>');
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
        i += 1;
    }
    end_word(
        &mut word,
        &mut in_word,
        &mut seg,
        &mut redirect,
        &mut heredoc,
        &mut reading_heredoc,
    );
    segments.push(seg);
    segments.retain(|s| !s.words.is_empty() || !s.writes.is_empty());
    segments
}

/// The words of a simple command from its program on: without leading variable
/// assignments and wrappers (`sudo`, `env`, `time`, `timeout 60`...), and with
/// `python -m X`, `uv run X`, `npx X`... reduced to `X`.
fn program_words(words: &[String]) -> Vec<String> {
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let assignment = w.contains('=') && !w.starts_with('-') && !w.starts_with('=');
        let wrapper = matches!(
            w,
            "sudo" | "env" | "time" | "nice" | "nohup" | "command" | "exec"
        );
        if assignment || wrapper {
            i += 1;
        } else if w == "timeout" {
            i += 2;
        } else {
            break;
        }
    }
    let mut rest: Vec<String> = words.get(i..).unwrap_or(&[]).to_vec();
    loop {
        let first = rest.first().map(|w| basename(w)).unwrap_or_default();
        let second = rest.get(1).map(String::as_str).unwrap_or("");
        let drop = match (first.as_str(), second) {
            ("python" | "python3" | "py", "-m") => 2,
            ("uv" | "poetry" | "pdm" | "hatch" | "pipenv", "run") => 2,
            ("npx" | "bunx" | "pnpx", _) => 1,
            ("pnpm" | "yarn", "exec" | "dlx") => 2,
            _ => 0,
        };
        if drop == 0 || rest.len() <= drop {
            break;
        }
        rest.drain(..drop);
    }
    rest
}

fn basename(word: &str) -> String {
    if word.starts_with("./") || word.starts_with("../") {
        return word.to_string();
    }
    word.rsplit('/').next().unwrap_or(word).to_string()
}

fn run_kind(words: &[String]) -> RunKind {
    let program = words.first().map(|w| basename(w)).unwrap_or_default();
    let head = match words.get(1) {
        Some(sub) => format!("{program} {sub}"),
        None => program.clone(),
    };
    let head3 = match words.get(2) {
        Some(third) => format!("{head} {third}"),
        None => head.clone(),
    };
    let setup = SETUP_COMMANDS
        .iter()
        .any(|s| *s == program || *s == head || *s == head3);
    if setup {
        return RunKind::Setup;
    }
    let checks = words.iter().take(3).any(|w| {
        let w = basename(w).to_ascii_lowercase();
        CHECK_WORDS.contains(&w.as_str())
            || w.starts_with("test")
            || w.ends_with("test")
            || w.ends_with("tests")
            || w.starts_with("lint")
    });
    if checks {
        RunKind::Check
    } else {
        RunKind::Exec
    }
}

/// Program plus subcommand (`cargo test`, `npm run build`, `pytest`).
fn similarity_key(words: &[String]) -> String {
    let program = words.first().map(|w| basename(w)).unwrap_or_default();
    let is_sub =
        |w: &str| !w.starts_with('-') && !w.contains('/') && !w.contains('.') && !w.contains('=');
    let mut key = program.clone();
    if let Some(sub) = words.get(1).filter(|w| is_sub(w)) {
        key.push(' ');
        key.push_str(sub);
        if matches!(program.as_str(), "npm" | "pnpm" | "yarn" | "bun")
            && sub == "run"
            && let Some(script) = words.get(2).filter(|w| is_sub(w))
        {
            key.push(' ');
            key.push_str(script);
        }
    }
    key
}

/// The message of a `git commit -m "..."` (or of its heredoc), first line only.
fn commit_message(command: &str) -> Option<String> {
    if let Some(pos) = command.find("<<") {
        let body = &command[pos..];
        let first = body.lines().nth(1)?.trim();
        if !first.is_empty() {
            return Some(first.to_string());
        }
    }
    let segments = split_shell(command);
    for seg in segments {
        let mut words = seg.words.iter();
        while let Some(w) = words.next() {
            if w == "-m" || w == "--message" {
                let msg = words.next()?;
                return msg.lines().next().map(|l| l.trim().to_string());
            }
        }
    }
    None
}

/// A command as shown in facts: first line, paths relative to the root, no `2>&1`, no
/// trailing `| tail -N` / `| head -N`, shortened.
fn display_command(command: &str, root: Option<&str>) -> String {
    let mut lines = command.trim().lines();
    let mut shown = lines.next().unwrap_or("").to_string();
    if lines.next().is_some() {
        shown.push_str(" …");
    }
    let mut shown = relativize_text(&shown, root).replace(" 2>&1", "");
    for tail in ["| tail", "| head"] {
        if let Some(pos) = shown.rfind(tail) {
            let rest = &shown[pos + tail.len()..];
            if rest
                .trim()
                .trim_start_matches('-')
                .trim_start_matches('n')
                .trim()
                .chars()
                .all(|c| c.is_ascii_digit() || c == ' ')
            {
                shown.truncate(pos);
            }
        }
    }
    let collapsed: Vec<&str> = shown.split_whitespace().collect();
    shorten(&collapsed.join(" "), 100)
}

/// The most telling error line of a failed command's output.
fn error_line(rules: &Rules, text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    for (n, pattern) in rules.errors.iter().enumerate() {
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            if let Some(m) = pattern.find(trimmed) {
                let mut found = m.as_str().trim().to_string();
                if n == 2 && found.ends_with(':') {
                    // Rust prints the panic message on the next line.
                    if let Some(next) = lines.get(i + 1) {
                        found = format!("{found} {}", next.trim());
                    }
                }
                if n == 3 {
                    found = found.trim_start_matches('E').trim().to_string();
                }
                return Some(shorten(&found, 160));
            }
        }
        // Python: the last exception line of a traceback.
        if n == 2
            && text.contains("Traceback (most recent call last)")
            && let Some(line) = lines
                .iter()
                .rev()
                .map(|l| l.trim())
                .find(|l| rules.python_error.is_match(l))
        {
            return Some(shorten(line, 160));
        }
    }
    lines
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !l.starts_with("Exit code"))
        .map(|l| shorten(l, 160))
}

/// The name of the first failing test in a test run's output, if one is named.
fn failing_test(rules: &Rules, text: &str) -> Option<String> {
    for pattern in &rules.test_names {
        for line in text.lines() {
            if let Some(name) = pattern.captures(line.trim_end()).and_then(|c| c.get(1)) {
                let name = name.as_str();
                let name = name.rsplit("::").next().unwrap_or(name);
                let name = name.split('[').next().unwrap_or(name);
                if !name.is_empty() {
                    return Some(name.to_string());
                }
            }
        }
    }
    None
}

/// What a passing run showed: how many tests passed, else (for a run that is not a check)
/// the first line it printed, when that is short.
fn result_line(rules: &Rules, text: &str, kind: RunKind) -> Option<String> {
    if let Some(n) = rules.passed.captures(text).and_then(|c| c.get(1)) {
        return Some(format!("{} tests", n.as_str()));
    }
    if kind == RunKind::Check {
        return None;
    }
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    (first.chars().count() <= 80).then(|| first.to_string())
}

fn is_test_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("test") || lower.ends_with("_test") || lower == "tests"
}

/// Lines of `new` that are not in `old` and lines of `old` that are not in `new` (as
/// multisets).
fn line_diff<'a>(old: &'a str, new: &'a str) -> (Vec<&'a str>, Vec<&'a str>) {
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for line in old.lines() {
        *counts.entry(line).or_insert(0) += 1;
    }
    let mut added = Vec::new();
    for line in new.lines() {
        match counts.get_mut(line) {
            Some(n) if *n > 0 => *n -= 1,
            _ => added.push(line),
        }
    }
    let mut removed = Vec::new();
    for line in old.lines() {
        if let Some(n) = counts.get_mut(line).filter(|n| **n > 0) {
            *n -= 1;
            removed.push(line);
        }
    }
    (added, removed)
}

/// Names defined in `new` that `old` does not define, at the outermost level among them
/// (the functions of a module, not their tests), trait plumbing (`fmt`, `from`...) left out.
fn symbols_added(rules: &Rules, old: &str, new: &str) -> Vec<String> {
    let before: Vec<String> = definitions(rules, old)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let added: Vec<(usize, String)> = definitions(rules, new)
        .into_iter()
        .filter(|(_, n)| !before.contains(n))
        .collect();
    let outer = added.iter().map(|(indent, _)| *indent).min().unwrap_or(0);
    let mut out: Vec<String> = Vec::new();
    for (indent, name) in added {
        if indent == outer {
            push_unique(&mut out, name);
        }
    }
    out
}

fn symbols_from_lines(rules: &Rules, text: &str) -> Vec<String> {
    symbols_added(rules, "", text)
}

/// Definitions in `text`, with their indentation.
fn definitions(rules: &Rules, text: &str) -> Vec<(usize, String)> {
    const PLUMBING: [&str; 22] = [
        "fmt",
        "from",
        "into",
        "drop",
        "clone",
        "eq",
        "ne",
        "hash",
        "deref",
        "deref_mut",
        "next",
        "cmp",
        "partial_cmp",
        "as_ref",
        "borrow",
        "index",
        "source",
        "description",
        "try_from",
        "from_str",
        "tests",
        "for",
    ];
    text.lines()
        .filter_map(|line| {
            let name = rules.symbol.captures(line)?.get(1)?.as_str();
            let indent = line.len() - line.trim_start().len();
            (!PLUMBING.contains(&name)).then(|| (indent, name.to_string()))
        })
        .collect()
}

fn first_meaningful_line(content: &str) -> Option<String> {
    content
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("#!") && l.chars().any(char::is_alphanumeric))
        .map(str::to_string)
}

// ---------------------------------------------------------------------------------------------
// Paths

/// The directory the session's absolute file paths share, walked up out of `src/`, `tests/`
/// and similar so that a session that touched one source file still gets the project root.
fn infer_root(events: &[&Event]) -> Option<String> {
    let mut dirs: Vec<Vec<&str>> = Vec::new();
    for event in events {
        let EventPayload::ToolUse {
            tool_name, input, ..
        } = &event.payload
        else {
            continue;
        };
        let is_dir = matches!(tool_name.as_str(), "Glob" | "Grep" | "LS");
        for key in ["file_path", "notebook_path", "path"] {
            let Some(path) = input.get(key).and_then(Value::as_str) else {
                continue;
            };
            if !path.starts_with('/') {
                continue;
            }
            let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
            if !is_dir {
                parts.pop();
            }
            dirs.push(parts);
        }
    }
    let first = dirs.first()?;
    let mut common: Vec<&str> = first.clone();
    for dir in &dirs[1..] {
        let n = common.iter().zip(dir).take_while(|(a, b)| a == b).count();
        common.truncate(n);
    }
    const SOURCE_DIRS: [&str; 14] = [
        "src", "lib", "tests", "test", "app", "pkg", "cmd", "docs", "include", "scripts", "bin",
        "spec", "source", "sources",
    ];
    // The root is above the first source folder on the common path: every file edited
    // under /home/dev/shop/src/checkout has the root /home/dev/shop.
    if let Some(cut) = common.iter().skip(1).position(|d| SOURCE_DIRS.contains(d)) {
        common.truncate(cut + 1);
    }
    (!common.is_empty()).then(|| format!("/{}", common.join("/")))
}

/// `path` relative to `root` when it lies under it; `./` dropped.
fn relative(path: &str, root: Option<&str>) -> String {
    let path = path.trim();
    if let Some(root) = root {
        if path == root {
            return ".".to_string();
        }
        if let Some(rest) = path.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
            return rest.to_string();
        }
    }
    path.strip_prefix("./").unwrap_or(path).to_string()
}

/// `text` with every `root/` prefix removed.
fn relativize_text(text: &str, root: Option<&str>) -> String {
    match root {
        Some(root) => text.replace(&format!("{root}/"), "").replace(root, "."),
        None => text.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Text helpers

/// `text` cut to at most `max` characters at a word boundary when it can, with `…`.
fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(pos) if pos > max / 2 => cut[..pos].to_string(),
        _ => cut,
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ', '.']))
}

/// `a`, `a and b`, `a, b and c`, `a, b, c and N more`.
fn list_words(items: &[String], max: usize) -> String {
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
fn files_phrase(files: &[String]) -> Option<String> {
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

fn common_dir(files: &[String]) -> Option<String> {
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
fn plain_lines(text: &str) -> Vec<String> {
    markdown_lines(text, false)
}

/// Like [`plain_lines`], keeping only prose: list items are left out too.
fn prose_lines(text: &str) -> Vec<String> {
    markdown_lines(text, true)
}

fn markdown_lines(text: &str, prose_only: bool) -> Vec<String> {
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

/// Sentences of one line of prose.
fn split_sentences(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        if matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace()) {
            let s = current.trim().to_string();
            if !s.is_empty() {
                out.push(s);
            }
            current.clear();
        }
    }
    let s = current.trim().to_string();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

fn first_sentence(text: &str) -> String {
    plain_lines(text)
        .first()
        .and_then(|l| split_sentences(l).into_iter().next())
        .unwrap_or_default()
}

/// The first `n` sentences of `text` that say something: prose, not filler ("Excellent!",
/// "Let me ..."), not a short introduction to a list. A summary section, when there is one,
/// comes first.
fn key_sentences(text: &str, n: usize) -> Vec<String> {
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
            for s in split_sentences(&line) {
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
fn past_tense(
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
fn clause_title(clause: &str, max: usize) -> String {
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
fn request_title(
    text: &str,
    verbs: &[(&'static str, &'static str)],
) -> Option<(String, &'static str)> {
    let first_lines: Vec<String> = plain_lines(text).into_iter().take(3).collect();
    for line in &first_lines {
        for sentence in split_sentences(line).iter().take(2) {
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
fn split_parts(sentence: &str) -> Vec<String> {
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

fn strip_lead_ins(text: &str) -> String {
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
fn intent_title(rules: &Rules, text: &str) -> Option<(String, &'static str)> {
    for line in plain_lines(text) {
        for sentence in split_sentences(&line) {
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
fn with_files(title: String, files: &[String]) -> String {
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

fn kind_for_verb(verb: &str) -> Option<ObservationKind> {
    if FIX_VERBS.contains(&verb) {
        Some(ObservationKind::Bugfix)
    } else if REFACTOR_VERBS.contains(&verb) {
        Some(ObservationKind::Refactor)
    } else {
        None
    }
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !item.is_empty() && !list.contains(&item) {
        list.push(item);
    }
}

// ---------------------------------------------------------------------------------------------
// The analyzer: a pass over one session's events

#[derive(Debug, Clone)]
struct PendingEdit {
    id: EventId,
    change: FileChange,
    /// Assistant messages since the previous edit: the stated intent.
    intents: Vec<(EventId, String)>,
}

#[derive(Debug)]
struct Failure {
    ids: Vec<EventId>,
    keys: Vec<(String, String, RunKind)>,
    command: String,
    errors: Vec<String>,
    test_name: Option<String>,
    attempts: u32,
    edits: Vec<PendingEdit>,
}

impl Failure {
    fn matches(&self, run: &Run) -> bool {
        self.keys.iter().any(|(key, program, kind)| {
            *key == run.key
                || (*program == run.program
                    && *kind == RunKind::Check
                    && run.kind == RunKind::Check)
        })
    }
}

/// An observation in the making, with what the analyzer needs to know about it.
#[derive(Debug)]
struct Draft {
    obs: NewObservation,
    /// An edit observation not yet covered by a commit.
    uncommitted: bool,
}

/// What one session's pass produced.
#[derive(Debug, Default)]
struct Analysis {
    drafts: Vec<Draft>,
    prompts: Vec<String>,
    files_read: Vec<String>,
    searches: Vec<String>,
    delegations: Vec<String>,
    learned: Vec<String>,
    unresolved: Vec<String>,
    last_assistant: Option<String>,
}

impl Analysis {
    fn observations(self) -> Vec<NewObservation> {
        self.drafts.into_iter().map(|d| d.obs).collect()
    }
}

struct Analyzer<'r> {
    rules: &'r Rules,
    classifier: Classifier<'r>,
    session_id: Option<String>,
    project: Option<String>,
    times: BTreeMap<EventId, OffsetDateTime>,
    out: Analysis,
    /// The prompt of the current episode, and whether its first edit group is done.
    prompt: Option<(EventId, String)>,
    prompt_used: bool,
    edits: Vec<PendingEdit>,
    intents: Vec<(EventId, String)>,
    reads: Vec<(EventId, Reading)>,
    commands: Vec<(EventId, String)>,
    finding: Option<(EventId, String)>,
    failure: Option<Failure>,
}

impl<'r> Analyzer<'r> {
    fn new(rules: &'r Rules, root: Option<String>, first: Option<&Event>) -> Analyzer<'r> {
        Analyzer {
            rules,
            classifier: Classifier {
                rules,
                root,
                seen: BTreeSet::new(),
            },
            session_id: first.map(|e| e.session_id.clone()),
            project: first.map(|e| e.project.clone()),
            times: BTreeMap::new(),
            out: Analysis::default(),
            prompt: None,
            prompt_used: false,
            edits: Vec::new(),
            intents: Vec::new(),
            reads: Vec::new(),
            commands: Vec::new(),
            finding: None,
            failure: None,
        }
    }

    fn event(&mut self, event: &Event) {
        self.times.insert(event.id, event.occurred_at);
        for action in self.classifier.classify(&event.payload) {
            self.action(event.id, action);
        }
    }

    fn action(&mut self, id: EventId, action: Action) {
        match action {
            Action::Prompt(text) => {
                self.end_episode();
                self.out.prompts.push(text.clone());
                self.prompt = Some((id, text));
                self.prompt_used = false;
            }
            Action::Assistant(text) => {
                if !self.reads.is_empty() && self.finding.is_none() {
                    self.finding = Some((id, text.clone()));
                }
                self.intents.push((id, text.clone()));
                self.assistant_decisions(id, &text);
                self.out.last_assistant = Some(text);
            }
            Action::Note(text) => self.note(id, &text),
            Action::Change(change) => {
                let intents = std::mem::take(&mut self.intents);
                let edit = PendingEdit {
                    id,
                    change,
                    intents,
                };
                match &mut self.failure {
                    Some(f) => f.edits.push(edit),
                    None => self.edits.push(edit),
                }
            }
            Action::Read(reading) => {
                for f in &reading.files {
                    push_unique(&mut self.out.files_read, f.clone());
                }
                for s in &reading.searches {
                    push_unique(&mut self.out.searches, s.clone());
                }
                self.reads.push((id, reading));
            }
            Action::Run(run) => self.run(id, run),
            Action::Commit(commit) => self.commit(id, commit),
            Action::Delegate(delegation) => self.delegate(id, &delegation),
        }
    }

    fn run(&mut self, id: EventId, run: Run) {
        match run.outcome {
            Outcome::Fail => {
                let error = run.error_line.clone().unwrap_or_default();
                if let Some(f) = &mut self.failure {
                    if f.matches(&run) || run.kind == RunKind::Check {
                        f.attempts += 1;
                        f.ids.push(id);
                        f.keys
                            .push((run.key.clone(), run.program.clone(), run.kind));
                        if !error.is_empty() && !f.errors.contains(&error) {
                            f.errors.push(error);
                        }
                        if f.test_name.is_none() {
                            f.test_name = run.test_name;
                        }
                    } else {
                        self.commands
                            .push((id, format!("`{}` failed: {error}", run.display)));
                    }
                    return;
                }
                if !self.edits.is_empty() {
                    let fact = format!("`{}` failed afterwards: {error}", run.display);
                    self.flush_edits(Some((id, fact)), None);
                }
                self.failure = Some(Failure {
                    ids: vec![id],
                    keys: vec![(run.key.clone(), run.program.clone(), run.kind)],
                    command: run.display,
                    errors: if error.is_empty() {
                        Vec::new()
                    } else {
                        vec![error]
                    },
                    test_name: run.test_name,
                    attempts: 1,
                    edits: Vec::new(),
                });
            }
            Outcome::Pass => {
                let fact = match (&run.result_line, run.kind) {
                    (Some(line), RunKind::Check) => format!("`{}` passed ({line})", run.display),
                    (None, RunKind::Check) => format!("`{}` passed", run.display),
                    (Some(line), _) => format!("`{}` ran: {line}", run.display),
                    (None, _) => format!("`{}` ran", run.display),
                };
                if self.failure.as_ref().is_some_and(|f| f.matches(&run)) {
                    self.bugfix(id, fact);
                } else if self.failure.is_none()
                    && !self.edits.is_empty()
                    && run.kind != RunKind::Setup
                {
                    self.flush_edits(Some((id, fact)), None);
                } else {
                    self.commands.push((id, fact));
                }
            }
            Outcome::Unknown => self.commands.push((id, format!("Ran `{}`", run.display))),
        }
    }

    fn commit(&mut self, id: EventId, commit: Commit) {
        if commit.outcome == Outcome::Fail && !commit.nothing_to_commit {
            // A refused commit (a hook, say) is a failure like any other.
            return self.run(
                id,
                Run {
                    display: commit.display,
                    key: "git commit".into(),
                    program: "git".into(),
                    kind: RunKind::Check,
                    outcome: Outcome::Fail,
                    error_line: commit.error_line,
                    test_name: None,
                    result_line: None,
                },
            );
        }
        if self
            .failure
            .as_ref()
            .is_some_and(|f| f.keys.iter().any(|(k, _, _)| k == "git commit"))
            && commit.outcome == Outcome::Pass
        {
            self.bugfix(id, format!("`{}` passed", commit.display));
        }
        let fact = match (&commit.message, commit.nothing_to_commit) {
            (_, true) => None,
            (Some(m), false) => Some(format!("Committed as \"{}\"", shorten(m, 100))),
            (None, false) => Some("Committed".to_string()),
        };
        if self.failure.is_none() && !self.edits.is_empty() {
            self.flush_edits(None, fact.map(|f| (id, f)));
        } else if let Some(fact) = fact {
            for draft in self.out.drafts.iter_mut().filter(|d| d.uncommitted) {
                draft.obs.facts.push(fact.clone());
                push_id(&mut draft.obs.source_event_ids, id);
                draft.uncommitted = false;
            }
        }
    }

    /// A prompt boundary: closes the edits (unless a failure owns them) and the reads.
    fn end_episode(&mut self) {
        if self.failure.is_none() && !self.edits.is_empty() {
            self.flush_edits(None, None);
        }
        self.flush_reads();
        self.commands.clear();
        self.intents.clear();
    }

    fn finish(mut self) -> Analysis {
        self.end_episode();
        if let Some(f) = self.failure.take() {
            let error = f.errors.first().cloned().unwrap_or_default();
            let note = if error.is_empty() {
                format!("`{}` was still failing at the end", f.command)
            } else {
                format!("`{}` was still failing at the end: {error}", f.command)
            };
            self.out.unresolved.push(note.clone());
            if !f.edits.is_empty() {
                self.edits = f.edits;
                let last = f.ids.last().copied().unwrap_or_default();
                self.flush_edits(Some((last, note)), None);
            }
        }
        self.out
    }

    fn time_of(&self, ids: &[EventId]) -> Option<OffsetDateTime> {
        ids.iter()
            .filter_map(|id| self.times.get(id))
            .max()
            .copied()
    }

    fn draft(&mut self, mut obs: NewObservation, uncommitted: bool) {
        obs.source_event_ids.sort_unstable();
        obs.source_event_ids.dedup();
        obs.created_at = self.time_of(&obs.source_event_ids);
        obs.project = self.project.clone();
        obs.session_id = self.session_id.clone();
        obs.facts.truncate(10);
        self.out.drafts.push(Draft { obs, uncommitted });
    }

    /// Design choices the assistant states with their reason ("I kept the discount in
    /// Cart::total, because the cart page shows that total too") become one decision
    /// observation per message: the reason is what a later session most needs.
    fn assistant_decisions(&mut self, id: EventId, text: &str) {
        const CHOICES: [&str; 16] = [
            "i kept",
            "we kept",
            "i chose",
            "we chose",
            "i decided",
            "we decided",
            "i went with",
            "we went with",
            "i used",
            "we used",
            "i switched",
            "we switched",
            "i moved",
            "we moved",
            "i opted",
            "we opted",
        ];
        const REASONS: [&str; 6] = [
            "because",
            "so that",
            "since ",
            "to avoid",
            "instead of",
            "rather than",
        ];
        let mut decisions: Vec<String> = Vec::new();
        for line in plain_lines(text) {
            for sentence in split_sentences(&line) {
                let lower = sentence.to_lowercase();
                let chooses = CHOICES
                    .iter()
                    .any(|c| lower.starts_with(c) || lower.contains(&format!(" {c}")));
                if chooses && REASONS.iter().any(|r| lower.contains(r)) {
                    decisions.push(sentence.trim().to_string());
                }
            }
        }
        let Some(first) = decisions.first() else {
            return;
        };
        let obs = NewObservation {
            kind: Some(ObservationKind::Decision),
            title: shorten(first.trim_end_matches(['.', ':']), 100),
            narrative: decisions.join(" "),
            concepts: vec!["why-it-exists".to_string(), "trade-off".to_string()],
            source_event_ids: vec![id],
            importance: Some(0.8),
            ..NewObservation::default()
        };
        self.draft(obs, false);
    }

    fn note(&mut self, id: EventId, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let decision = self.rules.decision.is_match(text);
        let lower = text.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
        let mut concepts = Vec::new();
        if has(&["instead of", "rather than", "trade-off", "tradeoff", " vs "]) {
            concepts.push("trade-off".to_string());
        }
        if has(&["because", "since ", "so that", "reason"]) {
            concepts.push("why-it-exists".to_string());
        }
        if has(&[
            "careful",
            "beware",
            "gotcha",
            "watch out",
            "never",
            "don't",
            "do not",
            "pitfall",
        ]) {
            concepts.push("gotcha".to_string());
        }
        if has(&["always", "convention", "pattern", "prefer"]) {
            concepts.push("pattern".to_string());
        }
        if concepts.is_empty() {
            concepts.push(
                if decision {
                    "why-it-exists"
                } else {
                    "how-it-works"
                }
                .to_string(),
            );
        }
        let first = plain_lines(text)
            .first()
            .and_then(|l| split_sentences(l).into_iter().next())
            .unwrap_or_else(|| text.to_string());
        let title = shorten(first.trim_end_matches(['.', ':']), 80);
        let obs = NewObservation {
            kind: Some(if decision {
                ObservationKind::Decision
            } else {
                ObservationKind::Discovery
            }),
            subtitle: if title.len() < text.len() {
                shorten(text, 160)
            } else {
                String::new()
            },
            title,
            narrative: text.to_string(),
            concepts,
            source_event_ids: vec![id],
            importance: Some(0.8),
            ..NewObservation::default()
        };
        self.draft(obs, false);
    }

    fn delegate(&mut self, id: EventId, d: &Delegation) {
        let title = match past_tense(&d.description, READ_VERBS) {
            Some((t, _)) => clause_title(&t, 80),
            None => match past_tense(&d.description, EDIT_VERBS) {
                Some((t, _)) => clause_title(&t, 80),
                None => shorten(&format!("Delegated: {}", d.description), 80),
            },
        };
        self.out.delegations.push(title.clone());
        let root = self.classifier.root.clone();
        let report = relativize_text(&d.output, root.as_deref());
        let sentences = key_sentences(&report, 3);
        let mut facts: Vec<String> = Vec::new();
        for line in report.lines() {
            let t = line.trim();
            if t.starts_with("**") && t.ends_with("**") && t.len() > 4 {
                let clean = t.replace("**", "").replace('`', "");
                push_unique(&mut facts, shorten(clean.trim(), 120));
            }
            if facts.len() == 8 {
                break;
            }
        }
        let mut files_read = Vec::new();
        if let Some(root) = root.as_deref() {
            for m in self.rules.paths.find_iter(&d.output) {
                let p = m.as_str().trim_end_matches(['.', ',', ')', ':']);
                if p.starts_with(&format!("{root}/"))
                    && p.rsplit('/').next().is_some_and(|n| {
                        n.contains('.') || n.chars().next().is_some_and(char::is_uppercase)
                    })
                {
                    push_unique(&mut files_read, relative(p, Some(root)));
                }
                if files_read.len() == 12 {
                    break;
                }
            }
        }
        let obs = NewObservation {
            kind: Some(ObservationKind::Discovery),
            title,
            subtitle: sentences.first().cloned().unwrap_or_default(),
            narrative: if sentences.is_empty() {
                format!("A subagent was asked to {}.", d.description.to_lowercase())
            } else {
                shorten(&sentences.join(" "), 500)
            },
            facts,
            concepts: vec!["how-it-works".into()],
            files_read,
            source_event_ids: vec![id],
            importance: Some(0.45),
            ..NewObservation::default()
        };
        self.draft(obs, false);
    }

    /// Reads no edit absorbed become a discovery, when they amount to something: a file read,
    /// or two searches.
    fn flush_reads(&mut self) {
        let reads = std::mem::take(&mut self.reads);
        let finding = self.finding.take();
        let mut files: Vec<String> = Vec::new();
        let mut searches: Vec<String> = Vec::new();
        let mut ids: Vec<EventId> = Vec::new();
        for (id, r) in &reads {
            ids.push(*id);
            for f in &r.files {
                push_unique(&mut files, f.clone());
            }
            for s in &r.searches {
                push_unique(&mut searches, s.clone());
            }
        }
        if files.is_empty() && searches.len() < 2 {
            return;
        }
        let prompt_title = match (&self.prompt, self.prompt_used) {
            (Some((pid, text)), false) => request_title(text, READ_VERBS).map(|(t, _)| (*pid, t)),
            _ => None,
        };
        let title = match prompt_title {
            Some((pid, t)) => {
                ids.push(pid);
                with_files(t, &files)
            }
            None => match (files_phrase(&files), files.len()) {
                (Some(p), n) if n > 2 => format!("Explored {p} ({n} files)"),
                (Some(p), _) => format!("Explored {p}"),
                (None, 0) => format!("Searched the project: {}", searches.join("; ")),
                (None, _) => format!("Explored {}", list_words(&files, 3)),
            },
        };
        let sentences = finding
            .as_ref()
            .map(|(_, text)| key_sentences(text, 3))
            .unwrap_or_default();
        if let Some((fid, _)) = &finding
            && !sentences.is_empty()
        {
            ids.push(*fid);
        }
        let mut facts: Vec<String> = files.iter().map(|f| format!("Read {f}")).collect();
        facts.extend(searches.iter().cloned());
        let narrative = if sentences.is_empty() {
            format!("Read {}.", list_words(&files, 6))
        } else {
            shorten(&sentences.join(" "), 500)
        };
        let n = files.len() as f32;
        let obs = NewObservation {
            kind: Some(ObservationKind::Discovery),
            title: shorten(&title, 100),
            subtitle: sentences.first().cloned().unwrap_or_default(),
            narrative,
            facts,
            concepts: vec!["how-it-works".into()],
            files_read: files,
            source_event_ids: ids,
            importance: Some((0.35 + 0.05 * n).min(0.5)),
            ..NewObservation::default()
        };
        self.draft(obs, false);
    }

    /// Closes the pending edits into observations: one for creations and modifications, one
    /// for deletions. `verification` is the run that closed them, `commit` the commit.
    fn flush_edits(
        &mut self,
        verification: Option<(EventId, String)>,
        commit: Option<(EventId, String)>,
    ) {
        let edits = std::mem::take(&mut self.edits);
        if edits.is_empty() {
            return;
        }
        let reads = std::mem::take(&mut self.reads);
        self.finding = None;
        let commands = std::mem::take(&mut self.commands);
        let (deletions, others): (Vec<PendingEdit>, Vec<PendingEdit>) = edits
            .into_iter()
            .partition(|e| e.change.op == FileOp::Deleted);
        let mut first = true;
        for group in [others, deletions] {
            if group.is_empty() {
                continue;
            }
            let context = if first {
                Context {
                    reads: &reads,
                    commands: &commands,
                }
            } else {
                Context {
                    reads: &[],
                    commands: &[],
                }
            };
            let obs = self.edit_observation(&group, context, &verification, &commit);
            self.draft(obs, commit.is_none());
            first = false;
        }
    }

    fn edit_observation(
        &mut self,
        group: &[PendingEdit],
        context: Context<'_>,
        verification: &Option<(EventId, String)>,
        commit: &Option<(EventId, String)>,
    ) -> NewObservation {
        let mut ids: Vec<EventId> = group.iter().map(|e| e.id).collect();
        let mut files_modified: Vec<String> = Vec::new();
        let mut files_read: Vec<String> = Vec::new();
        let mut symbols: Vec<String> = Vec::new();
        let mut facts: Vec<String> = Vec::new();
        let (mut created, mut deleted) = (0usize, 0usize);
        let mut removes_definitions = false;
        for e in group {
            if let Some(from) = &e.change.from {
                push_unique(&mut files_modified, from.clone());
            }
            push_unique(&mut files_modified, e.change.path.clone());
            for s in &e.change.symbols {
                push_unique(&mut symbols, s.clone());
            }
            match e.change.op {
                FileOp::Created => created += 1,
                FileOp::Deleted => deleted += 1,
                _ => {}
            }
            removes_definitions |= e.change.removes_definitions;
        }
        if deleted > 0 {
            facts.push(format!("Deleted {}", list_words(&files_modified, 8)));
        } else {
            facts.extend(group.iter().map(|e| e.change.fact.clone()));
        }
        for (id, r) in context.reads {
            ids.push(*id);
            for f in &r.files {
                push_unique(&mut files_read, f.clone());
            }
        }
        for (id, c) in context.commands {
            ids.push(*id);
            facts.push(c.clone());
        }
        for (id, fact) in verification.iter().chain(commit) {
            ids.push(*id);
            facts.push(fact.clone());
        }

        // Title: the prompt for the episode's first group, else the stated intent, else the
        // definitions, else the files.
        let mut verb: Option<&'static str> = None;
        let mut intent_sentence: Option<String> = None;
        let mut asked: Option<String> = None;
        let mut title: Option<String> = None;
        if !self.prompt_used && deleted == 0 {
            if let Some((pid, text)) = &self.prompt
                && let Some((t, v)) = request_title(text, EDIT_VERBS)
            {
                ids.push(*pid);
                asked = Some(text.clone());
                title = Some(with_files(t, &files_modified));
                verb = Some(v);
            }
            self.prompt_used = true;
        }
        for e in group {
            let candidates = e
                .intents
                .iter()
                .map(|(id, text)| (Some(*id), text.clone()))
                .chain(
                    e.change
                        .description
                        .iter()
                        .map(|d| (None, format!("Let me {}", lowercase_first(d)))),
                );
            for (id, text) in candidates {
                if let Some((t, v)) = intent_title(self.rules, &text) {
                    if let Some(id) = id {
                        ids.push(id);
                    }
                    if intent_sentence.is_none() {
                        intent_sentence = Some(shorten(&t, 200));
                    }
                    if title.is_none() {
                        title = Some(with_files(clause_title(&t, 72), &files_modified));
                        verb = Some(v);
                    }
                    break;
                }
            }
            if title.is_some() && intent_sentence.is_some() {
                break;
            }
        }
        let public: Vec<String> = symbols
            .iter()
            .filter(|s| !is_test_name(s))
            .cloned()
            .collect();
        let shown_symbols = if public.is_empty() { &symbols } else { &public };
        let feature = deleted == 0 && (created > 0 || (!public.is_empty() && !removes_definitions));
        let title = title.unwrap_or_else(|| {
            let files =
                files_phrase(&files_modified).unwrap_or_else(|| list_words(&files_modified, 3));
            if deleted > 0 {
                format!("Removed {files}")
            } else if !shown_symbols.is_empty() && shown_symbols.len() <= 3 {
                let verb = if feature { "Added" } else { "Updated" };
                format!("{verb} {} in {files}", list_words(shown_symbols, 3))
            } else if created == group.len() {
                format!("Created {files}")
            } else {
                format!("Updated {files}")
            }
        });
        let kind = verb.and_then(kind_for_verb).unwrap_or(if feature {
            ObservationKind::Feature
        } else {
            ObservationKind::Change
        });

        let modified_count = group.len() - created - deleted;
        let mut summary_parts: Vec<String> = Vec::new();
        let created_files: Vec<String> = group
            .iter()
            .filter(|e| e.change.op == FileOp::Created)
            .map(|e| e.change.path.clone())
            .collect();
        if !created_files.is_empty() {
            summary_parts.push(format!("created {}", list_words(&created_files, 4)));
        }
        if modified_count > 0 {
            let modified: Vec<String> = group
                .iter()
                .filter(|e| matches!(e.change.op, FileOp::Modified | FileOp::Moved))
                .map(|e| e.change.path.clone())
                .fold(Vec::new(), |mut acc, p| {
                    push_unique(&mut acc, p);
                    acc
                });
            summary_parts.push(format!("modified {}", list_words(&modified, 4)));
        }
        if deleted > 0 {
            summary_parts.push(format!("removed {}", list_words(&files_modified, 4)));
        }
        let mut subtitle = summary_parts.join("; ");
        if !public.is_empty() && deleted == 0 {
            subtitle.push_str(&format!(" (adds {})", list_words(&public, 4)));
        }
        let subtitle = shorten(&capitalize(&subtitle), 200);

        let mut narrative: Vec<String> = Vec::new();
        if let Some(text) = asked {
            narrative.push(format!(
                "Asked: \"{}\"",
                shorten(&first_paragraph(&text), 160)
            ));
        }
        if let Some(intent) = intent_sentence.filter(|i| !title.starts_with(i.as_str())) {
            narrative.push(format!("{}.", intent.trim_end_matches('.')));
        }
        if group.len() <= 2 && deleted == 0 {
            let details: Vec<&str> = group.iter().map(|e| e.change.fact.as_str()).collect();
            narrative.push(format!("{}.", details.join("; ")));
        } else {
            narrative.push(format!("{subtitle}."));
        }
        if let Some((_, v)) = verification {
            narrative.push(format!("{}.", v.trim_end_matches('.')));
        }
        let narrative = narrative.into_iter().take(4).collect::<Vec<_>>().join(" ");

        let mut concepts = vec!["what-changed".to_string()];
        if kind == ObservationKind::Refactor {
            concepts.push("pattern".into());
        }
        if kind == ObservationKind::Bugfix {
            concepts.insert(0, "problem-solution".into());
        }
        let importance = match kind {
            ObservationKind::Feature => 0.6,
            ObservationKind::Bugfix => 0.65,
            ObservationKind::Refactor => 0.5,
            _ if deleted > 0 => 0.4,
            _ => (0.4 + 0.05 * files_modified.len() as f32).min(0.55),
        };
        NewObservation {
            kind: Some(kind),
            title: shorten(&title, 100),
            subtitle,
            narrative: shorten(&narrative, 700),
            facts: facts.into_iter().map(|f| shorten(&f, 200)).collect(),
            concepts,
            files_read,
            files_modified,
            source_event_ids: ids,
            importance: Some(importance),
            ..NewObservation::default()
        }
    }

    /// A failure resolved by `run` (which passed): one bugfix observation.
    fn bugfix(&mut self, id: EventId, pass_fact: String) {
        let Some(failure) = self.failure.take() else {
            return;
        };
        let reads = std::mem::take(&mut self.reads);
        self.finding = None;
        let commands = std::mem::take(&mut self.commands);
        if failure.edits.is_empty() && commands.is_empty() {
            // It passed on a rerun with nothing changed: flaky or environmental; nothing to
            // learn that a fact would carry.
            return;
        }
        let mut ids = failure.ids.clone();
        ids.push(id);
        let mut files_modified = Vec::new();
        let mut files_read = Vec::new();
        let mut facts = Vec::new();
        let error = failure.errors.first().cloned().unwrap_or_default();
        facts.push(if error.is_empty() {
            format!("`{}` failed", failure.command)
        } else {
            format!("`{}` failed: {error}", failure.command)
        });
        for e in failure.errors.iter().skip(1) {
            facts.push(format!("Then: {e}"));
        }
        let mut intent: Option<String> = None;
        for e in &failure.edits {
            ids.push(e.id);
            push_unique(&mut files_modified, e.change.path.clone());
            facts.push(e.change.fact.clone());
            if intent.is_none() {
                intent = e
                    .intents
                    .iter()
                    .find_map(|(iid, text)| intent_title(self.rules, text).map(|(t, _)| (*iid, t)))
                    .map(|(iid, t)| {
                        ids.push(iid);
                        t
                    });
            }
        }
        for (rid, r) in &reads {
            ids.push(*rid);
            for f in &r.files {
                push_unique(&mut files_read, f.clone());
            }
        }
        let fixes: Vec<String> = commands
            .iter()
            .map(|(cid, c)| {
                ids.push(*cid);
                c.clone()
            })
            .collect();
        facts.extend(fixes.iter().cloned());
        facts.push(pass_fact.clone());

        let files = files_phrase(&files_modified).unwrap_or_else(|| list_words(&files_modified, 3));
        let what = match (&failure.test_name, error.as_str()) {
            (Some(name), _) => format!("failing {} test", test_label(name)),
            (None, e) if e.starts_with("error[E") => {
                let code = e.get(6..11).unwrap_or("");
                format!("build error {code}")
            }
            (None, e) => match python_error_name(e) {
                Some(name) => name,
                None => format!("failing `{}`", shorten(&failure.command, 50)),
            },
        };
        let title = if files_modified.is_empty() {
            let how = commands
                .first()
                .and_then(|(_, c)| c.split('`').nth(1))
                .map(|c| format!(" by running `{}`", shorten(c, 40)))
                .unwrap_or_default();
            format!("Fixed {what}{how}")
        } else {
            format!("Fixed {what} in {files}")
        };
        let subtitle = if error.is_empty() {
            format!("`{}` failed; it passed after the fix.", failure.command)
        } else {
            format!(
                "`{}` failed with: {}",
                failure.command,
                shorten(&error, 140)
            )
        };
        let mut narrative = vec![subtitle.clone()];
        if let Some(intent) = &intent {
            narrative.push(format!("{intent}."));
        }
        if !files_modified.is_empty() {
            narrative.push(format!(
                "Fixed by editing {}{}.",
                list_words(&files_modified, 4),
                if failure.attempts > 1 {
                    format!(" after {} failing runs", failure.attempts)
                } else {
                    String::new()
                }
            ));
        } else if !fixes.is_empty() {
            narrative.push(format!("Fixed by: {}.", fixes.join("; ")));
        }
        narrative.push(format!("{}.", pass_fact.trim_end_matches('.')));
        let learned = if files_modified.is_empty() {
            format!("{} (fixed without code changes)", facts[0])
        } else {
            format!("{}; fixed in {}", facts[0], list_words(&files_modified, 4))
        };
        self.out.learned.push(learned);
        let mut concepts = vec!["problem-solution".to_string(), "what-changed".to_string()];
        if failure.attempts > 1 {
            concepts.push("gotcha".into());
        }
        let obs = NewObservation {
            kind: Some(ObservationKind::Bugfix),
            title: shorten(&title, 100),
            subtitle: shorten(&subtitle, 200),
            narrative: shorten(&narrative.join(" "), 700),
            facts: facts.into_iter().map(|f| shorten(&f, 200)).collect(),
            concepts,
            files_read,
            files_modified,
            source_event_ids: ids,
            importance: Some(if failure.attempts > 1 { 0.8 } else { 0.7 }),
            ..NewObservation::default()
        };
        self.draft(obs, true);
    }
}

/// Reads and commands that give an edit group its context.
struct Context<'a> {
    reads: &'a [(EventId, Reading)],
    commands: &'a [(EventId, String)],
}

fn push_id(ids: &mut Vec<EventId>, id: EventId) {
    if let Err(pos) = ids.binary_search(&id) {
        ids.insert(pos, id);
    }
}

/// `test_tokenizer` -> `tokenizer`, `TestParse` -> `Parse`, `lexer_test` -> `lexer`.
fn test_label(name: &str) -> String {
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
fn python_error_name(error: &str) -> Option<String> {
    let (name, _) = error.split_once(':')?;
    let name = name.rsplit('.').next().unwrap_or(name);
    (name.ends_with("Error") || name.ends_with("Exception"))
        .then(|| name.to_string())
        .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// `text` as inline code.
fn code(text: &str) -> String {
    if text.contains('`') {
        format!("\"{text}\"")
    } else {
        format!("`{text}`")
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn first_paragraph(text: &str) -> String {
    let para = text.trim().split("\n\n").next().unwrap_or("");
    para.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// Summary

fn summarize(rules: &Rules, analyses: &[Analysis]) -> Option<NewSummary> {
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

fn sentence_list(items: &[String]) -> String {
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

/// The next steps a message states: a "Next steps" section's lines, else sentences that
/// mention what remains.
fn next_steps(rules: &Rules, text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut section: Vec<String> = Vec::new();
    let mut in_section = false;
    for line in &lines {
        let t = line.trim();
        let heading =
            t.starts_with('#') || (t.starts_with("**") && t.ends_with("**")) || t.ends_with(':');
        if heading && t.to_ascii_lowercase().contains("next step") {
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
            let cleaned = plain_lines(t).join(" ");
            if !cleaned.is_empty() {
                section.push(cleaned);
            }
        }
    }
    if !section.is_empty() {
        return shorten(&sentence_list(&section), 400);
    }
    let sentences: Vec<String> = plain_lines(text)
        .iter()
        .flat_map(|l| split_sentences(l))
        .filter(|s| rules.next_steps.is_match(s))
        .take(3)
        .collect();
    shorten(&sentences.join(" "), 400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_lines_split_into_commands_with_redirections() {
        let segs = split_shell("cd /p && cargo test 2>&1 | tail -20; echo \"a && b\" > out.txt");
        let words: Vec<Vec<String>> = segs.iter().map(|s| s.words.clone()).collect();
        assert_eq!(
            words,
            vec![
                vec!["cd".to_string(), "/p".into()],
                vec!["cargo".into(), "test".into()],
                vec!["tail".into(), "-20".into()],
                vec!["echo".into(), "a && b".into()],
            ]
        );
        assert_eq!(segs[3].writes, vec!["out.txt".to_string()]);
    }

    #[test]
    fn heredoc_bodies_are_not_commands() {
        let segs = split_shell("cat > a.py << 'EOF'\nimport os\nrm -rf /\nEOF\npython a.py");
        let programs: Vec<&str> = segs
            .iter()
            .filter_map(|s| s.words.first().map(String::as_str))
            .collect();
        assert_eq!(programs, ["cat", "python"]);
        assert_eq!(segs[0].writes, vec!["a.py".to_string()]);
    }

    #[test]
    fn commit_messages_come_from_heredocs_and_flags() {
        assert_eq!(
            commit_message("git commit -m \"$(cat <<'EOF'\nAdd thing\n\nBody\nEOF\n)\"").as_deref(),
            Some("Add thing")
        );
        assert_eq!(
            commit_message("git commit -am 'x' -m \"Fix bug\"").as_deref(),
            Some("Fix bug")
        );
    }

    #[test]
    fn similar_commands_share_a_key() {
        let key = |c: &str| {
            let seg = split_shell(c);
            similarity_key(&program_words(&seg[0].words))
        };
        assert_eq!(key("python -m pytest tests/test_x.py -v"), "pytest");
        assert_eq!(key("uv run pytest"), "pytest");
        assert_eq!(key("RUST_LOG=1 cargo test lexer"), "cargo test");
        assert_eq!(key("cargo test --all"), "cargo test");
        assert_eq!(key("npm run build"), "npm run build");
    }

    #[test]
    fn requests_become_past_tense_titles() {
        let t = |s: &str| request_title(s, EDIT_VERBS).map(|(t, _)| t);
        assert_eq!(
            t("Port this Python project to Rust. Create a library.").as_deref(),
            Some("Ported the Python project to Rust")
        );
        assert_eq!(
            t("Read test.txt and change the content to \"x\". Commit the change, then stop.")
                .as_deref(),
            Some("Changed the content to \"x\"")
        );
        assert_eq!(
            t("Add a function called multiply_numbers(a: int, b: int) -> int that multiplies two numbers together. Add a test for it.")
                .as_deref(),
            Some("Added a function called multiply_numbers")
        );
        assert_eq!(t("What does this do?"), None);
    }

    #[test]
    fn intents_become_titles() {
        let rules = Rules::new();
        let t = |s: &str| intent_title(&rules, s).map(|(t, _)| clause_title(&t, 72));
        assert_eq!(
            t("I need to add the untracked files to `.gitignore` - these are generated.")
                .as_deref(),
            Some("Added the untracked files to .gitignore")
        );
        assert_eq!(
            t("All tests pass. Now let me set up coverage testing with `cargo-llvm-cov` to ensure 100% coverage.")
                .as_deref(),
            Some("Set up coverage testing with cargo-llvm-cov")
        );
        assert_eq!(t("Now let me run the tests to verify."), None);
    }

    #[test]
    fn error_lines_pick_the_telling_line() {
        let rules = Rules::new();
        let e = |s: &str| error_line(&rules, s);
        assert_eq!(
            e("   Compiling x\nerror[E0425]: cannot find value `y` in this scope\n --> src/main.rs:3:5\nerror: could not compile").as_deref(),
            Some("error[E0425]: cannot find value `y` in this scope")
        );
        assert_eq!(
            e("Traceback (most recent call last):\n  File \"a.py\", line 1\nNameError: name 'x' is not defined").as_deref(),
            Some("NameError: name 'x' is not defined")
        );
        assert_eq!(
            e("thread 'lexer::tests::tokenizer' panicked at src/lexer.rs:10:5:\nassertion failed")
                .as_deref(),
            Some("panicked at src/lexer.rs:10:5: assertion failed")
        );
        assert_eq!(
            failing_test(&rules, "test lexer::tests::tokenizer ... FAILED\n").as_deref(),
            Some("tokenizer")
        );
        assert_eq!(
            failing_test(
                &rules,
                "FAILED tests/test_a.py::test_parse[1] - assert 1 == 2"
            )
            .as_deref(),
            Some("test_parse")
        );
    }

    #[test]
    fn root_is_inferred_out_of_source_directories() {
        let event = |path: &str| Event {
            id: 1,
            session_id: "s".into(),
            project: "p".into(),
            payload: EventPayload::ToolUse {
                tool_name: "Read".into(),
                input: serde_json::json!({ "file_path": path }),
                output: Some(String::new()),
                error: None,
                tool_use_id: None,
            },
            external_id: None,
            occurred_at: OffsetDateTime::UNIX_EPOCH,
            status: crate::model::EventStatus::Pending,
            attempts: 0,
        };
        let a = event("/home/u/proj/src/main.rs");
        assert_eq!(infer_root(&[&a]).as_deref(), Some("/home/u/proj"));
        let b = event("/home/u/proj/README.md");
        assert_eq!(infer_root(&[&a, &b]).as_deref(), Some("/home/u/proj"));
        let c = event("/etc/hosts");
        assert_eq!(infer_root(&[&a, &c]), None);
    }
}
