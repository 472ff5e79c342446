//! `memcore sync`: sharing a project's memory with other machines and a team.
//!
//! ```text
//! memcore [--project P] sync enable [--author NAME] [--events | --no-events]
//!                                                     share the project (logs what it has);
//!                                                     --events: its prompts, tool calls and
//!                                                     assistant messages travel too
//! memcore [--project P] sync disable                  stop sharing it
//! memcore [--project P] sync private [--off]          the project never leaves this store
//! memcore sync private --observation ID [--off]       one observation never leaves it
//! memcore sync [--hub URL] [--folder DIR]             one push-and-pull round with each
//! memcore sync --status                               what is pending in each direction
//! ```
//!
//! With neither `--hub` nor `--folder`, the hub and folder of the settings (`MEMCORE_HUB`,
//! `MEMCORE_SYNC_FOLDER`, `hub` / `sync_folder` in config.json) are used. Hooks never sync:
//! the detached extractor runs a round after its work when one is configured
//! ([`after_extraction`]), and the command does when called.

pub mod folder;
pub mod hub;

use crate::cli::Args;
use crate::commands::Env;
use crate::error::{CliError, CliResult};
use crate::log::Log;
use memcore::Memory;
use std::path::{Path, PathBuf};

/// `memcore sync ...`
pub fn sync(env: &Env, mut args: Args) -> CliResult<()> {
    match args.subcommand().as_deref() {
        None => {}
        Some("enable") => return enable(env, args),
        Some("disable") => {
            args.none()?;
            return disable(env);
        }
        Some("private") => return private(env, args),
        Some("search") => return search(env, args),
        Some(other) => {
            return Err(CliError::usage(format!(
                "sync has no subcommand {other:?}: enable, disable, private, or --hub / --folder / --status"
            )));
        }
    }
    let status_asked = args.flag("--status");
    let hub = args.value("--hub")?;
    let folder = args.value("--folder")?.map(PathBuf::from);
    args.none()?;
    if status_asked {
        let (hub, folder) = if hub.is_none() && folder.is_none() {
            (env.settings.hub.clone(), env.settings.sync_folder.clone())
        } else {
            (hub, folder)
        };
        return status(env, hub, folder);
    }
    rounds(env, hub, folder)
}

/// One round with each of the hub and folder given (or configured).
fn rounds(env: &Env, hub: Option<String>, folder: Option<PathBuf>) -> CliResult<()> {
    let (hub, folder) = if hub.is_none() && folder.is_none() {
        (env.settings.hub.clone(), env.settings.sync_folder.clone())
    } else {
        (hub, folder)
    };
    if hub.is_none() && folder.is_none() {
        return Err(CliError::usage(
            "sync needs --hub URL or --folder DIR (or MEMCORE_HUB / MEMCORE_SYNC_FOLDER, or `hub` / \
             `sync_folder` in config.json)",
        ));
    }
    let memory = env.open()?;
    let mut reports = serde_json::Map::new();
    if let Some(dir) = &folder {
        let report = folder::round(&memory, dir).map_err(CliError::Sync)?;
        if !env.global.json {
            outln!(
                "folder {}: sent {} change(s) in {} file(s), received {} ({} new, {} record(s) changed)",
                report.folder.display(),
                report.pushed,
                report.files_written,
                report.pulled,
                report.new,
                report.records_changed
            );
            for w in &report.waiting {
                outln!("  waiting: {w}");
            }
        }
        reports.insert(
            "folder".into(),
            serde_json::to_value(&report).unwrap_or_default(),
        );
    }
    if let Some(url) = &hub {
        let report = hub::round(&memory, url).map_err(|e| CliError::Sync(e.to_string()))?;
        if !env.global.json {
            outln!(
                "hub {}: sent {} change(s), received {} ({} new, {} record(s) changed)",
                hub::redact_url(url),
                report.pushed,
                report.pulled,
                report.new,
                report.records_changed
            );
        }
        reports.insert(
            "hub".into(),
            serde_json::to_value(&report).unwrap_or_default(),
        );
    }
    if env.global.json {
        env.print_json(&reports)?;
    }
    Ok(())
}

/// `memcore sync search QUERY... [--hub URL] [--limit N]`: the team's shared records of the
/// project (every shared project with `--all-projects`), searched on the hub, without
/// pulling them first.
fn search(env: &Env, mut args: Args) -> CliResult<()> {
    let url = args
        .value("--hub")?
        .or_else(|| env.settings.hub.clone())
        .ok_or_else(|| {
            CliError::usage("sync search needs --hub URL (or MEMCORE_HUB, or `hub` in config.json)")
        })?;
    let limit = args.number::<usize>("--limit")?.unwrap_or(10).clamp(1, 100);
    let query = args.positionals()?.join(" ");
    if query.trim().is_empty() {
        return Err(CliError::usage("sync search needs words to look for"));
    }
    let memory = env.open()?;
    let projects: Vec<String> = match env.scope().project() {
        Some(p) => vec![p.to_owned()],
        None => memory
            .sync_status()?
            .projects
            .into_iter()
            .filter(|p| p.enabled && !p.private)
            .map(|p| p.project)
            .collect(),
    };
    let hits = hub::search_for(&memory, &url, &projects, &query, limit)
        .map_err(|e| CliError::Sync(e.to_string()))?;
    if env.global.json {
        return env.print_json(&hits);
    }
    if hits.is_empty() {
        outln!("Nothing on the hub matches.");
    }
    for hit in &hits {
        outln!(
            "{}  {} ({}) by {}  [{}]  {:.3}",
            hit.kind,
            hit.title,
            hit.project,
            hit.author,
            hit.record,
            hit.score
        );
    }
    Ok(())
}

fn enable(env: &Env, mut args: Args) -> CliResult<()> {
    let author = args
        .value("--author")?
        .or_else(|| env.settings.author.clone())
        .unwrap_or_default();
    let events = match (args.flag("--events"), args.flag("--no-events")) {
        (true, true) => return Err(CliError::usage("give --events or --no-events, not both")),
        (true, false) => Some(true),
        (false, true) => Some(false),
        (false, false) => None,
    };
    args.none()?;
    let project = env.project();
    let memory = env.open()?;
    if let Some(share) = events {
        memory.set_share_events(&project, share)?;
    }
    let logged = memory.sync_enable(&project, &author)?;
    if env.global.json {
        return env.print_json(
            &serde_json::json!({"project": project, "enabled": true, "logged": logged}),
        );
    }
    outln!(
        "project {project} is shared: {logged} change(s) logged; `memcore sync --hub URL` or `--folder DIR` sends them"
    );
    Ok(())
}

fn disable(env: &Env) -> CliResult<()> {
    let project = env.project();
    let was = env.open()?.sync_disable(&project)?;
    if env.global.json {
        return env.print_json(
            &serde_json::json!({"project": project, "enabled": false, "was_enabled": was}),
        );
    }
    if was {
        outln!("project {project} is no longer shared (what was sent stays where it went)");
    } else {
        outln!("project {project} was not shared");
    }
    Ok(())
}

fn private(env: &Env, mut args: Args) -> CliResult<()> {
    let off = args.flag("--off");
    let observation = args.number::<i64>("--observation")?;
    args.none()?;
    let memory = env.open()?;
    match observation {
        Some(id) => {
            if !memory.set_private_observation(id, !off)? {
                return Err(CliError::NotFound(format!("no observation #{id}")));
            }
            outln!(
                "observation #{id} is {}",
                if off {
                    "no longer private"
                } else {
                    "private: it never leaves this store"
                }
            );
        }
        None => {
            let project = env.project();
            memory.set_private_project(&project, !off)?;
            outln!(
                "project {project} is {}",
                if off {
                    "no longer private"
                } else {
                    "private: nothing of it leaves this store"
                }
            );
        }
    }
    Ok(())
}

/// What waits in each direction: this store's changes each target has not had, and (for a
/// folder given or configured) the changes other devices left there that this store has not
/// read.
fn status(env: &Env, hub: Option<String>, folder: Option<PathBuf>) -> CliResult<()> {
    let memory = env.open()?;
    let status = memory.sync_status()?;
    let incoming = match &folder {
        Some(dir) => Some((
            dir.clone(),
            folder::incoming(&memory, dir).map_err(CliError::Sync)?,
        )),
        None => None,
    };
    let from_hub = match &hub {
        Some(url) => Some((
            hub::redact_url(url),
            hub::incoming(&memory, url).map_err(|e| CliError::Sync(e.to_string()))?,
        )),
        None => None,
    };
    if env.global.json {
        let mut value = serde_json::to_value(&status).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut value {
            let mut waiting = serde_json::Map::new();
            if let Some((dir, n)) = &incoming {
                waiting.insert(
                    "folder".into(),
                    serde_json::json!({"folder": dir, "changes": n}),
                );
            }
            if let Some((url, n)) = &from_hub {
                waiting.insert("hub".into(), serde_json::json!({"hub": url, "changes": n}));
            }
            map.insert("incoming".into(), waiting.into());
        }
        return env.print_json(&value);
    }
    let device = if status.device_id.is_empty() {
        "(none yet)"
    } else {
        status.device_id.as_str()
    };
    outln!("device        {device}");
    outln!(
        "author        {}",
        if status.author.is_empty() {
            "(not set)"
        } else {
            &status.author
        }
    );
    outln!(
        "changes       {} made here, {} received",
        status.device_seq,
        status.received
    );
    if status.projects.is_empty() {
        outln!("projects      none shared (`memcore --project P sync enable`)");
    }
    for p in &status.projects {
        let how = match (p.enabled, p.private, p.events) {
            (_, true, _) => "private (never leaves)",
            (true, false, true) => "shared, events too",
            (true, false, false) => "shared (observations and summaries)",
            (false, false, _) => "not shared",
        };
        outln!("project       {}: {how}", p.project);
    }
    for t in &status.targets {
        if t.target.contains('#') {
            outln!(
                "read          {} up to change {}",
                t.target,
                t.cursor.as_deref().unwrap_or("0")
            );
        } else {
            outln!(
                "target        {}: {} change(s) to send",
                t.target,
                t.pending
            );
        }
    }
    if let Some((dir, n)) = incoming {
        outln!(
            "incoming      folder {}: {n} change(s) to receive",
            dir.display()
        );
    }
    if let Some((url, n)) = from_hub {
        outln!("incoming      hub {url}: {n} change(s) to receive");
    }
    Ok(())
}

/// After the detached extractor's work: one round with the configured hub and folder, if
/// any; problems go to the log (the next `memcore sync --status` shows what waits).
pub fn after_extraction(memory: &Memory, hub: Option<&str>, folder: Option<&Path>, log: &Log) {
    if let Some(dir) = folder
        && let Err(e) = folder::round(memory, dir)
    {
        log.line(format!("sync through {}: {e}", dir.display()));
    }
    if let Some(url) = hub
        && let Err(e) = hub::round(memory, url)
    {
        log.line(format!("sync with {}: {e}", hub::redact_url(url)));
    }
}
