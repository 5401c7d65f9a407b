import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Log } from './log.ts';
import { connectRedis } from './redis-connection.ts';
import { parseBusEvent, parseMemberRecord, type BusEvent, type MemberRecord, type RoomBus } from './room-bus.ts';

/**
 * The room bus on Redis: each room has a pub/sub channel for its events, a hash of its members
 * (peer → MemberRecord) for nodes that start serving it later, and a planner lease key; each
 * node renews a key saying it runs. Redis learns what a node learns: room and peer ids, which
 * node holds whom, tree claims; never a name or anything inside a box.
 */
export interface RedisBusOptions {
  url: string;
  log: Log;
}

/** A room's record outlives a crashed node's members by this much at most. */
const RECORD_TTL_S = 24 * 3600;
/** A node renews its key this often; past the TTL without renewal, others count it as down. */
const NODE_BEAT_MS = 1000;
export const NODE_TTL_MS = 4000;

const PREFIX = 'porch:room:';
const EVENTS = ':events';
const channelOf = (room: string): string => `${PREFIX}${room}${EVENTS}`;
const membersOf = (room: string): string => `${PREFIX}${room}:members`;
const leaseOf = (room: string): string => `${PREFIX}${room}:planner`;
const nodeKey = (node: string): string => `porch:node:${node}`;

/** Takes the lease if free, or extends it if ours: atomically, so two nodes never both hold it. */
const LEASE_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0`;
/**
 * KEYS: members hash, channel. ARGV: peer, holder, kind (take | update | forget), entry, ttl,
 * message ('' for none). Only `take` changes a member another node holds.
 */
const ANNOUNCE_SCRIPT = `
local entry = redis.call('HGET', KEYS[1], ARGV[1])
local held = (not entry) or cjson.decode(entry).node == ARGV[2]
if ARGV[3] ~= 'take' and not held then return 0 end
if ARGV[3] == 'forget' then
  if entry then redis.call('HDEL', KEYS[1], ARGV[1]) end
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
if ARGV[6] ~= '' then redis.call('PUBLISH', KEYS[2], ARGV[6]) end
return 1`;

type Commands = Redis & {
  announce(members: string, channel: string, peer: string, holder: string, kind: string, entry: string, ttl: number, message: string): Promise<number>;
  lease(key: string, node: string, ms: number): Promise<number>;
  release(key: string, node: string): Promise<number>;
};

function parseRecords(raw: Record<string, string>): Map<string, MemberRecord> {
  const members = new Map<string, MemberRecord>();
  for (const [peer, text] of Object.entries(raw)) {
    const record = parseMemberRecord(text);
    if (record.ok) members.set(peer, record.value);
  }
  return members;
}

/** Both connections up, or the error of one that is not (the other is then closed). */
async function connectBoth(url: string, log: Log): Promise<[Commands, Redis]> {
  const [commands, events] = await Promise.allSettled([connectRedis(url, log), connectRedis(url, log)]);
  if (commands.status === 'rejected' || events.status === 'rejected') {
    for (const connection of [commands, events]) if (connection.status === 'fulfilled') connection.value.disconnect();
    throw commands.status === 'rejected' ? commands.reason : (events as PromiseRejectedResult).reason;
  }
  const defined = commands.value as Commands;
  defined.defineCommand('announce', { numberOfKeys: 2, lua: ANNOUNCE_SCRIPT });
  defined.defineCommand('lease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
  defined.defineCommand('release', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  return [defined, events.value];
}

export async function createRedisBus(options: RedisBusOptions): Promise<RoomBus> {
  const { log } = options;
  const node = randomBytes(12).toString('base64url');
  const [commands, events] = await connectBoth(options.url, log);
  const failed = (what: string) => (error: Error) => log.warn({ event: 'redis-command-failed', what, code: error.name });
  const beat = (): void => void commands.set(nodeKey(node), '1', 'PX', NODE_TTL_MS).catch(failed('node-beat'));
  beat();
  const beating = setInterval(beat, NODE_BEAT_MS);
  let onEvent: (room: string, event: BusEvent) => void = () => {};
  let onGap: () => void = () => {};
  events.on('message', (channel: string, message: string) => {
    if (!channel.startsWith(PREFIX) || !channel.endsWith(EVENTS)) return;
    const parsed = parseBusEvent(message);
    if (!parsed.ok) return log.warn({ event: 'bus-event-refused', code: parsed.error.code });
    onEvent(channel.slice(PREFIX.length, -EVENTS.length), parsed.value);
  });
  // ioredis subscribes again after a reconnect; what was published meanwhile is lost.
  events.on('ready', () => onGap());

  return {
    node,

    listen(eventHandler, gapHandler) {
      onEvent = eventHandler;
      onGap = gapHandler;
    },

    async open(room) {
      await events.subscribe(channelOf(room));
      return parseRecords(await commands.hgetall(membersOf(room)));
    },

    read: async (room) => parseRecords(await commands.hgetall(membersOf(room))),

    close(room) {
      events.unsubscribe(channelOf(room)).catch(failed('unsubscribe'));
    },

    publish(room, event) {
      commands.publish(channelOf(room), JSON.stringify(event)).catch(failed('publish'));
    },

    async announce(room, peer, change, event) {
      const holder = change.kind === 'forget' ? change.holder : change.entry.node;
      const entry = change.kind === 'forget' ? '' : JSON.stringify(change.entry);
      const message = event ? JSON.stringify(event) : '';
      const done = await commands.announce(membersOf(room), channelOf(room), peer, holder, change.kind, entry, RECORD_TTL_S, message);
      return done === 1;
    },

    async alive(nodes) {
      if (nodes.length === 0) return new Set();
      const beats = await commands.mget(nodes.map(nodeKey));
      return new Set(nodes.filter((_, i) => beats[i] !== null));
    },

    lease: async (room, ms) => (await commands.lease(leaseOf(room), node, ms)) === 1,

    async release(room) {
      await commands.release(leaseOf(room), node);
    },

    async quit() {
      clearInterval(beating);
      await commands.del(nodeKey(node)).catch(failed('node-stop'));
      await Promise.allSettled([commands.quit(), events.quit()]);
      // With Redis unreachable, QUIT never gets through; this also stops ioredis reconnecting.
      commands.disconnect();
      events.disconnect();
    },
  };
}
