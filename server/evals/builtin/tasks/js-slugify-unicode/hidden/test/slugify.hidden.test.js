import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slugify } from '../src/slugify.js';

test('single dashes, none at the ends', () => {
  assert.equal(slugify('Hello, World!'), 'hello-world');
  assert.equal(slugify('  Hello,  World! '), 'hello-world');
  assert.equal(slugify('C++ & Rust'), 'c-rust');
  assert.equal(slugify('already-a-slug'), 'already-a-slug');
});

test('accented letters keep their base letter', () => {
  assert.equal(slugify('Crème brûlée'), 'creme-brulee');
  assert.equal(slugify('Ünïcödé 2024'), 'unicode-2024');
});

test('nothing to keep gives an empty slug', () => {
  assert.equal(slugify('---'), '');
  assert.equal(slugify(''), '');
});
