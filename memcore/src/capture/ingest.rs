//! Importing a Claude Code transcript into a store: one session, its events recorded through
//! the same path as a live host's (redacted, bounded, idempotent on each record's key).

use super::project;
use super::transcript::parse_transcript_file;
use crate::error::Result;
use crate::memory::Memory;
use crate::model::NewSession;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// What [`Memory::import_transcript`] did.
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

impl Memory {
    /// Imports a Claude Code session transcript (`~/.claude/projects/<p>/<session>.jsonl`).
    ///
    /// The project is `project` when given, else resolved from the transcript's working
    /// directory by [`project::resolve`]. Re-importing the same transcript adds nothing;
    /// importing a longer version of it adds only the new events. Unknown record types are
    /// skipped and counted; unreadable lines are listed, never fatal.
    pub fn import_transcript(
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
        self.start_session(NewSession {
            started_at: transcript.started_at,
            ..NewSession::new(&session_id, &project, "claude-code")
        })?;
        let mut added = 0;
        for event in transcript.new_events(&session_id) {
            if self.record_event(event)?.inserted {
                added += 1;
            }
        }
        // A transcript is a finished session.
        self.end_session(&session_id)?;
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
