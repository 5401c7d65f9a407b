import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientAddress } from './client-address.ts';

test('without trusted proxies the socket address counts and X-Forwarded-For is ignored', () => {
  assert.equal(clientAddress('203.0.113.7', '198.51.100.1', 0), '203.0.113.7');
});

test('behind one proxy the right-most forwarded entry counts, and what the client wrote left of it does not', () => {
  assert.equal(clientAddress('10.0.0.2', '198.51.100.1', 1), '198.51.100.1');
  assert.equal(clientAddress('10.0.0.2', '192.0.2.66, 198.51.100.1', 1), '198.51.100.1');
});

test('behind two proxies the second entry from the right counts', () => {
  assert.equal(clientAddress('10.0.0.2', '192.0.2.66, 198.51.100.1, 10.0.0.9', 2), '198.51.100.1');
  assert.equal(clientAddress('10.0.0.2', '198.51.100.1', 2), '198.51.100.1', 'a shorter header: the farthest entry a proxy wrote');
});

test('duplicate X-Forwarded-For headers are read as one list', () => {
  assert.equal(clientAddress('10.0.0.2', ['192.0.2.66', '198.51.100.1'], 1), '198.51.100.1');
});

test('no header, or an entry that is not an address, counts under the socket address', () => {
  assert.equal(clientAddress('10.0.0.2', undefined, 1), '10.0.0.2');
  assert.equal(clientAddress('10.0.0.2', '198.51.100.1, not-an-ip', 1), '10.0.0.2');
  assert.equal(clientAddress('10.0.0.2', '198.51.100.1:4711', 1), '10.0.0.2');
  assert.equal(clientAddress(undefined, undefined, 0), 'unknown');
});

test('an IPv4-mapped IPv6 address counts as the IPv4 address', () => {
  assert.equal(clientAddress('::ffff:203.0.113.7', undefined, 0), '203.0.113.7');
  assert.equal(clientAddress('::ffff:10.0.0.2', '::FFFF:198.51.100.1', 1), '198.51.100.1');
});

test('IPv6 addresses in one /64 count as one client', () => {
  const a = clientAddress('2001:db8:1:2:aaaa:bbbb:cccc:dddd', undefined, 0);
  assert.equal(a, '2001:db8:1:2::/64');
  assert.equal(clientAddress('2001:0db8:0001:0002::1', undefined, 0), a, 'leading zeros and :: compression');
  assert.equal(clientAddress('2001:db8:1:3::1', undefined, 0), '2001:db8:1:3::/64');
  assert.equal(clientAddress('::1', undefined, 0), '0:0:0:0::/64');
  assert.equal(clientAddress('2001:db8::1', undefined, 0), '2001:db8:0:0::/64');
  assert.equal(clientAddress('::a:b:c:d:1.2.3.4', undefined, 0), '0:0:a:b::/64', 'an embedded IPv4 tail is two groups');
  assert.equal(clientAddress('fe80::1%eth0', undefined, 0), 'fe80:0:0:0::/64');
});
