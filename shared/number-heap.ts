/**
 * A binary min-heap of numbers. The tree planner folds a member's depth and rank into one
 * number, so its queues (free slots, deepest leaves) need nothing richer, and a heap of plain
 * numbers stays fast at 100,000 members.
 */
export interface NumberHeap {
  readonly size: number;
  push(key: number): void;
  /** The smallest key, removed; undefined when empty. */
  pop(): number | undefined;
}

export function createNumberHeap(initial: Iterable<number> = []): NumberHeap {
  // A sorted array is already a heap, and a typed array sorts numerically and fast.
  const keys = Array.from(Float64Array.from(initial).sort());
  const swap = (i: number, j: number): void => {
    const t = keys[i]!;
    keys[i] = keys[j]!;
    keys[j] = t;
  };
  return {
    get size() {
      return keys.length;
    },
    push(key) {
      keys.push(key);
      for (let i = keys.length - 1, up = (i - 1) >> 1; i > 0 && keys[up]! > keys[i]!; i = up, up = (i - 1) >> 1) swap(i, up);
    },
    pop() {
      const top = keys[0];
      const last = keys.pop();
      if (keys.length === 0 || last === undefined) return top;
      keys[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const least = left + 1 < keys.length && keys[left + 1]! < keys[left]! ? left + 1 : left;
        if (least >= keys.length || keys[least]! >= keys[i]!) return top;
        swap(i, least);
        i = least;
      }
    },
  };
}
