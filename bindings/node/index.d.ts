// Type declarations for memcore's Node bindings (index.js).
// SPDX-License-Identifier: Apache-2.0 OR MIT
//
// Timestamps are RFC 3339 strings ("2026-11-24T10:31:00Z"); a Date is accepted wherever a
// timestamp goes in. Ids of events and observations are integers, ids of sessions the host's
// own strings. Objects returned may gain fields in later versions.

// The records: generated from libmemcore's own definitions (see records.d.ts).
import type {
  Added,
  BackupReport,
  CompletionReport,
  Context,
  EventStatus,
  ExportOptions,
  ExportReport,
  ExtractionRequest,
  ExtractionRun,
  FailureReport,
  ImportReport,
  LedgerEntry,
  MemoryEvent,
  NewEvent,
  NewObservation,
  NewSession,
  NewSummary,
  Observation,
  PruneReport,
  Recorded,
  RetentionPolicy,
  SearchHit,
  Session,
  Stats,
  Summary,
  Timeline,
  Usage,
} from './records.js';
export * from './records.js';

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
 * directory); else the `lib/` of this machine's prebuilt package (`memcore-linux-x64-gnu`...)
 * when it is installed; else `lib/`, `prebuilds/<platform>-<arch>/` and the package
 * directory; else `../../target/release` and `../../target/debug` from the package (a
 * repository checkout).
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
//
// The records (sessions, events, observations, summaries, extraction requests and reports,
// search hits, contexts, timelines, statistics, the reports of export, import, backup and
// retention) are in records.d.ts, re-exported above. The types here are this package's own:
// requests, options, callbacks and unions.

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

/** What an LLM callback answers: the model's text, or the text with its usage. */
export type LlmAnswer = string | { text: string; usage?: Usage };

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

export interface TimelineRequest {
  anchor: { observation: number } | { time: Timestamp };
  before: number;
  after: number;
  scope?: Scope;
}

export interface MarkdownReport {
  files: string[];
  sessions: number;
  observations: number;
  summaries: number;
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
