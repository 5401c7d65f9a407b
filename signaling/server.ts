import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_CODES, MAX_FRAME_BYTES, type ServerFrame } from '../shared/protocol.ts';
import { createAdmission, type Admission } from './admission.ts';
import type { Config } from './config.ts';
import { createConnection, type Connection } from './connection.ts';
import { createHeartbeat } from './heartbeat.ts';
import { createHttpHandler, WS_PATH } from './http-routes.ts';
import { createHub, type Hub } from './hub.ts';
import type { Log } from './log.ts';
import { createMetrics, type UpgradeRefusal } from './metrics.ts';
import { createNewRoomQuota } from './new-room-quota.ts';
import type { RoomBus } from './room-bus.ts';
import { asOrigin } from './origin-check.ts';
import type { SnapshotStore } from './snapshot-store.ts';
import { createIceServers, offersRelay } from './turn-credentials.ts';

export interface SignalingServer {
  /** Starts listening on the configured host and port (0 picks a free one). */
  listen(): Promise<{ port: number }>;
  /**
   * Stops accepting, tells every client `closing` with the reason, closes their sockets with
   * CLOSE_CODES.restart and resolves once everything is closed. Idempotent.
   */
  shutdown(reason: 'restart' | 'shutdown'): Promise<void>;
  /** Numbers for health checks and tests. */
  stats(): { connections: number; rooms: number; members: number; away: number };
}

/** What the server is given rather than makes: each is connected (or read) before it starts, and closed when it stops. */
export interface ServerDeps {
  log: Log;
  /** Other nodes serving the same rooms (REDIS_URL); absent: this process serves its rooms alone. */
  bus?: RoomBus | undefined;
  /** Where rooms' snapshots are kept: file-snapshots.ts, or redis-snapshots.ts with REDIS_URL. */
  snapshots: SnapshotStore;
}

/** How long clients get to finish the close handshake on shutdown before their sockets are cut. */
const SHUTDOWN_CLOSE_MS = 1000;

function hubOf(config: Config, deps: ServerDeps, onPlan: () => void): Hub {
  return createHub({
    roomCapacity: config.roomCapacity,
    leaveGraceMs: config.leaveGraceMs,
    iceServers: createIceServers(config.iceServers, config.turn),
    log: deps.log,
    tree: config.tree,
    limits: { framesPerS: config.rateLimitPerS, framesBurst: config.rateBurst, copiesPerS: config.fanoutPerS, copiesBurst: config.fanoutBurst },
    bus: deps.bus,
    onPlan,
  });
}

/** The gate in front of /ws (admission.ts): it also names each admitted connection's client address. */
function admissionOf(config: Config): Admission {
  return createAdmission({
    allowedOrigins: config.allowedOrigins,
    publicOrigin: config.publicOrigin,
    trustedProxies: config.trustedProxies,
    maxPerAddress: config.maxConnectionsPerIp,
  });
}

function answerAndClose(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export function createSignalingServer(config: Config, deps: ServerDeps): SignalingServer {
  const { log } = deps;
  // The metrics read the hub, and the hub counts its plans there: called only once both exist.
  const hub = hubOf(config, deps, () => metrics.counters.planComputed());
  const admission = admissionOf(config);
  const heartbeat = createHeartbeat({ intervalMs: config.heartbeatMs });
  const newRooms = createNewRoomQuota({ nowMs: () => performance.now() });
  const connections = new Set<Connection>();
  const metrics = createMetrics(() => ({ connections: connections.size, ...hub.counts() }));
  const { counters } = metrics;
  /** Resolves waiters when the last connection is gone (used by shutdown). */
  let onAllClosed: (() => void) | null = null;
  let stopping: Promise<void> | null = null;

  const site = { embedders: config.allowedOrigins, publicOrigin: config.publicOrigin };
  const relayOffered = config.turn !== null || offersRelay(config.iceServers);
  const http = createServer(createHttpHandler({ staticDir: config.staticDir, site, metrics: config.metrics ? metrics : null, relayOffered, log }));
  const wss = new WebSocketServer({
    noServer: true,
    // Tracked so shutdown can cut every socket, refused ones included.
    maxPayload: MAX_FRAME_BYTES,
    // Frames are small JSON and mostly sealed (incompressible); compression would only cost memory.
    perMessageDeflate: false,
  });

  function refuseUpgrade(socket: Duplex, code: UpgradeRefusal, status: string): void {
    counters.upgradeRefused(code);
    answerAndClose(socket, status);
  }

  function accept(ws: WebSocket, address: string): void {
    // ws closes a socket after an error itself; without a listener the error would crash the process.
    ws.on('error', () => {});
    if (stopping) return void ws.terminate();
    if (connections.size >= config.maxConnections) {
      counters.upgradeRefused('server-full');
      log.warn({ event: 'server-full', connections: connections.size });
      const refusal: ServerFrame = { type: 'error', code: 'server-full', message: 'the server is at capacity; try again later' };
      ws.send(JSON.stringify(refusal));
      ws.close(CLOSE_CODES.serverFull, 'server full');
      return;
    }
    const connection = createConnection(ws, {
      hub,
      rateLimitPerS: config.rateLimitPerS,
      rateBurst: config.rateBurst,
      fanoutPerS: config.fanoutPerS,
      fanoutBurst: config.fanoutBurst,
      helloTimeoutMs: config.helloTimeoutMs,
      log,
      counters,
      snapshots: deps.snapshots,
      address,
      newRooms,
      onClose: () => {
        connections.delete(connection);
        if (connections.size === 0) onAllClosed?.();
      },
    });
    connections.add(connection);
    heartbeat.watch(ws);
  }

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws owns the socket, its errors are ours to absorb, or they would crash the process.
    const onSocketError = (): void => void socket.destroy();
    socket.on('error', onSocketError);
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== WS_PATH) return refuseUpgrade(socket, 'not-found', '404 Not Found');
    if (stopping) return refuseUpgrade(socket, 'shutting-down', '503 Service Unavailable');
    const admitted = admission.admit(req, socket);
    if (!admitted.ok) {
      // The origin helps an operator fill PORCH_ALLOWED_ORIGINS. Only in the form browsers send:
      // anything else in the header was written by a program, and its text is not ours to log.
      // Addresses are not logged.
      const origin = admitted.error.code === 'bad-origin' ? (asOrigin(req.headers.origin ?? '') ?? 'not-an-origin') : undefined;
      log.info({ event: 'upgrade-refused', code: admitted.error.code, origin });
      return refuseUpgrade(socket, admitted.error.code, admitted.error.status);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.removeListener('error', onSocketError);
      accept(ws, admitted.value);
    });
  });
  // Malformed HTTP from a client: answer 400 rather than let the error surface.
  http.on('clientError', (_error, socket: Duplex) => {
    if (socket.writable) answerAndClose(socket, '400 Bad Request');
    else socket.destroy();
  });

  async function closeEverything(reason: 'restart' | 'shutdown'): Promise<void> {
    heartbeat.stop();
    // No `left` storms while everyone is being disconnected; clients resume on the next server.
    const hubStopped = hub.stop();
    const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    const allClosed = new Promise<void>((resolve) => {
      onAllClosed = resolve;
      if (connections.size === 0) resolve();
    });
    for (const connection of connections) connection.shutdown(reason);
    let cutTimer: ReturnType<typeof setTimeout> | undefined;
    const cut = new Promise<void>((resolve) => {
      cutTimer = setTimeout(resolve, SHUTDOWN_CLOSE_MS);
    });
    await Promise.race([allClosed, cut]);
    clearTimeout(cutTimer);
    for (const ws of wss.clients) ws.terminate();
    await allClosed;
    http.closeAllConnections();
    await Promise.all([httpClosed, hubStopped]);
    // Saves still under way finish first.
    await Promise.all([deps.bus?.quit(), deps.snapshots.close()]);
    log.info({ event: 'stopped', reason });
  }

  return {
    listen() {
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.port, config.host, () => {
          http.off('error', reject);
          const address = http.address();
          resolve({ port: typeof address === 'object' && address ? address.port : config.port });
        });
      });
    },

    shutdown(reason) {
      stopping ??= closeEverything(reason);
      return stopping;
    },

    stats() {
      return { connections: connections.size, ...hub.counts() };
    },
  };
}
