//! The tools `memcore mcp` serves, independent of the protocol: their definitions (name,
//! description for the model, JSON schema of the arguments, hints) and their execution on a
//! store. [`super::server`] translates between these and MCP messages.
//!
//! Everything a tool receives comes from a model and is checked here: unknown arguments,
//! wrong types, out-of-range numbers, ids of another project each get a message that names
//! what was wrong, returned to the model as a tool error so that it can correct the call.
//! Nothing is stored or deleted when a call is refused.

use super::args::{Args, MAX_IDS, invalid};
use crate::render;
use memcore::recall::{INDEX_HEADER, recall_index_row_by};
use memcore::{
    EventId, Memory, MemoryRef, NewObservation, Observation, ObservationId, ObservationKind,
    RecallHit, Scope, SearchFilter, SearchRequest, TimelineRequest,
};
use serde_json::{Map, Value, json};

/// `search`: the compact index of the observations that match.
pub const SEARCH: &str = "search";
/// `timeline`: what happened around an observation or a moment.
pub const TIMELINE: &str = "timeline";
/// `get_observations`: full records by id.
pub const GET_OBSERVATIONS: &str = "get_observations";
/// `remember`: an explicit memory.
pub const REMEMBER: &str = "remember";
/// `forget`: delete observations by id.
pub const FORGET: &str = "forget";
/// `hook`: what Claude Code's `mcp_tool` hooks call to record the session (see
/// [`crate::hook::serve`]); listed only when the server records hooks.
pub const HOOK: &str = "hook";
/// The tools that only read ([`Effect::Read`]).
pub const READ_ONLY: [&str; 3] = [SEARCH, TIMELINE, GET_OBSERVATIONS];

/// The most hits one search returns.
const MAX_LIMIT: usize = 50;
/// The most timeline entries on either side of the anchor.
const MAX_SPAN: usize = 50;
/// The longest title `remember` takes, in characters: a title is one line.
const MAX_TITLE_CHARS: usize = 300;
/// The longest text `remember` takes, in characters.
const MAX_TEXT_CHARS: usize = 16_000;
/// The most items of each list (facts, concepts, files) `remember` takes.
const MAX_ITEMS: usize = 50;
/// The importance of a remembered observation when the call gives none: explicit memories
/// outrank distilled ones of equal relevance (those get 0.5).
const REMEMBER_IMPORTANCE: f32 = 0.8;

/// How a tool call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolError {
    /// No tool has this name: a protocol error, for the client.
    UnknownTool(String),
    /// The call could not be served (bad arguments, an id of another project, a store
    /// error); the message is for the model, which may correct the call.
    Failed(String),
}

impl ToolError {
    fn failed(message: impl Into<String>) -> ToolError {
        ToolError::Failed(message.into())
    }
}

impl From<memcore::Error> for ToolError {
    fn from(e: memcore::Error) -> Self {
        ToolError::Failed(e.to_string())
    }
}

/// One tool as the server lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDef {
    /// Its name.
    pub name: &'static str,
    /// A short title for people.
    pub title: &'static str,
    /// What it does and when to use it, written for the model.
    pub description: String,
    /// The JSON schema of its arguments (an object schema).
    pub input_schema: Map<String, Value>,
    /// What it does to the store.
    pub effect: Effect,
}

/// What a tool does to the store. Every tool is idempotent: calling it again with the same
/// arguments changes nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reads only.
    Read,
    /// Adds, never deletes.
    Add,
    /// Deletes.
    Delete,
}

/// The tools over one store, with the project they default to.
pub struct Tools {
    memory: Memory,
    project: String,
    hooks: Option<Hooks>,
}

/// What the `hook` tool needs beyond the store: where failed writes and the detached
/// extractor go, the log, and the project named on the command line.
pub struct Hooks {
    /// The store's files.
    pub paths: crate::paths::Paths,
    /// The log hook problems go to.
    pub log: crate::log::Log,
    /// `--project` or `$MEMCORE_PROJECT`, when given.
    pub explicit_project: Option<String>,
}

impl Tools {
    /// Tools over `memory`, scoped to `project` unless a call names another.
    pub fn new(memory: Memory, project: String) -> Tools {
        Tools {
            memory,
            project,
            hooks: None,
        }
    }

    /// These tools with the `hook` tool, which records hook events as `memcore hook` does.
    pub fn with_hooks(self, hooks: Hooks) -> Tools {
        Tools {
            hooks: Some(hooks),
            ..self
        }
    }

    /// The kinds of observation the store's mode defines, in display order.
    fn kinds(&self) -> Vec<(String, String)> {
        self.memory
            .mode()
            .kinds
            .iter()
            .map(|k| (k.name.clone(), k.description.clone()))
            .collect()
    }

    /// The kind `remember` uses when the call names none.
    fn default_kind(&self) -> String {
        let mode = self.memory.mode();
        if mode.kinds.iter().any(|k| k.name == "discovery") {
            "discovery".to_owned()
        } else {
            mode.fallback_kind.clone()
        }
    }

    /// Every tool, in the order a model should learn them.
    pub fn definitions(&self) -> Vec<ToolDef> {
        let kinds = self.kinds();
        let kind_names: Vec<&str> = kinds.iter().map(|(n, _)| n.as_str()).collect();
        let kind_help: Vec<String> = kinds.iter().map(|(n, d)| format!("{n}: {d}")).collect();
        let project = json!({
            "type": "string",
            "description": format!(
                "The project to use; default {:?}, the one this server runs in. \"*\" means every project.",
                self.project
            ),
        });
        let ids = |what: &str| {
            json!({
                "type": "array",
                "items": {"type": "integer", "minimum": 1},
                "minItems": 1,
                "maxItems": MAX_IDS,
                "description": what,
            })
        };
        let list =
            |what: &str| json!({"type": "array", "items": {"type": "string"}, "description": what});
        let mut defs = vec![
            ToolDef {
                name: SEARCH,
                title: "Search memory",
                description: "Search the memory of past sessions in this project: observations \
                    (bug fixes, features, decisions, discoveries...) distilled from earlier work. \
                    Returns a compact index, best match first: id, date, kind, title, and what the \
                    full record costs in tokens. Start here; then call timeline around an \
                    interesting id, and get_observations for the few records you need in full. \
                    Words match one by one and by stem; identifiers, file paths and error codes \
                    work as written."
                    .to_owned(),
                input_schema: object(
                    json!({
                        "query": {"type": "string", "description": "What to look for. May be empty when a filter is given."},
                        "kinds": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": format!("Only these kinds: {}.", kind_names.join(", ")),
                        },
                        "files": list("Only observations that read or modified one of these files; a file name matches any path that ends with it."),
                        "concepts": list("Only observations tagged with one of these concepts."),
                        "since": {"type": "string", "description": "Only observations made on or after this date (YYYY-MM-DD, or an RFC 3339 time)."},
                        "until": {"type": "string", "description": "Only observations made on or before this date (YYYY-MM-DD; an RFC 3339 time: before it)."},
                        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10, "description": "How many hits."},
                        "offset": {"type": "integer", "minimum": 0, "default": 0, "description": "Skip this many of the best hits, to page."},
                        "project": project,
                    }),
                    &[],
                ),
                effect: Effect::Read,
            },
            ToolDef {
                name: TIMELINE,
                title: "Memory timeline",
                description: "What happened around one observation (or one moment) in its \
                    project: the observations and user prompts just before and after it, in \
                    order, the anchor marked with >. Give id (from search) or at (a time)."
                    .to_owned(),
                input_schema: object(
                    json!({
                        "id": {"type": "integer", "minimum": 1, "description": "The observation to centre on."},
                        "at": {"type": "string", "description": "Or the moment to centre on: YYYY-MM-DD or an RFC 3339 time."},
                        "before": {"type": "integer", "minimum": 0, "maximum": MAX_SPAN, "default": 5, "description": "Entries before the anchor."},
                        "after": {"type": "integer", "minimum": 0, "maximum": MAX_SPAN, "default": 5, "description": "Entries after the anchor."},
                        "project": project,
                    }),
                    &[],
                ),
                effect: Effect::Read,
            },
            ToolDef {
                name: GET_OBSERVATIONS,
                title: "Get observations",
                description: "The full records of observations by id (from search, \
                    timeline, or the memory index given at session start): narrative, facts, \
                    files, concepts, provenance; and of conversation records (ids such as \
                    \"c40\" in search results: what was said or done, with its time and \
                    session). Ask for several ids in one call; fetch only those you need."
                    .to_owned(),
                input_schema: object(
                    json!({"ids": {
                        "type": "array",
                        "items": {"anyOf": [
                            {"type": "integer", "minimum": 1},
                            {"type": "string", "pattern": "^#?c?[0-9]+$"}
                        ]},
                        "minItems": 1,
                        "maxItems": MAX_IDS,
                        "description": "Observation ids (12) and conversation records (\"c40\")."
                    }, "project": project}),
                    &["ids"],
                ),
                effect: Effect::Read,
            },
            ToolDef {
                name: REMEMBER,
                title: "Remember",
                description: "Store an explicit memory for future sessions of this project: \
                    use it when the user asks you to remember something, or states a lasting \
                    decision, preference or fact about the project. Write a title that stands \
                    on its own. Private spans and secrets are removed before it is stored; the \
                    same memory twice is stored once."
                    .to_owned(),
                input_schema: object(
                    json!({
                        "title": {"type": "string", "description": "One line: what to remember."},
                        "text": {"type": "string", "description": "The details: what, why it matters, how to apply it."},
                        "kind": {
                            "type": "string",
                            "enum": kind_names,
                            "default": self.default_kind(),
                            "description": kind_help.join("; "),
                        },
                        "facts": list("Short self-contained statements."),
                        "concepts": list("Tags (how-it-works, gotcha, pattern...)."),
                        "files": list("Files it is about, as paths from the project root."),
                        "importance": {"type": "number", "minimum": 0, "maximum": 1, "default": REMEMBER_IMPORTANCE, "description": "How much it should weigh in recall."},
                        "supersedes": {"type": "integer", "minimum": 1, "description": "The id of an older observation this one corrects or replaces."},
                        "project": project,
                    }),
                    &["title"],
                ),
                effect: Effect::Add,
            },
            ToolDef {
                name: FORGET,
                title: "Forget",
                description: "Forget observations by id: they leave memory at once and \
                    stay recoverable (the answer names the batch; `undo` with it brings them \
                    back) until the user purges them. Only when the user explicitly asks to \
                    forget something; confirm the ids with search or get_observations first."
                    .to_owned(),
                input_schema: object(
                    json!({
                        "ids": ids("The observation ids to forget."),
                        "undo": {"type": "integer", "minimum": 1, "description": "Instead of ids: the batch a forget answered with, to bring it back."},
                        "project": project,
                    }),
                    &[],
                ),
                effect: Effect::Delete,
            },
        ];
        if self.hooks.is_some() {
            let mut schema = Map::new();
            schema.insert("type".into(), json!("object"));
            schema.insert(
                "properties".into(),
                json!({"event": {"type": "string", "enum": crate::hook::EVENTS,
                                 "description": "The hook event."}}),
            );
            schema.insert("required".into(), json!(["event"]));
            // The hook's own fields (session_id, tool_name, ...), as Claude Code gives them.
            schema.insert("additionalProperties".into(), json!(true));
            defs.push(ToolDef {
                name: HOOK,
                title: "Record a hook event",
                description: "Called by memcore's Claude Code hooks to record this session as \
                    it happens (tool calls, prompts). Not for you to call: it holds nothing \
                    to read, and what it records the hooks already record."
                    .to_owned(),
                input_schema: schema,
                effect: Effect::Add,
            });
        }
        defs
    }

    /// Runs tool `name` with `arguments`, answering with text for the model.
    pub fn call(
        &self,
        name: &str,
        arguments: Option<Map<String, Value>>,
    ) -> Result<String, ToolError> {
        let arguments = arguments.unwrap_or_default();
        match name {
            SEARCH => self.search(Args::new(SEARCH, arguments)),
            TIMELINE => self.timeline(Args::new(TIMELINE, arguments)),
            GET_OBSERVATIONS => self.get_observations(Args::new(GET_OBSERVATIONS, arguments)),
            REMEMBER => self.remember(Args::new(REMEMBER, arguments)),
            FORGET => self.forget(Args::new(FORGET, arguments)),
            HOOK if self.hooks.is_some() => self.hook(arguments),
            other => Err(ToolError::UnknownTool(format!(
                "unknown tool {other:?}; the tools are {SEARCH}, {TIMELINE}, {GET_OBSERVATIONS}, {REMEMBER} and {FORGET}"
            ))),
        }
    }

    /// The scope of a call: its `project` argument, else the server's project.
    fn scope(&self, args: &mut Args) -> Result<Scope, ToolError> {
        match args.string("project")? {
            None => Ok(Scope::Project(self.project.clone())),
            Some(p) if p.trim() == "*" => Ok(Scope::All),
            Some(p) if p.trim().is_empty() => Err(args.invalid("project", "is empty")),
            Some(p) => Ok(Scope::Project(p.trim().to_owned())),
        }
    }

    /// The observations of `ids` in `scope`, with a note on those missing or out of scope.
    fn fetch(
        &self,
        ids: &[ObservationId],
        scope: &Scope,
    ) -> Result<(Vec<Observation>, Vec<String>), ToolError> {
        let found = self.memory.get(ids)?;
        let mut notes = Vec::new();
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !found.iter().any(|o| o.id == **id))
            .map(|id| format!("#{id}"))
            .collect();
        if !missing.is_empty() {
            notes.push(format!("No observation {}.", missing.join(", ")));
        }
        let (inside, outside): (Vec<Observation>, Vec<Observation>) =
            found.into_iter().partition(|o| in_scope(scope, o));
        for obs in &outside {
            notes.push(format!(
                "#{} is in project {:?}, not {}: pass project {:?} (or \"*\") to use it.",
                obs.id,
                obs.project,
                describe(scope),
                obs.project
            ));
        }
        Ok((inside, notes))
    }

    fn search(&self, mut args: Args) -> Result<String, ToolError> {
        let query = args.string("query")?.unwrap_or_default();
        let kinds = args.strings("kinds")?;
        let files = args.strings("files")?;
        let concepts = args.strings("concepts")?;
        let since = args.time("since", false)?;
        let until = args.time("until", true)?;
        let limit = args.count("limit", 10, 1, MAX_LIMIT)?;
        let offset = args.count("offset", 0, 0, usize::MAX)?;
        let scope = self.scope(&mut args)?;
        args.done()?;
        let filtered = !kinds.is_empty()
            || !files.is_empty()
            || !concepts.is_empty()
            || since.is_some()
            || until.is_some();
        if query.trim().is_empty() && !filtered {
            return Err(ToolError::failed(
                "search needs a query, or a filter (kinds, files, concepts, since, until)",
            ));
        }
        let request = SearchRequest {
            query: query.clone(),
            scope: Some(scope.clone()),
            filter: SearchFilter {
                kinds: kinds.iter().map(|k| ObservationKind::parse(k)).collect(),
                files,
                concepts,
                since,
                until,
                ..SearchFilter::default()
            },
            limit,
            offset,
            ..SearchRequest::default()
        };
        // The core's relevance rule at its listing level (as `memcore search`): only what the
        // search found is shown, and each row shows its score.
        let hits: Vec<(RecallHit, Option<f64>)> = self
            .memory
            .recall_relevant(&request)?
            .into_iter()
            .map(|hit| {
                let score =
                    (!query.trim().is_empty()).then(|| self.memory.relevance(&query, &hit).0);
                (hit, score)
            })
            .collect();
        let what = if query.trim().is_empty() {
            "the filter".to_owned()
        } else {
            format!("{:?}", render::line(&query, 80))
        };
        if hits.is_empty() {
            return Ok(format!(
                "Nothing in memory matches {what} in {}{}.",
                describe(&scope),
                if offset > 0 {
                    format!(" past the first {offset}")
                } else {
                    String::new()
                }
            ));
        }
        let mut text = format!(
            "{} memor{} for {what} in {}, best first{} (c ids: records of past conversations). \
             Full records: get_observations; context: timeline.\n",
            hits.len(),
            if hits.len() == 1 { "y" } else { "ies" },
            describe(&scope),
            if offset > 0 {
                format!(" (after the first {offset})")
            } else {
                String::new()
            }
        );
        let ids: Vec<ObservationId> = hits
            .iter()
            .filter_map(|(h, _)| match h {
                RecallHit::Observation(h) => Some(h.id),
                RecallHit::Conversation(_) => None,
            })
            .collect();
        let authors = self.memory.teammate_authors(&ids)?;
        text.push_str(&index_table(&hits, &scope, &authors));
        if hits.len() == limit {
            text.push_str(&format!("More may match: offset {}.\n", offset + limit));
        }
        Ok(text)
    }

    fn timeline(&self, mut args: Args) -> Result<String, ToolError> {
        let id = args.id("id")?;
        let at = args.time("at", false)?;
        let before = args.count("before", 5, 0, MAX_SPAN)?;
        let after = args.count("after", 5, 0, MAX_SPAN)?;
        let scope = self.scope(&mut args)?;
        args.done()?;
        let request = match (id, at) {
            (Some(id), None) => {
                let (found, notes) = self.fetch(&[id], &scope)?;
                let Some(obs) = found.first() else {
                    return Err(ToolError::failed(notes.join(" ")));
                };
                let mut request = TimelineRequest::around_observation(id, before, after);
                request.scope = Some(Scope::Project(obs.project.clone()));
                request
            }
            (None, Some(at)) => {
                let Scope::Project(project) = scope else {
                    return Err(ToolError::failed(
                        "a timeline around a moment needs one project, not \"*\"",
                    ));
                };
                TimelineRequest::around_time(project, at, before, after)
            }
            (Some(_), Some(_)) => {
                return Err(ToolError::failed("timeline takes id or at, not both"));
            }
            (None, None) => {
                return Err(ToolError::failed(
                    "timeline needs id (an observation id from search) or at (a time)",
                ));
            }
        };
        let timeline = self.memory.timeline(&request)?;
        if timeline.entries.is_empty() {
            return Ok("Nothing is recorded around that moment.".to_owned());
        }
        Ok(render::timeline(&timeline))
    }

    fn get_observations(&self, mut args: Args) -> Result<String, ToolError> {
        let refs = args.references("ids")?;
        let scope = self.scope(&mut args)?;
        args.done()?;
        let ids: Vec<ObservationId> = refs
            .iter()
            .filter_map(|r| match r {
                MemoryRef::Observation(id) => Some(*id),
                MemoryRef::Conversation(_) => None,
            })
            .collect();
        let record_ids: Vec<EventId> = refs
            .iter()
            .filter_map(|r| match r {
                MemoryRef::Conversation(id) => Some(*id),
                MemoryRef::Observation(_) => None,
            })
            .collect();
        let (found, mut notes) = if ids.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            self.fetch(&ids, &scope)?
        };
        let records = self.memory.conversation(&record_ids)?;
        for id in &record_ids {
            if !records.iter().any(|r| r.event_id == *id) {
                notes.push(format!("No conversation record c{id}."));
            }
        }
        let (records, outside): (Vec<_>, Vec<_>) =
            records.into_iter().partition(|r| match &scope {
                Scope::All => true,
                Scope::Project(p) => &r.project == p,
            });
        for record in &outside {
            notes.push(format!(
                "c{} is in project {:?}, not {}: pass project {:?} (or \"*\") to use it.",
                record.event_id,
                record.project,
                describe(&scope),
                record.project
            ));
        }
        if found.is_empty() && records.is_empty() {
            return Err(ToolError::failed(notes.join(" ")));
        }
        let mut text = found
            .iter()
            .map(render::observation)
            .chain(records.iter().map(render::record))
            .collect::<Vec<_>>()
            .join("\n");
        for note in notes {
            text.push_str(&note);
            text.push('\n');
        }
        Ok(text)
    }

    fn remember(&self, mut args: Args) -> Result<String, ToolError> {
        let title = args.string("title")?.unwrap_or_default();
        let narrative = args.string("text")?.unwrap_or_default();
        let kind = args.string("kind")?;
        let facts = args.strings("facts")?;
        let concepts = args.strings("concepts")?;
        let files = args.strings("files")?;
        let importance = args.fraction("importance", REMEMBER_IMPORTANCE)?;
        let supersedes = args.id("supersedes")?;
        let scope = self.scope(&mut args)?;
        args.done()?;
        if title.trim().is_empty() {
            return Err(invalid(
                REMEMBER,
                "title",
                "is missing or empty: say in one line what to remember",
            ));
        }
        let Scope::Project(project) = scope else {
            return Err(ToolError::failed(
                "remember stores into one project; name it instead of \"*\"",
            ));
        };
        let too_long = |name: &str, text: &str, max: usize, hint: &str| {
            let n = text.chars().count();
            (n > max).then(|| {
                invalid(
                    REMEMBER,
                    name,
                    &format!("is {n} characters long; at most {max}{hint}"),
                )
            })
        };
        if let Some(e) = too_long(
            "title",
            &title,
            MAX_TITLE_CHARS,
            ": put the details in text",
        )
        .or_else(|| too_long("text", &narrative, MAX_TEXT_CHARS, ""))
        {
            return Err(e);
        }
        for (name, items) in [
            ("facts", &facts),
            ("concepts", &concepts),
            ("files", &files),
        ] {
            if items.len() > MAX_ITEMS {
                return Err(invalid(
                    REMEMBER,
                    name,
                    &format!("holds {} items; at most {MAX_ITEMS}", items.len()),
                ));
            }
            if let Some(n) = items
                .iter()
                .map(|item| item.chars().count())
                .find(|n| *n > MAX_TITLE_CHARS)
            {
                return Err(invalid(
                    REMEMBER,
                    name,
                    &format!("holds an item of {n} characters; at most {MAX_TITLE_CHARS}"),
                ));
            }
        }
        let kind = match kind {
            None => self.default_kind(),
            Some(k) => {
                let names: Vec<String> = self.kinds().into_iter().map(|(n, _)| n).collect();
                let parsed = ObservationKind::parse(&k);
                if !names.iter().any(|n| n == parsed.as_str()) {
                    return Err(invalid(
                        REMEMBER,
                        "kind",
                        &format!(
                            "{k:?} is not a kind of this store; use one of {}",
                            names.join(", ")
                        ),
                    ));
                }
                parsed.as_str().to_owned()
            }
        };
        if let Some(older) = supersedes {
            let (found, notes) = self.fetch(&[older], &Scope::Project(project.clone()))?;
            if found.is_empty() {
                return Err(ToolError::failed(format!(
                    "supersedes: {}",
                    notes.join(" ")
                )));
            }
        }
        let added = self.memory.add_observation(NewObservation {
            project: Some(project.clone()),
            kind: Some(ObservationKind::parse(&kind)),
            title: title.clone(),
            narrative: narrative.clone(),
            facts,
            concepts,
            files_read: files,
            importance: Some(importance),
            supersedes,
            ..NewObservation::default()
        })?;
        let stored = self.memory.get(&[added.id])?;
        let Some(obs) = stored.first() else {
            return Err(ToolError::failed(format!(
                "observation #{} was stored but cannot be read back",
                added.id
            )));
        };
        if added.duplicate {
            return Ok(format!(
                "Already remembered as #{} in project {project}; nothing was added.",
                obs.id
            ));
        }
        let redacted = obs.title != title.trim() || obs.narrative != narrative.trim();
        Ok(format!(
            "Remembered as #{} ({}, {} tokens) in project {project}.{}",
            obs.id,
            obs.kind,
            obs.token_count,
            if redacted {
                " Private or secret text was removed before storing."
            } else {
                ""
            }
        ))
    }

    /// Records a hook event as `memcore hook` would, answering with the hook's answer (the
    /// JSON Claude Code reads like a command hook's stdout) or nothing.
    fn hook(&self, mut arguments: Map<String, Value>) -> Result<String, ToolError> {
        let Some(hooks) = &self.hooks else {
            return Err(ToolError::UnknownTool(format!("unknown tool {HOOK:?}")));
        };
        let event = match arguments.remove("event") {
            Some(Value::String(event)) => event,
            Some(other) => {
                return Err(invalid(HOOK, "event", &format!("is {other}, not a string")));
            }
            None => return Err(invalid(HOOK, "event", "is missing")),
        };
        crate::hook::serve(
            &self.memory,
            &event,
            arguments,
            hooks.explicit_project.as_deref(),
            &hooks.paths,
            &hooks.log,
        )
        .map_err(ToolError::Failed)
    }

    fn forget(&self, mut args: Args) -> Result<String, ToolError> {
        // 0: absent (a batch id is at least 1).
        let batch = args.count("undo", 0, 1, i64::MAX as usize)?;
        if batch > 0 {
            args.done()?;
            let restored = self.memory.undo_forget(batch as i64).map_err(|e| match e {
                memcore::Error::NotFound { .. } => ToolError::failed(format!(
                    "No forget batch {batch} can be undone (it was undone or purged already)."
                )),
                e => e.into(),
            })?;
            let ids: Vec<String> = restored.iter().map(|id| format!("#{id}")).collect();
            return Ok(format!("Restored {}.", ids.join(", ")));
        }
        let ids = args.ids("ids")?;
        let scope = self.scope(&mut args)?;
        args.done()?;
        let (found, notes) = self.fetch(&ids, &scope)?;
        let inside: Vec<ObservationId> = found.iter().map(|o| o.id).collect();
        let reason = format!("MCP forget {}", join_ids(&inside));
        let batch = self.memory.forget_ids(&inside, &reason)?;
        if batch.observation_ids.is_empty() {
            return Err(ToolError::failed(format!(
                "Nothing was forgotten. {}",
                notes.join(" ")
            )));
        }
        let mut text = format!(
            "Forgot {} (batch {}; forget with {{\"undo\": {}}} brings it back).",
            join_ids(&batch.observation_ids),
            batch.id,
            batch.id
        );
        for note in notes {
            text.push(' ');
            text.push_str(&note);
        }
        Ok(text)
    }
}

/// `#1, #2`.
fn join_ids(ids: &[ObservationId]) -> String {
    ids.iter()
        .map(|id| format!("#{id}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `obs` is inside `scope`.
fn in_scope(scope: &Scope, obs: &Observation) -> bool {
    match scope {
        Scope::All => true,
        Scope::Project(p) => &obs.project == p,
    }
}

fn describe(scope: &Scope) -> String {
    match scope {
        Scope::Project(p) => format!("project {p}"),
        Scope::All => "every project".to_owned(),
    }
}

/// The index of `hits`: one table, or with every project one table per project.
/// A teammate's observation (one that came through sync) says whose it is.
fn index_table(
    hits: &[(RecallHit, Option<f64>)],
    scope: &Scope,
    authors: &std::collections::HashMap<ObservationId, String>,
) -> String {
    let project_of = |hit: &RecallHit| match hit {
        RecallHit::Observation(h) => h.observation.project.clone(),
        RecallHit::Conversation(h) => h.record.project.clone(),
    };
    // The context's index, with a score column: how well the row matches the query (the
    // share of its words, or the vector similarity), `-` for a search by filter alone.
    let header = format!(
        "{} score |\n{}---|\n",
        INDEX_HEADER.lines().next().unwrap_or_default(),
        INDEX_HEADER.lines().nth(1).unwrap_or_default()
    );
    let row = |(hit, score): &(RecallHit, Option<f64>)| {
        let author = match hit {
            RecallHit::Observation(h) => authors.get(&h.id),
            RecallHit::Conversation(_) => None,
        };
        let row = recall_index_row_by(hit, author);
        let score = score.map_or_else(|| "-".to_owned(), |s| format!("{s:.2}"));
        format!("{} {score} |\n", row.trim_end())
    };
    let mut text = String::new();
    if matches!(scope, Scope::Project(_)) {
        text.push_str(&header);
        for hit in hits {
            text.push_str(&row(hit));
        }
        return text;
    }
    let mut projects: Vec<String> = Vec::new();
    for (hit, _) in hits {
        let project = project_of(hit);
        if !projects.contains(&project) {
            projects.push(project);
        }
    }
    for project in projects {
        text.push_str(&format!("project {project}:\n{header}"));
        for hit in hits.iter().filter(|(h, _)| project_of(h) == project) {
            text.push_str(&row(hit));
        }
    }
    text
}

/// An object schema with these properties, these required, and no others.
fn object(properties: Value, required: &[&str]) -> Map<String, Value> {
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), properties);
    if !required.is_empty() {
        schema.insert("required".into(), json!(required));
    }
    schema.insert("additionalProperties".into(), json!(false));
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn read_only_names_exactly_the_tools_that_only_read() {
        let dir = tempfile::tempdir().unwrap();
        let tools = Tools::new(Memory::open(dir.path().join("m.db")).unwrap(), "p".into());
        let readers: Vec<&str> = tools
            .definitions()
            .iter()
            .filter(|d| d.effect == Effect::Read)
            .map(|d| d.name)
            .collect();
        assert_eq!(readers, READ_ONLY);
    }

    /// Any value a model might send, nested a little.
    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            (1i64..40).prop_map(Value::from),
            "[a-z #*0-9:-]{0,24}".prop_map(Value::from),
            Just(json!("2026-11-24")),
        ];
        leaf.prop_recursive(2, 12, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map("[a-z]{1,6}", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Arguments under the tools' own names (and a stray one), with any values.
    fn any_arguments() -> impl Strategy<Value = Map<String, Value>> {
        let names = prop::sample::select(vec![
            "query",
            "kinds",
            "files",
            "concepts",
            "since",
            "until",
            "limit",
            "offset",
            "project",
            "id",
            "at",
            "before",
            "after",
            "ids",
            "title",
            "text",
            "kind",
            "facts",
            "importance",
            "supersedes",
            "stray",
        ]);
        prop::collection::btree_map(names, any_value(), 0..6)
            .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Whatever a model sends, a call answers (no panic), and a refused call changes
        /// nothing in the store.
        #[test]
        fn any_call_answers_and_a_refused_one_changes_nothing(
            tool in prop::sample::select(vec![SEARCH, TIMELINE, GET_OBSERVATIONS, REMEMBER, FORGET, "nope"]),
            arguments in any_arguments(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let memory = Memory::open(dir.path().join("memory.db")).unwrap();
            for i in 0..5 {
                memory.add_observation(NewObservation {
                    project: Some(if i % 2 == 0 { "work" } else { "other" }.into()),
                    title: format!("Observation {i} about coupons"),
                    ..NewObservation::default()
                }).unwrap();
            }
            let tools = Tools::new(memory, "work".into());
            let before = tools.memory.stats(&Scope::All).unwrap().observations;
            match tools.call(tool, Some(arguments.clone())) {
                Ok(text) => prop_assert!(!text.is_empty()),
                Err(ToolError::UnknownTool(m)) => prop_assert!(tool == "nope" && m.contains("nope")),
                Err(ToolError::Failed(m)) => {
                    prop_assert!(!m.is_empty());
                    let after = tools.memory.stats(&Scope::All).unwrap().observations;
                    prop_assert_eq!(before, after, "{} {:?}: {}", tool, arguments, m);
                }
            }
        }
    }
}
