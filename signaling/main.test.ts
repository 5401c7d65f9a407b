import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOSE_CODES } from '../shared/protocol.ts';
import { join, randomId, within } from '../test/helpers/signaling-kit.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const START_TIMEOUT_MS = 15_000;

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs main.ts as the real process would run, through tsx, saving into a directory of its own; killed when the test ends. */
function run(t: TestContext, env: Record<string, string>): Started {
  const dataDir = mkdtempSync(joinPath(tmpdir(), 'porch-data-'));
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', STATIC_DIR: '/nonexistent/porch-client', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

function listeningPort(started: Started): Promise<number> {
  return within(
    new Promise<number>((resolve, reject) => {
      const scan = (): void => {
        for (const line of started.stdout().split('\n')) {
          if (!line.includes('"listening"')) continue;
          const entry = JSON.parse(line) as { event?: unknown; port?: unknown };
          if (entry.event === 'listening' && typeof entry.port === 'number') return resolve(entry.port);
        }
      };
      started.child.stdout?.on('data', scan);
      void started.exited.then((code) => reject(new Error(`exited (${code}) before listening: ${started.stderr()}`)));
      scan();
    }),
    'the "listening" log line',
    START_TIMEOUT_MS,
  );
}

test('the process logs one JSON "listening" line with its port, and SIGTERM tells clients closing, closes with 1012 and exits 0', async (t) => {
  const started = run(t, {});
  const port = await listeningPort(started);
  const wsUrl = `ws://127.0.0.1:${port}/ws`;
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);

  started.child.kill('SIGTERM');
  for (const client of [alice, bob]) {
    assert.deepEqual(await client.next('closing'), { type: 'closing', reason: 'restart' });
    assert.equal((await client.closed).code, CLOSE_CODES.restart);
  }
  assert.equal(await within(started.exited, 'the process to exit', START_TIMEOUT_MS), 0);
  const lines = started.stdout().trim().split('\n').map((line) => JSON.parse(line) as { event: string });
  assert.deepEqual(
    lines.filter((l) => ['listening', 'shutting-down', 'stopped'].includes(l.event)).map((l) => l.event),
    ['listening', 'shutting-down', 'stopped'],
  );
});

const BAD_SETTINGS: [variable: string, value: string][] = [
  ['ROOM_CAPACITY', 'many'],
  ['PUBLIC_URL', 'https://porch.example/rooms'],
  ['PUBLIC_URL', 'not a url'],
  ['REDIS_URL', 'not-a-url'],
  ['SNAPSHOT_TTL', '59'],
  ['PORCH_ALLOWED_ORIGINS', '::bad::'],
];
for (const [variable, value] of BAD_SETTINGS) {
  test(`a bad setting stops the process with exit code 1 and one line naming the variable: ${variable}`, async (t) => {
    const started = run(t, { [variable]: value });
    assert.equal(await within(started.exited, 'the process to exit', START_TIMEOUT_MS), 1);
    assert.match(started.stderr(), new RegExp(`^porch signaling: bad configuration: ${variable}( at \\d+)?: .*\\n$`));
    assert.equal(started.stdout().includes('"listening"'), false);
  });
}

test('a REDIS_URL nothing answers on stops the process with exit code 1 and one line naming it, without its password', async (t) => {
  const started = run(t, { REDIS_URL: 'redis://:hunter2@127.0.0.1:1' });
  assert.equal(await within(started.exited, 'the process to exit', START_TIMEOUT_MS), 1);
  assert.match(started.stderr(), /^porch signaling: REDIS_URL: cannot reach Redis \(ECONNREFUSED\)\n$/);
  assert.equal(started.stdout().includes('hunter2') || started.stdout().includes('"listening"'), false);
});
