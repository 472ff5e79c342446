//! The SQLite store: opening (pragmas, checks, migrations) and one module per table family.
//!
//! The store knows nothing above it: it reads and writes rows, keeps the full-text index in
//! step with them, and returns model types. Every write that touches more than one row runs in
//! one IMMEDIATE transaction, so concurrent writers (other threads, other processes) wait on
//! the busy timeout instead of failing.

mod conn;
pub(crate) mod conversation;
pub(crate) mod curation;
pub(crate) mod events;
mod extraction;
pub(crate) mod forgotten;
mod fts;
pub(crate) mod observations;
pub(crate) mod portable;
pub(crate) mod retention;
mod schema;
pub(crate) mod search;
pub(crate) mod sessions;
mod snapshot;
pub(crate) mod summaries;
pub(crate) mod sync;
mod transcripts;
pub(crate) mod vectors;

pub(crate) use conn::ConnExt;
pub(crate) use extraction::NewLedgerEntry;
pub use extraction::{LedgerDay, LedgerEntry};
pub(crate) use fts::match_expression;
pub(crate) use observations::{StoredVector, seal};
pub use schema::VERSION as SCHEMA_VERSION;
pub(crate) use transcripts::TranscriptCursor;

use crate::error::{Error, Result, SqlContext};
use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

/// How long a connection waits for another writer before giving up.
pub(crate) const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// An open store: one connection to one SQLite file.
#[derive(Debug)]
pub(crate) struct Store {
    conn: Connection,
    path: PathBuf,
    /// Opened read-only (the file or its directory is not writable): reads work, every write
    /// is refused with [`Error::ReadOnly`].
    read_only: bool,
}

/// The size of the write-ahead log above which opening a store empties it (see
/// [`Store::reset_long_wal`]): above what a restarted log is cut back to (512 KB), just
/// below where the automatic checkpoint starts (256 pages of 4 KB and their headers), so that
/// the process that opens a long log empties it before its commit would checkpoint it.
const WAL_RESET_BYTES: u64 = 1024 * 1024;

impl Store {
    /// Opens (creating if needed) the store at `path`, refusing anything that is not a memcore
    /// store of a version this build understands, and migrating an older one.
    pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<Store> {
        if path.as_os_str().is_empty() {
            return Err(Error::EmptyPath);
        }
        if path.is_dir() {
            return Err(Error::PathIsDirectory {
                path: path.to_owned(),
            });
        }
        if path.exists() && !writable(path) {
            return Store::open_read_only(path, busy_timeout);
        }
        if !path.exists()
            && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                action: "create the store's directory",
                path: parent.to_owned(),
                source,
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, e))?;
        conn.busy_timeout(busy_timeout)
            .map_err(|e| open_error(path, e))?;
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            if path.exists() {
                drop(conn);
                return Store::open_read_only(path, busy_timeout);
            }
            return Err(Error::ReadOnly {
                path: path.to_owned(),
                detail: "the file is not writable".into(),
            });
        }

        // Look before writing anything: a file that is not SQLite, a foreign database or a
        // newer schema must be left exactly as it was.
        // The version and the tables are read in one statement, so from one snapshot: read
        // apart, another process creating the schema between the two reads made a new store
        // look like a foreign database (version 0, tables present).
        let (version, foreign) = first_look(&conn).map_err(|e| open_error(path, e))?;
        if version > schema::VERSION {
            return Err(Error::SchemaTooNew {
                path: path.to_owned(),
                found: version,
                supported: schema::VERSION,
            });
        }
        if version == 0 && foreign {
            return Err(Error::ForeignDatabase {
                path: path.to_owned(),
            });
        }

        configure(&conn, busy_timeout).map_err(|e| open_error(path, e))?;
        let store = Store {
            conn,
            path: path.to_owned(),
            read_only: false,
        };
        // A store of this version may still lack a column declared since it was made (see
        // `schema`: such a column needs no new version); adding it is a write, like a migration.
        if version < schema::VERSION
            || !schema::missing_columns(&store.conn)
                .ctx(|| format!("read the columns of {}", path.display()))?
                .is_empty()
        {
            store.migrate()?;
        }
        store.reset_long_wal(busy_timeout)?;
        Ok(store)
    }

    /// Empties the write-ahead log when it has grown past [`WAL_RESET_BYTES`]. A log is
    /// restarted from its beginning only by a connection that saw it fully checkpointed; when
    /// every process writes once and exits (hooks, with no MCP server holding the store open),
    /// each one finds the log as the last left it, reads and checksums all of it to open
    /// (SQLite's recovery, which also forgets what was checkpointed), appends, and once the
    /// log passes the automatic checkpoint's size, checkpoints all of it again at every
    /// commit (two fsyncs per hook): the log only grows, and so does the cost of every hook.
    /// A truncating checkpoint ends that, once per megabyte written; it never waits (another
    /// connection reading the log restarts it itself), and the next process tries again when
    /// it could not run.
    fn reset_long_wal(&self, busy_timeout: Duration) -> Result<()> {
        let wal = PathBuf::from(format!("{}-wal", self.path.display()));
        if std::fs::metadata(&wal).map_or(true, |m| m.len() <= WAL_RESET_BYTES) {
            return Ok(());
        }
        let restore = |e| open_error(&self.path, e);
        self.conn.busy_timeout(Duration::ZERO).map_err(restore)?;
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        self.conn.busy_timeout(busy_timeout).map_err(restore)
    }

    /// Opens an existing store that this process cannot write, for reading: nothing is
    /// written (no migration, no journal mode switch), and a store that would need either is
    /// refused with [`Error::ReadOnly`] saying so.
    fn open_read_only(path: &Path, busy_timeout: Duration) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, e))?;
        conn.busy_timeout(busy_timeout)
            .map_err(|e| open_error(path, e))?;
        let (version, foreign) = first_look(&conn).map_err(|e| open_error(path, e))?;
        if version > schema::VERSION {
            return Err(Error::SchemaTooNew {
                path: path.to_owned(),
                found: version,
                supported: schema::VERSION,
            });
        }
        if version == 0 && foreign {
            return Err(Error::ForeignDatabase {
                path: path.to_owned(),
            });
        }
        if version < schema::VERSION {
            return Err(Error::ReadOnly {
                path: path.to_owned(),
                detail: format!(
                    "the store (schema version {version}) must be upgraded to version {}, \
                     which needs write access",
                    schema::VERSION
                ),
            });
        }
        let missing = schema::missing_columns(&conn).map_err(|e| open_error(path, e))?;
        if !missing.is_empty() {
            return Err(Error::ReadOnly {
                path: path.to_owned(),
                detail: format!(
                    "the store lacks the column(s) {}, which this build adds when it opens a \
                     store; that needs write access",
                    missing.join(", ")
                ),
            });
        }
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;")
            .map_err(|e| open_error(path, e))?;
        plan_once(&conn).map_err(|e| open_error(path, e))?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Store {
            conn,
            path: path.to_owned(),
            read_only: true,
        })
    }

    /// The file this store lives in.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for read queries.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Begins a write transaction. IMMEDIATE takes the write lock at once, so a concurrent
    /// writer waits on the busy timeout here rather than failing later on a stale snapshot.
    pub(crate) fn write(&self) -> Result<Transaction<'_>> {
        if self.read_only {
            return Err(read_only_error(&self.path));
        }
        Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .ctx(|| format!("begin a write transaction on {}", self.path.display()))
    }

    /// Runs the migrations from the file's version to the current one, then adds the declared
    /// columns the store lacks ([`schema::reconcile_columns`]), in one transaction. Another
    /// process may have done either meanwhile, so both are looked at again under the lock.
    fn migrate(&self) -> Result<()> {
        let tx = self.write()?;
        let version = user_version(&tx).ctx(|| "read the schema version".into())?;
        if version == 0 {
            schema::create(&tx).ctx(|| "create the schema".into())?;
        } else {
            for from in version..schema::VERSION {
                schema::upgrade_from(&tx, from)
                    .ctx(|| format!("migrate the schema from version {from}"))?;
            }
        }
        schema::reconcile_columns(&tx)?;
        if version < schema::VERSION {
            tx.pragma_update(None, "user_version", schema::VERSION)
                .ctx(|| "record the schema version".into())?;
        }
        tx.commit().ctx(|| "commit the schema migration".into())
    }

    /// The schema version recorded in the file.
    pub(crate) fn schema_version(&self) -> Result<u32> {
        user_version(&self.conn).ctx(|| "read the schema version".into())
    }

    /// `PRAGMA integrity_check`'s findings (`["ok"]` when sound).
    pub(crate) fn integrity_check(&self) -> Result<Vec<String>> {
        self.conn.query_rows_uncached(
            "PRAGMA integrity_check",
            [],
            |r| r.get(0),
            || format!("check the integrity of {}", self.path.display()),
        )
    }

    /// Size of the database file and its write-ahead log, in bytes.
    pub(crate) fn file_size(&self) -> u64 {
        let wal = PathBuf::from(format!("{}-wal", self.path.display()));
        [self.path.as_path(), wal.as_path()]
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    }
}

/// Whether the file and its directory allow writing (their permission bits: a file marked
/// read-only is treated as such even by a user, such as root, who could write it anyway).
fn writable(path: &Path) -> bool {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    [path, dir]
        .iter()
        .all(|p| std::fs::metadata(p).is_ok_and(|m| !m.permissions().readonly()))
}

/// The error of a write to a store opened read-only.
pub(crate) fn read_only_error(path: &Path) -> Error {
    Error::ReadOnly {
        path: path.to_owned(),
        detail: "the file or its directory is not writable, so the store was opened for \
                 reading only; make it writable to record or change anything"
            .into(),
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// The schema version and whether any table exists, read together in one statement (one
/// read transaction, so one consistent snapshot of the file).
fn first_look(conn: &Connection) -> rusqlite::Result<(u32, bool)> {
    conn.query_row(
        "SELECT (SELECT user_version FROM pragma_user_version()),
                EXISTS (SELECT 1 FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%')",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Per-connection settings. WAL lets readers run beside one writer; `synchronous=NORMAL` in WAL
/// mode keeps every committed transaction across a process crash (not across power loss).
/// Reads of the database file go through a memory map of up to 1 GiB (SQLite's own, address
/// space only): a search reads pages in place instead of copying each through a system call,
/// which halved the time of the vector pass and of full-text queries on 10,000 records.
fn configure(conn: &Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
    // Switching to WAL needs a brief exclusive lock; another process opening (or creating the
    // schema) at the same time can make it report busy at once, without the busy handler, so
    // retry for as long as the busy timeout allows.
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get::<_, String>(0)) {
            Ok(_) => break,
            Err(e) if is_busy(&e) && started.elapsed() < busy_timeout => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA journal_size_limit = 524288;
         PRAGMA wal_autocheckpoint = 256;
         PRAGMA mmap_size = 1073741824;",
    )?;
    // Every hook call is a short-lived process whose connection is often the last one open:
    // a checkpoint on close would cost it four fsyncs. The WAL stays committed and durable;
    // SQLite's automatic checkpoint keeps it bounded. Every 256 pages (1 MB), not SQLite's
    // 1,000: the first connection of a process to a WAL left behind reads and checksums all
    // of it (4 MB took 40% of a PostToolUse hook's instructions), while a checkpoint of 256
    // pages costs one hook in many a little more. A restarted log is cut back to 512 KB, so
    // that a longer one is one that does not restart (see `Store::reset_long_wal`).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )?;
    plan_once(conn)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Plans every statement once, whatever values are bound to it: SQLite's query planner
/// stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`). Without it, a parameter the planner
/// looked at (a `LIMIT ?`, which most of the store's listings bind, or a bound `LIKE` pattern)
/// makes SQLite compile the statement again at its first step after every bind, so a cached
/// statement was never reused and every run paid two compilations (the count of full-text
/// matches alone took 3% of a UserPromptSubmit hook's CPU). The plans are the same: memcore binds
/// no `LIKE` pattern and matches its partial index with a literal, and `EXPLAIN QUERY PLAN` of
/// the store's 40 statement shapes that bind a limit or a `MATCH` gives the same plan either way
/// (SQLite 3.54, a 10,000-observation store).
fn plan_once(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map(|_| ())
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Maps an error met while opening to the most specific [`Error`].
fn open_error(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => Error::NotADatabase {
            path: path.to_owned(),
        },
        Some(ErrorCode::ReadOnly) => Error::ReadOnly {
            path: path.to_owned(),
            detail: e.to_string(),
        },
        Some(ErrorCode::CannotOpen) if !path.exists() => Error::ReadOnly {
            path: path.to_owned(),
            detail: format!("cannot create the file: {e}"),
        },
        _ => Error::Open {
            path: path.to_owned(),
            source: e,
        },
    }
}

/// Milliseconds since the Unix epoch, the unit every timestamp column stores.
pub(crate) fn to_millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The inverse of [`to_millis`]; out-of-range values clamp to the epoch.
pub(crate) fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Now, in the stored unit.
pub(crate) fn now_millis() -> i64 {
    to_millis(OffsetDateTime::now_utc())
}

/// Encodes a list of strings as the JSON array a column stores.
pub(crate) fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// Decodes a JSON array column; a malformed value reads as an empty list rather than failing
/// the whole read (the column is only ever written by [`json_list`]).
pub(crate) fn parse_json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// A `?, ?, ?` list of `n` placeholders for an `IN (...)` clause.
pub(crate) fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}
