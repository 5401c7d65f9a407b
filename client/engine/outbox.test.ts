import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOutbox } from './outbox.ts';

/** A box being signed in the background, settled by the test; sealed on the page instead, it reads `${name} (sealed now)`. */
function signing(name: string) {
  let done!: () => void;
  let fail!: (error: Error) => void;
  const signed = new Promise<string>((resolve, reject) => ((done = () => resolve(name)), (fail = reject)));
  return { box: { signed, sealNow: () => `${name} (sealed now)` }, done, fail };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function outbox() {
  const sent: string[] = [];
  const dropped: unknown[] = [];
  const box = createOutbox((error) => dropped.push(error));
  return { sent, dropped, box, write: (sealed: string): void => void sent.push(sealed) };
}

test('a box ready at once goes out at once', () => {
  const { sent, box, write } = outbox();
  box.send('a', write);
  assert.deepEqual(sent, ['a']);
});

test('a box still being signed holds back every box sealed after it, and all go out in order', async () => {
  const { sent, dropped, box, write } = outbox();
  const first = signing('first');
  const third = signing('third');
  box.send(first.box, write);
  box.send('second', write);
  box.send(third.box, write);
  box.send('fourth', write);
  third.done();
  await settle();
  assert.deepEqual(sent, [], 'nothing overtakes the introduction still being signed');
  first.done();
  await settle();
  assert.deepEqual(sent, ['first', 'second', 'third', 'fourth']);
  box.send('fifth', write);
  assert.equal(sent.at(-1), 'fifth', 'with nothing waiting, a ready box goes at once again');
  assert.deepEqual(dropped, []);
});

test('a box whose signing failed is dropped and said, and those after it still go', async () => {
  const { sent, dropped, box, write } = outbox();
  const failing = signing('failing');
  box.send(failing.box, write);
  box.send('after', write);
  failing.fail(new Error('no signature'));
  await settle();
  assert.deepEqual(sent, ['after']);
  assert.equal((dropped[0] as Error).message, 'no signature');
});

test('finishing before the connection closes seals on the page what is still being signed, and sends everything in order at once', async () => {
  const { sent, dropped, box, write } = outbox();
  const slow = signing('introduction');
  box.send(slow.box, write);
  box.send('seat given up', write);
  box.finish();
  assert.deepEqual(sent, ['introduction (sealed now)', 'seat given up']);
  slow.fail(new Error('too late anyway'));
  await settle();
  assert.equal(sent.length, 2, 'the background signature, come late, sends nothing twice');
  assert.deepEqual(dropped, [], 'nor is it said to be lost');
});
