//! The team hub: a PostgreSQL database that many stores push their changes to and pull
//! each other's from.
//!
//! The hub is a thin store of [`Change`]s (the same values the folder sync writes), with one
//! table that is the log (`memcore_changes`, append-only, one row per change, deduplicated
//! by `change_id`) and one that is the current view of every shared observation
//! (`memcore_records`, recomputed in the push transaction from the log by the core's merge
//! rules) so that the hub can answer full-text search without anyone pulling first. The
//! merge itself stays in the stores: the hub never decides what a store shows.
//!
//! - [`Hub::connect`] opens the hub and creates or migrates its schema ([`schema`]); a hub
//!   whose schema is newer than this build is refused before anything is written.
//! - [`Hub::push`] stores a batch in one transaction that first takes a per-project advisory
//!   lock, so that within a project the order of `seq` is the order of commits and a pull
//!   cursor never skips a row ([`push`], [`pull`] explain why).
//! - [`Hub::pull`] reads one project's changes after a position ([`HubCursor`] keeps one per
//!   project).
//! - [`Hub::search`] ranks the team's shared observations with PostgreSQL's full-text search
//!   and, when the caller has a query embedding, re-ranks the candidates by cosine in
//!   memcore ([`search`]).
//! - [`round`] is one `memcore sync --hub URL`: push the outbox, pull every enabled project.
//!
//! Credentials come only from the URL the caller gives (`--hub`, `MEMCORE_HUB`, the config
//! file); the name a hub is known by in the store and in messages ([`Hub::target`]) never
//! carries the password ([`connect`]).
//!
//! Limits of this version: `author` is what the pushing store says (the server's login role
//! is kept beside it, `db_user`, but not checked against it); a forgotten observation leaves
//! the hub's search at once, but its text stays in the change log (a restore elsewhere needs
//! it; the core has no purge change yet); pgvector is detected, not used.

mod connect;
mod error;
mod pull;
mod push;
mod records;
mod schema;
mod search;

mod round;

/// The figures program, compiled with the tests only (`tests/sync_hub.rs` runs it small in
/// the suite and full size by hand).
#[cfg(test)]
#[allow(dead_code)]
pub mod bench;

pub use connect::HubUrl;
pub use error::HubError;
pub use pull::{HubCursor, Pulled};
pub use push::PushReport;
pub use round::round;
pub use search::{HubHit, MissingVector, QueryVector};

use memcore::Change;

/// The most changes one push transaction carries: a batch commits whole or not at all, and
/// a smaller batch holds a project's lock for less time.
pub const PUSH_BATCH: usize = 1000;

/// `url` without its password, for messages and the store (`postgres://user@host:port/db`).
/// A URL that cannot be parsed still loses whatever follows `user:` up to `@`, and any
/// `password=` value.
pub fn redact_url(url: &str) -> String {
    match HubUrl::parse(url) {
        Ok(parsed) => parsed.target().trim_start_matches("hub:").to_owned(),
        Err(_) => connect::strip_password(url),
    }
}

/// How many changes the hub at `url` holds for this store's shared projects beyond what it
/// pulled, made by other devices: what the next round would receive.
pub fn incoming(memory: &memcore::Memory, url: &str) -> Result<u64, HubError> {
    let mut hub = Hub::connect(url)?;
    let target = hub.target();
    let (cursor, _) = HubCursor::read(
        memory.sync_cursor(&target)?.as_deref(),
        hub.hub_id(),
        &target,
    );
    let status = memory.sync_status()?;
    let mut total = 0;
    for p in status.projects.iter().filter(|p| p.enabled && !p.private) {
        total += hub.count_after(&p.project, cursor.position(&p.project), &status.device_id)?;
    }
    Ok(total)
}

/// Connects to the hub at `url` and searches the shared observations of `projects` for
/// `query` ([`Hub::search`]), re-ranked with `memory`'s embedder when it has one.
pub fn search_for(
    memory: &memcore::Memory,
    url: &str,
    projects: &[String],
    query: &str,
    limit: usize,
) -> Result<Vec<HubHit>, HubError> {
    let embedded = match memory.embedder() {
        Some(embedder) => embedder
            .embed(&[query])?
            .pop()
            .map(|v| (embedder.id().to_owned(), v)),
        None => None,
    };
    let query_vector = embedded
        .as_ref()
        .map(|(model, vector)| QueryVector { model, vector });
    Hub::connect(url)?.search(projects, query, query_vector, limit)
}

/// An open connection to a hub whose schema is this build's.
pub struct Hub {
    client: postgres::Client,
    url: HubUrl,
    hub_id: String,
    pgvector: Option<String>,
}

impl Hub {
    /// Connects to the hub at `url` (`postgres://user:password@host:port/database`, or the
    /// key-value form) and brings its schema to this build's version.
    ///
    /// Plain connections are made to loopback hosts and Unix sockets only; any other host
    /// needs TLS (rustls, certificates checked against the webpki roots), and a URL that
    /// asks for `sslmode=disable` to one is refused.
    pub fn connect(url: &str) -> Result<Hub, HubError> {
        let url = HubUrl::parse(url)?;
        let mut client = url.connect()?;
        let hub_id = schema::open(&mut client, &url)?;
        let pgvector = search::pgvector_version(&mut client, &url)?;
        Ok(Hub {
            client,
            url,
            hub_id,
            pgvector,
        })
    }

    /// The name this hub is known by in the store (`hub:postgres://user@host:port/db`):
    /// stable across runs, and never with the password.
    pub fn target(&self) -> String {
        self.url.target()
    }

    /// The hub's identity, made when its schema was created: a cursor kept for another
    /// identity (the hub was recreated or restored elsewhere) starts again from the start.
    pub fn hub_id(&self) -> &str {
        &self.hub_id
    }

    /// The version of pgvector installed in the hub's database, if any. memcore ranks
    /// vectors itself either way; see [`search`].
    pub fn pgvector(&self) -> Option<&str> {
        self.pgvector.as_deref()
    }

    /// Stores `changes` (any projects, any devices), in batches of at most [`PUSH_BATCH`],
    /// each in one transaction. Changes the hub already has are skipped, so sending a batch
    /// again after a failure is harmless. Stops at the first failed batch: the batches
    /// before it are committed ([`PushReport::committed`] says how many changes that is,
    /// in the order given), nothing of the failed one is.
    pub fn push(&mut self, changes: &[Change]) -> Result<PushReport, HubError> {
        let mut report = PushReport::default();
        for batch in changes.chunks(PUSH_BATCH) {
            let done = push::push_batch(&mut self.client, &self.url, batch, |_| Ok(()))?;
            report.add(&done);
        }
        Ok(report)
    }

    /// `push` of one batch with `before_commit` run inside its transaction after every
    /// write: `tests/sync_hub.rs` (which compiles this module too) kills the connection
    /// there.
    #[cfg(test)]
    #[allow(dead_code)]
    pub(crate) fn push_then(
        &mut self,
        batch: &[Change],
        before_commit: impl FnOnce(&mut postgres::Transaction<'_>) -> Result<(), postgres::Error>,
    ) -> Result<PushReport, HubError> {
        push::push_batch(&mut self.client, &self.url, batch, before_commit)
    }

    /// At most `limit` changes of `project` stored after position `after` (0: from the
    /// start), in the order of the hub's `seq`, and the position to pull from next.
    pub fn pull(&mut self, project: &str, after: i64, limit: usize) -> Result<Pulled, HubError> {
        pull::pull(&mut self.client, &self.url, project, after, limit)
    }

    /// How many changes of `project` after `after` another device made (see [`incoming`]).
    pub fn count_after(&mut self, project: &str, after: i64, own: &str) -> Result<u64, HubError> {
        pull::count_after(&mut self.client, &self.url, project, after, own)
    }

    /// The shared observations of `projects` that match `query` (web-search syntax:
    /// `"quoted phrase"`, `-not`, `or`), best first, at most `limit`. With `embedding` (the
    /// query embedded by the caller's embedder), candidates that carry a vector of the same
    /// embedder are re-ranked by cosine as well.
    pub fn search(
        &mut self,
        projects: &[String],
        query: &str,
        embedding: Option<QueryVector<'_>>,
        limit: usize,
    ) -> Result<Vec<HubHit>, HubError> {
        search::search(
            &mut self.client,
            &self.url,
            projects,
            query,
            embedding,
            limit,
        )
    }

    /// Whether this connection is encrypted, by the server's word (`pg_stat_ssl`).
    #[cfg(test)]
    #[allow(dead_code)]
    pub(crate) fn encrypted(&mut self) -> Result<bool, HubError> {
        self.client
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .map(|row| row.get(0))
            .map_err(|e| error::query(self.target(), "read pg_stat_ssl", &e))
    }

    /// Which of `keys` (project, record) are shared observations on the hub without a
    /// vector, with the text to embed for each.
    pub fn missing_vectors(
        &mut self,
        keys: &[(String, String)],
    ) -> Result<Vec<MissingVector>, HubError> {
        search::missing_vectors(&mut self.client, &self.url, keys)
    }

    /// Stores the vectors of shared observations, `(project, record, vector)`, made by the
    /// embedder `model`, for [`Hub::search`] to re-rank with. A record whose text changes
    /// later loses its vector until one is stored again.
    pub fn set_vectors(
        &mut self,
        model: &str,
        rows: &[(String, String, Vec<f32>)],
    ) -> Result<usize, HubError> {
        search::set_vectors(&mut self.client, &self.url, model, rows)
    }
}
