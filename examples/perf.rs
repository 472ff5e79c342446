//! Latency of memcore's hot paths on a store of generated observations.
//!
//! ```text
//! cargo run --release --example perf -- --observations 100000
//! cargo run --release --example perf -- --observations 10000 --json
//! ```
//!
//! Builds a store of N observations of realistic generated text (coding-agent observations:
//! titles, narratives, facts, identifiers, file paths, error codes, over a year of sessions
//! in one project; a fixed seed, so every run builds the same store), then times, one call at
//! a time: `record` (recording a tool-use event), `add` (storing and embedding one more
//! observation), `search` (a fused search for 10 hits with generated queries), `context` (a
//! session-start context of 2,000 tokens for a generated first prompt) and `prompt_context`.
//! It prints p50, p95 and the mean of each in milliseconds; `--json` prints one object:
//!
//! ```text
//! {"observations": 100000, "build_seconds": 61.4, "first_lexical_search_ms": 4.9,
//!  "first_search_ms": 35.9,
//!  "record": {"p50_ms": .., "p95_ms": .., "mean_ms": .., "samples": 200}, "add": {..},
//!  "search": {..}, "context": {..}, "prompt_context": {..}}
//! ```
//!
//! `first_lexical_search_ms` is the first (lexical) search of a freshly opened handle, and
//! `first_search_ms` the first fused search after it, which loads the built-in embedding
//! model (nothing else is built: the vector index is read in place). They are reported
//! apart, not in the percentiles, because a long-lived host pays them once per handle; a
//! short-lived process (a hook) pays them on every call. `embed` is the time to embed one
//! generated observation with the handle's embedder, `peak_rss_mb` the process's peak
//! resident memory (Linux `VmHWM`, which includes the store's pages read through SQLite's
//! memory map) and `anon_rss_mb` its own memory at the end (`RssAnon`); absent elsewhere.
//!
//! Flags: `--observations N` (default 10,000), `--queries N` (default 200), `--path FILE`
//! (build the store there and keep it; an existing store at that path with enough
//! observations is reused), `--check-rescore` (also report `rescore_agreement`: for every
//! query, the share of the top 10 hits, fused and vectors only, that a handle rescoring every
//! approximate vector candidate exactly returns too; shows what the default
//! `RecallConfig::vector_rescore` gives up), `--json`.

use memcore::{
    ContextRequest, EventPayload, Memory, NewEvent, NewObservation, NewSession, ObservationKind,
    SearchRequest,
};
use std::path::PathBuf;
use std::time::Instant;
use time::{Duration, OffsetDateTime};

/// The project every generated observation belongs to.
pub const PROJECT: &str = "perf-app";

/// A small deterministic generator (SplitMix64): the same seed builds the same store.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// An element of a non-empty slice, uniformly.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// An index in `0..n` with a Zipf-like skew (rank r drawn with weight about 1 / r), the
    /// way words are used in real text.
    pub fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let r = ((n as f64 + 1.0).powf(u) - 1.0).floor() as usize;
        r.min(n.saturating_sub(1))
    }
}

#[rustfmt::skip]
const VERBS: &[&str] = &[
    "fixed", "added", "removed", "refactored", "renamed", "moved", "split", "merged", "cached",
    "validated", "documented", "tested", "replaced", "simplified", "optimized", "traced",
    "investigated", "found", "decided", "reverted", "migrated", "upgraded", "pinned", "guarded",
    "retried", "batched", "logged", "parsed", "serialized", "debounced",
];
#[rustfmt::skip]
const NOUNS: &[&str] = &[
    "token", "session", "cache", "request", "response", "handler", "middleware", "router",
    "schema", "migration", "query", "index", "transaction", "connection", "pool", "timeout",
    "retry", "queue", "worker", "job", "scheduler", "config", "parser", "lexer", "tokenizer",
    "renderer", "template", "component", "hook", "state", "store", "reducer", "selector",
    "client", "server", "socket", "stream", "buffer", "encoder", "decoder", "checksum",
    "signature", "certificate", "key", "secret", "password", "user", "account", "permission",
    "role", "policy", "audit", "event", "listener", "callback", "promise", "future", "task",
    "thread", "lock", "mutex", "channel", "pipeline", "build", "test", "fixture", "mock",
    "benchmark", "profile", "metric", "counter", "histogram", "trace", "span", "log", "error",
    "panic", "exception", "warning", "deadline", "limit", "quota", "rate", "backoff", "refresh",
    "expiry", "header", "cookie", "payload", "body", "endpoint", "route", "path", "file",
    "directory", "upload", "download", "image", "thumbnail", "invoice", "payment", "order",
    "cart", "product", "price", "discount", "currency", "locale", "translation", "email",
    "notification", "webhook", "subscription", "plan", "tenant", "workspace", "dashboard",
    "chart", "table", "column", "row", "filter", "sort", "pagination", "cursor", "offset",
    "search", "ranking", "embedding", "vector", "prompt", "context", "budget",
];
#[rustfmt::skip]
const MORE_NOUNS: &[&str] = &[
    "allocator", "arena", "artifact", "assertion", "attachment", "attribute", "avatar",
    "backend", "backup", "badge", "banner", "batch", "binary", "binding", "bitmap", "blob",
    "bookmark", "boundary", "branch", "breakpoint", "broker", "bucket", "bundle", "button",
    "calendar", "canvas", "capability", "caption", "catalog", "category", "changelog",
    "character", "checkbox", "checkout", "cipher", "claim", "classifier", "clipboard",
    "cluster", "codec", "collection", "command", "comment", "commit", "compiler", "compression",
    "conflict", "console", "constraint", "container", "contract", "controller", "converter",
    "coordinate", "coupon", "crash", "credential", "cron", "crypto", "customer", "daemon",
    "database", "dataset", "debugger", "dependency", "deployment", "descriptor", "device",
    "dialog", "diff", "digest", "dispatcher", "document", "domain", "driver", "editor",
    "element", "emitter", "engine", "entity", "entry", "enum", "environment", "executor",
    "export", "extension", "factory", "feature", "feed", "field", "fingerprint", "flag", "font",
    "footer", "form", "format", "fragment", "frame", "function", "gateway", "generator",
    "geometry", "grammar", "graph", "grid", "group", "guard", "handshake", "hash", "heap",
    "heartbeat", "helper", "hostname", "icon", "identity", "import", "inbox", "indexer",
    "initializer", "input", "installer", "instance", "interceptor", "interface", "interpreter",
    "iterator", "journal", "kernel", "keyboard", "label", "language", "layout", "leader",
    "ledger", "library", "license", "lifecycle", "link", "linter", "loader", "logger", "login",
    "macro", "manifest", "mapper", "marker", "matcher", "member", "memory", "menu", "merge",
    "message", "method", "middlewares", "mirror", "model", "module", "monitor", "namespace",
    "network", "node", "nonce", "object", "observer", "operator", "optimizer", "origin",
    "output", "owner", "package", "page", "panel", "parameter", "partition", "patch", "peer",
    "pixel", "placeholder", "platform", "plugin", "pointer", "poller", "port", "preference",
    "preview", "printer", "priority", "process", "producer", "profiler", "property", "protocol",
    "provider", "proxy", "publisher", "quantity", "query", "radio", "range", "reader",
    "receipt", "record", "redirect", "reference", "region", "registry", "release", "replica",
    "report", "repository", "resolver", "resource", "result", "review", "revision", "rollback",
    "rule", "runtime", "sample", "sandbox", "scanner", "scope", "screen", "script", "section",
    "segment", "sender", "sensor", "sequence", "service", "setting", "shader", "shard", "sheet",
    "shortcut", "sidebar", "signal", "sitemap", "slider", "snapshot", "source", "spinner",
    "spreadsheet", "stack", "statement", "status", "storage", "strategy", "string", "struct",
    "style", "subscriber", "suggestion", "summary", "supplier", "switch", "symbol", "syntax",
    "tab", "tag", "target", "terminal", "theme", "ticket", "timestamp", "toast", "toggle",
    "toolbar", "tooltip", "topic", "tracker", "transform", "tree", "trigger", "tuple", "type",
    "unit", "uploader", "url", "validator", "value", "variable", "vendor", "version",
    "viewport", "volume", "wallet", "watcher", "widget", "window", "wizard", "wrapper",
    "writer", "zone",
];
#[rustfmt::skip]
const ADJECTIVES: &[&str] = &[
    "stale", "expired", "missing", "duplicate", "slow", "flaky", "broken", "invalid", "empty",
    "nested", "async", "concurrent", "cached", "unbounded", "default", "optional", "legacy",
    "new", "shared", "global", "local", "remote", "encrypted", "signed", "compressed",
    "partial",
];
#[rustfmt::skip]
const PLACES: &[&str] = &[
    "in the auth middleware", "during startup", "under load", "after the migration",
    "on Windows", "in CI", "for large uploads", "when the cache is cold", "in the retry loop",
    "at the API boundary", "for new tenants", "in the nightly job", "behind the proxy",
    "after a deploy", "with an empty config", "in the worker pool", "on the first request",
];
#[rustfmt::skip]
const REASONS: &[&str] = &[
    "because the lock was held across an await point",
    "since the header was parsed before validation", "so that retries stay idempotent",
    "to keep the response under the size limit", "because two writers raced on the same row",
    "as the old code ignored the timezone offset",
    "because the default timeout was too short for cold starts",
    "so the index is rebuilt only when the schema changes",
    "because the error was swallowed by a catch-all handler",
    "to avoid loading the whole table into memory",
    "since the vendor API returns HTTP 429 when the rate limit is hit",
    "because the borrow checker reported E0502 on the mutable access",
];
#[rustfmt::skip]
const DIRS: &[&str] = &[
    "src", "src/auth", "src/api", "src/db", "src/cache", "src/jobs", "src/ui", "src/billing",
    "src/search", "src/util", "tests", "tests/integration", "migrations", "scripts", "docs",
    "web/src/components", "web/src/hooks", "web/src/store", "crates/core/src", "crates/cli/src",
];
#[rustfmt::skip]
const EXTS: &[&str] = &[
    "rs", "ts", "tsx", "py", "sql", "toml", "md", "go", "yaml", "json",
];
#[rustfmt::skip]
const CONCEPTS: &[&str] = &[
    "how-it-works", "gotcha", "pattern", "trade-off", "problem-solution", "why-it-exists",
    "what-changed",
];
/// An error code: a well-known one, or one of hundreds of compiler codes.
pub fn error_code(rng: &mut Rng) -> String {
    if rng.below(3) == 0 {
        rng.pick(ERRORS).to_string()
    } else {
        format!("E{:04}", rng.below(800))
    }
}

#[rustfmt::skip]
const ERRORS: &[&str] = &[
    "E0502", "E0499", "E0382", "HTTP 429", "HTTP 503", "HTTP 401", "ECONNRESET", "ETIMEDOUT",
    "SQLITE_BUSY", "OOMKilled", "TS2345", "ENOENT",
];

/// A domain word: mostly drawn evenly from a large vocabulary, sometimes from a small hot
/// set with a Zipf skew, so a few words are everywhere and most are not.
pub fn noun(rng: &mut Rng) -> &'static str {
    if rng.below(10) < 3 {
        NOUNS[rng.zipf(NOUNS.len())]
    } else if rng.below(2) == 0 {
        rng.pick(NOUNS)
    } else {
        rng.pick(MORE_NOUNS)
    }
}

/// A plausible identifier: `RefreshToken`, `refresh_token`, `parseHeader`...
pub fn identifier(rng: &mut Rng) -> String {
    let a = noun(rng);
    let b = noun(rng);
    let cap = |s: &str| {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    match rng.below(4) {
        0 => format!("{}{}", cap(a), cap(b)),
        1 => format!("{a}_{b}"),
        2 => format!("{}{}", a, cap(b)),
        _ => format!("{}_{}", a.to_uppercase(), b.to_uppercase()),
    }
}

/// A path such as `src/auth/token_cache.rs`.
pub fn file_path(rng: &mut Rng) -> String {
    let dir = DIRS[rng.zipf(DIRS.len())];
    let name = noun(rng);
    let ext = rng.pick(EXTS);
    if rng.below(3) == 0 {
        let second = noun(rng);
        format!("{dir}/{name}_{second}.{ext}")
    } else {
        format!("{dir}/{name}.{ext}")
    }
}

fn sentence(rng: &mut Rng, file: &str) -> String {
    let verb = rng.pick(VERBS);
    let adj = rng.pick(ADJECTIVES);
    let word = noun(rng);
    let noun2 = noun(rng);
    match rng.below(6) {
        0 => format!(
            "The {adj} {word} {} {}.",
            rng.pick(PLACES),
            rng.pick(REASONS)
        ),
        1 => format!(
            "{} the {word} {noun2} in {file} {}.",
            capitalize(verb),
            rng.pick(REASONS)
        ),
        2 => format!(
            "`{}` now checks the {noun2} before the {word} is written.",
            identifier(rng)
        ),
        3 => format!(
            "A {adj} {word} caused {} {}.",
            error_code(rng),
            rng.pick(PLACES)
        ),
        4 => format!(
            "The {noun2} limit is {} ms and the {word} retries {} times.",
            100 * (1 + rng.below(50)),
            1 + rng.below(5)
        ),
        _ => format!(
            "{} {} so the {word} and the {noun2} stay consistent.",
            capitalize(verb),
            identifier(rng)
        ),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// One generated observation of `project`, made at `at`, the `n`th of the store.
pub fn observation(rng: &mut Rng, _n: usize, at: OffsetDateTime, session: &str) -> NewObservation {
    let kind = ObservationKind::DEFAULTS[rng.below(ObservationKind::DEFAULTS.len())].clone();
    let main_file = file_path(rng);
    let word = noun(rng);
    let title = format!(
        "{} {} {} {} in {}",
        capitalize(rng.pick(VERBS)),
        rng.pick(ADJECTIVES),
        word,
        identifier(rng),
        main_file
    );
    let subtitle = sentence(rng, &main_file);
    let narrative = (0..3 + rng.below(4))
        .map(|_| sentence(rng, &main_file))
        .collect::<Vec<_>>()
        .join(" ");
    let facts = (0..1 + rng.below(3))
        .map(|_| sentence(rng, &main_file))
        .collect();
    let files_read = (0..rng.below(3)).map(|_| file_path(rng)).collect();
    let mut files_modified = vec![main_file];
    if rng.below(3) == 0 {
        files_modified.push(file_path(rng));
    }
    NewObservation {
        project: Some(PROJECT.into()),
        session_id: Some(session.to_owned()),
        kind: Some(kind),
        title,
        subtitle,
        narrative,
        facts,
        context: query(rng),
        concepts: vec![rng.pick(CONCEPTS).to_string()],
        files_read,
        files_modified,
        importance: Some(0.2 + 0.6 * rng.below(100) as f32 / 100.0),
        created_at: Some(at),
        ..NewObservation::default()
    }
}

/// A generated question or first prompt, in the words observations use.
pub fn query(rng: &mut Rng) -> String {
    let word = noun(rng);
    let noun2 = noun(rng);
    match rng.below(5) {
        0 => format!(
            "why is the {} {word} {}",
            rng.pick(ADJECTIVES),
            rng.pick(PLACES)
        ),
        1 => format!("fix the {word} {noun2} bug in {}", file_path(rng)),
        2 => format!("where do we handle {} for the {word}", error_code(rng)),
        3 => format!("how does {} work", identifier(rng)),
        _ => format!("{} the {word} {noun2} logic", rng.pick(VERBS)),
    }
}

/// Builds (or reuses) a store of `n` generated observations; returns its path and the
/// seconds spent.
pub fn build_store(path: &std::path::Path, n: usize) -> Result<f64, memcore::Error> {
    let started = Instant::now();
    let memory = Memory::open(path)?;
    let have = memory
        .stats(&memcore::Scope::Project(PROJECT.into()))?
        .observations as usize;
    if have >= n {
        return Ok(0.0);
    }
    let mut rng = Rng::new(0x006d_656d_636f_7265);
    let start = OffsetDateTime::now_utc() - Duration::days(365);
    let per_session = 20;
    let step = 365.0 * 86_400.0 / n.max(1) as f64;
    for i in 0..n {
        let session = format!("perf-session-{}", i / per_session);
        let at = start + Duration::seconds_f64(step * i as f64);
        if i % per_session == 0 {
            memory.start_session(NewSession {
                started_at: Some(at),
                ..NewSession::new(&session, PROJECT, "perf")
            })?;
        }
        // Draw every observation so the n-th is the same whatever was built before.
        let obs = observation(&mut rng, i, at, &session);
        if i >= have {
            memory.add_observation(obs)?;
        }
    }
    Ok(started.elapsed().as_secs_f64())
}

/// p50, p95 and mean of a set of durations in milliseconds.
pub fn percentiles(samples: &mut [f64]) -> (f64, f64, f64) {
    if samples.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    samples.sort_by(f64::total_cmp);
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    (at(0.5), at(0.95), mean)
}

fn time_ms(f: impl FnOnce()) -> f64 {
    let started = Instant::now();
    f();
    started.elapsed().as_secs_f64() * 1000.0
}

struct Args {
    observations: usize,
    queries: usize,
    path: Option<PathBuf>,
    check_rescore: bool,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        observations: 10_000,
        queries: 200,
        path: None,
        check_rescore: false,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--observations" => {
                args.observations = value("--observations")?
                    .replace('_', "")
                    .parse()
                    .map_err(|e| format!("--observations: {e}"))?
            }
            "--queries" => {
                args.queries = value("--queries")?
                    .parse()
                    .map_err(|e| format!("--queries: {e}"))?
            }
            "--path" => args.path = Some(PathBuf::from(value("--path")?)),
            "--json" => args.json = true,
            "--check-rescore" => args.check_rescore = true,
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: perf [--observations N] [--queries N] [--path FILE] [--check-rescore] [--json]"
                ));
            }
        }
    }
    Ok(args)
}

fn run(args: &Args) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = args
        .path
        .clone()
        .unwrap_or_else(|| dir.path().join("memory.db"));
    if !args.json {
        eprintln!(
            "building {} observations in {} ...",
            args.observations,
            path.display()
        );
    }
    let build_seconds = build_store(&path, args.observations)?;
    let memory = Memory::open(&path)?;
    let mut rng = Rng::new(42);
    let queries: Vec<String> = (0..args.queries.max(1)).map(|_| query(&mut rng)).collect();

    let first_lexical_ms = time_ms(|| {
        let _ = memory.search(
            &SearchRequest::new(&queries[0])
                .project(PROJECT)
                .mode(memcore::SearchMode::Lexical),
        );
    });
    let first_search_ms = time_ms(|| {
        let _ = memory.search(&SearchRequest::new(&queries[0]).project(PROJECT));
    });

    let mut embed = Vec::new();
    if let Some(embedder) = memory.embedder() {
        let mut erng = Rng::new(7);
        let now = OffsetDateTime::now_utc();
        for i in 0..args.queries.max(1) {
            let obs = observation(&mut erng, i, now, "perf-embed");
            let text = format!("{}\n{}\n{}", obs.title, obs.narrative, obs.facts.join("\n"));
            let mut result = Ok(Vec::new());
            embed.push(time_ms(|| result = embedder.embed(&[text.as_str()])));
            result?;
        }
    }

    let mut search = Vec::new();
    for q in &queries {
        let request = SearchRequest::new(q).project(PROJECT);
        let mut result = Ok(Vec::new());
        search.push(time_ms(|| result = memory.search(&request)));
        result?;
    }
    let mut context = Vec::new();
    let mut prompt_context = Vec::new();
    for q in &queries {
        let request = ContextRequest::session_start(PROJECT).query(q);
        let mut result = Ok(Default::default());
        context.push(time_ms(|| result = memory.context(&request)));
        result?;
        let request = ContextRequest::prompt(PROJECT, q);
        let mut result = Ok(Default::default());
        prompt_context.push(time_ms(|| result = memory.context(&request)));
        result?;
    }

    let rescore_agreement = if args.check_rescore {
        Some(rescore_agreement(
            &memory,
            &path,
            args.observations,
            &queries,
        )?)
    } else {
        None
    };

    // Writes last, so the reads above ran on the store as built.
    memory.start_session(NewSession::new("perf-writes", PROJECT, "perf"))?;
    let mut record = Vec::new();
    let mut add = Vec::new();
    let now = OffsetDateTime::now_utc();
    for i in 0..args.queries.max(1) {
        let event = NewEvent::new(
            "perf-writes",
            EventPayload::ToolUse {
                tool_name: "Edit".into(),
                input: serde_json::json!({
                    "file_path": file_path(&mut rng),
                    "old_string": "let ttl = 3600;",
                    "new_string": "let ttl = config.token_ttl_secs;",
                }),
                output: Some("The file has been updated.".into()),
                error: None,
                tool_use_id: Some(format!("toolu_perf_{i}")),
            },
        );
        let mut result = Ok(None);
        record.push(time_ms(|| {
            result = memory.record_event(event).map(Some);
        }));
        result?;
        let obs = observation(&mut rng, args.observations + i, now, "perf-writes");
        let mut result = Ok(None);
        add.push(time_ms(|| result = memory.add_observation(obs).map(Some)));
        result?;
    }

    let stat = |samples: &mut Vec<f64>| {
        let (p50, p95, mean) = percentiles(samples);
        let r = |x: f64| (x * 1000.0).round() / 1000.0;
        serde_json::json!({"p50_ms": r(p50), "p95_ms": r(p95), "mean_ms": r(mean), "samples": samples.len()})
    };
    Ok(serde_json::json!({
        "observations": args.observations,
        "build_seconds": (build_seconds * 10.0).round() / 10.0,
        "first_lexical_search_ms": (first_lexical_ms * 10.0).round() / 10.0,
        "first_search_ms": (first_search_ms * 10.0).round() / 10.0,
        "record": stat(&mut record),
        "add": stat(&mut add),
        "search": stat(&mut search),
        "context": stat(&mut context),
        "prompt_context": stat(&mut prompt_context),
        "embed": stat(&mut embed),
        "rescore_agreement": rescore_agreement,
        "peak_rss_mb": status_mb("VmHWM:"),
        "anon_rss_mb": status_mb("RssAnon:"),
    }))
}

/// For `--check-rescore`: the mean share of the top 10 ids, fused and vectors only, that
/// the default handle and one that rescores every approximate vector candidate exactly have
/// in common.
fn rescore_agreement(
    memory: &Memory,
    path: &std::path::Path,
    observations: usize,
    queries: &[String],
) -> Result<serde_json::Value, memcore::Error> {
    let mut config = memcore::Config::default();
    config.recall.vector_rescore = observations.saturating_mul(2).max(1);
    let exact = Memory::open_with(path, config)?;
    let top = |m: &Memory, q: &str, mode| -> Result<Vec<i64>, memcore::Error> {
        let request = SearchRequest::new(q).project(PROJECT).mode(mode);
        Ok(m.search(&request)?.iter().map(|h| h.id).collect())
    };
    let mut shares = serde_json::Map::new();
    for (name, mode) in [
        ("fused_at_10", memcore::SearchMode::Fused),
        ("vector_at_10", memcore::SearchMode::Vector),
    ] {
        let mut sum = 0.0;
        for q in queries {
            let (a, b) = (top(memory, q, mode)?, top(&exact, q, mode)?);
            let common = a.iter().filter(|id| b.contains(id)).count();
            sum += common as f64 / b.len().max(1) as f64;
        }
        let mean = sum / queries.len().max(1) as f64;
        shares.insert(name.into(), ((mean * 1000.0).round() / 1000.0).into());
    }
    Ok(serde_json::Value::Object(shares))
}

/// A memory figure of the process in MiB from `/proc/self/status` (`None` elsewhere):
/// `VmHWM:` the peak resident set, which counts the pages of the store SQLite reads through
/// its memory map (page cache, shared, given back under pressure); `RssAnon:` the process's
/// own memory at the end.
fn status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib / 1024.0 * 10.0).round() / 10.0)
}

#[allow(dead_code)]
fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    match run(&args) {
        Ok(report) if args.json => println!("{report}"),
        Ok(report) => {
            println!(
                "{} observations (built in {} s); on a new handle: first lexical search {} ms, \
                 then first fused search (loads the embedding model) {} ms; peak memory {} MiB",
                report["observations"],
                report["build_seconds"],
                report["first_lexical_search_ms"],
                report["first_search_ms"],
                report["peak_rss_mb"]
            );
            println!(
                "{:<16} {:>9} {:>9} {:>9}",
                "operation", "p50 ms", "p95 ms", "mean ms"
            );
            for op in [
                "record",
                "add",
                "search",
                "context",
                "prompt_context",
                "embed",
            ] {
                let s = &report[op];
                println!(
                    "{:<16} {:>9.3} {:>9.3} {:>9.3}",
                    op,
                    s["p50_ms"].as_f64().unwrap_or(0.0),
                    s["p95_ms"].as_f64().unwrap_or(0.0),
                    s["mean_ms"].as_f64().unwrap_or(0.0)
                );
            }
        }
        Err(e) => {
            eprintln!("perf: {e}");
            std::process::exit(1);
        }
    }
}
