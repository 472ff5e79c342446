// Compiled (never run) by types.test.mjs with `tsc --noEmit --strict`: the declarations in
// index.d.ts describe what the README and the examples do.
import {
  MemcoreError,
  Memory,
  Status,
  version,
  type Context,
  type ExtractionRequest,
  type Observation,
  type SearchHit,
} from '../../index.js';

const mem: Memory = Memory.open('/tmp/never-opened.db', { busyTimeoutMs: 5000, recall: { kindWeights: { bugfix: 1.2 } } });
const session = mem.startSession({ id: 'run-42', project: 'shop', agent: 'my-agent', startedAt: new Date() });
const status: 'active' | 'ended' = session.status;
const recorded = mem.recordEvent({
  sessionId: 'run-42',
  payload: { type: 'tool_use', toolName: 'Edit', input: { file_path: 'src/cart.js' }, toolUseId: 'tu_1' },
});
const id: number = recorded.id;
mem.recordEvent({ sessionId: 'run-42', payload: { type: 'user_prompt', text: 'hello' }, occurredAt: '2026-11-24T10:00:00Z' });
mem.extractHeuristic({ project: 'shop' });
const request: ExtractionRequest | null = mem.nextExtraction();
if (request !== null) {
  const prompt: string = request.systemPrompt + request.userPrompt;
  const report = mem.completeExtraction(request, '[]', { model: 'm', promptTokens: 1, completionTokens: 2 });
  const stored: number[] = report.stored;
  mem.failExtraction(request, prompt + stored.length);
}
const run = await mem.extractWith(async (r) => ({ text: `[] ${r.eventIds.length}`, usage: { model: 'x' } }));
const failures: number = run.failures;
const hits: SearchHit[] = mem.search({ query: 'coupon', scope: 'all', filter: { kinds: ['bugfix'] }, mode: 'fused' });
const first: Observation | undefined = hits[0]?.observation;
const files: string[] = first?.filesModified ?? [];
const context: Context = mem.context({ purpose: 'session_start', scope: { project: 'shop' }, budget: 1500 });
const text: string = context.text;
mem.setEmbedder({ id: 'toy/d2', dimension: 2, embed: (t: string) => [t.length, 1] });
mem.setLlm((r) => (r.purpose === 'summary' ? '{}' : { text: '[]' }));
const kinds: Record<string, number> = mem.stats().observationsByKind;
mem.prune({ maxAgeDays: 30 }, { dryRun: true });
mem.timeline({ anchor: { observation: id }, before: 2, after: 2 });
mem.close();

try {
  Memory.open('');
} catch (error) {
  if (error instanceof MemcoreError && error.code === 'INVALID_ARGUMENT' && error.status === Status.INVALID_ARGUMENT) {
    console.log(version(), status, failures, files, text, kinds);
  }
}

// @ts-expect-error: the constructor is private; use Memory.open().
new Memory();
// @ts-expect-error: payload types are checked.
mem.recordEvent({ sessionId: 's', payload: { type: 'telepathy', text: 'x' } });
// @ts-expect-error: statuses are checked.
mem.events('s', { status: 'lost' });
