import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cartTotal } from '../src/cart.js';
import { invoiceTotal } from '../src/invoice.js';
import { quoteTotal } from '../src/quote.js';

test('totals with VAT', () => {
  assert.equal(cartTotal([{ price: 10, qty: 2 }], 'DE'), 23.8);
  assert.equal(invoiceTotal({ region: 'US', items: [{ amount: 99.99 }] }), 99.99);
  assert.equal(quoteTotal(100, 'FR', 0.1), 108);
});
