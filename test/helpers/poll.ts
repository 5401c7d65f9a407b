/**
 * Polls `probe` every `everyMs` until `accept` holds, and resolves to what it saw then; past
 * `timeoutMs` it fails, naming what it waited for and what it last saw.
 */
export function pollUntil<T, S extends T>(what: string, probe: () => T | Promise<T>, accept: (seen: T) => seen is S, options?: PollOptions): Promise<S>;
export function pollUntil<T>(what: string, probe: () => T | Promise<T>, accept: (seen: T) => boolean, options?: PollOptions): Promise<T>;
export async function pollUntil<T>(what: string, probe: () => T | Promise<T>, accept: (seen: T) => boolean, { timeoutMs = 15_000, everyMs = 50 }: PollOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await probe();
    if (accept(seen)) return seen;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(seen)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface PollOptions {
  timeoutMs?: number;
  everyMs?: number;
}
