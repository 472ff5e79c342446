//! The statement shapes the store runs over and over, as methods on the connection: rows
//! mapped into a collection, one row, an optional row, an `EXISTS` test, a write.
//!
//! Each is one call where a `prepare_cached(..).and_then(..).ctx(..)` chain stood at every
//! site. The statement goes through the connection's statement cache (except
//! [`ConnExt::query_rows_uncached`], for SQL built per call), and a failure (preparing,
//! binding, stepping or mapping a row) becomes [`Error::Sqlite`](crate::Error::Sqlite) with the
//! caller's `context`, which is only built when something failed.
//!
//! A [`Transaction`](rusqlite::Transaction) dereferences to its [`Connection`], so the same
//! methods serve reads on the store's connection and reads and writes inside a transaction.

use crate::error::{Result, SqlContext};
use rusqlite::{Connection, OptionalExtension, Params, Row};

/// Helper methods on a connection; see the [module documentation](self).
pub(crate) trait ConnExt {
    /// Every row of `sql`, each mapped by `map`, collected into `C` (a `Vec`, a set, a map...).
    fn query_rows<C, T, P, F>(
        &self,
        sql: &str,
        params: P,
        map: F,
        context: impl FnOnce() -> String,
    ) -> Result<C>
    where
        C: FromIterator<T>,
        P: Params,
        F: FnMut(&Row<'_>) -> rusqlite::Result<T>;

    /// [`ConnExt::query_rows`] with a statement prepared for this call only: for SQL built per
    /// call (an `IN` list as long as its ids), which would only crowd out the cached ones.
    fn query_rows_uncached<C, T, P, F>(
        &self,
        sql: &str,
        params: P,
        map: F,
        context: impl FnOnce() -> String,
    ) -> Result<C>
    where
        C: FromIterator<T>,
        P: Params,
        F: FnMut(&Row<'_>) -> rusqlite::Result<T>;

    /// The first row of `sql`, mapped by `map`; no row at all is an error
    /// ([`rusqlite::Error::QueryReturnedNoRows`]), for queries that always return one (a
    /// count, an aggregate, a row just written).
    fn query_single<T, P, F>(
        &self,
        sql: &str,
        params: P,
        map: F,
        context: impl FnOnce() -> String,
    ) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>;

    /// The first row of `sql`, mapped by `map`, or `None` when there is none.
    fn query_optional<T, P, F>(
        &self,
        sql: &str,
        params: P,
        map: F,
        context: impl FnOnce() -> String,
    ) -> Result<Option<T>>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>;

    /// The answer of a `SELECT EXISTS (...)` statement (its first column, read as a bool).
    fn exists<P: Params>(
        &self,
        sql: &str,
        params: P,
        context: impl FnOnce() -> String,
    ) -> Result<bool>;

    /// Runs a statement that returns no rows (an insert, update or delete); returns how many
    /// rows it changed.
    fn execute_cached<P: Params>(
        &self,
        sql: &str,
        params: P,
        context: impl FnOnce() -> String,
    ) -> Result<usize>;
}

impl ConnExt for Connection {
    fn query_rows<C, T, P, F>(
        &self,
        sql: &str,
        params: P,
        map: F,
        context: impl FnOnce() -> String,
    ) -> Result<C>
    where
        C: FromIterator<T>,
        P: Params,
        F: FnMut(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)
            .and_then(|mut s| s.query_map(params, map)?.collect())
            .ctx(context)
    }

    fn query_rows_uncached<C, T, P, F>(
        &self,
        sql: &str,
        params: P,
        map: F,
        context: impl FnOnce() -> String,
    ) -> Result<C>
    where
        C: FromIterator<T>,
        P: Params,
        F: FnMut(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare(sql)
            .and_then(|mut s| s.query_map(params, map)?.collect())
            .ctx(context)
    }

    fn query_single<T, P, F>(
        &self,
        sql: &str,
        params: P,
        map: F,
        context: impl FnOnce() -> String,
    ) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)
            .and_then(|mut s| s.query_row(params, map))
            .ctx(context)
    }

    fn query_optional<T, P, F>(
        &self,
        sql: &str,
        params: P,
        map: F,
        context: impl FnOnce() -> String,
    ) -> Result<Option<T>>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)
            .and_then(|mut s| s.query_row(params, map).optional())
            .ctx(context)
    }

    fn exists<P: Params>(
        &self,
        sql: &str,
        params: P,
        context: impl FnOnce() -> String,
    ) -> Result<bool> {
        self.query_single(sql, params, |r| r.get(0), context)
    }

    fn execute_cached<P: Params>(
        &self,
        sql: &str,
        params: P,
        context: impl FnOnce() -> String,
    ) -> Result<usize> {
        self.prepare_cached(sql)
            .and_then(|mut s| s.execute(params))
            .ctx(context)
    }
}

#[cfg(test)]
mod tests {
    use super::ConnExt;
    use crate::Error;
    use rusqlite::Connection;
    use std::collections::BTreeMap;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().expect("in-memory database");
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
             INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');",
        )
        .expect("schema");
        conn
    }

    /// The context of a failure, and that it was only built on failure.
    fn context_of(e: Error) -> String {
        match e {
            Error::Sqlite { context, .. } => context,
            other => panic!("expected a SQLite error, got {other:?}"),
        }
    }

    #[test]
    fn rows_collect_into_any_collection_in_query_order() {
        let conn = db();
        let names: Vec<String> = conn
            .query_rows(
                "SELECT name FROM t WHERE id >= ?1 ORDER BY id DESC",
                [2],
                |r| r.get(0),
                || unreachable!("context built without a failure"),
            )
            .expect("rows");
        assert_eq!(names, ["c", "b"]);
        let by_id: BTreeMap<i64, String> = conn
            .query_rows_uncached(
                "SELECT id, name FROM t",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
                || unreachable!("context built without a failure"),
            )
            .expect("rows");
        assert_eq!(by_id.get(&1).map(String::as_str), Some("a"));
        assert_eq!(by_id.len(), 3);
    }

    #[test]
    fn single_and_optional_rows() {
        let conn = db();
        let n: i64 = conn
            .query_single("SELECT count(*) FROM t", [], |r| r.get(0), String::new)
            .expect("count");
        assert_eq!(n, 3);
        let missing = conn
            .query_single(
                "SELECT name FROM t WHERE id = ?1",
                [9],
                |r| r.get::<_, String>(0),
                || "read row 9".into(),
            )
            .expect_err("no row is an error");
        assert_eq!(context_of(missing), "read row 9");
        let found: Option<String> = conn
            .query_optional(
                "SELECT name FROM t WHERE id = ?1",
                [2],
                |r| r.get(0),
                String::new,
            )
            .expect("row 2");
        assert_eq!(found.as_deref(), Some("b"));
        let none: Option<String> = conn
            .query_optional(
                "SELECT name FROM t WHERE id = ?1",
                [9],
                |r| r.get(0),
                String::new,
            )
            .expect("no row is no error");
        assert_eq!(none, None);
    }

    #[test]
    fn exists_and_execute() {
        let conn = db();
        let sql = "SELECT EXISTS (SELECT 1 FROM t WHERE name = ?1)";
        assert!(conn.exists(sql, ["a"], String::new).expect("exists"));
        assert!(!conn.exists(sql, ["z"], String::new).expect("exists"));
        let changed = conn
            .execute_cached("DELETE FROM t WHERE id > ?1", [1], String::new)
            .expect("delete");
        assert_eq!(changed, 2);
        assert!(!conn.exists(sql, ["b"], String::new).expect("exists"));
    }

    #[test]
    fn failures_carry_the_callers_context() {
        let conn = db();
        let bad_sql = conn
            .query_rows::<Vec<i64>, _, _, _>(
                "SELECT nope FROM t",
                [],
                |r| r.get(0),
                || "list nopes".into(),
            )
            .expect_err("no such column");
        assert_eq!(context_of(bad_sql), "list nopes");
        let bad_map = conn
            .query_rows_uncached::<Vec<i64>, _, _, _>(
                "SELECT name FROM t",
                [],
                |r| r.get(0),
                || "read names as numbers".into(),
            )
            .expect_err("text is not an integer");
        assert_eq!(context_of(bad_map), "read names as numbers");
        let constraint = conn
            .execute_cached("INSERT INTO t (id, name) VALUES (1, 'again')", [], || {
                "insert row 1 again".into()
            })
            .expect_err("duplicate key");
        assert_eq!(context_of(constraint), "insert row 1 again");
    }
}
