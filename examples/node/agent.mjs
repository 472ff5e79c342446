#!/usr/bin/env node
// A Node agent host using memcore: two sessions of a coding agent on one project.
//
//   session 1: record the user's prompt and every tool call as it happens -> at the end,
//              distil the session into observations with the host's LLM (here a fake one
//              that answers with canned JSON, as a real model would) -> summarise -> end.
//   session 2: start -> print the context memcore gives it (last summary, relevant
//              observations) -> a new prompt arrives -> print the context for that prompt.
//
// Run it from the repository (scripts/test-node.sh does):
//
//   cargo build -p memcore-ffi && (cd bindings/node && npm install)
//   node examples/node/agent.mjs [store-path]      (default: a fresh temporary store)
//   node examples/node/agent.mjs --heuristic       (distil by rules, no LLM at all)
//
// In your own project, install the package (npm install /path/to/memcore/bindings/node) and
// import from 'memcore' instead of the relative path below.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Memory } from '../../bindings/node/index.js';

const args = process.argv.slice(2);
const heuristic = args.includes('--heuristic');
const givenPath = args.find((arg) => !arg.startsWith('--'));
const scratch = givenPath ? null : mkdtempSync(join(tmpdir(), 'memcore-agent-'));
const storePath = givenPath ?? join(scratch, 'memory.db');
const PROJECT = 'shop';

// The host's LLM. A real one sends request.systemPrompt and request.userPrompt to a model
// (asking for at most request.maxOutputTokens) and returns its text and token usage:
//
//   const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ model,
//     system: request.systemPrompt, messages: [{ role: 'user', content: request.userPrompt }],
//     max_tokens: request.maxOutputTokens }) });
//
// This one answers from a script, so the example runs with no key and no network.
async function fakeLlm(request) {
  await new Promise((resolve) => setTimeout(resolve, 10)); // the model "thinks"
  const usage = { model: 'fake-llm-1', promptTokens: request.inputTokens, completionTokens: 180 };
  if (request.purpose === 'summary') {
    return {
      text: JSON.stringify({
        request: 'Fix the checkout total, which ignored the SAVE10 coupon.',
        investigated: 'src/cart.js (computeTotal) and test/cart.test.js.',
        learned: 'computeTotal returned the subtotal and never called applyCoupon.',
        completed: 'computeTotal now calls applyCoupon; the 12 cart tests pass.',
        next_steps: 'Reject expired coupons in applyCoupon.',
        notes: '',
      }),
      usage,
    };
  }
  return {
    text: JSON.stringify([
      {
        kind: 'bugfix',
        title: 'Checkout total ignored the coupon',
        subtitle: 'computeTotal in src/cart.js returned the subtotal without applyCoupon.',
        narrative:
          'The cart total ignored coupons because computeTotal returned the raw subtotal. ' +
          'It now calls applyCoupon(subtotal, coupon); test/cart.test.js covers SAVE10.',
        facts: ['computeTotal in src/cart.js calls applyCoupon(subtotal, coupon)', 'SAVE10 takes 10% off'],
        concepts: ['problem-solution'],
        files_read: ['test/cart.test.js'],
        files_modified: ['src/cart.js'],
        importance: 0.8,
      },
      {
        kind: 'discovery',
        title: 'Coupon rules live in src/coupons.js',
        subtitle: 'applyCoupon looks codes up in a table of percentage discounts.',
        narrative: 'src/coupons.js maps coupon codes to percentage discounts; applyCoupon rounds to cents.',
        facts: ['src/coupons.js exports applyCoupon(subtotal, code)', 'amounts are integer cents'],
        concepts: ['how-it-works'],
        files_read: ['src/coupons.js'],
        files_modified: [],
        importance: 0.5,
      },
    ]),
    usage,
  };
}

// What the agent does in session 1, as the host sees it: tool calls with input and result.
const SESSION_1 = [
  { type: 'user_prompt', text: 'The checkout total ignores the SAVE10 coupon. Can you fix it?' },
  { type: 'tool_use', toolName: 'Read', input: { file_path: 'src/cart.js' }, output: 'export function computeTotal(items, coupon) {\n  const subtotal = sum(items);\n  return subtotal;\n}' },
  { type: 'tool_use', toolName: 'Read', input: { file_path: 'src/coupons.js' }, output: 'export function applyCoupon(subtotal, code) { /* 10% for SAVE10 */ }' },
  { type: 'tool_use', toolName: 'Bash', input: { command: 'npm test -- cart' }, error: 'FAIL test/cart.test.js: expected 9000, got 10000' },
  { type: 'tool_use', toolName: 'Edit', input: { file_path: 'src/cart.js', old_string: 'return subtotal;', new_string: 'return applyCoupon(subtotal, coupon);' }, output: 'The file src/cart.js has been updated.' },
  // A secret pasted into a command: memcore redacts it before anything is stored.
  { type: 'tool_use', toolName: 'Bash', input: { command: 'STRIPE_KEY=sk_live_51Hc0ffee0ddba11c0ffee0ddba11 npm test -- cart' }, output: 'PASS test/cart.test.js (12 tests)' },
  { type: 'assistant_message', text: 'Fixed: computeTotal now applies the coupon. All 12 cart tests pass.' },
];

function runSession1(mem) {
  mem.startSession({ id: 'session-1', project: PROJECT, agent: 'example-agent' });
  SESSION_1.forEach((step, index) => {
    const { type, text, ...tool } = step;
    const payload = type === 'tool_use' ? { type, ...tool, toolUseId: `toolu_${index}` } : { type, text };
    mem.recordEvent({ sessionId: 'session-1', payload });
  });
  console.log(`session-1: recorded ${mem.events('session-1').length} events`);
}

async function distil(mem) {
  if (heuristic) {
    const run = mem.extractHeuristic({ project: PROJECT });
    console.log(`extraction (heuristic, no LLM): ${run.observationsStored} observations from ${run.eventsExtracted} events`);
    mem.summarizeHeuristic('session-1');
  } else {
    const run = await mem.extractWith(fakeLlm, { project: PROJECT });
    console.log(
      `extraction (${run.requests} LLM call): ${run.observationsStored} observations from ` +
        `${run.eventsExtracted} events, ${run.promptTokens} prompt + ${run.completionTokens} completion tokens`,
    );
    await mem.summarizeWith('session-1', fakeLlm);
  }
  mem.endSession('session-1');
}

function runSession2(mem) {
  mem.startSession({ id: 'session-2', project: PROJECT, agent: 'example-agent' });
  const atStart = mem.context({ purpose: 'session_start', scope: { project: PROJECT } });
  console.log(`\n--- context injected at the start of session-2 (${atStart.tokens} tokens) ---\n`);
  console.log(atStart.text);

  const prompt = 'Expired coupons are still accepted at checkout';
  mem.recordEvent({ sessionId: 'session-2', payload: { type: 'user_prompt', text: prompt } });
  const forPrompt = mem.context({ purpose: 'prompt', query: prompt, scope: { project: PROJECT } });
  console.log(`--- context for the prompt "${prompt}" (${forPrompt.tokens} tokens) ---\n`);
  console.log(forPrompt.text || '(nothing relevant)');
}

const mem = Memory.open(storePath);
try {
  console.log(`store: ${storePath}`);
  runSession1(mem);
  await distil(mem);
  runSession2(mem);
  const stats = mem.stats({ project: PROJECT });
  const leaked = JSON.stringify(mem.events('session-1')).includes('sk_live_');
  console.log(
    `--- store: observations ${stats.observations}, summaries ${stats.summaries}, events ${stats.events}; ` +
      `secret stored: ${leaked ? 'YES' : 'no'} ---`,
  );
} finally {
  mem.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
