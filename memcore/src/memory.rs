//! [`Memory`]: the handle a host holds. A thin face: every method hands the call to the
//! feature that implements it (recall, extraction, portability, retention, transcript
//! ingestion), each working on the store's `State`, or to the shared record operations of
//! `State` itself. See `crate::state` for the layering.

use crate::capture::{Ingest, TranscriptImport, TranscriptRead};
use crate::curate::{
    ForgetBatch, Injection, NewInjection, ObservationCursor, ObservationEdit, ObservationFilter,
    ObservationPage,
};
use crate::error::{Error, Result};
use crate::extract::mode::Mode;
use crate::extract::{
    CompletionReport, Extraction, ExtractionRequest, ExtractionRun, Extractor, FailureReport,
    LlmClient, Usage,
};
use crate::model::{
    Added, ConversationRecord, Event, EventId, EventStatus, NewEvent, NewObservation, NewSession,
    NewSummary, Observation, ObservationId, Recorded, Scope, Session, Stats, Summary,
};
use crate::portable::{
    BackupReport, ClaudeMemImport, ExportOptions, ExportReport, ImportReport, MarkdownExport,
    Portable, PruneReport, Retention, RetentionPolicy,
};
use crate::recall::embed::Embedder;
use crate::recall::{
    Context, ContextRequest, EmbedProgress, Recall, RecallHit, SearchHit, SearchRequest, Timeline,
    TimelineRequest, VectorStatus,
};
pub use crate::state::Config;
use crate::state::State;
use crate::store::{LedgerDay, LedgerEntry};
use crate::sync::{ApplyReport, Change, Origin, Outbox, SyncStatus};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// The environment variable that overrides the default store path.
pub const DB_ENV_VAR: &str = "MEMCORE_DB";

/// A memory store: one SQLite file, shared safely by any number of threads (each with its own
/// `Memory`) and processes.
///
/// A `Memory` is one connection: it is `Send` but not `Sync`. Open one per thread, or guard
/// one with a mutex; opening an existing store is cheap (well under a millisecond beyond
/// SQLite's own open).
pub struct Memory {
    state: State,
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.state.fmt(f)
    }
}

impl Memory {
    /// Opens the store at `path` with the default [`Config`], creating the file (and its
    /// directory) if needed and migrating an older schema.
    ///
    /// Fails, leaving the file untouched, on an empty path, a directory, a file that is not a
    /// SQLite database, a foreign SQLite database, a store of a newer schema, or a read-only
    /// location; each has its own [`Error`] variant.
    pub fn open(path: impl AsRef<Path>) -> Result<Memory> {
        Memory::open_with(path, Config::default())
    }

    /// Opens the store at `path` with `config`.
    pub fn open_with(path: impl AsRef<Path>, config: Config) -> Result<Memory> {
        State::open(path.as_ref(), config).map(|state| Memory { state })
    }

    /// Opens the store at [`Memory::default_path`].
    pub fn open_default() -> Result<Memory> {
        Memory::open(Memory::default_path()?)
    }

    /// The default store path: `$MEMCORE_DB` when set, else `memcore/memory.db` in the user's
    /// data directory (`$XDG_DATA_HOME` or `~/.local/share` on Linux, `~/Library/Application
    /// Support` on macOS, `%APPDATA%` on Windows).
    pub fn default_path() -> Result<PathBuf> {
        if let Some(path) = std::env::var_os(DB_ENV_VAR).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        Ok(data_dir()?.join("memcore").join("memory.db"))
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        self.state.store.path()
    }

    /// The settings this store was opened with.
    pub fn config(&self) -> &Config {
        &self.state.config
    }

    /// The extraction mode in use (the built-in code mode unless [`Memory::set_mode`] changed it).
    pub fn mode(&self) -> &Mode {
        &self.state.mode
    }

    /// Replaces the extraction mode: its kinds, concepts and prompt texts.
    pub fn set_mode(&mut self, mode: Mode) -> Result<()> {
        self.state.set_mode(mode)
    }

    /// Replaces the embedder (the built-in
    /// [`StaticEmbedder`](crate::recall::embed::StaticEmbedder) by default), or turns vectors off
    /// with `None`. Observations stored from now on are embedded with it; search compares the
    /// query only with vectors of the same embedder id.
    pub fn set_embedder(&mut self, embedder: Option<Box<dyn Embedder>>) {
        self.state.set_embedder(embedder)
    }

    /// The embedder in use, if any.
    pub fn embedder(&self) -> Option<&dyn Embedder> {
        self.state.embedder()
    }

    // Sessions, events, observations, summaries.

    /// Starts a session (or reopens one the host resumes under the same id).
    pub fn start_session(&self, session: NewSession) -> Result<Session> {
        self.state.start_session(session)
    }

    /// Marks a session ended. Ending it again is harmless.
    pub fn end_session(&self, session_id: &str) -> Result<Session> {
        self.state.store.end_session(session_id)
    }

    /// One session by id.
    pub fn session(&self, session_id: &str) -> Result<Option<Session>> {
        self.state.store.session(session_id)
    }

    /// The newest sessions in scope, newest first.
    pub fn recent_sessions(&self, scope: &Scope, limit: usize) -> Result<Vec<Session>> {
        self.state.store.recent_sessions(scope, limit)
    }

    /// Every project name in the store.
    pub fn projects(&self) -> Result<Vec<String>> {
        self.state.store.projects()
    }

    /// Records an event of a started session. The event is redacted (private spans and
    /// secrets), oversized tool output is elided, and the row is committed before this
    /// returns: a process crash right after cannot lose it. Recording the same idempotency key
    /// twice in a session stores it once ([`Recorded::inserted`] says which happened).
    pub fn record_event(&self, event: NewEvent) -> Result<Recorded> {
        self.state.record_event(event)
    }

    /// Writes the conversation-layer rows of events recorded with
    /// [`Config::defer_conversation_index`], in batches of `batch`, until none is left;
    /// returns how many. Recall and extraction call it; a host may too.
    pub fn index_conversation(&self, batch: usize) -> Result<usize> {
        self.state.index_conversation(batch)
    }

    /// The events of a session in order, optionally only those with one status.
    pub fn events(&self, session_id: &str, status: Option<EventStatus>) -> Result<Vec<Event>> {
        self.state.store.session_events(session_id, status)
    }

    /// Stores an observation, redacted, unless one with the same content already exists in
    /// its project ([`Added::duplicate`] then says so and gives the existing id).
    ///
    /// The project is the observation's own, else its session's; one of the two is required.
    /// The title must not be empty.
    pub fn add_observation(&self, new: NewObservation) -> Result<Added> {
        self.state.add_observation(new)
    }

    /// Stores a summary of a session, redacted.
    pub fn add_summary(&self, session_id: &str, summary: NewSummary) -> Result<Summary> {
        self.state.add_summary_at(session_id, summary, None)
    }

    /// The newest summary in scope.
    pub fn latest_summary(&self, scope: &Scope) -> Result<Option<Summary>> {
        self.state.latest_summary(scope)
    }

    /// Observations by id, in the order asked; unknown ids are left out.
    pub fn get(&self, ids: &[ObservationId]) -> Result<Vec<Observation>> {
        self.state.store.observations_by_id(ids)
    }

    /// The newest observations in scope, newest first.
    pub fn recent(&self, scope: &Scope, limit: usize) -> Result<Vec<Observation>> {
        self.state.store.recent_observations(scope, limit)
    }

    /// Forgets an observation: it leaves search, context, listings and exports at once, and
    /// stays in the forget bin, recoverable with [`Memory::undo_forget`], until purged
    /// ([`Memory::purge_forgotten`]). Returns false when no observation had that id.
    pub fn forget(&self, id: ObservationId) -> Result<bool> {
        Ok(!self
            .forget_ids(&[id], &format!("forget {id}"))?
            .observation_ids
            .is_empty())
    }

    /// Runs SQLite's `PRAGMA integrity_check` and returns its findings: `["ok"]` for a
    /// sound file.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        self.state.store.integrity_check()
    }

    /// Counts in scope: observations per kind, sessions, summaries, events (pending and
    /// failed), plus the file's size and schema version.
    pub fn stats(&self, scope: &Scope) -> Result<Stats> {
        self.state.stats(scope)
    }

    // Vectors.

    /// Embeds up to `limit` records that lack a vector of the current embedder (observations
    /// first, then conversation records, oldest first), one transaction per layer, and says
    /// what is left. Without an embedder it does nothing. Safe to call from several
    /// processes at once: a record embedded twice keeps one vector.
    pub fn embed_pending(&self, limit: usize) -> Result<EmbedProgress> {
        self.state.embed_pending(limit)
    }

    /// Rewrites the vector chunks that mostly hold deleted records (at most `limit`), so
    /// searches stop scanning them; returns how many it rewrote. Retention calls it.
    pub fn compact_vectors(&self, limit: usize) -> Result<usize> {
        self.state.store.compact_vector_chunks(limit)
    }

    /// What the vector index holds: the current embedder, the records still waiting for a
    /// vector of it, and the stored vectors per embedder id. Reads only.
    pub fn vector_status(&self) -> Result<VectorStatus> {
        self.state.vector_status()
    }

    // Recall.

    /// Searches the observations: full text (BM25 over every text field) and, when an
    /// embedder is set, vectors, fused into one score with recency, kind, importance, named
    /// files, supersession and near-duplicate demotion. Hits come best first, each with the
    /// parts of its score.
    ///
    /// Fails with [`Error::InvalidInput`] when the request has no scope (memcore never
    /// guesses the project), else only on a database error or an embedder error.
    pub fn search(&self, request: &SearchRequest) -> Result<Vec<SearchHit>> {
        Recall::new(&self.state).search(request)
    }

    /// Searches both layers of memory, the observations and the conversation records, and
    /// ranks them together on one yardstick, the best BM25 of both pools (see the
    /// [`recall`](crate::recall) module). Hits come best first, each with the parts of its
    /// score.
    ///
    /// Fails only where [`Memory::search`] fails.
    pub fn recall(&self, request: &SearchRequest) -> Result<Vec<RecallHit>> {
        Recall::new(&self.state).recall(request)
    }

    /// The conversation records of `ids` (event ids; those without a short form, and unknown
    /// ids, are left out), in id order.
    pub fn conversation(&self, ids: &[EventId]) -> Result<Vec<ConversationRecord>> {
        Recall::new(&self.state).conversation(ids)
    }

    /// The relevance rule's strict level, what the prompt context injects: the hit's score
    /// and whether it is found (the search found it by its words or by a vector at least
    /// [`prompt_min_similarity`](crate::recall::RecallConfig::prompt_min_similarity) similar
    /// to the query's) and says enough about the query (an observation whose vector
    /// similarity reaches `prompt_min_similarity` or that holds at least
    /// [`prompt_min_coverage`](crate::recall::RecallConfig::prompt_min_coverage) of the
    /// query's words, a conversation record that holds at least `prompt_min_coverage` of
    /// them). A query without a word matches everything. The score is the observation's
    /// vector similarity when it has one, else the share of the query's words the hit holds.
    /// The `recall::relevance` module documents both levels.
    pub fn relevance(&self, query: &str, hit: &RecallHit) -> (f64, bool) {
        Recall::new(&self.state).relevance(query, hit)
    }

    /// [`Memory::recall`] keeping what a listing shows (`memcore search`, the MCP search tool):
    /// the hits the search found by their words or by a close vector (the relevance rule's
    /// first level; [`Memory::relevance`] adds the second, for the prompt context, whose
    /// hits are always among these), those that pass [`Memory::relevance`] first, each group
    /// in ranking order (within the page the request asks for). With a query, the hits it did
    /// not find would only fill the list. Fails where [`Memory::search`] fails.
    pub fn recall_relevant(&self, request: &SearchRequest) -> Result<Vec<RecallHit>> {
        Recall::new(&self.state).recall_relevant(request)
    }

    /// Renders what memory holds for a session start or a prompt as markdown within a token
    /// budget: the latest session summary (session start only), an index of the relevant
    /// observations (id, date, kind, title, cost in tokens) and the full text of the best few,
    /// as far as the budget goes. The rest is one [`Memory::get`] away.
    ///
    /// For a prompt, only the memories that pass [`Memory::relevance`] are included, and the
    /// text is empty when none does.
    ///
    /// Fails with [`Error::InvalidInput`] when the request has no scope (memcore never
    /// guesses the project), else where [`Memory::search`] fails.
    pub fn context(&self, request: &ContextRequest) -> Result<Context> {
        Recall::new(&self.state).context(request)
    }

    /// Observations and user prompts around an anchor: up to `before` entries just before
    /// it and `after` just after, in time order (the anchor observation itself in between).
    ///
    /// Fails with [`Error::NotFound`] when the anchor observation does not exist, and with
    /// [`Error::InvalidInput`] when a time anchor comes with no scope (an observation anchor
    /// without one looks in the observation's project).
    pub fn timeline(&self, request: &TimelineRequest) -> Result<Timeline> {
        Recall::new(&self.state).timeline(request)
    }

    // Extraction.

    /// Claims the next batch of pending events (oldest session first, within `project` when
    /// given) and returns the request to send to the host's LLM, or `None` when nothing is
    /// pending. The claim lasts `extraction.lease_seconds`; complete or fail the request before
    /// then. Events another extractor holds are never returned.
    pub fn next_extraction(&self, project: Option<&str>) -> Result<Option<ExtractionRequest>> {
        Extraction::new(&self.state).next_extraction(project)
    }

    /// Stores what the model answered to `request`: the observations it holds (redacted,
    /// deduplicated, with the request's events as provenance), the events marked extracted and
    /// a ledger row with the cost, all in one transaction.
    ///
    /// An empty answer, `[]` or an explicit "nothing worth keeping" is a valid result: the
    /// events are marked extracted and nothing is stored. Invalid items are skipped and listed
    /// in [`CompletionReport::issues`]. An answer with no usable payload at all is recorded as a
    /// failed attempt and returned as [`Error::InvalidInput`] naming what was wrong.
    pub fn complete_extraction(
        &self,
        request: &ExtractionRequest,
        answer: &str,
        usage: &Usage,
    ) -> Result<CompletionReport> {
        Extraction::new(&self.state).complete_extraction(request, answer, usage)
    }

    /// Records that `request` failed (the model erred, timed out, or answered nonsense): its
    /// events get one more attempt and are released for the next extractor; at
    /// `extraction.max_attempts` they are marked failed, kept, and shown by [`Memory::stats`].
    pub fn fail_extraction(
        &self,
        request: &ExtractionRequest,
        reason: &str,
    ) -> Result<FailureReport> {
        Extraction::new(&self.state).fail_extraction(request, reason)
    }

    /// Makes failed events (in `project`, or everywhere) pending again with no attempts, for
    /// another try after the cause was fixed (a key, a quota, a model). Returns how many.
    pub fn retry_failed(&self, project: Option<&str>) -> Result<u64> {
        Extraction::new(&self.state).retry_failed(project)
    }

    /// Runs the whole loop with `client` until nothing is pending (in `project` when given).
    pub fn extract_pending(
        &self,
        client: &dyn LlmClient,
        project: Option<&str>,
    ) -> Result<ExtractionRun> {
        Extraction::new(&self.state).extract_pending(client, project)
    }

    /// Runs extraction until nothing claimable is pending, with the heuristic extractor or the
    /// host's model. A failed request does not stop the run, but its session is passed over
    /// for the rest of it: its events stay pending with one more attempt, and are tried again
    /// by a later run (one attempt per batch per run, so a failing model spends the attempt
    /// limit across runs, not within milliseconds of one). The failure is counted.
    pub fn run_extraction(
        &self,
        extractor: Extractor<'_>,
        project: Option<&str>,
    ) -> Result<ExtractionRun> {
        Extraction::new(&self.state).run_extraction(extractor, project)
    }

    /// The summary request for a session (its prompts, files and most informative events
    /// within `extraction.summary_input_tokens`), or `None` when it has no events.
    pub fn summary_request(&self, session_id: &str) -> Result<Option<ExtractionRequest>> {
        Extraction::new(&self.state).summary_request(session_id)
    }

    /// Stores the summary the model wrote for `request`, with a ledger row. Returns `None`
    /// when the model skipped the summary or answered nothing; an unparseable answer is an
    /// [`Error::InvalidInput`] naming what was wrong.
    pub fn complete_summary(
        &self,
        request: &ExtractionRequest,
        answer: &str,
        usage: &Usage,
    ) -> Result<Option<Summary>> {
        Extraction::new(&self.state).complete_summary(request, answer, usage)
    }

    /// Sessions (of `project`, or all) ended before `ended_before` that should have a summary
    /// and have none, oldest first, at most `limit`: each has a prompt and no pending event, so
    /// its summary can be written now (with [`Memory::summarize`] or
    /// [`Memory::summarize_heuristic`]). A summary is missing when the extractor started at the
    /// session's end died before writing it; an extraction run writes these after its own
    /// work, so none is lost for good. `ended_before` leaves the sessions that just ended to
    /// their own extractor (which may still be waiting for its turn).
    pub fn sessions_missing_summary(
        &self,
        project: Option<&str>,
        ended_before: time::OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<String>> {
        Extraction::new(&self.state).sessions_missing_summary(project, ended_before, limit)
    }

    /// Writes a summary of a session by rules, with no LLM. `None` when the session has no
    /// event to summarise.
    pub fn summarize_heuristic(&self, session_id: &str) -> Result<Option<Summary>> {
        Extraction::new(&self.state).summarize_heuristic(session_id)
    }

    /// Summarises a session with the host's model, falling back to the heuristic summary when
    /// the model fails or answers nothing usable.
    pub fn summarize(&self, session_id: &str, client: &dyn LlmClient) -> Result<Option<Summary>> {
        Extraction::new(&self.state).summarize(session_id, client)
    }

    /// The newest rows of the extraction ledger (what each LLM call cost and produced).
    pub fn ledger(&self, project: Option<&str>, limit: usize) -> Result<Vec<LedgerEntry>> {
        Extraction::new(&self.state).ledger(project, limit)
    }

    // Transcripts.

    /// Imports a Claude Code session transcript (`~/.claude/projects/<p>/<session>.jsonl`).
    ///
    /// The project is `project` when given, else resolved from the transcript's working
    /// directory by [`crate::resolve_project`]. Re-importing the same transcript adds nothing;
    /// importing a longer version of it adds only the new events. Unknown record types are
    /// skipped and counted; unreadable lines are listed, never fatal.
    pub fn import_transcript(
        &self,
        path: &Path,
        project: Option<&str>,
    ) -> Result<TranscriptImport> {
        Ingest::new(&self.state).import_transcript(path, project)
    }

    /// Reads a live session's Claude Code transcript from where the last read ended, and
    /// records what the hooks do not carry: the assistant's text (never its thinking), each
    /// message with its record's time and keyed by its record's id. Prompts are not recorded
    /// from it: the hooks record them under their own keys. A finished tool call (its result
    /// is in the transcript) that no hook delivered is recorded, under its tool-use id, the key
    /// the hooks use: a hook that failed loses nothing, and one that delivered stores nothing
    /// twice. The read position is kept per session, in the store. The session must exist.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown session, [`Error::Io`] when the transcript cannot be
    /// opened or read (nothing stored is touched), [`Error::InvalidInput`] when `path` is not a
    /// regular file; store errors. Malformed lines are not errors: they are counted and skipped.
    pub fn read_transcript(&self, session_id: &str, path: &Path) -> Result<TranscriptRead> {
        Ingest::new(&self.state).read_transcript(session_id, path)
    }

    /// [`Memory::read_transcript`], reading at most about `max_bytes` (whole lines, at least
    /// one) when given: the rest is read next time ([`TranscriptRead::more`]).
    pub fn read_transcript_with(
        &self,
        session_id: &str,
        path: &Path,
        max_bytes: Option<u64>,
    ) -> Result<TranscriptRead> {
        Ingest::new(&self.state).read_transcript_with(session_id, path, max_bytes)
    }

    /// Records the assistant's last message of a turn as a host got it outside the transcript
    /// (Claude Code's Stop hook: `last_assistant_message`, with the hook's `prompt_id` as
    /// `turn`), keyed by [`last_message_key`](crate::capture::transcript::last_message_key).
    /// Returns `None`, storing nothing, when one of the session's latest assistant messages
    /// read from the transcript has the same text (whitespace aside): the message is stored
    /// once, whichever came first.
    pub fn record_last_assistant_message(
        &self,
        session_id: &str,
        turn: Option<&str>,
        text: &str,
    ) -> Result<Option<Recorded>> {
        Ingest::new(&self.state).record_last_assistant_message(session_id, turn, text)
    }

    // Export, import, backup, retention.

    /// Writes the store (or the part `options` selects) as versioned JSON Lines: a header,
    /// then one record per line (see the
    /// [format](crate::portable#the-jsonl-format-format-version-2)).
    ///
    /// The export reads one consistent snapshot: writers in other processes go on, and what
    /// they commit during the export is not in it. Output is not flushed; wrap a file in a
    /// `BufWriter` and flush it after.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `since` is after `until`, [`Error::Io`] when writing
    /// fails, [`Error::Sqlite`] when reading the store fails.
    pub fn export_jsonl(
        &self,
        out: &mut dyn Write,
        options: &ExportOptions,
    ) -> Result<ExportReport> {
        Portable::new(&self.state).export_jsonl(out, options)
    }

    /// Imports a JSONL export (see the [format](crate::portable#the-jsonl-format-format-version-2)
    /// and the [rules](crate::portable#import)): merges it into this store, skipping what is
    /// already there, and reports what was added and skipped.
    ///
    /// All or nothing: the whole input is read and checked before anything is written, and
    /// every record is applied in one transaction; on any error the store is unchanged.
    /// The input is held in memory while it is applied, and the store's write lock is held
    /// for as long: writers in other processes wait (up to their busy timeout), so import a
    /// very large file when no agent is running.
    ///
    /// A format-2 export ends with an `end` record holding its counts. A file without one
    /// (cut short at a line boundary, or written in format 1), or whose counts disagree with
    /// the records read, is imported as it is, with the finding in
    /// [`ImportReport::warnings`].
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] with `what = "export format version"` for a file of a newer
    ///   format version, naming both versions;
    /// - [`Error::InvalidInput`] with `what = "export file"` and a reason that starts with
    ///   `line N` for a line that is not a valid record, or a record that cannot be applied
    ///   (an empty title, a session that is neither in the file nor in the store...);
    /// - [`Error::Io`] when reading fails, [`Error::Sqlite`] when writing fails.
    pub fn import_jsonl(&self, input: impl BufRead) -> Result<ImportReport> {
        Portable::new(&self.state).import_jsonl(input)
    }

    /// Writes one Markdown file per project into `dir` (created if needed; files of the same
    /// name are replaced): each session with its summaries and observations, oldest first.
    /// `options` selects projects and dates as for [`Memory::export_jsonl`]; raw events are
    /// never written.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file when a directory or file cannot be written.
    pub fn export_markdown(&self, dir: &Path, options: &ExportOptions) -> Result<MarkdownExport> {
        Portable::new(&self.state).export_markdown(dir, options)
    }

    /// Writes a consistent copy of the store to `dest`, a new file, while this and other
    /// processes keep reading and writing the store. The copy opens with
    /// [`Memory::open`](crate::Memory::open) as a store of its own. See the
    /// [restore instructions](crate::portable#backup-and-restore).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `dest` exists (a backup never overwrites a file, the store
    /// itself included); [`Error::Io`] when its directory cannot be created; [`Error::Sqlite`]
    /// when copying fails, or the copy fails its integrity check.
    pub fn backup_to(&self, dest: impl AsRef<Path>) -> Result<BackupReport> {
        Portable::new(&self.state).backup_to(dest)
    }

    /// Imports a claude-mem database: its sessions, observations, summaries and user
    /// prompts (see the [module docs](crate::portable::claude_mem) for the mapping and how
    /// odd rows are handled). The database is opened read-only and read in one snapshot, so
    /// a running claude-mem may keep writing to it; this store is written in one
    /// transaction: all or nothing. Importing again adds only what is new.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when `path` is not a file; [`Error::InvalidInput`] when it is not a
    /// SQLite database, has neither an `sdk_sessions` nor a claude-mem `observations`
    /// table, or has one of claude-mem's tables without the columns its rows need (the
    /// error names the table and the columns); [`Error::Sqlite`] naming the file when reading fails.
    pub fn import_claude_mem(&self, path: impl AsRef<Path>) -> Result<ClaudeMemImport> {
        Portable::new(&self.state).import_claude_mem(path)
    }

    /// Applies a retention policy: removes what it selects, or with `dry_run` only reports
    /// it. After a real prune the space is given back to the filesystem (`VACUUM`, then a
    /// truncating checkpoint of the write-ahead log); this rewrites the file, so it takes a
    /// while on a large store and waits for other writers ([`PruneReport::space_reclaimed`]
    /// says whether it succeeded).
    ///
    /// Removed observations take their full-text rows, provenance, file index and vectors
    /// with them; newer observations that superseded them lose the link. Removed events take
    /// their prompt-index rows and the provenance links that pointed at them. Pinned
    /// observations are never removed, even one pinned by another process during the call.
    /// A policy with no limit ([`RetentionPolicy::default`]) removes nothing.
    pub fn prune(&self, policy: &RetentionPolicy, dry_run: bool) -> Result<PruneReport> {
        Retention::new(&self.state).prune(policy, dry_run)
    }

    /// Pins an observation (retention never removes it) or unpins it. Returns false when no
    /// observation has `id`.
    pub fn pin(&self, id: ObservationId, pinned: bool) -> Result<bool> {
        Retention::new(&self.state).pin(id, pinned)
    }

    // Curation (see `crate::curate`).

    /// A page of the observations `filter` covers, newest first, starting after `after` (the
    /// `next` of the page before; `None` for the first page). `limit` is held to `1..=1000`.
    pub fn list_observations(
        &self,
        filter: &ObservationFilter,
        after: Option<ObservationCursor>,
        limit: usize,
    ) -> Result<ObservationPage> {
        self.state.store.list_observations(filter, after, limit)
    }

    /// How many observations `filter` covers: what [`Memory::forget_where`] would forget.
    pub fn count_observations(&self, filter: &ObservationFilter) -> Result<u64> {
        self.state.store.count_observations(filter)
    }

    /// Changes an observation's title, text (narrative) or kind. The new text is redacted,
    /// and the observation's hash, token count, full-text row and vector are made again.
    /// Fails with [`Error::NotFound`] for an unknown id and [`Error::InvalidInput`] for an
    /// empty title or an edit that makes it say exactly what another observation of its
    /// project says; nothing changes then.
    pub fn edit_observation(
        &self,
        id: ObservationId,
        edit: ObservationEdit,
    ) -> Result<Observation> {
        crate::curate::edit(&self.state, id, edit)
    }

    /// Forgets the observations with these ids (unknown ones are skipped) in one batch,
    /// recoverable with [`Memory::undo_forget`] until purged. `reason` is kept with the batch
    /// to tell the user what it was. A forget that found nothing makes no batch (id 0).
    pub fn forget_ids(&self, ids: &[ObservationId], reason: &str) -> Result<ForgetBatch> {
        self.state.store.forget_observations(ids, reason)
    }

    /// Forgets every observation `filter` covers, in one batch. An empty filter is refused
    /// with [`Error::InvalidInput`].
    pub fn forget_where(&self, filter: &ObservationFilter, reason: &str) -> Result<ForgetBatch> {
        let ids = crate::curate::filtered_ids(&self.state, filter)?;
        self.forget_ids(&ids, reason)
    }

    /// Brings a forget batch back: every observation returns with its provenance, pin and
    /// supersession, under its own id when no other observation took it since, and is
    /// embedded again. Returns the ids they have now. [`Error::NotFound`] when the batch
    /// was purged or undone already.
    pub fn undo_forget(&self, batch: i64) -> Result<Vec<ObservationId>> {
        crate::curate::undo(&self.state, batch)
    }

    /// The forget batches that can still be undone, newest first.
    pub fn forget_batches(&self, limit: usize) -> Result<Vec<ForgetBatch>> {
        self.state.store.forget_batches(limit)
    }

    /// Empties the forget bin for good (`None`), or one batch of it; returns how many
    /// observations went. [`Error::NotFound`] for an unknown batch.
    pub fn purge_forgotten(&self, batch: Option<i64>) -> Result<u64> {
        self.state.store.purge_forgotten(batch)
    }

    /// Records what a hook injected into a session's context (the query redacted), for the
    /// viewer and for `memcore` to show later.
    pub fn record_injection(&self, injection: NewInjection) -> Result<Injection> {
        let injection = NewInjection {
            query: injection.query.map(|q| self.state.redactor.redact(&q)),
            ..injection
        };
        self.state.store.insert_injection(&injection)
    }

    /// The newest injections of one session, or of every session in scope.
    pub fn injections(
        &self,
        session_id: Option<&str>,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<Injection>> {
        self.state.store.injections(session_id, scope, limit)
    }

    /// Events by id, in id order; unknown ids are left out (an observation's provenance).
    pub fn events_by_id(&self, ids: &[EventId]) -> Result<Vec<Event>> {
        self.state.store.events_by_id(ids)
    }

    /// The summaries of one session, oldest first.
    pub fn session_summaries(&self, session_id: &str) -> Result<Vec<Summary>> {
        self.state.store.session_summaries(session_id)
    }

    /// The extraction ledger's totals per UTC day and model over the last `days` days,
    /// newest day first.
    pub fn ledger_by_day(&self, project: Option<&str>, days: u32) -> Result<Vec<LedgerDay>> {
        self.state.store.ledger_by_day(project, days)
    }

    // Sync (see `crate::sync`).

    /// Shares a project: from now on every change to its observations, summaries and their
    /// sessions is logged for sync, and what it holds already is logged once. `author` (when
    /// not empty) is whom this store's changes are attributed to. Returns the changes logged.
    pub fn sync_enable(&self, project: &str, author: &str) -> Result<u64> {
        if project.trim().is_empty() {
            return Err(Error::InvalidInput {
                what: "project",
                reason: "must not be empty".into(),
            });
        }
        self.state.store.sync_enable(project, author)
    }

    /// Whether a shared project's events (prompts, tool calls, assistant messages) travel too
    /// (off by default: observations and summaries only). Events recorded from now on are
    /// logged; a store that receives them shows them in its conversation layer and does not
    /// extract them again.
    pub fn set_share_events(&self, project: &str, share: bool) -> Result<()> {
        self.state.store.set_share_events(project, share)
    }

    /// Stops sharing a project (what was sent stays where it went); false when it was not
    /// shared.
    pub fn sync_disable(&self, project: &str) -> Result<bool> {
        self.state.store.sync_disable(project)
    }

    /// Marks a project private: nothing of it leaves this store, shared or not.
    pub fn set_private_project(&self, project: &str, private: bool) -> Result<()> {
        self.state.store.set_private_project(project, private)
    }

    /// Marks an observation private: it never leaves this store. False when there is no
    /// such observation.
    pub fn set_private_observation(&self, id: ObservationId, private: bool) -> Result<bool> {
        self.state.store.set_private_observation(id, private)
    }

    /// This device's changes that `target` (a name for a hub or folder) has not been sent,
    /// oldest first, at most `limit`, each redacted again; private ones are left out. Mark
    /// them sent with [`Memory::sync_sent`] once delivered.
    pub fn sync_outbox(&self, target: &str, limit: usize) -> Result<Outbox> {
        let (mut changes, upto, more) = self.state.store.sync_outbox(target, limit)?;
        for c in &mut changes {
            self.state.redactor.redact_json(&mut c.payload);
        }
        Ok(Outbox {
            changes,
            upto,
            more,
        })
    }

    /// Records that `target` has this device's changes up to `device_seq`.
    pub fn sync_sent(&self, target: &str, device_seq: u64) -> Result<()> {
        self.state.store.sync_sent(target, device_seq)
    }

    /// Takes changes from elsewhere, in any order, duplicates and this store's own included,
    /// and brings every record they touch to the state all its changes define. A malformed
    /// change refuses the whole batch with [`Error::InvalidInput`], nothing written.
    pub fn sync_apply(&self, changes: &[Change]) -> Result<ApplyReport> {
        crate::sync::apply::apply(&self.state, changes)
    }

    /// Where the next pull from `target` starts (opaque to memcore).
    pub fn sync_cursor(&self, target: &str) -> Result<Option<String>> {
        self.state.store.sync_cursor(target)
    }

    /// Keeps where the next pull from `target` starts.
    pub fn set_sync_cursor(&self, target: &str, cursor: &str) -> Result<()> {
        self.state.store.set_sync_cursor(target, cursor)
    }

    /// Sync's settings and counts: the device, the projects, the targets with what each
    /// still waits for.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        self.state.store.sync_status()
    }

    /// The authors of those of `ids` another device made (records that came through sync),
    /// by id: what search results and contexts label them with.
    pub fn teammate_authors(
        &self,
        ids: &[ObservationId],
    ) -> Result<std::collections::HashMap<ObservationId, String>> {
        self.state.store.teammate_authors(ids)
    }

    /// Who made an observation, when another device did (a teammate's record).
    pub fn observation_origin(&self, id: ObservationId) -> Result<Option<Origin>> {
        self.state.store.observation_origin(id)
    }
}

/// The user's data directory, by platform convention.
fn data_dir() -> Result<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let found = if cfg!(windows) {
        var("APPDATA")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|h| h.join("Library/Application Support"))
    } else {
        var("XDG_DATA_HOME").or_else(|| var("HOME").map(|h| h.join(".local/share")))
    };
    found.ok_or_else(|| Error::InvalidInput {
        what: "default store path",
        reason: format!("no home or data directory is set; set {DB_ENV_VAR} to a file path"),
    })
}
