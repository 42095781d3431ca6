import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMoney } from '../dist/money.js';

test('always two decimals', () => {
  assert.equal(formatMoney(1005, 'USD'), '$10.05');
  assert.equal(formatMoney(7, 'EUR'), '€0.07');
  assert.equal(formatMoney(0, 'GBP'), '£0.00');
  assert.equal(formatMoney(100, 'USD'), '$1.00');
});

test('negative amounts: the sign before the symbol', () => {
  assert.equal(formatMoney(-150, 'USD'), '-$1.50');
  assert.equal(formatMoney(-123456, 'GBP'), '-£1,234.56');
  assert.equal(formatMoney(-5, 'EUR'), '-€0.05');
});

test('grouping stays', () => {
  assert.equal(formatMoney(123456789, 'USD'), '$1,234,567.89');
  assert.equal(formatMoney(99999, 'EUR'), '€999.99');
});
