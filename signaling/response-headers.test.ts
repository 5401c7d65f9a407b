import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileHeaders, securityHeaders, type SitePolicy } from './response-headers.ts';

const directive = (name: string, path: string, site: SitePolicy): string | undefined =>
  securityHeaders(path, site)['Content-Security-Policy']?.split('; ').find((d) => d.startsWith(`${name} `));
const ancestors = (path: string, embedders: readonly string[]): string | undefined =>
  directive('frame-ancestors', path, { embedders, publicOrigin: null });
const connectSrc = (publicOrigin: string | null): string | undefined => directive('connect-src', '/', { embedders: [], publicOrigin });

test('the embed page may be framed by the server\'s own pages and the listed sites, in that order', () => {
  assert.equal(ancestors('/embed/', []), "frame-ancestors 'self'");
  assert.equal(ancestors('/embed/index.html', ['https://a.example']), "frame-ancestors 'self' https://a.example");
  assert.equal(ancestors('/embed/', ['https://a.example', 'http://b.example:81']), "frame-ancestors 'self' https://a.example http://b.example:81");
});

test('nothing outside /embed/ may be framed, whichever sites are listed', () => {
  for (const path of ['/', '/r/', '/embed', '/embed.js', '/embedded/', '/x/embed/', '/%65mbed/']) {
    assert.equal(ancestors(path, ['https://a.example']), "frame-ancestors 'none'", path);
  }
});

test('the embed page and the app share every other security header', () => {
  const app = securityHeaders('/', { embedders: [], publicOrigin: null });
  const embed = securityHeaders('/embed/', { embedders: ['https://a.example'], publicOrigin: null });
  const withoutFraming = (csp: string | undefined): string | undefined => csp?.replace(/; frame-ancestors .*$/, '');
  assert.equal(withoutFraming(embed['Content-Security-Policy']), withoutFraming(app['Content-Security-Policy']));
  assert.deepEqual(Object.keys(embed).sort(), ['Content-Security-Policy', 'Referrer-Policy', 'X-Content-Type-Options']);
  assert.equal(embed['Referrer-Policy'], app['Referrer-Policy']);
  assert.equal(embed['X-Content-Type-Options'], app['X-Content-Type-Options']);
});

test('pages may connect only to their own origin, not to any WebSocket server', () => {
  assert.equal(connectSrc(null), "connect-src 'self'");
});

test('with a public URL, pages may connect to its WebSocket form as well, and nowhere else', () => {
  assert.equal(connectSrc('https://porch.example'), "connect-src 'self' wss://porch.example");
  assert.equal(connectSrc('http://porch.example:8080'), "connect-src 'self' ws://porch.example:8080");
  for (const path of ['/', '/r/', '/embed/']) {
    assert.equal(directive('connect-src', path, { embedders: ['https://a.example'], publicOrigin: 'https://porch.example' }), "connect-src 'self' wss://porch.example", path);
  }
});

test('anything under /chunks/ is cached for good and open to every origin', () => {
  for (const path of ['/chunks/room-3f9a1c7b.js', '/chunks/room-3f9a1c7b.js.map']) {
    assert.deepEqual(fileHeaders(path), { 'Cache-Control': 'public, max-age=31536000, immutable', 'Access-Control-Allow-Origin': '*' }, path);
  }
});

test('scripts with stable names are open to every origin and revalidated; other files only revalidated', () => {
  for (const path of ['/embed.js', '/app.js', '/embed/frame.js']) {
    assert.deepEqual(fileHeaders(path), { 'Cache-Control': 'no-cache', 'Access-Control-Allow-Origin': '*' }, path);
  }
  for (const path of ['/', '/index.html', '/embed/', '/favicon.svg', '/r/']) {
    assert.deepEqual(fileHeaders(path), { 'Cache-Control': 'no-cache' }, path);
  }
});
