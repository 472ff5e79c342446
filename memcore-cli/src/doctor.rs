//! `memcore doctor`: is memory working, and if not, why.

use crate::cli::Args;
use crate::commands::Env;
use crate::error::{CliError, CliResult};
use crate::extractor::ExtractLock;
use crate::install::{self, SettingsScope};
use crate::provider::{self, ProviderSpec};
use crate::render;
use memcore::{Memory, Scope};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Everything doctor looked at.
#[derive(Debug, Serialize)]
pub struct Report {
    /// memcore's version.
    pub version: &'static str,
    /// The store.
    pub store: StoreReport,
    /// The extractor and its provider.
    pub extraction: ExtractionReport,
    /// The log file and its last lines.
    pub log: LogReport,
    /// The config file.
    pub config: ConfigReport,
    /// Hook installation, per settings file.
    pub hooks: Vec<HooksReport>,
    /// What needs attention, in words.
    pub problems: Vec<String>,
}

/// The store's state.
#[derive(Debug, Serialize)]
pub struct StoreReport {
    /// Its path.
    pub path: PathBuf,
    /// Whether the file exists (the first hook creates it).
    pub exists: bool,
    /// Schema version.
    pub schema_version: Option<u32>,
    /// Size in bytes, WAL included.
    pub size_bytes: Option<u64>,
    /// Projects in it.
    pub projects: Option<usize>,
    /// Whole-store counts.
    pub stats: Option<memcore::Stats>,
    /// `PRAGMA integrity_check`'s findings (`["ok"]` when sound).
    pub integrity: Option<Vec<String>>,
    /// Why it could not be opened.
    pub error: Option<String>,
    /// Ended sessions with no summary (at most 1,000 counted).
    pub missing_summaries: Option<usize>,
    /// Hook writes that failed (see `crate::failed`).
    pub failed_writes: Vec<crate::failed::Trace>,
    /// The vector index: embedder, records still without a vector.
    pub vectors: Option<memcore::VectorStatus>,
}

/// The extraction side.
#[derive(Debug, Serialize)]
pub struct ExtractionReport {
    /// The configured provider.
    pub provider: String,
    /// Whether the provider's key is set (`None` when it needs none).
    pub key_present: Option<bool>,
    /// The API root used.
    pub base_url: Option<String>,
    /// Pid of the extractor running now.
    pub running_pid: Option<u32>,
    /// The newest ledger row.
    pub last: Option<memcore::LedgerEntry>,
    /// LLM tokens spent today (UTC).
    pub tokens_today: Option<u64>,
    /// The daily cap.
    pub daily_token_cap: Option<u64>,
}

/// The log file.
#[derive(Debug, Serialize)]
pub struct LogReport {
    /// Its path.
    pub path: PathBuf,
    /// Its last lines (up to 5).
    pub last_lines: Vec<String>,
}

/// The config file.
#[derive(Debug, Serialize)]
pub struct ConfigReport {
    /// Its path.
    pub path: PathBuf,
    /// Whether it exists.
    pub exists: bool,
    /// What is wrong in it or in the environment.
    pub warnings: Vec<String>,
}

/// memcore's hooks in one settings file.
#[derive(Debug, Serialize)]
pub struct HooksReport {
    /// `user` or `project`.
    pub scope: &'static str,
    /// The settings file.
    pub path: Option<PathBuf>,
    /// Events whose hook is there.
    pub installed: Vec<&'static str>,
    /// Events whose hook is missing.
    pub missing: Vec<&'static str>,
    /// The file that registers MCP servers in this scope (`~/.claude.json`, `.mcp.json`).
    pub mcp_path: Option<PathBuf>,
    /// Whether `memcore mcp` is registered there.
    pub mcp_registered: bool,
    /// The memcore plugin enabled in this scope's settings (`memcore@memcore`), which
    /// registers the hooks and the MCP server itself.
    pub plugin: Option<String>,
}

/// `memcore doctor`
pub fn doctor(env: &Env, args: Args) -> CliResult<()> {
    args.none()?;
    let report = examine(env);
    if env.global.json {
        env.print_json(&report)?;
    } else {
        out!("{}", text(&report));
    }
    // Scripts and people alike can tell a healthy setup by the exit status.
    match report.problems.len() {
        0 => Ok(()),
        1 => Err(CliError::Problems("doctor found a problem".to_owned())),
        n => Err(CliError::Problems(format!("doctor found {n} problems"))),
    }
}

/// A problem with the data directory: it cannot be created or written, or its disk is full
/// (a probe file is written and removed).
fn data_dir_problem(dir: &Path) -> Option<String> {
    use std::io::Write;
    if let Err(e) = std::fs::create_dir_all(dir) {
        return Some(format!(
            "the store's folder {} cannot be created ({e}): hooks cannot record anything",
            dir.display()
        ));
    }
    let probe = dir.join(format!(".memcore-doctor-{}", std::process::id()));
    let written = std::fs::File::create(&probe)
        .and_then(|mut f| f.write_all(&[0u8; 64 * 1024]).and_then(|()| f.sync_all()));
    let _ = std::fs::remove_file(&probe);
    written.err().map(|e| {
        format!(
            "cannot write in the store's folder {} ({e}): hooks cannot record anything; free \
             disk space or fix the folder's permissions",
            dir.display()
        )
    })
}

/// A problem with a program that Claude Code runs for memcore (`what`: the hooks, the MCP
/// server): it does not exist, or does not run.
fn program_problem(program: &str, what: &str) -> Option<String> {
    let path = if program.contains('/') || program.contains('\\') {
        Some(PathBuf::from(program))
    } else {
        std::env::var_os("PATH").and_then(|dirs| {
            std::env::split_paths(&dirs)
                .map(|d| d.join(program))
                .find(|p| p.is_file())
        })
    };
    let Some(path) = path.filter(|p| p.is_file()) else {
        return Some(format!(
            "{what} run {program}, which does not exist: run `memcore install claude-code` \
             again"
        ));
    };
    match std::process::Command::new(&path)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "{what} run {}, which fails ({}): run `memcore install claude-code` again",
            path.display(),
            out.status
        )),
        Err(e) => Some(format!(
            "{what} run {}, which cannot be started ({e}): run `memcore install claude-code` \
             again",
            path.display()
        )),
    }
}

/// Looks at everything; never fails.
pub fn examine(env: &Env) -> Report {
    let mut problems = Vec::new();
    let paths = &env.paths;
    let settings = &env.settings;
    let exists = paths.db.exists();
    let mut store = StoreReport {
        path: paths.db.clone(),
        exists,
        schema_version: None,
        size_bytes: None,
        projects: None,
        stats: None,
        integrity: None,
        error: None,
        missing_summaries: None,
        failed_writes: Vec::new(),
        vectors: None,
    };
    let mut last = None;
    let mut tokens_today = None;
    let failed_writes = crate::failed::traces(paths);
    for trace in &failed_writes {
        problems.push(format!(
            "{}; see {} (delete it once the cause is fixed)",
            trace.describe(),
            trace.path.display()
        ));
    }
    problems.extend(data_dir_problem(&paths.data_dir));
    store.failed_writes = failed_writes;
    if exists {
        match Memory::open_with(&paths.db, settings.memory.clone()) {
            Ok(memory) => {
                if let Ok(stats) = memory.stats(&Scope::All) {
                    store.schema_version = Some(stats.schema_version);
                    store.size_bytes = Some(stats.file_size_bytes);
                    if stats.failed_events > 0 {
                        problems.push(format!(
                            "{} events failed extraction (see the log); `memcore retry-failed` \
                             makes them pending again",
                            stats.failed_events
                        ));
                    }
                    store.stats = Some(stats);
                }
                store.projects = memory.projects().ok().map(|p| p.len());
                store.vectors = memory.vector_status().ok();
                store.integrity = memory.integrity_check().ok();
                if store
                    .integrity
                    .as_ref()
                    .is_some_and(|i| i.as_slice() != ["ok"])
                {
                    problems.push("the store fails its integrity check".to_owned());
                }
                last = memory
                    .ledger(None, 1)
                    .ok()
                    .and_then(|l| l.into_iter().next());
                tokens_today = provider::spent_today(&memory).ok();
                if let Ok(lost) = memory.sessions_missing_summary(
                    None,
                    crate::extractor::lost_summary_cutoff(),
                    1000,
                ) {
                    if let Some(first) = lost.first() {
                        problems.push(format!(
                            "{} ended sessions have no summary (their extractor stopped before \
                             writing it; the first: {first}): `memcore extract` writes them",
                            lost.len(),
                        ));
                    }
                    store.missing_summaries = Some(lost.len());
                }
            }
            Err(e) => {
                problems.push(format!("the store cannot be opened: {e}"));
                store.error = Some(e.to_string());
            }
        }
    }
    let (key_present, base_url) = match &settings.provider {
        ProviderSpec::Heuristic => (None, None),
        ProviderSpec::Anthropic { .. } => (
            Some(settings.anthropic_api_key.is_some()),
            Some(settings.anthropic_base_url.clone()),
        ),
        ProviderSpec::OpenAi { .. } => (
            Some(settings.openai_api_key.is_some()),
            Some(settings.openai_base_url.clone()),
        ),
    };
    if matches!(settings.provider, ProviderSpec::Anthropic { .. }) && key_present == Some(false) {
        problems.push(
            "the provider is anthropic but ANTHROPIC_API_KEY is not set: extraction falls back \
             to the heuristic extractor"
                .to_owned(),
        );
    }
    if let (Some(spent), Some(cap)) = (tokens_today, settings.daily_token_cap)
        && spent >= cap
    {
        problems.push(format!(
            "the daily token cap is reached ({spent} of {cap}): LLM extraction waits for \
             tomorrow"
        ));
    }
    let hooks: Vec<HooksReport> = [SettingsScope::User, SettingsScope::Project]
        .into_iter()
        .map(|scope| {
            let path = scope.path().ok();
            let status = path.as_deref().map(install::status).unwrap_or_default();
            let mcp_path = install::mcp::config_path(scope).ok();
            HooksReport {
                plugin: path.as_deref().and_then(install::enabled_plugin),
                mcp_registered: mcp_path.as_deref().is_some_and(install::mcp::registered),
                mcp_path,
                scope: scope.name(),
                installed: status
                    .iter()
                    .filter(|(_, on)| *on)
                    .map(|(e, _)| *e)
                    .collect(),
                missing: status
                    .iter()
                    .filter(|(_, on)| !*on)
                    .map(|(e, _)| *e)
                    .collect(),
                path,
            }
        })
        .collect();
    let plugin = hooks.iter().find_map(|h| h.plugin.clone());
    if let Some(plugin) = &plugin {
        if let Some(twice) = hooks.iter().find(|h| !h.installed.is_empty()) {
            problems.push(format!(
                "memcore's hooks are registered twice, by the plugin {plugin} and in {}, so \
                 every hook runs twice: run `memcore uninstall claude-code --{}` to keep the \
                 plugin's",
                twice
                    .path
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                twice.scope
            ));
        }
    } else if hooks.iter().all(|h| h.installed.is_empty()) {
        problems.push(
            "memcore's hooks are not installed: install the Claude Code plugin or run \
             `memcore install claude-code`"
                .to_owned(),
        );
    } else if hooks
        .iter()
        .all(|h| h.installed.len() < install::HOOK_EVENTS.len())
    {
        problems.push(
            "some of memcore's hooks are missing: run `memcore install claude-code` again"
                .to_owned(),
        );
    }
    // What the hooks and the MCP registration run must exist and run.
    let mut checked: Vec<(String, &str)> = Vec::new();
    for h in &hooks {
        let programs = h
            .path
            .as_deref()
            .map(install::hook_programs)
            .unwrap_or_default();
        let mcp = h
            .mcp_path
            .as_deref()
            .and_then(install::mcp::registered_program);
        let named = programs
            .into_iter()
            .map(|p| (p, "memcore's hooks"))
            .chain(mcp.map(|p| (p, "memcore's MCP server")));
        for (program, what) in named {
            if checked.iter().any(|(p, w)| *p == program && *w == what) {
                continue;
            }
            problems.extend(program_problem(&program, what));
            checked.push((program, what));
        }
    }
    let log_path = paths.log_file();
    let last_lines = std::fs::read_to_string(&log_path)
        .map(|text| {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(5)..]
                .iter()
                .map(|l| l.to_string())
                .collect()
        })
        .unwrap_or_default();
    let config_path = paths.config_file();
    let warnings = settings.warnings.clone();
    problems.extend(warnings.iter().cloned());
    Report {
        version: env!("CARGO_PKG_VERSION"),
        store,
        extraction: ExtractionReport {
            provider: settings.provider.to_string(),
            key_present,
            base_url,
            running_pid: ExtractLock::holder(&paths.extract_lock()),
            last,
            tokens_today,
            daily_token_cap: settings.daily_token_cap,
        },
        log: LogReport {
            path: log_path,
            last_lines,
        },
        config: ConfigReport {
            exists: config_path.exists(),
            path: config_path,
            warnings,
        },
        hooks,
        problems,
    }
}

/// The report for people.
pub fn text(r: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "memcore {}", r.version);
    let s = &r.store;
    let _ = writeln!(out, "\nstore         {}", s.path.display());
    if !s.exists {
        let _ = writeln!(
            out,
            "              does not exist yet (the first hook or command creates it)"
        );
    }
    if let Some(e) = &s.error {
        let _ = writeln!(out, "              cannot be opened: {e}");
    }
    if let Some(v) = s.schema_version {
        let _ = writeln!(out, "schema        version {v}");
    }
    if let Some(size) = s.size_bytes {
        let _ = writeln!(out, "size          {}", render::bytes(size));
        let _ = writeln!(
            out,
            "backup        `memcore backup FILE` (copying memory.db alone misses what is still \
             in memory.db-wal)"
        );
    }
    if let Some(n) = s.missing_summaries.filter(|n| *n > 0) {
        let _ = writeln!(out, "summaries     {n} ended sessions have none yet");
    }
    for trace in &s.failed_writes {
        let _ = writeln!(out, "failed writes {}", trace.path.display());
    }
    if let Some(integrity) = &s.integrity {
        let _ = writeln!(out, "integrity     {}", integrity.join("; "));
    }
    if let Some(st) = &s.stats {
        let _ = writeln!(
            out,
            "contents      {} observations, {} sessions, {} summaries in {} projects",
            st.observations,
            st.sessions,
            st.summaries,
            s.projects.unwrap_or(0)
        );
        let _ = writeln!(
            out,
            "events        {} ({} pending, {} failed)",
            st.events, st.pending_events, st.failed_events
        );
    }
    if let Some(v) = &s.vectors {
        match &v.embedder {
            Some(embedder) if v.observations_left == 0 && v.conversation_left == 0 => {
                let _ = writeln!(out, "vectors       {embedder}: every record has one");
            }
            Some(embedder) => {
                let _ = writeln!(
                    out,
                    "vectors       {embedder}: {} observations and {} conversation records \
                     still without one (recall and extraction embed them as they go; \
                     `memcore index` does it now)",
                    v.observations_left, v.conversation_left
                );
            }
            None => {
                let _ = writeln!(out, "vectors       off");
            }
        }
    }
    let x = &r.extraction;
    let _ = writeln!(out, "\nprovider      {}", x.provider);
    if let Some(url) = &x.base_url {
        let _ = writeln!(out, "endpoint      {url}");
    }
    if let Some(key) = x.key_present {
        let _ = writeln!(out, "API key       {}", if key { "set" } else { "NOT SET" });
    }
    let _ = writeln!(
        out,
        "tokens today  {}{}",
        x.tokens_today.unwrap_or(0),
        x.daily_token_cap
            .map(|c| format!(" of {c} (daily cap)"))
            .unwrap_or_else(|| " (no daily cap)".to_owned())
    );
    let _ = writeln!(
        out,
        "extractor     {}",
        match x.running_pid {
            Some(pid) => format!("running (pid {pid})"),
            None => "idle".to_owned(),
        }
    );
    match &x.last {
        Some(l) => {
            let _ = writeln!(
                out,
                "last extraction {} · {} · {} · {} · {} events · {} + {} tokens{}",
                render::when(l.created_at),
                l.model,
                l.purpose,
                l.outcome,
                l.event_ids.len(),
                l.prompt_tokens,
                l.completion_tokens,
                l.detail
                    .as_deref()
                    .map(|d| format!(" · {}", render::line(d, 120)))
                    .unwrap_or_default()
            );
        }
        None => {
            let _ = writeln!(out, "last extraction none yet");
        }
    }
    let _ = writeln!(out, "\nhooks");
    for h in &r.hooks {
        let path = h
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(unknown)".to_owned());
        let state = if h.installed.is_empty() {
            "not installed".to_owned()
        } else if h.missing.is_empty() {
            format!("installed ({} events)", h.installed.len())
        } else {
            format!("partly installed, missing {}", h.missing.join(", "))
        };
        let _ = writeln!(out, "  {:<8}    {path}: {state}", h.scope);
        if let Some(plugin) = &h.plugin {
            let _ = writeln!(
                out,
                "              plugin {plugin} enabled: it runs the hooks and the MCP server"
            );
        }
        if let Some(mcp) = &h.mcp_path {
            let state = if h.mcp_registered {
                "MCP server registered"
            } else {
                "no MCP server"
            };
            let _ = writeln!(out, "              {}: {state}", mcp.display());
        }
    }
    let _ = writeln!(
        out,
        "\nconfig        {}{}",
        r.config.path.display(),
        if r.config.exists {
            ""
        } else {
            " (none: defaults)"
        }
    );
    let _ = writeln!(out, "log           {}", r.log.path.display());
    for line in &r.log.last_lines {
        let _ = writeln!(out, "  {line}");
    }
    if r.problems.is_empty() {
        let _ = writeln!(out, "\nno problem found");
    } else {
        let _ = writeln!(out, "\nproblems");
        for p in &r.problems {
            let _ = writeln!(out, "  - {p}");
        }
    }
    out
}
