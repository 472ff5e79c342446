//! Imports Claude Code transcripts and shows what memcore makes of them.
//!
//! ```text
//! cargo run --release --example ingest_transcript -- PATH...          # heuristic extraction
//! cargo run --release --example ingest_transcript -- --cost PATH...   # prompt cost, no model
//! ```
//!
//! Without `--cost`: each transcript goes into a fresh store, the heuristic extractor (no LLM)
//! distils it, and the example prints the event count, the observation count and the titles.
//!
//! With `--cost`: it also builds every LLM extraction request the transcript would need,
//! without calling any model, and prints the input tokens per batch, per event and per
//! expected observation (the heuristic extractor's count stands in for what a model would
//! write), then the mean over all transcripts.

use memcore::extract::request::build_observation_requests;
use memcore::{Memory, Scope};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Default)]
struct Cost {
    batches: u64,
    events: u64,
    observations: u64,
    input_tokens: u64,
}

fn main() -> ExitCode {
    let mut cost_mode = false;
    let mut paths = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--cost" => cost_mode = true,
            "-h" | "--help" => {
                println!("usage: ingest_transcript [--cost] TRANSCRIPT.jsonl...");
                return ExitCode::SUCCESS;
            }
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if paths.is_empty() {
        eprintln!("usage: ingest_transcript [--cost] TRANSCRIPT.jsonl...");
        return ExitCode::from(2);
    }
    let mut total = Cost::default();
    for path in &paths {
        match ingest(path, cost_mode, &mut total) {
            Ok(()) => {}
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    if cost_mode && total.batches > 0 {
        println!(
            "\nall transcripts: {} batches, {} events, {} expected observations, {} input tokens",
            total.batches, total.events, total.observations, total.input_tokens
        );
        println!(
            "  mean input tokens: {:.0} per batch, {:.0} per event, {:.0} per expected observation",
            total.input_tokens as f64 / total.batches as f64,
            total.input_tokens as f64 / total.events.max(1) as f64,
            total.input_tokens as f64 / total.observations.max(1) as f64,
        );
    }
    ExitCode::SUCCESS
}

fn ingest(path: &std::path::Path, cost_mode: bool, total: &mut Cost) -> memcore::Result<()> {
    let dir = tempfile::tempdir().map_err(|source| memcore::Error::Io {
        action: "create a temporary directory",
        path: std::env::temp_dir(),
        source,
    })?;
    let mem = Memory::open(dir.path().join("memory.db"))?;
    let import = mem.import_transcript(path, None)?;
    let events = mem.events(&import.session_id, None)?;
    let requests = build_observation_requests(mem.mode(), &events, &mem.config().extraction);

    let run = mem.run_extraction(memcore::extract::Extractor::Heuristic, None)?;
    let summary = mem.summarize_heuristic(&import.session_id)?;
    let observations = mem.recent(&Scope::All, 1000)?;

    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    println!(
        "{name}: {} events, {} observations (project {})",
        import.events, run.observations_stored, import.project
    );
    for obs in observations.iter().rev() {
        println!("  [{}] {}", obs.kind, obs.title);
    }
    if let Some(summary) = summary {
        println!("  summary: {}", summary.content.request);
    }
    if cost_mode {
        let input: u64 = requests.iter().map(|r| u64::from(r.input_tokens)).sum();
        let expected = run.observations_stored.max(1);
        println!(
            "  prompt cost: {} batches, {input} input tokens: {:.0} per batch, {:.0} per event, {:.0} per expected observation",
            requests.len(),
            input as f64 / requests.len().max(1) as f64,
            input as f64 / events.len().max(1) as f64,
            input as f64 / expected as f64,
        );
        total.batches += requests.len() as u64;
        total.events += events.len() as u64;
        total.observations += expected;
        total.input_tokens += input;
    }
    Ok(())
}
