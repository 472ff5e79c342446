//! Classification of events into actions: edits, reads, runs, commits, delegations.

use super::*;

// ---------------------------------------------------------------------------------------------
// Classification of events into actions

/// What one event amounts to. A shell command may amount to several.
#[derive(Debug, Clone)]
pub(super) enum Action {
    /// The agent's to-do list as it now stands: (status, item).
    Todos(Vec<(String, String)>),
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
pub(super) enum FileOp {
    Created,
    Modified,
    Deleted,
    Moved,
}

/// One file changed by one event.
#[derive(Debug, Clone)]
pub(super) struct FileChange {
    pub(super) path: String,
    /// For moves and copies: where it came from.
    pub(super) from: Option<String>,
    pub(super) op: FileOp,
    /// A concrete statement of the change.
    pub(super) fact: String,
    /// Definitions the change added (functions, types...).
    pub(super) symbols: Vec<String>,
    /// Whether it removed or rewrote definitions (not a pure addition).
    pub(super) removes_definitions: bool,
    /// The tool call's own description, when it gives one (Bash's `description`).
    pub(super) description: Option<String>,
}

/// Files read and searches made by one event.
#[derive(Debug, Clone, Default)]
pub(super) struct Reading {
    pub(super) files: Vec<String>,
    pub(super) searches: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RunKind {
    /// Tests, builds, linters, coverage.
    Check,
    /// Installs and scaffolding.
    Setup,
    /// Anything else: scripts, programs.
    Exec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Pass,
    Fail,
    Unknown,
}

/// A command run.
#[derive(Debug, Clone)]
pub(super) struct Run {
    /// The command as shown: relative paths, no redirections of stderr, shortened.
    pub(super) display: String,
    /// The similarity key: program and subcommand.
    pub(super) key: String,
    pub(super) program: String,
    pub(super) kind: RunKind,
    pub(super) outcome: Outcome,
    pub(super) error_line: Option<String>,
    pub(super) test_name: Option<String>,
    /// A short line from the output: the test summary or the first line printed.
    pub(super) result_line: Option<String>,
    /// The command's own words, verbatim (no `cd`, pipes or redirections).
    pub(super) command: String,
    /// Whether the run hung: it timed out or was sent to the background unfinished.
    pub(super) hung: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Commit {
    pub(super) message: Option<String>,
    pub(super) outcome: Outcome,
    pub(super) nothing_to_commit: bool,
    pub(super) error_line: Option<String>,
    pub(super) display: String,
}

#[derive(Debug, Clone)]
pub(super) struct Delegation {
    pub(super) description: String,
    pub(super) output: String,
}

/// Classifies events, tracking the files seen so far (to tell a created file from a
/// rewritten one).
pub(super) struct Classifier<'r> {
    pub(super) rules: &'r Rules,
    pub(super) root: Option<String>,
    pub(super) seen: BTreeSet<String>,
}

impl Classifier<'_> {
    pub(super) fn rel(&self, path: &str) -> String {
        relative(path, self.root.as_deref())
    }

    pub(super) fn classify(&mut self, payload: &EventPayload) -> Vec<Action> {
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

    pub(super) fn tool(
        &mut self,
        name: &str,
        input: &Value,
        output: Option<&str>,
        error: Option<&str>,
    ) -> Vec<Action> {
        if error.is_some_and(tools::is_rejection) {
            return Vec::new();
        }
        let text = |k: &str| input.get(k).and_then(Value::as_str).unwrap_or("");
        let path_of = |input: &Value| tools::input_path(input).map(str::to_string);
        let action = tools::classify(name);
        if error.is_some() && action != ToolAction::Shell && action != ToolAction::Delegate {
            // A failed read, search or edit did nothing.
            return Vec::new();
        }
        match action {
            ToolAction::Shell => match tools::shell_command(input) {
                Some(cmd) => self.shell(&cmd, input, output, error),
                None => Vec::new(),
            },
            ToolAction::Read => match path_of(input) {
                Some(p) => {
                    self.seen.insert(self.rel(&p));
                    vec![Action::Read(Reading {
                        files: vec![self.rel(&p)],
                        searches: Vec::new(),
                    })]
                }
                None => Vec::new(),
            },
            ToolAction::Search | ToolAction::Web => {
                let search = match action {
                    ToolAction::Web if !text("url").is_empty() => {
                        format!("Fetched {}", text("url"))
                    }
                    ToolAction::Web => format!("Searched the web for \"{}\"", text("query")),
                    _ if name.eq_ignore_ascii_case("glob") => {
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
            ToolAction::Edit => {
                let Some(path) = path_of(input) else {
                    return Vec::new();
                };
                vec![Action::Change(self.edit(&path, &tools::edit_pairs(input)))]
            }
            ToolAction::Write => {
                let Some(path) = path_of(input) else {
                    return Vec::new();
                };
                vec![Action::Change(self.write(&path, text("content"), output))]
            }
            ToolAction::NotebookEdit => {
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
            ToolAction::Patch => {
                let patch = tools::patch_text(input);
                self.patch(&patch).into_iter().map(Action::Change).collect()
            }
            ToolAction::Delegate => {
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
            ToolAction::Plan => {
                let todos: Vec<(String, String)> = input
                    .get("todos")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|t| {
                        let field = |k: &str| t.get(k).and_then(Value::as_str).map(str::trim);
                        let item = field("content").or_else(|| field("step"))?;
                        let status = field("status").unwrap_or("pending");
                        (!item.is_empty()).then(|| (status.to_owned(), item.to_owned()))
                    })
                    .collect();
                vec![Action::Todos(todos)]
            }
            ToolAction::Housekeeping | ToolAction::Other => Vec::new(),
        }
    }

    pub(super) fn edit(&mut self, path: &str, pairs: &[(&str, &str)]) -> FileChange {
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
        let single = |s: &str| !s.trim().contains('\n') && s.trim().chars().count() <= 160;
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
                    .map(|l| code(&shorten(l, 200)))
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

    pub(super) fn write(&mut self, path: &str, content: &str, output: Option<&str>) -> FileChange {
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
    pub(super) fn patch(&mut self, patch: &str) -> Vec<FileChange> {
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

    pub(super) fn shell(
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
                    // How it was forced (`git rm -qf`, `rm -rf`) is worth keeping verbatim.
                    let flags: Vec<&str> = words
                        .iter()
                        .filter(|w| w.starts_with('-'))
                        .map(String::as_str)
                        .collect();
                    let how = if flags.is_empty() {
                        String::new()
                    } else {
                        let shown = [program.as_str(), sub].join(" ");
                        let shown = if program == "git" {
                            shown
                        } else {
                            program.clone()
                        };
                        format!(" with `{shown} {}`", flags.join(" "))
                    };
                    for path in args.iter().skip(skip) {
                        let rel = self.rel(path);
                        actions.push(Action::Change(FileChange {
                            fact: format!("Deleted {rel}{how}"),
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
                command: words.join(" "),
                hung: {
                    let lower = result.to_ascii_lowercase();
                    lower.contains("timed out") || lower.contains("running in background")
                },
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

    pub(super) fn outcome(
        &self,
        result: &str,
        output: Option<&str>,
        error: Option<&str>,
    ) -> Outcome {
        if error.is_some() || self.rules.failure.is_match(result) {
            Outcome::Fail
        } else if output.is_some() {
            Outcome::Pass
        } else {
            Outcome::Unknown
        }
    }
}
