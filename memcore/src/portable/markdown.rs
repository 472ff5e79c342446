//! The Markdown export: one file per project, for people to read.
//!
//! Each file stands on its own: the project's name, when it was exported, then one section
//! per session (oldest first) with the session's summaries and its observations (kind, date,
//! title, subtitle, narrative, facts, concepts, files), then the observations that belong to
//! no session.

use super::ExportOptions;
use super::Portable;
use crate::error::{Error, Result};
use crate::model::{Observation, Session, SessionStatus};
use crate::store::portable::{ExportScope, SummaryRow};
use crate::text::one_line;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::macros::format_description;

/// What [`Memory::export_markdown`](crate::Memory::export_markdown) wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkdownExport {
    /// The files written, one per project, in project order.
    pub files: Vec<PathBuf>,
    /// Sessions written.
    pub sessions: u64,
    /// Observations written.
    pub observations: u64,
    /// Summaries written.
    pub summaries: u64,
}

fn date(t: OffsetDateTime) -> String {
    let f = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.format(&f).unwrap_or_else(|_| t.to_string())
}

/// A file name for a project: letters, digits, `.`, `_` and `-` kept, anything else `_`;
/// never empty, never hidden; `taken` names get a numbered suffix.
fn file_name(project: &str, taken: &mut HashSet<String>) -> String {
    let mut base: String = project
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    base = base.trim_start_matches('.').chars().take(100).collect();
    if base.is_empty() {
        base = "project".into();
    }
    let mut name = format!("{base}.md");
    let mut n = 2;
    while !taken.insert(name.to_lowercase()) {
        name = format!("{base}-{n}.md");
        n += 1;
    }
    name
}

fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{}`", i.replace('`', "'")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_observation(out: &mut String, o: &Observation) {
    let _ = writeln!(out, "#### {}\n", one_line(&o.title));
    let mut meta = format!("*{} · {} · #{}", o.kind, date(o.created_at), o.id);
    if o.pinned {
        meta.push_str(" · pinned");
    }
    meta.push('*');
    let _ = writeln!(out, "{meta}\n");
    if !o.subtitle.is_empty() {
        let _ = writeln!(out, "**{}**\n", one_line(&o.subtitle));
    }
    if !o.narrative.is_empty() {
        let _ = writeln!(out, "{}\n", o.narrative.trim());
    }
    if !o.facts.is_empty() {
        for fact in &o.facts {
            let _ = writeln!(out, "- {}", one_line(fact));
        }
        out.push('\n');
    }
    let mut tags = Vec::new();
    if !o.concepts.is_empty() {
        tags.push(format!("Concepts: {}", o.concepts.join(", ")));
    }
    if !o.files_read.is_empty() {
        tags.push(format!("Files read: {}", code_list(&o.files_read)));
    }
    if !o.files_modified.is_empty() {
        tags.push(format!("Files modified: {}", code_list(&o.files_modified)));
    }
    if !tags.is_empty() {
        let _ = writeln!(out, "{}\n", tags.join("  \n"));
    }
}

fn write_summary(out: &mut String, s: &SummaryRow) {
    let _ = writeln!(
        out,
        "### Summary ({})\n",
        date(crate::store::from_millis(s.created_at))
    );
    let c = &s.content;
    for (label, text) in [
        ("Request", &c.request),
        ("Investigated", &c.investigated),
        ("Learned", &c.learned),
        ("Completed", &c.completed),
        ("Next steps", &c.next_steps),
        ("Notes", &c.notes),
    ] {
        if !text.trim().is_empty() {
            let _ = writeln!(out, "**{label}:** {}\n", text.trim());
        }
    }
}

fn session_heading(s: &Session) -> String {
    let mut heading = format!("## Session {} · {}", one_line(&s.id), date(s.started_at));
    match (s.status, s.ended_at) {
        (_, Some(end)) => {
            let _ = write!(heading, " to {}", date(end));
        }
        (SessionStatus::Active, None) => heading.push_str(" (active)"),
        (SessionStatus::Ended, None) => {}
    }
    if !s.agent.is_empty() {
        let _ = write!(heading, " · {}", one_line(&s.agent));
    }
    heading
}

impl Portable<'_> {
    /// See [`Memory::export_markdown`](crate::Memory::export_markdown).
    pub(crate) fn export_markdown(
        &self,
        dir: &Path,
        options: &ExportOptions,
    ) -> Result<MarkdownExport> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            action: "create the export directory",
            path: dir.to_owned(),
            source,
        })?;
        let scope = options.scope()?;
        // One read transaction: every file shows the store at the same moment.
        self.state.store.read_snapshot("the Markdown export", || {
            self.write_markdown(dir, options, &scope)
        })
    }

    /// The files of the export, read from the snapshot [`Portable::export_markdown`] holds.
    fn write_markdown(
        &self,
        dir: &Path,
        options: &ExportOptions,
        scope: &ExportScope,
    ) -> Result<MarkdownExport> {
        let projects: Vec<String> = match &options.project {
            Some(p) => vec![p.clone()],
            None => self.state.store.projects()?,
        };
        let mut report = MarkdownExport::default();
        let mut taken = HashSet::new();
        let exported = date(OffsetDateTime::now_utc());
        for project in projects {
            let scope = ExportScope {
                project: Some(project.clone()),
                ..scope.clone()
            };
            let mut by_session: BTreeMap<Option<String>, Vec<Observation>> = BTreeMap::new();
            let mut count = 0u64;
            self.state.store.for_each_export_observation(&scope, |o| {
                by_session.entry(o.session_id.clone()).or_default().push(o);
                count += 1;
                Ok(())
            })?;
            let mut summaries: BTreeMap<String, Vec<SummaryRow>> = BTreeMap::new();
            self.state.store.for_each_export_summary(&scope, |s| {
                summaries.entry(s.session_id.clone()).or_default().push(s);
                Ok(())
            })?;
            let mut sessions = self.state.store.export_sessions(&scope)?;
            sessions.retain(|s| {
                by_session.contains_key(&Some(s.id.clone())) || summaries.contains_key(&s.id)
            });
            sessions.sort_by_key(|s| s.started_at);

            let mut out = String::new();
            let _ = writeln!(out, "# {}\n", one_line(&project));
            let _ = writeln!(
                out,
                "Memory exported from memcore on {exported}: {count} observations in {} \
                 sessions.\n",
                sessions.len()
            );
            for s in &sessions {
                let _ = writeln!(out, "{}\n", session_heading(s));
                for summary in summaries.get(&s.id).into_iter().flatten() {
                    write_summary(&mut out, summary);
                    report.summaries += 1;
                }
                if let Some(list) = by_session.get(&Some(s.id.clone())) {
                    let _ = writeln!(out, "### Observations\n");
                    for o in list {
                        write_observation(&mut out, o);
                    }
                }
                report.sessions += 1;
            }
            if let Some(list) = by_session.get(&None) {
                let _ = writeln!(out, "## Without a session\n");
                for o in list {
                    write_observation(&mut out, o);
                }
            }
            let path = dir.join(file_name(&project, &mut taken));
            std::fs::write(&path, out.trim_end().to_owned() + "\n").map_err(|source| {
                Error::Io {
                    action: "write the Markdown export",
                    path: path.clone(),
                    source,
                }
            })?;
            report.observations += count;
            report.files.push(path);
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_distinct() {
        let mut taken = HashSet::new();
        assert_eq!(file_name("webshop", &mut taken), "webshop.md");
        assert_eq!(file_name("../etc/passwd", &mut taken), "_etc_passwd.md");
        assert_eq!(file_name("", &mut taken), "project.md");
        assert_eq!(file_name("...", &mut taken), "project-2.md");
        assert_eq!(file_name("Web Shop", &mut taken), "Web_Shop.md");
        assert_eq!(file_name("Web/Shop", &mut taken), "Web_Shop-2.md");
    }
}
