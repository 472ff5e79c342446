// The views that change the store: edit an observation, forget one with Undo, forget many by
// a filter (preview, confirm, undo from the Forgotten view). Their own server on their own
// copy of the fixture; each test works on observations no other test touches, and checks the
// store through the API as well as what the page shows.

import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FACTS } from './fixture.mjs';
import {
  applyFilters, keepOnFailure, launchBrowser, openPage, rowIds, setControl, shot, startServer, until, waitForRows, closeChecked,
} from './lib.mjs';

let server;
let browser;
let page;

before(async () => {
  server = await startServer();
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
const button = (name) => page.getByRole('button', { name, exact: true });

async function observationId(title) {
  const { items } = await server.api('/api/observations?limit=200');
  const found = items.find((o) => o.title === title);
  assert.ok(found, `no observation titled ${title}`);
  return found.id;
}

async function listed(id, filter = '') {
  const { items } = await server.api(`/api/observations?limit=200${filter}`);
  return items.some((o) => o.id === id);
}

test('edit an observation: title, text and kind are saved and shown after a reload', keepOnFailure(() => page, 'edit', async () => {
  const id = await observationId(FACTS.editTitle);
  const title = `${FACTS.editTitle} (three tries)`;
  const narrative = 'The gateway client retries a failed call three times, 200 ms apart, then gives up.';
  page = await openPage(browser, server);
  await page.goto(server.page(`#/obs/${id}`));
  await main().getByText(FACTS.editTitle).first().waitFor();
  await button('Edit').click();
  await page.getByLabel(/^title/i).fill(title);
  await page.getByLabel(/^(text|narrative)/i).fill(narrative);
  await setControl(page.getByLabel(/^kind/i).last(), 'decision');
  await button('Save').click();

  await until(async () => {
    const { observation } = await server.api(`/api/observations/${id}`);
    return (observation.title === title && observation.narrative === narrative && observation.kind === 'decision') || observation;
  }, 'the edit reached the store');
  await page.reload();
  await main().getByText(title).first().waitFor();
  const text = await main().innerText();
  assert.ok(text.includes(narrative), 'the new text after a reload');
  assert.match(text, /decision/i, 'the new kind after a reload');
  await shot(page, 'edit');
}));

test('forget one observation from the list, then Undo brings it back', keepOnFailure(() => page, 'forget-undo', async () => {
  const id = await observationId(FACTS.forgetTitle);
  page = await openPage(browser, server);
  await page.goto(server.page());
  const row = page.locator(`article[data-obs-id="${id}"]`);
  await row.waitFor();
  await row.getByRole('button', { name: 'Forget', exact: true }).click();
  // A confirmation step is allowed; Undo must be offered either way.
  const confirm = button('Confirm');
  const undo = page.getByRole('status').getByRole('button', { name: 'Undo', exact: true });
  await confirm.or(undo).first().waitFor();
  if (await confirm.isVisible()) await confirm.click();
  await undo.waitFor();
  await row.waitFor({ state: 'detached' });
  assert.equal(await listed(id), false, 'gone from the store\'s list (API)');
  const status = await page.getByRole('status').innerText();
  assert.match(status, /forg/i, `the status says what happened: ${status}`);
  await shot(page, 'forget-undo');

  // Gone after a reload too (not just removed from the page); the status does not survive a
  // reload, so Undo comes from the Forgotten view then. Here: Undo right away.
  await undo.click();
  await until(() => listed(id), 'back in the store\'s list (API)');
  await row.waitFor();
  const ids = await rowIds(page);
  const { items } = await server.api('/api/observations?limit=50');
  assert.deepEqual(ids, items.map((o) => o.id), 'back in its place, newest first');
}));

test('forget by filter: preview count, confirm, gone, undone from the Forgotten view', keepOnFailure(() => page, 'bulk-forget', async () => {
  const filter = `&project=${FACTS.bulkProject}`;
  const before = await server.api(`/api/observations?limit=200${filter}`);
  assert.equal(before.total, FACTS.bulkCount);

  page = await openPage(browser, server);
  await page.goto(server.page());
  await waitForRows(page);
  await applyFilters(page, { Project: FACTS.bulkProject });
  await until(async () => (await rowIds(page)).length === FACTS.bulkCount || (await rowIds(page)), 'the filter shows the project');

  // Escape closes the dialog and forgets nothing.
  await button('Forget matching…').click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await server.api(`/api/observations?limit=200${filter}`)).total, FACTS.bulkCount);

  await button('Forget matching…').click();
  await dialog.waitFor();
  await dialog.getByText(new RegExp(`\\b${FACTS.bulkCount}\\b`)).first().waitFor();
  await shot(page, 'bulk-forget-preview');
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await until(async () => (await server.api(`/api/observations?limit=200${filter}`)).total === 0, 'the project\'s observations are gone');
  await until(async () => (await rowIds(page)).length === 0 || (await rowIds(page)), 'no row left on the page');
  const others = await server.api('/api/observations?limit=200');
  assert.ok(others.items.some((o) => o.project === 'shop'), 'other projects are untouched');

  await nav('Forgotten').click();
  const { batches } = await server.api('/api/forgotten');
  const batch = batches.find((b) => b.observation_ids.length === FACTS.bulkCount);
  assert.ok(batch, `a batch of ${FACTS.bulkCount}: ${JSON.stringify(batches)}`);
  const entry = main().locator('article, tr, li').filter({ hasText: `Batch ${batch.id}:` })
    .filter({ has: page.getByRole('button', { name: 'Undo', exact: true }) }).first();
  await entry.waitFor();
  await shot(page, 'forgotten');
  await entry.getByRole('button', { name: 'Undo', exact: true }).click();
  await until(async () => (await server.api(`/api/observations?limit=200${filter}`)).total === FACTS.bulkCount, 'restored');
  await until(async () => !(await server.api('/api/forgotten')).batches.some((b) => b.id === batch.id), 'the batch left the Forgotten view');
}));

test('the costs view without a daily cap says there is none', keepOnFailure(() => page, 'costs-no-cap', async () => {
  const costs = await server.api('/api/costs?days=30');
  assert.equal(costs.daily_cap, null, 'this server runs without MEMCORE_DAILY_TOKEN_CAP');
  page = await openPage(browser, server);
  await page.goto(server.page('#/costs'));
  await main().getByRole('heading', { level: 1, name: 'Costs' }).waitFor();
  await main().getByText(/no daily cap/i).first().waitFor();
  assert.equal(await main().getByRole('meter').count(), 0, 'no meter against a cap');
}));

test('pin and unpin an observation', keepOnFailure(() => page, 'pin', async () => {
  const id = await observationId(FACTS.searchTitle);
  page = await openPage(browser, server);
  await page.goto(server.page(`#/obs/${id}`));
  await main().getByRole('heading', { level: 1, name: FACTS.searchTitle }).waitFor();
  await button('Pin').click();
  await button('Unpin').waitFor();
  assert.equal((await server.api(`/api/observations/${id}`)).observation.pinned, true, 'pinned in the store');
  await page.reload();
  await button('Unpin').waitFor();
  await shot(page, 'pin');
  await button('Unpin').click();
  await button('Pin').waitFor();
  assert.equal((await server.api(`/api/observations/${id}`)).observation.pinned, false, 'unpinned in the store');
}));
