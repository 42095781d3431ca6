import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCart } from '../public/cart.js';

test('an empty cart', () => {
  const cart = createCart();
  assert.equal(cart.count(), 0);
  assert.equal(cart.total(), 0);
});
