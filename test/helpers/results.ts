import assert from 'node:assert/strict';
import type { ParseError, Result } from '../../shared/result.ts';

/** The value of a result that must be accepted; fails the test with the refusal otherwise. */
export function accepted<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`refused: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** The code of a result that must be refused; fails the test if it was accepted. */
export function refusal(r: Result<unknown, ParseError>): string {
  if (r.ok) assert.fail(`accepted: ${JSON.stringify(r.value)}`);
  return r.error.code;
}
