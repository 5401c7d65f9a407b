import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNever, err, ok } from './result.ts';

test('ok wraps a value as a success', () => {
  assert.deepEqual(ok(42), { ok: true, value: 42 });
});

test('err wraps an error as a failure', () => {
  assert.deepEqual(err({ code: 'bad-link', message: 'm' }), { ok: false, error: { code: 'bad-link', message: 'm' } });
});

test('reaching assertNever at run time throws and names the unhandled variant', () => {
  assert.throws(() => assertNever({ kind: 'surprise' } as never), /unhandled variant: \{"kind":"surprise"\}/);
});
