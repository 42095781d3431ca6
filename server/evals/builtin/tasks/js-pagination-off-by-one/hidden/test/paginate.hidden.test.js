import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paginate } from '../src/paginate.js';

const five = [1, 2, 3, 4, 5];

test('page 1 is the first page', () => {
  assert.deepEqual(paginate(five, 1, 2), { items: [1, 2], page: 1, pages: 3, hasNext: true });
});

test('the last partial page counts', () => {
  assert.deepEqual(paginate(five, 3, 2), { items: [5], page: 3, pages: 3, hasNext: false });
  assert.equal(paginate([1, 2, 3, 4], 2, 2).pages, 2);
  assert.equal(paginate([1, 2, 3, 4], 2, 2).hasNext, false);
});

test('pages outside the range are empty', () => {
  assert.deepEqual(paginate(five, 4, 2).items, []);
  assert.equal(paginate(five, 4, 2).hasNext, false);
  assert.deepEqual(paginate(five, 0, 2).items, []);
  assert.equal(paginate(five, 0, 2).hasNext, false);
});

test('an empty list has one empty page', () => {
  assert.deepEqual(paginate([], 1, 10), { items: [], page: 1, pages: 1, hasNext: false });
});
