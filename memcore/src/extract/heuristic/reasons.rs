//! Reasons in prose: the sentences of an assistant message or a plan that state a decision
//! and its reason, the cause of a failure, or a constraint. They are kept whole: a later
//! session asking "why" needs the sentence that says it, not a title cut with `…`.

use super::*;

/// What a sentence states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Reason {
    /// A choice, with its reason or the alternative given up.
    Decision,
    /// Why something failed or behaved as it did.
    Cause,
    /// A constraint or trap ("must", "never", "only").
    Gotcha,
    /// What came of the work: a pull request, a commit, a message to use.
    Outcome,
}

/// Phrases that state a choice or why one was made.
#[rustfmt::skip]
const DECISION_MARKERS: &[&str] = &[
    "instead of", "rather than", "decided", "i'll use", "we'll use", "i'll go with",
    "let's go with", "going with", "went with", "chose ", "i chose", "opted", "we prefer",
    "better to", "don't want", "do not want", "so that", "in order to", "the reason",
    "that way", "to avoid", "trade-off", "tradeoff", "unnecessary", "no need", "not needed",
    "simplest", "straightforward", "i kept", "we kept", "i'll keep", "we'll keep",
    "switch to", "switched to", "switch back", "revert", "back out", "backed out",
    "we can't", "we cannot", "can't use", "keep it", "drop the", "the approach",
    "the plan is", "i'll make", "is designed", "by design", "on purpose", "deliberately",
];

/// Phrases that state a cause.
#[rustfmt::skip]
const CAUSE_MARKERS: &[&str] = &[
    "because", "caused by", "the cause", "root cause", "the problem is", "the problem was",
    "the issue is", "the issue was", "the bug is", "the bug was", "turns out", "that's why",
    "which is why", "this is why", "due to", "which means", "that means", ", so ",
    "the culprit", "the reason", "mismatch", "that's the", "explains", "since the",
    "why ", "doesn't recognize", "does not recognize", "not supported", "isn't supported",
    "fails when", "fails because", "broke ", "breaks ", "will fail", "would fail",
    "issue —", "problem —", "issue -", "is missing", "was missing", "were missing", "missing a ",
    "missing the ", "should be", "should just", "the fix",
    "fix:", "fix (",
];

/// Phrases that report what came of the work.
#[rustfmt::skip]
const OUTCOME_MARKERS: &[&str] = &[
    "/pull/", "pr #", "pull request", "suggested message", "commit message", "committed as",
    "pushed to", "merged into", "released as", "opened pr", "pr created", "commit —",
    "commit:", "in the body", "ready for your pr", "ready to merge",
];

/// Phrases that state a constraint.
#[rustfmt::skip]
const GOTCHA_MARKERS: &[&str] = &[
    "must ", "never ", "only ever", "always ", "can't ", "cannot ", "won't ", "doesn't ",
    "does not ", "isn't ", "is not ", "don't ", "requires ", "has to ", "needs to ",
    "careful", "beware", "gotcha", "watch out", "note that", "already ",
];

/// What a lower-case sentence states, if anything worth keeping.
pub(super) fn reason_of(lower: &str) -> Option<Reason> {
    let has = |markers: &[&str]| markers.iter().any(|m| lower.contains(m));
    if has(DECISION_MARKERS) {
        Some(Reason::Decision)
    } else if has(CAUSE_MARKERS) {
        Some(Reason::Cause)
    } else if has(GOTCHA_MARKERS) {
        Some(Reason::Gotcha)
    } else if has(OUTCOME_MARKERS) {
        Some(Reason::Outcome)
    } else {
        None
    }
}

/// The prose paragraphs of markdown, verbatim but for list markers and bold marks: no code
/// blocks, tables, headings or rules. Inline code is kept (it often is the answer).
pub(super) fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code || t.is_empty() || t.starts_with(['#', '|']) || t.starts_with("---") {
            continue;
        }
        let t = t
            .strip_prefix("- ")
            .or_else(|| t.strip_prefix("* "))
            .or_else(|| t.strip_prefix("> "))
            .unwrap_or(t);
        let t = match t.split_once(". ") {
            Some((n, rest)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => rest,
            _ => t,
        };
        let t = t.replace("**", "");
        if !t.trim().is_empty() {
            out.push(t.trim().to_owned());
        }
    }
    out
}

/// The reasons one message states.
#[derive(Debug, Clone)]
pub(super) struct Reasoning {
    /// What the strongest sentence states.
    pub(super) reason: Reason,
    /// The sentences that state a reason, whole, in order.
    pub(super) key: Vec<String>,
    /// The paragraphs that hold them, whole (or only the key sentences when the paragraphs
    /// are too long).
    pub(super) narrative: String,
}

/// The most a reasoning narrative keeps of whole paragraphs; past it, only key sentences.
const NARRATIVE_CHARS: usize = 1600;

/// The reasons `text` states: sentences with a decision or cause marker, or (in a message
/// that explains, not one announcing the next step) constraints.
pub(super) fn reasoning(text: &str) -> Option<Reasoning> {
    let text = text::strip_host_tags(text);
    let paras = paragraphs(&text);
    let all: Vec<Vec<String>> = paras.iter().map(|p| sentences(p)).collect();
    let count: usize = all.iter().map(Vec::len).sum();
    let explains = count >= 2 && text.len() >= 120;
    let mut best: Option<Reason> = None;
    let mut key: Vec<String> = Vec::new();
    let mut keep: Vec<usize> = Vec::new();
    for (i, sents) in all.iter().enumerate() {
        for s in sents {
            let lower = s.to_lowercase();
            if lower.starts_with("let me ") || lower.ends_with('?') || s.chars().count() < 20 {
                continue;
            }
            let Some(reason) = reason_of(&lower) else {
                continue;
            };
            if reason == Reason::Gotcha && !explains {
                continue;
            }
            best = Some(best.map_or(reason, |b| b.min(reason)));
            key.push(s.clone());
            if !keep.contains(&i) {
                keep.push(i);
            }
        }
    }
    let reason = best?;
    let whole: Vec<&str> = keep.iter().map(|&i| paras[i].as_str()).collect();
    let whole = whole.join("\n");
    let narrative = if whole.chars().count() <= NARRATIVE_CHARS {
        whole
    } else {
        let mut out = String::new();
        for s in &key {
            if !out.is_empty() && out.chars().count() + s.chars().count() > NARRATIVE_CHARS {
                break;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(s);
        }
        out
    };
    Some(Reasoning {
        reason,
        key,
        narrative,
    })
}

/// A plan the user hands over ("Implement the following plan: # Plan: ..."): its title and
/// its sections, by heading.
pub(super) struct Plan {
    pub(super) title: String,
    pub(super) sections: Vec<(String, String)>,
}

/// The plan in a prompt, when the prompt is one: a long markdown text with headings.
pub(super) fn plan_of(text: &str) -> Option<Plan> {
    let text = text::strip_host_tags(text);
    if text.len() < 300 || !text.lines().any(|l| l.trim_start().starts_with("## ")) {
        return None;
    }
    let mut title = String::new();
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && t.starts_with('#') {
            let heading = t.trim_start_matches('#').trim().replace("**", "");
            if title.is_empty() && t.starts_with("# ") {
                title = heading
                    .trim_start_matches("Plan:")
                    .trim_start_matches("Plan -")
                    .trim()
                    .to_owned();
            } else {
                sections.push((heading, String::new()));
            }
            continue;
        }
        if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    if title.is_empty() {
        title = paragraphs(&text)
            .into_iter()
            .find(|p| !p.to_lowercase().starts_with("implement the following plan"))
            .map(|p| text::first_sentence(&p))
            .unwrap_or_default();
    }
    Some(Plan { title, sections })
}

/// Headings of plan sections that say why: the problem, its cause, the context.
const WHY_HEADINGS: &[&str] = &[
    "context",
    "problem",
    "background",
    "root cause",
    "cause",
    "why",
    "motivation",
    "issue",
];
/// Headings of plan sections that state decisions.
const DECISION_HEADINGS: &[&str] = &[
    "decision",
    "design",
    "approach",
    "trade-off",
    "tradeoff",
    "rationale",
    "alternative",
    "constraint",
];

impl Analyzer<'_> {
    /// The reasons an assistant message states become one observation: a `decision`, or a
    /// `discovery` tagged `root-cause` or `gotcha`, whose narrative keeps the sentences whole.
    pub(super) fn assistant_reasons(&mut self, id: EventId, text: &str) {
        let Some(r) = reasoning(text) else {
            return;
        };
        let Some(first) = r.key.first() else {
            return;
        };
        let (kind, concepts, importance) = match r.reason {
            Reason::Decision => {
                let mut c = vec!["why-it-exists".to_owned()];
                let lower = r.narrative.to_lowercase();
                if ["instead of", "rather than", "trade-off", "tradeoff"]
                    .iter()
                    .any(|m| lower.contains(m))
                {
                    c.push("trade-off".to_owned());
                }
                (ObservationKind::Decision, c, 0.8)
            }
            Reason::Cause => (
                ObservationKind::Discovery,
                vec!["root-cause".to_owned(), "problem-solution".to_owned()],
                0.75,
            ),
            Reason::Gotcha => (ObservationKind::Discovery, vec!["gotcha".to_owned()], 0.6),
            Reason::Outcome => (
                ObservationKind::Discovery,
                vec!["what-changed".to_owned()],
                0.5,
            ),
        };
        let root = self.classifier.root.clone();
        let obs = NewObservation {
            kind: Some(kind),
            title: shorten(first.trim_end_matches(['.', ':']), 100),
            narrative: relativize_text(&r.narrative, root.as_deref()),
            facts: r.key.iter().skip(1).take(6).cloned().collect(),
            concepts,
            source_event_ids: vec![id],
            importance: Some(importance),
            ..NewObservation::default()
        };
        self.draft(obs, false);
    }

    /// A plan handed over in a prompt: its "why" sections (context, problem) become a
    /// `discovery` tagged `root-cause`, its decision sections a `decision`, both whole.
    pub(super) fn plan(&mut self, id: EventId, text: &str) {
        let Some(plan) = plan_of(text) else {
            return;
        };
        let heading_is = |heading: &str, words: &[&str]| {
            let h = heading.to_lowercase();
            words.iter().any(|w| h.contains(w))
        };
        for (words, kind, concept, what) in [
            (
                WHY_HEADINGS,
                ObservationKind::Discovery,
                "root-cause",
                "Why",
            ),
            (
                DECISION_HEADINGS,
                ObservationKind::Decision,
                "why-it-exists",
                "Decisions",
            ),
        ] {
            let bodies: Vec<String> = plan
                .sections
                .iter()
                .filter(|(h, _)| heading_is(h, words))
                .map(|(_, body)| paragraphs(body).join("\n"))
                .filter(|b| !b.trim().is_empty())
                .collect();
            if bodies.is_empty() {
                continue;
            }
            let narrative = whole_paragraphs(&bodies.join("\n"), PLAN_CHARS);
            let title = if plan.title.is_empty() {
                shorten(&text::first_sentence(&narrative), 100)
            } else {
                shorten(&format!("{what}: {}", plan.title), 100)
            };
            let obs = NewObservation {
                kind: Some(kind),
                title,
                narrative,
                concepts: vec![concept.to_owned()],
                source_event_ids: vec![id],
                importance: Some(0.75),
                ..NewObservation::default()
            };
            self.draft(obs, false);
        }
        // The rest of the plan (its steps) may state reasons too.
        let rest: Vec<&str> = plan
            .sections
            .iter()
            .filter(|(h, _)| !heading_is(h, WHY_HEADINGS) && !heading_is(h, DECISION_HEADINGS))
            .map(|(_, body)| body.as_str())
            .collect();
        if let Some(r) = reasoning(&rest.join("\n")) {
            let obs = NewObservation {
                kind: Some(ObservationKind::Decision),
                title: shorten(&format!("Plan: {}", plan.title), 100),
                narrative: r.narrative,
                facts: r.key.into_iter().take(6).collect(),
                concepts: vec!["why-it-exists".to_owned()],
                source_event_ids: vec![id],
                importance: Some(0.6),
                ..NewObservation::default()
            };
            self.draft(obs, false);
        }
    }
}

/// The most a plan section's observation keeps, in whole paragraphs.
const PLAN_CHARS: usize = 3000;

/// The first lines of `text` that fit in `max` characters, whole (at least the first).
pub(super) fn whole_paragraphs(text: &str, max: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if !out.is_empty() && out.chars().count() + line.chars().count() >= max {
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// Phrases by which a decision takes back an earlier one.
#[rustfmt::skip]
const REVERSAL_MARKERS: &[&str] = &[
    "instead of", "rather than", "switch back", "switched back", "revert", "back out",
    "backed out", "no longer", "after all", "changed my mind", "on second thought",
    "go back to", "went back to", "undo ", "drop the", "replace the", "not use",
    "stop using", "won't use", "don't use",
];

/// The distinctive words of a text: lower-case, four letters or more, no stop words, no
/// reversal vocabulary.
fn distinctive_words(text: &str) -> BTreeSet<String> {
    text::words(text)
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 4 && !text::is_stop_word(w))
        .filter(|w| {
            !["instead", "rather", "revert", "back", "switch", "longer"].contains(&w.as_str())
        })
        .collect()
}

/// Whether the decision `newer` takes back the decision `older`: it says so ("instead of",
/// "revert", "no longer"...) and is about the same thing (they share two distinctive words
/// or more).
pub fn reverses(newer: &str, older: &str) -> bool {
    let lower = newer.to_lowercase();
    if !REVERSAL_MARKERS.iter().any(|m| lower.contains(m)) {
        return false;
    }
    let shared = distinctive_words(newer)
        .intersection(&distinctive_words(older))
        .count();
    shared >= 2
}
