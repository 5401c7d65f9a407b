import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createNumberHeap } from './number-heap.ts';

const drain = (heap: ReturnType<typeof createNumberHeap>): number[] => {
  const out: number[] = [];
  for (let key = heap.pop(); key !== undefined; key = heap.pop()) out.push(key);
  return out;
};

test('an empty heap pops nothing', () => {
  const heap = createNumberHeap();
  assert.equal(heap.pop(), undefined);
  assert.equal(heap.size, 0);
});

test('keys come out smallest first, negative ones included, whether given at the start or pushed later', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -1e9, max: 1e9 })), fc.array(fc.integer({ min: -1e9, max: 1e9 })), (initial, pushed) => {
      const heap = createNumberHeap(initial);
      for (const key of pushed) heap.push(key);
      assert.equal(heap.size, initial.length + pushed.length);
      assert.deepEqual(drain(heap), [...initial, ...pushed].sort((a, b) => a - b));
    }),
  );
});

test('pops and pushes may interleave', () => {
  fc.assert(
    fc.property(fc.array(fc.option(fc.integer({ min: -50, max: 50 }), { nil: undefined })), (ops) => {
      const heap = createNumberHeap();
      const model: number[] = [];
      for (const op of ops) {
        if (op === undefined) {
          model.sort((a, b) => a - b);
          assert.equal(heap.pop(), model.shift());
        } else {
          heap.push(op);
          model.push(op);
        }
      }
    }),
  );
});
