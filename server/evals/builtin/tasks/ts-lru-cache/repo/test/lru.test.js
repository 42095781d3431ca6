import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from '../dist/lru.js';

test('starts empty', () => {
  assert.equal(new LruCache(2).size, 0);
});
