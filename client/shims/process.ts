/** simple-peer and its stream dependencies expect Node's `process`; this is all they use of it. */
export const process = {
  env: {} as Record<string, string | undefined>,
  browser: true,
  version: '',
  nextTick: (fn: (...args: unknown[]) => void, ...args: unknown[]): void => queueMicrotask(() => fn(...args)),
};
