import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from './stream.ts';

test('listeners hear what is emitted, in the order they were added, with the emitter as this', () => {
  const stream = new Duplex();
  const heard: string[] = [];
  stream.on('signal', function (this: unknown, data) {
    assert.equal(this, stream);
    heard.push(`first ${String(data)}`);
  });
  stream.on('signal', (data) => heard.push(`second ${String(data)}`));
  assert.equal(stream.emit('signal', 'offer'), true);
  assert.deepEqual(heard, ['first offer', 'second offer']);
  assert.equal(stream.emit('nobody-listens'), false);
});

test('a once listener hears one event, and can be removed before it does', () => {
  const stream = new Duplex();
  let heard = 0;
  const listener = () => void (heard += 1);
  stream.once('connect', listener);
  stream.emit('connect');
  stream.emit('connect');
  assert.equal(heard, 1);
  stream.once('close', listener);
  stream.removeListener('close', listener);
  stream.emit('close');
  assert.equal(heard, 1);
});

test('a listener removed while an event is being emitted still hears that event, and no later one', () => {
  const stream = new Duplex();
  const heard: string[] = [];
  const second = () => heard.push('second');
  stream.on('data', () => {
    heard.push('first');
    stream.removeListener('data', second);
  });
  stream.on('data', second);
  stream.emit('data');
  stream.emit('data');
  assert.deepEqual(heard, ['first', 'second', 'first']);
});

test('an error nobody listens to is thrown, as in Node, rather than lost', () => {
  const stream = new Duplex();
  assert.throws(() => stream.emit('error', new Error('ice failed')), /ice failed/);
  stream.on('error', () => {});
  assert.equal(stream.emit('error', new Error('ice failed')), true);
});

test('pushing data emits it; pushing null ends the readable side', () => {
  const stream = new Duplex();
  const chunks: unknown[] = [];
  stream.on('data', (chunk) => chunks.push(chunk));
  stream.push('bytes');
  stream.push(null);
  assert.deepEqual(chunks, ['bytes']);
  assert.equal(stream._readableState.ended, true);
});
