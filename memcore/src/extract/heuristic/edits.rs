//! Observations of edit groups and of fixes (a failing run, edits, the passing run).

use super::*;

impl Analyzer<'_> {
    pub(super) fn edit_observation(
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
    pub(super) fn bugfix(&mut self, id: EventId, pass_fact: String) {
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
        let mut fix_files: Vec<String> = Vec::new();
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
        // The fix is the change after which the failing run passed: the edits after the last
        // failed or hung attempt (all of them when none came after it).
        let tried = if failure.tried < failure.edits.len() {
            failure.tried
        } else {
            0
        };
        let mut causes: Vec<String> = Vec::new();
        for (i, e) in failure.edits.iter().enumerate() {
            ids.push(e.id);
            for (_, text) in &e.intents {
                if let Some(r) = reasoning(text)
                    && r.reason <= Reason::Cause
                {
                    for k in r.key {
                        push_unique(&mut causes, k);
                    }
                }
            }
            push_unique(&mut files_modified, e.change.path.clone());
            if i < tried {
                facts.push(format!("Tried first: {}", e.change.fact));
                continue;
            }
            push_unique(&mut fix_files, e.change.path.clone());
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

        let files = files_phrase(&fix_files).unwrap_or_else(|| list_words(&fix_files, 3));
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
        let title = if fix_files.is_empty() {
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
        // The assistant's own words on the cause, whole.
        narrative.extend(causes.iter().take(4).cloned());
        if !fix_files.is_empty() {
            narrative.push(format!(
                "Fixed by editing {}{}.",
                list_words(&fix_files, 4),
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
        let learned = if fix_files.is_empty() {
            format!("{} (fixed without code changes)", facts[0])
        } else {
            format!("{}; fixed in {}", facts[0], list_words(&fix_files, 4))
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
pub(super) struct Context<'a> {
    pub(super) reads: &'a [(EventId, Reading)],
    pub(super) commands: &'a [(EventId, String)],
}
