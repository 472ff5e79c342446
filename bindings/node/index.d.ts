// Type declarations for memcore's Node bindings (index.js).
// SPDX-License-Identifier: Apache-2.0 OR MIT
//
// Timestamps are RFC 3339 strings ("2026-11-24T10:31:00Z"); a Date is accepted wherever a
// timestamp goes in. Ids of events and observations are integers, ids of sessions the host's
// own strings. Objects returned may gain fields in later versions.

/** A timestamp going in: an RFC 3339 string or a Date. */
export type Timestamp = string | Date;

/** The C ABI version this module was written against (`MEMCORE_ABI_VERSION`). */
export declare const ABI_VERSION: 1;
/** The version of the JSON documents this module writes (`MEMCORE_JSON_VERSION`). */
export declare const JSON_VERSION: 1;

/** libmemcore's status codes, by name. */
export declare const Status: Readonly<{
  OK: 0;
  INVALID_ARGUMENT: 1;
  NULL_POINTER: 2;
  INVALID_UTF8: 3;
  INVALID_JSON: 4;
  UNSUPPORTED_VERSION: 5;
  NOT_FOUND: 6;
  NOT_A_DATABASE: 7;
  SCHEMA_TOO_NEW: 8;
  READ_ONLY: 9;
  IO: 10;
  DATABASE: 11;
  BUSY: 12;
  CALLBACK: 13;
  POISONED: 14;
  PANIC: 15;
  INTERNAL: 16;
}>;

/** The name of a libmemcore status, or of an error raised by this module itself. */
export type ErrorCode =
  | Exclude<keyof typeof Status, 'OK'>
  | 'LIBRARY_NOT_FOUND'
  | 'ABI_MISMATCH'
  | 'CLOSED'
  | 'UNKNOWN';

/**
 * A failed memcore call: `code` names the status (`'NOT_FOUND'`), `status` is its number
 * (-1 for `'LIBRARY_NOT_FOUND'`, `'ABI_MISMATCH'` and `'CLOSED'`, raised by this module). A
 * JavaScript callback's exception is the `cause` of the `'CALLBACK'` error it led to.
 */
export declare class MemcoreError extends Error {
  readonly name: 'MemcoreError';
  readonly code: ErrorCode;
  readonly status: number;
  constructor(message: string, options?: { code?: ErrorCode; status?: number; cause?: unknown });
}

/** The version of the loaded libmemcore (`"0.1.0"`). */
export declare function version(): string;
/** The C ABI version of the loaded libmemcore. */
export declare function abiVersion(): number;
/** The path of the libmemcore this module loaded (loading it if needed). */
export declare function libraryPath(): string;
/**
 * Where libmemcore is looked for, in order: `$MEMCORE_LIB` alone when set (a file or a
 * directory); else `lib/`, `prebuilds/<platform>-<arch>/` and the package directory; else
 * `../../target/release` and `../../target/debug` from the package (a repository checkout).
 */
export declare function libraryCandidates(): string[];
/** The store path when the host has no preference: `$MEMCORE_DB`, else the user's data dir. */
export declare function defaultPath(): string;
/**
 * memcore's one project resolver: `name` when given and not blank, else the git repository
 * holding `cwd` (default: the working directory), else `cwd`'s folder name.
 */
export declare function resolveProject(name?: string | null, cwd?: string): string;

// ---------------------------------------------------------------------------------------------
// Data

/** The default observation kinds; a mode may define its own. */
export type ObservationKind =
  | 'bugfix'
  | 'feature'
  | 'refactor'
  | 'change'
  | 'discovery'
  | 'decision'
  | (string & {});

/**
 * Which projects a search, context or timeline looks at: one project, or every project.
 * Required in a search and a context request (memcore does not guess the project from the
 * working directory), and in a timeline around a time.
 */
export type Scope = { project: string } | 'all';

export interface NewSession {
  /** The host's session id. */
  id: string;
  /** Default: `resolveProject()` of the working directory. */
  project?: string;
  /** The host: `'claude-code'`, `'codex'`, a framework's name. */
  agent: string;
  startedAt?: Timestamp;
}

export interface Session {
  id: string;
  project: string;
  agent: string;
  startedAt: string;
  endedAt: string | null;
  status: 'active' | 'ended';
}

export type EventPayload =
  | { type: 'user_prompt'; text: string }
  | { type: 'assistant_message'; text: string }
  | { type: 'note'; text: string }
  | {
      type: 'tool_use';
      toolName: string;
      /** The tool's input: any JSON, stored as given (its keys are not converted). */
      input?: unknown;
      output?: string | null;
      error?: string | null;
      /** The host's id for the call: the idempotency key when `externalId` is absent. */
      toolUseId?: string | null;
    };

export interface NewEvent {
  sessionId: string;
  payload: EventPayload;
  /** The idempotency key: recording the same key twice in a session stores one event. */
  externalId?: string;
  occurredAt?: Timestamp;
}

export type EventStatus = 'pending' | 'extracted' | 'skipped' | 'failed';

export interface MemoryEvent {
  id: number;
  sessionId: string;
  project: string;
  payload: EventPayload;
  externalId: string | null;
  occurredAt: string;
  status: EventStatus;
  attempts: number;
}

export interface Recorded {
  id: number;
  /** False when an event with the same idempotency key was already stored. */
  inserted: boolean;
}

export interface NewObservation {
  title: string;
  /** The project; a `sessionId` may stand for it. */
  project?: string;
  sessionId?: string;
  kind?: ObservationKind;
  subtitle?: string;
  narrative?: string;
  facts?: string[];
  context?: string;
  concepts?: string[];
  filesRead?: string[];
  filesModified?: string[];
  sourceEventIds?: number[];
  /** 0..1 */
  importance?: number;
  /** The id of an observation this one replaces. */
  supersedes?: number;
  createdAt?: Timestamp;
}

export interface Observation {
  id: number;
  project: string;
  sessionId: string | null;
  kind: ObservationKind;
  title: string;
  subtitle: string;
  narrative: string;
  facts: string[];
  context: string;
  concepts: string[];
  filesRead: string[];
  filesModified: string[];
  sourceEventIds: number[];
  createdAt: string;
  importance: number;
  contentHash: string;
  tokenCount: number;
  supersedes: number | null;
  supersededBy: number | null;
  pinned: boolean;
}

export interface Added {
  id: number;
  /** True when an observation with the same content existed (nothing was stored). */
  duplicate: boolean;
}

export interface NewSummary {
  request?: string;
  investigated?: string;
  learned?: string;
  completed?: string;
  nextSteps?: string;
  notes?: string;
}

export interface Summary extends Required<NewSummary> {
  id: number;
  sessionId: string;
  project: string;
  createdAt: string;
}

/** A request for the host's LLM. Pass it back unchanged. */
export interface ExtractionRequest {
  sessionId: string;
  project: string;
  purpose: 'observations' | 'summary';
  systemPrompt: string;
  userPrompt: string;
  format: 'observations_json' | 'summary_json';
  maxOutputTokens: number;
  eventIds: number[];
  inputTokens: number;
  truncatedEventIds: number[];
  claim: string;
}

export interface Usage {
  model?: string;
  promptTokens?: number;
  completionTokens?: number;
}

/** What an LLM callback answers: the model's text, or the text with its usage. */
export type LlmAnswer = string | { text: string; usage?: Usage };

/** A problem with an LLM answer: `item` is the 0-based item it concerns, or null for the whole answer. */
export interface ParseIssue {
  item: number | null;
  reason: string;
}

export interface CompletionReport {
  stored: number[];
  duplicates: number[];
  issues: ParseIssue[];
  eventsExtracted: number;
}

export interface FailureReport {
  eventsFailed: number;
  eventsPending: number;
}

export interface ExtractionRun {
  requests: number;
  observationsStored: number;
  duplicates: number;
  eventsExtracted: number;
  failures: number;
  eventsFailed: number;
  issues: ParseIssue[];
  promptTokens: number;
  completionTokens: number;
}

export interface LedgerEntry {
  id: number;
  sessionId: string | null;
  project: string;
  purpose: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  eventIds: number[];
  outcome: string;
  detail: string | null;
  observations: number;
  createdAt: string;
}

export interface Mode {
  name: string;
  description?: string;
  kinds: { name: string; label: string; description: string }[];
  concepts?: { name: string; description: string }[];
  fallbackKind: string;
  prompts: {
    observationSystem: string;
    summarySystem: string;
    observationHeader: string;
    observationFooter: string;
    summaryHeader: string;
    summaryFooter: string;
  };
}

export interface SearchFilter {
  kinds?: ObservationKind[];
  files?: string[];
  concepts?: string[];
  sessionId?: string;
  since?: Timestamp;
  until?: Timestamp;
}

export interface SearchRequest {
  query: string;
  scope: Scope;
  filter?: SearchFilter;
  /** Files the host is working on: observations that name them rank higher. */
  files?: string[];
  mode?: 'fused' | 'lexical' | 'vector';
  /** Default 10. */
  limit?: number;
  offset?: number;
  now?: Timestamp;
}

export interface ScoreParts {
  textRank: number;
  bm25: number | null;
  vectorSimilarity: number | null;
  relevance: number;
  recency: number;
  kindWeight: number;
  importance: number;
  fileMatch: number;
  superseded: number;
  diversity: number;
}

export interface SearchHit {
  id: number;
  score: number;
  parts: ScoreParts;
  observation: Observation;
}

export interface ContextRequest {
  purpose?: 'session_start' | 'prompt';
  scope: Scope;
  /** The prompt, for `purpose: 'prompt'`. */
  query?: string;
  /** In tokens; default: the configured budget of the purpose. */
  budget?: number;
  files?: string[];
  now?: Timestamp;
}

export interface Context {
  /** Markdown, ready to inject; empty when nothing is worth saying. */
  text: string;
  observationIds: number[];
  detailedIds: number[];
  /** Conversation records (events) the text mentions: prompt contexts only. */
  recordIds: number[];
  detailedRecordIds: number[];
  /** Open items listed first at a session start: what the last sessions left unfinished. */
  openItemIds: number[];
  summaryId: number | null;
  tokens: number;
  budget: number;
}

export interface TimelineRequest {
  anchor: { observation: number } | { time: Timestamp };
  before: number;
  after: number;
  scope?: Scope;
}

export interface TimelineEntry {
  at: string;
  item: ({ type: 'observation' } & Observation) | ({ type: 'prompt' } & MemoryEvent);
}

export interface Timeline {
  entries: TimelineEntry[];
  anchorIndex: number;
}

export interface Stats {
  observations: number;
  /** Kind name -> count. */
  observationsByKind: Record<string, number>;
  sessions: number;
  summaries: number;
  events: number;
  pendingEvents: number;
  failedEvents: number;
  fileSizeBytes: number;
  schemaVersion: number;
}

export interface ExportOptions {
  project?: string;
  since?: Timestamp;
  until?: Timestamp;
  includeEvents?: boolean;
}

export interface RecordCounts {
  projects: number;
  sessions: number;
  prompts: number;
  events: number;
  observations: number;
  summaries: number;
  ledger: number;
}

export interface ExportReport {
  records: RecordCounts;
  bytes: number;
}

export interface ImportReport {
  formatVersion: number;
  schemaVersion: number;
  lines: number;
  added: RecordCounts;
  skipped: RecordCounts;
  unresolvedReferences: number;
  /** What the import noticed without refusing the file (a file cut short...). */
  warnings: string[];
}

export interface MarkdownReport {
  files: string[];
  sessions: number;
  observations: number;
  summaries: number;
}

export interface BackupReport {
  path: string;
  bytes: number;
  pages: number;
}

export interface TranscriptReport {
  sessionId: string;
  project: string;
  events: number;
  added: number;
  /** Kind -> count. */
  skipped: Record<string, number>;
  badLines: [number, string][];
}

export interface RetentionPolicy {
  maxAgeDays?: number;
  maxObservationsPerProject?: number;
  maxFileBytes?: number;
}

export interface PrunedObservation {
  id: number;
  project: string;
  kind: ObservationKind;
  title: string;
  createdAt: string;
  reason: 'age' | 'project_limit' | 'file_size';
}

export interface PruneReport {
  dryRun: boolean;
  observations: PrunedObservation[];
  events: number;
  /** Project name -> count. */
  eventsByProject: Record<string, number>;
  estimatedBytes: number;
  sizeLimitMet: boolean;
  /** False when the rows were removed but giving the space back failed (the store was busy). */
  spaceReclaimed: boolean;
  fileSizeBefore: number;
  fileSizeAfter: number;
}

/** memcore's `Config`, every field optional (`{ busyTimeoutMs: 5000 }`). */
export interface Config {
  busyTimeoutMs?: number;
  maxToolOutputBytes?: number;
  redaction?: {
    extraPatterns?: { kind: string; pattern: string }[];
    allowlist?: string[];
    [field: string]: unknown;
  };
  extraction?: {
    batchInputTokens?: number;
    maxEventTokens?: number;
    maxOutputTokens?: number;
    summaryInputTokens?: number;
    maxAttempts?: number;
    leaseSeconds?: number;
    [field: string]: unknown;
  };
  recall?: {
    /** Kind name -> weight. */
    kindWeights?: Record<string, number>;
    recencyHalfLifeDays?: number;
    sessionBudget?: number;
    promptBudget?: number;
    [field: string]: unknown;
  };
}

/** The host's embedding model. `embed` must answer synchronously. */
export interface Embedder {
  /** Names the vector space: model, version and dimension (`'minilm-l6-v2/d384'`). */
  id: string;
  /** The length of every vector. */
  dimension: number;
  /** The vector of `text`: `dimension` finite numbers (need not be normalised). */
  embed(text: string): ArrayLike<number>;
}

/** A synchronous LLM callback, for `setLlm()`. */
export type SyncLlm = (request: ExtractionRequest) => LlmAnswer;
/** An LLM callback that may answer with a promise, for `extractWith()` and `summarizeWith()`. */
export type AsyncLlm = (request: ExtractionRequest) => LlmAnswer | Promise<LlmAnswer>;

export interface ProjectOption {
  /** One project; absent: every project. */
  project?: string;
}

export interface ListOptions extends ProjectOption {
  limit?: number;
}

// ---------------------------------------------------------------------------------------------
// Memory

/** An open memcore store: one SQLite file. */
export declare class Memory {
  private constructor();

  /** Opens (creating it if needed) the store at `path` (default: `defaultPath()`). */
  static open(path?: string | null, config?: Config): Memory;

  /** The path the store was opened with. */
  readonly path: string;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /** Closes the store and releases its JavaScript callbacks; closing twice is harmless. */
  close(): void;
  [Symbol.dispose](): void;

  // Sessions
  startSession(session: NewSession): Session;
  endSession(sessionId: string): Session;
  session(sessionId: string): Session | null;
  recentSessions(options?: ListOptions): Session[];
  projects(): string[];

  // Events
  recordEvent(event: NewEvent): Recorded;
  events(sessionId: string, options?: { status?: 'all' | EventStatus }): MemoryEvent[];
  importTranscript(path: string, options?: ProjectOption): TranscriptReport;

  // Observations
  addObservation(observation: NewObservation): Added;
  get(ids: number | number[]): Observation[];
  recent(options?: ListOptions): Observation[];
  forget(id: number): boolean;
  pin(id: number, pinned?: boolean): boolean;

  // Summaries
  addSummary(sessionId: string, summary: NewSummary): Summary;
  latestSummary(options?: ProjectOption): Summary | null;
  summaryRequest(sessionId: string): ExtractionRequest | null;
  completeSummary(request: ExtractionRequest, answer: string, usage?: Usage): Summary | null;
  summarizeHeuristic(sessionId: string): Summary | null;
  summarize(sessionId: string): Summary | null;
  summarizeWith(sessionId: string, llm: AsyncLlm): Promise<Summary | null>;

  // Extraction
  nextExtraction(options?: ProjectOption): ExtractionRequest | null;
  completeExtraction(request: ExtractionRequest, answer: string, usage?: Usage): CompletionReport;
  failExtraction(request: ExtractionRequest, reason: string): FailureReport;
  extractHeuristic(options?: ProjectOption): ExtractionRun;
  extractPending(options?: ProjectOption): ExtractionRun;
  extractWith(llm: AsyncLlm, options?: ProjectOption): Promise<ExtractionRun>;
  retryFailed(options?: ProjectOption): number;
  ledger(options?: ListOptions): LedgerEntry[];
  mode(): Mode;
  setMode(mode: Mode): void;

  // Recall
  /** `search('coupon', { project: 'shop' })` or `search({ query, scope, ... })`. */
  search(query: string, scope: Scope): SearchHit[];
  search(request: SearchRequest): SearchHit[];
  context(request: ContextRequest): Context;
  timeline(request: TimelineRequest): Timeline;

  // Maintenance
  stats(options?: ProjectOption): Stats;
  integrityCheck(): string[];
  exportJsonl(path: string, options?: ExportOptions): ExportReport;
  importJsonl(path: string): ImportReport;
  exportMarkdown(dir: string, options?: ExportOptions): MarkdownReport;
  backup(destPath: string): BackupReport;
  importClaudeMem(path: string): Record<string, unknown>;
  prune(policy: RetentionPolicy, options?: { dryRun?: boolean }): PruneReport;

  // Host callbacks
  setEmbedder(embedder: Embedder): void;
  useBuiltinEmbedder(): void;
  disableEmbedder(): void;
  setLlm(llm: SyncLlm): void;
  clearLlm(): void;
}

export default Memory;
