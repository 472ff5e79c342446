//! `memcore dev seed N [--events K]`: fills a store with N synthetic observations, and with
//! `--events K` K conversation events per observation (a prompt, assistant messages, tool
//! calls), for the hook latency benchmark (`scripts/bench-hooks.sh`). Hidden from the help:
//! it is not for users' stores.
//!
//! The observations look like a coding project's: a kind, a title and narrative made of
//! project words, files under `src/`, facts; 50 per session, each session with a summary,
//! spread over the last 90 days. The sequence is fixed (a seeded generator), so two seeded
//! stores are alike.

use crate::cli::Args;
use crate::commands::Env;
use crate::error::{CliError, CliResult};
use memcore::{EventPayload, NewEvent, NewObservation, NewSession, NewSummary, ObservationKind};
use time::{Duration, OffsetDateTime};

const WORDS: &[&str] = &[
    "cart",
    "coupon",
    "checkout",
    "invoice",
    "payment",
    "refund",
    "token",
    "session",
    "cache",
    "parser",
    "router",
    "schema",
    "migration",
    "index",
    "query",
    "retry",
    "timeout",
    "queue",
    "worker",
    "config",
    "logger",
    "metrics",
    "auth",
    "login",
    "password",
    "email",
    "upload",
    "image",
    "thumbnail",
    "search",
    "ranking",
    "filter",
    "export",
    "import",
    "backup",
    "locale",
    "currency",
    "tax",
    "shipping",
    "address",
    "order",
    "stock",
    "webhook",
    "signature",
    "rate",
    "limit",
    "pagination",
    "cursor",
    "snapshot",
    "benchmark",
    "flaky",
    "test",
    "fixture",
    "mock",
    "handler",
    "middleware",
    "serializer",
    "validator",
    "encoder",
    "decoder",
];
const VERBS: &[&str] = &[
    "Fixed",
    "Added",
    "Refactored",
    "Changed",
    "Found",
    "Decided",
    "Measured",
    "Removed",
    "Renamed",
    "Documented",
];
const SESSION_SIZE: u64 = 50;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// `memcore dev seed N`
pub fn dev(env: &Env, mut args: Args) -> CliResult<()> {
    let events = args.number::<u64>("--events")?.unwrap_or(0);
    let positionals = args_positionals(&mut args)?;
    match positionals.as_slice() {
        [cmd, n] if cmd == "seed" => {
            let n: u64 = n
                .parse()
                .map_err(|_| CliError::usage(format!("seed takes a count, not {n:?}")))?;
            seed(env, n, events)
        }
        [cmd, n] if cmd == "time-hook-tool" => {
            let n: usize = n
                .parse()
                .map_err(|_| CliError::usage(format!("time-hook-tool takes a count, not {n:?}")))?;
            crate::mcp::time_hook_tool(env, n)
        }
        _ => Err(CliError::usage(
            "dev seed N [--events K] | dev time-hook-tool RUNS",
        )),
    }
}

fn args_positionals(args: &mut Args) -> CliResult<Vec<String>> {
    std::mem::take(args).positionals()
}

fn seed(env: &Env, n: u64, events: u64) -> CliResult<()> {
    let memory = env.open()?;
    let project = env.project();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let now = OffsetDateTime::now_utc();
    let kinds = ObservationKind::DEFAULTS;
    let mut stored = 0u64;
    for i in 0..n {
        let session = format!("seed-{}", i / SESSION_SIZE);
        let at = now - Duration::minutes(((n - i) * 90 * 24 * 60 / n.max(1)) as i64);
        if i % SESSION_SIZE == 0 {
            memory.start_session(NewSession {
                started_at: Some(at),
                ..NewSession::new(&session, &project, "seed")
            })?;
        }
        let (a, b, c) = (rng.pick(WORDS), rng.pick(WORDS), rng.pick(WORDS));
        let verb = rng.pick(VERBS);
        let kind = kinds[(rng.next() % kinds.len() as u64) as usize].clone();
        let file = format!("src/{a}/{b}.rs");
        let added = memory.add_observation(NewObservation {
            project: Some(project.clone()),
            session_id: Some(session.clone()),
            kind: Some(kind),
            title: format!("{verb} {a} {b} handling in {c} ({i})"),
            subtitle: format!("The {a} {b} path now handles {c} correctly."),
            narrative: format!(
                "While working on the {a} module, the {b} logic turned out to mishandle {c}. \
                 The change in {file} makes {b} check {c} first, and a test covers it."
            ),
            facts: vec![
                format!("{file} holds the {b} logic of {a}"),
                format!("{c} must be checked before {b}"),
            ],
            concepts: vec!["how-it-works".into()],
            files_read: vec![format!("src/{c}/mod.rs")],
            files_modified: vec![file.clone()],
            created_at: Some(at),
            ..NewObservation::default()
        })?;
        if !added.duplicate {
            stored += 1;
        }
        for k in 0..events {
            let payload = match k % 4 {
                0 => EventPayload::UserPrompt {
                    text: format!("Why does the {a} {b} path fail on {c}? ({i}.{k})"),
                },
                1 => EventPayload::AssistantMessage {
                    text: format!(
                        "The {b} logic in {file} reads {c} before checking it; I'll check {c} \
                         first, because the {a} caller passes it unset. ({i}.{k})"
                    ),
                },
                2 => EventPayload::ToolUse {
                    tool_name: "Bash".into(),
                    input: serde_json::json!({"command": format!("cargo test {a}::{b}"),
                                              "description": format!("Run the {a} tests")}),
                    output: Some(format!("test {a}::{b} ... ok ({i}.{k})")),
                    error: None,
                    tool_use_id: Some(format!("seed-{i}-{k}")),
                },
                _ => EventPayload::ToolUse {
                    tool_name: "Edit".into(),
                    input: serde_json::json!({"file_path": file,
                                              "old_string": format!("{b}({c})"),
                                              "new_string": format!("check({c}); {b}({c})")}),
                    output: Some("The file has been updated.".into()),
                    error: None,
                    tool_use_id: Some(format!("seed-{i}-{k}")),
                },
            };
            let mut event = NewEvent::new(&session, payload);
            event.external_id = Some(format!("seed-{i}-{k}"));
            event.occurred_at = Some(at);
            memory.record_event(event)?;
        }
        if i % SESSION_SIZE == SESSION_SIZE - 1 || i + 1 == n {
            memory.add_summary(
                &session,
                NewSummary {
                    request: format!("Fix the {a} {b} handling"),
                    investigated: format!("The {a} module and its {b} logic"),
                    learned: format!("{c} must be checked before {b}"),
                    completed: format!("{verb} {a} {b}"),
                    next_steps: format!("Cover {c} in the integration tests"),
                    notes: String::new(),
                },
            )?;
            memory.end_session(&session)?;
        }
    }
    outln!(
        "seeded {stored} observations in project {project} ({})",
        env.paths.db.display()
    );
    Ok(())
}
