//! Recall: search (full text and vectors fused into one explained score), the context a
//! host injects at a session start or beside a prompt, and the timeline around a memory.

use super::error::MemcoreError;
use super::memory::Memory;
use crate::records::{Context, SearchHit, Timeline, to_time, to_usize};
use std::time::SystemTime;

/// Where a search or a context looks: `project`, or every project with `all_projects`. One
/// of the two is required: memcore does not guess the project from the working directory.
fn request_scope(
    project: Option<String>,
    all_projects: bool,
) -> Result<Option<memcore::Scope>, MemcoreError> {
    match (project, all_projects) {
        (Some(_), true) => Err(MemcoreError::invalid(
            "give either a project or all_projects, not both",
        )),
        (Some(name), false) if name.trim().is_empty() => {
            Err(MemcoreError::invalid("project must not be empty"))
        }
        (Some(name), false) => Ok(Some(memcore::Scope::Project(name.trim().to_owned()))),
        (None, true) => Ok(Some(memcore::Scope::All)),
        (None, false) => Err(MemcoreError::invalid(
            "a search or context request must name a project, or set all_projects to look in \
             every project",
        )),
    }
}

/// Which signals a search uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Enum)]
pub enum SearchMode {
    /// Full text and vectors, fused (vectors only when an embedder is set).
    #[default]
    Fused,
    /// Full text (BM25) only.
    Lexical,
    /// Vectors only; finds nothing without an embedder.
    Vector,
}

/// What a search may return; every condition must hold. Empty lists filter nothing.
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct SearchFilter {
    /// Only these kinds.
    #[uniffi(default)]
    pub kinds: Vec<String>,
    /// Only observations that read or modified one of these files (`token.rs` matches
    /// `src/auth/token.rs`).
    #[uniffi(default)]
    pub files: Vec<String>,
    /// Only observations tagged with one of these concepts.
    #[uniffi(default)]
    pub concepts: Vec<String>,
    /// Only observations of this session.
    #[uniffi(default)]
    pub session_id: Option<String>,
    /// Only observations made at or after this time.
    #[uniffi(default)]
    pub since: Option<SystemTime>,
    /// Only observations made before this time.
    #[uniffi(default)]
    pub until: Option<SystemTime>,
}

/// A search: the text, where to look, what to keep, how many.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SearchRequest {
    /// The text to look for; its words are searched one by one (no query syntax). Empty:
    /// the newest observations that pass the filter.
    pub query: String,
    /// The project to look in; this or `all_projects` is required.
    #[uniffi(default)]
    pub project: Option<String>,
    /// Look in every project.
    #[uniffi(default)]
    pub all_projects: bool,
    /// What may be returned.
    #[uniffi(default)]
    pub filter: SearchFilter,
    /// Files the request is about: observations that touched one of them are boosted.
    #[uniffi(default)]
    pub files: Vec<String>,
    /// Which signals to use (fused when absent).
    #[uniffi(default)]
    pub mode: Option<SearchMode>,
    /// How many hits to return.
    #[uniffi(default = 10)]
    pub limit: u32,
    /// How many of the best hits to skip, for paging.
    #[uniffi(default)]
    pub offset: u32,
    /// The time recency is measured from; now when absent.
    #[uniffi(default)]
    pub now: Option<SystemTime>,
}

impl SearchRequest {
    fn into_core(self) -> Result<memcore::SearchRequest, MemcoreError> {
        Ok(memcore::SearchRequest {
            query: self.query,
            scope: request_scope(self.project, self.all_projects)?,
            filter: memcore::SearchFilter {
                kinds: self
                    .filter
                    .kinds
                    .iter()
                    .map(|k| memcore::ObservationKind::parse(k))
                    .collect(),
                files: self.filter.files,
                concepts: self.filter.concepts,
                session_id: self.filter.session_id,
                since: self.filter.since.map(to_time),
                until: self.filter.until.map(to_time),
            },
            files: self.files,
            mode: match self.mode.unwrap_or_default() {
                SearchMode::Fused => memcore::SearchMode::Fused,
                SearchMode::Lexical => memcore::SearchMode::Lexical,
                SearchMode::Vector => memcore::SearchMode::Vector,
            },
            limit: to_usize(self.limit),
            offset: to_usize(self.offset),
            now: self.now.map(to_time),
        })
    }
}

/// When a context is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Enum)]
pub enum ContextPurpose {
    /// A session starts: the last summary and the most relevant observations.
    #[default]
    SessionStart,
    /// A prompt arrives: only observations relevant enough to it; nothing when none is.
    Prompt,
}

/// What `Memory.context` renders.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ContextRequest {
    /// Session start (the default) or prompt.
    #[uniffi(default)]
    pub purpose: Option<ContextPurpose>,
    /// The project; this or `all_projects` is required.
    #[uniffi(default)]
    pub project: Option<String>,
    /// Look in every project.
    #[uniffi(default)]
    pub all_projects: bool,
    /// What the context should be relevant to: the prompt (or a first prompt at a session
    /// start). Empty: none.
    #[uniffi(default)]
    pub query: String,
    /// Most tokens the text may cost; the configured default of the purpose when absent
    /// (2,000 at a session start, 600 for a prompt).
    #[uniffi(default)]
    pub budget: Option<u32>,
    /// Files the request is about; observations that touched them are boosted.
    #[uniffi(default)]
    pub files: Vec<String>,
    /// The time recency is measured from; now when absent.
    #[uniffi(default)]
    pub now: Option<SystemTime>,
}

impl ContextRequest {
    fn into_core(self) -> Result<memcore::ContextRequest, MemcoreError> {
        Ok(memcore::ContextRequest {
            purpose: match self.purpose.unwrap_or_default() {
                ContextPurpose::SessionStart => memcore::ContextPurpose::SessionStart,
                ContextPurpose::Prompt => memcore::ContextPurpose::Prompt,
            },
            scope: request_scope(self.project, self.all_projects)?,
            query: self.query,
            budget: self.budget,
            files: self.files,
            // Not exposed to the bindings yet: a host that records its prompts before asking
            // for their context sees them among the conversation records.
            session_id: None,
            now: self.now.map(to_time),
        })
    }
}

#[uniffi::export]
impl Memory {
    /// Searches the observations of `project` (every project when `None`) for `query`: full
    /// text and vectors fused with recency, kind and importance; best first, each hit with
    /// the parts of its score. `search_with` takes every option.
    #[uniffi::method(default(project = None, limit = 10))]
    pub fn search(
        &self,
        query: String,
        project: Option<String>,
        limit: u32,
    ) -> Result<Vec<SearchHit>, MemcoreError> {
        let all_projects = project.is_none();
        self.search_with(SearchRequest {
            query,
            project,
            all_projects,
            filter: SearchFilter::default(),
            files: Vec::new(),
            mode: None,
            limit,
            offset: 0,
            now: None,
        })
    }

    /// Searches with every option of a [`SearchRequest`] (filters, files, mode, paging).
    pub fn search_with(&self, request: SearchRequest) -> Result<Vec<SearchHit>, MemcoreError> {
        let request = request.into_core()?;
        self.with(|m| {
            Ok(m.search(&request)?
                .into_iter()
                .map(SearchHit::from)
                .collect())
        })
    }

    /// Renders what memory holds as markdown within a token budget: the latest summary
    /// (at a session start), an index of the relevant observations and the full text of
    /// the best few.
    pub fn context(&self, request: ContextRequest) -> Result<Context, MemcoreError> {
        let request = request.into_core()?;
        self.with(|m| Ok(Context::from(m.context(&request)?)))
    }

    /// The context to inject when a session of `project` starts (relevant to `query`, such
    /// as the first prompt, when given).
    #[uniffi::method(default(query = "", budget = None))]
    pub fn session_context(
        &self,
        project: String,
        query: String,
        budget: Option<u32>,
    ) -> Result<Context, MemcoreError> {
        self.context(ContextRequest {
            purpose: Some(ContextPurpose::SessionStart),
            project: Some(project),
            all_projects: false,
            query,
            budget,
            files: Vec::new(),
            now: None,
        })
    }

    /// The context to inject beside a prompt in `project`: only memories relevant enough to
    /// it, so often empty.
    #[uniffi::method(default(budget = None))]
    pub fn prompt_context(
        &self,
        project: String,
        prompt: String,
        budget: Option<u32>,
    ) -> Result<Context, MemcoreError> {
        self.context(ContextRequest {
            purpose: Some(ContextPurpose::Prompt),
            project: Some(project),
            all_projects: false,
            query: prompt,
            budget,
            files: Vec::new(),
            now: None,
        })
    }

    /// Observations and user prompts around an observation, in its project: up to `before`
    /// entries before it and `after` after it. Raises `MemcoreError.NotFound` for an unknown
    /// id.
    #[uniffi::method(default(before = 5, after = 5))]
    pub fn timeline(
        &self,
        observation_id: i64,
        before: u32,
        after: u32,
    ) -> Result<Timeline, MemcoreError> {
        let request = memcore::TimelineRequest::around_observation(
            observation_id,
            to_usize(before),
            to_usize(after),
        );
        self.with(|m| Ok(Timeline::from(m.timeline(&request)?)))
    }
}
