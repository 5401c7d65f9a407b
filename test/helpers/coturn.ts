/**
 * Starts coturn's turnserver for a test: loopback only, free ports, TURN REST credentials
 * (`use-auth-secret`) under a random secret, no TLS and no CLI. node test/setup.mjs installs
 * it when missing.
 *
 * Ready means: it answers a STUN Binding request on its port. Everything it writes, and its pid
 * file and database, stay in a temporary directory removed on stop. Stopped by the test; as a
 * last resort, leftovers are SIGKILLed when the test process exits (leftover-children.ts).
 */
import { watchService } from './service-process.ts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TURNSERVER_PATH = '/usr/bin/turnserver';
const HOST = '127.0.0.1';

export interface CoturnOptions {
  /** coturn's static-auth-secret; default random. */
  secret?: string;
  /** How long to wait for it to answer STUN (default 10 s). */
  startTimeoutMs?: number;
}

export interface RunningCoturn {
  port: number;
  secret: string;
  /** For TURN_URLS: UDP, as the browsers in the tests use. */
  url: string;
  /** SIGTERM, wait for exit; SIGKILL if still running after 5 s. Idempotent. */
  stop(): Promise<void>;
  /** What turnserver printed, for failing tests. */
  output(): string;
}

/** A port free for both UDP and TCP on loopback right now (turnserver listens on both). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, HOST, () => resolve(udp.address().port));
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const tcp = createServer();
      tcp.once('error', () => resolve(false));
      tcp.listen(port, HOST, () => tcp.close(() => resolve(true)));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcpFree) return port;
  }
  throw new Error('no port free for both UDP and TCP on loopback');
}

const STUN_BINDING_REQUEST = 0x0001;
const STUN_BINDING_SUCCESS = 0x0101;
const STUN_MAGIC_COOKIE = 0x2112a442;

/** Whether a STUN Binding request to the port gets its success response within `waitMs`. */
function answersStun(port: number, waitMs: number): Promise<boolean> {
  // Header only: type, length 0, magic cookie, 96-bit transaction id (RFC 8489 §5).
  const transaction = randomBytes(12);
  const request = Buffer.alloc(20);
  request.writeUInt16BE(STUN_BINDING_REQUEST, 0);
  request.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  transaction.copy(request, 8);
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    const done = (answered: boolean): void => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('error', () => done(false));
    socket.on('message', (message) => {
      if (message.length >= 20 && message.readUInt16BE(0) === STUN_BINDING_SUCCESS && message.subarray(8, 20).equals(transaction)) done(true);
    });
    socket.send(request, port, HOST);
  });
}

export async function startCoturn(options: CoturnOptions = {}): Promise<RunningCoturn> {
  if (!existsSync(TURNSERVER_PATH)) throw new Error(`${TURNSERVER_PATH} not found; run node test/setup.mjs`);
  const secret = options.secret ?? randomBytes(24).toString('hex');
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'porch-coturn-'));
  const port = await freePort();
  const child = spawn(
    TURNSERVER_PATH,
    [
      // No /etc/turnserver.conf: only what is written here.
      '-n',
      `--listening-ip=${HOST}`,
      `--relay-ip=${HOST}`,
      `--listening-port=${port}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=porch.test',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      // The browsers' relayed candidates are on 127.0.0.1 too; coturn refuses loopback peers otherwise.
      '--allow-loopback-peers',
      '--no-multicast-peers',
      // Logs to our pipe, and nothing under /var: it runs as whoever runs the tests.
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--userdb=${join(dir, 'turndb')}`,
      // Allocations and 401s in the output, for failing tests.
      '--verbose',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const { output, isRunning, stop } = watchService(child, dir);

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (!isRunning()) {
      await stop();
      throw new Error(`turnserver exited before answering STUN (code ${child.exitCode}, signal ${child.signalCode})\n--- turnserver output ---\n${output()}`);
    }
    if (await answersStun(port, 200)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`turnserver did not answer STUN on ${HOST}:${port} within ${startTimeoutMs} ms\n--- turnserver output ---\n${output()}`);
    }
  }

  return { port, secret, url: `turn:${HOST}:${port}?transport=udp`, stop, output };
}
