//! Transcript read positions (`transcript_cursors`, one row per session) and the two lookups
//! that keep an assistant message stored once when a host records it both from a hook payload
//! and from the session's transcript (see [`crate::capture::transcript::last_message_key`]).

use super::{ConnExt, Store, now_millis};
use crate::error::Result;
use crate::model::EventPayload;
use rusqlite::params;

/// Where the last read of a session's transcript ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TranscriptCursor {
    /// The transcript file, as the host named it.
    pub(crate) path: String,
    /// The byte offset just past the last complete line read.
    pub(crate) offset: u64,
    /// Hex SHA-256 of the file's first `min(offset, 4096)` bytes, to notice a rewrite.
    pub(crate) prefix_hash: String,
}

impl Store {
    /// The read position of a session's transcript, if it was ever read.
    pub(crate) fn transcript_cursor(&self, session_id: &str) -> Result<Option<TranscriptCursor>> {
        self.conn().query_optional(
            "SELECT path, offset, prefix_hash FROM transcript_cursors WHERE session_id = ?1",
            [session_id],
            |r| {
                Ok(TranscriptCursor {
                    path: r.get(0)?,
                    offset: r.get::<_, i64>(1)?.max(0) as u64,
                    prefix_hash: r.get(2)?,
                })
            },
            || format!("read the transcript position of session {session_id:?}"),
        )
    }

    /// Sets the read position of a session's transcript (the session must exist).
    pub(crate) fn save_transcript_cursor(
        &self,
        session_id: &str,
        cursor: &TranscriptCursor,
    ) -> Result<()> {
        let offset = i64::try_from(cursor.offset).unwrap_or(i64::MAX);
        self.conn().execute_cached(
            "INSERT INTO transcript_cursors (session_id, path, offset, prefix_hash, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (session_id) DO UPDATE SET path = excluded.path,
                 offset = excluded.offset, prefix_hash = excluded.prefix_hash,
                 updated_at = excluded.updated_at",
            params![
                session_id,
                cursor.path,
                offset,
                cursor.prefix_hash,
                now_millis()
            ],
            || format!("save the transcript position of session {session_id:?}"),
        )?;
        Ok(())
    }

    /// Whether the session holds an event whose key starts with `prefix` and ends with
    /// `suffix` (a host's copy of an assistant message: `stop:<turn>:<fingerprint>`).
    pub(crate) fn has_event_key_like(
        &self,
        session_id: &str,
        prefix: &str,
        suffix: &str,
    ) -> Result<bool> {
        // GLOB on a prefix uses the (session_id, external_id) index; the prefix and suffix are
        // ours (no wildcard characters).
        self.conn().exists(
            "SELECT EXISTS (SELECT 1 FROM events
                            WHERE session_id = ?1 AND external_id GLOB ?2 || '*' || ?3)",
            params![session_id, prefix, suffix],
            || format!("look up an event key of session {session_id:?}"),
        )
    }

    /// Whether the session has an event stored under the idempotency key `key`.
    pub(crate) fn has_event_key(&self, session_id: &str, key: &str) -> Result<bool> {
        self.conn().exists(
            "SELECT EXISTS (SELECT 1 FROM events WHERE session_id = ?1 AND external_id = ?2)",
            params![session_id, key],
            || format!("look up an event key of session {session_id:?}"),
        )
    }

    /// The texts of the session's last `limit` assistant messages whose key does not start
    /// with `excluded_prefix`, newest first.
    pub(crate) fn recent_assistant_texts(
        &self,
        session_id: &str,
        excluded_prefix: &str,
        limit: usize,
    ) -> Result<Vec<String>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let payloads: Vec<String> = self.conn().query_rows(
            "SELECT payload FROM events
             WHERE session_id = ?1 AND type = 'assistant_message'
               AND (external_id IS NULL OR external_id NOT GLOB ?2 || '*')
             ORDER BY id DESC LIMIT ?3",
            params![session_id, excluded_prefix, limit],
            |r| r.get(0),
            || format!("read the assistant messages of session {session_id:?}"),
        )?;
        // A payload this build cannot read is no match.
        Ok(payloads
            .iter()
            .filter_map(|p| match serde_json::from_str::<EventPayload>(p) {
                Ok(EventPayload::AssistantMessage { text }) => Some(text),
                _ => None,
            })
            .collect())
    }
}
