import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retry } from '../src/retry.js';

test('a first success is returned', async () => {
  assert.equal(await retry(() => 42), 42);
});
