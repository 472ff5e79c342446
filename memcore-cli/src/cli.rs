//! The command line: global options, the command, and its arguments.
//!
//! Hand-written rather than a parser crate: the grammar is small, and a hook runs this on
//! every tool call, so it should cost nothing to start or to build.

use crate::error::{CliError, CliResult};
use std::collections::VecDeque;
use std::path::PathBuf;

/// Options every command takes, anywhere on the line.
#[derive(Debug, Clone, Default)]
pub struct Global {
    /// `--db PATH`: the store (else `$MEMCORE_DB`, else the default path).
    pub db: Option<PathBuf>,
    /// `--project NAME`: the project (else the resolver on the working directory).
    pub project: Option<String>,
    /// `--all-projects`: read commands look at every project.
    pub all_projects: bool,
    /// `--json`: read commands print JSON.
    pub json: bool,
}

/// A parsed command line: the global options, the command's name and the rest.
#[derive(Debug)]
pub struct Invocation {
    /// Options that apply to every command.
    pub global: Global,
    /// The command (`hook`, `search`...); `help` when none was given.
    pub command: String,
    /// Its own arguments.
    pub args: Args,
}

impl Invocation {
    /// Splits `argv` (without the program name) into global options, the command and its
    /// arguments. Global options may come before or after the command; `--` ends options.
    pub fn parse(argv: Vec<String>) -> CliResult<Invocation> {
        let mut global = Global::default();
        let mut rest = VecDeque::new();
        let mut items = argv.into_iter();
        let mut command = None;
        while let Some(arg) = items.next() {
            if arg == "--" {
                rest.push_back(arg);
                rest.extend(items.by_ref());
                break;
            }
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
                _ => (arg.clone(), None),
            };
            let mut value = |flag: &str| -> CliResult<String> {
                inline
                    .clone()
                    .or_else(|| items.next())
                    .ok_or_else(|| CliError::usage(format!("{flag} needs a value")))
            };
            match name.as_str() {
                "--db" => global.db = Some(PathBuf::from(value("--db")?)),
                // After install/uninstall, `--project` chooses the project's settings file.
                "--project" if matches!(command.as_deref(), Some("install" | "uninstall")) => {
                    rest.push_back(arg)
                }
                "--project" => global.project = Some(value("--project")?),
                "--all-projects" => global.all_projects = true,
                "--json" => global.json = true,
                "-h" | "--help" if command.is_none() => command = Some("help".to_owned()),
                "-V" | "--version" if command.is_none() => command = Some("version".to_owned()),
                _ if command.is_none() && !arg.starts_with('-') => command = Some(arg),
                _ => rest.push_back(arg),
            }
        }
        Ok(Invocation {
            global,
            command: command.unwrap_or_else(|| "help".to_owned()),
            args: Args { items: rest },
        })
    }
}

/// A command's own arguments, taken flag by flag; what is left are its positionals.
#[derive(Debug, Default)]
pub struct Args {
    items: VecDeque<String>,
}

impl Args {
    /// Arguments from a list (tests).
    #[cfg(test)]
    pub fn from(items: &[&str]) -> Args {
        Args {
            items: items.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The first argument when it is a word, not an option (removes it): a subcommand.
    pub fn subcommand(&mut self) -> Option<String> {
        match self.items.front() {
            Some(first) if !first.starts_with('-') => self.items.pop_front(),
            _ => None,
        }
    }

    /// Whether `--name` is present (removes it).
    pub fn flag(&mut self, name: &str) -> bool {
        let before = self.items.len();
        let mut seen_end = false;
        self.items.retain(|a| {
            seen_end |= a == "--";
            seen_end || a != name
        });
        self.items.len() < before
    }

    /// Every value of `--name V` or `--name=V` (removes them).
    pub fn values(&mut self, name: &str) -> CliResult<Vec<String>> {
        let mut found = Vec::new();
        let mut kept = VecDeque::new();
        let prefix = format!("{name}=");
        while let Some(arg) = self.items.pop_front() {
            if arg == "--" {
                kept.push_back(arg);
                kept.extend(self.items.drain(..));
                break;
            }
            if arg == name {
                match self.items.pop_front() {
                    Some(v) => found.push(v),
                    None => return Err(CliError::usage(format!("{name} needs a value"))),
                }
            } else if let Some(v) = arg.strip_prefix(&prefix) {
                found.push(v.to_owned());
            } else {
                kept.push_back(arg);
            }
        }
        self.items = kept;
        Ok(found)
    }

    /// The last value of `--name` (removes every one).
    pub fn value(&mut self, name: &str) -> CliResult<Option<String>> {
        Ok(self.values(name)?.pop())
    }

    /// The value of `--name` as a number.
    pub fn number<T: std::str::FromStr>(&mut self, name: &str) -> CliResult<Option<T>> {
        match self.value(name)? {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| CliError::usage(format!("{name} takes a whole number, not {v:?}"))),
        }
    }

    /// The remaining arguments, which must all be positional (after `--`, anything goes).
    pub fn positionals(self) -> CliResult<Vec<String>> {
        let mut out = Vec::new();
        let mut items = self.items.into_iter();
        while let Some(arg) = items.next() {
            if arg == "--" {
                out.extend(items.by_ref());
                break;
            }
            if arg.starts_with("--") || (arg.starts_with('-') && arg.len() > 1 && !is_number(&arg))
            {
                return Err(CliError::usage(format!("unknown option {arg}")));
            }
            out.push(arg);
        }
        Ok(out)
    }

    /// No argument may be left.
    pub fn none(self) -> CliResult<()> {
        match self.positionals()?.first() {
            None => Ok(()),
            Some(extra) => Err(CliError::usage(format!("unexpected argument {extra:?}"))),
        }
    }
}

fn is_number(s: &str) -> bool {
    s.parse::<f64>().is_ok()
}

/// The help text.
pub const HELP: &str = "\
memcore: persistent memory for Claude Code (and any agent), in one local SQLite file.

USAGE: memcore [--db PATH] [--project NAME] [--all-projects] [--json] <command> [args]

Setup
  install claude-code [--user|--project] [--command PROG] [--no-mcp] [--hooks auto|command|mcp]
                          add memcore's hooks to Claude Code's settings.json (user by default)
                          and register its MCP server (~/.claude.json, or .mcp.json); tool
                          calls go through the server (mcp) when Claude Code is 2.1.118+ (auto)
  uninstall claude-code [--user|--project] [--no-mcp]
                          remove exactly the hooks and the MCP server install added
  doctor                  store, schema, pending and failed events, last extraction, size,
                          provider, extractor, log, hook installation

Reading memory (--json for JSON; --project NAME or --all-projects, else the current project)
  search QUERY... [--limit N] [--kind K]... [--file PATH]... [--mode fused|lexical|vector]
  context [QUERY...] [--prompt] [--budget TOKENS]
                          what a session start (or, with --prompt, a prompt) is given
  show ID...              observations in full
  timeline ID [--before N] [--after N]
                          observations and prompts around an observation
  recent [--limit N]      the newest observations
  stats                   counts, size, tokens spent today
  ui [--no-open] [--port N]
                          a local web viewer: browse, search (with the ranking explained),
                          edit, pin and forget (with undo); serves 127.0.0.1 only, on a random
                          port unless --port, with a per-run token in the URL it opens (with
                          --no-open it prints the URL as the first line instead); runs until
                          stopped (Ctrl-C)

Upkeep
  extract [--wait] [--provider SPEC] [--summarize SESSION]... [--session ID --transcript PATH]
                          distil pending events now (hooks start this by themselves), after
                          reading the assistant's words from a session's transcript
  retry-failed            make events whose extraction failed pending again
  index                   give every record its vector now (recall and extraction do it as
                          they go), and drop deleted records from the vector index
  forget ID...            forget observations (recoverable: prints the batch to undo)
  forget --where [--kind K] [--session S] [--since DATE] [--until DATE] [--query WORDS]
         [--dry-run]      forget every observation of the project the filter covers
  forget --list | --undo BATCH | --purge BATCH | --purge-all
                          the forget bin: list, bring back, remove for good
  import-transcript PATH... [--no-extract]
                          import Claude Code session transcripts (.jsonl)
  export [FILE] [--include-events] [--since DATE] [--until DATE] [--markdown DIR]
  import FILE             JSONL export files (FILE - is stdin / stdout)
  import-claude-mem [PATH]
                          claude-mem's database (default ~/.claude-mem/claude-mem.db)
  backup FILE             a consistent copy of the store, while it is in use

Sync (records travel as changes; the store stays local; hooks never wait on the network)
  sync enable [--author NAME] [--events] | sync disable
                          share the project (--project P) with your machines and team (its
                          observations and summaries; --events: prompts and tool calls too)
  sync private [--off] [--observation ID]
                          the project (or one observation) never leaves this store
  sync [--hub URL] [--folder DIR]
                          one push-and-pull round with a PostgreSQL hub and/or a sync folder
                          (default: MEMCORE_HUB, MEMCORE_SYNC_FOLDER, or config.json)
  sync --status           device, shared projects, what each hub or folder still waits for

MCP server (what Claude Code starts; install registers it)
  mcp                     serve search, timeline, get_observations, remember and forget over
                          the Model Context Protocol on stdin/stdout, for the current project,
                          and the hook tool that mcp_tool hooks call

Hooks (what Claude Code runs; reads the event JSON on stdin, always exits 0)
  hook SessionStart|UserPromptSubmit|PostToolUse|PostToolUseFailure|PreCompact|Stop|SessionEnd

Configuration: MEMCORE_DB (store path), MEMCORE_PROVIDER (heuristic | anthropic:<model> |
openai:<model>), ANTHROPIC_API_KEY, MEMCORE_OPENAI_BASE_URL, OPENAI_API_KEY,
MEMCORE_DAILY_TOKEN_CAP, MEMCORE_EMBEDDER=transformer with MEMCORE_MODEL_DIR (mcp and extract,
builds with the transformer feature), or config.json beside the store. Problems are logged to memcore.log
beside the store.
";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Invocation {
        Invocation::parse(args.iter().map(|s| s.to_string()).collect()).unwrap()
    }

    #[test]
    fn global_options_go_anywhere() {
        let inv = parse(&[
            "--db",
            "/tmp/m.db",
            "search",
            "coupon",
            "--json",
            "--limit=3",
        ]);
        assert_eq!(inv.command, "search");
        assert_eq!(inv.global.db, Some(PathBuf::from("/tmp/m.db")));
        assert!(inv.global.json);
        let mut args = inv.args;
        assert_eq!(args.number::<usize>("--limit").unwrap(), Some(3));
        assert_eq!(args.positionals().unwrap(), ["coupon"]);
    }

    #[test]
    fn no_command_is_help() {
        assert_eq!(parse(&[]).command, "help");
        assert_eq!(parse(&["--help"]).command, "help");
        assert_eq!(parse(&["-V"]).command, "version");
    }

    #[test]
    fn values_flags_and_positionals() {
        let mut args = Args::from(&["a", "--kind", "bugfix", "--wait", "--kind=decision", "b"]);
        assert!(args.flag("--wait"));
        assert!(!args.flag("--wait"));
        assert_eq!(args.values("--kind").unwrap(), ["bugfix", "decision"]);
        assert_eq!(args.positionals().unwrap(), ["a", "b"]);
    }

    #[test]
    fn unknown_options_and_missing_values_are_usage_errors() {
        assert!(Args::from(&["--nope"]).positionals().is_err());
        assert!(Args::from(&["--limit"]).value("--limit").is_err());
        assert!(
            Args::from(&["--limit", "x"])
                .number::<usize>("--limit")
                .is_err()
        );
        assert!(Args::from(&["extra"]).none().is_err());
    }

    #[test]
    fn double_dash_ends_options() {
        let mut args = Args::from(&["--", "--not-a-flag", "-x"]);
        assert!(!args.flag("--not-a-flag"));
        assert_eq!(args.positionals().unwrap(), ["--not-a-flag", "-x"]);
    }
}
