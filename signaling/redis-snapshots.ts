import type { Redis } from 'ioredis';
import { judgeSave } from '../shared/room-snapshot.ts';
import { roomTag, type Log } from './log.ts';
import { verifyNatively } from './native-verify.ts';
import { connectRedis } from './redis-connection.ts';
import { isCurrent, parseStoredSnapshot, stamp, type SnapshotStore, type SnapshotStoreOptions, type StoreVerdict } from './snapshot-store.ts';

/**
 * Snapshots in Redis, for several nodes serving the same rooms: one string per room holding its
 * StoredSnapshot as JSON, expiring a TTL after its last save. Redis learns what a node learns:
 * the room id, the writer's key for that room, and a box it cannot open. Beside them, one sorted
 * set lists the rooms by when they were last saved, so that every node counts the same rooms
 * against `maxRooms`.
 */
export interface RedisSnapshotsOptions extends SnapshotStoreOptions {
  url: string;
  log: Log;
}

const keyOf = (room: string): string => `porch:snapshot:${room}`;
/** Room ids scored by their last save (ms): those saved a TTL ago are dropped before it is counted. */
const ROOMS_KEY = 'porch:snapshot-rooms';

/**
 * Judge and write in one step, so two nodes never both replace a snapshot, nor both count a room
 * new. What Lua checks is judgeSave without the signature (checked in Node first): held by
 * another writer, or not older than the save. A record saved a TTL ago by our clock (ARGV[4]) is
 * absent, as Redis's own clock may lag ours; one Lua cannot read is absent too (Node's parser
 * would find none there). Where none is held the save makes a new room: refused unless the node
 * may make one (ARGV[6]), and unless the room is listed or fewer than ARGV[7] rooms are.
 * KEYS: the snapshot, the rooms. ARGV: writer, version, record, now ms, ttl ms, may create (1 or 0),
 * max rooms, room, saved before this (ms) is expired.
 */
const SAVE_SCRIPT = `
local current = false
local held = redis.call('GET', KEYS[1])
if held then
  local ok, stored = pcall(cjson.decode, held)
  local readable = ok and type(stored) == 'table' and type(stored.writer) == 'string' and type(stored.version) == 'number' and type(stored.savedAt) == 'number'
  if readable and stored.savedAt + tonumber(ARGV[5]) > tonumber(ARGV[4]) then
    if stored.writer ~= ARGV[1] then return 'not-writer' end
    if tonumber(ARGV[2]) <= stored.version then return 'stale' end
    current = true
  end
end
if not current then
  if ARGV[6] ~= '1' then return 'too-many-rooms' end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[9])
  if not redis.call('ZSCORE', KEYS[2], ARGV[8]) and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[7]) then return 'store-full' end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[8])
if current then return 'saved' end
return 'created'`;

type Commands = Redis & {
  saveSnapshot(
    ...args: [key: string, rooms: string, writer: string, version: number, record: string, nowMs: number, ttlMs: number, mayCreate: 0 | 1, maxRooms: number, room: string, expiredAtOrBefore: number]
  ): Promise<StoreVerdict>;
};

async function quit(redis: Redis): Promise<void> {
  await redis.quit().catch(() => {});
  // With Redis unreachable, QUIT never gets through; this also stops ioredis reconnecting.
  redis.disconnect();
}

export async function createRedisSnapshots(options: RedisSnapshotsOptions): Promise<SnapshotStore> {
  const { ttlMs, maxRooms, log } = options;
  const now = options.now ?? Date.now;
  const redis = (await connectRedis(options.url, log)) as Commands;
  redis.defineCommand('saveSnapshot', { numberOfKeys: 2, lua: SAVE_SCRIPT });
  let closing: Promise<void> | null = null;

  return {
    async load(room) {
      const text = await redis.get(keyOf(room));
      if (text === null) return null;
      const stored = parseStoredSnapshot(text);
      if (!stored) log.warn({ event: 'snapshot-unreadable', room: roomTag(room) });
      return stored && isCurrent(stored.savedAt, now(), ttlMs) ? stored : null;
    },

    async save(room, save, { mayCreate }) {
      // Whatever is held, a save whose signature fails changes nothing: checked before Redis is asked.
      if (judgeSave(room, null, save, verifyNatively) === 'forged') return 'forged';
      const savedAt = now();
      const record = JSON.stringify(stamp(save, savedAt));
      return redis.saveSnapshot(keyOf(room), ROOMS_KEY, save.writer, save.version, record, savedAt, ttlMs, mayCreate ? 1 : 0, maxRooms, room, savedAt - ttlMs);
    },

    close() {
      closing ??= quit(redis);
      return closing;
    },
  };
}
