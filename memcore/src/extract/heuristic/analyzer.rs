//! The analyzer: a pass over one session's events.

use super::*;

// ---------------------------------------------------------------------------------------------
// The analyzer: a pass over one session's events

#[derive(Debug, Clone)]
pub(super) struct PendingEdit {
    pub(super) id: EventId,
    pub(super) change: FileChange,
    /// Assistant messages since the previous edit: the stated intent.
    pub(super) intents: Vec<(EventId, String)>,
}

#[derive(Debug)]
pub(super) struct Failure {
    pub(super) ids: Vec<EventId>,
    pub(super) keys: Vec<(String, String, RunKind)>,
    pub(super) command: String,
    pub(super) errors: Vec<String>,
    pub(super) test_name: Option<String>,
    pub(super) attempts: u32,
    pub(super) edits: Vec<PendingEdit>,
    /// How many of `edits` came before the last failed (or hung) attempt: those did not fix
    /// it; the fix is among the edits after them.
    pub(super) tried: usize,
}

impl Failure {
    pub(super) fn matches(&self, run: &Run) -> bool {
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
pub(super) struct Draft {
    pub(super) obs: NewObservation,
    /// An edit observation not yet covered by a commit.
    pub(super) uncommitted: bool,
}

/// What one session's pass produced.
#[derive(Debug, Default)]
pub(super) struct Analysis {
    pub(super) drafts: Vec<Draft>,
    pub(super) prompts: Vec<String>,
    pub(super) files_read: Vec<String>,
    pub(super) searches: Vec<String>,
    pub(super) delegations: Vec<String>,
    pub(super) learned: Vec<String>,
    pub(super) unresolved: Vec<String>,
    /// The last assistant message of the session's last real request (a slash command's
    /// reply does not count): where the work was heading.
    pub(super) last_assistant: Option<String>,
    /// Commands that build, test, run or deploy the project, verbatim, each once.
    pub(super) project_commands: Vec<(EventId, String)>,
    /// The to-do list of the session's last `TodoWrite`: (status, item).
    pub(super) todos: Option<(EventId, Vec<(String, String)>)>,
}

impl Analysis {
    pub(super) fn observations(self) -> Vec<NewObservation> {
        self.drafts.into_iter().map(|d| d.obs).collect()
    }
}

pub(super) struct Analyzer<'r> {
    pub(super) rules: &'r Rules,
    pub(super) classifier: Classifier<'r>,
    pub(super) session_id: Option<String>,
    pub(super) project: Option<String>,
    pub(super) times: BTreeMap<EventId, OffsetDateTime>,
    pub(super) out: Analysis,
    /// The prompt of the current episode, and whether its first edit group is done.
    pub(super) prompt: Option<(EventId, String)>,
    pub(super) prompt_used: bool,
    pub(super) edits: Vec<PendingEdit>,
    pub(super) intents: Vec<(EventId, String)>,
    pub(super) reads: Vec<(EventId, Reading)>,
    pub(super) commands: Vec<(EventId, String)>,
    pub(super) finding: Option<(EventId, String)>,
    pub(super) failure: Option<Failure>,
    /// Whether the current prompt is a slash command or its output.
    pub(super) in_command: bool,
    /// The event of `out.last_assistant`.
    pub(super) last_assistant_id: Option<EventId>,
}

impl<'r> Analyzer<'r> {
    pub(super) fn new(
        rules: &'r Rules,
        root: Option<String>,
        first: Option<&Event>,
    ) -> Analyzer<'r> {
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
            in_command: false,
            last_assistant_id: None,
        }
    }

    pub(super) fn event(&mut self, event: &Event) {
        self.times.insert(event.id, event.occurred_at);
        for action in self.classifier.classify(&event.payload) {
            self.action(event.id, action);
        }
    }

    pub(super) fn action(&mut self, id: EventId, action: Action) {
        match action {
            Action::Prompt(raw) => {
                self.end_episode();
                let text = text::strip_host_tags(&raw);
                // A slash command (`/commit`, `/clear`) or its output is the host's, not a
                // request: the reply to it is no statement of where the work is heading.
                self.in_command =
                    text.is_empty() || text.starts_with('/') || raw.contains("<command-name>");
                if text.is_empty() {
                    return;
                }
                self.plan(id, &text);
                let title_text = match plan_of(&text) {
                    Some(plan)
                        if !plan.title.is_empty()
                            && text
                                .to_lowercase()
                                .starts_with("implement the following plan") =>
                    {
                        format!("Implement {}", plan.title)
                    }
                    _ => text.clone(),
                };
                self.out.prompts.push(text);
                self.prompt = Some((id, title_text));
                self.prompt_used = false;
            }
            Action::Assistant(text) => {
                if !self.reads.is_empty() && self.finding.is_none() {
                    self.finding = Some((id, text.clone()));
                }
                self.intents.push((id, text.clone()));
                self.assistant_reasons(id, &text);
                if !self.in_command {
                    self.out.last_assistant = Some(text);
                    self.last_assistant_id = Some(id);
                }
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
            Action::Todos(todos) => self.out.todos = Some((id, todos)),
            Action::Run(run) => self.run(id, run),
            Action::Commit(commit) => self.commit(id, commit),
            Action::Delegate(delegation) => self.delegate(id, &delegation),
        }
    }

    pub(super) fn run(&mut self, id: EventId, run: Run) {
        let runs_project = run.kind == RunKind::Check
            || (run.kind == RunKind::Exec && PROJECT_RUNNERS.contains(&run.program.as_str()));
        if runs_project && !run.command.is_empty() && !run.hung {
            let known = self
                .out
                .project_commands
                .iter()
                .any(|(_, c)| *c == run.command);
            if !known {
                self.out.project_commands.push((id, run.command.clone()));
            }
        }
        if run.hung {
            // A run that timed out or went to the background proves nothing: it is another
            // failed attempt when something is failing, never the passing run.
            if let Some(f) = &mut self.failure {
                f.tried = f.edits.len();
                f.ids.push(id);
            }
            return;
        }
        match run.outcome {
            Outcome::Fail => {
                let error = run.error_line.clone().unwrap_or_default();
                if let Some(f) = &mut self.failure {
                    if f.matches(&run) || run.kind == RunKind::Check {
                        f.attempts += 1;
                        f.tried = f.edits.len();
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
                    tried: 0,
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
                } else if self.failure.is_some() && run.kind != RunKind::Setup && !runs_project {
                    // Looking around while something fails (`git status`, `ls`, a script's
                    // output) fixes nothing: not listed among the fix's commands.
                } else if self.failure.is_none()
                    && !self.edits.is_empty()
                    && run.kind != RunKind::Setup
                {
                    self.flush_edits(Some((id, fact)), None);
                } else {
                    self.commands.push((id, fact));
                }
            }
            Outcome::Unknown if self.failure.is_some() => {}
            Outcome::Unknown => self.commands.push((id, format!("Ran `{}`", run.display))),
        }
    }

    pub(super) fn commit(&mut self, id: EventId, commit: Commit) {
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
                    command: String::new(),
                    hung: false,
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
    pub(super) fn end_episode(&mut self) {
        if self.failure.is_none() && !self.edits.is_empty() {
            self.flush_edits(None, None);
        }
        self.flush_reads();
        self.commands.clear();
        self.intents.clear();
    }

    pub(super) fn finish(mut self) -> Analysis {
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
        self.session_end();
        self.out
    }

    pub(super) fn time_of(&self, ids: &[EventId]) -> Option<OffsetDateTime> {
        ids.iter()
            .filter_map(|id| self.times.get(id))
            .max()
            .copied()
    }

    pub(super) fn draft(&mut self, mut obs: NewObservation, uncommitted: bool) {
        obs.source_event_ids.sort_unstable();
        obs.source_event_ids.dedup();
        obs.created_at = self.time_of(&obs.source_event_ids);
        obs.project = self.project.clone();
        obs.session_id = self.session_id.clone();
        obs.facts.truncate(10);
        self.out.drafts.push(Draft { obs, uncommitted });
    }

    /// Reads no edit absorbed become a discovery, when they amount to something: a file read,
    /// or two searches.
    pub(super) fn flush_reads(&mut self) {
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
            // Looking around, not a finding: recall ranks it below decisions and fixes.
            concepts: vec!["how-it-works".into(), "exploration".into()],
            files_read: files,
            source_event_ids: ids,
            importance: Some((0.35 + 0.05 * n).min(0.5)),
            ..NewObservation::default()
        };
        self.draft(obs, false);
    }

    /// Closes the pending edits into observations: one for creations and modifications, one
    /// for deletions. `verification` is the run that closed them, `commit` the commit.
    pub(super) fn flush_edits(
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
}
