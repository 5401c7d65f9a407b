import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_VERIFIED, parseVerified, verificationOf, withVerified } from './verification.ts';

const BEN = 'B'.repeat(43);
const OTHER = 'O'.repeat(43);
const verified = [{ key: BEN, name: 'Ben' }];

test('someone whose key was verified is verified, whatever name they use now', () => {
  assert.equal(verificationOf({ key: BEN, name: 'Ben' }, verified), 'verified');
  assert.equal(verificationOf({ key: BEN, name: 'Benjamin' }, verified), 'verified');
});

test('a verified name on another key is a warning, however it is capitalised or spaced', () => {
  assert.equal(verificationOf({ key: OTHER, name: 'Ben' }, verified), 'changed');
  assert.equal(verificationOf({ key: OTHER, name: ' ben ' }, verified), 'changed');
});

test('anyone else, and anyone not introduced yet, is simply unverified', () => {
  assert.equal(verificationOf({ key: OTHER, name: 'Cat' }, verified), 'unverified');
  assert.equal(verificationOf({ key: null, name: 'Ben' }, verified), 'unverified');
  assert.equal(verificationOf({ key: BEN, name: 'Ben' }, []), 'unverified');
});

test('marking again keeps one entry per key, with the latest name', () => {
  const again = withVerified(verified, { key: BEN, name: 'Benjamin' });
  assert.deepEqual(again, [{ key: BEN, name: 'Benjamin' }]);
});

test('the list is bounded, dropping the oldest', () => {
  let list = verified;
  for (let i = 0; i < MAX_VERIFIED + 5; i++) list = withVerified(list, { key: `k${i}`, name: `n${i}` });
  assert.equal(list.length, MAX_VERIFIED);
  assert.ok(!list.some((v) => v.key === BEN));
});

test('stored data is read strictly: malformed entries and extra fields are dropped', () => {
  assert.deepEqual(parseVerified(null), []);
  assert.deepEqual(parseVerified({ key: BEN }), []);
  assert.deepEqual(parseVerified([{ key: BEN, name: 'Ben', extra: 1 }, { key: 1, name: 'x' }, 'junk', null]), [{ key: BEN, name: 'Ben' }]);
});
