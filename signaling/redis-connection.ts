import { Redis } from 'ioredis';
import type { Log } from './log.ts';

/** Connecting at start gives up after this: a server that cannot reach its Redis should say so, not hang. */
const CONNECT_TIMEOUT_MS = 3000;

/**
 * One connection to REDIS_URL, up, or an error saying why not; the URL is not repeated, as it may
 * hold a password. Redis going away later is logged, and ioredis reconnects.
 */
export async function connectRedis(url: string, log: Log): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 3 });
  let lastError = 'no answer';
  // Without a listener, an error would crash the process.
  redis.on('error', (error: Error & { code?: string }) => {
    lastError = error.code ?? error.name;
    log.warn({ event: 'redis-error', code: lastError });
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot reach Redis (${lastError})`, { cause: error });
  }
  return redis;
}
