//! `memcore mcp`: memory the agent can search and write, served over the Model Context
//! Protocol on stdin and stdout, by the same short-lived kind of process as the hooks: the
//! client (Claude Code) starts it and it ends when the client closes its stdin. No daemon, no
//! port.
//!
//! Tools ([`tools`]): `search` (a compact index), `timeline` (around an id or a moment),
//! `get_observations` (full records), `remember` (an explicit memory, redacted like
//! everything else), `forget` (by id). Each works on one project unless the call names
//! another (`"*"` is every project): `--project`, else the project of `$CLAUDE_PROJECT_DIR`,
//! else that of the working directory, by the resolver the hooks use.
//!
//! The protocol is the official Rust SDK's (`rmcp`), on a single-threaded runtime: calls are
//! short SQLite reads and writes, served one at a time on one store handle (whose vector
//! index stays warm between calls). stdout carries only protocol messages; problems go to
//! `memcore.log` beside the store and to stderr.

mod args;
mod server;
pub mod tools;

use crate::cli::Args;
use crate::commands::Env;
use crate::error::{CliError, CliResult};
use rmcp::ServiceExt;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

/// `memcore mcp`
pub fn mcp(env: &Env, args: Args) -> CliResult<()> {
    args.none()?;
    let log = env.log("mcp");
    let memory = env
        .open()
        .inspect_err(|e| log.line(format!("cannot serve: {e}")))?;
    let tools = tools::Tools::new(memory, project(env));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::io("start the MCP runtime", "memcore mcp", e))?;
    let served: Result<(), String> = runtime.block_on(async {
        let service = server::MemoryServer::new(tools)
            .serve((repaired_stdin(), tokio::io::stdout()))
            .await
            .map_err(|e| format!("the MCP client did not initialize: {e}"))?;
        service
            .waiting()
            .await
            .map(|_| ())
            .map_err(|e| format!("the MCP session ended abnormally: {e}"))
    });
    if let Err(problem) = served {
        log.line(&problem);
        return Err(CliError::Mcp(problem));
    }
    Ok(())
}

/// The project the tools default to: `--project`, else the project of `$CLAUDE_PROJECT_DIR`
/// (which Claude Code gives the servers it starts), else the working directory's.
fn project(env: &Env) -> String {
    let claude_dir = std::env::var_os("CLAUDE_PROJECT_DIR").filter(|d| !d.is_empty());
    match claude_dir {
        Some(dir) if env.global.project.is_none() => {
            memcore::resolve_project(None, std::path::Path::new(&dir))
        }
        _ => env.project(),
    }
}

/// stdin as the server reads it: line by line, each with its lone UTF-16 surrogate escapes
/// replaced by U+FFFD ([`memcore::capture::json::repair_lone_surrogates`]), so that a string a
/// JavaScript client cut inside an emoji costs one character instead of the whole request.
fn repaired_stdin() -> tokio::io::DuplexStream {
    let (reader, mut writer) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let mut stdin = tokio::io::BufReader::new(tokio::io::stdin());
        let mut line = Vec::new();
        loop {
            line.clear();
            match stdin.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let repaired = memcore::capture::json::repair_lone_surrogates(&line);
                    if writer.write_all(&repaired).await.is_err() {
                        break;
                    }
                }
            }
        }
        // Dropping the writer ends the server's input, as the end of stdin does.
    });
    reader
}
