import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { parseConfig, type Config } from './config.ts';

function accepted(env: Record<string, string | undefined>): Config {
  const parsed = parseConfig(env);
  if (!parsed.ok) assert.fail(parsed.error.message);
  return parsed.value;
}
function refusal(env: Record<string, string | undefined>): string {
  const parsed = parseConfig(env);
  if (parsed.ok) assert.fail(`accepted ${JSON.stringify(env)}`);
  assert.equal(parsed.error.code, 'bad-config');
  return parsed.error.message;
}

test('an empty environment gives the documented defaults', () => {
  assert.deepEqual(accepted({}), {
    port: 8080,
    host: '0.0.0.0',
    staticDir: resolve(process.cwd(), 'dist/public'),
    roomCapacity: 50,
    heartbeatMs: 15000,
    leaveGraceMs: 10000,
    rateLimitPerS: 40,
    rateBurst: 80,
    fanoutPerS: 200,
    fanoutBurst: 400,
    maxConnections: 10000,
    maxConnectionsPerIp: 100,
    trustedProxies: 0,
    allowedOrigins: [],
    publicOrigin: null,
    helloTimeoutMs: 5000,
    iceServers: [],
    turn: null,
    logLevel: 'info',
    metrics: true,
    tree: { fanout: 4, directMax: 12, streamKbps: 40 },
    redisUrl: null,
    dataDir: resolve(process.cwd(), 'data'),
    snapshotTtlMs: 30 * 24 * 3600 * 1000,
    snapshotMaxRooms: 100_000,
  });
});

test('every variable is read, and each burst is twice its rate', () => {
  const config = accepted({
    PORT: '0',
    HOST: '127.0.0.1',
    STATIC_DIR: '/srv/porch',
    ROOM_CAPACITY: '8',
    HEARTBEAT_MS: '500',
    LEAVE_GRACE_MS: '0',
    RATE_LIMIT_PER_S: '5',
    FANOUT_LIMIT_PER_S: '60',
    MAX_CONNECTIONS: '3',
    MAX_CONNECTIONS_PER_IP: '2',
    TRUST_PROXY: '1',
    PORCH_ALLOWED_ORIGINS: 'https://embed.example, https://Other.example:8443/',
    PUBLIC_URL: 'https://Porch.example/',
    HELLO_TIMEOUT_MS: '2000',
    ICE_SERVERS: '[{"urls":["stun:a.example:3478","turns:b.example"],"username":"u","credential":"c"}]',
    TURN_URLS: 'turn:turn.example:3478?transport=udp, turns:turn.example:5349',
    TURN_SECRET: 'a-secret-of-at-least-16-characters',
    TURN_TTL: '600',
    LOG_LEVEL: 'debug',
    METRICS: 'off',
    PORCH_FANOUT: '2',
    PORCH_DIRECT_MAX: '1',
    PORCH_STREAM_KBPS: '600',
    REDIS_URL: 'redis://:pw@127.0.0.1:6390/2',
    DATA_DIR: '/var/lib/porch',
    SNAPSHOT_TTL: '3600',
    SNAPSHOT_MAX_ROOMS: '500',
  });
  assert.equal(config.port, 0, 'port 0 picks a free port');
  assert.equal(config.redisUrl, 'redis://:pw@127.0.0.1:6390/2');
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.staticDir, '/srv/porch');
  assert.equal(config.roomCapacity, 8);
  assert.equal(config.heartbeatMs, 500);
  assert.equal(config.leaveGraceMs, 0);
  assert.equal(config.rateLimitPerS, 5);
  assert.equal(config.rateBurst, 10);
  assert.equal(config.fanoutPerS, 60);
  assert.equal(config.fanoutBurst, 120);
  assert.equal(config.maxConnections, 3);
  assert.equal(config.maxConnectionsPerIp, 2);
  assert.equal(config.trustedProxies, 1);
  assert.deepEqual(config.allowedOrigins, ['https://embed.example', 'https://other.example:8443'], 'origins are kept in the form browsers send');
  assert.equal(config.publicOrigin, 'https://porch.example', 'so is the server\'s own');
  assert.equal(config.helloTimeoutMs, 2000);
  assert.deepEqual(config.iceServers, [{ urls: ['stun:a.example:3478', 'turns:b.example'], username: 'u', credential: 'c' }]);
  assert.deepEqual(config.turn, {
    urls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349'],
    secret: 'a-secret-of-at-least-16-characters',
    ttlS: 600,
  });
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.metrics, false);
  assert.deepEqual(config.tree, { fanout: 2, directMax: 1, streamKbps: 600 });
  assert.equal(config.dataDir, '/var/lib/porch');
  assert.equal(config.snapshotTtlMs, 3_600_000, 'SNAPSHOT_TTL is in seconds');
  assert.equal(config.snapshotMaxRooms, 500);
});

test('TURN credentials last a day unless TURN_TTL says otherwise', () => {
  assert.equal(accepted({ TURN_URLS: 'turn:t.example', TURN_SECRET: 's'.repeat(16) }).turn?.ttlS, 86400);
});

test('a relative STATIC_DIR is resolved against the working directory', () => {
  assert.equal(accepted({ STATIC_DIR: 'build/web' }).staticDir, resolve(process.cwd(), 'build/web'));
});

test('a relative DATA_DIR is resolved against the working directory, so a later chdir cannot move the snapshots', () => {
  assert.equal(accepted({ DATA_DIR: 'state/porch' }).dataDir, resolve(process.cwd(), 'state/porch'));
});

test('empty and blank variables mean the default', () => {
  assert.equal(accepted({ PORT: '', ROOM_CAPACITY: '  ' }).port, 8080);
  assert.equal(accepted({ ROOM_CAPACITY: '  ' }).roomCapacity, 50);
});

const BAD: [Record<string, string>, RegExp][] = [
  [{ PORT: 'eighty' }, /^PORT: must be a whole number \(got "eighty"\)$/],
  [{ PORT: '-1' }, /^PORT: /],
  [{ PORT: '8080.5' }, /^PORT: /],
  [{ PORT: '65536' }, /^PORT: must be at most 65535/],
  [{ ROOM_CAPACITY: '0' }, /^ROOM_CAPACITY: must be at least 1/],
  [{ PORCH_FANOUT: '0' }, /^PORCH_FANOUT: must be at least 1/],
  [{ PORCH_DIRECT_MAX: 'many' }, /^PORCH_DIRECT_MAX: must be a whole number/],
  // The stage would be told of only 64 of its listeners, and the rest would hear nothing.
  [{ PORCH_DIRECT_MAX: '65' }, /^PORCH_DIRECT_MAX: must be at most 64/],
  [{ PORCH_FANOUT: '65' }, /^PORCH_FANOUT: must be at most 64/],
  [{ PORCH_STREAM_KBPS: '4' }, /^PORCH_STREAM_KBPS: must be at least 8/],
  [{ HEARTBEAT_MS: '1e3' }, /^HEARTBEAT_MS: /],
  [{ HEARTBEAT_MS: '5' }, /^HEARTBEAT_MS: must be at least 10/],
  [{ LEAVE_GRACE_MS: '99999999999' }, /^LEAVE_GRACE_MS: must be at most/],
  [{ RATE_LIMIT_PER_S: '0' }, /^RATE_LIMIT_PER_S: /],
  [{ MAX_CONNECTIONS: 'lots' }, /^MAX_CONNECTIONS: /],
  [{ FANOUT_LIMIT_PER_S: '0' }, /^FANOUT_LIMIT_PER_S: must be at least 1/],
  [{ ROOM_CAPACITY: '500', FANOUT_LIMIT_PER_S: '200' }, /^FANOUT_LIMIT_PER_S: must be at least half of ROOM_CAPACITY \(500\)/],
  [{ MAX_CONNECTIONS_PER_IP: '0' }, /^MAX_CONNECTIONS_PER_IP: must be at least 1/],
  [{ TRUST_PROXY: 'true' }, /^TRUST_PROXY: must be a whole number \(got "true"\)$/],
  [{ TRUST_PROXY: '17' }, /^TRUST_PROXY: must be at most 16/],
  [{ HELLO_TIMEOUT_MS: '5' }, /^HELLO_TIMEOUT_MS: must be at least 10/],
  [{ PORCH_ALLOWED_ORIGINS: 'porch.example' }, /^PORCH_ALLOWED_ORIGINS at 0: must be an origin like https:\/\/porch.example/],
  [{ PORCH_ALLOWED_ORIGINS: 'https://a.example,https://b.example/app' }, /^PORCH_ALLOWED_ORIGINS at 1: must be an origin/],
  [{ PORCH_ALLOWED_ORIGINS: 'ftp://a.example' }, /^PORCH_ALLOWED_ORIGINS at 0: /],
  [{ PORCH_ALLOWED_ORIGINS: ' , ' }, /^PORCH_ALLOWED_ORIGINS: must list at least one origin/],
  [{ PUBLIC_URL: 'porch.example' }, /^PUBLIC_URL: must be an origin like https:\/\/porch.example \(scheme, host and port only\) \(got "porch.example"\)$/],
  [{ PUBLIC_URL: 'https://porch.example/rooms' }, /^PUBLIC_URL: must be an origin/],
  [{ PUBLIC_URL: 'https://porch.example?x=1' }, /^PUBLIC_URL: must be an origin/],
  [{ PUBLIC_URL: 'wss://porch.example' }, /^PUBLIC_URL: must be an origin/],
  [{ PUBLIC_URL: 'https://porch.example, https://other.example' }, /^PUBLIC_URL: must be an origin/],
  [{ METRICS: 'yes' }, /^METRICS: must be on or off \(got "yes"\)$/],
  [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent/],
  [{ ICE_SERVERS: 'stun:x' }, /^ICE_SERVERS: must be valid JSON$/],
  [{ ICE_SERVERS: '{"urls":"stun:x"}' }, /^ICE_SERVERS: /],
  [{ ICE_SERVERS: '[{"url":"stun:x"}]' }, /^ICE_SERVERS at 0/],
  [{ ICE_SERVERS: '[{"urls":"https://x"}]' }, /^ICE_SERVERS at 0: every url must start with stun:, turn: or turns:$/],
  [{ TURN_URLS: 'turn:t.example' }, /^TURN_SECRET: must be set when TURN_URLS is$/],
  [{ TURN_SECRET: 's'.repeat(16) }, /^TURN_URLS: must be set when TURN_SECRET is$/],
  [{ TURN_URLS: 'turn:t.example,stun:t.example', TURN_SECRET: 's'.repeat(16) }, /^TURN_URLS at 1: every URL must start with turn: or turns: \(got "turn:t.example,stun:t.example"\)$/],
  [{ TURN_URLS: 't.example:3478', TURN_SECRET: 's'.repeat(16) }, /^TURN_URLS at 0: every URL must start with turn: or turns:/],
  [{ TURN_URLS: ' , ', TURN_SECRET: 's'.repeat(16) }, /^TURN_URLS: must list at least one URL/],
  [{ TURN_URLS: 'turn:t.example', TURN_SECRET: 's'.repeat(15) }, /^TURN_SECRET: must be at least 16 characters/],
  [{ TURN_URLS: 'turn:t.example', TURN_SECRET: 's'.repeat(16), TURN_TTL: '59' }, /^TURN_TTL: must be at least 60/],
  [{ TURN_URLS: 'turn:t.example', TURN_SECRET: 's'.repeat(16), TURN_TTL: '1h' }, /^TURN_TTL: must be a whole number/],
  [{ REDIS_URL: 'not-a-url' }, /^REDIS_URL: must be a URL like redis:\/\/host:6379/],
  [{ SNAPSHOT_TTL: '59' }, /^SNAPSHOT_TTL: must be at least 60 \(got "59"\)$/],
  [{ SNAPSHOT_TTL: '30d' }, /^SNAPSHOT_TTL: must be a whole number \(got "30d"\)$/],
  [{ SNAPSHOT_TTL: '315360001' }, /^SNAPSHOT_TTL: must be at most 315360000/],
  [{ SNAPSHOT_MAX_ROOMS: '0' }, /^SNAPSHOT_MAX_ROOMS: must be at least 1 \(got "0"\)$/],
  [{ SNAPSHOT_MAX_ROOMS: '1e5' }, /^SNAPSHOT_MAX_ROOMS: must be a whole number/],
  [{ SNAPSHOT_MAX_ROOMS: '10000001' }, /^SNAPSHOT_MAX_ROOMS: must be at most 10000000/],
  [{ REDIS_URL: 'http://cache.example:6379' }, /^REDIS_URL: must be a URL like redis:\/\/host:6379/],
];

for (const [env, message] of BAD) {
  test(`a bad value is refused with a message naming its variable: ${JSON.stringify(env)}`, () => {
    assert.match(refusal(env), message);
  });
}

test('a refused ICE_SERVERS is not echoed, as it may hold TURN credentials', () => {
  const message = refusal({ ICE_SERVERS: '[{"urls":"http://x","credential":"hunter2"}]' });
  assert.equal(message.includes('hunter2'), false);
});

test('a refused TURN_SECRET is not echoed', () => {
  const message = refusal({ TURN_URLS: 'turn:t.example', TURN_SECRET: 'hunter2' });
  assert.match(message, /^TURN_SECRET: /);
  assert.equal(message.includes('hunter2'), false);
});

test('a refused REDIS_URL is not echoed, as it may hold a password', () => {
  const message = refusal({ REDIS_URL: 'redis//:hunter2@cache' });
  assert.match(message, /^REDIS_URL: /);
  assert.equal(message.includes('hunter2'), false);
});
