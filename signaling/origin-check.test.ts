import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asOrigin, originAllowed as allowedFor, type OwnOrigin } from './origin-check.ts';

/** The check as a server without PUBLIC_URL makes it: the Host header names its own origin. */
const originAllowed = (origin: string | undefined, host: string | undefined, embedders: readonly string[]): boolean =>
  allowedFor(origin, { kind: 'host', host }, embedders);
const NAMED: OwnOrigin = { kind: 'named', origin: 'http://porch.example:8080' };

const NONE: readonly string[] = [];
const EMBEDDERS = ['https://embed.example', 'https://blog.example:8443'];

test('a page on the host the upgrade was sent to may connect', () => {
  assert.equal(originAllowed('http://localhost:8080', 'localhost:8080', NONE), true);
  assert.equal(originAllowed('http://[::1]:8080', '[::1]:8080', NONE), true);
});

test('an https page behind a TLS-terminating proxy that passes Host on may connect', () => {
  assert.equal(originAllowed('https://porch.example', 'porch.example', NONE), true);
  assert.equal(originAllowed('https://porch.example', 'porch.example:443', NONE), true, 'the default port, written out');
  assert.equal(originAllowed('https://porch.example:8443', 'Porch.Example:8443', NONE), true, 'host names are case-insensitive');
});

test('a page from another site, port or scheme-default port may not connect by default', () => {
  assert.equal(originAllowed('https://evil.example', 'porch.example', NONE), false);
  assert.equal(originAllowed('http://localhost:9999', 'localhost:8080', NONE), false);
  assert.equal(originAllowed('https://porch.example', 'porch.example:80', NONE), false);
  assert.equal(originAllowed('https://porch.example.evil.example', 'porch.example', NONE), false);
});

test('an opaque, malformed or host-less origin may not connect', () => {
  for (const embedders of [NONE, EMBEDDERS]) {
    assert.equal(originAllowed('null', 'porch.example', embedders), false);
    assert.equal(originAllowed('', 'porch.example', embedders), false);
    assert.equal(originAllowed('file://', 'porch.example', embedders), false);
    assert.equal(originAllowed('https://porch.example', undefined, embedders), false);
    assert.equal(originAllowed('https://porch.example', 'porch.example/path', embedders), false);
  }
});

test('a page of a listed embedding site may connect, whatever host the upgrade was sent to', () => {
  assert.equal(originAllowed('https://embed.example', 'porch.example', EMBEDDERS), true);
  assert.equal(originAllowed('https://blog.example:8443', 'porch.example', EMBEDDERS), true);
  assert.equal(originAllowed('https://embed.example', undefined, EMBEDDERS), true);
});

test('a page of an unlisted site may not connect while others are listed', () => {
  assert.equal(originAllowed('https://evil.example', 'porch.example', EMBEDDERS), false);
  assert.equal(originAllowed('http://embed.example', 'porch.example', EMBEDDERS), false, 'another scheme is another origin');
  assert.equal(originAllowed('https://blog.example', 'porch.example', EMBEDDERS), false, 'another port is another origin');
  assert.equal(originAllowed('https://sub.embed.example', 'porch.example', EMBEDDERS), false);
});

test('the server\'s own page may connect whether or not other sites are listed', () => {
  assert.equal(originAllowed('https://porch.example', 'porch.example', NONE), true);
  assert.equal(originAllowed('https://porch.example', 'porch.example', EMBEDDERS), true);
  assert.equal(originAllowed('http://localhost:8080', 'localhost:8080', EMBEDDERS), true);
});

test('an upgrade without Origin (not a browser) is let through, listed sites or not', () => {
  assert.equal(originAllowed(undefined, 'porch.example', NONE), true);
  assert.equal(originAllowed(undefined, 'porch.example', EMBEDDERS), true);
  assert.equal(originAllowed(undefined, undefined, NONE), true);
});

test('with a named origin, a page of that origin may connect whatever Host the upgrade carries', () => {
  assert.equal(allowedFor('http://porch.example:8080', NAMED, NONE), true);
  assert.equal(allowedFor('http://porch.example:8080', NAMED, EMBEDDERS), true);
});

test('with a named origin, a page whose origin only matches the Host header may not connect (DNS rebinding)', () => {
  // The attacker's name, pointed at the server's address: Origin and Host agree, and both are the attacker's.
  assert.equal(originAllowed('http://rebound.example:8080', 'rebound.example:8080', NONE), true, 'what Host alone lets through');
  assert.equal(allowedFor('http://rebound.example:8080', NAMED, NONE), false);
  assert.equal(allowedFor('https://porch.example:8080', NAMED, NONE), false, 'another scheme is another origin');
  assert.equal(allowedFor('http://porch.example', NAMED, NONE), false, 'another port is another origin');
  assert.equal(allowedFor('null', NAMED, NONE), false);
});

test('with a named origin, listed sites may still connect and others not', () => {
  assert.equal(allowedFor('https://embed.example', NAMED, EMBEDDERS), true);
  assert.equal(allowedFor('https://evil.example', NAMED, EMBEDDERS), false);
  assert.equal(allowedFor(undefined, NAMED, EMBEDDERS), true, 'a non-browser client, as without a named origin');
});

test('only a bare http(s) origin is taken as one, in the form browsers send', () => {
  assert.equal(asOrigin('https://Porch.Example:443/'), 'https://porch.example');
  for (const text of ['porch.example', 'https://porch.example/app', 'https://porch.example?x', 'https://porch.example#', 'https://u@porch.example', 'ws://porch.example']) {
    assert.equal(asOrigin(text), null, text);
  }
});
