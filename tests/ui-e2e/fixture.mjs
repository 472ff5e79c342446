// Builds the store the end-to-end tests look at, only through the `memcore` command (what a
// user's store is made of): hook JSON on stdin for sessions, `memcore extract --wait` for the
// heuristic extraction (observations, summaries, `heuristic` ledger rows), `memcore import`
// for observations of every kind spread over past days and for LLM ledger rows (the importer
// is the one way to put a dated record or a model's token counts in a store without calling a
// model), and last a session whose SessionStart and UserPromptSubmit hooks record what memory
// injected.
//
// Usage: node fixture.mjs DIR [MEMCORE]     (builds DIR/data/memory.db; prints what it made)
// As a module: buildFixture(dir, bin) -> the facts the tests check against (see FACTS).

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const DAY = 24 * 3600 * 1000;

// What the tests look for. Titles are unique in the store, so a test finds a row by its title.
export const FACTS = {
  projects: ['shop', 'billing', 'docs-site', 'scratch'],
  // A session recorded through every hook and extracted: prompt, tool calls, assistant
  // message, observations, summary.
  timelineSession: 'shop-1',
  timelinePrompt: 'The cart total is wrong when a coupon is used',
  timelineAssistant: 'Removed the second coupon subtraction; the cart tests pass.',
  timelineFile: 'src/cart/coupon.rs',
  // The session whose SessionStart and UserPromptSubmit injected memories.
  injectionSession: 'shop-2',
  injectionPrompt: 'How do we stop duplicate webhook deliveries?',
  // Search: a query whose words are in one observation's title and narrative.
  searchQuery: 'webhook idempotency',
  searchTitle: 'Idempotency keys stop duplicate webhook deliveries',
  // Landing filter: the project with a known number of observations, all imported.
  filterProject: 'billing',
  newestTitle: 'Chose keyset paging for the invoice list',
  // Edit: this one becomes a decision with a new title and text.
  editTitle: 'Retry budget for the payment gateway',
  // Forget with Undo.
  forgetTitle: 'Temporary debug logging in the router',
  // Bulk forget: every observation of this project.
  bulkProject: 'scratch',
  bulkCount: 5,
  // Redaction: a token in a tool call and a <private> span in a prompt, which the store
  // redacts on the way in; no view may show them.
  secret: `ghp_${'Zx9Y'.repeat(9)}`,
  privateText: 'my home address is 12 Elm Street',
  redactedSession: 'billing-1',
  // Provenance: a heuristic observation and the tool call it came from.
  provenanceTitle: 'Updated src/cart/coupon.rs',
  // Costs: the models of the ledger, and the cap the server runs with.
  models: ['heuristic', 'anthropic:claude-haiku-4-5', 'openai:gpt-4o-mini'],
  dailyCap: 50000,
  todayTokens: 12000 + 900,
};

function run(bin, args, env, input) {
  const r = spawnSync(bin, args, { env, input: input ?? '', encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    throw new Error(`memcore ${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  }
  return r.stdout;
}

/// The environment every memcore process of the fixture and the tests runs with: a private
/// home and store (never the user's), no detached extractor, no provider from the caller.
export function memcoreEnv(dir, extra = {}) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('MEMCORE_') || name === 'ANTHROPIC_API_KEY' || name === 'OPENAI_API_KEY') {
      delete env[name];
    }
  }
  return {
    ...env,
    HOME: join(dir, 'home'),
    MEMCORE_DB: join(dir, 'data', 'memory.db'),
    MEMCORE_NO_EXTRACT: '1',
    ...extra,
  };
}

export function buildFixture(dir, bin) {
  dir = resolve(dir);
  rmSync(dir, { recursive: true, force: true });
  for (const d of ['home', 'data', 'work/shop', 'work/billing', 'work/docs-site']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  const env = memcoreEnv(dir);
  const hook = (event, sessionId, project, fields = {}) => {
    const cwd = join(dir, 'work', project);
    const input = { session_id: sessionId, cwd, hook_event_name: event, ...fields };
    // The project is named, not resolved from the cwd: inside a git checkout (this one) the
    // resolver names it after the repository.
    return run(bin, ['hook', event], { ...env, MEMCORE_PROJECT: project }, JSON.stringify(input));
  };
  const tool = (sessionId, project, id, name, input, response) =>
    hook('PostToolUse', sessionId, project, {
      tool_name: name,
      tool_use_id: id,
      tool_input: input,
      tool_response: response,
      duration_ms: 12,
    });
  const cwdOf = (project) => join(dir, 'work', project);

  // 1. Sessions through the hooks, then the heuristic extractor over them.
  hook('SessionStart', 'shop-1', 'shop', { source: 'startup' });
  hook('UserPromptSubmit', 'shop-1', 'shop', { prompt: FACTS.timelinePrompt });
  tool('shop-1', 'shop', 'shop-1-t1', 'Read', { file_path: `${cwdOf('shop')}/src/cart/coupon.rs` },
    { type: 'text', file: { filePath: `${cwdOf('shop')}/src/cart/coupon.rs`, content: 'fn total() {}' } });
  tool('shop-1', 'shop', 'shop-1-t2', 'Edit',
    { file_path: `${cwdOf('shop')}/src/cart/coupon.rs`, old_string: 'total - coupon - coupon', new_string: 'total - coupon' },
    { filePath: `${cwdOf('shop')}/src/cart/coupon.rs`, success: true });
  tool('shop-1', 'shop', 'shop-1-t3', 'Bash', { command: 'cargo test cart' },
    { stdout: 'test result: ok. 12 passed; 0 failed', stderr: '', interrupted: false });
  hook('Stop', 'shop-1', 'shop', { last_assistant_message: FACTS.timelineAssistant });
  hook('SessionEnd', 'shop-1', 'shop', { reason: 'exit' });

  hook('SessionStart', 'billing-1', 'billing', { source: 'startup' });
  hook('UserPromptSubmit', 'billing-1', 'billing', {
    prompt: `Invoice totals are off by a cent after tax <private>${FACTS.privateText}</private>`,
  });
  tool('billing-1', 'billing', 'billing-1-t1', 'Edit',
    { file_path: `${cwdOf('billing')}/src/invoice/round.rs`, old_string: 'round(total)', new_string: 'round_half_even(total)' },
    { filePath: `${cwdOf('billing')}/src/invoice/round.rs`, success: true });
  tool('billing-1', 'billing', 'billing-1-t2', 'Bash', { command: 'cargo test invoice' },
    { stdout: 'test result: ok. 31 passed', stderr: '', interrupted: false });
  tool('billing-1', 'billing', 'billing-1-t3', 'Bash', { command: `GITHUB_TOKEN=${FACTS.secret} gh release view v1.2.0` },
    { stdout: 'v1.2.0  Latest', stderr: '', interrupted: false });
  hook('Stop', 'billing-1', 'billing', { last_assistant_message: 'Invoices now round half to even; the tax tests pass.' });
  hook('SessionEnd', 'billing-1', 'billing', { reason: 'exit' });

  hook('SessionStart', 'docs-1', 'docs-site', { source: 'startup' });
  hook('UserPromptSubmit', 'docs-1', 'docs-site', { prompt: 'Document the export command' });
  tool('docs-1', 'docs-site', 'docs-1-t1', 'Write',
    { file_path: `${cwdOf('docs-site')}/docs/export.md`, content: '# Export\n\nmemcore export FILE' },
    { filePath: `${cwdOf('docs-site')}/docs/export.md`, success: true });
  hook('Stop', 'docs-1', 'docs-site', { last_assistant_message: 'Wrote docs/export.md.' });
  hook('SessionEnd', 'docs-1', 'docs-site', { reason: 'exit' });

  const extracted = run(bin, ['extract', '--wait', '--summarize', 'shop-1', '--summarize', 'billing-1',
    '--summarize', 'docs-1'], env);

  // 2. Observations of every kind over the last days, a project to forget in bulk, and the
  // LLM ledger rows (tokens by day and model), through the importer.
  const now = Date.now();
  const at = (daysAgo, minutes = 0) => new Date(now - daysAgo * DAY - minutes * 60_000).toISOString();
  const lines = [
    { format: 'memcore-export', format_version: 2, schema_version: 3, exported_at: at(0), project: null, since: null, until: null, include_events: false },
  ];
  const sessions = [
    ['billing-0', 'billing', 6], ['shop-0', 'shop', 8], ['scratch-1', 'scratch', 3],
  ];
  for (const name of ['billing', 'shop', 'scratch']) {
    lines.push({ type: 'project', name, created_at: at(9) });
  }
  for (const [id, project, days] of sessions) {
    lines.push({ type: 'session', id, project, agent: 'claude-code', started_at: at(days, 30), ended_at: at(days, 5), status: 'ended' });
  }
  const obs = (project, session_id, kind, title, narrative, daysAgo, extra = {}) => ({
    type: 'observation', project, session_id, kind, title, subtitle: '', narrative,
    facts: [], context: '', concepts: [], files_read: [], files_modified: [],
    created_at: at(daysAgo), importance: 0.6, pinned: false, supersedes: null, sources: [], ...extra,
  });
  const observations = [
    obs('shop', 'shop-0', 'decision', FACTS.searchTitle,
      'Every webhook delivery carries an idempotency key; the handler stores the key and drops a second delivery with the same key.', 7,
      { facts: ['src/webhook/handler.rs keeps seen keys for 24 hours'], files_modified: ['src/webhook/handler.rs'] }),
    obs('shop', 'shop-0', 'bugfix', 'Coupon applied twice at checkout',
      'The checkout subtracted the coupon in cart_total and again in checkout; the second subtraction was removed.', 8,
      { files_modified: ['src/cart/coupon.rs'] }),
    obs('shop', 'shop-0', 'feature', 'Gift cards at checkout',
      'Checkout accepts gift cards as a payment method, after coupons and before tax.', 5),
    obs('shop', 'shop-0', 'change', FACTS.editTitle,
      'The payment gateway client retries failed calls.', 4),
    obs('shop', 'shop-0', 'change', FACTS.forgetTitle,
      'The router logs every request body while the timeout bug is chased.', 2),
    obs('billing', 'billing-0', 'refactor', 'Split the tax calculation out of the invoice module',
      'Tax rules live in src/tax/ now; the invoice module calls them.', 6),
    obs('billing', 'billing-0', 'discovery', 'Currency amounts are stored in minor units',
      'Every amount column holds cents (integer), never a float.', 5),
    obs('billing', 'billing-0', 'bugfix', 'Refund emails went to the billing contact',
      'Refund emails now go to the customer who paid.', 3),
    obs('billing', 'billing-0', 'decision', FACTS.newestTitle,
      'The invoice list pages by the last id seen (keyset paging), not by offset, so it stays fast at 100k invoices.', 0.01),
  ];
  for (let i = 1; i <= FACTS.bulkCount; i++) {
    observations.push(obs('scratch', 'scratch-1', i % 2 ? 'discovery' : 'change',
      `Scratch note ${i} about the flaky queue worker`, `Experiment ${i}: the queue worker retried a job it had finished.`, 3, { importance: 0.3 }));
  }
  lines.push(...observations);
  const ledger = (session_id, project, model, prompt_tokens, completion_tokens, daysAgo, observationsMade) => ({
    type: 'ledger', session_id, project, purpose: 'observations', model, prompt_tokens, completion_tokens,
    events: [], outcome: 'completed', detail: null, observations: observationsMade, created_at: at(daysAgo),
  });
  // Oldest first: the store lists its ledger by insertion, and today's spend is read from its
  // newest rows back to midnight.
  const ledgerRows = [
    ledger('billing-0', 'billing', 'openai:gpt-4o-mini', 3000, 250, 6, 1),
    ledger('shop-0', 'shop', 'anthropic:claude-haiku-4-5', 8000, 600, 2, 3),
    ledger('billing-0', 'billing', 'openai:gpt-4o-mini', 5000, 400, 1, 2),
    ledger('shop-0', 'shop', 'anthropic:claude-haiku-4-5', 12000, 900, 0, 2),
  ];
  lines.push(...ledgerRows);
  lines.push({ type: 'end', records: { projects: 3, sessions: sessions.length, prompts: 0, events: 0, observations: observations.length, summaries: 0, ledger: ledgerRows.length } });
  const importFile = join(dir, 'import.jsonl');
  writeFileSync(importFile, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const imported = run(bin, ['import', importFile], env);

  // 3. A session that memory is injected into: SessionStart gets the project's context,
  // the prompt gets the observations relevant to it. Both are recorded as injections.
  const sessionStart = hook('SessionStart', FACTS.injectionSession, 'shop', { source: 'startup' });
  const promptAnswer = hook('UserPromptSubmit', FACTS.injectionSession, 'shop', { prompt: FACTS.injectionPrompt });
  tool(FACTS.injectionSession, 'shop', 'shop-2-t1', 'Grep', { pattern: 'idempotency', path: 'src/webhook' },
    { mode: 'files_with_matches', filenames: ['src/webhook/handler.rs'], numFiles: 1 });

  const stats = JSON.parse(run(bin, ['--all-projects', '--json', 'stats'], env));
  return {
    dir,
    db: env.MEMCORE_DB,
    env,
    extracted: extracted.trim(),
    imported: imported.trim(),
    injected: { sessionStart: sessionStart.length, prompt: promptAnswer.length },
    stats,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node fixture.mjs DIR [MEMCORE]');
    process.exit(2);
  }
  const bin = resolve(process.argv[3] ?? process.env.MEMCORE_BIN ?? '../../target/debug/memcore');
  if (!existsSync(bin)) {
    console.error(`fixture: no memcore binary at ${bin}`);
    process.exit(1);
  }
  const made = buildFixture(dir, bin);
  console.log(JSON.stringify({ ...made, env: undefined }, null, 1));
}
