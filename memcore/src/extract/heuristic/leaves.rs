//! What a session leaves behind for the next one: the commands that build, test and run the
//! project, the to-do items left open, and the next steps its last answer named.

use super::*;

/// The most commands one session's `command` observation lists.
const MAX_COMMANDS: usize = 16;

impl Analyzer<'_> {
    /// Observations made at the end of the session (see the module docs).
    pub(super) fn session_end(&mut self) {
        self.commands_observation();
        self.open_items();
        self.next_steps_observation();
    }

    fn commands_observation(&mut self) {
        let commands: Vec<(EventId, String)> = self
            .out
            .project_commands
            .iter()
            .take(MAX_COMMANDS)
            .cloned()
            .collect();
        let Some((_, first)) = commands.first() else {
            return;
        };
        let shown: Vec<&str> = commands.iter().map(|(_, c)| c.as_str()).collect();
        let obs = NewObservation {
            kind: Some(ObservationKind::Discovery),
            title: shorten(&format!("Commands run: {}", shown.join("; ")), 100),
            subtitle: shorten(first, 160),
            narrative: format!(
                "Commands this session ran to build, test or run the project:\n{}",
                shown
                    .iter()
                    .map(|c| format!("- `{c}`"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            facts: shown.iter().map(|c| (*c).to_owned()).collect(),
            concepts: vec!["command".to_owned(), "how-it-works".to_owned()],
            source_event_ids: commands.iter().map(|(id, _)| *id).collect(),
            importance: Some(0.5),
            ..NewObservation::default()
        };
        self.draft(obs, false);
    }

    /// The items the session's last to-do list left pending or in progress.
    fn open_items(&mut self) {
        let Some((id, todos)) = self.out.todos.clone() else {
            return;
        };
        let open: Vec<String> = todos
            .iter()
            .filter(|(status, _)| status != "completed" && status != "cancelled")
            .map(|(status, item)| format!("{item} ({})", status.replace('_', " ")))
            .collect();
        let Some(first) = open.first() else {
            return;
        };
        let obs = NewObservation {
            kind: Some(ObservationKind::Discovery),
            title: shorten(&format!("Open item: {first}"), 100),
            narrative: format!(
                "Left open by the session's last to-do list:\n{}",
                open.iter()
                    .map(|i| format!("- {i}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            facts: open.clone(),
            concepts: vec!["open-item".to_owned()],
            source_event_ids: vec![id],
            importance: Some(0.6),
            ..NewObservation::default()
        };
        self.draft(obs, false);
    }

    /// The next steps the session's last answer (to a real request, not a slash command)
    /// named, whole.
    fn next_steps_observation(&mut self) {
        let Some(text) = self.out.last_assistant.clone() else {
            return;
        };
        let steps = next_step_items(self.rules, &text);
        let Some(first) = steps.first() else {
            return;
        };
        let obs = NewObservation {
            kind: Some(ObservationKind::Discovery),
            title: shorten(&format!("Next step: {}", without_label(first)), 100),
            narrative: steps.join("\n"),
            facts: steps.iter().skip(1).cloned().collect(),
            concepts: vec!["next-step".to_owned()],
            source_event_ids: self.last_assistant_id.into_iter().collect(),
            importance: Some(0.6),
            ..NewObservation::default()
        };
        self.draft(obs, false);
    }
}

/// A step without its own `Next step:` / `Next steps:` / `TODO:` label (the title adds one).
fn without_label(step: &str) -> &str {
    let trimmed = step.trim();
    for label in ["next steps:", "next step:", "todo:", "to do:"] {
        if let Some(rest) = trimmed
            .get(..label.len())
            .filter(|head| head.eq_ignore_ascii_case(label))
            .and_then(|_| trimmed.get(label.len()..))
        {
            return rest.trim_start();
        }
    }
    trimmed
}

#[cfg(test)]
mod label_tests {
    #[test]
    fn a_step_loses_its_own_label() {
        assert_eq!(super::without_label("Next step: add a test"), "add a test");
        assert_eq!(super::without_label("  TODO: ship it"), "ship it");
        assert_eq!(super::without_label("add a test"), "add a test");
    }
}
