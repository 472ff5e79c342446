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
//! - **Reasons are kept whole** (`reasons.rs`): an assistant message that states a decision
//!   ("X instead of Y because..."), a cause ("the problem was...", "turns out..."), a
//!   constraint or an outcome (a pull request, a commit) becomes a `decision` or a `discovery`
//!   tagged `root-cause`, `gotcha` or `what-changed`, whose narrative keeps the paragraphs that
//!   say it, never cut mid-sentence. A plan handed over in a prompt gives its context and its
//!   design decisions the same way. A decision that takes back an earlier one supersedes it
//!   (linked by the driver, see [`reverses`]).
//! - **A fix is credited to the edits after the last failed or hung attempt**: a run that timed
//!   out is one more failed attempt, never the passing run; look-around commands (`git diff`,
//!   `ls`) run meanwhile are not part of the fix.
//! - **What a session leaves** (`leaves.rs`): the commands that build, test or run the project,
//!   verbatim (`command`); the items its last to-do list left open (`open-item`); the next
//!   steps its last answer to a real request named (`next-step`; a slash command's reply does
//!   not count). Reads that only looked around are tagged `exploration`.
//! - **Noise is skipped**: bookkeeping tools (`TodoWrite` only feeds the open items), trivial shell commands
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

mod analyzer;
mod classify;
mod edits;
mod leaves;
mod notes;
mod output;
mod paths;
mod prose;
mod reasons;
mod rules;
mod shell;
mod summary;
#[cfg(test)]
mod tests;

use crate::model::{Event, EventId, EventPayload, NewObservation, NewSummary, ObservationKind};
use crate::text::{self, capitalize, first_paragraph, lowercase_first, sentences, shorten};
use crate::tools::{self, ToolAction};
use analyzer::*;
use classify::*;
use edits::*;
use output::*;
use paths::*;
use prose::*;
use reasons::*;

pub use reasons::reverses;
use regex::Regex;
use rules::*;
use serde_json::Value;
use shell::*;
use std::collections::{BTreeMap, BTreeSet};
use summary::*;
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
