//! `memcore`: persistent memory for Claude Code, with no daemon, no port and no key needed.
//!
//! ```sh
//! cargo install memcore-cli          # or: cargo install --path memcore-cli
//! memcore install claude-code        # adds the hooks to ~/.claude/settings.json
//! memcore doctor                     # checks it all
//! ```
//!
//! Claude Code then runs `memcore hook <Event>` at each hook event ([`hook`]): each call is a
//! short process that records the event in the store (`$MEMCORE_DB`, else
//! `memcore/memory.db` in the user's data directory) and, at session start and on each
//! prompt, answers with what memory holds. Extraction runs in a detached `memcore extract`
//! ([`extractor`]), with the heuristic extractor by default or an LLM ([`provider`]).
//!
//! Code map: [`cli`] parses the command line; [`hook`] is the hook command; [`extractor`]
//! the extraction command, its lock and its detached start; [`provider`] the LLM clients;
//! [`mcp`] the MCP server; [`embedder`] the transformer embedder of the long-lived commands;
//! [`install`] the settings.json editing; [`commands`] and [`doctor`] the read and upkeep
//! commands; [`ui`] the local web viewer; [`config`], [`paths`] and [`log`] the files beside
//! the store.

/// Writes to stdout; a closed stdout (`memcore recent | head`) ends the command quietly
/// instead of panicking as `print!` does.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::write_stdout(format_args!($($arg)*), false)
    };
}

/// [`out!`] with a newline.
macro_rules! outln {
    () => {
        $crate::write_stdout(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::write_stdout(format_args!($($arg)*), true)
    };
}

mod cli;
mod commands;
mod config;
mod doctor;
mod embedder;
mod error;
mod extractor;
mod failed;
mod forget;
mod hook;
mod install;
mod log;
mod mcp;
mod paths;
mod portable;
mod provider;
mod render;
mod seed;
mod sync;
mod ui;

use cli::{Args, HELP, Invocation};
use commands::Env;
use error::{CliError, CliResult};
use install::SettingsScope;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let invocation = match Invocation::parse(argv) {
        Ok(inv) => inv,
        Err(e) => return fail(&e),
    };
    if invocation.command == "hook" {
        return run_hook(invocation);
    }
    match run(invocation) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// A hook always exits 0, and prints its JSON answer or nothing.
fn run_hook(invocation: Invocation) -> ExitCode {
    let event = invocation
        .args
        .positionals()
        .ok()
        .and_then(|p| p.into_iter().next())
        .unwrap_or_default();
    if let Some(answer) = hook::run(&event, &invocation.global) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(answer.as_bytes());
        let _ = stdout.write_all(b"\n");
        let _ = stdout.flush();
    }
    ExitCode::SUCCESS
}

/// Writes `args` (and a newline) to stdout; exits quietly with success when the reader went
/// away, and with failure on any other write error.
fn write_stdout(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_fmt(args).and_then(|()| {
        if newline {
            stdout.write_all(b"\n")
        } else {
            Ok(())
        }
    });
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("memcore: cannot write to stdout: {e}");
            std::process::exit(1);
        }
    }
}

fn fail(e: &CliError) -> ExitCode {
    eprintln!("memcore: {e}");
    match e {
        CliError::Usage(_) => ExitCode::from(2),
        _ => ExitCode::FAILURE,
    }
}

fn run(invocation: Invocation) -> CliResult<()> {
    let Invocation {
        global,
        command,
        args,
    } = invocation;
    match command.as_str() {
        "help" => {
            out!("{HELP}");
            return Ok(());
        }
        "version" => {
            outln!("memcore {}", env!("CARGO_PKG_VERSION"));
            return Ok(());
        }
        _ => {}
    }
    let env = Env::new(global)?;
    match command.as_str() {
        "install" => install_command(&env, args, true),
        "uninstall" => install_command(&env, args, false),
        "doctor" => doctor::doctor(&env, args),
        "search" => commands::search(&env, args),
        "context" => commands::context(&env, args),
        "show" => commands::show(&env, args),
        "timeline" => commands::timeline(&env, args),
        "recent" => commands::recent(&env, args),
        "stats" => commands::stats(&env, args),
        "sync" => sync::sync(&env, args),
        "forget" => forget::forget(&env, args),
        "retry-failed" => commands::retry_failed(&env, args),
        "index" => commands::index(&env, args),
        "import-transcript" => commands::import_transcript(&env, args),
        "extract" => commands::extract(&env, args),
        "export" => portable::export(&env, args),
        "import" => portable::import(&env, args),
        "import-claude-mem" => portable::import_claude_mem(&env, args),
        "backup" => portable::backup(&env, args),
        "mcp" => mcp::mcp(&env, args),
        "dev" => seed::dev(&env, args),
        "ui" => ui::ui(&env, args),
        other => Err(CliError::usage(format!("unknown command {other:?}"))),
    }
}

/// Whether `name` on PATH is the binary `exe` (the same file, links followed).
fn on_path(name: &str, exe: &std::path::Path) -> bool {
    let Some(dirs) = std::env::var_os("PATH") else {
        return false;
    };
    let Ok(exe) = exe.canonicalize() else {
        return false;
    };
    std::env::split_paths(&dirs)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .and_then(|p| p.canonicalize().ok())
        .is_some_and(|p| p == exe)
}

/// `memcore install claude-code` / `memcore uninstall claude-code`: the hooks, and the MCP
/// server unless `--no-mcp`.
fn install_command(env: &Env, mut args: Args, add: bool) -> CliResult<()> {
    let user = args.flag("--user");
    let project = args.flag("--project");
    let no_mcp = args.flag("--no-mcp");
    let program = args.value("--command")?;
    let hooks = args.value("--hooks")?;
    let target = args.positionals()?;
    let verb = if add { "install" } else { "uninstall" };
    match target.as_slice() {
        [t] if t == "claude-code" => {}
        _ => {
            return Err(CliError::usage(format!(
                "{verb} what? `memcore {verb} claude-code [--user|--project] [--no-mcp]`"
            )));
        }
    }
    if user && project {
        return Err(CliError::usage("choose --user or --project, not both"));
    }
    let scope = if project {
        SettingsScope::Project
    } else {
        SettingsScope::User
    };
    let path = scope.path()?;
    let mcp_path = install::mcp::config_path(scope)?;
    // With the MCP server come the rules that let its read-only tools run without a prompt.
    let allow = if no_mcp {
        Vec::new()
    } else {
        install::mcp::allow_rules()
    };
    let route = match hooks.as_deref() {
        _ if !add => install::Route::Command,
        Some("command") => install::Route::Command,
        Some("mcp") if no_mcp => {
            return Err(CliError::usage(
                "--hooks mcp calls the MCP server's hook tool: it cannot go with --no-mcp",
            ));
        }
        Some("mcp") => install::Route::McpTool,
        Some("auto") | None if no_mcp => install::Route::Command,
        Some("auto") | None => install::claude_version::route(),
        Some(other) => {
            return Err(CliError::usage(format!(
                "--hooks {other:?}: give command, mcp or auto"
            )));
        }
    };
    let mut absolute_in_project = None;
    let mut copied_to = None;
    let mut change = if add {
        let program = match program {
            Some(p) => p,
            None => {
                let exe = std::env::current_exe()
                    .map_err(|e| CliError::io("find the memcore executable", "memcore", e))?;
                // Run from npx's or uv's cache: the hooks name a lasting copy instead.
                let (exe, copied) = install::program::lasting(&exe, &env.paths.data_dir)?;
                if copied {
                    copied_to = Some(exe.clone());
                }
                // The project's files are meant to be committed: they name `memcore` (found on
                // PATH) rather than this machine's path, when PATH finds this very binary.
                match scope {
                    SettingsScope::Project if on_path("memcore", &exe) => "memcore".to_owned(),
                    SettingsScope::Project => {
                        absolute_in_project = Some(exe.display().to_string());
                        exe.to_string_lossy().into_owned()
                    }
                    SettingsScope::User => exe.to_string_lossy().into_owned(),
                }
            }
        };
        // The plugin registers the same hooks: both would run every hook twice.
        for settings in [SettingsScope::User, SettingsScope::Project] {
            let Ok(settings_path) = settings.path() else {
                continue;
            };
            if let Some(plugin) = install::enabled_plugin(&settings_path) {
                return Err(CliError::Usage(format!(
                    "the memcore plugin ({plugin}) is enabled in {}: it already runs memcore's \
                     hooks and MCP server, and installing them into the settings too would run \
                     every hook twice; nothing was changed (disable the plugin with \
                     `/plugin disable {plugin}` first to install this way instead)",
                    settings_path.display()
                )));
            }
        }
        // The MCP file is checked first and written last: when either file cannot be
        // edited, neither is, and the permission rules never name tools of a server that
        // is not memcore's.
        install::check_writable(&path)?;
        if !no_mcp {
            install::check_writable(&mcp_path)?;
            install::mcp::check(&mcp_path, &program)?;
        }
        let change = install::install(&path, &program, route, &allow)?;
        let mcp = (!no_mcp)
            .then(|| install::mcp::register_in(scope, &mcp_path, &program))
            .transpose()?;
        install::Change { mcp, ..change }
    } else {
        let mcp = (!no_mcp)
            .then(|| install::mcp::unregister_in(scope, &mcp_path))
            .transpose()?;
        install::Change {
            mcp,
            ..install::uninstall(&path, &allow)?
        }
    };
    if env.global.json {
        return env.print_json(&change);
    }
    let nothing =
        change.events.is_empty() && change.updated.is_empty() && change.allowed.is_empty();
    let file = path.display();
    let events = change.events.join(", ");
    match (add, change.events.is_empty()) {
        (true, true) => outln!("memcore's hooks are already in {file}"),
        (true, false) => outln!("added memcore's hooks to {file} ({events})"),
        (false, true) => outln!("no memcore hook in {file}"),
        (false, false) => outln!("removed memcore's hooks from {file} ({events})"),
    }
    if !change.updated.is_empty() {
        outln!("updated the hook of {}", change.updated.join(", "));
    }
    if add && route == install::Route::McpTool {
        outln!(
            "{} go through memcore's MCP server (mcp_tool hooks, Claude Code 2.1.118 and \
             later): no process per tool call; `--hooks command` runs a process instead",
            install::MCP_TOOL_EVENTS.join(" and ")
        );
    }
    if !change.allowed.is_empty() {
        let rules = change.allowed.join(", ");
        if add {
            outln!("allowed memcore's read-only MCP tools to run without asking ({rules})");
        } else {
            outln!("removed the permission rules {rules}");
        }
    }
    if let Some(backup) = &change.backup {
        outln!("the previous file is saved as {}", backup.display());
    }
    if let Some(mcp) = change.mcp.take() {
        use install::mcp::McpAction;
        let file = mcp.path.display();
        match mcp.action {
            McpAction::Added => outln!("registered the MCP server `memcore mcp` in {file}"),
            McpAction::Updated => outln!("updated the command of the MCP server in {file}"),
            McpAction::Unchanged => outln!("the MCP server is already registered in {file}"),
            McpAction::Removed => outln!("removed the MCP server from {file}"),
            McpAction::Absent => outln!("no memcore MCP server in {file}"),
        }
        if let Some(claude) = &mcp.via_claude {
            outln!("(through Claude Code's own `{} mcp`)", claude.display());
        }
        if let Some(reason) = &mcp.claude_failed {
            outln!("{reason}; edited {file} instead");
        }
        if let Some(backup) = &mcp.backup {
            outln!("the previous file is saved as {}", backup.display());
        }
        if matches!(mcp.action, McpAction::Added | McpAction::Updated) {
            outln!("restart Claude Code to load the MCP server (`/mcp` lists it)");
        }
    }
    if add && !nothing {
        outln!(
            "memory: {}  (MEMCORE_DB changes it; `memcore doctor` checks everything)",
            env.paths.db.display()
        );
    }
    if let Some(copy) = copied_to {
        outln!(
            "memcore ran from a package manager's cache, which may be cleared: the hooks run \
             a copy at {} (`memcore install claude-code` again refreshes it)",
            copy.display()
        );
    }
    if let Some(exe) = absolute_in_project {
        outln!(
            "note: memcore is not on PATH, so these files name it by this machine's path \
             ({exe}); before committing them, put memcore on PATH and install again (they \
             will say `memcore`), or pass --command"
        );
    }
    Ok(())
}
