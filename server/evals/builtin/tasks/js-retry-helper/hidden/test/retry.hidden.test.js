import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retry } from '../src/retry.js';

test('retries until a call succeeds, passing the attempt number', async () => {
  const seen = [];
  const value = await retry(
    async (n) => {
      seen.push(n);
      if (n < 3) throw new Error(`fail ${n}`);
      return 'ok';
    },
    { attempts: 5 },
  );
  assert.equal(value, 'ok');
  assert.deepEqual(seen, [1, 2, 3]);
});

test('rejects with the last error after the last attempt', async () => {
  let calls = 0;
  await assert.rejects(
    retry(
      () => {
        calls += 1;
        throw new Error(`fail ${calls}`);
      },
      { attempts: 4 },
    ),
    { message: 'fail 4' },
  );
  assert.equal(calls, 4);
});

test('defaults to three attempts', async () => {
  let calls = 0;
  await assert.rejects(
    retry(() => {
      calls += 1;
      return Promise.reject(new Error('no'));
    }),
  );
  assert.equal(calls, 3);
});

test('waits delayMs, then twice as long', async () => {
  const started = Date.now();
  await assert.rejects(retry(() => Promise.reject(new Error('no')), { attempts: 3, delayMs: 40 }));
  // 40 ms before the second call and 80 ms before the third.
  assert.ok(Date.now() - started >= 115, `waited only ${Date.now() - started} ms`);
});

test('attempts below 1 is a RangeError and fn is never called', async () => {
  let calls = 0;
  await assert.rejects(
    retry(() => {
      calls += 1;
    }, { attempts: 0 }),
    RangeError,
  );
  assert.equal(calls, 0);
});
