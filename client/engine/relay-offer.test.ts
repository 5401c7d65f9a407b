import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchRelayOffer, type FetchRelay } from './relay-offer.ts';

/** A server that answers /relay with `status` and a body `json()` yields (or throws). */
function server(status: number, body: () => unknown): { fetchRelay: FetchRelay; asked: string[] } {
  const asked: string[] = [];
  const fetchRelay: FetchRelay = async (url) => {
    asked.push(url);
    return { ok: status >= 200 && status < 300, json: async () => body() };
  };
  return { fetchRelay, asked };
}

test("the room's own server is asked at /relay, whatever path the room link has", async () => {
  const { fetchRelay, asked } = server(200, () => ({ relay: true }));
  assert.equal(await fetchRelayOffer('https://porch.example', fetchRelay), true);
  assert.deepEqual(asked, ['https://porch.example/relay']);
});

test('a server that says it has no relay has none', async () => {
  assert.equal(await fetchRelayOffer('https://porch.example', server(200, () => ({ relay: false })).fetchRelay), false);
});

test('anything but a clear yes counts as no relay', async () => {
  const notJson = () => {
    throw new SyntaxError('Unexpected token < in JSON');
  };
  const answers: [string, FetchRelay][] = [
    ['a server too old to know /relay serves the app page', server(200, notJson).fetchRelay],
    ['an error status', server(503, () => ({ relay: true })).fetchRelay],
    ['a malformed answer', server(200, () => ({ relay: 'yes' })).fetchRelay],
    ['an answer with more in it', server(200, () => ({ relay: true, urls: ['turn:x'] })).fetchRelay],
    ['a network failure', async () => Promise.reject(new TypeError('Failed to fetch'))],
  ];
  for (const [what, fetchRelay] of answers) assert.equal(await fetchRelayOffer('https://porch.example', fetchRelay), false, what);
});
