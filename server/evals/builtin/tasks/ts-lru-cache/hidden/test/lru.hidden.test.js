import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from '../dist/lru.js';

test('get and set', () => {
  const c = new LruCache(2);
  c.set('a', 1);
  c.set('b', 2);
  assert.equal(c.get('a'), 1);
  assert.equal(c.get('missing'), undefined);
  assert.equal(c.size, 2);
});

test('evicts the least recently used entry', () => {
  const c = new LruCache(2);
  c.set('a', 1);
  c.set('b', 2);
  c.get('a'); // a is now the most recent
  c.set('c', 3);
  assert.equal(c.get('b'), undefined);
  assert.equal(c.get('a'), 1);
  assert.equal(c.get('c'), 3);
  assert.equal(c.size, 2);
});

test('replacing a value refreshes it and does not grow the cache', () => {
  const c = new LruCache(2);
  c.set('a', 1);
  c.set('b', 2);
  c.set('a', 10);
  c.set('c', 3);
  assert.equal(c.get('a'), 10);
  assert.equal(c.get('b'), undefined);
  assert.equal(c.size, 2);
});

test('delete', () => {
  const c = new LruCache(3);
  c.set(1, 'x');
  assert.equal(c.delete(1), true);
  assert.equal(c.delete(1), false);
  assert.equal(c.size, 0);
});

test('a capacity below 1 is refused', () => {
  assert.throws(() => new LruCache(0), RangeError);
  assert.throws(() => new LruCache(1.5), RangeError);
});
