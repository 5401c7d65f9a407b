import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asOrigin, originAllowed } from './origin-check.ts';

test('a page on the host the upgrade was sent to may connect', () => {
  assert.equal(originAllowed('http://localhost:8080', 'localhost:8080', 'same-origin'), true);
  assert.equal(originAllowed('http://[::1]:8080', '[::1]:8080', 'same-origin'), true);
});

test('an https page behind a TLS-terminating proxy that passes Host on may connect', () => {
  assert.equal(originAllowed('https://porch.example', 'porch.example', 'same-origin'), true);
  assert.equal(originAllowed('https://porch.example', 'porch.example:443', 'same-origin'), true, 'the default port, written out');
  assert.equal(originAllowed('https://porch.example:8443', 'Porch.Example:8443', 'same-origin'), true, 'host names are case-insensitive');
});

test('a page from another site, port or scheme-default port may not connect by default', () => {
  assert.equal(originAllowed('https://evil.example', 'porch.example', 'same-origin'), false);
  assert.equal(originAllowed('http://localhost:9999', 'localhost:8080', 'same-origin'), false);
  assert.equal(originAllowed('https://porch.example', 'porch.example:80', 'same-origin'), false);
  assert.equal(originAllowed('https://porch.example.evil.example', 'porch.example', 'same-origin'), false);
});

test('an opaque, malformed or host-less origin may not connect', () => {
  assert.equal(originAllowed('null', 'porch.example', 'same-origin'), false);
  assert.equal(originAllowed('', 'porch.example', 'same-origin'), false);
  assert.equal(originAllowed('file://', 'porch.example', 'same-origin'), false);
  assert.equal(originAllowed('https://porch.example', undefined, 'same-origin'), false);
  assert.equal(originAllowed('https://porch.example', 'porch.example/path', 'same-origin'), false);
});

test('with a list, exactly the listed origins may connect, the server\'s own host included only if listed', () => {
  const listed = ['https://porch.example', 'https://embed.example'];
  assert.equal(originAllowed('https://embed.example', 'porch.example', listed), true);
  assert.equal(originAllowed('https://porch.example', 'anything.example', listed), true);
  assert.equal(originAllowed('http://localhost:8080', 'localhost:8080', listed), false);
  assert.equal(originAllowed('https://evil.example', 'porch.example', listed), false);
});

test('an upgrade without Origin (not a browser) is let through under either policy', () => {
  assert.equal(originAllowed(undefined, 'porch.example', 'same-origin'), true);
  assert.equal(originAllowed(undefined, 'porch.example', ['https://porch.example']), true);
});

test('only a bare http(s) origin is taken as one, in the form browsers send', () => {
  assert.equal(asOrigin('https://Porch.Example:443/'), 'https://porch.example');
  for (const text of ['porch.example', 'https://porch.example/app', 'https://porch.example?x', 'https://porch.example#', 'https://u@porch.example', 'ws://porch.example']) {
    assert.equal(asOrigin(text), null, text);
  }
});
