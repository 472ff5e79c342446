//! `memcore install claude-code` and `uninstall`: merged with the hooks already there,
//! idempotent, backed up, and undone byte for byte.

mod common;

use common::Setup;
use serde_json::Value;
use std::path::PathBuf;

/// A settings.json as Claude Code writes it, with other hooks and settings.
const EXISTING: &str = r#"{
  "model": "opus",
  "permissions": {
    "allow": [
      "Bash(npm run lint)",
      "Read(~/.zshrc)"
    ],
    "deny": []
  },
  "hooks": {
    "PostToolUse": [
      {
        "matcher": "Edit|Write",
        "hooks": [
          {
            "type": "command",
            "command": "npx prettier --write \"$CLAUDE_FILE_PATHS\"",
            "timeout": 30
          }
        ]
      }
    ],
    "Stop": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "$CLAUDE_PROJECT_DIR/.claude/hooks/check.sh"
          }
        ]
      }
    ],
    "Notification": [
      {
        "matcher": "",
        "hooks": [
          {
            "type": "command",
            "command": "notify-send 'Claude Code' 'Awaiting your input'"
          }
        ]
      }
    ]
  },
  "env": {
    "FOO": "bär",
    "RATIO": 1.5
  },
  "cleanupPeriodDays": 20
}
"#;

fn settings(setup: &Setup) -> PathBuf {
    setup.home.join(".claude").join("settings.json")
}

fn memcore_commands(tree: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (event, groups) in tree["hooks"].as_object().into_iter().flatten() {
        for group in groups.as_array().into_iter().flatten() {
            for hook in group["hooks"].as_array().into_iter().flatten() {
                let command = hook["command"].as_str().unwrap_or_default();
                if command.contains("memcore") {
                    found.push((event.clone(), command.to_owned()));
                }
            }
        }
    }
    found
}

#[test]
fn install_merges_and_uninstall_restores_byte_for_byte() {
    let setup = Setup::new();
    let path = settings(&setup);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, EXISTING).unwrap();

    let out = setup.ok(&["install", "claude-code"]);
    assert!(out.contains("added memcore's hooks"), "{out}");
    let installed = std::fs::read_to_string(&path).unwrap();
    let tree: Value = serde_json::from_str(&installed).unwrap();
    // Memcore's seven hooks, each running this binary.
    let ours = memcore_commands(&tree);
    assert_eq!(ours.len(), 7, "{ours:?}");
    for (event, command) in &ours {
        assert_eq!(command, &format!("{} hook {event}", common::BIN));
    }
    // The user's hooks are still there, first, and untouched.
    assert_eq!(tree["hooks"]["PostToolUse"][0]["matcher"], "Edit|Write");
    assert_eq!(tree["hooks"]["PostToolUse"][1]["matcher"], "*");
    assert_eq!(
        tree["hooks"]["Stop"][0]["hooks"][0]["command"],
        "$CLAUDE_PROJECT_DIR/.claude/hooks/check.sh"
    );
    assert_eq!(
        tree["hooks"]["SessionStart"][0]["matcher"],
        "startup|resume|clear|compact"
    );
    assert!(
        tree["hooks"]["UserPromptSubmit"][0]
            .get("matcher")
            .is_none()
    );
    assert_eq!(tree["env"]["FOO"], "bär");
    // memcore's read-only MCP tools may run without a prompt; the user's rules come first.
    assert_eq!(
        tree["permissions"]["allow"],
        serde_json::json!([
            "Bash(npm run lint)",
            "Read(~/.zshrc)",
            "mcp__memcore__search",
            "mcp__memcore__timeline",
            "mcp__memcore__get_observations",
            "mcp__memcore__hook"
        ])
    );
    assert!(
        out.contains("allowed memcore's read-only MCP tools"),
        "{out}"
    );
    // Key order is kept: the file still starts as it did.
    assert!(installed.starts_with("{\n  \"model\": \"opus\",\n  \"permissions\""));
    assert!(installed.ends_with("\"cleanupPeriodDays\": 20\n}\n"));
    // The previous bytes are backed up.
    let backup = path.with_file_name("settings.json.memcore-backup");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), EXISTING);

    // Installing twice adds nothing and writes nothing.
    let out = setup.ok(&["install", "claude-code"]);
    assert!(out.contains("already"), "{out}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), installed);

    let out = setup.ok(&["uninstall", "claude-code"]);
    assert!(out.contains("removed memcore's hooks"), "{out}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), EXISTING);

    // Uninstalling again changes nothing.
    let out = setup.ok(&["uninstall", "claude-code"]);
    assert!(out.contains("no memcore hook"), "{out}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), EXISTING);
}

#[test]
fn unusual_formatting_is_restored_exactly() {
    // Four-space indentation, no final newline, an escaped character and a compact array:
    // not what the tree writes back, so uninstall restores the backup's bytes.
    let original = "{\n    \"hooks\": {\n        \"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"say done\"}]}]\n    },\n    \"theme\": \"caf\\u00e9\"\n}";
    let setup = Setup::new();
    let path = settings(&setup);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, original).unwrap();
    setup.ok(&["install", "claude-code"]);
    let installed = std::fs::read_to_string(&path).unwrap();
    assert!(
        installed.starts_with("{\n    \"hooks\""),
        "keeps 4 spaces: {installed}"
    );
    assert!(!installed.ends_with('\n'));
    setup.ok(&["uninstall", "claude-code"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
}

#[test]
fn changes_made_after_install_survive_uninstall() {
    let setup = Setup::new();
    let path = settings(&setup);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, EXISTING).unwrap();
    setup.ok(&["install", "claude-code"]);
    // The user adds a setting and a hook of their own to memcore's Stop group's event.
    let mut tree: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    tree["includeCoAuthoredBy"] = Value::Bool(false);
    std::fs::write(&path, serde_json::to_string_pretty(&tree).unwrap()).unwrap();
    setup.ok(&["uninstall", "claude-code"]);
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(after["includeCoAuthoredBy"], false);
    assert!(memcore_commands(&after).is_empty());
    assert_eq!(after["hooks"]["Stop"].as_array().unwrap().len(), 1);
    assert!(after["hooks"].get("SessionStart").is_none());
}

#[test]
fn a_missing_settings_file_is_created_and_removed_again() {
    let setup = Setup::new();
    let path = setup.cwd.join(".claude").join("settings.json");
    let out = setup.ok(&["install", "claude-code", "--project"]);
    assert!(out.contains(&path.display().to_string()), "{out}");
    let tree: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(memcore_commands(&tree).len(), 7);
    assert!(!settings(&setup).exists(), "the user file is untouched");
    let status = setup.doctor();
    assert_eq!(status["hooks"][1]["scope"], "project");
    assert_eq!(status["hooks"][1]["installed"].as_array().unwrap().len(), 7);
    setup.ok(&["uninstall", "claude-code", "--project"]);
    assert!(!path.exists(), "created by install, removed by uninstall");
}

#[test]
fn invalid_settings_are_refused_untouched() {
    let setup = Setup::new();
    let path = settings(&setup);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let broken = "{\n  // comments are not JSON\n  \"model\": \"opus\",\n}\n";
    std::fs::write(&path, broken).unwrap();
    let out = setup.run_with_input(&["install", "claude-code"], b"");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not valid JSON"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    // The MCP registration is not written either when the settings are refused.
    let claude_json = setup.home.join(".claude.json");
    assert!(!claude_json.exists());
    for shape in [
        r#"{"hooks": []}"#,
        r#"{"hooks": {"Stop": {}}}"#,
        "[1]",
        r#"{"permissions": []}"#,
        r#"{"permissions": {"allow": "everything"}}"#,
    ] {
        std::fs::write(&path, shape).unwrap();
        let out = setup.run_with_input(&["install", "claude-code"], b"");
        assert!(!out.status.success(), "{shape}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), shape);
        assert!(!claude_json.exists(), "{shape}");
    }
}

#[test]
fn a_moved_binary_updates_the_commands_in_place() {
    let setup = Setup::new();
    let path = settings(&setup);
    setup.ok(&["install", "claude-code", "--command", "/opt/old/memcore"]);
    let before = std::fs::read_to_string(&path).unwrap();
    assert!(before.contains("/opt/old/memcore hook Stop"));
    let out = setup.ok(&["install", "claude-code"]);
    assert!(out.contains("updated the hook"), "{out}");
    let tree: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let ours = memcore_commands(&tree);
    assert_eq!(ours.len(), 7, "updated, not added: {ours:?}");
    assert!(ours.iter().all(|(_, c)| c.starts_with(common::BIN)));
}

#[test]
fn claude_code_formatting_round_trips_even_without_the_backup() {
    let setup = Setup::new();
    let path = settings(&setup);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, EXISTING).unwrap();
    setup.ok(&["install", "claude-code"]);
    std::fs::remove_file(path.with_file_name("settings.json.memcore-backup")).unwrap();
    setup.ok(&["uninstall", "claude-code"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), EXISTING);
}

/// A ~/.claude.json as Claude Code keeps it: account state, projects and a server of the
/// user's own.
const CLAUDE_JSON: &str = r#"{
  "numStartups": 42,
  "installMethod": "native",
  "oauthAccount": {
    "emailAddress": "dev@example.com"
  },
  "mcpServers": {
    "github": {
      "type": "stdio",
      "command": "npx",
      "args": [
        "-y",
        "@modelcontextprotocol/server-github"
      ],
      "env": {}
    }
  },
  "projects": {
    "/home/dev/shop": {
      "allowedTools": []
    }
  }
}
"#;

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn install_registers_the_mcp_server_and_uninstall_removes_it() {
    let setup = Setup::new();
    let path = setup.home.join(".claude.json");
    std::fs::write(&path, CLAUDE_JSON).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    let out = setup.ok(&["install", "claude-code"]);
    assert!(out.contains("registered the MCP server"), "{out}");
    let installed = std::fs::read_to_string(&path).unwrap();
    let tree: Value = serde_json::from_str(&installed).unwrap();
    let ours = &tree["mcpServers"]["memcore"];
    assert_eq!(ours["type"], "stdio");
    assert_eq!(ours["command"], common::BIN);
    assert_eq!(ours["args"], serde_json::json!(["mcp"]));
    // The user's server and Claude Code's own state are untouched, in order.
    assert_eq!(tree["mcpServers"]["github"]["command"], "npx");
    assert_eq!(tree["oauthAccount"]["emailAddress"], "dev@example.com");
    assert!(installed.starts_with("{\n  \"numStartups\": 42,"));
    let backup = setup.home.join(".claude.json.memcore-backup");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), CLAUDE_JSON);
    // The file holds account data: it and its backup stay private.
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&backup), 0o600);
    }
    let doctor = setup.doctor();
    assert_eq!(doctor["hooks"][0]["mcp_registered"], true, "{doctor}");
    assert_eq!(doctor["hooks"][1]["mcp_registered"], false, "{doctor}");

    // Again: nothing changes.
    let out = setup.ok(&["install", "claude-code"]);
    assert!(out.contains("already registered"), "{out}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), installed);

    // A moved binary: the command is updated in place.
    setup.ok(&["install", "claude-code", "--command", "/opt/bin/memcore"]);
    let moved: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        moved["mcpServers"]["memcore"]["command"],
        "/opt/bin/memcore"
    );
    assert_eq!(moved["mcpServers"].as_object().unwrap().len(), 2);

    let out = setup.ok(&["uninstall", "claude-code"]);
    assert!(out.contains("removed the MCP server"), "{out}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CLAUDE_JSON);
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let out = setup.ok(&["uninstall", "claude-code"]);
    assert!(out.contains("no memcore MCP server"), "{out}");
}

#[test]
fn the_project_scope_uses_mcp_json_and_no_mcp_leaves_it_alone() {
    let setup = Setup::new();
    let mcp_json = setup.cwd.join(".mcp.json");
    setup.ok(&["install", "claude-code", "--project", "--no-mcp"]);
    assert!(!mcp_json.exists());
    assert!(!setup.home.join(".claude.json").exists());
    let settings_path = setup.cwd.join(".claude").join("settings.json");
    let hooks_only: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings_path).unwrap()).unwrap();
    assert!(hooks_only.get("permissions").is_none(), "{hooks_only}");
    setup.ok(&["uninstall", "claude-code", "--project"]);
    assert!(!settings_path.exists());

    setup.ok(&["install", "claude-code", "--project"]);
    let tree: Value = serde_json::from_str(&std::fs::read_to_string(&mcp_json).unwrap()).unwrap();
    assert_eq!(
        tree["mcpServers"]["memcore"]["args"],
        serde_json::json!(["mcp"])
    );
    assert!(
        !setup.home.join(".claude.json").exists(),
        "the user file is untouched"
    );
    setup.ok(&["uninstall", "claude-code", "--project"]);
    assert!(
        !mcp_json.exists(),
        "created by install, removed by uninstall"
    );
}

#[test]
fn a_foreign_server_named_memcore_is_refused_and_nothing_changes() {
    let setup = Setup::new();
    let path = setup.home.join(".claude.json");
    let foreign =
        r#"{"mcpServers": {"memcore": {"command": "python", "args": ["-m", "other_memcore"]}}}"#;
    std::fs::write(&path, foreign).unwrap();
    let out = setup.run_with_input(&["install", "claude-code"], b"");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not `memcore mcp`"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), foreign);
    assert!(!settings(&setup).exists(), "no hook was installed either");
    // Uninstall leaves it alone too.
    setup.ok(&["uninstall", "claude-code"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), foreign);
}

#[test]
fn claude_config_dir_moves_the_user_files() {
    let setup = Setup::new();
    let dir = setup.dir.path().join("claude-config");
    let setup = setup.with_env("CLAUDE_CONFIG_DIR", dir.display().to_string());
    setup.ok(&["install", "claude-code"]);
    assert!(dir.join("settings.json").exists());
    assert!(dir.join(".claude.json").exists());
    assert!(!setup.home.join(".claude.json").exists());
    setup.ok(&["uninstall", "claude-code"]);
    assert!(!dir.join(".claude.json").exists());
}

#[test]
fn uninstall_keeps_the_users_own_permission_rules() {
    let setup = Setup::new();
    let path = settings(&setup);
    setup.ok(&["install", "claude-code"]);
    // The user adds a rule of their own after install.
    let mut tree: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    tree["permissions"]["allow"]
        .as_array_mut()
        .unwrap()
        .push(Value::from("Bash(cargo test)"));
    std::fs::write(&path, serde_json::to_string_pretty(&tree).unwrap()).unwrap();
    let out = setup.ok(&["uninstall", "claude-code"]);
    assert!(out.contains("removed the permission rules"), "{out}");
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        after["permissions"]["allow"],
        serde_json::json!(["Bash(cargo test)"])
    );
    assert!(after.get("hooks").is_none(), "{after}");
}

#[test]
fn the_context_points_at_the_mcp_tools_once_the_server_is_registered() {
    let setup = Setup::new().with_env("MEMCORE_NO_EXTRACT", "1");
    setup.ok(&["dev", "seed", "10"]);
    let start = serde_json::json!({"session_id": "s1", "cwd": setup.cwd, "source": "startup"});
    let context = setup.hook("SessionStart", &start);
    assert!(context.contains("`memcore show <id>`"), "{context}");
    setup.ok(&["install", "claude-code"]);
    let context = setup.hook("SessionStart", &start);
    assert!(context.contains("`get_observations`"), "{context}");
    assert!(!context.contains("memcore show"), "{context}");
    // Hooks alone: the shell commands again.
    setup.ok(&["uninstall", "claude-code"]);
    setup.ok(&["install", "claude-code", "--no-mcp"]);
    let context = setup.hook("SessionStart", &start);
    assert!(context.contains("`memcore show <id>`"), "{context}");
}

/// Every `*.memcore-backup` file under `dir`.
fn backups(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(backups(&path));
        } else if path.to_string_lossy().ends_with(".memcore-backup") {
            found.push(path);
        }
    }
    found
}

#[test]
fn only_files_with_content_are_backed_up_and_never_inside_a_repository() {
    // No files before: nothing to back up, no empty backups.
    let setup = Setup::new();
    setup.ok(&["install", "claude-code"]);
    assert_eq!(backups(&setup.home), Vec::<PathBuf>::new());
    setup.ok(&["uninstall", "claude-code"]);
    assert!(!settings(&setup).exists());
    assert!(!setup.home.join(".claude.json").exists());
    assert_eq!(backups(&setup.home), Vec::<PathBuf>::new());

    // A repository with its own settings: install --project leaves no backup in it.
    let setup = Setup::new();
    std::fs::create_dir_all(setup.cwd.join(".git")).unwrap();
    let path = setup.cwd.join(".claude").join("settings.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, EXISTING).unwrap();
    setup.ok(&["install", "claude-code", "--project"]);
    assert!(setup.cwd.join(".mcp.json").exists());
    assert_eq!(backups(&setup.cwd), Vec::<PathBuf>::new());
    setup.ok(&["uninstall", "claude-code", "--project"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), EXISTING);
    assert!(!setup.cwd.join(".mcp.json").exists());
    assert_eq!(backups(&setup.cwd), Vec::<PathBuf>::new());
}

#[cfg(unix)]
#[test]
fn the_project_files_name_memcore_from_path_not_this_machines_path() {
    // memcore on PATH (a link to the binary under test): the files say `memcore`.
    let setup = Setup::new();
    let bin = setup.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(common::BIN, bin.join("memcore")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let setup = setup.with_env("PATH", path);
    setup.ok(&["install", "claude-code", "--project"]);
    let settings = std::fs::read_to_string(setup.cwd.join(".claude/settings.json")).unwrap();
    let mcp = std::fs::read_to_string(setup.cwd.join(".mcp.json")).unwrap();
    for text in [&settings, &mcp] {
        assert!(!text.contains(common::BIN), "{text}");
        assert!(
            !text.contains(&setup.dir.path().display().to_string()),
            "{text}"
        );
    }
    assert!(
        settings.contains("\"memcore hook SessionStart\""),
        "{settings}"
    );
    let tree: Value = serde_json::from_str(&mcp).unwrap();
    assert_eq!(tree["mcpServers"]["memcore"]["command"], "memcore");
    let (report, healthy) = setup.doctor_status();
    assert!(healthy, "{report}");

    // Not on PATH: the absolute path, and the output says so.
    let setup = Setup::new().with_env("PATH", "/usr/bin:/bin");
    let out = setup.ok(&["install", "claude-code", "--project"]);
    assert!(out.contains("memcore is not on PATH"), "{out}");
    let settings = std::fs::read_to_string(setup.cwd.join(".claude/settings.json")).unwrap();
    assert!(settings.contains(common::BIN), "{settings}");
}

#[cfg(unix)]
#[test]
fn claude_mcp_add_registers_the_server_when_claude_is_on_path() {
    let setup = Setup::new();
    let bin = setup.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let calls = setup.dir.path().join("claude-calls");
    let claude = bin.join("claude");
    std::fs::write(
        &claude,
        format!("#!/bin/sh\necho \"$*\" >> '{}'\n", calls.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&claude, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let setup = setup.with_env("PATH", path);
    let out = setup.ok(&["install", "claude-code"]);
    assert!(out.contains("claude mcp"), "{out}");
    let logged = std::fs::read_to_string(&calls).unwrap();
    // `--version` first: it says nothing (no version), so the hooks stay commands.
    assert_eq!(
        logged,
        format!(
            "--version\nmcp add --scope user memcore -- {} mcp\n",
            common::BIN
        )
    );
    let settings = setup.home.join(".claude").join("settings.json");
    let tree: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(
        tree["hooks"]["PostToolUse"][0]["hooks"][0]["type"],
        "command"
    );
    // memcore did not edit ~/.claude.json itself (the fake claude writes nothing).
    assert!(!setup.home.join(".claude.json").exists());

    // Registered (as claude would have written it): uninstall asks claude to remove it.
    let entry = serde_json::json!({"mcpServers": {"memcore": {"type": "stdio",
        "command": common::BIN, "args": ["mcp"], "env": {}}}});
    let claude_json = setup.home.join(".claude.json");
    std::fs::write(&claude_json, entry.to_string()).unwrap();
    setup.ok(&["uninstall", "claude-code"]);
    let logged = std::fs::read_to_string(&calls).unwrap();
    assert!(
        logged.ends_with("mcp remove --scope user memcore\n"),
        "{logged}"
    );
    assert_eq!(
        std::fs::read_to_string(&claude_json).unwrap(),
        entry.to_string()
    );

    // A claude that fails: the file is edited instead, and install says so.
    std::fs::remove_file(&claude_json).unwrap();
    std::fs::write(&claude, "#!/bin/sh\necho 'no such command' >&2\nexit 3\n").unwrap();
    let out = setup.ok(&["install", "claude-code"]);
    assert!(out.contains("edited"), "{out}");
    let tree: Value =
        serde_json::from_str(&std::fs::read_to_string(&claude_json).unwrap()).unwrap();
    assert_eq!(
        tree["mcpServers"]["memcore"]["args"],
        serde_json::json!(["mcp"])
    );
}

#[test]
fn with_the_plugin_enabled_install_refuses_and_doctor_counts_the_plugin() {
    let setup = Setup::new();
    let path = settings(&setup);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // As Claude Code writes it after `/plugin install memcore@memcore`.
    let with_plugin = "{\n  \"enabledPlugins\": {\n    \"memcore@memcore\": true\n  }\n}\n";
    std::fs::write(&path, with_plugin).unwrap();

    let out = setup.run_with_input(&["install", "claude-code"], b"");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("memcore@memcore") && err.contains("twice"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), with_plugin);
    assert!(!setup.home.join(".claude.json").exists());

    // The plugin registers the hooks: doctor does not send the user to install them again.
    let report = setup.doctor();
    assert_eq!(report["hooks"][0]["plugin"], "memcore@memcore");
    let problems = report["problems"].to_string();
    assert!(!problems.contains("not installed"), "{problems}");
    assert!(!problems.contains("twice"), "{problems}");

    // Hooks in the settings as well as the plugin: every hook would run twice.
    std::fs::write(&path, "{}").unwrap();
    setup.ok(&["install", "claude-code", "--no-mcp"]);
    let mut tree: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    tree["enabledPlugins"] = serde_json::json!({"memcore@memcore": true});
    std::fs::write(&path, tree.to_string()).unwrap();
    let report = setup.doctor();
    let problems = report["problems"].to_string();
    assert!(problems.contains("registered twice"), "{problems}");

    // A disabled plugin counts for nothing.
    std::fs::write(&path, r#"{"enabledPlugins": {"memcore@memcore": false}}"#).unwrap();
    let out = setup.run_with_input(&["install", "claude-code", "--no-mcp"], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fake `claude` on PATH that prints `version` for `--version` and succeeds at anything else.
#[cfg(unix)]
fn with_claude(setup: Setup, version: &str) -> Setup {
    use std::os::unix::fs::PermissionsExt;
    let bin = setup.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let claude = bin.join("claude");
    std::fs::write(
        &claude,
        format!("#!/bin/sh\n[ \"$1\" = --version ] && echo '{version}'\nexit 0\n"),
    )
    .unwrap();
    std::fs::set_permissions(&claude, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    setup.with_env("PATH", path)
}

/// The handler types of memcore's hooks in the user's settings, by event.
fn handler_types(setup: &Setup) -> Vec<(String, String)> {
    let settings = setup.home.join(".claude").join("settings.json");
    let tree: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    let mut types = Vec::new();
    for (event, groups) in tree["hooks"].as_object().unwrap() {
        for group in groups.as_array().unwrap() {
            for handler in group["hooks"].as_array().unwrap() {
                types.push((event.clone(), handler["type"].as_str().unwrap().to_owned()));
            }
        }
    }
    types
}

#[cfg(unix)]
#[test]
fn tool_calls_go_through_the_mcp_server_when_claude_code_runs_mcp_tool_hooks() {
    let mcp_tool = |types: &[(String, String)]| -> Vec<String> {
        types
            .iter()
            .filter(|(_, t)| t == "mcp_tool")
            .map(|(e, _)| e.clone())
            .collect()
    };
    // 2.1.118 and later: PostToolUse and PostToolUseFailure call the server's hook tool.
    let setup = with_claude(Setup::new(), "2.1.240 (Claude Code)");
    let out = setup.ok(&["install", "claude-code"]);
    assert!(out.contains("mcp_tool hooks"), "{out}");
    let types = handler_types(&setup);
    assert_eq!(mcp_tool(&types), ["PostToolUse", "PostToolUseFailure"]);
    assert_eq!(types.len(), 7, "{types:?}");
    let settings = setup.home.join(".claude").join("settings.json");
    let tree: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    let handler = &tree["hooks"]["PostToolUse"][0]["hooks"][0];
    assert_eq!(handler["server"], "memcore");
    assert_eq!(handler["tool"], "hook");
    assert_eq!(handler["input"]["event"], "PostToolUse");
    assert_eq!(handler["input"]["tool_use_id"], "${tool_use_id}");
    // Installing again changes nothing; `--hooks command` turns them into commands in place.
    let again = setup.ok(&["install", "claude-code"]);
    assert!(again.contains("already"), "{again}");
    let out = setup.ok(&["install", "claude-code", "--hooks", "command"]);
    assert!(
        out.contains("updated the hook of PostToolUse, PostToolUseFailure"),
        "{out}"
    );
    assert!(mcp_tool(&handler_types(&setup)).is_empty());
    // And back; uninstall removes both kinds.
    setup.ok(&["install", "claude-code", "--hooks", "mcp"]);
    assert_eq!(mcp_tool(&handler_types(&setup)).len(), 2);
    let out = setup.ok(&["uninstall", "claude-code"]);
    assert!(out.contains("removed memcore's hooks"), "{out}");
    assert!(
        !settings.exists()
            || !std::fs::read_to_string(&settings)
                .unwrap()
                .contains("memcore")
    );

    // Before 2.1.118, or with --no-mcp: commands only. A wrong --hooks is refused.
    let old = with_claude(Setup::new(), "2.1.117 (Claude Code)");
    old.ok(&["install", "claude-code"]);
    assert!(mcp_tool(&handler_types(&old)).is_empty());
    let no_mcp = with_claude(Setup::new(), "2.1.240 (Claude Code)");
    no_mcp.ok(&["install", "claude-code", "--no-mcp"]);
    assert!(mcp_tool(&handler_types(&no_mcp)).is_empty());
    for bad in [&["--hooks", "fast"][..], &["--hooks", "mcp", "--no-mcp"]] {
        let fresh = Setup::new();
        let mut args = vec!["install", "claude-code"];
        args.extend_from_slice(bad);
        let out = fresh.run_with_input(&args, b"");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(
            !fresh.home.join(".claude").exists(),
            "{bad:?}: nothing written"
        );
    }
}

#[test]
fn an_install_that_cannot_write_says_why_and_changes_nothing() {
    // ~/.claude is a file, not a folder: settings.json cannot be written under it.
    let setup = Setup::new();
    std::fs::write(setup.home.join(".claude"), "not a folder").unwrap();
    let out = setup.run_with_input(&["install", "claude-code"], b"");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".claude") && err.contains("cannot be written"),
        "{err}"
    );
    assert!(err.contains("changed nothing"), "{err}");
    assert_eq!(
        std::fs::read_to_string(setup.home.join(".claude")).unwrap(),
        "not a folder"
    );
    assert!(
        !setup.home.join(".claude.json").exists(),
        "no MCP entry either"
    );

    // A read-only ~/.claude (meaningless for root, who writes anyway: skipped then).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let setup = Setup::new();
        let dir = setup.home.join(".claude");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("settings.json"), "{\"model\": \"opus\"}\n").unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        let root = std::fs::write(dir.join("probe"), "x").is_ok();
        if root {
            eprintln!("running as root: the read-only folder case is not checked");
            let _ = std::fs::remove_file(dir.join("probe"));
        } else {
            let out = setup.run_with_input(&["install", "claude-code"], b"");
            assert_eq!(out.status.code(), Some(1));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("cannot be written"), "{err}");
            assert_eq!(
                std::fs::read_to_string(dir.join("settings.json")).unwrap(),
                "{\"model\": \"opus\"}\n"
            );
            assert!(!setup.home.join(".claude.json").exists());
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
