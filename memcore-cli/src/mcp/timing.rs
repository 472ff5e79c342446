//! `memcore dev time-hook-tool RUNS`: the server-side time of the `hook` tool, the path of
//! an `mcp_tool` PostToolUse hook inside `memcore mcp` (the store already open, no process
//! started): RUNS calls, after 10 warm-up calls, each recording one new tool call with a
//! Bash command and about 2 KB of output, on the store and in the project `memcore mcp` would
//! use. Prints p50, p95 and the mean in milliseconds. Hidden from the help: it writes
//! benchmark events into the store (`scripts/bench-mcp.py` runs it on a temporary one).

use super::tools::{HOOK, Hooks, Tools};
use crate::commands::Env;
use crate::error::{CliError, CliResult};
use serde_json::{Map, Value, json};
use std::time::Instant;

/// Calls before the timed ones.
const WARM_UP: usize = 10;

/// Times `runs` calls of the hook tool and prints the figures.
pub fn time_hook_tool(env: &Env, runs: usize) -> CliResult<()> {
    if runs == 0 {
        return Err(CliError::usage("time-hook-tool takes a count above 0"));
    }
    let mut memory = env.open()?;
    let log = env.log("hook (mcp)");
    crate::embedder::LongLived::load(&env.settings, &log).apply(&mut memory);
    let tools = Tools::new(memory, super::project(env)).with_hooks(Hooks {
        paths: env.paths.clone(),
        log,
        explicit_project: env.global.project.clone(),
    });
    let cwd = std::env::current_dir()
        .map_err(|e| CliError::io("read the working directory", ".", e))?
        .display()
        .to_string();
    let output: String = (0..40)
        .map(|i| format!("test store::tests::case_{i:02} ... ok (0.{i:02}s)\n"))
        .collect();
    let mut times = Vec::with_capacity(runs);
    for i in 0..WARM_UP + runs {
        let arguments = input(i, &cwd, &output);
        let started = Instant::now();
        tools
            .call(HOOK, Some(arguments))
            .map_err(|e| CliError::Usage(format!("the hook tool failed: {e:?}")))?;
        if i >= WARM_UP {
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    if env.global.json {
        return env.print_json(&json!({
            "runs": runs, "p50_ms": at(0.5), "p95_ms": at(0.95), "mean_ms": mean,
        }));
    }
    println!(
        "hook tool (PostToolUse, server side), {runs} calls: p50 {:.3} ms, p95 {:.3} ms, \
         mean {mean:.3} ms",
        at(0.5),
        at(0.95)
    );
    Ok(())
}

/// The arguments an `mcp_tool` PostToolUse hook gives for call `i`: every value a string, as
/// Claude Code fills `${field}` in.
fn input(i: usize, cwd: &str, output: &str) -> Map<String, Value> {
    let tool_input = json!({"command": format!("cargo test -p memcore store::tests::case_{i}")});
    let tool_response = json!({"stdout": output, "stderr": "", "interrupted": false});
    let mut map = Map::new();
    for (key, value) in [
        ("event", "PostToolUse".to_owned()),
        ("session_id", "bench-hook-tool".to_owned()),
        ("cwd", cwd.to_owned()),
        ("transcript_path", String::new()),
        ("hook_event_name", "PostToolUse".to_owned()),
        ("tool_name", "Bash".to_owned()),
        (
            "tool_use_id",
            format!("toolu_bench_{i}_{}", std::process::id()),
        ),
        ("tool_input", tool_input.to_string()),
        ("tool_response", tool_response.to_string()),
    ] {
        map.insert(key.to_owned(), Value::String(value));
    }
    map
}
