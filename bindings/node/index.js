// memcore for Node: persistent memory for AI agents, over libmemcore's C ABI with koffi.
// SPDX-License-Identifier: Apache-2.0 OR MIT
//
// A thin translation: every method is one libmemcore call. Rich data crosses as the C API's
// JSON documents; this module adds and removes their `"v": 1` envelope and converts keys
// between JavaScript's camelCase and the documents' snake_case. Enum values (`'tool_use'`,
// `'session_start'`, `'bugfix'`) are the documents' own strings and are not converted.

import koffi from 'koffi';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedPlatformPackage, libraryName, missingPackageAdvice } from './platform.js';

/** The C ABI version this module was written against (`MEMCORE_ABI_VERSION`). */
export const ABI_VERSION = 1;
/** The version of the JSON documents this module writes (`MEMCORE_JSON_VERSION`). */
export const JSON_VERSION = 1;

const PACKAGE_DIR = dirname(fileURLToPath(import.meta.url));

/** libmemcore's status codes (`MemcoreStatus`), by name. */
export const Status = Object.freeze({
  OK: 0,
  INVALID_ARGUMENT: 1,
  NULL_POINTER: 2,
  INVALID_UTF8: 3,
  INVALID_JSON: 4,
  UNSUPPORTED_VERSION: 5,
  NOT_FOUND: 6,
  NOT_A_DATABASE: 7,
  SCHEMA_TOO_NEW: 8,
  READ_ONLY: 9,
  IO: 10,
  DATABASE: 11,
  BUSY: 12,
  CALLBACK: 13,
  POISONED: 14,
  PANIC: 15,
  INTERNAL: 16,
});

const STATUS_NAMES = new Map(Object.entries(Status).map(([name, value]) => [value, name]));

/**
 * A failed memcore call. `code` is the status's name (`'NOT_FOUND'`, `'INVALID_ARGUMENT'`...),
 * `status` its number (see `Status`). Errors raised by this module itself, before any library
 * call, have `status` -1 and one of the codes `'LIBRARY_NOT_FOUND'`, `'ABI_MISMATCH'`,
 * `'CLOSED'`; wrong arguments caught here are `'INVALID_ARGUMENT'` (status 1), as the
 * library would report them. A failure of a JavaScript callback (embedder, LLM) is
 * `'CALLBACK'`, with the callback's exception as `cause`.
 */
export class MemcoreError extends Error {
  constructor(message, { code, status, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'MemcoreError';
    this.status = status ?? -1;
    this.code = code ?? STATUS_NAMES.get(this.status) ?? 'UNKNOWN';
  }
}

function invalid(message) {
  return new MemcoreError(message, { code: 'INVALID_ARGUMENT', status: Status.INVALID_ARGUMENT });
}

// ---------------------------------------------------------------------------------------------
// Finding and binding the library

function libraryFileName() {
  return libraryName(process.platform);
}

function isDirectory(path) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where this module looks for libmemcore, in order: `$MEMCORE_LIB` alone when it is set (a
 * file, or a directory holding the library); else the `lib/` of this machine's prebuilt
 * package (`memcore-linux-x64-gnu`...), when it is installed; else next to the package
 * (`lib/`, `prebuilds/<platform>-<arch>/`, the package directory); else the repository
 * checkout's `target/release` and `target/debug`.
 */
export function libraryCandidates() {
  const name = libraryFileName();
  const fromEnv = process.env.MEMCORE_LIB;
  if (fromEnv) {
    return [isDirectory(fromEnv) ? join(fromEnv, name) : resolve(fromEnv)];
  }
  const prebuilt = installedPlatformPackage();
  return [
    ...(prebuilt === null ? [] : [prebuilt.library]),
    join(PACKAGE_DIR, 'lib', name),
    join(PACKAGE_DIR, 'prebuilds', `${process.platform}-${process.arch}`, name),
    join(PACKAGE_DIR, name),
    resolve(PACKAGE_DIR, '..', '..', 'target', 'release', name),
    resolve(PACKAGE_DIR, '..', '..', 'target', 'debug', name),
  ];
}

/** This package's version (package.json), for the advice of a missing library. */
function packageVersion() {
  try {
    return JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')).version ?? null;
  } catch {
    return null;
  }
}

let native = null;

function ffi() {
  if (native === null) native = bind();
  return native;
}

function bind() {
  const candidates = libraryCandidates();
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    throw new MemcoreError(
      `libmemcore not found; looked at:\n  ${candidates.join('\n  ')}\n` +
        (process.env.MEMCORE_LIB
          ? 'MEMCORE_LIB names no library: set it to libmemcore or to the directory holding it.'
          : `${missingPackageAdvice(packageVersion())}\n` +
            'In a checkout: cargo build --release -p memcore-ffi, or set MEMCORE_LIB to the library.'),
      { code: 'LIBRARY_NOT_FOUND' },
    );
  }
  let lib;
  try {
    lib = koffi.load(path);
  } catch (error) {
    throw new MemcoreError(`cannot load libmemcore from ${path}: ${error.message}`, {
      code: 'LIBRARY_NOT_FOUND',
      cause: error,
    });
  }

  // Types. Every string the library returns is taken as a raw pointer (`void **` out), decoded
  // and freed with memcore_string_free() by take().
  koffi.opaque('MemcoreStore');
  const EmbedFn = koffi.proto(
    'int32_t MemcoreEmbedFn(void *user_data, const char *text, float *out_vector, size_t dimension)',
  );
  const CompleteFn = koffi.proto(
    'int32_t MemcoreCompleteFn(void *user_data, const char *request_json, void **out_answer_json)',
  );
  const FreeFn = koffi.proto('void MemcoreFreeUserDataFn(void *user_data)');
  koffi.struct('MemcoreEmbedder', {
    user_data: 'void *',
    id: 'const char *',
    dimension: 'size_t',
    embed: koffi.pointer(EmbedFn),
    free_user_data: koffi.pointer(FreeFn),
  });
  koffi.struct('MemcoreLlm', {
    user_data: 'void *',
    complete: koffi.pointer(CompleteFn),
    free_user_data: koffi.pointer(FreeFn),
  });

  const S = 'const MemcoreStore *store';
  const OUT = '_Out_ void **out';
  const f = (proto) => lib.func(proto);
  const n = {
    path,
    EmbedFnPtr: koffi.pointer(EmbedFn),
    CompleteFnPtr: koffi.pointer(CompleteFn),
    version: f('const char *memcore_version(void)'),
    abiVersion: f('uint32_t memcore_abi_version(void)'),
    lastErrorMessage: f('const char *memcore_last_error_message(void)'),
    stringFree: f('void memcore_string_free(void *s)'),
    stringNew: f('void *memcore_string_new(const char *s)'),
    open: f('int memcore_open(const char *path, const char *config_json, _Out_ MemcoreStore **out_store)'),
    close: f('void memcore_close(MemcoreStore *store)'),
    defaultPath: f(`int memcore_default_path(${OUT})`),
    resolveProject: f(`int memcore_resolve_project(const char *name, const char *cwd, ${OUT})`),
    sessionStart: f(`int memcore_session_start(${S}, const char *json, ${OUT})`),
    sessionEnd: f(`int memcore_session_end(${S}, const char *id, ${OUT})`),
    sessionGet: f(`int memcore_session_get(${S}, const char *id, ${OUT})`),
    sessionsRecent: f(`int memcore_sessions_recent(${S}, const char *project, size_t limit, ${OUT})`),
    projects: f(`int memcore_projects(${S}, ${OUT})`),
    eventRecord: f(
      `int memcore_event_record(${S}, const char *json, _Out_ int64_t *out_id, _Out_ bool *out_inserted)`,
    ),
    events: f(`int memcore_events(${S}, const char *session_id, int32_t status, ${OUT})`),
    importTranscript: f(`int memcore_import_transcript(${S}, const char *path, const char *project, ${OUT})`),
    observationAdd: f(
      `int memcore_observation_add(${S}, const char *json, _Out_ int64_t *out_id, _Out_ bool *out_duplicate)`,
    ),
    get: f(`int memcore_get(${S}, const int64_t *ids, size_t ids_len, ${OUT})`),
    recent: f(`int memcore_recent(${S}, const char *project, size_t limit, ${OUT})`),
    forget: f(`int memcore_forget(${S}, int64_t id, _Out_ bool *out_forgotten)`),
    summaryAdd: f(`int memcore_summary_add(${S}, const char *session_id, const char *json, ${OUT})`),
    summaryLatest: f(`int memcore_summary_latest(${S}, const char *project, ${OUT})`),
    summaryRequest: f(`int memcore_summary_request(${S}, const char *session_id, ${OUT})`),
    summaryComplete: f(
      `int memcore_summary_complete(${S}, const char *request, const char *answer, const char *usage, ${OUT})`,
    ),
    summarizeHeuristic: f(`int memcore_summarize_heuristic(${S}, const char *session_id, ${OUT})`),
    summarize: f(`int memcore_summarize(${S}, const char *session_id, ${OUT})`),
    extractionNext: f(`int memcore_extraction_next(${S}, const char *project, ${OUT})`),
    extractionComplete: f(
      `int memcore_extraction_complete(${S}, const char *request, const char *answer, const char *usage, ${OUT})`,
    ),
    extractionFail: f(`int memcore_extraction_fail(${S}, const char *request, const char *reason, ${OUT})`),
    extractHeuristic: f(`int memcore_extract_heuristic(${S}, const char *project, ${OUT})`),
    extractPending: f(`int memcore_extract_pending(${S}, const char *project, ${OUT})`),
    retryFailed: f(`int memcore_retry_failed(${S}, const char *project, _Out_ uint64_t *out_count)`),
    ledger: f(`int memcore_ledger(${S}, const char *project, size_t limit, ${OUT})`),
    setMode: f(`int memcore_set_mode(${S}, const char *json)`),
    mode: f(`int memcore_mode(${S}, ${OUT})`),
    search: f(`int memcore_search(${S}, const char *json, ${OUT})`),
    context: f(`int memcore_context(${S}, const char *json, ${OUT})`),
    timeline: f(`int memcore_timeline(${S}, const char *json, ${OUT})`),
    stats: f(`int memcore_stats(${S}, const char *project, ${OUT})`),
    integrityCheck: f(`int memcore_integrity_check(${S}, ${OUT})`),
    exportJsonl: f(`int memcore_export_jsonl(${S}, const char *path, const char *options, ${OUT})`),
    importJsonl: f(`int memcore_import_jsonl(${S}, const char *path, ${OUT})`),
    exportMarkdown: f(`int memcore_export_markdown(${S}, const char *dir, const char *options, ${OUT})`),
    backup: f(`int memcore_backup(${S}, const char *dest_path, ${OUT})`),
    importClaudeMem: f(`int memcore_import_claude_mem(${S}, const char *path, ${OUT})`),
    prune: f(`int memcore_prune(${S}, const char *policy, bool dry_run, ${OUT})`),
    pin: f(`int memcore_pin(${S}, int64_t id, bool pinned, _Out_ bool *out_found)`),
    setEmbedder: f(`int memcore_set_embedder(${S}, const MemcoreEmbedder *embedder)`),
    useBuiltinEmbedder: f(`int memcore_use_builtin_embedder(${S})`),
    disableEmbedder: f(`int memcore_disable_embedder(${S})`),
    setLlm: f(`int memcore_set_llm(${S}, const MemcoreLlm *llm)`),
    clearLlm: f(`int memcore_clear_llm(${S})`),
  };
  const abi = n.abiVersion();
  if (abi !== ABI_VERSION) {
    throw new MemcoreError(
      `libmemcore at ${path} has C ABI version ${abi}; this package needs ${ABI_VERSION}`,
      { code: 'ABI_MISMATCH' },
    );
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Statuses, strings and documents

function failure(status, cause) {
  const message = ffi().lastErrorMessage() || `libmemcore call failed with status ${status}`;
  return new MemcoreError(message, { status, cause });
}

function check(status, cause) {
  if (status !== 0) throw failure(status, cause);
}

/** Decodes a string the library returned (a raw pointer, or null) and frees it. */
function take(pointer) {
  if (pointer === null || pointer === 0n) return null;
  try {
    return koffi.decode.string(pointer);
  } finally {
    ffi().stringFree(pointer);
  }
}

// Keys whose values are data, not document fields: passed through without key conversion.
const OPAQUE_KEYS = new Set([
  'input', // a tool call's input: any JSON the host recorded
  'observations_by_kind', // kind name -> count
  'kind_weights', // kind name -> weight
  'events_by_project', // project name -> count
  'skipped', // kind name -> count
]);

// Key conversions, memoised: documents use a few dozen field names over and over.
function memoised(convert) {
  const cache = new Map();
  return (key) => {
    let converted = cache.get(key);
    if (converted === undefined) {
      converted = convert(key);
      if (cache.size < 4096) cache.set(key, converted);
    }
    return converted;
  };
}
const toCamelKey = memoised((key) => key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()));
const toSnakeKey = memoised((key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

function camelize(value) {
  if (Array.isArray(value)) return value.map(camelize);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, item] of Object.entries(value)) {
    out[toCamelKey(key)] = OPAQUE_KEYS.has(key) ? item : camelize(item);
  }
  return out;
}

function snakify(value) {
  if (Array.isArray(value)) return value.map(snakify);
  if (value instanceof Date) return value.toISOString();
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, item] of Object.entries(value)) {
    const snake = toSnakeKey(key);
    out[snake] = OPAQUE_KEYS.has(snake) ? item : snakify(item);
  }
  return out;
}

/** A JavaScript object as a document: snake_case keys, with `"v": 1`. */
function doc(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`expected an object, got ${value === null ? 'null' : typeof value}`);
  }
  const converted = snakify(value);
  converted.v = JSON_VERSION;
  return JSON.stringify(converted);
}

/** A document as a JavaScript object: camelCase keys, without `v`; null stays null. */
function undoc(json) {
  if (json === null) return null;
  const { v: _v, ...rest } = JSON.parse(json);
  return camelize(rest);
}

// Extraction requests go back to the library exactly as it wrote them.
const RAW_REQUESTS = new WeakMap();

function request(json) {
  const value = undoc(json);
  if (value !== null) RAW_REQUESTS.set(value, json);
  return value;
}

function requestDoc(value) {
  if (value !== null && typeof value === 'object' && RAW_REQUESTS.has(value)) {
    return RAW_REQUESTS.get(value);
  }
  return doc(value);
}

function optionalDoc(value) {
  return value === undefined || value === null ? null : doc(value);
}

function optionalString(value, what) {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(`${what} must be a string`);
  return value;
}

function requiredString(value, what) {
  if (typeof value !== 'string') throw invalid(`${what} must be a string`);
  return value;
}

function limitArg(value, fallback) {
  const limit = value ?? fallback;
  if (!Number.isSafeInteger(limit) || limit < 0) throw invalid('limit must be a non-negative integer');
  return limit;
}

function idArg(value, what = 'id') {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value)) throw invalid(`${what} must be an integer`);
  return value;
}

function usageDoc(usage) {
  return usage === undefined || usage === null ? null : doc(usage);
}

const EVENT_FILTERS = { all: 0, pending: 1, extracted: 2, skipped: 3, failed: 4 };

// ---------------------------------------------------------------------------------------------
// Module functions

/** The version of the loaded libmemcore (`"0.1.0"`). */
export function version() {
  return ffi().version();
}

/** The C ABI version of the loaded libmemcore. */
export function abiVersion() {
  return ffi().abiVersion();
}

/** The path of the libmemcore this module loaded (loading it if needed). */
export function libraryPath() {
  return ffi().path;
}

/** The store path when the host has no preference: `$MEMCORE_DB`, else the user's data dir. */
export function defaultPath() {
  const out = [null];
  check(ffi().defaultPath(out));
  return take(out[0]);
}

/**
 * memcore's one project resolver: `name` when given and not blank, else the git repository
 * holding `cwd` (a worktree resolves to its main repository), else `cwd`'s folder name.
 */
export function resolveProject(name, cwd = process.cwd()) {
  const out = [null];
  check(ffi().resolveProject(optionalString(name, 'name'), requiredString(cwd, 'cwd'), out));
  return take(out[0]);
}

// ---------------------------------------------------------------------------------------------
// Memory

// Handles of Memory objects dropped without close(): closed when collected.
const LEAKED = new FinalizationRegistry((state) => {
  if (state.handle !== null) {
    native.close(state.handle);
    state.handle = null;
  }
  for (const callback of state.callbacks.values()) koffi.unregister(callback);
  state.callbacks.clear();
});

/** An open memcore store: one SQLite file. Open it with `Memory.open()`, end with `close()`. */
export class Memory {
  // { handle, callbacks: Map<'embedder'|'llm', registered pointer> }, shared with LEAKED.
  #state;
  #path;
  // The exception a JavaScript callback threw during the current call, if any.
  #callbackError = undefined;

  constructor(token, handle, path) {
    if (token !== CONSTRUCT) throw new TypeError('use Memory.open() to open a store');
    this.#state = { handle, callbacks: new Map() };
    this.#path = path;
    LEAKED.register(this, this.#state, this);
  }

  /**
   * Opens (creating it if needed) the store at `path` (default: `defaultPath()`), with an
   * optional config (`{ busyTimeoutMs, maxToolOutputBytes, redaction, extraction, recall }`).
   */
  static open(path, config) {
    const n = ffi();
    const file = path === undefined || path === null ? defaultPath() : requiredString(path, 'path');
    const out = [null];
    check(n.open(file, optionalDoc(config), out));
    return new Memory(CONSTRUCT, out[0], file);
  }

  /** The path the store was opened with. */
  get path() {
    return this.#path;
  }

  /** Whether `close()` was called. */
  get closed() {
    return this.#state.handle === null;
  }

  /** Closes the store and releases the JavaScript callbacks it holds. Closing twice is harmless. */
  close() {
    const state = this.#state;
    if (state.handle === null) return;
    ffi().close(state.handle);
    state.handle = null;
    for (const callback of state.callbacks.values()) koffi.unregister(callback);
    state.callbacks.clear();
    LEAKED.unregister(this);
  }

  #handle() {
    const handle = this.#state.handle;
    if (handle === null) throw new MemcoreError('the store is closed', { code: 'CLOSED' });
    return handle;
  }

  // Calls fn(handle, ...args, out) for a string out-argument and returns the string.
  #string(fn, ...args) {
    const out = [null];
    this.#callbackError = undefined;
    const status = fn(this.#handle(), ...args, out);
    const cause = this.#callbackError;
    this.#callbackError = undefined;
    check(status, cause);
    return take(out[0]);
  }

  #doc(fn, ...args) {
    return undoc(this.#string(fn, ...args));
  }

  #status(fn, ...args) {
    this.#callbackError = undefined;
    const status = fn(this.#handle(), ...args);
    const cause = this.#callbackError;
    this.#callbackError = undefined;
    check(status, cause);
  }

  // Sessions ------------------------------------------------------------------------------

  /**
   * Starts a session (or reopens one the host resumes under the same id). `project` defaults
   * to `resolveProject(undefined, process.cwd())`.
   */
  startSession(session) {
    const value = { ...session };
    if (value.project === undefined || value.project === null) value.project = resolveProject();
    return this.#doc(ffi().sessionStart, doc(value));
  }

  /** Marks a session ended; ending it again is harmless. */
  endSession(sessionId) {
    return this.#doc(ffi().sessionEnd, requiredString(sessionId, 'sessionId'));
  }

  /** A session by id, or null. */
  session(sessionId) {
    return this.#doc(ffi().sessionGet, requiredString(sessionId, 'sessionId'));
  }

  /** The newest sessions, newest first (of `project`, or of every project). */
  recentSessions({ project, limit } = {}) {
    return this.#doc(ffi().sessionsRecent, optionalString(project, 'project'), limitArg(limit, 10)).sessions;
  }

  /** Every project name in the store. */
  projects() {
    return this.#doc(ffi().projects).projects;
  }

  // Events --------------------------------------------------------------------------------

  /**
   * Records an event of a started session, redacted and committed before the call returns:
   * `{ sessionId, payload, externalId?, occurredAt? }`, `payload` one of
   * `{ type: 'user_prompt' | 'assistant_message' | 'note', text }` or
   * `{ type: 'tool_use', toolName, input?, output?, error?, toolUseId? }`.
   * Returns `{ id, inserted }` (`inserted` false for a repeated idempotency key).
   */
  recordEvent(event) {
    const id = [0];
    const inserted = [false];
    this.#status(ffi().eventRecord, doc(event), id, inserted);
    return { id: id[0], inserted: inserted[0] };
  }

  /** The events of a session in order; `status` selects one status (default `'all'`). */
  events(sessionId, { status = 'all' } = {}) {
    const filter = EVENT_FILTERS[status];
    if (filter === undefined) throw invalid(`unknown event status ${JSON.stringify(status)}`);
    return this.#doc(ffi().events, requiredString(sessionId, 'sessionId'), filter).events;
  }

  /** Imports a Claude Code transcript (`.jsonl`) as one session; idempotent. */
  importTranscript(path, { project } = {}) {
    return this.#doc(ffi().importTranscript, requiredString(path, 'path'), optionalString(project, 'project'));
  }

  // Observations --------------------------------------------------------------------------

  /**
   * Stores an observation (redacted) unless the same content exists in its project:
   * `{ title, project? | sessionId?, kind?, subtitle?, narrative?, facts?, concepts?,
   * filesRead?, filesModified?, sourceEventIds?, importance?, supersedes?, createdAt? }`.
   * Returns `{ id, duplicate }`.
   */
  addObservation(observation) {
    const id = [0];
    const duplicate = [false];
    this.#status(ffi().observationAdd, doc(observation), id, duplicate);
    return { id: id[0], duplicate: duplicate[0] };
  }

  /** Observations by id (one id or an array), in the order asked; unknown ids left out. */
  get(ids) {
    const list = (Array.isArray(ids) ? ids : [ids]).map((id) => idArg(id));
    return this.#doc(ffi().get, list.length === 0 ? null : list, list.length).observations;
  }

  /** The newest observations, newest first (of `project`, or of every project). */
  recent({ project, limit } = {}) {
    return this.#doc(ffi().recent, optionalString(project, 'project'), limitArg(limit, 10)).observations;
  }

  /** Forgets an observation (recoverable with `memcore forget --undo` until purged); true when one was forgotten. */
  forget(id) {
    const forgotten = [false];
    this.#status(ffi().forget, idArg(id), forgotten);
    return forgotten[0];
  }

  /** Pins (or, with `pinned` false, unpins) an observation; false when no such id. */
  pin(id, pinned = true) {
    const found = [false];
    this.#status(ffi().pin, idArg(id), Boolean(pinned), found);
    return found[0];
  }

  // Summaries -----------------------------------------------------------------------------

  /** Stores a summary of a session: `{ request?, investigated?, learned?, completed?, nextSteps?, notes? }`. */
  addSummary(sessionId, summary) {
    return this.#doc(ffi().summaryAdd, requiredString(sessionId, 'sessionId'), doc(summary));
  }

  /** The newest summary (of `project`, or of any project), or null. */
  latestSummary({ project } = {}) {
    return this.#doc(ffi().summaryLatest, optionalString(project, 'project'));
  }

  /** The summary request of a session for the host's LLM, or null when it has no events. */
  summaryRequest(sessionId) {
    return request(this.#string(ffi().summaryRequest, requiredString(sessionId, 'sessionId')));
  }

  /** Stores the summary the model wrote for `summaryRequest()`; null when it skipped. */
  completeSummary(summaryRequest, answer, usage) {
    return this.#doc(
      ffi().summaryComplete,
      requestDoc(summaryRequest),
      requiredString(answer, 'answer'),
      usageDoc(usage),
    );
  }

  /** Summarises a session by rules (no LLM, no cost) and stores it; null when nothing to say. */
  summarizeHeuristic(sessionId) {
    return this.#doc(ffi().summarizeHeuristic, requiredString(sessionId, 'sessionId'));
  }

  /** Summarises a session with the LLM of `setLlm()` (heuristic fallback) and stores it. */
  summarize(sessionId) {
    return this.#doc(ffi().summarize, requiredString(sessionId, 'sessionId'));
  }

  /**
   * Summarises a session with an asynchronous LLM: `llm(request)` returns (a promise of) the
   * model's text or `{ text, usage? }`. Falls back to the heuristic summary when it throws.
   */
  async summarizeWith(sessionId, llm) {
    const summaryRequest = this.summaryRequest(sessionId);
    if (summaryRequest === null) return null;
    let answer;
    try {
      answer = answerOf(await llm(summaryRequest));
    } catch {
      return this.summarizeHeuristic(sessionId);
    }
    return this.completeSummary(summaryRequest, answer.text, answer.usage);
  }

  // Extraction ----------------------------------------------------------------------------

  /**
   * Claims the next batch of pending events (of `project`, or of any) and returns the request
   * for the host's LLM, or null when nothing is pending. Pass it back unchanged to
   * `completeExtraction()` or `failExtraction()`.
   */
  nextExtraction({ project } = {}) {
    return request(this.#string(ffi().extractionNext, optionalString(project, 'project')));
  }

  /**
   * Completes a request with the model's answer (its text): parses it, stores the
   * observations, marks the events extracted, records the cost. `usage` is optional
   * `{ model?, promptTokens?, completionTokens? }`.
   */
  completeExtraction(extractionRequest, answer, usage) {
    return this.#doc(
      ffi().extractionComplete,
      requestDoc(extractionRequest),
      requiredString(answer, 'answer'),
      usageDoc(usage),
    );
  }

  /** Reports that the model failed on a request: its events stay pending (or fail at the limit). */
  failExtraction(extractionRequest, reason) {
    return this.#doc(ffi().extractionFail, requestDoc(extractionRequest), String(reason));
  }

  /** Extracts every pending event (of `project`, or of any) by rules: no LLM, no cost. */
  extractHeuristic({ project } = {}) {
    return this.#doc(ffi().extractHeuristic, optionalString(project, 'project'));
  }

  /** Extracts every pending event with the LLM of `setLlm()`, one call per batch. */
  extractPending({ project } = {}) {
    return this.#doc(ffi().extractPending, optionalString(project, 'project'));
  }

  /**
   * Extracts every pending event with an asynchronous LLM, as `extractPending()` does with a
   * synchronous one: `llm(request)` returns (a promise of) the model's text or
   * `{ text, usage? }`. A throw fails that batch and ends the run, as `extractPending()`
   * makes one attempt per batch per run: the events stay pending for a later run, and after
   * `extraction.maxAttempts` failed runs they are marked failed (kept). Returns the totals.
   */
  async extractWith(llm, { project } = {}) {
    const run = {
      requests: 0,
      observationsStored: 0,
      duplicates: 0,
      eventsExtracted: 0,
      failures: 0,
      eventsFailed: 0,
      issues: [],
      promptTokens: 0,
      completionTokens: 0,
    };
    for (;;) {
      const next = this.nextExtraction({ project });
      if (next === null) return run;
      run.requests += 1;
      let answer;
      try {
        answer = answerOf(await llm(next));
      } catch (error) {
        run.failures += 1;
        run.eventsFailed += this.failExtraction(next, error?.message ?? String(error)).eventsFailed;
        // A model that fails now would fail the next batch too: the next run tries again.
        return run;
      }
      run.promptTokens += answer.usage?.promptTokens ?? next.inputTokens;
      run.completionTokens += answer.usage?.completionTokens ?? 0;
      let report;
      try {
        report = this.completeExtraction(next, answer.text, answer.usage);
      } catch (error) {
        // An unusable answer counts as a failed attempt: its events are pending again.
        if (!(error instanceof MemcoreError) || error.code !== 'INVALID_ARGUMENT') throw error;
        run.failures += 1;
        run.issues.push({ item: null, reason: error.message });
        continue;
      }
      run.observationsStored += report.stored.length;
      run.duplicates += report.duplicates.length;
      run.eventsExtracted += report.eventsExtracted;
      run.issues.push(...report.issues);
    }
  }

  /** Makes failed events pending again; returns how many. */
  retryFailed({ project } = {}) {
    const count = [0];
    this.#status(ffi().retryFailed, optionalString(project, 'project'), count);
    return Number(count[0]);
  }

  /** The newest rows of the extraction ledger (one per LLM call or heuristic batch). */
  ledger({ project, limit } = {}) {
    return this.#doc(ffi().ledger, optionalString(project, 'project'), limitArg(limit, 20)).entries;
  }

  /** The extraction mode in use (kinds, concepts, prompt texts). */
  mode() {
    return this.#doc(ffi().mode);
  }

  /** Replaces this handle's extraction mode (start from `mode()`). */
  setMode(mode) {
    this.#status(ffi().setMode, doc(mode));
  }

  // Recall --------------------------------------------------------------------------------

  /**
   * Searches the observations, best first: `search(text, scope)`, or `search(request)` with a
   * request `{ query, scope, filter?, files?, mode?, limit?, offset?, now? }`. `scope` is
   * `{ project }` or `'all'`, and required: memcore does not guess the project from the
   * working directory (a search without one fails with `INVALID_ARGUMENT`).
   */
  search(query, scope) {
    const value = typeof query === 'string' ? { query, scope } : query;
    return this.#doc(ffi().search, doc(value)).hits;
  }

  /**
   * Renders what memory holds for a session start or a prompt as markdown within a token
   * budget: `{ purpose?, scope, query?, budget?, files?, now? }` (`scope` required, as in a
   * search).
   */
  context(contextRequest) {
    return this.#doc(ffi().context, doc(contextRequest));
  }

  /** Observations and prompts around an observation or a moment: `{ anchor, before, after, scope? }`. */
  timeline(timelineRequest) {
    return this.#doc(ffi().timeline, doc(timelineRequest));
  }

  // Maintenance ---------------------------------------------------------------------------

  /** Counts (of `project`, or of the whole store), file size and schema version. */
  stats({ project } = {}) {
    return this.#doc(ffi().stats, optionalString(project, 'project'));
  }

  /** SQLite's integrity check: `['ok']` for a sound file. */
  integrityCheck() {
    return this.#doc(ffi().integrityCheck).findings;
  }

  /** Writes the store (or a part: `{ project?, since?, until?, includeEvents? }`) as JSON Lines. */
  exportJsonl(path, options) {
    return this.#doc(ffi().exportJsonl, requiredString(path, 'path'), optionalDoc(options));
  }

  /** Merges a JSONL export into the store, skipping what is there; all or nothing. */
  importJsonl(path) {
    return this.#doc(ffi().importJsonl, requiredString(path, 'path'));
  }

  /** Writes the store as Markdown files (one per project) into `dir`. */
  exportMarkdown(dir, options) {
    return this.#doc(ffi().exportMarkdown, requiredString(dir, 'dir'), optionalDoc(options));
  }

  /** Writes a consistent copy of the store to `destPath`, a new file. */
  backup(destPath) {
    return this.#doc(ffi().backup, requiredString(destPath, 'destPath'));
  }

  /** Imports a claude-mem database; importing again adds only what is new. */
  importClaudeMem(path) {
    return this.#doc(ffi().importClaudeMem, requiredString(path, 'path'));
  }

  /**
   * Applies a retention policy `{ maxAgeDays?, maxObservationsPerProject?, maxFileBytes? }`,
   * or with `{ dryRun: true }` only reports what it would remove.
   */
  prune(policy, { dryRun = false } = {}) {
    return this.#doc(ffi().prune, doc(policy), Boolean(dryRun));
  }

  // Host callbacks ------------------------------------------------------------------------

  /**
   * Gives the store the host's embedding model: `{ id, dimension, embed(text) }`, where
   * `embed` returns synchronously an array (or Float32Array) of `dimension` finite numbers.
   * `id` names the vector space (`'minilm-l6-v2/d384'`).
   */
  setEmbedder(embedder) {
    const n = ffi();
    const handle = this.#handle();
    if (embedder === null || typeof embedder !== 'object') throw invalid('embedder must be an object');
    const { id, dimension, embed } = embedder;
    if (typeof embed !== 'function') throw invalid('embedder.embed must be a function');
    if (typeof id !== 'string') throw invalid('embedder.id must be a string');
    if (!Number.isSafeInteger(dimension) || dimension < 1) {
      throw invalid('embedder.dimension must be a positive integer');
    }
    const trampoline = (_userData, text, outVector, size) => {
      try {
        const vector = embed.call(embedder, text);
        if (vector !== null && typeof vector?.then === 'function') {
          throw new TypeError('embed() must return a vector synchronously, not a promise');
        }
        if (vector?.length !== Number(size)) {
          throw new TypeError(`embed() returned ${vector?.length} values, expected ${size}`);
        }
        new Float32Array(koffi.view(outVector, Number(size) * 4)).set(vector);
        return 0;
      } catch (error) {
        this.#callbackError = error;
        return 1;
      }
    };
    const pointer = koffi.register(trampoline, n.EmbedFnPtr);
    const struct = { user_data: null, id, dimension, embed: pointer, free_user_data: null };
    this.#replaceCallback('embedder', pointer, () => n.setEmbedder(handle, struct));
  }

  /** Makes the store use the built-in embedder again (the default). */
  useBuiltinEmbedder() {
    const handle = this.#handle();
    this.#replaceCallback('embedder', null, () => ffi().useBuiltinEmbedder(handle));
  }

  /** Turns vectors off: search uses full text only. */
  disableEmbedder() {
    const handle = this.#handle();
    this.#replaceCallback('embedder', null, () => ffi().disableEmbedder(handle));
  }

  /**
   * Gives the store the host's LLM for `extractPending()` and `summarize()`: `llm(request)`
   * returns synchronously the model's text or `{ text, usage? }`; a throw fails that batch.
   * For an asynchronous client, use `extractWith()` and `summarizeWith()`.
   */
  setLlm(llm) {
    const n = ffi();
    const handle = this.#handle();
    if (typeof llm !== 'function') throw invalid('llm must be a function');
    const trampoline = (_userData, requestJson, outAnswer) => {
      let answer;
      try {
        const result = llm(request(requestJson));
        if (result !== null && typeof result?.then === 'function') {
          throw new TypeError('the LLM callback must answer synchronously; use extractWith() for a promise');
        }
        answer = JSON.stringify({ v: JSON_VERSION, ...snakify(answerOf(result)) });
      } catch (error) {
        koffi.encode(outAnswer, 'void *', n.stringNew(String(error?.message ?? error)));
        return 1;
      }
      koffi.encode(outAnswer, 'void *', n.stringNew(answer));
      return 0;
    };
    const pointer = koffi.register(trampoline, n.CompleteFnPtr);
    const struct = { user_data: null, complete: pointer, free_user_data: null };
    this.#replaceCallback('llm', pointer, () => n.setLlm(handle, struct));
  }

  /** Removes the LLM set with `setLlm()`. */
  clearLlm() {
    const handle = this.#handle();
    this.#replaceCallback('llm', null, () => ffi().clearLlm(handle));
  }

  // Installs (or clears) a registered callback: the library drops the old one during `call`,
  // so the old registration is released after it; on failure the new one is released.
  #replaceCallback(slot, pointer, call) {
    const callbacks = this.#state.callbacks;
    const status = call();
    if (status !== 0) {
      if (pointer !== null) koffi.unregister(pointer);
      throw failure(status);
    }
    const old = callbacks.get(slot);
    if (old !== undefined) koffi.unregister(old);
    if (pointer === null) callbacks.delete(slot);
    else callbacks.set(slot, pointer);
  }
}

const CONSTRUCT = Symbol('Memory.open');

// `using mem = Memory.open(...)` closes the store (where the runtime has Symbol.dispose).
if (typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(Memory.prototype, Symbol.dispose, {
    value: function dispose() {
      this.close();
    },
    writable: true,
    configurable: true,
  });
}

function answerOf(result) {
  if (typeof result === 'string') return { text: result };
  if (result !== null && typeof result === 'object' && typeof result.text === 'string') {
    return { text: result.text, usage: result.usage };
  }
  throw new TypeError('the LLM must answer with a string or { text, usage? }');
}

export default Memory;
