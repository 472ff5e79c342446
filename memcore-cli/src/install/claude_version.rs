//! Which hook route the Claude Code on this machine can take: `mcp_tool` hooks need 2.1.118
//! or later. `claude --version` prints `2.1.240 (Claude Code)`; when there is no `claude` on
//! PATH, or it does not answer within [`TIMEOUT`], or its answer is not a version, install
//! keeps to command hooks, which every version runs.

use super::Route;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The first Claude Code version that runs `mcp_tool` hooks.
pub const MCP_TOOL_SINCE: (u32, u32, u32) = (2, 1, 118);
/// How long `claude --version` may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// The route for this machine's Claude Code (see the module's documentation).
pub fn route() -> Route {
    match installed() {
        Some(version) if version >= MCP_TOOL_SINCE => Route::McpTool,
        _ => Route::Command,
    }
}

/// The version of the `claude` on PATH, when it tells one in time.
fn installed() -> Option<(u32, u32, u32)> {
    let claude = super::mcp::claude_cli()?;
    let mut child = Command::new(claude)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut out).ok()?;
    parse(&out)
}

/// The first `X.Y.Z` of `text`.
pub fn parse(text: &str) -> Option<(u32, u32, u32)> {
    text.split_whitespace().find_map(|word| {
        let mut parts = word.split('.').map(|p| p.parse::<u32>().ok());
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(Some(a)), Some(Some(b)), Some(Some(c)), None) => Some((a, b, c)),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_what_claude_prints() {
        assert_eq!(parse("2.1.240 (Claude Code)\n"), Some((2, 1, 240)));
        assert_eq!(parse("claude 2.1.118"), Some((2, 1, 118)));
        assert_eq!(parse("Claude Code"), None);
        assert_eq!(parse("2.1"), None);
        assert!(parse("2.1.117 (Claude Code)").unwrap() < MCP_TOOL_SINCE);
        assert!(parse("2.10.0 (Claude Code)").unwrap() >= MCP_TOOL_SINCE);
    }
}
