//! What the user notes and what sub-agents report.

use super::*;

impl Analyzer<'_> {
    pub(super) fn note(&mut self, id: EventId, text: &str) {
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
            .and_then(|l| sentences(l).into_iter().next())
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

    pub(super) fn delegate(&mut self, id: EventId, d: &Delegation) {
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
            title: title.clone(),
            subtitle: sentences.first().cloned().unwrap_or_default(),
            narrative: if sentences.is_empty() {
                format!("A subagent was asked to {}.", d.description.to_lowercase())
            } else {
                shorten(&sentences.join(" "), 500)
            },
            facts,
            concepts: if READ_VERBS.iter().any(|(_, past)| title.starts_with(past)) {
                vec!["how-it-works".into(), "exploration".into()]
            } else {
                vec!["how-it-works".into()]
            },
            files_read,
            source_event_ids: vec![id],
            importance: Some(0.45),
            ..NewObservation::default()
        };
        self.draft(obs, false);
    }
}
