//! Claude Code transcripts into a store, through the same path as a live host's events
//! (redacted, bounded, idempotent on each record's key): [`Memory::import_transcript`] imports
//! a finished transcript whole; [`Memory::read_transcript`] reads a live session's transcript
//! from where its last read ended, for what the hooks do not carry (the assistant's words,
//! and any finished tool call a hook failed to deliver).
//!
//! # The read position
//!
//! Each session has at most one row in `transcript_cursors`: the transcript's path, the byte
//! offset just past the last complete line read, and the hex SHA-256 of the file's first
//! `min(offset, 4096)` bytes. A read starts at that offset unless the transcript was replaced
//! or rewritten: another path, a file shorter than the offset, a different first bytes' hash,
//! or an offset that does not follow a newline. Then it starts again from the beginning
//! ([`TranscriptRead::restarted`]), and the records' idempotency keys keep what was stored from
//! being stored twice. The position never passes a last line without a newline: that line is
//! read whole next time. Events are recorded before the position moves, so a crash between the
//! two only makes the next read look at some lines again.
//!
//! # The assistant's last message, once
//!
//! Claude Code's Stop hook carries the turn's last message (`last_assistant_message`) before
//! the transcript may hold it. [`Memory::record_last_assistant_message`] stores it at once
//! under [`last_message_key`]; a transcript message with the same text (whitespace aside) is
//! then counted as already stored by [`Memory::read_transcript`], and a message that the
//! transcript gave first is not recorded again by the Stop hook.
//!
//! [`Memory::import_transcript`]: crate::Memory::import_transcript
//! [`Memory::read_transcript`]: crate::Memory::read_transcript
//! [`Memory::record_last_assistant_message`]: crate::Memory::record_last_assistant_message

use super::project;
use super::transcript::{
    LAST_MESSAGE_PREFIX, last_message_key, parse_transcript_chunk, parse_transcript_file,
    text_fingerprint,
};
use crate::error::{Error, Result};
use crate::model::{EventPayload, NewEvent, NewSession, Recorded};
use crate::state::State;
use crate::store::TranscriptCursor;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// How many bytes at the start of a transcript its prefix hash covers.
const PREFIX_BYTES: u64 = 4096;
/// How many of a session's latest assistant messages the Stop hook's copy is compared with.
const RECENT_MESSAGES: usize = 50;

/// What [`Memory::read_transcript`](crate::Memory::read_transcript) did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TranscriptRead {
    /// Assistant messages stored by this read.
    pub added: usize,
    /// Assistant messages read that were stored before (by an earlier read, or as the Stop
    /// hook's copy).
    pub already_stored: usize,
    /// Finished tool calls stored by this read because no hook had delivered them (a hook
    /// that failed or timed out, a host that does not send them): keyed by their tool-use id,
    /// as the hooks key them, so a later hook's copy is not stored twice.
    pub tool_calls_added: usize,
    /// Lines that could not be read (line number counted from `start`, and reason).
    pub bad_lines: Vec<(usize, String)>,
    /// Why the read started again from the beginning of the file, when it did.
    pub restarted: Option<&'static str>,
    /// The byte offset the read began at.
    pub start: u64,
    /// The byte offset the next read begins at.
    pub end: u64,
    /// A last line without a newline was left for the next read.
    pub incomplete_tail: bool,
    /// The byte budget stopped the read before the end of the file.
    pub more: bool,
}

/// What [`Memory::import_transcript`](crate::Memory::import_transcript) did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranscriptImport {
    /// The session the transcript became (its `sessionId`, else the file's name).
    pub session_id: String,
    /// The project it was filed under.
    pub project: String,
    /// Events the transcript holds.
    pub events: usize,
    /// Events stored by this import (0 when the transcript was imported before).
    pub added: usize,
    /// Records and blocks left out, counted by kind.
    pub skipped: BTreeMap<String, u64>,
    /// Lines that could not be read (1-based line number and reason).
    pub bad_lines: Vec<(usize, String)>,
}

/// Transcript ingestion over a store's [`State`].
pub(crate) struct Ingest<'a> {
    state: &'a State,
}

impl<'a> Ingest<'a> {
    /// Ingestion into `state`.
    pub(crate) fn new(state: &'a State) -> Self {
        Ingest { state }
    }
}

impl Ingest<'_> {
    /// See [`Memory::import_transcript`](crate::Memory::import_transcript).
    pub(crate) fn import_transcript(
        &self,
        path: &Path,
        project: Option<&str>,
    ) -> Result<TranscriptImport> {
        let transcript = parse_transcript_file(path)?;
        let session_id = transcript
            .session_id
            .clone()
            .or_else(|| path.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
            .unwrap_or_else(|| "transcript".to_owned());
        let cwd = transcript
            .cwd
            .as_deref()
            .map(Path::new)
            .unwrap_or(Path::new(""));
        let project = project::resolve(project, cwd);
        self.state.start_session(NewSession {
            started_at: transcript.started_at,
            ..NewSession::new(&session_id, &project, "claude-code")
        })?;
        let mut added = 0;
        for event in transcript.new_events(&session_id) {
            if self.state.record_event(event)?.inserted {
                added += 1;
            }
        }
        // A transcript is a finished session.
        self.state.store.end_session(&session_id)?;
        Ok(TranscriptImport {
            session_id,
            project,
            events: transcript.events.len(),
            added,
            skipped: transcript.skipped,
            bad_lines: transcript.bad_lines,
        })
    }
}

impl Ingest<'_> {
    /// See [`Memory::read_transcript`](crate::Memory::read_transcript).
    pub(crate) fn read_transcript(&self, session_id: &str, path: &Path) -> Result<TranscriptRead> {
        self.read_transcript_with(session_id, path, None)
    }

    /// See [`Memory::read_transcript_with`](crate::Memory::read_transcript_with).
    pub(crate) fn read_transcript_with(
        &self,
        session_id: &str,
        path: &Path,
        max_bytes: Option<u64>,
    ) -> Result<TranscriptRead> {
        if self.state.store.session(session_id)?.is_none() {
            return Err(Error::NotFound {
                what: "session",
                id: session_id.to_owned(),
            });
        }
        let io = |action: &'static str| {
            move |source| Error::Io {
                action,
                path: path.to_path_buf(),
                source,
            }
        };
        // Looked at before opening: opening a FIFO would wait for a writer.
        let meta = std::fs::metadata(path).map_err(io("open transcript"))?;
        if !meta.is_file() {
            return Err(Error::InvalidInput {
                what: "transcript",
                reason: format!("{} is not a regular file", path.display()),
            });
        }
        let mut file = File::open(path).map_err(io("open transcript"))?;
        let name = path.to_string_lossy().into_owned();
        let cursor = self.state.store.transcript_cursor(session_id)?;
        let restarted = match &cursor {
            None => None,
            Some(c) if c.path != name => Some("the session's transcript path changed"),
            Some(c) if c.offset > meta.len() => {
                Some("the transcript is shorter than the last read")
            }
            Some(c) => {
                let same = prefix_hash(&mut file, c.offset).map_err(io("read transcript"))?
                    == c.prefix_hash
                    && follows_newline(&mut file, c.offset).map_err(io("read transcript"))?;
                (!same).then_some("the transcript was rewritten")
            }
        };
        let start = match (&cursor, restarted) {
            (Some(c), None) => c.offset,
            _ => 0,
        };
        file.seek(SeekFrom::Start(start))
            .map_err(io("read transcript"))?;
        let chunk = parse_transcript_chunk(BufReader::new(&mut file), start, max_bytes).map_err(
            |e| match e {
                Error::Io { action, source, .. } => Error::Io {
                    action,
                    path: path.to_path_buf(),
                    source,
                },
                other => other,
            },
        )?;
        let mut read = TranscriptRead {
            bad_lines: chunk.transcript.bad_lines.clone(),
            restarted,
            start,
            end: chunk.end,
            incomplete_tail: chunk.incomplete_tail,
            more: chunk.more,
            ..TranscriptRead::default()
        };
        for event in chunk.transcript.new_events(session_id) {
            match &event.payload {
                EventPayload::AssistantMessage { text } => {
                    let copied = self.state.store.has_event_key_like(
                        session_id,
                        LAST_MESSAGE_PREFIX,
                        &format!(":{}", text_fingerprint(text)),
                    )?;
                    if copied || !self.state.record_event(event)?.inserted {
                        read.already_stored += 1;
                    } else {
                        read.added += 1;
                    }
                }
                // A finished call the hooks did not deliver; one without its result yet is
                // left to the hook, whose copy carries the output. Looked up before anything
                // is redacted: nearly every call is stored already.
                EventPayload::ToolUse {
                    tool_use_id: Some(id),
                    output,
                    error,
                    ..
                } if output.is_some() || error.is_some() => {
                    let missing = !self.state.store.has_event_key(session_id, id)?;
                    let added = missing && self.state.record_event(event)?.inserted;
                    read.tool_calls_added += usize::from(added);
                }
                _ => {}
            }
        }
        // The first bytes' hash changes only while the position is within them.
        let prefix_hash = match &cursor {
            Some(c)
                if restarted.is_none()
                    && c.offset.min(PREFIX_BYTES) == chunk.end.min(PREFIX_BYTES) =>
            {
                c.prefix_hash.clone()
            }
            _ => prefix_hash(&mut file, chunk.end).map_err(io("read transcript"))?,
        };
        let moved = TranscriptCursor {
            path: name,
            offset: chunk.end,
            prefix_hash,
        };
        // Nothing to remember for a file never read into (an empty transcript, /dev/null).
        let changed = match &cursor {
            Some(c) => *c != moved,
            None => moved.offset > 0,
        };
        if changed {
            self.state
                .store
                .save_transcript_cursor(session_id, &moved)?;
        }
        Ok(read)
    }

    /// See [`Memory::record_last_assistant_message`](crate::Memory::record_last_assistant_message).
    pub(crate) fn record_last_assistant_message(
        &self,
        session_id: &str,
        turn: Option<&str>,
        text: &str,
    ) -> Result<Option<Recorded>> {
        let key = last_message_key(turn, text);
        let payload = EventPayload::AssistantMessage { text: text.into() };
        if let EventPayload::AssistantMessage { text: redacted } =
            self.state.prepare_payload(payload.clone())?
        {
            let fingerprint = text_fingerprint(&redacted);
            let stored = self.state.store.recent_assistant_texts(
                session_id,
                LAST_MESSAGE_PREFIX,
                RECENT_MESSAGES,
            )?;
            if stored.iter().any(|t| text_fingerprint(t) == fingerprint) {
                return Ok(None);
            }
        }
        let mut event = NewEvent::new(session_id, payload);
        event.external_id = Some(key);
        self.state.record_event(event).map(Some)
    }
}

/// Hex SHA-256 of the first `min(len, PREFIX_BYTES)` bytes of `file` (fewer when the file is
/// shorter).
fn prefix_hash(file: &mut File, len: u64) -> std::io::Result<String> {
    file.seek(SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    file.by_ref()
        .take(len.min(PREFIX_BYTES))
        .read_to_end(&mut bytes)?;
    let digest = Sha256::digest(&bytes);
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `offset` is the start of the file or follows a newline: a read position is always
/// a line's start, so anything else means the file changed under it.
fn follows_newline(file: &mut File, offset: u64) -> std::io::Result<bool> {
    if offset == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::Start(offset - 1))?;
    let mut byte = [0u8; 1];
    file.read_exact(&mut byte)?;
    Ok(byte[0] == b'\n')
}
