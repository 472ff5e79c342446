//! `memcore install claude-code` and `memcore uninstall claude-code`: memcore's hooks in
//! Claude Code's settings.json.
//!
//! # What install adds
//!
//! One matcher group per event, each holding one command hook, appended after the groups
//! already there:
//!
//! ```json
//! {"hooks": {"PostToolUse": [{"matcher": "*", "hooks": [
//!     {"type": "command", "command": "/home/me/.cargo/bin/memcore hook PostToolUse"}]}]}}
//! ```
//!
//! for SessionStart (matcher `startup|resume|clear|compact`), UserPromptSubmit, PostToolUse
//! and PostToolUseFailure (matcher `*`), PreCompact, Stop and SessionEnd. A hook is memcore's
//! when its command is `<path ending in memcore> hook <Event>`: that command is the mark, so
//! nothing else needs to be recorded, and uninstall finds exactly those hooks, removes them,
//! and removes a group, an event list or the `hooks` object only when it held nothing but
//! them. Installing again changes nothing (a hook whose program path changed is updated in
//! place).
//!
//! With the MCP server ([`mcp`], unless `--no-mcp`), install also appends the rules that let
//! memcore's read-only tools run without a prompt to `permissions.allow`
//! (`mcp__memcore__search`, `mcp__memcore__timeline`, `mcp__memcore__get_observations`;
//! `remember` and `forget` still ask), and uninstall removes exactly those rules, and `allow`
//! or `permissions` only when they held nothing else.
//!
//! # Formatting and backups
//!
//! The file is read into an ordered tree and written back with its own indentation and
//! final newline, so key order and layout survive. Before each change a file that existed
//! with content is copied to `settings.json.memcore-backup`, except inside a git work tree
//! (`--project`: the repository keeps the history, and a backup would litter it). When
//! uninstall leaves a tree equal to the backup's, it writes the backup's bytes, so install
//! followed by uninstall gives back the file byte for byte even when its formatting was one
//! `JSON.stringify` would not produce; when there is no backup (or an empty one, from older
//! versions) and nothing is left, the file is removed again.

pub mod claude_version;
pub mod json;
pub mod mcp;
pub mod program;

use crate::error::{CliError, CliResult};
use json::{Json, Layout};
use std::path::{Path, PathBuf};

/// The events memcore hooks, with the matcher of its group (`None`: the event takes none).
pub const HOOK_EVENTS: [(&str, Option<&str>); 7] = [
    ("SessionStart", Some("startup|resume|clear|compact")),
    ("UserPromptSubmit", None),
    ("PostToolUse", Some("*")),
    ("PostToolUseFailure", Some("*")),
    ("PreCompact", None),
    ("Stop", None),
    ("SessionEnd", None),
];

/// How a hook event reaches memcore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A `memcore hook <Event>` process per event: every host, every event.
    Command,
    /// The events in [`MCP_TOOL_EVENTS`] as `mcp_tool` hooks: a call of the `hook` tool of
    /// the MCP server Claude Code already runs (2.1.118 and later), so that no process starts;
    /// the other events stay commands.
    McpTool,
}

/// The events an `mcp_tool` hook carries on [`Route::McpTool`]: those that fire on every tool
/// call, where a process start is most of the cost. The others stay commands: SessionStart
/// comes before the MCP server is connected, UserPromptSubmit must never be lost (the server
/// may not be connected yet at the first prompt), and Stop, PreCompact and SessionEnd start
/// the extractor. A tool call the server missed is recorded from the transcript at the end of
/// the turn, under the same key (see `memcore::Memory::read_transcript`).
pub const MCP_TOOL_EVENTS: [&str; 2] = ["PostToolUse", "PostToolUseFailure"];

/// The name of the MCP tool `mcp_tool` hooks call.
pub const HOOK_TOOL: &str = "hook";

/// How long Claude Code waits for an `mcp_tool` hook, in seconds (its default is 600): a
/// server that hangs must not hold the agent up.
pub const MCP_TOOL_TIMEOUT_SECS: u32 = 10;

/// The hook fields every `mcp_tool` hook passes, each as `"${field}"` (Claude Code gives an
/// `mcp_tool` only the `input` written for it, with `${path}` filled in from the hook's JSON).
const MCP_TOOL_FIELDS: [&str; 7] = [
    "session_id",
    "cwd",
    "transcript_path",
    "hook_event_name",
    "tool_name",
    "tool_use_id",
    "tool_input",
];

/// The hook fields an `mcp_tool` hook passes for `event`: [`MCP_TOOL_FIELDS`], then the
/// outcome (the response, or the error and whether the user interrupted).
pub fn mcp_tool_fields(event: &str) -> Vec<&'static str> {
    let outcome: &[&str] = match event {
        "PostToolUseFailure" => &["error", "is_interrupt"],
        _ => &["tool_response"],
    };
    MCP_TOOL_FIELDS.iter().chain(outcome).copied().collect()
}

/// The handler of memcore's hook for `event` on `route`: a command running `program`, or a
/// call of the `hook` tool of the MCP server named `server` (`memcore` when install registers
/// it, `plugin:memcore:memcore` for the plugin's).
pub fn handler(route: Route, event: &str, program: &str, server: &str) -> Json {
    if route == Route::Command || !MCP_TOOL_EVENTS.contains(&event) {
        return Json::Object(vec![
            ("type".to_owned(), Json::string("command")),
            (
                "command".to_owned(),
                Json::string(hook_command(program, event)),
            ),
        ]);
    }
    let mut input = vec![("event".to_owned(), Json::string(event))];
    for field in mcp_tool_fields(event) {
        input.push(((*field).to_owned(), Json::string(format!("${{{field}}}"))));
    }
    Json::Object(vec![
        ("type".to_owned(), Json::string("mcp_tool")),
        ("server".to_owned(), Json::string(server)),
        ("tool".to_owned(), Json::string(HOOK_TOOL)),
        ("input".to_owned(), Json::Object(input)),
        (
            "timeout".to_owned(),
            Json::Number(MCP_TOOL_TIMEOUT_SECS.into()),
        ),
    ])
}

/// The event of one of memcore's hook handlers: a command `<…memcore> hook <Event>`, or an
/// `mcp_tool` call of the `hook` tool of the server install registers (`memcore`); `None` for
/// any other handler.
pub fn handler_event(entry: &Json) -> Option<String> {
    match entry.get("type").and_then(Json::as_str) {
        Some("mcp_tool") => {
            let ours = entry.get("server").and_then(Json::as_str) == Some(mcp::SERVER_NAME)
                && entry.get("tool").and_then(Json::as_str) == Some(HOOK_TOOL);
            let event = entry.get("input")?.get("event")?.as_str()?;
            ours.then(|| event.to_owned())
        }
        _ => memcore_hook_event(entry.get("command")?.as_str()?).map(str::to_owned),
    }
}

/// Which settings file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsScope {
    /// `~/.claude/settings.json` (or `$CLAUDE_CONFIG_DIR/settings.json`): every project.
    User,
    /// `.claude/settings.json` in the current directory: this project only.
    Project,
}

impl SettingsScope {
    /// The settings file of this scope.
    pub fn path(self) -> CliResult<PathBuf> {
        match self {
            SettingsScope::User => {
                let dir = std::env::var_os("CLAUDE_CONFIG_DIR")
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME")
                            .filter(|h| !h.is_empty())
                            .map(|h| PathBuf::from(h).join(".claude"))
                    })
                    .ok_or_else(|| {
                        CliError::usage("HOME is not set: cannot find ~/.claude/settings.json")
                    })?;
                Ok(dir.join("settings.json"))
            }
            SettingsScope::Project => {
                let cwd = std::env::current_dir()
                    .map_err(|e| CliError::io("read the working directory", ".", e))?;
                Ok(cwd.join(".claude").join("settings.json"))
            }
        }
    }

    /// `user` or `project`.
    pub fn name(self) -> &'static str {
        match self {
            SettingsScope::User => "user",
            SettingsScope::Project => "project",
        }
    }
}

/// What install or uninstall did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// The settings file.
    pub path: PathBuf,
    /// Events whose hook was added (install) or removed (uninstall).
    pub events: Vec<String>,
    /// Events whose memcore hook had another command and was updated.
    pub updated: Vec<String>,
    /// `permissions.allow` rules added (install) or removed (uninstall): memcore's read-only
    /// MCP tools, which Claude Code then runs without asking.
    pub allowed: Vec<String>,
    /// Where the previous bytes were saved, when the file changed.
    pub backup: Option<PathBuf>,
    /// What happened to the registration of memcore's MCP server (`None`: not asked).
    pub mcp: Option<mcp::McpChange>,
}

/// Where the file's previous bytes are kept.
pub fn backup_path(settings: &Path) -> PathBuf {
    let mut name = settings.as_os_str().to_owned();
    name.push(".memcore-backup");
    PathBuf::from(name)
}

/// The hook command for `event` run through `program`.
pub fn hook_command(program: &str, event: &str) -> String {
    format!("{} hook {event}", shell_quote(program))
}

/// `program` as one shell word.
fn shell_quote(program: &str) -> String {
    let plain = program
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%,=".contains(c));
    if plain && !program.is_empty() {
        program.to_owned()
    } else {
        format!("'{}'", program.replace('\'', r"'\''"))
    }
}

/// The event of a memcore hook command (`<…memcore> hook <Event>`), `None` for any other
/// command.
pub fn memcore_hook_event(command: &str) -> Option<&str> {
    let (program, rest) = first_shell_word(command.trim())?;
    let name = program.rsplit(['/', '\\']).next()?;
    if name != "memcore" && name != "memcore.exe" {
        return None;
    }
    let mut words = rest.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("hook"), Some(event), None) => Some(event),
        _ => None,
    }
}

/// The programs memcore's hooks in the settings file at `path` run (each once).
pub fn hook_programs(path: &Path) -> Vec<String> {
    let mut programs: Vec<String> = Vec::new();
    let Some((_, tree)) = read_settings(path).ok().flatten() else {
        return programs;
    };
    for (event, _) in HOOK_EVENTS {
        let Some(Json::Array(groups)) = tree.get("hooks").and_then(|h| h.get(event)) else {
            continue;
        };
        for group in groups {
            let Some(Json::Array(entries)) = group.get("hooks") else {
                continue;
            };
            for entry in entries {
                let Some(command) = entry.get("command").and_then(Json::as_str) else {
                    continue;
                };
                if memcore_hook_event(command).is_some()
                    && let Some((program, _)) = first_shell_word(command.trim())
                    && !programs.contains(&program)
                {
                    programs.push(program);
                }
            }
        }
    }
    programs
}

/// The first word of a shell command (single and double quotes and backslashes undone) and
/// the text after it; `None` when a quote is not closed or nothing follows the word.
fn first_shell_word(command: &str) -> Option<(String, &str)> {
    let mut word = String::new();
    let mut chars = command.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next()? {
                    (_, '\'') => break,
                    (_, c) => word.push(c),
                }
            },
            '"' => loop {
                match chars.next()? {
                    (_, '"') => break,
                    (_, '\\') => word.push(chars.next()?.1),
                    (_, c) => word.push(c),
                }
            },
            '\\' => word.push(chars.next()?.1),
            c if c.is_whitespace() => return Some((word, &command[i..])),
            c => word.push(c),
        }
    }
    None
}

/// Checks, before anything is changed, that install can write `path` the way it writes it: a
/// temporary file in its folder (the nearest one that exists, when install would create the
/// rest) renamed over it, and the file itself when it exists. A folder that is read-only, or
/// a path through a file, is refused with what is wrong, so that install changes nothing
/// rather than half of what it would.
pub fn check_writable(path: &Path) -> CliResult<()> {
    let refuse = |what: &Path, e: std::io::Error| CliError::BadFile {
        path: what.to_owned(),
        reason: format!("cannot be written ({e}); memcore changed nothing"),
    };
    let mut dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    while !dir.exists() {
        match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => dir = parent.to_owned(),
            _ => break,
        }
    }
    let probe = dir.join(format!(".memcore-probe-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(file) => {
            drop(file);
            let _ = std::fs::remove_file(&probe);
        }
        Err(e) => return Err(refuse(&dir, e)),
    }
    if path.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| refuse(path, e))?;
    }
    Ok(())
}

/// The settings file as text and tree (`None` when it does not exist).
fn read_settings(path: &Path) -> CliResult<Option<(String, Json)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CliError::io("read", path, e)),
    };
    if text.trim().is_empty() {
        return Ok(Some((text, Json::Object(Vec::new()))));
    }
    let tree = json::parse(&text).map_err(|e| CliError::BadFile {
        path: path.to_owned(),
        reason: format!("not valid JSON ({e}); fix it by hand, memcore changed nothing"),
    })?;
    if !matches!(tree, Json::Object(_)) {
        return Err(CliError::BadFile {
            path: path.to_owned(),
            reason: "the settings are not a JSON object; memcore changed nothing".into(),
        });
    }
    Ok(Some((text, tree)))
}

/// Writes `text` to `path` through a temporary file in the same directory, after saving
/// `previous` (the file's bytes, or `None` when it did not exist) as the backup. The backup
/// and the new file get the permissions of the file they copy or replace (`~/.claude.json`
/// is private to its user).
///
/// Only a file that existed with content and is replaced is backed up (an empty backup says
/// nothing worth keeping), and never inside a git work tree: there the file's history is the repository's,
/// and a backup would only be one more untracked file. Returns the backup's path when one was
/// written.
fn write_settings(
    path: &Path,
    previous: Option<&str>,
    text: Option<&str>,
) -> CliResult<Option<PathBuf>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CliError::io("create", dir, e))?;
    }
    let permissions = std::fs::metadata(path).ok().map(|m| m.permissions());
    let backup = match previous {
        // A removal (uninstall left nothing) drops only what memcore wrote: nothing to keep.
        Some(previous) if text.is_some() && !previous.trim().is_empty() && !in_repository(path) => {
            let backup = backup_path(path);
            write_file(&backup, previous, permissions.as_ref())
                .map_err(|e| CliError::io("write", &backup, e))?;
            Some(backup)
        }
        _ => None,
    };
    match text {
        Some(text) => {
            let mut tmp = path.as_os_str().to_owned();
            tmp.push(format!(".memcore-tmp-{}", std::process::id()));
            let tmp = PathBuf::from(tmp);
            write_file(&tmp, text, permissions.as_ref())
                .map_err(|e| CliError::io("write", &tmp, e))?;
            std::fs::rename(&tmp, path).map_err(|e| CliError::io("replace", path, e))?;
        }
        None => std::fs::remove_file(path).map_err(|e| CliError::io("remove", path, e))?,
    }
    Ok(backup)
}

/// Whether `path` lies in a git work tree (a `.git` folder or file in one of its folders).
fn in_repository(path: &Path) -> bool {
    let dir = match path.parent() {
        Some(dir) if dir.is_absolute() => dir.to_owned(),
        Some(dir) => std::env::current_dir()
            .map(|cwd| cwd.join(dir))
            .unwrap_or_else(|_| dir.to_owned()),
        None => return false,
    };
    dir.ancestors().any(|d| d.join(".git").exists())
}

/// Writes `text` to `file`, which has `permissions` (when given) before any byte is written.
fn write_file(
    file: &Path,
    text: &str,
    permissions: Option<&std::fs::Permissions>,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if let Some(p) = permissions {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(p.mode());
    }
    let mut f = options.open(file)?;
    if let Some(p) = permissions {
        f.set_permissions(p.clone())?;
    }
    f.write_all(text.as_bytes())
}

/// The member `key` of an object, created (as `make()`) at the end when missing.
fn member<'a>(
    members: &'a mut Vec<(String, Json)>,
    key: &str,
    make: impl FnOnce() -> Json,
) -> &'a mut Json {
    let index = match members.iter().position(|(k, _)| k == key) {
        Some(i) => i,
        None => {
            members.push((key.to_owned(), make()));
            members.len() - 1
        }
    };
    &mut members[index].1
}

fn not_shaped(path: &Path, what: &str) -> CliError {
    CliError::BadFile {
        path: path.to_owned(),
        reason: format!("{what}; memcore changed nothing"),
    }
}

/// Install's common path: reads the JSON file at `path` (an empty object when there is none),
/// lets `edit` change its top-level members (it returns whether it changed anything), and
/// writes the file back in its own layout when it changed. Returns `Some(backup)` in that
/// case (the backup's path, when one was written). A file that is not a JSON object is
/// refused unchanged.
fn edit_file(
    path: &Path,
    edit: impl FnOnce(&mut Vec<(String, Json)>) -> CliResult<bool>,
) -> CliResult<Option<Option<PathBuf>>> {
    let (previous, mut tree, layout) = match read_settings(path)? {
        Some((text, tree)) => {
            let layout = Layout::of(&text);
            (Some(text), tree, layout)
        }
        None => (None, Json::Object(Vec::new()), Layout::default()),
    };
    let Json::Object(root) = &mut tree else {
        return Err(not_shaped(path, "the file is not a JSON object"));
    };
    if !edit(root)? {
        return Ok(None);
    }
    let text = json::write(&tree, &layout);
    write_settings(path, previous.as_deref(), Some(&text)).map(Some)
}

/// The object member `key` of `members` (`what` names it in errors), created empty at the end
/// when missing; an error when it is not an object.
fn object_member<'a>(
    path: &Path,
    members: &'a mut Vec<(String, Json)>,
    key: &str,
    what: &str,
) -> CliResult<&'a mut Vec<(String, Json)>> {
    match member(members, key, || Json::Object(Vec::new())) {
        Json::Object(inner) => Ok(inner),
        _ => Err(not_shaped(path, &format!("\"{what}\" is not an object"))),
    }
}

/// Uninstall's common path: reads the JSON file at `path`, lets `remove` take memcore's parts
/// out of its top-level members (returning whether it removed any), and writes the result
/// (see [`restore_or_write`]). Returns `Some(backup)` when the file changed (the backup's
/// path, when one was written); a missing file, or one that is not an object, is left alone.
fn prune_file(
    path: &Path,
    remove: impl FnOnce(&mut Vec<(String, Json)>) -> bool,
) -> CliResult<Option<Option<PathBuf>>> {
    let Some((previous, mut tree)) = read_settings(path)? else {
        return Ok(None);
    };
    let layout = Layout::of(&previous);
    let Json::Object(root) = &mut tree else {
        return Ok(None);
    };
    if !remove(root) {
        return Ok(None);
    }
    restore_or_write(path, &previous, &tree, &layout).map(Some)
}

/// Lets `remove` take memcore's parts out of the member `key` of `members` (returning whether
/// it removed any), and drops `key` when that left it an empty object or list. False when
/// there is no such member.
fn prune_member(
    members: &mut Vec<(String, Json)>,
    key: &str,
    remove: impl FnOnce(&mut Json) -> bool,
) -> bool {
    let Some(index) = members.iter().position(|(k, _)| k == key) else {
        return false;
    };
    if !remove(&mut members[index].1) {
        return false;
    }
    let emptied = match &members[index].1 {
        Json::Object(inner) => inner.is_empty(),
        Json::Array(items) => items.is_empty(),
        _ => false,
    };
    if emptied {
        members.remove(index);
    }
    true
}

/// The memcore plugin enabled in the settings file at `path`, if any: the first key of its
/// `enabledPlugins` object that names the plugin `memcore` from any marketplace
/// (`"memcore@memcore": true`, as Claude Code writes it when the plugin is installed). A
/// missing or unreadable file has none.
pub fn enabled_plugin(path: &Path) -> Option<String> {
    let (_, tree) = read_settings(path).ok().flatten()?;
    let Some(Json::Object(plugins)) = tree.get("enabledPlugins") else {
        return None;
    };
    plugins
        .iter()
        .find(|(id, on)| id.split('@').next() == Some("memcore") && *on == Json::Bool(true))
        .map(|(id, _)| id.clone())
}

/// Adds memcore's hooks to the settings file at `path`, running `program`, and lets Claude
/// Code run the tools named in `allow` without asking (`permissions.allow`).
pub fn install(path: &Path, program: &str, route: Route, allow: &[String]) -> CliResult<Change> {
    let mut change = Change {
        path: path.to_owned(),
        events: Vec::new(),
        updated: Vec::new(),
        allowed: Vec::new(),
        backup: None,
        mcp: None,
    };
    let backup = edit_file(path, |root| {
        let hooks = object_member(path, root, "hooks", "hooks")?;
        for (event, matcher) in HOOK_EVENTS {
            let handler = handler(route, event, program, mcp::SERVER_NAME);
            add_hook(path, hooks, event, matcher, handler, &mut change)?;
        }
        if !allow.is_empty() {
            let permissions = object_member(path, root, "permissions", "permissions")?;
            let Json::Array(list) = member(permissions, "allow", || Json::Array(Vec::new())) else {
                return Err(not_shaped(path, "\"permissions.allow\" is not a list"));
            };
            for rule in allow {
                if !list.iter().any(|item| item.as_str() == Some(rule)) {
                    list.push(Json::string(rule.as_str()));
                    change.allowed.push(rule.clone());
                }
            }
        }
        Ok(!change.events.is_empty() || !change.updated.is_empty() || !change.allowed.is_empty())
    })?;
    change.backup = backup.flatten();
    Ok(change)
}

/// Adds memcore's hook for `event` to the `hooks` object as `handler`, or updates the one there
/// (a changed program path, or another route) in place.
fn add_hook(
    path: &Path,
    hooks: &mut Vec<(String, Json)>,
    event: &str,
    matcher: Option<&str>,
    handler: Json,
    change: &mut Change,
) -> CliResult<()> {
    let Json::Array(groups) = member(hooks, event, || Json::Array(Vec::new())) else {
        return Err(not_shaped(
            path,
            &format!("\"hooks.{event}\" is not a list"),
        ));
    };
    let mut found = false;
    for group in groups.iter_mut() {
        let Json::Object(group) = group else { continue };
        let Some((_, Json::Array(entries))) = group.iter_mut().find(|(k, _)| k == "hooks") else {
            continue;
        };
        for entry in entries.iter_mut() {
            if handler_event(entry).as_deref() == Some(event) {
                found = true;
                if *entry != handler {
                    *entry = handler.clone();
                    change.updated.push(event.to_owned());
                }
            }
        }
    }
    if !found {
        let mut group = Vec::new();
        if let Some(m) = matcher {
            group.push(("matcher".to_owned(), Json::string(m)));
        }
        group.push(("hooks".to_owned(), Json::Array(vec![handler])));
        groups.push(Json::Object(group));
        change.events.push(event.to_owned());
    }
    Ok(())
}

/// Removes memcore's hooks (and only them) from the settings file at `path`, and the
/// `permissions.allow` rules named in `allow`.
pub fn uninstall(path: &Path, allow: &[String]) -> CliResult<Change> {
    let mut change = Change {
        path: path.to_owned(),
        events: Vec::new(),
        updated: Vec::new(),
        allowed: Vec::new(),
        backup: None,
        mcp: None,
    };
    let backup = prune_file(path, |root| {
        let hooks = prune_member(root, "hooks", |hooks| match hooks {
            Json::Object(hooks) => remove_hooks(hooks, &mut change),
            _ => false,
        });
        let rules = prune_member(root, "permissions", |permissions| {
            let Json::Object(permissions) = permissions else {
                return false;
            };
            prune_member(permissions, "allow", |list| {
                let Json::Array(list) = list else {
                    return false;
                };
                list.retain(
                    |item| match item.as_str().filter(|r| allow.iter().any(|a| a == r)) {
                        Some(rule) => {
                            change.allowed.push(rule.to_owned());
                            false
                        }
                        None => true,
                    },
                );
                !change.allowed.is_empty()
            })
        });
        hooks || rules
    })?;
    change.backup = backup.flatten();
    Ok(change)
}

/// Removes memcore's hooks from the `hooks` object, and the event lists that held nothing
/// else; says whether it removed any.
fn remove_hooks(hooks: &mut Vec<(String, Json)>, change: &mut Change) -> bool {
    let mut emptied_events = Vec::new();
    for (index, (event, groups)) in hooks.iter_mut().enumerate() {
        let Json::Array(groups) = groups else {
            continue;
        };
        let mut removed_here = false;
        groups.retain_mut(|group| {
            let Json::Object(group) = group else {
                return true;
            };
            let Some((_, Json::Array(entries))) = group.iter_mut().find(|(k, _)| k == "hooks")
            else {
                return true;
            };
            let before = entries.len();
            entries.retain(|entry| handler_event(entry).is_none());
            let removed = entries.len() < before;
            removed_here |= removed;
            // Drop the group only when memcore's hooks were all it held.
            !(removed && entries.is_empty())
        });
        if removed_here {
            change.events.push(event.clone());
            if groups.is_empty() {
                emptied_events.push(index);
            }
        }
    }
    for index in emptied_events.into_iter().rev() {
        hooks.remove(index);
    }
    !change.events.is_empty()
}

/// Writes what uninstall leaves (`tree`) to `path`, whose bytes were `previous`: the backup's
/// bytes when the backup holds the same tree (byte-exact restoration when nothing else
/// changed since install), no file when there is no backup (or an empty one: there was no
/// file) and nothing is left, else the tree in the file's layout. Returns the new backup's
/// path, when one was written.
fn restore_or_write(
    path: &Path,
    previous: &str,
    tree: &Json,
    layout: &Layout,
) -> CliResult<Option<PathBuf>> {
    let saved = std::fs::read_to_string(backup_path(path)).ok();
    let emptied = *tree == Json::Object(Vec::new());
    let text = match saved.as_deref() {
        None if emptied => None,
        Some(saved) if saved.trim().is_empty() && emptied => None,
        Some(saved) if json::parse(saved).ok().as_ref() == Some(tree) => Some(saved.to_owned()),
        _ => Some(json::write(tree, layout)),
    };
    write_settings(path, Some(previous), text.as_deref())
}

/// Per event, whether memcore's hook is in the file at `path` (all false when there is no
/// file or it cannot be read).
pub fn status(path: &Path) -> Vec<(&'static str, bool)> {
    let tree = read_settings(path).ok().flatten().map(|(_, tree)| tree);
    HOOK_EVENTS
        .iter()
        .map(|(event, _)| {
            let installed = tree
                .as_ref()
                .and_then(|t| t.get("hooks"))
                .and_then(|h| h.get(event))
                .is_some_and(|groups| match groups {
                    Json::Array(groups) => groups.iter().any(|g| match g.get("hooks") {
                        Some(Json::Array(entries)) => entries
                            .iter()
                            .any(|e| handler_event(e).as_deref() == Some(*event)),
                        _ => false,
                    }),
                    _ => false,
                });
            (*event, installed)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memcore_commands_are_recognised() {
        assert_eq!(memcore_hook_event("memcore hook Stop"), Some("Stop"));
        assert_eq!(
            memcore_hook_event("/home/a/.cargo/bin/memcore hook PostToolUse"),
            Some("PostToolUse")
        );
        assert_eq!(
            memcore_hook_event("'/Users/a b/bin/memcore' hook SessionStart"),
            Some("SessionStart")
        );
        assert_eq!(memcore_hook_event("memcore-other hook Stop"), None);
        assert_eq!(memcore_hook_event("memcore hook Stop && rm -rf /"), None);
        assert_eq!(memcore_hook_event("npx claude-mem hook Stop"), None);
        assert_eq!(memcore_hook_event("memcore"), None);
    }

    #[test]
    fn programs_are_quoted_for_the_shell_when_needed() {
        assert_eq!(
            hook_command("/usr/bin/memcore", "Stop"),
            "/usr/bin/memcore hook Stop"
        );
        let quoted = hook_command("/Users/a b/it's/memcore", "Stop");
        assert_eq!(quoted, r"'/Users/a b/it'\''s/memcore' hook Stop");
        for program in [
            "/Users/a b/it's/memcore",
            "/opt/memcore",
            "C:\\bin\\memcore.exe",
        ] {
            assert_eq!(
                memcore_hook_event(&hook_command(program, "Stop")),
                Some("Stop"),
                "{program}"
            );
        }
    }
}
