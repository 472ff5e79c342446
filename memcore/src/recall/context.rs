//! [`Memory::context`]: the markdown a host injects at a session start or beside a prompt,
//! within a token budget counted by the crate's one estimator ([`crate::tokens::estimate`]).
//!
//! [`Memory::context`]: crate::Memory::context

use super::Recall;
use super::layers::RecallHit;
use super::search::{SearchMode, SearchRequest};
use crate::error::Result;
use crate::model::{ConversationRecord, EventId, Observation, ObservationId, Scope, Summary};
use crate::tokens::estimate;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::macros::format_description;

/// When the context is asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextPurpose {
    /// A session starts: the last summary and the most relevant observations (to the query,
    /// when one is given, such as the first prompt; else the newest and most important).
    #[default]
    SessionStart,
    /// A prompt arrives: only observations relevant enough to the prompt; nothing at all
    /// when none is.
    Prompt,
}

/// What [`Memory::context`](crate::Memory::context) renders.
///
/// ```
/// use memcore::{ContextRequest, Memory, NewObservation};
///
/// let dir = tempfile::tempdir()?;
/// let memory = Memory::open(dir.path().join("memory.db"))?;
/// memory.add_observation(NewObservation {
///     project: Some("app".into()),
///     title: "Tokens are signed with RS256".into(),
///     narrative: "HS256 was replaced so that services can verify without the secret.".into(),
///     files_modified: vec!["src/auth/token.rs".into()],
///     ..Default::default()
/// })?;
/// let context = memory.context(&ContextRequest::session_start("app").budget(300))?;
/// assert!(context.text.contains("RS256"));
/// assert!(context.tokens <= 300);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContextRequest {
    /// Session start or prompt.
    pub purpose: ContextPurpose,
    /// Where to look: one project or all of them. Required: a request without a scope fails
    /// with [`crate::Error::InvalidInput`] (memcore never guesses the project; a host resolves
    /// it at its boundary, with [`crate::resolve_project`] for instance).
    pub scope: Option<Scope>,
    /// What the context should be relevant to: the prompt, or at a session start an optional
    /// first prompt. Empty: none.
    pub query: String,
    /// Most tokens the text may cost; `None` is the configured default of the purpose
    /// ([`crate::recall::RecallConfig::session_budget`], 2,000, or
    /// [`crate::recall::RecallConfig::prompt_budget`], 800).
    pub budget: Option<u32>,
    /// Files the request is about; observations that touched them are boosted.
    pub files: Vec<String>,
    /// The session asking, whose own conversation a prompt context leaves out (it is in the
    /// agent's window already, and the prompt would find itself).
    pub session_id: Option<String>,
    /// The time recency is measured from; now when absent.
    #[serde(with = "time::serde::rfc3339::option")]
    pub now: Option<OffsetDateTime>,
}

impl Default for ContextRequest {
    fn default() -> Self {
        ContextRequest {
            purpose: ContextPurpose::SessionStart,
            scope: None,
            query: String::new(),
            budget: None,
            files: Vec::new(),
            session_id: None,
            now: None,
        }
    }
}

impl ContextRequest {
    /// The context of a session start in `project`.
    pub fn session_start(project: impl Into<String>) -> Self {
        ContextRequest {
            scope: Some(Scope::Project(project.into())),
            ..ContextRequest::default()
        }
    }

    /// The context of a prompt in `project`.
    pub fn prompt(project: impl Into<String>, prompt: impl Into<String>) -> Self {
        ContextRequest {
            purpose: ContextPurpose::Prompt,
            scope: Some(Scope::Project(project.into())),
            query: prompt.into(),
            ..ContextRequest::default()
        }
    }

    /// Makes the context relevant to `query`.
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.query = query.into();
        self
    }

    /// Caps the text at `tokens`.
    pub fn budget(mut self, tokens: u32) -> Self {
        self.budget = Some(tokens);
        self
    }

    /// Boosts observations that touched one of `files`.
    pub fn files<S: Into<String>>(mut self, files: impl IntoIterator<Item = S>) -> Self {
        self.files = files.into_iter().map(Into::into).collect();
        self
    }

    /// Measures recency from `now` instead of the clock.
    pub fn at(mut self, now: OffsetDateTime) -> Self {
        self.now = Some(now);
        self
    }

    /// Says which session asks (its own conversation is left out of a prompt context).
    pub fn session(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }
}

/// A rendered context.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// The markdown; empty when nothing was worth saying.
    pub text: String,
    /// Every observation the text mentions, in the order listed.
    pub observation_ids: Vec<ObservationId>,
    /// The observations rendered in full (a prefix of the best ones).
    pub detailed_ids: Vec<ObservationId>,
    /// Every conversation record the text mentions (prompt contexts only), in the order
    /// listed.
    pub record_ids: Vec<EventId>,
    /// The conversation records rendered in full.
    pub detailed_record_ids: Vec<EventId>,
    /// The open items listed first (session start): what the last sessions left unfinished
    /// or named as next.
    pub open_item_ids: Vec<ObservationId>,
    /// The session summary included, if any.
    pub summary_id: Option<i64>,
    /// The text's cost by [`crate::tokens::estimate`]; never above the budget.
    pub tokens: u32,
    /// The budget the text was held to.
    pub budget: u32,
}

/// Text pieces whose summed estimates stay within a budget. The estimator never counts a
/// concatenation above the sum of its parts, so the whole stays within it too.
struct Budget {
    limit: u32,
    used: u32,
}

impl Budget {
    fn left(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }

    /// Takes `cost` if it fits.
    fn take(&mut self, cost: u32) -> bool {
        if cost <= self.left() {
            self.used += cost;
            true
        } else {
            false
        }
    }
}

impl Recall<'_> {
    /// See [`Memory::context`](crate::Memory::context).
    pub(crate) fn context(&self, request: &ContextRequest) -> Result<Context> {
        let config = &self.state.config.recall;
        let budget = request.budget.unwrap_or(match request.purpose {
            ContextPurpose::SessionStart => config.session_budget,
            ContextPurpose::Prompt => config.prompt_budget,
        });
        let scope = super::required_scope(request.scope.as_ref(), "a context")?;
        let mut out = Context {
            budget,
            ..Context::default()
        };
        let limit = config.context_index_limit.max(config.context_detail_limit);
        if limit == 0 || budget == 0 {
            return Ok(out);
        }
        let search = SearchRequest {
            query: request.query.clone(),
            scope: Some(scope.clone()),
            files: request.files.clone(),
            mode: SearchMode::Fused,
            limit,
            now: request.now,
            ..SearchRequest::default()
        };
        let hits: Vec<RecallHit> = match request.purpose {
            ContextPurpose::Prompt => {
                // A prompt without a word to search for has nothing relevant to it.
                if crate::store::match_expression(&request.query).is_none() {
                    return Ok(out);
                }
                self.relevant_excluding(&search, request.session_id.as_deref())?
            }
            ContextPurpose::SessionStart => {
                let mut hits = self.search(&search)?;
                if hits.len() < limit && !request.query.trim().is_empty() {
                    let recent = self.search(&SearchRequest {
                        query: String::new(),
                        ..search.clone()
                    })?;
                    for hit in recent {
                        if hits.len() >= limit {
                            break;
                        }
                        if !hits.iter().any(|h| h.id == hit.id) {
                            hits.push(hit);
                        }
                    }
                }
                if request.query.trim().is_empty() {
                    // Without a prompt to be relevant to: decisions and causes first, the
                    // rest after, exploration last; the ranking's order within each group.
                    hits.sort_by_key(|h| session_start_group(&h.observation));
                }
                hits.into_iter().map(RecallHit::Observation).collect()
            }
        };
        let open_items = match request.purpose {
            ContextPurpose::SessionStart => self.open_items(&scope)?,
            ContextPurpose::Prompt => Vec::new(),
        };
        let hits: Vec<RecallHit> = hits
            .into_iter()
            .filter(|h| match h {
                RecallHit::Observation(o) => !open_items.iter().any(|i| i.id == o.id),
                RecallHit::Conversation(_) => true,
            })
            .collect();
        let summary = match request.purpose {
            ContextPurpose::SessionStart => self.state.latest_summary(&scope)?,
            ContextPurpose::Prompt => None,
        };
        if hits.is_empty() && summary.is_none() && open_items.is_empty() {
            return Ok(out);
        }

        let mut budget_left = Budget {
            limit: budget,
            used: 0,
        };
        let project = scope.project().unwrap_or("all projects");
        let header = match request.purpose {
            ContextPurpose::SessionStart => format!("# Memory of {project}\n\n"),
            ContextPurpose::Prompt => format!("# Memory of {project} related to this prompt\n\n"),
        };
        let footer = match request.purpose {
            ContextPurpose::SessionStart => {
                "Each observation's full record is available by its id.\n"
            }
            ContextPurpose::Prompt => {
                "Each memory's full record is available by its id (c: a record of a past conversation).\n"
            }
        };
        if !budget_left.take(estimate(&header) + estimate(footer)) {
            return Ok(out);
        }

        // Open items lead, within a quarter of the budget.
        let mut open_text = String::new();
        if !open_items.is_empty() {
            let head = "## Open items from the last sessions\n\n";
            let cap = budget_left.left().min(budget / 4);
            let mut used = estimate(head);
            let mut lines = String::new();
            for item in &open_items {
                let line = open_item_line(item);
                let cost = estimate(&line);
                if used + cost > cap {
                    break;
                }
                used += cost;
                lines.push_str(&line);
                out.open_item_ids.push(item.id);
            }
            if !lines.is_empty() && budget_left.take(estimate(head) + estimate(&lines) + 1) {
                open_text = format!("{head}{lines}\n");
            } else {
                out.open_item_ids.clear();
            }
        }

        // The summary may use up to 40% of the budget, dropping its least useful fields.
        let mut summary_text = String::new();
        if let Some(summary) = &summary {
            let cap = budget_left.left().min(budget * 2 / 5);
            if let Some(text) = render_summary(summary, cap) {
                budget_left.take(estimate(&text));
                summary_text = text;
                out.summary_id = Some(summary.id);
            }
        }

        // The index takes up to half of what is left (a fifth for a prompt), then the details fill the rest, then
        // the index grows into whatever the details left.
        let index_head = match request.purpose {
            ContextPurpose::SessionStart => {
                format!("## Observations, most relevant first\n\n{INDEX_HEADER}")
            }
            ContextPurpose::Prompt => format!("## Memories, most relevant first\n\n{INDEX_HEADER}"),
        };
        let index_head_cost = estimate(&index_head);
        let detail_head = "## Details\n\n";
        let detail_head_cost = estimate(detail_head);
        let index_limit = config.context_index_limit.min(hits.len());
        // A teammate's observation says whose it is (records that came through sync).
        let observation_ids: Vec<ObservationId> = hits
            .iter()
            .filter_map(|h| match h {
                RecallHit::Observation(h) => Some(h.id),
                RecallHit::Conversation(_) => None,
            })
            .collect();
        let authors = self.state.store.teammate_authors(&observation_ids)?;
        let rows: Vec<String> = hits
            .iter()
            .map(|hit| match hit {
                RecallHit::Observation(h) => recall_index_row_by(hit, authors.get(&h.id)),
                RecallHit::Conversation(_) => recall_index_row(hit),
            })
            .collect();
        let mut index_rows = 0usize;
        let mut index_open = false;
        // A prompt's context is read for its answer: its index starts smaller, so that the
        // details of the best hits fit.
        let half = match request.purpose {
            ContextPurpose::SessionStart => budget_left.left() / 2,
            ContextPurpose::Prompt => budget_left.left() / 5,
        };
        let mut index_used = 0u32;
        if index_limit > 0 && budget_left.take(index_head_cost) {
            index_open = true;
            index_used += index_head_cost;
            while index_rows < index_limit {
                let cost = estimate(&rows[index_rows]);
                if index_used + cost > half || !budget_left.take(cost) {
                    break;
                }
                index_used += cost;
                index_rows += 1;
            }
        }
        let mut details: Vec<String> = Vec::new();
        let detail_limit = config.context_detail_limit.min(hits.len());
        if detail_limit > 0 && budget_left.take(detail_head_cost) {
            for (position, hit) in hits.iter().enumerate().take(detail_limit) {
                // A detailed observation must also be in the index.
                let extra_rows: u32 = rows
                    .iter()
                    .take(position + 1)
                    .skip(index_rows)
                    .map(|r| estimate(r))
                    .sum();
                let text = match hit {
                    RecallHit::Observation(h) => detail(&h.observation, authors.get(&h.id)),
                    RecallHit::Conversation(h) => record_detail(
                        h,
                        &request.query,
                        if details.is_empty() {
                            FIRST_RECORD_DETAIL_CHARS
                        } else {
                            RECORD_DETAIL_CHARS
                        },
                    ),
                };
                let cost = estimate(&text);
                if !index_open {
                    break;
                }
                if !budget_left.take(cost + extra_rows) {
                    // Too long for what is left; a shorter one further down may fit.
                    continue;
                }
                index_rows = index_rows.max(position + 1);
                details.push(text);
                match hit {
                    RecallHit::Observation(h) => out.detailed_ids.push(h.id),
                    RecallHit::Conversation(h) => out.detailed_record_ids.push(h.id),
                }
            }
            if details.is_empty() {
                budget_left.used -= detail_head_cost;
            }
        }
        while index_open && index_rows < index_limit {
            if !budget_left.take(estimate(&rows[index_rows])) {
                break;
            }
            index_rows += 1;
        }
        if index_rows == 0 {
            index_open = false;
        }
        if summary_text.is_empty() && index_rows == 0 && open_text.is_empty() {
            return Ok(out);
        }

        let mut text = header;
        text.push_str(&open_text);
        text.push_str(&summary_text);
        if index_open {
            text.push_str(&index_head);
            for row in rows.iter().take(index_rows) {
                text.push_str(row);
            }
            text.push('\n');
            for hit in hits.iter().take(index_rows) {
                match hit {
                    RecallHit::Observation(h) => out.observation_ids.push(h.id),
                    RecallHit::Conversation(h) => out.record_ids.push(h.id),
                }
            }
        }
        if !details.is_empty() {
            text.push_str(detail_head);
            for d in &details {
                text.push_str(d);
            }
        }
        text.push_str(footer);
        out.tokens = estimate(&text);
        debug_assert!(out.tokens <= budget, "{} > {budget}", out.tokens);
        if out.tokens > budget {
            // Cannot happen (see `Budget`); never hand over more than was asked for.
            return Ok(Context {
                budget,
                ..Context::default()
            });
        }
        out.text = text;
        Ok(out)
    }
}

/// Most words of one summary field in a context; the summary is a pointer, not the record.
const SUMMARY_FIELD_WORDS: usize = 80;

/// The first `n` words of a text on one line, with `...` when cut.
fn first_words(text: &str, n: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut line = words[..words.len().min(n)].join(" ").replace('|', "\\|");
    if words.len() > n {
        line.push_str(" ...");
    }
    line
}

fn date(t: OffsetDateTime) -> String {
    t.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// One line of text: newlines and table separators made harmless.
fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// The header of the observation index: a markdown table whose rows are [`index_row`]s.
pub const INDEX_HEADER: &str = "| id | date | kind | title | tokens |\n|---|---|---|---|---|\n";

/// One row of the observation index, with its newline: id, creation date, kind, title on one
/// line (cut at 100 characters), and what the full observation costs in tokens. The context's
/// index and any host that lists observations compactly (the `memcore mcp` search tool) use
/// this one format, so that a model learns it once.
///
/// ```
/// use memcore::recall::{INDEX_HEADER, index_row};
/// use memcore::{Memory, NewObservation};
///
/// let dir = tempfile::tempdir()?;
/// let memory = Memory::open(dir.path().join("memory.db"))?;
/// let added = memory.add_observation(NewObservation {
///     project: Some("app".into()),
///     title: "Tokens are signed | verified with RS256".into(),
///     ..Default::default()
/// })?;
/// let obs = &memory.get(&[added.id])?[0];
/// let row = index_row(obs);
/// assert!(row.starts_with(&format!("| {} | ", added.id)));
/// assert!(row.contains("| change | Tokens are signed \\| verified with RS256 |"));
/// assert_eq!(INDEX_HEADER.lines().count(), 2);
///
/// let long = memory.add_observation(NewObservation {
///     project: Some("app".into()),
///     title: "word ".repeat(60),
///     ..Default::default()
/// })?;
/// let row = index_row(&memory.get(&[long.id])?[0]);
/// assert!(row.contains("word word…"));
/// assert!(row.chars().count() < 150);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn index_row(obs: &Observation) -> String {
    index_row_by(obs, None)
}

/// [`index_row`] of a teammate's observation: its title says whose it is.
fn index_row_by(obs: &Observation, author: Option<&String>) -> String {
    let title = clipped(&one_line(&obs.title), INDEX_TITLE_CHARS);
    format!(
        "| {} | {} | {} | {} | {} |\n",
        obs.id,
        date(obs.created_at),
        obs.kind,
        match author {
            Some(a) => format!("{title} (by {})", one_line(a).replace('|', "/")),
            None => title,
        },
        obs.token_count
    )
}

/// The index row of a conversation record, in the same table as observations: `c` and its id,
/// date, what it is (`prompt`, `assistant`, a tool's name), its text on one line (cut at
/// 100 characters, as an observation's title), and its cost in tokens.
pub fn record_index_row(record: &ConversationRecord) -> String {
    format!(
        "| {} | {} | {} | {} | {} |\n",
        record.reference(),
        date(record.occurred_at),
        record.label(),
        clipped(&one_line(&record.text), INDEX_TITLE_CHARS).replace('|', "/"),
        estimate(&record.text)
    )
}

/// The index row of a hit of either layer.
pub fn recall_index_row(hit: &RecallHit) -> String {
    recall_index_row_by(hit, None)
}

/// [`recall_index_row`] with the author of a teammate's observation in its title
/// ([`crate::Memory::teammate_authors`]).
pub fn recall_index_row_by(hit: &RecallHit, author: Option<&String>) -> String {
    match hit {
        RecallHit::Observation(h) => index_row_by(&h.observation, author),
        RecallHit::Conversation(h) => record_index_row(&h.record),
    }
}

/// Most characters of a title in an index row: a row is a pointer, and a title an extractor
/// made too long must not make the index expensive.
const INDEX_TITLE_CHARS: usize = 100;

/// `text` cut to `max` characters, with `…` when cut.
fn clipped(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", text[..end].trim_end()),
    }
}

fn detail(obs: &Observation, author: Option<&String>) -> String {
    let by = author.map_or(String::new(), |a| format!(", by {}", one_line(a)));
    let mut text = format!(
        "### #{} {}: {} ({}{by})\n\n",
        obs.id,
        obs.kind,
        one_line(&obs.title),
        date(obs.created_at)
    );
    if obs.superseded_by.is_some() {
        text.push_str("A newer observation supersedes this one.\n");
    }
    let (subtitle, narrative) = (obs.subtitle.trim(), obs.narrative.trim());
    // Extractors often open the narrative with the subtitle; say it once.
    if !subtitle.is_empty() && !narrative.contains(subtitle) {
        text.push_str(subtitle);
        text.push('\n');
    }
    if !narrative.is_empty() {
        text.push_str(narrative);
        text.push('\n');
    }
    // A fact the narrative already states is said once.
    for fact in obs.facts.iter().filter(|f| !narrative.contains(f.trim())) {
        text.push_str("- ");
        text.push_str(&one_line(fact));
        text.push('\n');
    }
    if !obs.files_modified.is_empty() {
        text.push_str(&format!(
            "Files modified: {}\n",
            obs.files_modified.join(", ")
        ));
    }
    if !obs.files_read.is_empty() {
        text.push_str(&format!("Files read: {}\n", obs.files_read.join(", ")));
    }
    text.push('\n');
    text
}

/// Concepts an extractor gives what a session left open or named as next.
const OPEN_ITEM_CONCEPTS: [&str; 2] = ["open-item", "next-step"];
/// Most open items a session-start context lists.
const OPEN_ITEMS: usize = 6;
/// How many of a project's newest observations are searched for open items: the last few
/// sessions' worth.
const OPEN_ITEM_WINDOW: usize = 400;

impl Recall<'_> {
    /// The project's open items, newest first: observations of its last sessions (the newest
    /// [`OPEN_ITEM_WINDOW`] observations) tagged `open-item` or `next-step` that nothing
    /// supersedes.
    fn open_items(&self, scope: &Scope) -> Result<Vec<Observation>> {
        let Some(project) = scope.project() else {
            return Ok(Vec::new());
        };
        let mut ids = self.state.store.recent_with_concepts(
            project,
            &OPEN_ITEM_CONCEPTS,
            OPEN_ITEM_WINDOW,
        )?;
        ids.truncate(OPEN_ITEMS);
        let mut items = self.state.store.observations_by_id(&ids)?;
        items.sort_by_key(|o| ids.iter().position(|id| *id == o.id));
        Ok(items)
    }
}

/// One open item on one line: id, date, title, and the subtitle when it says more.
fn open_item_line(obs: &Observation) -> String {
    let title = one_line(&obs.title);
    let subtitle = one_line(&obs.subtitle);
    let text = if subtitle.is_empty() || title.contains(&subtitle) {
        title
    } else {
        format!("{title}: {subtitle}")
    };
    format!(
        "- #{} ({}) {}\n",
        obs.id,
        date(obs.created_at),
        clipped(&text, 240)
    )
}

/// The order of a session start without a prompt: decisions, fixes and causes (0), the rest
/// (1), exploration (2).
fn session_start_group(obs: &Observation) -> u8 {
    let has = |c: &str| obs.concepts.iter().any(|x| x == c);
    if has("exploration") {
        2
    } else if matches!(obs.kind.as_str(), "decision" | "bugfix") || has("root-cause") {
        0
    } else {
        1
    }
}

/// Most characters of a conversation record's text in a context's details; the first detail,
/// the best match, may take more.
const RECORD_DETAIL_CHARS: usize = 600;
const FIRST_RECORD_DETAIL_CHARS: usize = 1400;

/// A conversation record in full, for a context: a heading like an observation's, the part of
/// its text that speaks to the query (at most `max` characters), and the neighbour that
/// situates it.
fn record_detail(hit: &super::layers::ConversationHit, query: &str, max: usize) -> String {
    let record = &hit.record;
    let mut text = format!(
        "### {} {} ({}, session {})\n\n",
        record.reference(),
        record.label(),
        date(record.occurred_at),
        short_session(&record.session_id)
    );
    text.push_str(&crate::text::passage(&record.text, query, max));
    text.push('\n');
    for context in &hit.context {
        let lead = if context.event_id < record.event_id {
            "Before"
        } else {
            "Then"
        };
        text.push_str(&format!(
            "{lead} ({}): {}\n",
            context.label(),
            crate::text::passage(&context.text, query, RECORD_DETAIL_CHARS / 2)
        ));
    }
    text.push('\n');
    text
}

/// A session id as a person reads it: whole when short, else its first 8 characters (a UUID's
/// first group).
fn short_session(id: &str) -> String {
    if id.chars().count() <= 12 {
        id.to_owned()
    } else {
        id.chars().take(8).collect()
    }
}

/// The summary section within `cap` tokens: fields in order of use, the last ones dropped
/// until it fits; `None` when not even the first fits.
fn render_summary(summary: &Summary, cap: u32) -> Option<String> {
    let s = &summary.content;
    let fields = [
        ("Request", &s.request),
        ("Completed", &s.completed),
        ("Learned", &s.learned),
        ("Next steps", &s.next_steps),
        ("Investigated", &s.investigated),
        ("Notes", &s.notes),
    ];
    let present: Vec<(&str, &String)> = fields
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let head = format!(
        "## Last session ({}, {})\n\n",
        date(summary.created_at),
        one_line(&summary.session_id)
    );
    for n in (1..=present.len()).rev() {
        let mut text = head.clone();
        for (label, value) in present.iter().take(n) {
            text.push_str(&format!(
                "- {label}: {}\n",
                first_words(value, SUMMARY_FIELD_WORDS)
            ));
        }
        text.push('\n');
        if estimate(&text) <= cap {
            return Some(text);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_fields_are_cut_at_a_word_limit() {
        assert_eq!(first_words("a  b\nc", 5), "a b c");
        assert_eq!(first_words("a b c d", 2), "a b ...");
        assert_eq!(first_words("x | y", 5), "x \\| y");
        assert_eq!(first_words("", 3), "");
    }

    #[test]
    fn table_cells_stay_on_one_line() {
        assert_eq!(one_line("a\n|b|  c"), "a \\|b\\| c");
    }

    #[test]
    fn the_budget_takes_only_what_fits() {
        let mut b = Budget { limit: 10, used: 0 };
        assert!(b.take(6));
        assert!(!b.take(5));
        assert!(b.take(4));
        assert_eq!(b.left(), 0);
    }
}
