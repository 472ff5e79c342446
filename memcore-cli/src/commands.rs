//! The read and upkeep commands: search, context, show, timeline, recent, stats, forget,
//! retry-failed, import-transcript, extract.

use crate::cli::{Args, Global};
use crate::config::Settings;
use crate::error::{CliError, CliResult};
use crate::extractor::{self, ExtractOptions, ExtractReport};
use crate::log::Log;
use crate::paths::Paths;
use crate::provider::{self, ProviderSpec};
use crate::render;
use memcore::{
    ContextRequest, EventId, Memory, MemoryRef, ObservationId, ObservationKind, RecallHit, Scope,
    SearchFilter, SearchMode, SearchRequest, TimelineRequest,
};
use serde::Serialize;
use std::path::PathBuf;

/// What every command works on: the store, its settings and the scope of reads.
pub struct Env {
    /// The store's files.
    pub paths: Paths,
    /// The settings.
    pub settings: Settings,
    /// The global options.
    pub global: Global,
}

impl Env {
    /// Resolves the store and reads the settings.
    pub fn new(global: Global) -> CliResult<Env> {
        let paths = Paths::resolve(global.db.as_deref())?;
        let settings = Settings::load(&paths);
        for warning in &settings.warnings {
            eprintln!("memcore: warning: {warning}");
        }
        Ok(Env {
            paths,
            settings,
            global,
        })
    }

    /// Opens the store (creating it when missing).
    pub fn open(&self) -> CliResult<Memory> {
        Ok(Memory::open_with(
            &self.paths.db,
            self.settings.memory.clone(),
        )?)
    }

    /// The project of `--project`, else the resolver on the working directory.
    pub fn project(&self) -> String {
        let cwd = std::env::current_dir().unwrap_or_default();
        memcore::resolve_project(self.global.project.as_deref(), &cwd)
    }

    /// The scope of reads: every project with `--all-projects`, else the project.
    pub fn scope(&self) -> Scope {
        if self.global.all_projects {
            Scope::All
        } else {
            Scope::Project(self.project())
        }
    }

    /// The log, tagged with the command.
    pub fn log(&self, tag: &str) -> Log {
        Log::new(self.paths.log_file(), tag)
    }

    /// Prints `value` as pretty JSON.
    pub fn print_json(&self, value: &impl Serialize) -> CliResult<()> {
        let text = serde_json::to_string_pretty(value).map_err(|e| CliError::BadFile {
            path: PathBuf::from("<stdout>"),
            reason: format!("cannot encode the answer as JSON: {e}"),
        })?;
        outln!("{text}");
        Ok(())
    }
}

/// Parses observation ids.
pub(crate) fn ids(items: Vec<String>, command: &str) -> CliResult<Vec<ObservationId>> {
    if items.is_empty() {
        return Err(CliError::usage(format!(
            "{command} needs at least one observation id"
        )));
    }
    items
        .iter()
        .map(|s| {
            s.trim_start_matches('#')
                .parse::<ObservationId>()
                .map_err(|_| CliError::usage(format!("{s:?} is not an observation id")))
        })
        .collect()
}

/// `memcore search QUERY...`
pub fn search(env: &Env, mut args: Args) -> CliResult<()> {
    let limit = args.number::<usize>("--limit")?.unwrap_or(10);
    let kinds = args.values("--kind")?;
    let files = args.values("--file")?;
    let mode = match args.value("--mode")?.as_deref() {
        None | Some("fused") => SearchMode::Fused,
        Some("lexical") => SearchMode::Lexical,
        Some("vector") => SearchMode::Vector,
        Some(other) => {
            return Err(CliError::usage(format!(
                "--mode is fused, lexical or vector, not {other:?}"
            )));
        }
    };
    let query = args.positionals()?.join(" ");
    if query.trim().is_empty() && kinds.is_empty() && files.is_empty() {
        return Err(CliError::usage("search needs a query (or --kind / --file)"));
    }
    let memory = env.open()?;
    let request = SearchRequest {
        query,
        scope: Some(env.scope()),
        filter: SearchFilter {
            kinds: kinds.iter().map(|k| ObservationKind::parse(k)).collect(),
            files,
            ..SearchFilter::default()
        },
        mode,
        limit,
        ..SearchRequest::default()
    };
    // The core's one relevance rule: what the MCP search tool and a prompt's context show too.
    let hits = memory.recall_relevant(&request)?;
    if env.global.json {
        return env.print_json(&hits);
    }
    if hits.is_empty() {
        outln!("Nothing in memory matches.");
    }
    let authors = memory.teammate_authors(&observation_ids(&hits))?;
    for hit in &hits {
        match hit {
            RecallHit::Observation(h) if authors.contains_key(&h.id) => {
                outln!("{}  (by {})", render::recall_row(hit), authors[&h.id]);
            }
            _ => outln!("{}", render::recall_row(hit)),
        }
    }
    Ok(())
}

/// The observations among recall hits.
pub(crate) fn observation_ids(hits: &[RecallHit]) -> Vec<ObservationId> {
    hits.iter()
        .filter_map(|h| match h {
            RecallHit::Observation(h) => Some(h.id),
            RecallHit::Conversation(_) => None,
        })
        .collect()
}

/// `memcore context [QUERY...]`
pub fn context(env: &Env, mut args: Args) -> CliResult<()> {
    let prompt = args.flag("--prompt");
    let budget = args.number::<u32>("--budget")?;
    let query = args.positionals()?.join(" ");
    if prompt && query.trim().is_empty() {
        return Err(CliError::usage("context --prompt needs the prompt's text"));
    }
    let memory = env.open()?;
    let mut request = if prompt {
        ContextRequest::prompt(env.project(), query)
    } else {
        ContextRequest::session_start(env.project()).query(query)
    };
    request.scope = Some(env.scope());
    if let Some(budget) = budget {
        request = request.budget(budget);
    }
    let context = memory.context(&request)?;
    if env.global.json {
        return env.print_json(&context);
    }
    if context.text.is_empty() {
        outln!("(nothing to recall for {})", describe_scope(&env.scope()));
    } else {
        out!("{}", context.text);
    }
    Ok(())
}

fn describe_scope(scope: &Scope) -> String {
    match scope {
        Scope::Project(p) => format!("project {p}"),
        Scope::All => "any project".to_owned(),
    }
}

/// Parses the references `show` takes (see [`MemoryRef::parse`]).
fn references(items: Vec<String>) -> CliResult<Vec<MemoryRef>> {
    if items.is_empty() {
        return Err(CliError::usage(
            "show needs at least one id (an observation id, or c<id> for a conversation record)",
        ));
    }
    items
        .iter()
        .map(|s| {
            MemoryRef::parse(s).ok_or_else(|| {
                CliError::usage(format!(
                    "{s:?} is not an observation id (42) or a conversation record (c17)"
                ))
            })
        })
        .collect()
}

/// `memcore show ID...`: observations by id, conversation records by `c<id>`.
pub fn show(env: &Env, args: Args) -> CliResult<()> {
    let refs = references(args.positionals()?)?;
    let obs_ids: Vec<ObservationId> = refs
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
    let memory = env.open()?;
    let found = memory.get(&obs_ids)?;
    let records = memory.conversation(&record_ids)?;
    if env.global.json {
        // Observations first, then records: a list of observations when only ids were asked.
        let mut all: Vec<serde_json::Value> = Vec::new();
        for obs in &found {
            all.push(serde_json::to_value(obs).unwrap_or_default());
        }
        for record in &records {
            all.push(serde_json::to_value(record).unwrap_or_default());
        }
        env.print_json(&all)?;
    } else {
        let texts = found
            .iter()
            .map(render::observation)
            .chain(records.iter().map(render::record));
        for (i, text) in texts.enumerate() {
            if i > 0 {
                outln!();
            }
            out!("{text}");
        }
    }
    let mut missing: Vec<String> = obs_ids
        .iter()
        .filter(|id| !found.iter().any(|o| o.id == **id))
        .map(|id| format!("#{id}"))
        .collect();
    missing.extend(
        record_ids
            .iter()
            .filter(|id| !records.iter().any(|r| r.event_id == **id))
            .map(|id| format!("c{id}")),
    );
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CliError::NotFound(format!(
            "nothing stored as {}",
            missing.join(", ")
        )))
    }
}

/// `memcore timeline ID`
pub fn timeline(env: &Env, mut args: Args) -> CliResult<()> {
    let before = args.number::<usize>("--before")?.unwrap_or(5);
    let after = args.number::<usize>("--after")?.unwrap_or(5);
    let id = match ids(args.positionals()?, "timeline")?.as_slice() {
        [id] => *id,
        _ => return Err(CliError::usage("timeline takes one observation id")),
    };
    let memory = env.open()?;
    let mut request = TimelineRequest::around_observation(id, before, after);
    if env.global.all_projects {
        request.scope = Some(Scope::All);
    } else if env.global.project.is_some() {
        request.scope = Some(env.scope());
    }
    let timeline = memory.timeline(&request)?;
    if env.global.json {
        return env.print_json(&timeline);
    }
    out!("{}", render::timeline(&timeline));
    Ok(())
}

/// `memcore recent`
pub fn recent(env: &Env, mut args: Args) -> CliResult<()> {
    let limit = args.number::<usize>("--limit")?.unwrap_or(20);
    args.none()?;
    let memory = env.open()?;
    let observations = memory.recent(&env.scope(), limit)?;
    if env.global.json {
        return env.print_json(&observations);
    }
    if let Some(summary) = memory.latest_summary(&env.scope())? {
        outln!("Latest summary\n{}", render::summary(&summary));
    }
    if observations.is_empty() {
        outln!("No observation yet in {}.", describe_scope(&env.scope()));
    }
    for obs in &observations {
        outln!("{}", render::observation_row(obs));
    }
    Ok(())
}

/// What `memcore stats` prints.
#[derive(Serialize)]
struct StatsReport {
    store: PathBuf,
    scope: Scope,
    #[serde(flatten)]
    stats: memcore::Stats,
    llm_tokens_today: u64,
    daily_token_cap: Option<u64>,
}

/// `memcore stats`
pub fn stats(env: &Env, args: Args) -> CliResult<()> {
    args.none()?;
    let memory = env.open()?;
    let scope = env.scope();
    let report = StatsReport {
        store: env.paths.db.clone(),
        stats: memory.stats(&scope)?,
        scope,
        llm_tokens_today: provider::spent_today(&memory)?,
        daily_token_cap: env.settings.daily_token_cap,
    };
    if env.global.json {
        return env.print_json(&report);
    }
    let s = &report.stats;
    outln!(
        "{} ({})",
        describe_scope(&report.scope),
        report.store.display()
    );
    outln!("  observations  {}", s.observations);
    for (kind, n) in &s.observations_by_kind {
        outln!("    {kind:<12}{n}");
    }
    outln!("  sessions      {}", s.sessions);
    outln!("  summaries     {}", s.summaries);
    outln!(
        "  events        {} ({} pending, {} failed)",
        s.events,
        s.pending_events,
        s.failed_events
    );
    outln!("  store size    {}", render::bytes(s.file_size_bytes));
    outln!(
        "  LLM tokens today {}{}",
        report.llm_tokens_today,
        report
            .daily_token_cap
            .map(|c| format!(" of {c}"))
            .unwrap_or_default()
    );
    Ok(())
}

/// `memcore retry-failed`
pub fn retry_failed(env: &Env, args: Args) -> CliResult<()> {
    args.none()?;
    let memory = env.open()?;
    let project = env.global.project.as_ref().map(|_| env.project());
    let n = memory.retry_failed(project.as_deref())?;
    if env.global.json {
        return env.print_json(&serde_json::json!({"pending_again": n}));
    }
    outln!("{n} failed events are pending again; `memcore extract` runs them now.");
    Ok(())
}

/// `memcore index`: the vector backfill to the end, then compaction of the chunks that
/// mostly hold deleted records.
pub fn index(env: &Env, args: Args) -> CliResult<()> {
    args.none()?;
    let memory = env.open()?;
    memory.index_conversation(500)?;
    let mut embedded = 0;
    loop {
        let step = memory.embed_pending(1_000)?;
        embedded += step.embedded;
        if step.is_done() || step.embedded == 0 {
            break;
        }
    }
    let mut compacted = 0;
    loop {
        let n = memory.compact_vectors(100)?;
        compacted += n;
        if n == 0 {
            break;
        }
    }
    let status = memory.vector_status()?;
    if env.global.json {
        return env.print_json(&serde_json::json!({
            "embedded": embedded,
            "chunks_compacted": compacted,
            "status": status,
        }));
    }
    match &status.embedder {
        Some(embedder) => outln!(
            "{embedded} records embedded with {embedder}; {} observations and {} conversation \
             records still without a vector; {compacted} chunks compacted",
            status.observations_left,
            status.conversation_left
        ),
        None => outln!("vectors are off: nothing to embed"),
    }
    Ok(())
}

/// `memcore import-transcript PATH...`
pub fn import_transcript(env: &Env, mut args: Args) -> CliResult<()> {
    let no_extract = args.flag("--no-extract");
    let paths: Vec<PathBuf> = args.positionals()?.into_iter().map(PathBuf::from).collect();
    if paths.is_empty() {
        return Err(CliError::usage(
            "import-transcript needs a transcript path (.jsonl)",
        ));
    }
    let memory = env.open()?;
    let mut imports = Vec::new();
    for path in &paths {
        let import = memory.import_transcript(path, env.global.project.as_deref())?;
        if !env.global.json {
            outln!(
                "{}: session {} in project {}: {} events, {} new{}",
                path.display(),
                import.session_id,
                import.project,
                import.events,
                import.added,
                if import.bad_lines.is_empty() {
                    String::new()
                } else {
                    format!(", {} unreadable lines", import.bad_lines.len())
                }
            );
        }
        imports.push(import);
    }
    drop(memory);
    let report = if no_extract {
        None
    } else {
        let sessions = imports.iter().map(|i| i.session_id.clone()).collect();
        Some(run_extract(env, sessions, true, None)?)
    };
    if env.global.json {
        return env.print_json(&serde_json::json!({"imports": imports, "extraction": report}));
    }
    if let Some(report) = &report {
        print_extract(report);
    }
    Ok(())
}

/// `memcore extract`
pub fn extract(env: &Env, mut args: Args) -> CliResult<()> {
    let background = args.flag("--background");
    let wait = args.flag("--wait");
    let summarize = args.values("--summarize")?;
    let provider = match args.value("--provider")? {
        Some(text) => Some(ProviderSpec::parse(&text).map_err(CliError::usage)?),
        None => None,
    };
    // What the hooks pass: the session's transcript, read before extracting.
    let transcript = match (args.value("--session")?, args.value("--transcript")?) {
        (Some(session), Some(path)) => Some((session, PathBuf::from(path))),
        (None, None) => None,
        _ => {
            return Err(CliError::usage(
                "--session and --transcript go together (the session's transcript to read)",
            ));
        }
    };
    args.none()?;
    let options = ExtractOptions {
        summarize,
        wait,
        provider,
        project: None,
        transcript,
    };
    if background {
        // Started by a hook: nothing on the terminal, everything in the log.
        let log = env.log("extract");
        if let Err(e) = extractor::extract(&env.paths, &env.settings, &options, &log) {
            log.line(format!("extraction failed: {e}"));
        }
        return Ok(());
    }
    let report = extractor::extract(&env.paths, &env.settings, &options, &env.log("extract"))?;
    if env.global.json {
        return env.print_json(&report);
    }
    print_extract(&report);
    Ok(())
}

fn run_extract(
    env: &Env,
    summarize: Vec<String>,
    wait: bool,
    provider: Option<ProviderSpec>,
) -> CliResult<ExtractReport> {
    let options = ExtractOptions {
        summarize,
        wait,
        provider,
        project: None,
        transcript: None,
    };
    extractor::extract(&env.paths, &env.settings, &options, &env.log("extract"))
}

fn print_extract(report: &ExtractReport) {
    if !report.ran {
        outln!(
            "Another extractor is running{}; it will take the pending events.",
            report
                .busy_pid
                .map(|p| format!(" (pid {p})"))
                .unwrap_or_default()
        );
        return;
    }
    let run = &report.run;
    outln!(
        "{}: {} events extracted into {} observations ({} duplicates) in {} requests; \
         {} summaries",
        report.provider,
        run.events_extracted,
        run.observations_stored,
        run.duplicates,
        run.requests,
        report.summaries.len()
    );
    if run.prompt_tokens + run.completion_tokens > 0 {
        outln!(
            "tokens: {} in, {} out; {} today{}",
            run.prompt_tokens,
            run.completion_tokens,
            report.tokens_today,
            report
                .daily_token_cap
                .map(|c| format!(" of {c}"))
                .unwrap_or_default()
        );
    }
    for problem in &report.problems {
        outln!("problem: {problem}");
    }
}
