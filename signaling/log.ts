import { pino } from 'pino';
import type { LogLevel } from './config.ts';

/**
 * What the server logs through: one JSON object per event, named by `event`.
 * Entries carry event names, counts, codes and short id prefixes; never a box, a resume
 * secret, or anything else taken from inside a frame.
 */
export interface Log {
  error(entry: LogEntry): void;
  warn(entry: LogEntry): void;
  info(entry: LogEntry): void;
  debug(entry: LogEntry): void;
}

export interface LogEntry {
  event: string;
  [field: string]: string | number | boolean | undefined;
}

/** JSON lines on stdout, written synchronously so nothing is lost when the process exits. */
export function createLogger(level: LogLevel): Log {
  return pino(
    {
      level,
      base: { service: 'porch-signaling' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}

/** For tests and tools that want no output. */
export const silentLog: Log = { error() {}, warn() {}, info() {}, debug() {} };

/** Enough of a room id to tell rooms apart in logs without naming them. */
export const roomTag = (room: string): string => room.slice(0, 6);
