import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Log } from './log.ts';
import { parseBusEvent, parseMemberRecord, type BusEvent, type MemberRecord, type RoomBus } from './room-bus.ts';

/**
 * The room bus on Redis: each room has a pub/sub channel for its events, a hash of its members
 * (peer → MemberRecord) for nodes that start serving it later, and a planner lease key. Redis
 * learns what a node learns: room and peer ids, which node holds whom, tree claims; never a
 * name or anything inside a box.
 */
export interface RedisBusOptions {
  url: string;
  log: Log;
}

/** A room's record outlives a crashed node's members by this much at most. */
const RECORD_TTL_S = 24 * 3600;
/** Connecting at start gives up after this: a server that cannot reach its Redis should say so, not hang. */
const CONNECT_TIMEOUT_MS = 3000;

const channelOf = (room: string): string => `porch:room:${room}:events`;
const membersOf = (room: string): string => `porch:room:${room}:members`;
const leaseOf = (room: string): string => `porch:room:${room}:planner`;

/** Takes the lease if free, or extends it if ours: atomically, so two nodes never both hold it. */
const LEASE_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0`;
/** Removes a member only if `node` still holds it: a member that moved on is not removed by the node it left. */
const FORGET_SCRIPT = `
local entry = redis.call('HGET', KEYS[1], ARGV[1])
if entry and cjson.decode(entry).node == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

export async function createRedisBus(options: RedisBusOptions): Promise<RoomBus> {
  const { log } = options;
  const node = randomBytes(12).toString('base64url');
  const redisOptions = { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 3 };
  const commands = new Redis(options.url, redisOptions);
  const events = new Redis(options.url, redisOptions);
  let lastError = 'no answer';
  // Redis going away is reported, and ioredis reconnects; without listeners the errors would crash us.
  for (const connection of [commands, events]) {
    connection.on('error', (error: Error & { code?: string }) => {
      lastError = error.code ?? error.name;
      log.warn({ event: 'redis-error', code: lastError });
    });
  }
  try {
    await Promise.all([commands.connect(), events.connect()]);
  } catch (error) {
    commands.disconnect();
    events.disconnect();
    // The URL is not repeated: it may hold a password.
    throw new Error(`cannot reach Redis (${lastError})`, { cause: error });
  }
  let onEvent: (room: string, event: BusEvent) => void = () => {};
  const prefix = 'porch:room:';
  const suffix = ':events';
  events.on('message', (channel: string, message: string) => {
    if (!channel.startsWith(prefix) || !channel.endsWith(suffix)) return;
    const parsed = parseBusEvent(message);
    if (!parsed.ok) return log.warn({ event: 'bus-event-refused', code: parsed.error.code });
    if (parsed.value.node !== node) onEvent(channel.slice(prefix.length, -suffix.length), parsed.value);
  });
  const failed = (what: string) => (error: Error) => log.warn({ event: 'redis-command-failed', what, code: error.name });

  return {
    node,

    listen(handler) {
      onEvent = handler;
    },

    async open(room) {
      await events.subscribe(channelOf(room));
      const raw = await commands.hgetall(membersOf(room));
      const members = new Map<string, MemberRecord>();
      for (const [peer, text] of Object.entries(raw)) {
        const record = parseMemberRecord(text);
        if (record.ok && record.value.node !== node) members.set(peer, record.value);
      }
      return members;
    },

    close(room) {
      events.unsubscribe(channelOf(room)).catch(failed('unsubscribe'));
    },

    publish(room, event) {
      commands.publish(channelOf(room), JSON.stringify(event)).catch(failed('publish'));
    },

    async record(room, peer, entry, holder = node) {
      const key = membersOf(room);
      if (entry === null) {
        await commands.eval(FORGET_SCRIPT, 1, key, peer, holder).catch(failed('forget'));
        return;
      }
      await commands.multi().hset(key, peer, JSON.stringify(entry)).expire(key, RECORD_TTL_S).exec().catch(failed('record'));
    },

    async lease(room, ms) {
      const held = await commands.eval(LEASE_SCRIPT, 1, leaseOf(room), node, String(ms));
      return held === 1;
    },

    async release(room) {
      await commands.eval(RELEASE_SCRIPT, 1, leaseOf(room), node);
    },

    async quit() {
      await Promise.allSettled([commands.quit(), events.quit()]);
      // With Redis unreachable, QUIT never gets through; this also stops ioredis reconnecting.
      commands.disconnect();
      events.disconnect();
    },
  };
}
