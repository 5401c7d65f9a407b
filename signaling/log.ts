import { createHmac, randomBytes } from 'node:crypto';
import { pino, type DestinationStream } from 'pino';
import type { LogLevel } from './config.ts';

/**
 * What the server logs through: one JSON object per event, named by `event`.
 * Entries carry event names, counts, codes and room tags; never a box, a room or peer id, a
 * resume secret, a client address, or anything else taken from inside a frame.
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

/**
 * JSON lines, by default on stdout and written synchronously so nothing is lost when the process
 * exits. Tests pass their own `destination` to read exactly what an operator would see.
 */
export function createLogger(level: LogLevel, destination: DestinationStream = pino.destination({ dest: 1, sync: true })): Log {
  return pino(
    {
      level,
      // No pid or hostname: nothing the entries need, and the hostname can name the operator's machine.
      base: { service: 'porch-signaling' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** For tests and tools that want no output. */
export const silentLog: Log = { error() {}, warn() {}, info() {}, debug() {} };

/** Made at startup and kept only in memory, so no tag can be traced back to its room. */
const ROOM_TAG_KEY = randomBytes(32);

/**
 * Enough to tell rooms apart in this process's logs without naming them. A keyed hash rather
 * than a piece of the id: whoever reads the logs cannot match a tag to a room id they know (from
 * a link they hold), and tags change with every restart.
 */
export const roomTag = (room: string): string => createHmac('sha256', ROOM_TAG_KEY).update(room).digest('base64url').slice(0, 8);
