//! The endpoints' handlers, one file per view: each takes what the request carried, calls the
//! core API the CLI uses, and returns the JSON the page (and the tests) read.

pub mod forget;
pub mod observations;
pub mod reports;
pub mod search;
pub mod sessions;

use super::query::{self, ApiError, ApiResult, Query};
use memcore::{ObservationFilter, ObservationKind, Scope};
use serde::Deserialize;

/// Observations as JSON, each with `author` when a teammate (another device, through sync)
/// made it: the page labels those rows as theirs.
pub fn labelled(
    memory: &memcore::Memory,
    observations: &[memcore::Observation],
) -> ApiResult<Vec<serde_json::Value>> {
    let ids: Vec<memcore::ObservationId> = observations.iter().map(|o| o.id).collect();
    let authors = memory.teammate_authors(&ids)?;
    Ok(observations
        .iter()
        .map(|o| {
            let mut value = serde_json::to_value(o).unwrap_or_default();
            if let (serde_json::Value::Object(map), Some(author)) = (&mut value, authors.get(&o.id))
            {
                map.insert("author".to_owned(), serde_json::Value::from(author.clone()));
            }
            value
        })
        .collect())
}

/// Most rows one page of a list holds.
pub const MAX_LIMIT: u64 = 200;

/// The scope a `project` parameter names: that project, or every project.
pub fn scope(project: Option<String>) -> Scope {
    project.map_or(Scope::All, Scope::Project)
}

/// A kind name from a request: any non-blank name (a mode may define its own kinds).
fn kind(name: &str) -> ApiResult<ObservationKind> {
    let valid = name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' '));
    if name.trim().is_empty() || !valid || name.len() > 64 {
        return Err(ApiError::bad(format!(
            "kind must be a kind name such as bugfix or decision, not {name:?}"
        )));
    }
    Ok(ObservationKind::parse(name))
}

/// The listing filter of a query string: `project`, `kind`, `session`, `since`, `until`, `q`.
pub fn filter_from_query(q: &Query) -> ApiResult<ObservationFilter> {
    let filter = ObservationFilter {
        project: q.text("project"),
        kind: q.text("kind").map(|k| kind(&k)).transpose()?,
        session_id: q.text("session"),
        since: q.date("since")?,
        until: q.date("until")?,
        query: q.text("q"),
    };
    check_range(&filter)?;
    Ok(filter)
}

/// The same filter as a JSON object (the bulk forget's body).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterBody {
    project: Option<String>,
    kind: Option<String>,
    session: Option<String>,
    since: Option<String>,
    until: Option<String>,
    q: Option<String>,
}

impl FilterBody {
    /// The core's filter; blank fields filter nothing.
    pub fn into_filter(self) -> ApiResult<ObservationFilter> {
        let blank = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let filter = ObservationFilter {
            project: blank(self.project),
            kind: blank(self.kind).map(|k| kind(&k)).transpose()?,
            session_id: blank(self.session),
            since: blank(self.since)
                .map(|d| query::date(&d, "since"))
                .transpose()?,
            until: blank(self.until)
                .map(|d| query::date(&d, "until"))
                .transpose()?,
            query: blank(self.q),
        };
        check_range(&filter)?;
        Ok(filter)
    }
}

fn check_range(filter: &ObservationFilter) -> ApiResult<()> {
    match (filter.since, filter.until) {
        (Some(s), Some(u)) if s >= u => Err(ApiError::bad(
            "since must be before until (the range is [since, until))",
        )),
        _ => Ok(()),
    }
}
