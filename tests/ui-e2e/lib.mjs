// What the end-to-end tests share: the memcore binary, a private copy of the fixture store,
// `memcore ui --no-open` on it, the browser (Debian's chromium, launched exactly as the issue
// says), pages that fail the test on a script error or on any request to another origin, and
// screenshots kept as test artefacts.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { buildFixture, memcoreEnv } from './fixture.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const TARGET = resolve(ROOT, process.env.CARGO_TARGET_DIR ?? 'target');
export const OUT = process.env.UI_E2E_OUT ?? join(TARGET, 'ui-e2e');
export const SCREENSHOTS = join(OUT, 'screenshots');
export const BIN = process.env.MEMCORE_BIN ?? join(TARGET, 'debug', 'memcore');
export const CHROMIUM = process.env.UI_E2E_CHROMIUM ?? '/usr/bin/chromium';
// The size of the README's screenshot; every view is shot at it.
export const VIEWPORT = { width: 1100, height: 700 };

/// The fixture store: the one scripts/test-ui.sh built, else built here once per process.
function fixtureDir() {
  if (process.env.UI_E2E_FIXTURE && existsSync(process.env.UI_E2E_FIXTURE)) {
    return process.env.UI_E2E_FIXTURE;
  }
  const dir = join(OUT, `fixture-${process.pid}`);
  buildFixture(dir, BIN);
  process.env.UI_E2E_FIXTURE = dir;
  return dir;
}

/// `memcore --db <copy>/data/memory.db ui --no-open` on a private copy of the fixture; the
/// URL is the first line of its standard output. `env` adds variables (the daily cap).
/// `prepare(db, env)` runs on the copy before the server starts (to add records).
export async function startServer(env = {}, prepare = undefined) {
  const source = fixtureDir();
  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(OUT, 'run-'));
  cpSync(source, dir, { recursive: true });
  const db = join(dir, 'data', 'memory.db');
  if (prepare) await prepare(db, memcoreEnv(dir, env));
  const child = spawn(BIN, ['--db', db, 'ui', '--no-open'], {
    env: memcoreEnv(dir, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The server lives as long as the command: it must not outlive a test process that ends
  // without its after() hook (a crash, a cancelled run).
  const killChild = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', killChild);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise((ok, no) => {
    let out = '';
    const timer = setTimeout(() => no(new Error(`memcore ui printed no URL in 30 s; stderr: ${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        ok(out.slice(0, nl).trim());
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      no(new Error(`memcore ui exited ${code} before printing a URL; stderr: ${stderr}`));
    });
  });
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token');
  if (!token || !/^http:\/\/(127\.0\.0\.1|localhost):\d+\/$/.test(parsed.origin + '/')) {
    throw new Error(`memcore ui printed ${url}, not http://127.0.0.1:PORT/?token=T`);
  }
  const origin = parsed.origin;
  return {
    url,
    origin,
    token,
    db,
    dir,
    /// The API as the page calls it, with the token header; JSON in and out.
    async api(path, { method = 'GET', body } = {}) {
      const response = await fetch(origin + path, {
        method,
        headers: { 'X-Memcore-Token': token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text);
    },
    /// The page's URL for a hash route ("#/costs").
    page(route = '') {
      return `${origin}/?token=${encodeURIComponent(token)}${route}`;
    },
    stderr: () => stderr,
    async stop({ keep = false } = {}) {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((ok) => setTimeout(ok, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/// A page on its own context; records script errors, console errors and any request that
/// leaves the server's origin (the page must work offline: no third-party resource).
export async function openPage(browser, server, { viewport = VIEWPORT } = {}) {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(server.origin + '/') && !u.startsWith('data:') && !u.startsWith('blob:')) {
      problems.push(`request to another origin: ${u}`);
    }
  });
  page.problems = problems;
  page.closeAll = () => context.close();
  return page;
}

/// Keeps a screenshot of the view as a test artefact and says where.
/** Closes a test's page (if it opened one) and fails the test when the page had script
 * errors, console errors or reached another origin: every test file's afterEach. */
export async function closeChecked(page) {
  if (!page) return;
  const problems = page.problems;
  await page.closeAll();
  assert.deepEqual(problems, [], 'the page had script errors or reached another origin');
}

export async function shot(page, name, { fullPage = false } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  console.log(`screenshot: ${path}`);
  return path;
}

/// Sets a labelled control: a <select> by its option's label or value, anything else by
/// typing (then Enter, which submits filters and search).
export async function setControl(control, value, { submit = true } = {}) {
  const tag = await control.evaluate((el) => el.tagName.toLowerCase());
  if (tag === 'select') {
    const options = await control.evaluate((el) => [...el.options].map((o) => ({ v: o.value, l: o.label })));
    const match = options.find((o) => o.v === value || o.l === value) ?? options.find((o) => o.l.startsWith(value));
    if (!match) throw new Error(`no option ${value} in ${JSON.stringify(options)}`);
    await control.selectOption(match.v);
  } else {
    await control.fill(value);
    if (submit) await control.press('Enter');
  }
}

/// The ids of the observation rows (`<article data-obs-id>`) in the order shown.
export async function rowIds(page) {
  return page.locator('article[data-obs-id]').evaluateAll((els) => els.map((e) => Number(e.dataset.obsId)));
}

export async function waitForRows(page) {
  await page.locator('article[data-obs-id]').first().waitFor();
}

/// Resolves once `check()` holds (polls), else fails with what it last saw.
export async function until(check, what, timeout = 10_000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last === true) return;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > end) assert.fail(`${what} (last: ${JSON.stringify(last)})`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}


/// A test body that keeps a screenshot of the page as it was when the test failed.
export function keepOnFailure(getPage, name, body) {
  return async (t) => {
    try {
      await body(t);
    } catch (e) {
      const page = getPage();
      if (page && !page.isClosed()) await shot(page, `${name}-FAILED`).catch(() => {});
      throw e;
    }
  };
}

/// A number as the page may write it: 12900, 12,900, 12 900 or 12.900 (toLocaleString).
export function numberPattern(n) {
  return new RegExp(`(^|[^\\d])${String(n).replace(/\B(?=(\d{3})+$)/g, '[,. \u00a0\u202f]?')}($|[^\\d])`);
}

/// Sets the landing view's filters (labelled controls) and applies them.
export async function applyFilters(page, filters) {
  const form = page.getByRole('form', { name: /filter/i });
  for (const [label, value] of Object.entries(filters)) {
    // A <label> around a <select> names it with the label and the chosen option's text.
    await setControl(form.getByLabel(new RegExp(`^${label}`)), value, { submit: false });
  }
  await form.getByRole('button', { name: 'Apply', exact: true }).click();
}
