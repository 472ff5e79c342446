//! `memcore forget`: forgetting observations by id or by a filter, with undo.
//!
//! ```text
//! memcore forget ID...                      one batch, recoverable
//! memcore forget --where [--kind K] [--session S] [--since DATE] [--until DATE] [--query WORDS]
//!                [--dry-run]                every observation the filter covers, in the project
//!                                           (or every project with --all-projects)
//! memcore forget --list                     the batches that can be undone
//! memcore forget --undo BATCH               bring a batch back
//! memcore forget --purge BATCH | --purge-all
//!                                           remove for good
//! ```
//!
//! Every form prints what it did and, after a forget, the command that undoes it.

use crate::cli::Args;
use crate::commands::{Env, ids};
use crate::error::{CliError, CliResult};
use crate::portable::date;
use memcore::{ForgetBatch, ObservationFilter, ObservationKind};

/// `memcore forget ...`
pub fn forget(env: &Env, mut args: Args) -> CliResult<()> {
    if args.flag("--list") {
        args.none()?;
        return list(env);
    }
    if let Some(batch) = args.number::<i64>("--undo")? {
        args.none()?;
        return undo(env, batch);
    }
    if args.flag("--purge-all") {
        args.none()?;
        return purge(env, None);
    }
    if let Some(batch) = args.number::<i64>("--purge")? {
        args.none()?;
        return purge(env, Some(batch));
    }
    if args.flag("--where") {
        return by_filter(env, args);
    }
    let ids = ids(args.positionals()?, "forget")?;
    let memory = env.open()?;
    let reason = format!(
        "forget {}",
        ids.iter()
            .map(|i| format!("#{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let batch = memory.forget_ids(&ids, &reason)?;
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !batch.observation_ids.contains(id))
        .map(|id| format!("#{id}"))
        .collect();
    report(env, &batch)?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CliError::NotFound(format!(
            "no observation {}",
            missing.join(", ")
        )))
    }
}

/// `memcore forget --where ...`
fn by_filter(env: &Env, mut args: Args) -> CliResult<()> {
    let dry_run = args.flag("--dry-run");
    let filter = ObservationFilter {
        project: env.scope().project().map(str::to_owned),
        kind: args.value("--kind")?.map(|k| ObservationKind::parse(&k)),
        session_id: args.value("--session")?,
        since: args
            .value("--since")?
            .map(|t| date("--since", &t))
            .transpose()?,
        until: args
            .value("--until")?
            .map(|t| date("--until", &t))
            .transpose()?,
        query: args.value("--query")?,
    };
    args.none()?;
    let scoped = ObservationFilter {
        project: None,
        ..filter.clone()
    };
    if scoped.is_empty() {
        return Err(CliError::usage(
            "forget --where needs --kind, --session, --since, --until or --query \
             (it would forget every observation of the project)",
        ));
    }
    let memory = env.open()?;
    if dry_run {
        let n = memory.count_observations(&filter)?;
        if env.global.json {
            env.print_json(&serde_json::json!({"would_forget": n}))?;
        } else {
            outln!("would forget {n} observation(s); run again without --dry-run to forget them");
        }
        return Ok(());
    }
    let batch = memory.forget_where(&filter, &describe(&filter))?;
    report(env, &batch)
}

/// The filter in words, kept as the batch's reason.
fn describe(f: &ObservationFilter) -> String {
    let mut parts = vec!["forget --where".to_owned()];
    let mut add = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            parts.push(format!("{name} {v}"));
        }
    };
    add("project", f.project.clone());
    add("kind", f.kind.as_ref().map(|k| k.to_string()));
    add("session", f.session_id.clone());
    add("since", f.since.map(|t| t.to_string()));
    add("until", f.until.map(|t| t.to_string()));
    add("query", f.query.clone());
    parts.join(" ")
}

fn report(env: &Env, batch: &ForgetBatch) -> CliResult<()> {
    if env.global.json {
        return env.print_json(&serde_json::json!({
            "forgotten": batch.observation_ids,
            "batch": (batch.id > 0).then_some(batch.id),
        }));
    }
    if batch.observation_ids.is_empty() {
        outln!("nothing to forget");
        return Ok(());
    }
    for id in &batch.observation_ids {
        outln!("forgot #{id}");
    }
    outln!(
        "batch {}: undo with `memcore forget --undo {}` (until purged)",
        batch.id,
        batch.id
    );
    Ok(())
}

fn list(env: &Env) -> CliResult<()> {
    let batches = env.open()?.forget_batches(1000)?;
    if env.global.json {
        return env.print_json(&batches);
    }
    if batches.is_empty() {
        outln!("nothing forgotten is waiting to be purged");
    }
    for b in &batches {
        outln!(
            "batch {}  {}  {} observation(s)  {}",
            b.id,
            b.at.date(),
            b.observation_ids.len(),
            b.reason
        );
    }
    Ok(())
}

fn undo(env: &Env, batch: i64) -> CliResult<()> {
    let restored = env.open()?.undo_forget(batch)?;
    if env.global.json {
        return env.print_json(&serde_json::json!({"restored": restored}));
    }
    for id in &restored {
        outln!("restored #{id}");
    }
    Ok(())
}

fn purge(env: &Env, batch: Option<i64>) -> CliResult<()> {
    let n = env.open()?.purge_forgotten(batch)?;
    if env.global.json {
        return env.print_json(&serde_json::json!({"purged": n}));
    }
    outln!("purged {n} forgotten observation(s) for good");
    Ok(())
}
