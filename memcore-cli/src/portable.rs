//! `export`, `import`, `import-claude-mem` and `backup`: the core's portability, on the
//! command line.

use crate::cli::Args;
use crate::commands::Env;
use crate::error::{CliError, CliResult};
use memcore::{ExportOptions, Scope};
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A date given as RFC 3339 or `YYYY-MM-DD` (midnight UTC).
pub(crate) fn date(flag: &str, text: &str) -> CliResult<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t);
    }
    let day = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| {
        CliError::usage(format!(
            "{flag} takes a date (2026-11-24 or 2026-11-24T09:00:00Z), not {text:?}"
        ))
    })?;
    Ok(day.midnight().assume_utc())
}

/// `memcore export [FILE] [--include-events] [--since DATE] [--until DATE] [--markdown DIR]`
pub fn export(env: &Env, mut args: Args) -> CliResult<()> {
    let include_events = args.flag("--include-events");
    let since = args
        .value("--since")?
        .map(|t| date("--since", &t))
        .transpose()?;
    let until = args
        .value("--until")?
        .map(|t| date("--until", &t))
        .transpose()?;
    let markdown = args.value("--markdown")?.map(PathBuf::from);
    let target = match args.positionals()?.as_slice() {
        [] => None,
        [path] if path == "-" => None,
        [path] => Some(PathBuf::from(path)),
        _ => return Err(CliError::usage("export writes one file (or - for stdout)")),
    };
    let scope = env.scope();
    let options = ExportOptions {
        project: scope.project().map(str::to_owned),
        since,
        until,
        include_events,
    };
    let memory = env.open()?;
    if let Some(dir) = markdown {
        let done = memory.export_markdown(&dir, &options)?;
        if env.global.json {
            return env.print_json(&done);
        }
        for file in &done.files {
            outln!("{}", file.display());
        }
        return Ok(());
    }
    let report = match &target {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| CliError::io("create", path, e))?;
            let mut out = BufWriter::new(file);
            let report = memory.export_jsonl(&mut out, &options)?;
            out.flush().map_err(|e| CliError::io("write", path, e))?;
            report
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            let report = memory.export_jsonl(&mut out, &options)?;
            out.flush()
                .map_err(|e| CliError::io("write", "<stdout>", e))?;
            report
        }
    };
    let what = match &scope {
        Scope::Project(p) => format!("project {p} (--all-projects exports every project)"),
        Scope::All => "every project".to_owned(),
    };
    eprintln!(
        "exported {} records of {what}{}",
        report.records.total(),
        target
            .map(|p| format!(" to {}", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}

/// `memcore import FILE` (`-`: stdin)
pub fn import(env: &Env, args: Args) -> CliResult<()> {
    let source = match args.positionals()?.as_slice() {
        [path] => path.clone(),
        _ => {
            return Err(CliError::usage(
                "import reads one export file (or - for stdin)",
            ));
        }
    };
    let memory = env.open()?;
    let report = if source == "-" {
        memory.import_jsonl(BufReader::new(std::io::stdin().lock()))?
    } else {
        let file = std::fs::File::open(&source).map_err(|e| CliError::io("open", &source, e))?;
        memory.import_jsonl(BufReader::new(file))?
    };
    // On stderr even with --json (where they are in the report too): a file that may be
    // incomplete must not pass unnoticed.
    for warning in &report.warnings {
        eprintln!("memcore: warning: {source}: {warning}");
    }
    if env.global.json {
        return env.print_json(&report);
    }
    outln!(
        "imported {} records ({} already there)",
        report.added.total(),
        report.skipped.total()
    );
    Ok(())
}

/// `memcore import-claude-mem [PATH]` (default `~/.claude-mem/claude-mem.db`)
pub fn import_claude_mem(env: &Env, args: Args) -> CliResult<()> {
    let path = match args.positionals()?.as_slice() {
        [path] => PathBuf::from(path),
        [] => std::env::var_os("CLAUDE_MEM_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".claude-mem")))
            .map(|dir| dir.join("claude-mem.db"))
            .ok_or_else(|| CliError::usage("give the path of claude-mem.db"))?,
        _ => return Err(CliError::usage("import-claude-mem reads one database")),
    };
    let memory = env.open()?;
    let report = memory.import_claude_mem(&path)?;
    if env.global.json {
        return env.print_json(&report);
    }
    outln!(
        "imported from {}: {} sessions, {} observations, {} summaries, {} prompts",
        report.path.display(),
        report.sessions.added,
        report.observations.added,
        report.summaries.added,
        report.prompts.added
    );
    Ok(())
}

/// `memcore backup FILE`
pub fn backup(env: &Env, args: Args) -> CliResult<()> {
    let dest = match args.positionals()?.as_slice() {
        [path] => PathBuf::from(path),
        _ => {
            return Err(CliError::usage(
                "backup writes one new file: memcore backup FILE",
            ));
        }
    };
    let memory = env.open()?;
    let report = memory.backup_to(&dest)?;
    if env.global.json {
        return env.print_json(&report);
    }
    outln!(
        "backed up {} to {} ({})",
        env.paths.db.display(),
        report.path.display(),
        crate::render::bytes(report.bytes)
    );
    Ok(())
}
