//! Import from a claude-mem database (`~/.claude-mem/claude-mem.db`).
//!
//! claude-mem keeps its memory in SQLite: `sdk_sessions`, `observations`,
//! `session_summaries` and `user_prompts`.
//! [`Memory::import_claude_mem`](crate::Memory::import_claude_mem) reads them, read-only and
//! in one snapshot, and writes memcore's equivalents in one transaction:
//!
//! - an `sdk_sessions` row becomes a session: its id is `content_session_id` (the host's
//!   session id, the one memcore's own hooks use), with `project`, the agent from
//!   `platform_source` (`claude` becomes `claude-code`), the start and completion times, and
//!   the status (`active`, or ended when completed or failed);
//! - an `observations` row becomes an observation: `type` gives the kind (types memcore does
//!   not know, such as `security_alert`, are kept by name), with `title`, `subtitle`,
//!   `narrative`, `facts`, `concepts` (cut at `:`), `files_read`, `files_modified` and
//!   `created_at_epoch`; the project is `merged_into_project` when set (worktree adoption),
//!   else `project`; the context is the text of the user prompt it answered
//!   (`prompt_number`);
//! - a `session_summaries` row becomes a summary of its session, six fields and time;
//! - a `user_prompts` row becomes a `user_prompt` event keyed
//!   `claude-mem:prompt:<prompt_number>`, with status `skipped`: claude-mem distilled it
//!   already, so memcore does not extract it again.
//!
//! claude-mem's data is outside input and varies with its version, so every value is read
//! tolerantly:
//!
//! - List columns (`facts`, `concepts`, `files_*`) may hold a JSON array, a JSON array
//!   encoded twice, an empty string, `NULL`, or plain text: facts one per line, names one per
//!   line or comma-separated ([`parse_list`]).
//! - Times come from the `*_epoch` column (milliseconds, or seconds when the number is too
//!   small to be milliseconds) or the ISO text column ([`parse_time`]).
//! - Any column may hold any SQLite type; numbers and text are converted, blobs read as
//!   UTF-8 (lossily).
//! - Tables and columns of older versions are accepted (`claude_session_id` and
//!   `sdk_session_id` before the v17 rename, the legacy `text` column as a narrative or
//!   title); a missing table or column is listed in [`ClaudeMemImport::missing`] and what it
//!   would have held is left out. A table that is there but lacks what every row of it needs
//!   (sessions: an id and a project; observations: a title, subtitle, narrative or text, and
//!   a project or session; summaries: a session and a field; prompts: the text and a session)
//!   is an error naming the table and the columns, and nothing is imported.
//! - An observation with no title, subtitle, narrative or text, a summary with every field
//!   empty, a prompt that is empty once redacted, and a prompt whose session is unknown are
//!   skipped and counted in [`ClaudeMemImport::skipped`] by reason. A summary whose session
//!   row is missing gets a session of its own (agent `claude-mem`).
//!
//! Importing the same database again adds nothing: sessions by id, observations by content
//! hash in their project, summaries by session, time and content, prompts by key. A
//! database that claude-mem has grown since adds only what is new.

use super::Portable;
use super::format::SummaryRecord;
use super::import::{Importer, IncomingEvent, IncomingObservation};
use crate::error::{Error, Result, SqlContext};
use crate::model::{
    EventPayload, EventStatus, NewObservation, NewSummary, ObservationKind, Session, SessionStatus,
};
use crate::store::portable::{import_session, session_project};
use rusqlite::types::Value;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Counts for one claude-mem table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableImport {
    /// Rows read.
    pub read: u64,
    /// Rows that became new records.
    pub added: u64,
    /// Rows whose record memcore already had (an earlier import, or the same session
    /// recorded by memcore's own hooks).
    pub already_present: u64,
    /// Rows left out (see [`ClaudeMemImport::skipped`] for why).
    pub skipped: u64,
}

/// What [`Memory::import_claude_mem`](crate::Memory::import_claude_mem) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaudeMemImport {
    /// The claude-mem database read.
    pub path: PathBuf,
    /// `sdk_sessions`, plus sessions made for summaries whose session row is missing.
    pub sessions: TableImport,
    /// `observations`.
    pub observations: TableImport,
    /// `session_summaries`.
    pub summaries: TableImport,
    /// `user_prompts`.
    pub prompts: TableImport,
    /// Rows left out, by reason: `observations:empty` (no title, subtitle, narrative or
    /// text), `observations:invalid` (nothing left after redaction), `observations:no-project`,
    /// `summaries:empty`, `summaries:no-session`, `prompts:empty` (empty, or all private),
    /// `prompts:no-session`, `sessions:no-project`.
    pub skipped: BTreeMap<String, u64>,
    /// Tables and columns this database lacks (`user_prompts`, `observations.concepts`...):
    /// an older claude-mem; what they would hold is not imported.
    pub missing: Vec<String>,
}

impl ClaudeMemImport {
    fn skip(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_owned()).or_default() += 1;
    }
}

/// How the text of a list column is split when it is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListField {
    /// Sentences (`facts`): one per line; commas belong to the sentence.
    Facts,
    /// Names (`concepts`, `files_read`, `files_modified`): one per line or comma-separated.
    Names,
}

/// Reads a claude-mem list column: a JSON array (its strings trimmed, numbers and booleans
/// as text, `null`s and empty strings dropped), a JSON array encoded twice, or plain text
/// split by `field`, with `- `, `* ` and `• ` bullets removed. Names are deduplicated.
/// Never fails: text that is not a list is one item.
pub fn parse_list(text: &str, field: ListField) -> Vec<String> {
    let mut items = Vec::new();
    collect_list(text, field, 0, &mut items);
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let item = strip_bullet(item.trim()).trim();
        if item.is_empty() || (field == ListField::Names && out.iter().any(|o| o == item)) {
            continue;
        }
        out.push(item.to_owned());
    }
    out
}

fn collect_list(text: &str, field: ListField, depth: u8, out: &mut Vec<String>) {
    let t = text.trim();
    if t.is_empty() || t == "null" {
        return;
    }
    if depth < 2
        && (t.starts_with('[') || t.starts_with('"'))
        && let Ok(value) = serde_json::from_str::<serde_json::Value>(t)
    {
        match value {
            serde_json::Value::Array(items) => {
                for item in items {
                    match item {
                        serde_json::Value::Null => {}
                        serde_json::Value::String(s) => out.push(s),
                        other => out.push(other.to_string()),
                    }
                }
            }
            serde_json::Value::String(inner) => collect_list(&inner, field, depth + 1, out),
            serde_json::Value::Null => {}
            other => out.push(other.to_string()),
        }
        return;
    }
    match field {
        ListField::Facts => out.extend(t.lines().map(str::to_owned)),
        ListField::Names => out.extend(t.split(['\n', ',']).map(str::to_owned)),
    }
}

fn strip_bullet(s: &str) -> &str {
    for bullet in ["- ", "* ", "• "] {
        if let Some(rest) = s.strip_prefix(bullet) {
            return rest;
        }
    }
    s
}

/// Reads a claude-mem time: the epoch column when it holds a positive number (milliseconds;
/// seconds when below 10^11, which as milliseconds would be before 1973), else the text
/// column as RFC 3339, `YYYY-MM-DD HH:MM:SS[.fff]` (UTC), a date, or epoch digits. `None`
/// when neither holds a time between 1970 and 9999.
pub fn parse_time(epoch: Option<i64>, text: Option<&str>) -> Option<OffsetDateTime> {
    let from_epoch = |n: i64| -> Option<OffsetDateTime> {
        if n <= 0 {
            return None;
        }
        let ms = if n < 100_000_000_000 {
            n.checked_mul(1000)?
        } else {
            n
        };
        let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
        (t.year() <= 9999).then_some(t)
    };
    if let Some(t) = epoch.and_then(from_epoch) {
        return Some(t);
    }
    let text = text?.trim();
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok().and_then(from_epoch);
    }
    let parse = |s: &str| {
        OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .filter(|t| (1970..=9999).contains(&t.year()))
    };
    if let Some(t) = parse(text) {
        return Some(t);
    }
    let mut s = text.replacen(' ', "T", 1);
    if s.len() == 10 {
        s.push_str("T00:00:00");
    }
    parse(&s).or_else(|| parse(&(s + "Z")))
}

/// A value of any SQLite type as text; `None` for NULL and for text that is blank.
fn text(v: &Value) -> Option<String> {
    let s = match v {
        Value::Null => return None,
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => String::from_utf8_lossy(b).into_owned(),
    };
    (!s.trim().is_empty()).then_some(s)
}

/// A value of any SQLite type as an integer, when it holds one.
fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        Value::Real(r) if r.is_finite() && r.abs() < 9.0e18 => Some(*r as i64),
        Value::Text(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A column a query wants: its names (newest first, then older ones) and whether its
/// absence is worth reporting.
struct Want {
    names: &'static [&'static str],
    report: bool,
}

const fn want(names: &'static [&'static str]) -> Want {
    Want {
        names,
        report: true,
    }
}

const fn optional(names: &'static [&'static str]) -> Want {
    Want {
        names,
        report: false,
    }
}

const SESSION_COLUMNS: &[Want] = &[
    optional(&["id"]),
    want(&["content_session_id", "claude_session_id"]),
    want(&["memory_session_id", "sdk_session_id"]),
    want(&["project"]),
    optional(&["platform_source"]),
    optional(&["user_prompt"]),
    want(&["started_at_epoch"]),
    want(&["started_at"]),
    want(&["completed_at_epoch"]),
    want(&["completed_at"]),
    want(&["status"]),
];

const OBSERVATION_COLUMNS: &[Want] = &[
    want(&["memory_session_id", "sdk_session_id"]),
    want(&["project"]),
    optional(&["merged_into_project"]),
    optional(&["text"]),
    want(&["type"]),
    want(&["title"]),
    want(&["subtitle"]),
    want(&["facts"]),
    want(&["narrative"]),
    want(&["concepts"]),
    want(&["files_read"]),
    want(&["files_modified"]),
    optional(&["prompt_number"]),
    want(&["created_at_epoch"]),
    want(&["created_at"]),
];

const SUMMARY_COLUMNS: &[Want] = &[
    want(&["memory_session_id", "sdk_session_id"]),
    want(&["project"]),
    want(&["request"]),
    want(&["investigated"]),
    want(&["learned"]),
    want(&["completed"]),
    want(&["next_steps"]),
    want(&["notes"]),
    want(&["created_at_epoch"]),
    want(&["created_at"]),
];

const PROMPT_COLUMNS: &[Want] = &[
    optional(&["id"]),
    optional(&["session_db_id"]),
    want(&["content_session_id", "claude_session_id"]),
    want(&["prompt_number"]),
    want(&["prompt_text"]),
    want(&["created_at_epoch"]),
    want(&["created_at"]),
];

/// What a table must have for any of its rows to be imported: each entry is one need, met by
/// any of its columns. A table that exists without meeting them is refused, naming it and
/// what it lacks, rather than read as rows of nothing.
const SESSION_NEEDS: &[&[&str]] = &[
    &[
        "content_session_id",
        "claude_session_id",
        "memory_session_id",
        "sdk_session_id",
    ],
    &["project"],
];
const OBSERVATION_NEEDS: &[&[&str]] = &[
    &["title", "subtitle", "narrative", "text"],
    &[
        "project",
        "merged_into_project",
        "memory_session_id",
        "sdk_session_id",
    ],
];
const SUMMARY_NEEDS: &[&[&str]] = &[
    &["memory_session_id", "sdk_session_id"],
    &[
        "request",
        "investigated",
        "learned",
        "completed",
        "next_steps",
        "notes",
    ],
];
const PROMPT_NEEDS: &[&[&str]] = &[
    &["prompt_text"],
    &["content_session_id", "claude_session_id", "session_db_id"],
];

/// The claude-mem database, open read-only.
struct Source {
    conn: Connection,
    path: PathBuf,
}

impl Source {
    fn open(path: &Path) -> Result<Source> {
        if !path.is_file() {
            return Err(Error::NotFound {
                what: "claude-mem database",
                id: path.display().to_string(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| Error::Open {
            path: path.to_owned(),
            source,
        })?;
        let source = Source {
            conn,
            path: path.to_owned(),
        };
        source
            .conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| source.error(e, "set a busy timeout"))?;
        Ok(source)
    }

    /// Maps a SQLite error, naming the file.
    fn error(&self, e: rusqlite::Error, doing: &str) -> Error {
        if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) {
            return Error::InvalidInput {
                what: "claude-mem database",
                reason: format!("{} is not a SQLite database", self.path.display()),
            };
        }
        Error::sqlite(
            format!("{doing} in claude-mem database {}", self.path.display()),
            e,
        )
    }

    /// The columns of a table; `None` when the table does not exist.
    fn columns(&self, table: &str) -> Result<Option<HashSet<String>>> {
        let names: Vec<String> = self
            .conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .and_then(|mut s| s.query_map([table], |r| r.get(0))?.collect())
            .map_err(|e| self.error(e, &format!("read the columns of {table}")))?;
        Ok((!names.is_empty()).then(|| names.into_iter().collect()))
    }

    /// A `SELECT` of the wanted columns of `table` (NULL for those it lacks) in row order,
    /// noting the missing ones in `missing`. `None` when the table does not exist.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the table, the columns it lacks and those it has when
    /// it exists without what `needs` asks for.
    fn select(
        &self,
        table: &str,
        wants: &[Want],
        needs: &[&[&str]],
        missing: &mut Vec<String>,
    ) -> Result<Option<String>> {
        let Some(columns) = self.columns(table)? else {
            missing.push(table.to_owned());
            return Ok(None);
        };
        let lacking: Vec<String> = needs
            .iter()
            .filter(|need| !need.iter().any(|n| columns.contains(*n)))
            .map(|need| need.join(" or "))
            .collect();
        if !lacking.is_empty() {
            let mut has: Vec<&str> = columns.iter().map(String::as_str).collect();
            has.sort_unstable();
            return Err(Error::InvalidInput {
                what: "claude-mem database",
                reason: format!(
                    "table {table} of {} lacks the columns memcore needs: {} (it has: {}); \
                     nothing was imported",
                    self.path.display(),
                    lacking.join("; "),
                    has.join(", ")
                ),
            });
        }
        let mut list = Vec::with_capacity(wants.len());
        for w in wants {
            match w.names.iter().find(|n| columns.contains(**n)) {
                Some(name) => list.push(format!("\"{name}\"")),
                None => {
                    if w.report {
                        missing.push(format!("{table}.{}", w.names[0]));
                    }
                    list.push("NULL".into());
                }
            }
        }
        Ok(Some(format!(
            "SELECT {} FROM \"{table}\" ORDER BY rowid",
            list.join(", ")
        )))
    }

    /// Hands each row of `sql` (as values) to `f`.
    fn each(
        &self,
        sql: &str,
        width: usize,
        mut f: impl FnMut(&[Value]) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare(sql)
            .map_err(|e| self.error(e, "prepare a read"))?;
        let mut rows = stmt.query([]).map_err(|e| self.error(e, "read rows"))?;
        let mut values = Vec::with_capacity(width);
        while let Some(row) = rows.next().map_err(|e| self.error(e, "read a row"))? {
            values.clear();
            for i in 0..width {
                values.push(
                    row.get::<_, Value>(i)
                        .map_err(|e| self.error(e, "read a value"))?,
                );
            }
            f(&values)?;
        }
        Ok(())
    }
}

/// One `sdk_sessions` row, read.
struct SdkSession {
    db_id: Option<i64>,
    content_id: Option<String>,
    memory_id: Option<String>,
    project: Option<String>,
    platform: Option<String>,
    first_prompt: Option<String>,
    started: Option<OffsetDateTime>,
    completed: Option<OffsetDateTime>,
    status: Option<String>,
}

impl SdkSession {
    fn from_values(v: &[Value]) -> SdkSession {
        SdkSession {
            db_id: int(&v[0]),
            content_id: text(&v[1]).map(|s| s.trim().to_owned()),
            memory_id: text(&v[2]).map(|s| s.trim().to_owned()),
            project: text(&v[3]).map(|s| s.trim().to_owned()),
            platform: text(&v[4]).map(|s| s.trim().to_owned()),
            first_prompt: text(&v[5]),
            started: parse_time(int(&v[6]), text(&v[7]).as_deref()),
            completed: parse_time(int(&v[8]), text(&v[9]).as_deref()),
            status: text(&v[10]).map(|s| s.trim().to_lowercase()),
        }
    }

    /// The memcore session id: the host's session id, else the observer's, else the row id.
    fn session_id(&self) -> String {
        self.content_id
            .clone()
            .or_else(|| self.memory_id.clone())
            .unwrap_or_else(|| format!("claude-mem-session-{}", self.db_id.unwrap_or(0)))
    }

    fn agent(&self) -> String {
        match self.platform.as_deref() {
            None | Some("claude") | Some("claude-code") => "claude-code".into(),
            Some(other) => other.to_owned(),
        }
    }
}

/// One `session_summaries` row, read.
struct SummaryIn {
    memory: Option<String>,
    project: Option<String>,
    /// request, investigated, learned, completed, next_steps, notes.
    fields: Vec<String>,
    at: Option<OffsetDateTime>,
}

/// Everything the import knows about the sessions it has seen.
#[derive(Default)]
struct Sessions {
    /// The observer's session id to memcore's.
    by_memory_id: HashMap<String, String>,
    /// `sdk_sessions.id` to memcore's session id.
    by_db_id: HashMap<i64, String>,
    /// memcore session id to its start.
    started: HashMap<String, OffsetDateTime>,
}

impl Portable<'_> {
    /// See [`Memory::import_claude_mem`](crate::Memory::import_claude_mem).
    pub(crate) fn import_claude_mem(&self, path: impl AsRef<Path>) -> Result<ClaudeMemImport> {
        let source = Source::open(path.as_ref())?;
        let snapshot = source
            .conn
            .unchecked_transaction()
            .map_err(|e| source.error(e, "begin a read transaction"))?;
        let mut report = ClaudeMemImport {
            path: source.path.clone(),
            ..ClaudeMemImport::default()
        };
        let has_sessions = source.columns("sdk_sessions")?.is_some();
        let obs_columns = source.columns("observations")?;
        if !has_sessions && !obs_columns.as_ref().is_some_and(|c| c.contains("type")) {
            return Err(Error::InvalidInput {
                what: "claude-mem database",
                reason: format!(
                    "{} has neither an sdk_sessions nor a claude-mem observations table",
                    source.path.display()
                ),
            });
        }
        let mut missing = Vec::new();
        let session_sql =
            source.select("sdk_sessions", SESSION_COLUMNS, SESSION_NEEDS, &mut missing)?;
        let prompt_sql =
            source.select("user_prompts", PROMPT_COLUMNS, PROMPT_NEEDS, &mut missing)?;
        let obs_sql = source.select(
            "observations",
            OBSERVATION_COLUMNS,
            OBSERVATION_NEEDS,
            &mut missing,
        )?;
        let summary_sql = source.select(
            "session_summaries",
            SUMMARY_COLUMNS,
            SUMMARY_NEEDS,
            &mut missing,
        )?;
        report.missing = missing;

        let mut sdk = Vec::new();
        if let Some(sql) = &session_sql {
            source.each(sql, SESSION_COLUMNS.len(), |v| {
                sdk.push(SdkSession::from_values(v));
                Ok(())
            })?;
        }

        // Summaries are read before anything is written: sessions for orphaned summaries
        // must exist before prompts and observations look their sessions up, so that every
        // run of the import sees the same sessions (and a second run adds nothing).
        let mut summary_rows = Vec::new();
        if let Some(sql) = &summary_sql {
            source.each(sql, SUMMARY_COLUMNS.len(), |v| {
                summary_rows.push(SummaryIn {
                    memory: text(&v[0]).map(|m| m.trim().to_owned()),
                    project: text(&v[1]).map(|p| p.trim().to_owned()),
                    fields: (2..8).map(|i| text(&v[i]).unwrap_or_default()).collect(),
                    at: parse_time(int(&v[8]), text(&v[9]).as_deref()),
                });
                Ok(())
            })?;
        }

        let tx = self.state.store.write()?;
        let mut importer = Importer::new(self.state, &tx);
        let mut sessions = Sessions::default();
        let now = OffsetDateTime::now_utc();

        for s in &sdk {
            report.sessions.read += 1;
            let id = s.session_id();
            if let Some(memory) = &s.memory_id {
                sessions.by_memory_id.insert(memory.clone(), id.clone());
            }
            if let Some(db) = s.db_id {
                sessions.by_db_id.insert(db, id.clone());
            }
            let Some(project) = s.project.clone() else {
                report.sessions.skipped += 1;
                report.skip("sessions:no-project");
                continue;
            };
            let ended = matches!(s.status.as_deref(), Some("completed" | "failed"))
                || s.completed.is_some();
            let started = s.started.or(s.completed).unwrap_or(now);
            let session = Session {
                id: id.clone(),
                project,
                agent: s.agent(),
                started_at: started,
                ended_at: if ended { s.completed } else { None },
                status: if ended {
                    SessionStatus::Ended
                } else {
                    SessionStatus::Active
                },
            };
            if import_session(&tx, &session)? {
                report.sessions.added += 1;
            } else {
                report.sessions.already_present += 1;
            }
            let stored = self
                .state
                .store
                .session(&id)?
                .map_or(started, |stored| stored.started_at);
            sessions.started.insert(id, stored);
        }

        // A summary whose session row is gone gets a session of its own, named by the
        // observer's session id it names.
        for row in &summary_rows {
            let (Some(memory), Some(project)) = (&row.memory, &row.project) else {
                continue;
            };
            if row.fields.iter().all(|f| f.trim().is_empty())
                || sessions.by_memory_id.contains_key(memory)
            {
                continue;
            }
            let started = row.at.unwrap_or(now);
            let stub = Session {
                id: memory.clone(),
                project: project.clone(),
                agent: "claude-mem".into(),
                started_at: started,
                ended_at: Some(started),
                status: SessionStatus::Ended,
            };
            if import_session(&tx, &stub)? {
                report.sessions.added += 1;
            }
            let stored = self
                .state
                .store
                .session(memory)?
                .map_or(started, |s| s.started_at);
            sessions.started.insert(memory.clone(), stored);
            sessions.by_memory_id.insert(memory.clone(), memory.clone());
        }

        // Prompts, and the text of each (session, prompt number) for observations' context.
        let mut prompt_texts: HashMap<(String, i64), String> = HashMap::new();
        match &prompt_sql {
            Some(sql) => source.each(sql, PROMPT_COLUMNS.len(), |v| {
                report.prompts.read += 1;
                let row_id = int(&v[0]);
                let number = int(&v[3]);
                // Redacted here already, to tell a prompt that was all private from others.
                let prompt = text(&v[4]).map(|t| self.state.redactor.redact(&t).trim().to_owned());
                let Some(prompt) = prompt.filter(|t| !t.is_empty()) else {
                    report.prompts.skipped += 1;
                    report.skip("prompts:empty");
                    return Ok(());
                };
                let mut session = None;
                if let Some(content) = text(&v[2]).map(|s| s.trim().to_owned())
                    && (sessions.started.contains_key(&content)
                        || session_project(&tx, &content)?.is_some())
                {
                    session = Some(content);
                }
                if session.is_none() {
                    session = int(&v[1]).and_then(|db| sessions.by_db_id.get(&db).cloned());
                }
                let Some(session) = session else {
                    report.prompts.skipped += 1;
                    report.skip("prompts:no-session");
                    return Ok(());
                };
                let at = parse_time(int(&v[5]), text(&v[6]).as_deref())
                    .or_else(|| sessions.started.get(&session).copied())
                    .unwrap_or(now);
                let key = match (number, row_id) {
                    (Some(n), _) => Some(format!("claude-mem:prompt:{n}")),
                    (None, Some(id)) => Some(format!("claude-mem:prompt-row:{id}")),
                    (None, None) => None,
                };
                if let Some(n) = number {
                    prompt_texts.insert((session.clone(), n), prompt.trim().to_owned());
                }
                let inserted = importer.event(prompt_event(session, key, prompt, at))?;
                count(&mut report.prompts, inserted);
                Ok(())
            })?,
            // Before claude-mem had a prompts table, the session kept its first prompt.
            None => {
                for s in &sdk {
                    let (Some(prompt), Some(_)) = (&s.first_prompt, &s.project) else {
                        continue;
                    };
                    let id = s.session_id();
                    report.prompts.read += 1;
                    let at = sessions.started.get(&id).copied().unwrap_or(now);
                    prompt_texts.insert((id.clone(), 1), prompt.trim().to_owned());
                    let key = Some("claude-mem:prompt:1".to_owned());
                    let inserted = importer.event(prompt_event(id, key, prompt.clone(), at))?;
                    count(&mut report.prompts, inserted);
                }
            }
        }

        if let Some(sql) = &obs_sql {
            source.each(sql, OBSERVATION_COLUMNS.len(), |v| {
                report.observations.read += 1;
                let session = text(&v[0])
                    .and_then(|m| sessions.by_memory_id.get(m.trim()).cloned())
                    .filter(|s| sessions.started.contains_key(s));
                let project = text(&v[2])
                    .or_else(|| text(&v[1]))
                    .map(|p| p.trim().to_owned())
                    .or_else(|| {
                        let s = session.as_ref()?;
                        sdk.iter()
                            .find(|row| &row.session_id() == s)
                            .and_then(|row| row.project.clone())
                    });
                let Some(project) = project else {
                    report.observations.skipped += 1;
                    report.skip("observations:no-project");
                    return Ok(());
                };
                let legacy = text(&v[3]);
                let narrative = text(&v[8]).or_else(|| legacy.clone()).unwrap_or_default();
                let title = [text(&v[5]), text(&v[6]), Some(narrative.clone())]
                    .into_iter()
                    .flatten()
                    .find_map(|t| {
                        let line = t.lines().map(str::trim).find(|l| !l.is_empty())?;
                        Some(line.chars().take(200).collect::<String>())
                    });
                let Some(title) = title else {
                    report.observations.skipped += 1;
                    report.skip("observations:empty");
                    return Ok(());
                };
                let created = parse_time(int(&v[13]), text(&v[14]).as_deref())
                    .or_else(|| {
                        session
                            .as_ref()
                            .and_then(|s| sessions.started.get(s).copied())
                    })
                    .unwrap_or(now);
                let context = match (&session, int(&v[12])) {
                    (Some(s), Some(n)) => prompt_texts.get(&(s.clone(), n)).cloned(),
                    _ => None,
                };
                let list =
                    |i: usize, field| text(&v[i]).map_or_else(Vec::new, |t| parse_list(&t, field));
                let concepts = list(9, ListField::Names)
                    .into_iter()
                    .filter_map(|c| {
                        let c = c.split(':').next().unwrap_or("").trim().to_owned();
                        (!c.is_empty()).then_some(c)
                    })
                    .collect();
                let record = IncomingObservation {
                    new: NewObservation {
                        project: Some(project),
                        session_id: session,
                        kind: Some(ObservationKind::parse(&text(&v[4]).unwrap_or_default())),
                        title,
                        subtitle: text(&v[6]).unwrap_or_default(),
                        narrative,
                        facts: list(7, ListField::Facts),
                        context: context.unwrap_or_default(),
                        concepts,
                        files_read: list(10, ListField::Names),
                        files_modified: list(11, ListField::Names),
                        created_at: Some(created),
                        ..NewObservation::default()
                    },
                    pinned: false,
                    content_hash: None,
                    supersedes: None,
                    sources: Vec::new(),
                };
                match importer.observation(0, record) {
                    Ok(inserted) => count(&mut report.observations, inserted),
                    // Nothing left once redacted (a title that was all private, say).
                    Err(Error::InvalidInput { .. }) => {
                        report.observations.skipped += 1;
                        report.skip("observations:invalid");
                    }
                    Err(e) => return Err(e),
                }
                Ok(())
            })?;
        }

        for row in summary_rows {
            report.summaries.read += 1;
            if row.fields.iter().all(|f| f.trim().is_empty()) {
                report.summaries.skipped += 1;
                report.skip("summaries:empty");
                continue;
            }
            let session = row
                .memory
                .as_ref()
                .and_then(|m| sessions.by_memory_id.get(m).cloned())
                .filter(|s| sessions.started.contains_key(s));
            let Some(session) = session else {
                report.summaries.skipped += 1;
                report.skip("summaries:no-session");
                continue;
            };
            let created = row
                .at
                .or_else(|| sessions.started.get(&session).copied())
                .unwrap_or(now);
            let mut f = row.fields.into_iter();
            let mut next = || f.next().unwrap_or_default();
            let record = SummaryRecord {
                session_id: session,
                project: None,
                content: NewSummary {
                    request: next(),
                    investigated: next(),
                    learned: next(),
                    completed: next(),
                    next_steps: next(),
                    notes: next(),
                },
                created_at: created,
            };
            let inserted = importer.summary(record)?;
            count(&mut report.summaries, inserted);
        }

        drop(importer);
        tx.commit().ctx(|| {
            format!(
                "commit the import of claude-mem database {}",
                source.path.display()
            )
        })?;
        drop(snapshot);
        Ok(report)
    }
}

fn prompt_event(
    session_id: String,
    key: Option<String>,
    text: String,
    at: OffsetDateTime,
) -> IncomingEvent {
    IncomingEvent {
        session_id,
        external_id: key,
        payload: EventPayload::UserPrompt {
            text: text.trim().to_owned(),
        },
        occurred_at: at,
        recorded_at: None,
        status: EventStatus::Skipped,
        attempts: 0,
        last_error: None,
    }
}

fn count(table: &mut TableImport, inserted: bool) {
    if inserted {
        table.added += 1;
    } else {
        table.already_present += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_json_double_json_text_and_nothing() {
        let names = ListField::Names;
        assert_eq!(
            parse_list(r#"["a", " b ", "", null, 3]"#, names),
            ["a", "b", "3"]
        );
        assert_eq!(parse_list(r#""[\"x\",\"y\"]""#, names), ["x", "y"]);
        assert_eq!(parse_list("", names), Vec::<String>::new());
        assert_eq!(parse_list("[]", names), Vec::<String>::new());
        assert_eq!(parse_list("null", names), Vec::<String>::new());
        assert_eq!(
            parse_list("src/a.rs, src/b.rs,src/a.rs", names),
            ["src/a.rs", "src/b.rs"]
        );
        assert_eq!(
            parse_list("- Fixed it, finally\n- Another", ListField::Facts),
            ["Fixed it, finally", "Another"]
        );
        assert_eq!(parse_list("[not json", names), ["[not json"]);
    }

    #[test]
    fn times_read_epoch_millis_seconds_and_text() {
        let t = |e, s| parse_time(e, s).map(|t: OffsetDateTime| t.unix_timestamp());
        assert_eq!(t(Some(1_760_000_000_000), None), Some(1_760_000_000));
        assert_eq!(t(Some(1_760_000_000), None), Some(1_760_000_000));
        assert_eq!(
            t(Some(0), Some("2025-10-09T08:53:20.000Z")),
            Some(1_760_000_000)
        );
        assert_eq!(t(None, Some("2025-10-09 08:53:20")), Some(1_760_000_000));
        assert_eq!(t(None, Some("1760000000000")), Some(1_760_000_000));
        assert_eq!(t(None, Some("2025-10-09")), Some(1_759_968_000));
        assert_eq!(t(Some(-5), Some("yesterday")), None);
        assert_eq!(t(Some(i64::MAX), None), None);
    }
}
