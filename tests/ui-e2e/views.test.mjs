// The views that only read: the landing list with a filter, search with its explanation, a
// session's timeline, an injection record, the costs against the daily cap, stats and the
// doctor, a 360 px window, and the "/" key. One server (with a daily cap) and one browser for
// the file; each test has its own page and keeps a screenshot.

import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FACTS } from './fixture.mjs';
import {
  applyFilters, keepOnFailure, launchBrowser, numberPattern, openPage, rowIds, shot, startServer, until, waitForRows, closeChecked,
} from './lib.mjs';

let server;
let browser;
let page;

before(async () => {
  server = await startServer({ MEMCORE_DAILY_TOKEN_CAP: String(FACTS.dailyCap) });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

afterEach(async () => {
  const open = page;
  page = undefined;
  await closeChecked(open);
});

const nav = (name) => page.getByRole('navigation').getByRole('link', { name, exact: true });
const main = () => page.locator('main');

async function observationId(title) {
  const { items } = await server.api('/api/observations?limit=200');
  const found = items.find((o) => o.title === title);
  assert.ok(found, `no observation titled ${title}`);
  return found.id;
}

test('the landing list: newest first, then filtered by project', keepOnFailure(() => page, 'landing', async () => {
  page = await openPage(browser, server);
  await page.goto(server.page());
  await waitForRows(page);

  const all = await server.api('/api/observations?limit=50');
  const times = all.items.map((o) => Date.parse(o.created_at));
  assert.deepEqual(times, [...times].sort((a, b) => b - a), 'the API lists newest first');
  const shown = await rowIds(page);
  assert.ok(shown.length > 0);
  assert.deepEqual(shown, all.items.slice(0, shown.length).map((o) => o.id), 'rows in the API order');

  // A filter: one project.
  await applyFilters(page, { Project: FACTS.filterProject });
  const billing = await server.api(`/api/observations?project=${FACTS.filterProject}&limit=50`);
  assert.ok(billing.items.length >= 4 && billing.items.every((o) => o.project === FACTS.filterProject));
  await until(
    async () => JSON.stringify(await rowIds(page)) === JSON.stringify(billing.items.map((o) => o.id)) || (await rowIds(page)),
    'the rows are the project\'s observations, newest first',
  );
  await page.getByText(FACTS.newestTitle).first().waitFor();
  assert.equal(await page.getByText('Idempotency keys stop duplicate webhook deliveries').count(), 0, 'another project\'s row is hidden');
  await shot(page, 'landing');

  // Kind and date: the bugfixes of every project since five days ago (a YYYY-MM-DD day).
  const since = new Date(Date.now() - 5 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  const bugfixes = await server.api(`/api/observations?kind=bugfix&since=${since}&limit=50`);
  assert.ok(bugfixes.items.length > 0 && bugfixes.items.every((o) => o.kind === 'bugfix' && o.created_at >= since));
  const old = await server.api('/api/observations?kind=bugfix&limit=50');
  assert.ok(old.items.length > bugfixes.items.length, 'the date leaves older bugfixes out');
  await applyFilters(page, { Project: '', Kind: 'bugfix' });
  const sinceBox = page.getByRole('form', { name: /filter/i }).getByLabel(/^since/i);
  await sinceBox.fill(since);
  await page.getByRole('form', { name: /filter/i }).getByRole('button', { name: 'Apply', exact: true }).click();
  await until(
    async () => JSON.stringify(await rowIds(page)) === JSON.stringify(bugfixes.items.map((o) => o.id)) || (await rowIds(page)),
    'the rows are the recent bugfixes',
  );
}));

test('search explains every hit: score parts and the words that matched', keepOnFailure(() => page, 'search', async () => {
  page = await openPage(browser, server);
  await page.goto(server.page());
  await nav('Search').click();
  const box = page.getByRole('searchbox').or(page.getByLabel(/search/i)).first();
  await box.fill(FACTS.searchQuery);
  await box.press('Enter');

  const { hits } = await server.api(`/api/search?q=${encodeURIComponent(FACTS.searchQuery)}`);
  assert.ok(hits.length > 0);
  const top = hits[0];
  assert.equal(top.layer, 'observation');
  assert.equal(top.observation.title, FACTS.searchTitle);
  assert.ok(top.parts && typeof top.parts.recency === 'number', 'score parts in the API');
  assert.ok(top.matched.map((w) => w.toLowerCase()).includes('webhook'), `matched words: ${top.matched}`);

  const hit = main().locator('article').filter({ hasText: FACTS.searchTitle }).first();
  await hit.waitFor();
  const text = (await hit.innerText()).toLowerCase();
  for (const word of top.matched) assert.ok(text.includes(word.toLowerCase()), `matched word ${word} shown`);
  for (const part of ['relevance', 'recency', 'importance']) assert.ok(text.includes(part), `score part ${part} shown: ${text}`);
  assert.ok(/observation/.test(text), 'the layer is shown');
  const said = hits.find((h) => h.layer === 'conversation');
  assert.ok(said, 'the conversation layer answers too (the prompt of shop-2)');
  const saidRow = main().locator('article').filter({ hasText: said.record.text.slice(0, 40) }).first();
  assert.match(await saidRow.innerText(), /conversation/, 'a conversation hit says its layer');
  await shot(page, 'search');
}));

test('a session timeline: prompt, tool calls, assistant message, observations, summary', keepOnFailure(() => page, 'session', async () => {
  page = await openPage(browser, server);
  await page.goto(server.page());
  await nav('Sessions').click();
  await main().getByRole('link', { name: new RegExp(FACTS.timelineSession) }).first().click();
  await main().getByText(FACTS.timelinePrompt).first().waitFor();
  const { timeline } = await server.api(`/api/sessions/${FACTS.timelineSession}`);
  const types = new Set(timeline.map((t) => t.type));
  for (const type of ['prompt', 'tool_call', 'assistant', 'observation', 'summary']) {
    assert.ok(types.has(type), `the timeline has a ${type}: ${[...types]}`);
  }
  const text = await main().innerText();
  assert.ok(text.includes(FACTS.timelineAssistant), 'the assistant message');
  assert.ok(text.includes('Edit') && text.includes('Bash'), 'the tool calls');
  assert.ok(text.includes(`Updated ${FACTS.timelineFile}`), 'the observation');
  assert.ok(/summary/i.test(text), 'the summary');
  await shot(page, 'session', { fullPage: true });
}));

test('an injection record: ids, tokens and time of SessionStart and UserPromptSubmit', keepOnFailure(() => page, 'injections', async () => {
  const { injections } = await server.api(`/api/injections?session=${FACTS.injectionSession}`);
  const byEvent = Object.fromEntries(injections.map((i) => [i.event, i]));
  assert.ok(byEvent.SessionStart && byEvent.UserPromptSubmit, `both events recorded: ${injections.map((i) => i.event)}`);
  const searchId = await observationId(FACTS.searchTitle);
  assert.ok(byEvent.UserPromptSubmit.observation_ids.includes(searchId), 'the prompt was given the webhook decision');
  assert.equal(byEvent.UserPromptSubmit.query, FACTS.injectionPrompt);

  page = await openPage(browser, server);
  await page.goto(server.page());
  await nav('Injections').click();
  for (const event of ['SessionStart', 'UserPromptSubmit']) {
    const record = main().locator('article, tr, li').filter({ hasText: event }).first();
    await record.waitFor();
    const text = await record.innerText();
    const i = byEvent[event];
    assert.match(text, numberPattern(i.tokens), `${event}: its tokens (${i.tokens})`);
    for (const id of i.observation_ids) assert.match(text, new RegExp(`#${id}\\b`), `${event}: observation #${id}`);
    assert.ok(await record.locator('time').count() > 0 || /\d\d:\d\d/.test(text), `${event}: its time`);
  }
  await shot(page, 'injections');

  // The session's own page lists what was injected into it, above its timeline.
  await main().getByRole('link', { name: FACTS.injectionSession }).first().click();
  await main().getByRole('heading', { name: /injected/i }).waitFor();
  for (const event of ['SessionStart', 'UserPromptSubmit']) {
    const record = main().locator('tr, li').filter({ hasText: event }).first();
    await record.waitFor();
    assert.match(await record.innerText(), numberPattern(byEvent[event].tokens), `${event} on the session page`);
  }
  await shot(page, 'session-injections', { fullPage: true });
}));

test('the costs: tokens by day and model, against the daily cap', keepOnFailure(() => page, 'costs', async () => {
  const costs = await server.api('/api/costs?days=30');
  assert.equal(costs.daily_cap, FACTS.dailyCap);
  assert.equal(costs.today, FACTS.todayTokens);
  page = await openPage(browser, server);
  await page.goto(server.page());
  await nav('Costs').click();
  await main().getByText(/claude-haiku-4-5/).first().waitFor();
  const text = await main().innerText();
  for (const model of ['claude-haiku-4-5', 'gpt-4o-mini', 'heuristic']) assert.ok(text.includes(model), `model ${model}`);
  const today = new Date().toISOString().slice(0, 10);
  assert.ok(text.includes(today), `today's row (${today})`);
  assert.match(text, numberPattern(FACTS.dailyCap), 'the daily cap');
  assert.match(text, numberPattern(FACTS.todayTokens), 'the tokens spent today');
  await shot(page, 'costs');
}));

test('stats and the doctor', keepOnFailure(() => page, 'stats', async () => {
  const { stats, doctor } = await server.api('/api/stats');
  page = await openPage(browser, server);
  await page.goto(server.page());
  await nav('Stats').click();
  await main().getByText(/doctor/i).first().waitFor();
  const text = await main().innerText();
  assert.match(text, numberPattern(stats.observations), 'the observation count');
  assert.ok(doctor && doctor.version, 'the doctor report in the API');
  assert.ok(text.includes(doctor.version), 'the doctor\'s findings (memcore\'s version)');
  await shot(page, 'stats');
}));

test('a 360 px window is still usable', keepOnFailure(() => page, 'narrow', async () => {
  page = await openPage(browser, server, { viewport: { width: 360, height: 740 } });
  await page.goto(server.page());
  await waitForRows(page);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 362, `no sideways scrolling (page is ${width} px wide)`);
  const row = page.locator('article[data-obs-id]').first();
  const box = await row.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 362, `the first row fits: ${JSON.stringify(box)}`);
  // Every view is still reachable (the navigation may fold into a menu) and fits too.
  for (const view of ['Costs', 'Search']) {
    const link = nav(view);
    if (!(await link.isVisible())) await page.getByRole('button', { name: /menu|navigation/i }).first().click();
    await link.click();
    await main().getByRole('heading', { level: 1, name: view }).waitFor();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 362, `${view}: no sideways scrolling (${wide} px)`);
  }
  await page.goto(server.page());
  await waitForRows(page);
  await shot(page, 'narrow');
}));

test('"/" focuses search; Enter searches', keepOnFailure(() => page, 'keyboard-search', async () => {
  page = await openPage(browser, server);
  await page.goto(server.page());
  await waitForRows(page);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('/');
  // The search box of the view, or the Search view's when the view has none.
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el?.tagName, type: el?.getAttribute('type'), label: el?.closest('label')?.textContent?.trim() };
  });
  await until(async () => ((await focused()).tag === 'INPUT' && (await focused()).type === 'search') || (await focused()),
    '"/" puts the focus in a search box');
  const value = await page.evaluate(() => document.activeElement.value);
  assert.equal(value, '', '"/" is not typed into the box');
  await page.keyboard.type('coupon');
  await page.keyboard.press('Enter');
  await main().locator('article').filter({ hasText: /coupon/i }).first().waitFor();
  assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), /search.*coupon/);
  await shot(page, 'keyboard-search');
}));

test('an observation with its provenance: the events it came from, the sessions it was injected into', keepOnFailure(() => page, 'observation', async () => {
  page = await openPage(browser, server);
  await page.goto(server.page());
  await waitForRows(page);
  await main().getByRole('link', { name: FACTS.provenanceTitle, exact: true }).first().click();
  await main().getByRole('heading', { level: 1, name: FACTS.provenanceTitle }).waitFor();
  const id = Number(new URL(page.url()).hash.match(/#\/obs\/(\d+)/)[1]);
  const detail = await server.api(`/api/observations/${id}`);
  assert.ok(detail.sources.length >= 2, 'the Edit and the Bash call it came from');
  const provenance = main().getByRole('region', { name: 'Provenance' });
  const text = await provenance.innerText();
  for (const tool of ['Edit', 'Bash']) assert.ok(text.includes(tool), `provenance shows the ${tool} call: ${text}`);
  const injected = main().getByRole('region', { name: /injected/i });
  if (detail.injected_in.length > 0) {
    assert.ok((await injected.innerText()).includes(FACTS.injectionSession), 'the session it was injected into');
  }
  await shot(page, 'observation', { fullPage: true });
}));

test('nothing shown bypasses redaction: a token and a <private> span never reach the page', keepOnFailure(() => page, 'redaction', async () => {
  page = await openPage(browser, server);
  await page.goto(server.page(`#/session/${FACTS.redactedSession}`));
  await main().getByText(/gh release view/).first().waitFor({ state: 'attached' });
  for (const summary of await main().locator('details > summary').all()) await summary.click();
  const everything = await page.evaluate(() => document.documentElement.outerHTML);
  assert.ok(!everything.includes(FACTS.secret), 'the token is not on the page');
  assert.ok(!everything.includes(FACTS.privateText), 'the private span is not on the page');
  assert.ok(everything.includes('[REDACTED:github-token]'), 'the redaction marker is shown instead');
  const api = JSON.stringify(await server.api(`/api/sessions/${FACTS.redactedSession}`));
  assert.ok(!api.includes(FACTS.secret) && !api.includes(FACTS.privateText), 'nor in the API');
  for (const q of ['GITHUB_TOKEN', 'Elm Street']) {
    const found = JSON.stringify(await server.api(`/api/search?q=${encodeURIComponent(q)}`));
    assert.ok(!found.includes(FACTS.secret) && !found.includes(FACTS.privateText), `search ${q}`);
  }
  await main().getByText(/REDACTED:github-token/).first().scrollIntoViewIfNeeded();
  await shot(page, 'redaction');
}));
