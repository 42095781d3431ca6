import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../src/csv.js';

test('quoted commas and doubled quotes', () => {
  assert.deepEqual(parseCsv('name,quote\n"Smith, J","He said ""hi"""\n'), [
    ['name', 'quote'],
    ['Smith, J', 'He said "hi"'],
  ]);
});

test('a line break inside quotes stays in the field', () => {
  assert.deepEqual(parseCsv('a,"multi\nline",c'), [['a', 'multi\nline', 'c']]);
});

test('CRLF rows, empty fields, spaces kept', () => {
  assert.deepEqual(parseCsv('x,y\r\n1,2\r\n'), [
    ['x', 'y'],
    ['1', '2'],
  ]);
  assert.deepEqual(parseCsv('a,,c\n'), [['a', '', 'c']]);
  assert.deepEqual(parseCsv(' a , b '), [[' a ', ' b ']]);
  assert.deepEqual(parseCsv('"",x'), [['', 'x']]);
});

test('no text, no rows', () => {
  assert.deepEqual(parseCsv(''), []);
});
