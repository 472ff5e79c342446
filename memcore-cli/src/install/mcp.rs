//! Registering `memcore mcp` with Claude Code, beside the hooks.
//!
//! Claude Code reads MCP servers from `~/.claude.json` (`$CLAUDE_CONFIG_DIR/.claude.json` when
//! that is set) for the user scope and from `.mcp.json` at the project root for the project
//! scope, each under `mcpServers`. Install adds one member there:
//!
//! ```json
//! {"mcpServers": {"memcore": {"type": "stdio", "command": "/home/me/.cargo/bin/memcore",
//!     "args": ["mcp"], "env": {}}}}
//! ```
//!
//! The entry is memcore's when its name is `memcore`, its command's file name is `memcore`
//! and its arguments are `["mcp"]`; an entry of that name that is not memcore's own is
//! refused, not overwritten. Uninstall removes exactly that entry, and `mcpServers` when it
//! held nothing else. The file is edited like settings.json (order, layout, backup, byte-exact
//! undo; see [`super`]), and a replaced file keeps its permissions: `~/.claude.json` also
//! holds the user's account data.
//!
//! # Claude Code's own CLI first
//!
//! Claude Code rewrites `~/.claude.json` itself and asks that it not be edited by hand. So
//! when `claude` is on PATH, install and uninstall ask it ([`register_in`],
//! [`unregister_in`]): `claude mcp add --scope user|project memcore -- <program> mcp` and
//! `claude mcp remove --scope user|project memcore`, after the same checks (a foreign
//! `memcore` server is refused; an entry already right is left alone). Without `claude` on
//! PATH, or when it fails, the file is edited as above, and install says which way it went.

use super::json::Json;
use super::{
    SettingsScope, edit_file, member, not_shaped, object_member, prune_file, prune_member,
    read_settings,
};
use crate::error::{CliError, CliResult};
use serde::Serialize;
use serde::de::{Deserialize, DeserializeSeed};
use std::path::{Path, PathBuf};

/// The server's name in Claude Code (`/mcp` lists it; tools show as `mcp__memcore__search`).
pub const SERVER_NAME: &str = "memcore";

/// What install or uninstall did to the MCP registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum McpAction {
    /// The entry was added.
    Added,
    /// memcore's entry ran another program and now runs this one.
    Updated,
    /// Install: the entry was already there as it should be.
    Unchanged,
    /// Uninstall: the entry was removed.
    Removed,
    /// Uninstall: there was no entry of memcore's.
    Absent,
}

/// The registration in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct McpChange {
    /// The file (`~/.claude.json` or `.mcp.json`).
    pub path: PathBuf,
    /// What happened to memcore's entry.
    pub action: McpAction,
    /// Where the file's previous bytes were saved, when it changed.
    pub backup: Option<PathBuf>,
    /// The `claude` command that made the change, when Claude Code's CLI made it.
    pub via_claude: Option<PathBuf>,
    /// Why `claude` could not make it, when it was tried and the file was edited instead.
    pub claude_failed: Option<String>,
}

/// `claude` on PATH, when there is one.
pub fn claude_cli() -> Option<PathBuf> {
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs)
        .map(|d| d.join("claude"))
        .find(|p| p.is_file())
}

/// Runs `claude mcp <args>`; the reason when it fails.
fn run_claude(claude: &Path, args: &[&str]) -> Result<(), String> {
    let out = std::process::Command::new(claude)
        .arg("mcp")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", claude.display()))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    Err(format!(
        "`claude mcp {}` failed ({}): {}",
        args.join(" "),
        out.status,
        stderr.trim()
    ))
}

/// Registers memcore's MCP server in `scope` (whose file is `path`), through `claude mcp add`
/// when `claude` is on PATH, else (or when it fails) by editing the file. Call [`check`] first.
pub fn register_in(scope: SettingsScope, path: &Path, program: &str) -> CliResult<McpChange> {
    let Some(claude) = claude_cli() else {
        return register(path, program);
    };
    let current = registered_program(path);
    if current.as_deref() == Some(program) {
        return Ok(McpChange {
            path: path.to_owned(),
            action: McpAction::Unchanged,
            backup: None,
            via_claude: None,
            claude_failed: None,
        });
    }
    let scope_name = scope.name();
    let mut done = Ok(());
    if current.is_some() {
        done = run_claude(&claude, &["remove", "--scope", scope_name, SERVER_NAME]);
    }
    if done.is_ok() {
        done = run_claude(
            &claude,
            &[
                "add",
                "--scope",
                scope_name,
                SERVER_NAME,
                "--",
                program,
                "mcp",
            ],
        );
    }
    match done {
        Ok(()) => Ok(McpChange {
            path: path.to_owned(),
            action: if current.is_some() {
                McpAction::Updated
            } else {
                McpAction::Added
            },
            backup: None,
            via_claude: Some(claude),
            claude_failed: None,
        }),
        Err(reason) => Ok(McpChange {
            claude_failed: Some(reason),
            ..register(path, program)?
        }),
    }
}

/// Removes memcore's MCP server from `scope` (whose file is `path`), through
/// `claude mcp remove` when `claude` is on PATH, else (or when it fails) by editing the file.
pub fn unregister_in(scope: SettingsScope, path: &Path) -> CliResult<McpChange> {
    let Some(claude) = claude_cli() else {
        return unregister(path);
    };
    if registered_program(path).is_none() {
        return unregister(path);
    }
    match run_claude(&claude, &["remove", "--scope", scope.name(), SERVER_NAME]) {
        Ok(()) => Ok(McpChange {
            path: path.to_owned(),
            action: McpAction::Removed,
            backup: None,
            via_claude: Some(claude),
            claude_failed: None,
        }),
        Err(reason) => Ok(McpChange {
            claude_failed: Some(reason),
            ..unregister(path)?
        }),
    }
}

/// The file that registers MCP servers in `scope`.
pub fn config_path(scope: SettingsScope) -> CliResult<PathBuf> {
    match scope {
        SettingsScope::User => {
            if let Some(dir) = std::env::var_os("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
                return Ok(PathBuf::from(dir).join(".claude.json"));
            }
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".claude.json"))
                .ok_or_else(|| CliError::usage("HOME is not set: cannot find ~/.claude.json"))
        }
        SettingsScope::Project => {
            let cwd = std::env::current_dir()
                .map_err(|e| CliError::io("read the working directory", ".", e))?;
            Ok(cwd.join(".mcp.json"))
        }
    }
}

/// The entry that runs `program mcp`.
fn entry(program: &str) -> Json {
    Json::Object(vec![
        ("type".to_owned(), Json::string("stdio")),
        ("command".to_owned(), Json::string(program)),
        ("args".to_owned(), Json::Array(vec![Json::string("mcp")])),
        ("env".to_owned(), Json::Object(Vec::new())),
    ])
}

/// Whether `server` is memcore's own entry: its command is a `memcore` program and its
/// arguments are `["mcp"]`.
fn is_ours(server: &Json) -> bool {
    let command = server.get("command").and_then(Json::as_str).unwrap_or("");
    let name = command.rsplit(['/', '\\']).next().unwrap_or("");
    let args_are_mcp = matches!(server.get("args"), Some(Json::Array(a))
        if a.len() == 1 && a[0].as_str() == Some("mcp"));
    (name == "memcore" || name == "memcore.exe") && args_are_mcp
}

/// Adds (or updates) memcore's MCP server in the file at `path`, running `program`.
pub fn register(path: &Path, program: &str) -> CliResult<McpChange> {
    let mut action = McpAction::Unchanged;
    let backup = edit_file(path, |root| {
        action = add_entry(path, root, program)?;
        Ok(action != McpAction::Unchanged)
    })?;
    Ok(McpChange {
        path: path.to_owned(),
        action,
        backup: backup.flatten(),
        via_claude: None,
        claude_failed: None,
    })
}

/// Whether [`register`] would succeed, without writing anything: install checks this before
/// it edits any file, so that a refusal leaves every file as it was.
pub fn check(path: &Path, program: &str) -> CliResult<()> {
    let Some((_, mut tree)) = read_settings(path)? else {
        return Ok(());
    };
    let Json::Object(root) = &mut tree else {
        return Err(not_shaped(path, "the file is not a JSON object"));
    };
    add_entry(path, root, program).map(|_| ())
}

/// Adds (or updates) memcore's entry under `mcpServers` of the file's top-level members.
fn add_entry(path: &Path, root: &mut Vec<(String, Json)>, program: &str) -> CliResult<McpAction> {
    let servers = object_member(path, root, "mcpServers", "mcpServers")?;
    let Some((_, server)) = servers.iter_mut().find(|(name, _)| name == SERVER_NAME) else {
        servers.push((SERVER_NAME.to_owned(), entry(program)));
        return Ok(McpAction::Added);
    };
    let ours = is_ours(server);
    let fields = match server {
        Json::Object(fields) if ours => fields,
        _ => {
            return Err(not_shaped(
                path,
                &format!(
                    "an MCP server named {SERVER_NAME:?} that is not `memcore mcp` is already \
                     registered; rename or remove it first"
                ),
            ));
        }
    };
    let command = member(fields, "command", || Json::string(program));
    if command.as_str() == Some(program) {
        return Ok(McpAction::Unchanged);
    }
    *command = Json::string(program);
    Ok(McpAction::Updated)
}

/// Removes memcore's MCP server (and only it) from the file at `path`.
pub fn unregister(path: &Path) -> CliResult<McpChange> {
    let backup = prune_file(path, |root| {
        prune_member(root, "mcpServers", |servers| {
            let Json::Object(servers) = servers else {
                return false;
            };
            let before = servers.len();
            servers.retain(|(name, server)| !(name == SERVER_NAME && is_ours(server)));
            servers.len() < before
        })
    })?;
    Ok(McpChange {
        path: path.to_owned(),
        action: if backup.is_some() {
            McpAction::Removed
        } else {
            McpAction::Absent
        },
        backup: backup.flatten(),
        via_claude: None,
        claude_failed: None,
    })
}

/// The `permissions.allow` rules install adds to Claude Code's settings: memcore's read-only
/// tools (`mcp__memcore__search`...), which then run without a prompt, and the `hook` tool
/// that `mcp_tool` hooks call (whether Claude Code asks before a hook's call is not
/// documented: a hook must never wait on a prompt). `remember` and `forget` still ask.
pub fn allow_rules() -> Vec<String> {
    crate::mcp::tools::READ_ONLY
        .iter()
        .chain([&super::HOOK_TOOL])
        .map(|tool| format!("mcp__{SERVER_NAME}__{tool}"))
        .collect()
}

/// Whether memcore's MCP server is registered in the file at `path` (false when there is no
/// file or it cannot be read).
///
/// Hooks ask this before they answer, and `~/.claude.json` holds every project's history
/// (often megabytes), so the file is not made into a tree: only the server's entry is kept
/// ([`server_entry`]), and a file that cannot name the server is not parsed at all.
pub fn registered(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    // The name appears in the text as it is, unless a `\u` escape spells it.
    if !text.contains(SERVER_NAME) && !text.contains("\\u") {
        return false;
    }
    server_entry(&text).is_some_and(|server| is_ours(&server))
}

/// `mcpServers.memcore` of a settings file's text, as `Json::get` finds it in the file's tree
/// (the first member of each name), or `None` when the text is not a JSON object or has no such
/// entry. Everything else is only checked to be JSON.
fn server_entry(text: &str) -> Option<Json> {
    let mut de = serde_json::Deserializer::from_str(text);
    let found = Entry(&["mcpServers", SERVER_NAME])
        .deserialize(&mut de)
        .ok()?;
    de.end().ok()?;
    found
}

/// The value at a path of member names in a JSON object (see [`server_entry`]).
struct Entry<'a>(&'a [&'a str]);

impl<'de> DeserializeSeed<'de> for Entry<'_> {
    type Value = Option<Json>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<Json>, D::Error> {
        match self.0 {
            [] => Json::deserialize(d).map(Some),
            _ => d.deserialize_any(self),
        }
    }
}

impl<'de> serde::de::Visitor<'de> for Entry<'_> {
    type Value = Option<Json>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let [name, rest @ ..] = self.0 else {
            return Ok(None);
        };
        let mut found: Option<Option<Json>> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if found.is_none() && key == *name {
                found = Some(map.next_value_seed(Entry(rest))?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found.flatten())
    }
}

/// The program memcore's MCP server entry in the file at `path` runs (`None` when it is not
/// registered there).
pub fn registered_program(path: &Path) -> Option<String> {
    let (_, tree) = read_settings(path).ok().flatten()?;
    let server = tree.get("mcpServers")?.get(SERVER_NAME)?.clone();
    if !is_ours(&server) {
        return None;
    }
    server
        .get("command")
        .and_then(Json::as_str)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_memcore_mcp_entries_are_ours() {
        assert!(is_ours(&entry("/usr/local/bin/memcore")));
        assert!(is_ours(&entry("C:\\bin\\memcore.exe")));
        assert!(!is_ours(&entry("/usr/bin/other")));
        let mut other_args = entry("memcore");
        if let Json::Object(fields) = &mut other_args {
            fields[2].1 = Json::Array(vec![Json::string("serve")]);
        }
        assert!(!is_ours(&other_args));
        assert!(!is_ours(&Json::Null));
    }

    #[test]
    fn the_server_entry_is_the_one_the_tree_finds() {
        let ours = r#"{"command": "/bin/memcore", "args": ["mcp"]}"#;
        let other = r#"{"command": "/bin/other", "args": ["mcp"]}"#;
        let history = r#"{"/p": {"history": [{"display": "memcore \u00e9", "n": 1.5e3}]}}"#;
        let texts = [
            format!(
                r#"{{"projects": {history}, "mcpServers": {{"x": {other}, "memcore": {ours}}}}}"#
            ),
            format!(r#"{{"mcpServers": {{"memcore": {other}, "memcore": {ours}}}}}"#),
            format!(r#"{{"mcpServers": {{"a": 1}}, "mcpServers": {{"memcore": {ours}}}}}"#),
            format!(r#"{{"mcpServers": {{"\u006demcore": {ours}}}}}"#),
            format!(r#"{{"mcpServers": {{"memcore": {ours}}}}} trailing"#),
            format!(r#"{{"mcpServers": {{"memcore": {ours}}}"#),
            format!(r#"[{{"mcpServers": {{"memcore": {ours}}}}}]"#),
            r#"{"mcpServers": null, "memcore": 1}"#.to_owned(),
            r#"{"mcpServers": ["memcore"]}"#.to_owned(),
            r#"{"projects": {"memcore": {"mcpServers": {}}}}"#.to_owned(),
            String::new(),
        ];
        for text in texts {
            let expected = super::super::json::parse(&text)
                .ok()
                .filter(|tree| matches!(tree, Json::Object(_)))
                .and_then(|tree| tree.get("mcpServers")?.get(SERVER_NAME).cloned());
            assert_eq!(server_entry(&text), expected, "{text}");
        }
    }

    #[test]
    fn a_file_is_read_for_the_server_only_when_it_can_name_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join(".claude.json");
        for (text, expected) in [
            (
                r#"{"mcpServers": {"memcore": {"command": "memcore", "args": ["mcp"]}}}"#,
                true,
            ),
            (
                r#"{"mcpServers": {"\u006demcore": {"command": "memcore", "args": ["mcp"]}}}"#,
                true,
            ),
            (
                r#"{"mcpServers": {"other": {"command": "other", "args": ["mcp"]}}}"#,
                false,
            ),
            ("not json", false),
        ] {
            std::fs::write(&path, text).expect("write the file");
            assert_eq!(registered(&path), expected, "{text}");
        }
        assert!(!registered(&dir.path().join("missing.json")));
    }
}
