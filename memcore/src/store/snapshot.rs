//! Consistent reads: several queries that must see the store as it was at one moment.

use super::Store;
use crate::error::{Result, SqlContext};

impl Store {
    /// Runs `read` inside one read transaction, so that every query it makes through this
    /// store sees the same snapshot: writers in other processes go on, and what they commit
    /// meanwhile is not seen. The transaction is rolled back when `read` returns (it only
    /// reads); `what` names the reader in an error (`"the export"`).
    pub(crate) fn read_snapshot<T>(
        &self,
        what: &str,
        read: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let snapshot = self
            .conn()
            .unchecked_transaction()
            .ctx(|| format!("begin the read transaction of {what}"))?;
        let result = read();
        drop(snapshot);
        result
    }
}
