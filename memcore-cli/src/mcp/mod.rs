//! `memcore mcp`: memory the agent can search and write, served over the Model Context
//! Protocol on stdin and stdout, by the same short-lived kind of process as the hooks: the
//! client (Claude Code) starts it and it ends when the client closes its stdin. No daemon, no
//! port.
//!
//! Tools ([`tools`]): `search` (a compact index), `timeline` (around an id or a moment),
//! `get_observations` (full records), `remember` (an explicit memory, redacted like
//! everything else), `forget` (by id), and `hook`, which Claude Code's `mcp_tool` hooks call
//! to record tool calls without starting a process (the same path as `memcore hook`:
//! [`crate::hook::serve`]). Each works on one project unless the call names
//! another (`"*"` is every project): `--project`, else the project of `$CLAUDE_PROJECT_DIR`,
//! else that of the working directory, by the resolver the hooks use.
//!
//! The protocol is the official Rust SDK's (`rmcp`), on a single-threaded runtime: calls are
//! short SQLite reads and writes, served one at a time on one store handle (whose vector
//! index stays warm between calls). stdout carries only protocol messages; problems go to
//! `memcore.log` beside the store and to stderr.

mod args;
mod frame;
mod server;
mod timing;
pub mod tools;

pub use timing::time_hook_tool;

use crate::cli::Args;
use crate::commands::Env;
use crate::error::{CliError, CliResult};
use rmcp::ServiceExt;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

/// `memcore mcp`
pub fn mcp(env: &Env, args: Args) -> CliResult<()> {
    args.none()?;
    let log = env.log("mcp");
    let mut memory = env
        .open()
        .inspect_err(|e| log.line(format!("cannot serve: {e}")))?;
    crate::embedder::LongLived::load(&env.settings, &log).apply(&mut memory);
    let explicit_project = env
        .global
        .project
        .clone()
        .or_else(|| std::env::var("MEMCORE_PROJECT").ok());
    let tools = tools::Tools::new(memory, project(env)).with_hooks(tools::Hooks {
        paths: env.paths.clone(),
        log: env.log("hook (mcp)"),
        explicit_project,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::io("start the MCP runtime", "memcore mcp", e))?;
    let served: Result<(), String> = runtime.block_on(async {
        // Each line from the client is checked first (see `frame`): rmcp reads what passes
        // from a pipe, and writes, like the checks' own answers, to one shared stdout.
        let (to_rmcp, from_filter) = tokio::io::duplex(64 * 1024);
        let out = Out::default();
        tokio::spawn(filter_input(to_rmcp, out.clone()));
        let service = server::MemoryServer::new(tools)
            .serve((from_filter, out))
            .await
            .map_err(|e| format!("the MCP client did not initialize: {e}"))?;
        service
            .waiting()
            .await
            .map(|_| ())
            .map_err(|e| format!("the MCP session ended abnormally: {e}"))
    });
    // The input reader may still wait on stdin when the session broke: do not wait for it.
    runtime.shutdown_background();
    if let Err(problem) = served {
        log.line(&problem);
        return Err(CliError::Mcp(problem));
    }
    Ok(())
}

/// The project the tools default to: `--project`, else the project of `$CLAUDE_PROJECT_DIR`
/// (which Claude Code gives the servers it starts), else the working directory's.
pub(crate) fn project(env: &Env) -> String {
    let claude_dir = std::env::var_os("CLAUDE_PROJECT_DIR").filter(|d| !d.is_empty());
    match claude_dir {
        Some(dir) if env.global.project.is_none() => {
            memcore::resolve_project(None, std::path::Path::new(&dir))
        }
        _ => env.project(),
    }
}

/// stdout, shared by rmcp and the line checks; each write is whole (a write holds the lock
/// until all its bytes are written), so their messages never interleave.
#[derive(Clone, Default)]
struct Out(Arc<Mutex<()>>);

impl Out {
    /// Writes one message and a newline.
    fn line(&self, message: &str) {
        let _guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stdout = std::io::stdout().lock();
        let _ = stdout
            .write_all(message.as_bytes())
            .and_then(|()| stdout.write_all(b"\n"))
            .and_then(|()| stdout.flush());
    }
}

impl tokio::io::AsyncWrite for Out {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let _guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Poll::Ready(std::io::stdout().lock().write_all(buf).map(|()| buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let _guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Poll::Ready(std::io::stdout().lock().flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// Reads the client's lines from stdin, repairs lone surrogate escapes, answers the lines
/// [`frame::check`] refuses, and hands the rest to rmcp; at the end of stdin, ends rmcp's input
/// too.
async fn filter_input(mut to_rmcp: tokio::io::DuplexStream, out: Out) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let mut reader = BufReader::new(tokio::io::stdin());
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        // A lone UTF-16 surrogate escape (a string a JavaScript client cut inside an emoji)
        // costs one character, not the request (`repair_lone_surrogates`).
        let repaired = memcore::capture::json::repair_lone_surrogates(&line);
        let mut body: &[u8] = &repaired;
        while let [rest @ .., b'\n' | b'\r'] = body {
            body = rest;
        }
        match frame::check(body) {
            frame::Verdict::Pass => {
                let passed =
                    to_rmcp.write_all(body).await.is_ok() && to_rmcp.write_all(b"\n").await.is_ok();
                if !passed {
                    break;
                }
            }
            frame::Verdict::Answer(error) => out.line(&error.to_string()),
            frame::Verdict::Ignore => {}
        }
    }
    let _ = to_rmcp.shutdown().await;
}
