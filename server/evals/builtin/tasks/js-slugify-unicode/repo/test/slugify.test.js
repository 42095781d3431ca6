import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slugify } from '../src/slugify.js';

test('a plain word stays as it is', () => {
  assert.equal(slugify('nightshift'), 'nightshift');
});
