import type { Redis } from 'ioredis';
import { judgeSave, type SaveVerdict } from '../shared/room-snapshot.ts';
import { roomTag, type Log } from './log.ts';
import { connectRedis } from './redis-connection.ts';
import { isCurrent, parseStoredSnapshot, stamp, type SnapshotStore, type SnapshotStoreOptions } from './snapshot-store.ts';

/**
 * Snapshots in Redis, for several nodes serving the same rooms: one string per room holding its
 * StoredSnapshot as JSON, expiring a TTL after its last save. Redis learns what a node learns:
 * the room id, the writer's key for that room, and a box it cannot open.
 */
export interface RedisSnapshotsOptions extends SnapshotStoreOptions {
  url: string;
  log: Log;
}

const keyOf = (room: string): string => `porch:snapshot:${room}`;

/**
 * Judge and write in one step, so two nodes never both replace a snapshot. What Lua checks is
 * judgeSave without the signature (checked in Node first): held by another writer, or not
 * older than the save. A record saved a TTL ago by our clock (ARGV[4]) is absent, as Redis's own
 * clock may lag ours; one Lua cannot read is absent too (Node's parser would find none there).
 * KEYS: the snapshot. ARGV: writer, version, record, now ms, ttl ms.
 */
const SAVE_SCRIPT = `
local held = redis.call('GET', KEYS[1])
if held then
  local ok, stored = pcall(cjson.decode, held)
  local readable = ok and type(stored) == 'table' and type(stored.writer) == 'string' and type(stored.version) == 'number' and type(stored.savedAt) == 'number'
  if readable and stored.savedAt + tonumber(ARGV[5]) > tonumber(ARGV[4]) then
    if stored.writer ~= ARGV[1] then return 'not-writer' end
    if tonumber(ARGV[2]) <= stored.version then return 'stale' end
  end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[5])
return 'saved'`;

type Commands = Redis & {
  saveSnapshot(key: string, writer: string, version: number, record: string, nowMs: number, ttlMs: number): Promise<SaveVerdict>;
};

async function quit(redis: Redis): Promise<void> {
  await redis.quit().catch(() => {});
  // With Redis unreachable, QUIT never gets through; this also stops ioredis reconnecting.
  redis.disconnect();
}

export async function createRedisSnapshots(options: RedisSnapshotsOptions): Promise<SnapshotStore> {
  const { ttlMs, log } = options;
  const now = options.now ?? Date.now;
  const redis = (await connectRedis(options.url, log)) as Commands;
  redis.defineCommand('saveSnapshot', { numberOfKeys: 1, lua: SAVE_SCRIPT });
  let closing: Promise<void> | null = null;

  return {
    async load(room) {
      const text = await redis.get(keyOf(room));
      if (text === null) return null;
      const stored = parseStoredSnapshot(text);
      if (!stored) log.warn({ event: 'snapshot-unreadable', room: roomTag(room) });
      return stored && isCurrent(stored.savedAt, now(), ttlMs) ? stored : null;
    },

    async save(room, save) {
      // Whatever is held, a save whose signature fails changes nothing: checked before Redis is asked.
      if (judgeSave(room, null, save) === 'forged') return 'forged';
      const savedAt = now();
      return redis.saveSnapshot(keyOf(room), save.writer, save.version, JSON.stringify(stamp(save, savedAt)), savedAt, ttlMs);
    },

    close() {
      closing ??= quit(redis);
      return closing;
    },
  };
}
