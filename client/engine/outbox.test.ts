import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOutbox } from './outbox.ts';

/** A box being signed, settled by the test. */
function signing(): { box: Promise<string>; done(box: string): void; fail(error: Error): void } {
  let done!: (box: string) => void;
  let fail!: (error: Error) => void;
  const box = new Promise<string>((resolve, reject) => ((done = resolve), (fail = reject)));
  return { box, done, fail };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a box ready at once goes out at once', () => {
  const sent: string[] = [];
  createOutbox(() => assert.fail('nothing is dropped')).send('a', (box) => sent.push(box));
  assert.deepEqual(sent, ['a']);
});

test('a box still being signed holds back every box sealed after it, and all go out in order', async () => {
  const sent: string[] = [];
  const outbox = createOutbox(() => assert.fail('nothing is dropped'));
  const write = (box: string): void => void sent.push(box);
  const first = signing();
  const third = signing();
  outbox.send(first.box, write);
  outbox.send('second', write);
  outbox.send(third.box, write);
  outbox.send('fourth', write);
  third.done('third');
  await settle();
  assert.deepEqual(sent, [], 'nothing overtakes the introduction still being signed');
  first.done('first');
  await settle();
  assert.deepEqual(sent, ['first', 'second', 'third', 'fourth']);
  outbox.send('fifth', write);
  assert.deepEqual(sent.at(-1), 'fifth', 'with nothing waiting, a ready box goes at once again');
});

test('a box whose sealing failed is dropped and said, and those after it still go', async () => {
  const sent: string[] = [];
  const dropped: unknown[] = [];
  const outbox = createOutbox((error) => dropped.push(error));
  const write = (box: string): void => void sent.push(box);
  const failing = signing();
  outbox.send(failing.box, write);
  outbox.send('after', write);
  failing.fail(new Error('no signature'));
  await settle();
  assert.deepEqual(sent, ['after']);
  assert.equal((dropped[0] as Error).message, 'no signature');
});
