//! `memcore extract`: turns pending events into observations (and ended sessions into
//! summaries), one extractor per store at a time.
//!
//! # Started by hooks, never waited for
//!
//! Stop and PreCompact start `memcore extract --background`, SessionEnd starts
//! `memcore extract --background --wait --summarize <session>` (each with
//! `--session <id> --transcript <path>` when the hook names the session's transcript), through
//! [`spawn_detached`]: stdin, stdout and stderr on `/dev/null`, a process group of its own (a
//! Ctrl-C in the terminal does not reach it), never waited for. The hook returns at once.
//!
//! # One extractor per store: the lock file
//!
//! `<store>.extract.lock` beside the store is locked with the operating system's advisory
//! file lock (`flock` on Unix, `LockFileEx` on Windows) for the whole run, and holds the
//! running extractor's pid for `doctor`. An extractor that finds it locked exits at once
//! (`--wait`: polls for up to [`WAIT_FOR_LOCK`] first, so a session's summary is written after
//! its last events are extracted). The lock dies with its process, so a crashed extractor
//! never leaves a stale lock (unlike a pid file, whose pid may be reused); the file itself is
//! never deleted, since deleting a lock file while another process opens it would let two
//! extractors run.
//!
//! # The transcript first
//!
//! With `--session` and `--transcript`, the run first reads the session's transcript from
//! where its last read ended ([`crate::hook::read_transcript`]: the assistant's words, which
//! no hook payload carries), before it looks at the lock: reading is idempotent and safe
//! beside another extractor, and the words are pending for this run or the running one.
//!
//! # Nothing is lost
//!
//! Events are claimed with a lease by the core: a crash leaves them pending for the next run.
//! A failed LLM call counts one attempt against the events (they are marked failed after
//! `max_attempts`, kept, and made pending again by `memcore retry-failed`). The HTTP client
//! retries what is worth retrying (see [`crate::provider::http`]); a request that still fails
//! stops the run, so an outage or a bad key costs each event one attempt per run, not all of
//! them at once. A run that reaches the daily token cap
//! stops before claiming anything more: the rest waits, pending, for the next day.
//!
//! A summary is not lost with its extractor either: after its own work, every run also
//! summarises the ended sessions that have a prompt, no pending event and no summary
//! ([`memcore::Memory::sessions_missing_summary`], at most [`MISSING_SUMMARIES_PER_RUN`]) and
//! ended more than [`LOST_SUMMARY_AFTER`] ago (sooner, their own SessionEnd extractor may
//! still be waiting for the lock), so a SessionEnd extractor killed before writing one leaves
//! it to a later run.

use crate::config::Settings;
use crate::error::{CliError, CliResult};
use crate::log::Log;
use crate::paths::Paths;
use crate::provider::{self, HttpLlm, ProviderSpec, TokenCap};
use memcore::capture::TranscriptRead;
use memcore::extract::{ExtractionRun, Extractor, LlmClient};
use memcore::{Memory, Scope};
use serde::Serialize;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long `--wait` waits for another extractor to finish.
pub const WAIT_FOR_LOCK: Duration = Duration::from_secs(600);
/// Most passes of one run: a pass that extracted something is followed by another, for the
/// events recorded meanwhile.
const MAX_PASSES: u32 = 3;
/// Most lost summaries one run writes (see [`memcore::Memory::sessions_missing_summary`]).
const MISSING_SUMMARIES_PER_RUN: usize = 20;
/// A session's summary counts as lost this long after the session ended (its own SessionEnd
/// extractor may wait [`WAIT_FOR_LOCK`] for the lock first); `MEMCORE_LOST_SUMMARY_SECS`
/// changes it.
const LOST_SUMMARY_AFTER: Duration = Duration::from_secs(900);

/// Sessions ended before this time and still without a summary have lost it.
pub fn lost_summary_cutoff() -> time::OffsetDateTime {
    let after = std::env::var("MEMCORE_LOST_SUMMARY_SECS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .map_or(LOST_SUMMARY_AFTER, Duration::from_secs);
    time::OffsetDateTime::now_utc() - after
}
/// Set to any value, hooks start no extractor (tests and benchmarks).
pub const NO_SPAWN_ENV: &str = "MEMCORE_NO_EXTRACT";

/// The extractor lock, held while the value lives.
pub struct ExtractLock {
    _file: File,
}

impl ExtractLock {
    /// Takes the lock if no other extractor holds it (`None` when one does), waiting up to
    /// `wait` for it.
    pub fn acquire(path: &Path, wait: Duration) -> CliResult<Option<ExtractLock>> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| CliError::io("open", path, e))?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(TryLockError::WouldBlock) => return Ok(None),
                Err(TryLockError::Error(e)) => return Err(CliError::io("lock", path, e)),
            }
        }
        // The pid is for people and `doctor`; the lock itself is what counts.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = writeln!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(Some(ExtractLock { _file: file }))
    }

    /// The pid of the running extractor, or `None` when none runs.
    pub fn holder(path: &Path) -> Option<u32> {
        let mut file = File::open(path).ok()?;
        match file.try_lock_shared() {
            Ok(()) => None,
            Err(_) => {
                let mut text = String::new();
                file.read_to_string(&mut text).ok()?;
                text.trim().parse().ok().or(Some(0))
            }
        }
    }
}

/// Starts `memcore extract --background <args>` on the same store, detached; logs a failure
/// to start. Does nothing when [`NO_SPAWN_ENV`] is set.
pub fn spawn_detached(paths: &Paths, args: &[String], log: &Log) {
    if std::env::var_os(NO_SPAWN_ENV).is_some() {
        return;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            log.line(format!(
                "cannot find the memcore executable to extract: {e}"
            ));
            return;
        }
    };
    let mut command = Command::new(exe);
    command
        .arg("--db")
        .arg(&paths.db)
        .arg("extract")
        .arg("--background")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    // Never waited for: the hook exits right away and the extractor is adopted by init, so
    // it leaves no zombie.
    #[allow(clippy::zombie_processes)]
    if let Err(e) = command.spawn() {
        log.line(format!("cannot start the extractor: {e}"));
    }
}

/// What `memcore extract` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions {
    /// Sessions to summarise after extraction.
    pub summarize: Vec<String>,
    /// Wait for a running extractor instead of leaving.
    pub wait: bool,
    /// The provider, instead of the configured one.
    pub provider: Option<ProviderSpec>,
    /// Only this project's events.
    pub project: Option<String>,
    /// A session and its transcript, read before extracting.
    pub transcript: Option<(String, PathBuf)>,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExtractReport {
    /// The extractor used (`heuristic`, `anthropic:<model>`...).
    pub provider: String,
    /// False when another extractor held the lock and nothing was done.
    pub ran: bool,
    /// The pid of the extractor that held the lock, when this one did not run.
    pub busy_pid: Option<u32>,
    /// Totals of the extraction.
    pub run: ExtractionRun,
    /// Sessions summarised.
    pub summaries: Vec<String>,
    /// True when the daily token cap stopped the run.
    pub cap_reached: bool,
    /// LLM tokens spent today, this run included.
    pub tokens_today: u64,
    /// The configured daily cap.
    pub daily_token_cap: Option<u64>,
    /// Problems met on the way (also logged).
    pub problems: Vec<String>,
    /// What reading the session's transcript did, when asked and readable.
    pub transcript: Option<TranscriptRead>,
}

/// Runs extraction on the store of `paths`.
///
/// After releasing the lock, a run that extracted something looks again: events recorded
/// while it ran (whose own extractor found the lock taken and left) are extracted by a new
/// pass, up to [`MAX_PASSES`].
pub fn extract(
    paths: &Paths,
    settings: &Settings,
    options: &ExtractOptions,
    log: &Log,
) -> CliResult<ExtractReport> {
    let spec = options
        .provider
        .clone()
        .unwrap_or_else(|| settings.provider.clone());
    let mut report = ExtractReport {
        provider: spec.to_string(),
        daily_token_cap: settings.daily_token_cap,
        ..ExtractReport::default()
    };
    if let Some((session, path)) = &options.transcript {
        let memory = Memory::open_with(&paths.db, settings.memory.clone())?;
        report.transcript = crate::hook::read_transcript(&memory, session, path, None, log);
    }
    let client = match HttpLlm::from_settings(&spec, settings, log) {
        Ok(client) => client,
        Err(CliError::Provider(reason)) => {
            let problem = format!("{reason}; using the heuristic extractor for this run");
            log.line(&problem);
            report.problems.push(problem);
            report.provider = ProviderSpec::Heuristic.to_string();
            None
        }
        Err(e) => return Err(e),
    };
    // Loaded once the lock is held: an extractor that finds it taken loads no model.
    let mut embedder: Option<crate::embedder::LongLived> = None;
    let lock_path = paths.extract_lock();
    let mut wait = if options.wait {
        WAIT_FOR_LOCK
    } else {
        Duration::ZERO
    };
    for pass in 0..MAX_PASSES {
        let Some(lock) = ExtractLock::acquire(&lock_path, wait)? else {
            if pass == 0 {
                report.busy_pid = ExtractLock::holder(&lock_path);
            }
            break;
        };
        wait = Duration::ZERO;
        report.ran = true;
        let mut memory = Memory::open_with(&paths.db, settings.memory.clone())?;
        embedder
            .get_or_insert_with(|| crate::embedder::LongLived::load(settings, log))
            .apply(&mut memory);
        let before = report.run.events_extracted;
        let summarize = if pass == 0 {
            options.summarize.as_slice()
        } else {
            &[]
        };
        run_once(
            &memory,
            client.as_ref(),
            settings,
            options,
            summarize,
            &mut report,
            log,
        )?;
        drop(lock);
        let progressed = report.run.events_extracted > before;
        if !progressed || report.cap_reached || memory.stats(&Scope::All)?.pending_events == 0 {
            break;
        }
    }
    let run = &report.run;
    if run.requests > 0 || !report.summaries.is_empty() {
        log.line(format!(
            "{}: {} requests, {} observations stored ({} duplicates), {} events extracted, \
             {} failed requests, {} summaries, {} tokens today",
            report.provider,
            run.requests,
            run.observations_stored,
            run.duplicates,
            run.events_extracted,
            run.failures,
            report.summaries.len(),
            report.tokens_today
        ));
    }
    // Sync runs here, in the detached process, never in a hook: a round with the configured
    // hub or folder once the new observations are in.
    if report.ran && (settings.hub.is_some() || settings.sync_folder.is_some()) {
        let memory = Memory::open_with(&paths.db, settings.memory.clone())?;
        crate::sync::after_extraction(
            &memory,
            settings.hub.as_deref(),
            settings.sync_folder.as_deref(),
            log,
        );
    }
    Ok(report)
}

/// One pass under the lock: extraction, then the summaries asked for.
fn run_once(
    memory: &Memory,
    client: Option<&HttpLlm>,
    settings: &Settings,
    options: &ExtractOptions,
    summarize: &[String],
    report: &mut ExtractReport,
    log: &Log,
) -> CliResult<()> {
    let project = options.project.as_deref();
    let spent = provider::spent_today(memory)?;
    match client {
        None => {
            let pass = memory.run_extraction(Extractor::Heuristic, project)?;
            add_run(&mut report.run, pass);
            for session in &with_lost_summaries(memory, summarize, project)? {
                if memory.summarize_heuristic(session)?.is_some() {
                    report.summaries.push(session.clone());
                }
            }
            report.tokens_today = spent;
        }
        Some(client) => {
            let capped = TokenCap::new(client, settings.daily_token_cap, spent);
            let batch = u64::from(memory.config().extraction.batch_input_tokens)
                + u64::from(memory.config().extraction.max_output_tokens);
            llm_loop(memory, &capped, batch, project, report, log)?;
            for session in &with_lost_summaries(memory, summarize, project)? {
                // Falls back to the heuristic summary when the model fails or the cap is
                // reached.
                if memory.summarize(session, &capped)?.is_some() {
                    report.summaries.push(session.clone());
                }
            }
            report.tokens_today = capped.spent();
        }
    }
    Ok(())
}

/// The sessions to summarise: those asked for, then the ended sessions whose summary was lost
/// (their extractor died at SessionEnd), now that their events are extracted.
fn with_lost_summaries(
    memory: &Memory,
    asked: &[String],
    project: Option<&str>,
) -> CliResult<Vec<String>> {
    let mut sessions = asked.to_vec();
    for session in memory.sessions_missing_summary(
        project,
        lost_summary_cutoff(),
        MISSING_SUMMARIES_PER_RUN,
    )? {
        if !sessions.contains(&session) {
            sessions.push(session);
        }
    }
    Ok(sessions)
}

/// The LLM extraction loop: claim, call, complete or fail; stops when nothing is pending, at
/// the cap, or at the first failed request.
fn llm_loop(
    memory: &Memory,
    client: &TokenCap<'_>,
    batch_tokens: u64,
    project: Option<&str>,
    report: &mut ExtractReport,
    log: &Log,
) -> CliResult<()> {
    loop {
        if !client.allows(batch_tokens) {
            let scope = project.map_or(Scope::All, |p| Scope::Project(p.to_owned()));
            if memory.stats(&scope)?.pending_events == 0 {
                return Ok(());
            }
            report.cap_reached = true;
            let problem = format!(
                "daily token cap reached ({} of {} tokens spent today); pending events wait \
                 for tomorrow (or raise MEMCORE_DAILY_TOKEN_CAP)",
                client.spent(),
                report.daily_token_cap.unwrap_or_default()
            );
            log.line(&problem);
            report.problems.push(problem);
            return Ok(());
        }
        let Some(request) = memory.next_extraction(project)? else {
            return Ok(());
        };
        report.run.requests += 1;
        let failure = match client.complete(&request) {
            Ok(response) => {
                report.run.prompt_tokens += response
                    .usage
                    .prompt_tokens
                    .unwrap_or(u64::from(request.input_tokens));
                report.run.completion_tokens += response
                    .usage
                    .completion_tokens
                    .unwrap_or_else(|| u64::from(memcore::tokens::estimate(&response.text)));
                match memory.complete_extraction(&request, &response.text, &response.usage) {
                    Ok(done) => {
                        report.run.observations_stored += done.stored.len() as u64;
                        report.run.duplicates += done.duplicates.len() as u64;
                        report.run.events_extracted += done.events_extracted as u64;
                        report.run.issues.extend(done.issues);
                        None
                    }
                    // Recorded by the core as a failed attempt already.
                    Err(memcore::Error::InvalidInput { reason, .. }) => Some(reason),
                    Err(e) => return Err(e.into()),
                }
            }
            Err(err) => {
                let reason = err.to_string();
                let failed = memory.fail_extraction(&request, &reason)?;
                report.run.events_failed += failed.events_failed;
                Some(reason)
            }
        };
        if let Some(reason) = failure {
            // The client has already retried what was worth retrying, and the failed events
            // are the oldest pending ones, so the next request would be the same one: stop,
            // having cost each event one attempt.
            report.run.failures += 1;
            let problem = format!(
                "extraction of {} events of session {} failed: {reason}; they stay pending \
                 for the next run",
                request.event_ids.len(),
                request.session_id
            );
            log.line(&problem);
            report.problems.push(problem);
            return Ok(());
        }
    }
}

/// Adds one pass's totals to a run's.
fn add_run(total: &mut ExtractionRun, pass: ExtractionRun) {
    total.requests += pass.requests;
    total.observations_stored += pass.observations_stored;
    total.duplicates += pass.duplicates;
    total.events_extracted += pass.events_extracted;
    total.failures += pass.failures;
    total.events_failed += pass.events_failed;
    total.issues.extend(pass.issues);
    total.prompt_tokens += pass.prompt_tokens;
    total.completion_tokens += pass.completion_tokens;
}
