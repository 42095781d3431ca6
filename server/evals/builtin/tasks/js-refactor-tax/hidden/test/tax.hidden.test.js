import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { taxRate, withTax } from '../src/tax.js';
import { cartTotal } from '../src/cart.js';
import { invoiceTotal } from '../src/invoice.js';
import { quoteTotal } from '../src/quote.js';

test('the tax module', () => {
  assert.equal(taxRate('DE'), 0.19);
  assert.equal(taxRate('FR'), 0.2);
  assert.equal(taxRate('US'), 0);
  assert.equal(taxRate('IT'), 0.2);
  assert.equal(withTax(10, 'DE'), 11.9);
  assert.equal(withTax(0.1, 'IT'), 0.12);
  assert.equal(withTax(19.99, 'US'), 19.99);
});

test('the totals did not change', () => {
  for (const region of ['DE', 'FR', 'US', 'NL']) {
    const rate = { DE: 0.19, FR: 0.2, US: 0 }[region] ?? 0.2;
    const round = (x) => Math.round(x * (1 + rate) * 100) / 100;
    assert.equal(cartTotal([{ price: 3.33, qty: 3 }, { price: 0.5, qty: 1 }], region), round(3.33 * 3 + 0.5));
    assert.equal(invoiceTotal({ region, items: [{ amount: 12.5 }, { amount: 7.25 }] }), round(12.5 + 7.25));
    assert.equal(quoteTotal(250, region, 0.15), round(250 * 0.85));
    assert.equal(quoteTotal(250, region), round(250));
  }
});

test('the three totals use the tax module and keep no rate of their own', () => {
  for (const file of ['cart.js', 'invoice.js', 'quote.js']) {
    const source = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
    assert.match(source, /from ['"]\.\/tax\.js['"]/, `${file} does not import ./tax.js`);
    assert.doesNotMatch(source, /0\.19|0\.2\b/, `${file} still holds a VAT rate`);
  }
});
