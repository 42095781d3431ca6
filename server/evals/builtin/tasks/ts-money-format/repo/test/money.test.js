import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMoney } from '../dist/money.js';

test('groups thousands', () => {
  assert.equal(formatMoney(123456, 'EUR'), '€1,234.56');
});
