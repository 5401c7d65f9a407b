import { test } from 'node:test';
import assert from 'node:assert/strict';
import { embedSnippets } from './embed-snippets.ts';

const LINK = 'https://porch.example/r/#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

test('the element snippet loads embed.js from the room\'s server and names the room link', () => {
  const snippets = embedSnippets(LINK);
  assert.ok(snippets);
  assert.equal(
    snippets.element,
    `<script type="module" src="https://porch.example/embed.js"></script>\n<porch-room link="${LINK}"></porch-room>`,
  );
});

test('the iframe snippet frames /embed/ with the room secret in the fragment and asks for the microphone', () => {
  const snippets = embedSnippets(LINK);
  assert.ok(snippets);
  assert.match(snippets.iframe, /^<iframe src="https:\/\/porch\.example\/embed\/#AAA[^"]*\.BBB[^"]*" allow="microphone; autoplay"/);
});

test('anything but a room link gives no snippets', () => {
  for (const bad of ['', 'not a url', 'javascript:alert(1)//#x', 'https://porch.example/', 'https://porch.example/r/', 'ftp://porch.example/r/#x']) {
    assert.equal(embedSnippets(bad), null, bad);
  }
});

test('quotes and angle brackets in a link cannot break out of the attribute', () => {
  const snippets = embedSnippets('https://porch.example/r/#a"><script>alert(1)</script>');
  assert.ok(snippets);
  // The URL parser already encodes the fragment for the iframe; the element's attribute is escaped.
  assert.doesNotMatch(snippets.element, /"><script>alert/);
});
