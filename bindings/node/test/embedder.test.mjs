// A JavaScript embedding model, called back synchronously by libmemcore through koffi.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import koffi from 'koffi';
import { MemcoreError } from '../index.js';
import { tempStore } from '../test-support/helpers.mjs';

const DIMENSION = 64;

/** A toy model: character trigram counts hashed into DIMENSION buckets. */
function trigramVector(text) {
  const vector = new Float32Array(DIMENSION);
  const chars = [...` ${text.toLowerCase()} `];
  for (let i = 0; i + 3 <= chars.length; i += 1) {
    let h = 2166136261;
    for (const c of chars.slice(i, i + 3).join('')) h = Math.imul(h ^ c.codePointAt(0), 16777619);
    vector[(h >>> 0) % DIMENSION] += 1;
  }
  return vector;
}

test('observations and queries are embedded by the JavaScript model', (t) => {
  const mem = tempStore(t);
  const callbacksBefore = koffi.stats().callbacks;
  const seen = [];
  mem.setEmbedder({
    id: 'test-trigrams/d64',
    dimension: DIMENSION,
    embed(text) {
      seen.push(text);
      return trigramVector(text);
    },
  });
  assert.equal(koffi.stats().callbacks, callbacksBefore + 1);

  const coupon = mem.addObservation({ project: 'p', title: 'Checkout applies the coupon discount' });
  mem.addObservation({ project: 'p', title: 'Database migrations run at startup' });
  assert.ok(seen.some((text) => text.includes('Checkout applies the coupon discount')));

  const before = seen.length;
  const hits = mem.search({ query: 'coupon discounts', scope: { project: 'p' }, mode: 'vector' });
  assert.ok(seen.length > before, 'the query was embedded');
  assert.equal(seen.at(-1), 'coupon discounts');
  assert.equal(hits[0].id, coupon.id);
  assert.ok(hits[0].parts.vectorSimilarity > 0.3);

  // Plain arrays work as well as typed arrays.
  mem.setEmbedder({ id: 'test-trigrams-array/d64', dimension: DIMENSION, embed: (text) => Array.from(trigramVector(text)) });
  assert.equal(koffi.stats().callbacks, callbacksBefore + 1, 'the replaced callback was released');
  mem.addObservation({ project: 'p', title: 'Coupons expire at midnight UTC' });
  assert.ok(mem.search({ query: 'coupon', scope: { project: 'p' }, mode: 'vector' }).length >= 1);

  mem.useBuiltinEmbedder();
  assert.equal(koffi.stats().callbacks, callbacksBefore, 'the callback was released');
  assert.ok(mem.search({ query: 'coupon', scope: { project: 'p' } }).length >= 1);
  mem.disableEmbedder();
  assert.ok(mem.search({ query: 'coupon', scope: { project: 'p' }, mode: 'lexical' }).length >= 1);
});

test('a failing embedder is a CALLBACK error with the exception as its cause', (t) => {
  const mem = tempStore(t);
  const failure = new Error('model not loaded');
  let mode = 'throw';
  mem.setEmbedder({
    id: 'flaky/d8',
    dimension: 8,
    embed() {
      if (mode === 'throw') throw failure;
      if (mode === 'short') return [1, 2, 3];
      if (mode === 'nan') return new Array(8).fill(Number.NaN);
      if (mode === 'promise') return Promise.resolve(new Array(8).fill(1));
      if (mode === 'reenter') {
        mem.stats(); // libmemcore refuses a call on the store that is calling back
        return new Array(8).fill(1);
      }
      return new Array(8).fill(1);
    },
  });
  const add = () => mem.addObservation({ project: 'p', title: `observation in mode ${mode}` });

  let error;
  try {
    add();
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof MemcoreError);
  assert.equal(error.code, 'CALLBACK');
  assert.equal(error.status, 13);
  assert.equal(error.cause, failure);

  mode = 'short';
  assert.throws(add, (caught) => caught.code === 'CALLBACK' && /returned 3 values, expected 8/.test(caught.cause.message));
  mode = 'nan';
  assert.throws(add, { code: 'CALLBACK' });
  mode = 'promise';
  assert.throws(add, (caught) => caught.code === 'CALLBACK' && /synchronously/.test(caught.cause.message));
  mode = 'reenter';
  assert.throws(add, (caught) => caught.code === 'CALLBACK' && caught.cause?.code === 'INVALID_ARGUMENT');

  // Nothing was stored by the failed calls, and the store works on.
  assert.equal(mem.stats().observations, 0);
  mode = 'ok';
  assert.equal(add().duplicate, false);
  assert.equal(mem.stats().observations, 1);
});

test('closing the store releases its callbacks', (t) => {
  const mem = tempStore(t);
  const before = koffi.stats().callbacks;
  mem.setEmbedder({ id: 'x/d4', dimension: 4, embed: () => [1, 0, 0, 0] });
  mem.setLlm(() => '[]');
  assert.equal(koffi.stats().callbacks, before + 2);
  mem.close();
  assert.equal(koffi.stats().callbacks, before);
});
