import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paginate } from '../src/paginate.js';

test('a size below 1 is refused', () => {
  assert.throws(() => paginate([1, 2], 1, 0), RangeError);
});
