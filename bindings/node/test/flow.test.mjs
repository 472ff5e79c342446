// The whole flow through the Node bindings: open, sessions, events, extraction (heuristic,
// step by step with a faked LLM, through callbacks), summaries, recall, maintenance, close.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import koffi from 'koffi';
import {
  ABI_VERSION,
  MemcoreError,
  Memory,
  abiVersion,
  libraryPath,
  resolveProject,
  version,
} from '../index.js';
import { cannedObservations, recordBugfixSession, tempDir, tempStore } from '../test-support/helpers.mjs';

test('the library loads and reports its versions', () => {
  assert.match(version(), /^\d+\.\d+\.\d+/);
  assert.equal(abiVersion(), ABI_VERSION);
  assert.ok(existsSync(libraryPath()));
});

test('a session is recorded, distilled by rules and recalled in the next session', (t) => {
  const mem = tempStore(t);
  const started = mem.startSession({ id: 's1', project: 'shop', agent: 'node-test' });
  assert.deepEqual(
    { id: started.id, project: started.project, agent: started.agent, status: started.status, endedAt: started.endedAt },
    { id: 's1', project: 'shop', agent: 'node-test', status: 'active', endedAt: null },
  );
  assert.equal(typeof started.startedAt, 'string');
  assert.ok(!('v' in started), 'the JSON envelope is removed');

  recordBugfixSession(mem, { sessionId: 's1' });
  // The same tool-use id again is the same event.
  const again = mem.recordEvent({
    sessionId: 's1',
    payload: { type: 'tool_use', toolName: 'Bash', input: { command: 'npm test -- cart' }, toolUseId: 's1-tu3' },
  });
  assert.equal(again.inserted, false);

  const events = mem.events('s1');
  assert.equal(events.length, 5);
  assert.deepEqual(
    events.map((e) => e.payload.type),
    ['user_prompt', 'tool_use', 'tool_use', 'tool_use', 'assistant_message'],
  );
  const edit = events[2];
  assert.equal(edit.payload.toolName, 'Edit');
  assert.equal(edit.payload.toolUseId, 's1-tu2');
  // A tool's input is the host's data: its keys are not converted.
  assert.equal(edit.payload.input.file_path, 'src/cart.js');
  assert.equal(edit.payload.input.new_string, 'return applyCoupon(subtotal, coupon);');
  assert.equal(edit.status, 'pending');
  assert.equal(again.id, events[3].id);
  assert.equal(mem.events('s1', { status: 'pending' }).length, 5);

  const run = mem.extractHeuristic({ project: 'shop' });
  assert.ok(run.requests >= 1);
  assert.ok(run.observationsStored >= 1);
  assert.equal(run.eventsExtracted, 5);
  assert.equal(mem.events('s1', { status: 'pending' }).length, 0);

  const summary = mem.summarizeHeuristic('s1');
  assert.equal(summary.sessionId, 's1');
  assert.match(summary.request, /coupon/);
  const ended = mem.endSession('s1');
  assert.equal(ended.status, 'ended');
  assert.equal(typeof ended.endedAt, 'string');

  const hits = mem.search({ query: 'coupon cart', scope: { project: 'shop' } });
  assert.ok(hits.length >= 1);
  assert.ok(hits[0].score > 0);
  assert.ok('textRank' in hits[0].parts && 'kindWeight' in hits[0].parts);
  assert.ok(hits[0].observation.filesModified.includes('src/cart.js'));
  // A plain string is a query, with the scope beside it.
  assert.deepEqual(mem.search('coupon', 'all').map((h) => h.id), mem.search({ query: 'coupon', scope: 'all' }).map((h) => h.id));
  assert.ok(mem.search('coupon', { project: 'shop' }).length >= 1);

  mem.startSession({ id: 's2', project: 'shop', agent: 'node-test' });
  const context = mem.context({ purpose: 'session_start', scope: { project: 'shop' } });
  assert.match(context.text, /# Memory of shop/);
  assert.match(context.text, /coupon/);
  assert.ok(context.observationIds.length >= 1);
  assert.equal(context.summaryId, summary.id);
  assert.ok(context.tokens > 0 && context.tokens <= context.budget);

  const stats = mem.stats({ project: 'shop' });
  assert.equal(stats.sessions, 2);
  assert.equal(stats.events, 5);
  assert.equal(stats.pendingEvents, 0);
  assert.equal(stats.summaries, 1);
  assert.equal(stats.observations, run.observationsStored);
  assert.equal(typeof stats.observationsByKind, 'object');
  assert.deepEqual(mem.projects(), ['shop']);
  assert.deepEqual(mem.recentSessions({ project: 'shop' }).map((s) => s.id).sort(), ['s1', 's2']);
  assert.equal(mem.session('s1').status, 'ended');
  assert.equal(mem.session('nope'), null);
  assert.equal(mem.latestSummary({ project: 'shop' }).id, summary.id);
});

test('extraction step by step with a faked LLM: next, complete, fail, ledger', (t) => {
  const mem = tempStore(t);
  recordBugfixSession(mem);

  const request = mem.nextExtraction({ project: 'shop' });
  assert.equal(request.purpose, 'observations');
  assert.equal(request.format, 'observations_json');
  assert.deepEqual(request.eventIds, [1, 2, 3, 4, 5]);
  assert.match(request.systemPrompt, /JSON array/);
  assert.match(request.userPrompt, /coupon/);
  assert.ok(request.maxOutputTokens > 0);
  // Claimed: nothing else is pending.
  assert.equal(mem.nextExtraction({ project: 'shop' }), null);

  const report = mem.completeExtraction(request, cannedObservations(request), {
    model: 'fake-model',
    promptTokens: 900,
    completionTokens: 120,
  });
  assert.equal(report.stored.length, 1);
  assert.equal(report.eventsExtracted, 5);
  assert.deepEqual(report.issues, []);

  const [observation] = mem.get(report.stored);
  assert.equal(observation.kind, 'bugfix');
  assert.equal(observation.title, 'Checkout total now applies the coupon');
  assert.deepEqual(observation.filesModified, ['src/cart.js']);

  const [entry] = mem.ledger({ project: 'shop' });
  assert.equal(entry.model, 'fake-model');
  assert.equal(entry.promptTokens, 900);
  assert.equal(entry.completionTokens, 120);
  assert.equal(entry.outcome, 'completed');

  // A failure leaves the events pending for another attempt.
  mem.recordEvent({ sessionId: 's1', payload: { type: 'note', text: 'The coupon code is case-insensitive.' } });
  const second = mem.nextExtraction();
  const failed = mem.failExtraction(second, 'model timed out');
  assert.deepEqual(failed, { eventsFailed: 0, eventsPending: 1 });
  const [pending] = mem.events('s1', { status: 'pending' });
  assert.equal(pending.attempts, 1);

  // An answer that is not usable at all is an INVALID_ARGUMENT error, recorded as a failed
  // attempt: the events are pending again.
  const third = mem.nextExtraction();
  assert.throws(() => mem.completeExtraction(third, 'I cannot help with that.'), {
    name: 'MemcoreError',
    code: 'INVALID_ARGUMENT',
  });
  assert.equal(mem.events('s1', { status: 'pending' })[0].attempts, 2);
  // A request that went through JSON (a worker that saved it) is accepted too.
  const fourth = mem.nextExtraction();
  assert.deepEqual(mem.failExtraction(JSON.parse(JSON.stringify(fourth)), 'saved and failed'), {
    eventsFailed: 0,
    eventsPending: 1,
  });
  assert.equal(mem.events('s1', { status: 'pending' })[0].attempts, 3);

  // The summary, with the same faked model.
  const summaryRequest = mem.summaryRequest('s1');
  assert.equal(summaryRequest.purpose, 'summary');
  const summary = mem.completeSummary(
    summaryRequest,
    JSON.stringify({
      request: 'Fix the checkout total ignoring the coupon.',
      investigated: 'cart.test.js and src/cart.js',
      learned: 'computeTotal returned the subtotal without applyCoupon.',
      completed: 'computeTotal applies the coupon; the cart tests pass.',
      next_steps: 'Handle expired coupons.',
      notes: '',
    }),
    { model: 'fake-model' },
  );
  assert.equal(summary.nextSteps, 'Handle expired coupons.');
  assert.equal(mem.summaryRequest('no-such-session'), null);
});

test('asynchronous LLM clients: extractWith and summarizeWith', async (t) => {
  const mem = tempStore(t);
  recordBugfixSession(mem);
  const seen = [];
  const run = await mem.extractWith(async (request) => {
    seen.push(request.eventIds);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { text: cannedObservations(request), usage: { model: 'async-fake', promptTokens: 10, completionTokens: 5 } };
  });
  assert.deepEqual(seen, [[1, 2, 3, 4, 5]]);
  assert.equal(run.requests, 1);
  assert.equal(run.observationsStored, 1);
  assert.equal(run.eventsExtracted, 5);
  assert.equal(run.promptTokens, 10);

  // A client that keeps failing: one attempt per run, so the events are retried by later
  // runs up to the attempt limit, then failed.
  mem.recordEvent({ sessionId: 's1', payload: { type: 'note', text: 'Coupons stack with gift cards.' } });
  let calls = 0;
  const down = async () => {
    calls += 1;
    throw new Error('rate limited');
  };
  const first = await mem.extractWith(down);
  assert.equal(first.failures, 1);
  assert.equal(calls, 1);
  assert.equal(first.eventsFailed, 0);
  let failing = first;
  for (let run = 0; run < 10 && failing.eventsFailed === 0; run += 1) {
    failing = await mem.extractWith(down);
    assert.equal(failing.failures, 1);
  }
  assert.equal(mem.stats().failedEvents, 1);
  assert.equal(mem.retryFailed(), 1);
  assert.equal(mem.stats().pendingEvents, 1);

  const summary = await mem.summarizeWith('s1', async () =>
    JSON.stringify({ request: 'Fix the coupon bug.', completed: 'Fixed.', next_steps: '' }),
  );
  assert.equal(summary.request, 'Fix the coupon bug.');
  // A failing model falls back to the heuristic summary.
  const fallback = await mem.summarizeWith('s1', async () => {
    throw new Error('offline');
  });
  assert.match(fallback.request, /coupon/);
});

test('a synchronous JavaScript LLM callback drives extractPending and summarize', (t) => {
  const mem = tempStore(t);
  recordBugfixSession(mem);
  assert.throws(() => mem.extractPending(), { code: 'INVALID_ARGUMENT' }); // no LLM set
  const requests = [];
  mem.setLlm((request) => {
    requests.push(request);
    if (request.purpose === 'summary') {
      return JSON.stringify({ request: 'Fix the coupon.', completed: 'Coupon applied in src/cart.js.' });
    }
    return { text: cannedObservations(request), usage: { model: 'sync-fake', promptTokens: 7, completionTokens: 3 } };
  });
  const run = mem.extractPending({ project: 'shop' });
  assert.equal(run.observationsStored, 1);
  assert.equal(run.promptTokens, 7);
  assert.equal(requests[0].purpose, 'observations');
  assert.deepEqual(requests[0].eventIds, [1, 2, 3, 4, 5]);
  const summary = mem.summarize('s1');
  assert.equal(summary.completed, 'Coupon applied in src/cart.js.');
  assert.ok(mem.ledger().some((entry) => entry.model === 'sync-fake' && entry.promptTokens === 7));

  // A throwing callback fails its batch; the run goes on and reports it.
  mem.recordEvent({ sessionId: 's1', payload: { type: 'note', text: 'Gift cards are applied after coupons.' } });
  mem.setLlm(() => {
    throw new Error('model unavailable');
  });
  const failing = mem.extractPending();
  assert.ok(failing.failures >= 1);
  const entry = mem.ledger({ limit: 1 })[0];
  assert.match(entry.detail ?? '', /model unavailable/);
  // A callback that returns a promise is refused (it cannot be awaited inside the call).
  mem.retryFailed();
  mem.setLlm(async () => '[]');
  assert.ok(mem.extractPending().failures >= 1);
  mem.clearLlm();
  assert.throws(() => mem.extractPending(), { code: 'INVALID_ARGUMENT' });
});

test('observations: add, duplicate, get, recent, pin, forget, timeline', (t) => {
  const mem = tempStore(t);
  const first = mem.addObservation({
    project: 'shop',
    kind: 'decision',
    title: 'Prices are stored in cents',
    narrative: 'Integer cents avoid floating-point rounding in totals.',
    facts: ['src/money.js converts cents to display strings'],
    filesRead: ['src/money.js'],
    importance: 0.8,
    createdAt: new Date('2026-11-20T10:00:00Z'),
  });
  assert.deepEqual(first, { id: 1, duplicate: false });
  const duplicate = mem.addObservation({
    project: 'shop',
    kind: 'decision',
    title: 'Prices are stored in cents',
    narrative: 'Integer cents avoid floating-point rounding in totals.',
    facts: ['src/money.js converts cents to display strings'],
    filesRead: ['src/money.js'],
    importance: 0.8,
  });
  assert.equal(duplicate.duplicate, true);
  assert.equal(duplicate.id, first.id);
  const second = mem.addObservation({ project: 'shop', title: 'Totals are rounded half-even', kind: 'discovery' });

  const [got] = mem.get(first.id);
  assert.equal(got.createdAt.slice(0, 10), '2026-11-20');
  assert.deepEqual(got.filesRead, ['src/money.js']);
  assert.equal(Math.round(got.importance * 10), 8);
  assert.deepEqual(mem.get([second.id, 999, first.id]).map((o) => o.id), [second.id, first.id]);
  assert.deepEqual(mem.get([]), []);
  assert.deepEqual(mem.recent({ project: 'shop', limit: 1 }).map((o) => o.id), [second.id]);

  assert.equal(mem.pin(first.id), true);
  assert.equal(mem.get(first.id)[0].pinned, true);
  assert.equal(mem.pin(first.id, false), true);
  assert.equal(mem.pin(12345), false);

  const timeline = mem.timeline({ anchor: { observation: second.id }, before: 5, after: 5 });
  assert.equal(timeline.entries[timeline.anchorIndex].item.id, second.id);
  assert.equal(timeline.entries[timeline.anchorIndex].item.type, 'observation');

  assert.equal(mem.forget(second.id), true);
  assert.equal(mem.forget(second.id), false);
  assert.deepEqual(mem.get(second.id), []);
});

test('maintenance: export, import, markdown, backup, prune, integrity, mode', (t) => {
  const dir = tempDir(t);
  const mem = tempStore(t);
  recordBugfixSession(mem);
  mem.extractHeuristic();
  mem.summarizeHeuristic('s1');
  const before = mem.stats();

  const exported = mem.exportJsonl(join(dir, 'export.jsonl'), { includeEvents: true });
  assert.equal(exported.records.observations, before.observations);
  assert.ok(exported.bytes > 0);
  const backup = mem.backup(join(dir, 'backup.db'));
  assert.ok(backup.bytes > 0);
  assert.throws(() => mem.backup(join(dir, 'backup.db')), { code: 'INVALID_ARGUMENT' });
  const markdown = mem.exportMarkdown(join(dir, 'md'));
  assert.ok(markdown.files.length >= 1);
  assert.deepEqual(mem.integrityCheck(), ['ok']);

  const copy = Memory.open(join(dir, 'copy.db'));
  try {
    const imported = copy.importJsonl(join(dir, 'export.jsonl'));
    assert.equal(imported.added.observations, before.observations);
    assert.equal(copy.importJsonl(join(dir, 'export.jsonl')).added.observations, 0);
    assert.equal(copy.stats().observations, before.observations);
  } finally {
    copy.close();
  }
  const restored = Memory.open(backup.path);
  try {
    assert.equal(restored.stats().events, before.events);
  } finally {
    restored.close();
  }

  const dry = mem.prune({ maxObservationsPerProject: 0 }, { dryRun: true });
  assert.equal(dry.dryRun, true);
  assert.equal(mem.stats().observations, before.observations);
  assert.equal(typeof dry.eventsByProject, 'object');

  const mode = mem.mode();
  assert.equal(mode.name, 'code');
  assert.ok(mode.kinds.some((kind) => kind.name === 'bugfix'));
  assert.equal(typeof mode.prompts.observationSystem, 'string');
  mem.setMode({ ...mode, name: 'code-copy' }); // round-trips through camelCase
  assert.equal(mem.mode().name, 'code-copy');
});

test('close is idempotent, and a closed store refuses calls', (t) => {
  const dir = tempDir(t);
  const mem = Memory.open(join(dir, 'm.db'), { busyTimeoutMs: 2000 });
  assert.equal(mem.closed, false);
  assert.equal(mem.path, join(dir, 'm.db'));
  mem.close();
  mem.close();
  assert.equal(mem.closed, true);
  assert.throws(() => mem.stats(), (error) => error instanceof MemcoreError && error.code === 'CLOSED');
  const scoped = Memory.open(join(dir, 'm.db'));
  assert.equal(scoped.stats().events, 0);
  scoped[Symbol.dispose](); // what `using` calls
  assert.equal(scoped.closed, true);
  assert.equal(koffi.stats().callbacks, 0);
});

test('resolveProject is the library resolver', (t) => {
  const dir = tempDir(t);
  assert.equal(resolveProject('explicit', dir), 'explicit');
  assert.equal(resolveProject(null, join(dir)), dir.split(/[\\/]/).pop());
});
