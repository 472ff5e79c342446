//! A store that does not exist yet, opened by several processes at once, as on a fresh
//! install where Claude Code starts the MCP server and the SessionStart hook together: every
//! process opens it (none takes it for a foreign database), no hook event is lost and the MCP
//! server starts every time.

mod common;

use common::{BIN, Setup};
use serde_json::json;
use std::io::Write;
use std::process::{Child, Command, Stdio};

const ROUNDS: usize = 50;
const HOOKS: usize = 7;

fn spawn(setup: &Setup, args: &[&str], input: String) -> Child {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("MEMCORE_PROJECT")
        .env_remove("MEMCORE_PROVIDER")
        .env_remove("CLAUDE_CONFIG_DIR")
        .env("MEMCORE_DB", &setup.db)
        .env("MEMCORE_NO_EXTRACT", "1")
        .env("HOME", &setup.home)
        .current_dir(&setup.cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start memcore");
    let mut stdin = child.stdin.take().expect("stdin");
    // Small inputs: they fit in the pipe, so writing never waits on the child.
    stdin.write_all(input.as_bytes()).expect("write input");
    child
}

#[test]
fn a_new_store_opened_by_eight_processes_at_once_loses_nothing() {
    for round in 0..ROUNDS {
        let setup = Setup::new();
        let cwd = setup.cwd.display().to_string();
        let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "memcore-test", "version": "0"}}});
        let mut children = vec![spawn(&setup, &["mcp"], format!("{initialize}\n"))];
        for i in 0..HOOKS {
            let input = json!({"session_id": "s1", "cwd": cwd,
                "hook_event_name": "PostToolUse", "tool_name": "Bash",
                "tool_input": {"command": format!("echo {i}")},
                "tool_response": {"stdout": format!("{i}"), "stderr": ""},
                "tool_use_id": format!("toolu_{i}")});
            children.push(spawn(&setup, &["hook", "PostToolUse"], input.to_string()));
        }
        let outputs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().expect("wait for memcore"))
            .collect();
        let mcp = &outputs[0];
        let answer = String::from_utf8_lossy(&mcp.stdout);
        assert!(
            answer.contains("\"serverInfo\""),
            "round {round}: the MCP server did not start: {answer} {}\nlog: {}",
            String::from_utf8_lossy(&mcp.stderr),
            setup.log()
        );
        for hook in &outputs[1..] {
            assert_eq!(hook.status.code(), Some(0), "round {round}");
        }
        assert_eq!(
            setup.stats()["events"],
            json!(HOOKS),
            "round {round}: events lost; log: {}",
            setup.log()
        );
    }
}
