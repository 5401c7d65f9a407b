/** Expected failures at a boundary are values, not exceptions. */
export type Result<T, E = ParseError> = { ok: true; value: T } | { ok: false; error: E };

/** A parse failure with a stable code for callers and a human message for logs and UIs. */
export interface ParseError {
  code: string;
  message: string;
}

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
