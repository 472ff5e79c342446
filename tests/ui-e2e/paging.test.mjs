// Paging: the landing list shows a page at a time and "Load more" brings the next one, newest
// first, with no row twice, until the end. On a copy of the fixture with 120 more observations
// (`memcore dev seed`, project `archive`, spread over the last 90 days).

import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, keepOnFailure, launchBrowser, numberPattern, openPage, rowIds, shot, startServer, until, waitForRows, closeChecked } from './lib.mjs';

const EXTRA = 120;
let server;
let browser;
let page;

before(async () => {
  server = await startServer({}, (db, env) => {
    const r = spawnSync(BIN, ['--db', db, '--project', 'archive', 'dev', 'seed', String(EXTRA)], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, `memcore dev seed: ${r.stderr}`);
  });
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

test('the landing list pages with "Load more", newest first, to the end', keepOnFailure(() => page, 'paging', async () => {
  const first = await server.api('/api/observations?limit=50');
  const total = first.total;
  assert.ok(total > 100, `enough observations to page (${total})`);
  page = await openPage(browser, server);
  await page.goto(server.page());
  await waitForRows(page);
  const main = page.locator('main');
  assert.match(await main.innerText(), numberPattern(total), 'the total is shown');
  let shown = await rowIds(page);
  assert.ok(shown.length < total, `a first page only (${shown.length} of ${total})`);
  assert.deepEqual(shown, first.items.map((o) => o.id));

  const more = main.getByRole('button', { name: 'Load more', exact: true });
  while (shown.length < total) {
    const before = shown.length;
    await more.click();
    await until(async () => (await rowIds(page)).length > before || (await rowIds(page)).length, 'the next page is added');
    shown = await rowIds(page);
  }
  assert.equal(shown.length, total, 'every observation once');
  assert.equal(new Set(shown).size, total, 'no row twice');
  await more.waitFor({ state: 'detached' });

  // Newest first across the pages: the API's order, page after page.
  const all = [];
  let cursor = null;
  do {
    const p = await server.api(`/api/observations?limit=50${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`);
    all.push(...p.items);
    cursor = p.next;
  } while (cursor);
  assert.deepEqual(shown, all.map((o) => o.id));
  const times = all.map((o) => Date.parse(o.created_at));
  assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await shot(page, 'paging-end');
}));
