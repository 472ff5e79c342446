// Text in any script crosses the binding unchanged: emoji, CJK, right-to-left, combining marks.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Memory } from '../index.js';
import { tempDir } from '../test-support/helpers.mjs';

const SAMPLES = {
  emoji: 'Fixed the 🐛 in the 🛒 total 👩‍💻🏳️‍🌈 (ZWJ sequences, flags 🇯🇵)',
  cjk: '修复了购物车的优惠券计算错误：合計金額がクーポンを無視していた',
  korean: '장바구니 쿠폰 계산 오류 수정',
  arabic: 'إصلاح خطأ في حساب القسيمة في سلة التسوق',
  hebrew: 'תיקון באג בחישוב הקופון בעגלת הקניות',
  mixedRtl: 'file ‏src/עגלה.js‎ line 42 — قسيمة',
  combining: 'cafe\u0301 nai\u0308ve Ä (NFD) vs café naïve Ä (NFC)',
  astral: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 𓂀',
};

test('unicode round-trips through paths, sessions, events and observations', (t) => {
  const dir = tempDir(t, 'memcore-ユニコード-');
  const mem = Memory.open(join(dir, '記憶 🧠', 'مخزن.db'));
  t.after(() => mem.close());

  const project = 'проект-項目-🚀';
  const sessionId = 'セッション-١-🧵';
  const session = mem.startSession({ id: sessionId, project, agent: 'агент' });
  assert.equal(session.id, sessionId);
  assert.equal(session.project, project);
  assert.equal(session.agent, 'агент');

  for (const [name, text] of Object.entries(SAMPLES)) {
    mem.recordEvent({ sessionId, payload: { type: 'user_prompt', text } });
    mem.recordEvent({
      sessionId,
      payload: {
        type: 'tool_use',
        toolName: 'Edit',
        input: { 'ファイル': `src/${name}.js`, [text]: text, nested: [{ '键': text }] },
        output: text,
        toolUseId: `tu-${name}-✓`,
      },
    });
  }
  const events = mem.events(sessionId);
  assert.equal(events.length, 2 * Object.keys(SAMPLES).length);
  Object.entries(SAMPLES).forEach(([name, text], index) => {
    const prompt = events[2 * index];
    const tool = events[2 * index + 1];
    assert.equal(prompt.payload.text, text, name);
    assert.equal(tool.payload.output, text, name);
    assert.deepEqual(tool.payload.input, { 'ファイル': `src/${name}.js`, [text]: text, nested: [{ '键': text }] }, name);
    assert.equal(tool.externalId, `tu-${name}-✓`);
  });

  const ids = {};
  for (const [name, text] of Object.entries(SAMPLES)) {
    const added = mem.addObservation({
      project,
      sessionId,
      kind: 'bugfix',
      title: text,
      narrative: `${text}\n${text}`,
      facts: [text, name],
      concepts: ['problem-solution'],
      filesModified: [`src/${text.slice(0, 8)}.js`],
    });
    assert.equal(added.duplicate, false, name);
    ids[name] = added.id;
  }
  for (const [name, text] of Object.entries(SAMPLES)) {
    const [observation] = mem.get(ids[name]);
    assert.equal(observation.title, text, name);
    assert.equal(observation.narrative, `${text}\n${text}`, name);
    assert.deepEqual(observation.facts, [text, name], name);
    assert.deepEqual(observation.filesModified, [`src/${text.slice(0, 8)}.js`], name);
  }
  assert.deepEqual(mem.projects(), [project]);
  assert.ok(mem.stats({ project }).observations >= Object.keys(SAMPLES).length);
});

test('search finds text in CJK, Korean, Arabic, Hebrew, accented and astral scripts', (t) => {
  const dir = tempDir(t);
  const mem = Memory.open(join(dir, 'm.db'));
  t.after(() => mem.close());
  const project = 'unicode';
  const samples = {
    ...SAMPLES,
    // CJK words separated by spaces or punctuation, as in code comments and commit messages.
    cjk: '修复 购物车 优惠券 计算错误 — 合計金額 クーポン 無視',
  };
  const ids = {};
  for (const [name, text] of Object.entries(samples)) {
    ids[name] = mem.addObservation({ project, kind: 'bugfix', title: text, narrative: text }).id;
  }
  const top = (query) => mem.search({ query, scope: { project } })[0];
  assert.equal(top('优惠券').id, ids.cjk);
  assert.equal(top('クーポン').id, ids.cjk);
  assert.equal(top('쿠폰').id, ids.korean);
  assert.equal(top('القسيمة').id, ids.arabic);
  assert.equal(top('הקופון').id, ids.hebrew);
  assert.equal(top('naïve').id, ids.combining);
  assert.equal(top('𝔘𝔫𝔦𝔠𝔬𝔡𝔢').id, ids.astral);
  // Hits carry the text intact.
  assert.equal(top('القسيمة').observation.title, samples.arabic);
  assert.equal(top('优惠券').observation.narrative, samples.cjk);
  // Context renders it intact.
  const context = mem.context({ purpose: 'prompt', query: '优惠券 クーポン', scope: { project } });
  assert.ok(context.text.includes(samples.cjk), context.text);
});

test('a CJK word inside an unbroken run of CJK text is found (a known gap of core recall)', (t) => {
  const dir = tempDir(t);
  const mem = Memory.open(join(dir, 'm.db'));
  t.after(() => mem.close());
  const id = mem.addObservation({ project: 'p', title: SAMPLES.cjk }).id;
  mem.addObservation({ project: 'p', title: SAMPLES.arabic });
  const top = mem.search({ query: '优惠券', scope: { project: 'p' } })[0];
  // The text always crosses intact; finding the word is recall's job.
  assert.equal(mem.get(id)[0].title, SAMPLES.cjk);
  if (top?.id !== id) {
    t.todo(
      'core recall: FTS5 unicode61 indexes an unbroken CJK run as one token, and the hashed ' +
        'n-gram vectors of a long run barely match a short query',
    );
  }
});
