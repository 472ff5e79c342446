//! The Claude Code plugin at the repository root (`.claude-plugin/plugin.json` and
//! `.claude-plugin/marketplace.json`): both manifests are well formed, and the plugin registers
//! exactly what `memcore install claude-code` does (same events, matchers and handler fields,
//! the same `memcore hook <Event>` commands) and an MCP server that this binary really serves.
//! Renaming an event, a subcommand or the server in one place and not the other fails here.

mod common;

use common::Setup;
use serde_json::{Map, Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// The repository root, which is the plugin's root and the marketplace's.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate lies in the workspace")
        .to_owned()
}

fn manifest(name: &str) -> Value {
    let path = root().join(".claude-plugin").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let value: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    assert!(value.is_object(), "{name} is not a JSON object");
    value
}

fn plugin() -> Value {
    manifest("plugin.json")
}

fn marketplace() -> Value {
    manifest("marketplace.json")
}

/// Claude Code's rule for plugin and marketplace names: lowercase words joined by hyphens.
fn is_kebab_case(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

fn string<'a>(value: &'a Value, key: &str, what: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: \"{key}\" must be a string, not {}", value[key]))
}

fn object<'a>(value: &'a Value, key: &str, what: &str) -> &'a Map<String, Value> {
    value[key]
        .as_object()
        .unwrap_or_else(|| panic!("{what}: \"{key}\" must be an object, not {}", value[key]))
}

fn strings(value: &Value, what: &str) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{what} must be a list, not {value}"))
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("{what} must hold strings, not {v}"))
                .to_owned()
        })
        .collect()
}

/// Every string under a key that names a file or folder of the plugin, or a plugin's source.
fn paths(value: &Value, found: &mut Vec<String>) {
    const PATH_KEYS: &[&str] = &[
        "skills",
        "commands",
        "agents",
        "workflows",
        "hooks",
        "mcpServers",
        "outputStyles",
        "lspServers",
        "themes",
        "monitors",
        "source",
        "pluginRoot",
    ];
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                if PATH_KEYS.contains(&key.as_str()) {
                    match member {
                        Value::String(s) => found.push(s.clone()),
                        Value::Array(items) => {
                            found.extend(items.iter().filter_map(Value::as_str).map(str::to_owned))
                        }
                        _ => {}
                    }
                }
                paths(member, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| paths(item, found)),
        _ => {}
    }
}

#[test]
fn the_manifests_are_well_formed() {
    let plugin = plugin();
    let name = string(&plugin, "name", "plugin.json");
    assert!(
        is_kebab_case(name),
        "plugin name {name:?} is not kebab-case"
    );
    assert_eq!(name, "memcore");
    assert_eq!(
        string(&plugin, "version", "plugin.json"),
        env!("CARGO_PKG_VERSION"),
        "plugin.json's version is the workspace's"
    );
    for key in ["description", "license", "repository", "homepage"] {
        assert!(
            !string(&plugin, key, "plugin.json").trim().is_empty(),
            "{key} is empty"
        );
    }
    assert_eq!(
        string(&plugin, "license", "plugin.json"),
        env!("CARGO_PKG_LICENSE")
    );
    assert_eq!(
        string(&plugin, "repository", "plugin.json"),
        env!("CARGO_PKG_REPOSITORY")
    );
    assert!(!strings(&plugin["keywords"], "keywords").is_empty());
    if let Some(author) = plugin.get("author") {
        string(author, "name", "plugin.json author");
    }
    object(&plugin, "hooks", "plugin.json");
    object(&plugin, "mcpServers", "plugin.json");

    let market = marketplace();
    let market_name = string(&market, "name", "marketplace.json");
    assert!(
        is_kebab_case(market_name),
        "marketplace name {market_name:?} is not kebab-case"
    );
    for reserved in [
        "claude-plugins-official",
        "anthropic-plugins",
        "claude-code-plugins",
    ] {
        assert_ne!(market_name, reserved, "a reserved marketplace name");
    }
    string(&market["owner"], "name", "marketplace.json owner");
    let entries = market["plugins"]
        .as_array()
        .expect("marketplace.json: \"plugins\" must be a list");
    assert_eq!(entries.len(), 1, "one plugin: memcore");
    let entry = &entries[0];
    assert_eq!(string(entry, "name", "the marketplace entry"), name);
    // The plugin is the repository itself: a relative source, which works because users add
    // the marketplace from git (`/plugin marketplace add memcore/memcore`).
    assert_eq!(string(entry, "source", "the marketplace entry"), "./");
    // plugin.json's version wins anyway; a second one could only disagree with it.
    if let Some(version) = entry.get("version") {
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
    }

    let mut found = Vec::new();
    paths(&plugin, &mut found);
    paths(&market, &mut found);
    assert!(found.contains(&"./".to_owned()), "{found:?}");
    for path in &found {
        assert!(path.starts_with("./"), "{path:?} must start with ./");
        assert!(!path.contains(".."), "{path:?} leaves the plugin root");
    }

    // The hooks and the server are declared inline, and only there: Claude Code also loads
    // hooks/hooks.json and .mcp.json from the plugin root by itself (both would register
    // twice), and a root .mcp.json would register the server for everyone developing memcore
    // in Claude Code.
    for default in ["hooks/hooks.json", ".mcp.json"] {
        assert!(
            !root().join(default).exists(),
            "{default} at the repository root: keep the plugin's parts in plugin.json"
        );
    }
}

/// The settings.json hooks `memcore install claude-code --hooks mcp` writes, into a private
/// home (tool calls through the MCP server's hook tool, as the plugin does).
fn installed_hooks(setup: &Setup) -> Map<String, Value> {
    setup.ok(&["install", "claude-code", "--hooks", "mcp"]);
    let path = setup.home.join(".claude").join("settings.json");
    let settings: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("settings.json written"))
            .expect("settings.json is JSON");
    settings["hooks"]
        .as_object()
        .expect("install writes a hooks object")
        .clone()
}

/// One hook handler as exec form: (the program, its arguments, every other field).
fn exec_form(handler: &Value, what: &str) -> (String, Vec<String>, Map<String, Value>) {
    let mut rest = handler
        .as_object()
        .unwrap_or_else(|| panic!("{what}: a handler must be an object"))
        .clone();
    let command = rest
        .remove("command")
        .and_then(|c| c.as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{what}: a command handler needs a command"));
    let args = strings(
        &rest.remove("args").unwrap_or(Value::Null),
        &format!("{what}: args (exec form, no shell)"),
    );
    (command, args, rest)
}

#[test]
fn the_plugin_registers_the_hooks_install_writes() {
    let plugin_hooks = object(&plugin(), "hooks", "plugin.json").clone();
    let setup = Setup::new();
    let installed = installed_hooks(&setup);
    let events = |hooks: &Map<String, Value>| hooks.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        events(&plugin_hooks),
        events(&installed),
        "the plugin hooks the events install hooks"
    );
    for (event, groups) in &installed {
        let ours = plugin_hooks[event].as_array().expect("a list of groups");
        let theirs = groups.as_array().expect("a list of groups");
        assert_eq!(ours.len(), 1, "{event}: one group");
        assert_eq!(theirs.len(), 1, "{event}: one group");
        let (ours, theirs) = (&ours[0], &theirs[0]);
        assert_eq!(
            ours.get("matcher"),
            theirs.get("matcher"),
            "{event}: matcher"
        );
        let keys = |g: &Value| g.as_object().map(|g| g.keys().cloned().collect::<Vec<_>>());
        assert_eq!(keys(ours), keys(theirs), "{event}: group fields");
        let (ours, theirs) = (
            ours["hooks"].as_array().expect("handlers"),
            theirs["hooks"].as_array().expect("handlers"),
        );
        assert_eq!((ours.len(), theirs.len()), (1, 1), "{event}: one handler");
        if ours[0]["type"] == "mcp_tool" {
            // The same call, of the plugin's server: `plugin:<plugin>:<server key>`.
            let mut ours = ours[0].clone();
            assert_eq!(ours["server"], "plugin:memcore:memcore", "{event}");
            ours["server"] = theirs[0]["server"].clone();
            assert_eq!(
                ours, theirs[0],
                "{event}: the mcp_tool handler install writes"
            );
            continue;
        }
        assert_eq!(theirs[0]["type"], "command", "{event}");
        let (program, args, fields) = exec_form(&ours[0], event);
        // The plugin runs the command found on PATH; install writes its own path.
        assert_eq!(program, "memcore", "{event}: the command on PATH, by name");
        let mut other = theirs[0].as_object().expect("handler").clone();
        let installed_command = other
            .remove("command")
            .and_then(|c| c.as_str().map(str::to_owned))
            .expect("install writes a command");
        // Type, timeout, async...: the same fields with the same values.
        assert_eq!(fields, other, "{event}: handler fields");
        // Install's command is `<its program, shell-quoted> hook <Event>`: the same words
        // after the program.
        let mut words: Vec<&str> = installed_command.rsplitn(args.len() + 1, ' ').collect();
        words.reverse();
        let program = words[0].trim_matches('\'');
        assert!(
            program.ends_with("memcore") || program.ends_with("memcore.exe"),
            "{event}: install runs {program}"
        );
        assert_eq!(words[1..], args, "{event}: the same invocation");
        assert_eq!(args, ["hook", event.as_str()], "{event}");
    }
}

/// What `memcore hook` logs for an event it does not take.
const NOT_HANDLED: &str = "does not handle this event";

#[test]
fn every_hook_event_is_one_memcore_hook_accepts() {
    // The help lists the events `memcore hook` takes, and `memcore hook` logs an event it
    // does not take: each of the plugin's invocations runs without that line.
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    let help = setup.ok(&["--help"]);
    let listed = help
        .lines()
        .find_map(|l| l.trim().strip_prefix("hook "))
        .expect("the help lists the hook events");
    let mut accepted: Vec<&str> = listed.split('|').collect();
    accepted.sort_unstable();
    let hooks = object(&plugin(), "hooks", "plugin.json").clone();
    // (serde_json's maps iterate in key order.)
    assert_eq!(
        hooks.keys().map(String::as_str).collect::<Vec<_>>(),
        accepted,
        "the plugin hooks every event memcore takes"
    );
    for (event, groups) in &hooks {
        if groups[0]["hooks"][0]["type"] == "mcp_tool" {
            continue; // served by the MCP server: see the next test
        }
        let (_, args, _) = exec_form(&groups[0]["hooks"][0], event);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let input = json!({
            "session_id": "plugin-check",
            "transcript_path": "",
            "cwd": setup.cwd,
            "hook_event_name": event,
            "source": "startup",
            "prompt": "which port does the server use",
            "tool_name": "Bash",
            "tool_input": {"command": "cargo test"},
            "tool_response": {"stdout": "ok"},
            "error": "exit 1",
            "trigger": "auto",
            "reason": "other",
            "stop_hook_active": false,
            "last_assistant_message": "done"
        });
        let out = setup.run_with_input(&argv, input.to_string().as_bytes());
        assert_eq!(out.status.code(), Some(0), "{argv:?}");
    }
    let log = setup.log();
    assert!(
        !log.contains(NOT_HANDLED),
        "memcore hook did not know an event: {log}"
    );
    // The check above can fail: an event memcore does not take is logged as such.
    let control = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    control.hook("NoSuchEvent", &json!({"session_id": "plugin-check"}));
    assert!(control.log().contains(NOT_HANDLED), "{}", control.log());
}

/// `${VAR}` in `text` replaced as Claude Code does for a plugin's stdio server.
fn substitute(text: &str, vars: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (name, value) in vars {
        out = out.replace(&format!("${{{name}}}"), value);
    }
    assert!(!out.contains("${"), "an unknown variable in {text:?}");
    out
}

#[test]
fn the_mcp_server_entry_starts_memcore_mcp_for_the_session_project() {
    let plugin = plugin();
    let servers = object(&plugin, "mcpServers", "plugin.json");
    assert_eq!(servers.len(), 1, "one server");
    let (key, server) = servers.iter().next().expect("one server");
    // The same name install registers, so the tools read the same in both routes, apart
    // from the plugin prefix.
    assert_eq!(key, "memcore");
    assert!(
        server.get("type").is_none_or(|t| t == "stdio"),
        "a stdio server"
    );
    assert_eq!(string(server, "command", "the server"), "memcore");
    let args = strings(&server["args"], "the server's args");
    assert_eq!(args.first().map(String::as_str), Some("mcp"));

    // Start it as Claude Code would, with its project directory elsewhere than the working
    // directory: the tools' default project must be that directory's.
    let setup = Setup::new();
    let project = setup.dir.path().join("plugin-probe");
    std::fs::create_dir_all(&project).unwrap();
    let project_dir = project.display().to_string();
    let vars = [
        ("CLAUDE_PROJECT_DIR", project_dir.as_str()),
        ("CLAUDE_PLUGIN_ROOT", "/nonexistent/plugin-root"),
        ("CLAUDE_PLUGIN_DATA", "/nonexistent/plugin-data"),
    ];
    let mut command = Command::new(common::BIN);
    command.args(args.iter().map(|a| substitute(a, &vars)));
    command.env_remove("CLAUDE_PROJECT_DIR");
    for name in ["MEMCORE_PROJECT", "MEMCORE_PROVIDER", "CLAUDE_CONFIG_DIR"] {
        command.env_remove(name);
    }
    if let Some(env) = server.get("env") {
        let env = env.as_object().expect("env must be an object");
        for (name, value) in env {
            let value = value.as_str().expect("env values are strings");
            command.env(name, substitute(value, &vars));
        }
    }
    let mut server = Server::start(command, &setup);
    let init = server.request(
        1,
        "initialize",
        json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "claude-code", "version": "0"}
        }),
    );
    assert!(init.get("error").is_none(), "{init}");
    server.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let listed = server.request(2, "tools/list", json!({}));
    let tools: Vec<String> = listed["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("a tool list: {listed}"))
        .iter()
        .map(|t| t["name"].as_str().expect("a tool name").to_owned())
        .collect();
    for tool in [
        "search",
        "timeline",
        "get_observations",
        "remember",
        "forget",
    ] {
        assert!(tools.iter().any(|t| t == tool), "{tool} in {tools:?}");
    }
    let project =
        &listed["result"]["tools"][0]["inputSchema"]["properties"]["project"]["description"];
    assert!(
        project
            .as_str()
            .is_some_and(|d| d.contains("\"plugin-probe\"")),
        "the default project is the session's project directory's: {project}"
    );

    // The plugin's mcp_tool hooks call a tool of this server, with their input filled in as
    // Claude Code does (`${field}` from the hook's JSON; an object as its JSON text): each
    // call records its tool call, and a repeated call stores nothing twice.
    let hook_json = json!({
        "session_id": "plugin-mcp-hook",
        "transcript_path": "",
        "cwd": project_dir,
        "tool_name": "Bash",
        "tool_use_id": "toolu_plugin_1",
        "tool_input": {"command": "cargo test"},
        "tool_response": {"stdout": "test result: ok", "stderr": ""},
        "error": "Exit code 101",
        "is_interrupt": false
    });
    let mut id = 10;
    let mut called = 0;
    for (event, groups) in object(&plugin, "hooks", "plugin.json") {
        let handler = &groups[0]["hooks"][0];
        if handler["type"] != "mcp_tool" {
            continue;
        }
        assert_eq!(
            handler["server"],
            format!("plugin:memcore:{key}"),
            "{event}"
        );
        let tool = string(handler, "tool", event);
        assert!(
            tools.iter().any(|t| t == tool),
            "{event}: {tool} in {tools:?}"
        );
        let mut input = object(handler, "input", event).clone();
        for value in input.values_mut() {
            let Some(text) = value.as_str() else { continue };
            if let Some(field) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
                let mut given = hook_json.get(field).cloned().unwrap_or(json!(""));
                if field == "hook_event_name" {
                    given = json!(event);
                }
                *value = match given {
                    Value::String(s) => Value::String(s),
                    other => Value::String(other.to_string()),
                };
            }
        }
        if event == "PostToolUseFailure" {
            input.insert("tool_use_id".into(), json!("toolu_plugin_2"));
        }
        for _ in 0..2 {
            id += 1;
            let answer = server.request(
                id,
                "tools/call",
                json!({"name": tool, "arguments": input.clone()}),
            );
            assert!(answer.get("error").is_none(), "{event}: {answer}");
            assert_ne!(answer["result"]["isError"], true, "{event}: {answer}");
        }
        called += 1;
    }
    assert_eq!(
        called, 2,
        "PostToolUse and PostToolUseFailure go through the server"
    );
    drop(server);
    let export = setup.ok(&["--all-projects", "export", "-", "--include-events"]);
    for (key, what) in [
        ("toolu_plugin_1", "test result: ok"),
        ("toolu_plugin_2", "Exit code 101"),
    ] {
        let lines: Vec<&str> = export.lines().filter(|l| l.contains(key)).collect();
        assert_eq!(lines.len(), 1, "{key} stored once: {export}");
        assert!(lines[0].contains(what), "{key}: {}", lines[0]);
        assert!(
            lines[0].contains("cargo test"),
            "{key}: the input: {}",
            lines[0]
        );
    }

    // The tool names the README gives for the plugin are this server's.
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let prefix = format!(
        "mcp__plugin_{}_{key}__",
        string(&plugin, "name", "plugin.json")
    );
    let mut mentioned = 0;
    for (at, _) in readme.match_indices("mcp__plugin_") {
        let name: String = readme[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let tool = name
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("README.md names {name}, not a tool of {prefix}*"));
        assert!(
            tools.iter().any(|t| t == tool),
            "README.md names {name}: the server has no tool {tool:?}"
        );
        mentioned += 1;
    }
    assert!(mentioned > 0, "README.md names the plugin's tools");
}

/// A `memcore mcp` process spoken to as a client; killed when dropped.
struct Server {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl Server {
    fn start(mut command: Command, setup: &Setup) -> Server {
        let mut child = command
            .env("MEMCORE_DB", &setup.db)
            .env("HOME", &setup.home)
            .current_dir(&setup.cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the plugin's server");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            stdin,
            lines,
        }
    }

    fn send(&mut self, message: Value) {
        self.stdin
            .write_all(format!("{message}\n").as_bytes())
            .expect("write to the server");
        self.stdin.flush().expect("flush");
    }

    /// Sends a request and returns the answer to it.
    fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|e| panic!("no answer to {method} from the plugin's server: {e}"));
            let message: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
                panic!("the server wrote a line that is not JSON ({e}): {line}")
            });
            if message["id"] == id {
                return message;
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
