import type { RawData, WebSocket } from 'ws';
import { peerIdOf } from '../shared/peer-id.ts';
import { CLOSE_CODES, parseClientFrame, type ClientFrame, type ErrorCode, type ServerFrame } from '../shared/protocol.ts';
import { assertNever } from '../shared/result.ts';
import type { SnapshotSave } from '../shared/room-snapshot.ts';
import { createConnectionSnapshots } from './connection-snapshots.ts';
import type { ClientSocket, Hub } from './hub.ts';
import {
  createRateLimiter,
  createSenderShares,
  MAX_BUFFERED_BYTES,
  MAX_BYTES_QUEUED_PER_SENDER,
  MAX_ERROR_FRAMES,
  type RateVerdict,
} from './limits.ts';
import type { Log } from './log.ts';
import type { Counters, RejectReason } from './metrics.ts';
import type { NewRoomQuota } from './new-room-quota.ts';
import type { SnapshotStore } from './snapshot-store.ts';

export interface ConnectionOptions {
  hub: Hub;
  rateLimitPerS: number;
  rateBurst: number;
  /** Copies of its messages the server may send per second for this connection (see Config). */
  fanoutPerS: number;
  fanoutBurst: number;
  /** A socket that has not joined a room by then is closed. */
  helloTimeoutMs: number;
  log: Log;
  counters: Counters;
  /** Where rooms' snapshots are kept: handed out with welcomes, replaced by saves. */
  snapshots: SnapshotStore;
  /** The client's address, keyed as for the connection cap (client-address.ts). */
  address: string;
  /** The rooms' first snapshots each address may still make, shared by the node's connections. */
  newRooms: NewRoomQuota;
  /** Called once, when the socket has closed. */
  onClose: () => void;
}

/** One client connection: every frame it sends is checked here before the hub sees it. */
export interface Connection extends ClientSocket {
  /** Tells the client the server is going away, then closes. */
  shutdown(reason: 'restart' | 'shutdown'): void;
}

/** The room and peer id this connection speaks for once its hello is accepted. */
interface Membership {
  room: string;
  peer: string;
}

const NORMAL_CLOSURE = 1000;
const INTERNAL_ERROR = 1011;
const OPEN = 1;

/** The codes a refused frame is answered with; each is also the reason it is counted under. */
type RefusalCode = ErrorCode & RejectReason;

/** parseClientFrame's error codes, as the client is told them. */
const parseRefusal = (code: string): RefusalCode => (code === 'too-large' || code === 'bad-json' ? code : 'bad-frame');

/** Sends to the client, sharing what may be queued towards it fairly between the members writing to it. */
function createSender(ws: WebSocket, log: Log): ClientSocket['send'] {
  const shares = createSenderShares(MAX_BYTES_QUEUED_PER_SENDER);
  return (text, from) => {
    if (ws.readyState !== OPEN) return;
    const bytes = Buffer.byteLength(text);
    // One sender's flood is dropped here, so it cannot get this receiver cut as slow below.
    if (from !== undefined && !shares.take(from, bytes)) return;
    // A client that stopped reading would make us buffer without bound; it can reconnect and resume.
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      log.warn({ event: 'slow-consumer', bufferedBytes: ws.bufferedAmount });
      ws.terminate();
      return;
    }
    ws.send(text, from === undefined ? undefined : () => shares.give(from, bytes));
  };
}

interface RefusalOptions {
  counters: Counters;
  log: Log;
  sendFrame(frame: ServerFrame): void;
  /** Closes the connection for abuse. */
  close(reason: string): void;
}

/** How a connection answers the frames it does not act on, and when their number, or a flood, closes it. */
function createRefusals({ counters, log, sendFrame, close }: RefusalOptions) {
  let errorFrames = 0;

  function closeForPolicy(why: 'errors' | 'flood'): void {
    log.warn({ event: 'policy-close', why, errorFrames });
    close(why === 'flood' ? 'rate limit exceeded' : 'too many bad frames');
  }

  return {
    refuse(code: RefusalCode, message: string): void {
      counters.frameRejected(code);
      sendFrame({ type: 'error', code, message });
      // unknown-peer can happen to a working client (the peer just left), so it is not held against it.
      if (code === 'unknown-peer') return;
      errorFrames += 1;
      if (errorFrames > MAX_ERROR_FRAMES) closeForPolicy('errors');
    },

    /** True if a limiter let the frame through; a spell of drops is told once, abuse closes the connection. */
    allowed(verdict: RateVerdict, limit: 'rate-limited' | 'fanout-limited'): boolean {
      if (verdict === 'ok') return true;
      counters.frameRejected(limit);
      if (verdict === 'abusive') closeForPolicy('flood');
      else if (verdict.first) sendFrame({ type: 'error', code: 'rate-limited', message: 'slow down; frames are being dropped' });
      return false;
    },
  };
}

export function createConnection(ws: WebSocket, options: ConnectionOptions): Connection {
  const { hub, log, counters } = options;
  const nowMs = (): number => performance.now();
  const rate = createRateLimiter({ ratePerS: options.rateLimitPerS, burst: options.rateBurst, nowMs });
  const fanout = createRateLimiter({ ratePerS: options.fanoutPerS, burst: options.fanoutBurst, nowMs });
  // A socket that never joins would hold a slot of its address's cap, and of the server's, for nothing.
  const helloTimer = setTimeout(() => {
    log.info({ event: 'hello-timeout', afterMs: options.helloTimeoutMs });
    connection.close(CLOSE_CODES.policy, 'no hello in time');
  }, options.helloTimeoutMs);
  let membership: Membership | null = null;
  /** False once we close (bye, refusal, replacement, abuse): nothing more is read. */
  let reading = true;
  /** A hello is being acted on; a second one is refused. */
  let joining = false;

  const connection: Connection = {
    send: createSender(ws, log),
    close(code, reason) {
      reading = false;
      if (ws.readyState === OPEN) ws.close(code, reason);
    },
    shutdown(reason) {
      sendFrame({ type: 'closing', reason });
      connection.close(CLOSE_CODES.restart, reason);
    },
  };

  const sendFrame = (frame: ServerFrame): void => connection.send(JSON.stringify(frame));
  const { refuse, allowed } = createRefusals({ counters, log, sendFrame, close: (reason) => connection.close(CLOSE_CODES.policy, reason) });
  // Saves are answered apart from `refuse`: a refused save is not held against the connection (connection-snapshots.ts).
  const { address, newRooms } = options;
  const snapshots = createConnectionSnapshots({ store: options.snapshots, log, counters, address, newRooms, nowMs, reply: sendFrame, failed });

  function admit(room: string, peer: string, snapshot: SnapshotSave | null): void {
    const joined = hub.join(connection, room, peer, snapshot);
    if (!joined.ok) {
      counters.frameRejected(joined.error.code);
      sendFrame({ type: 'error', code: joined.error.code, message: joined.error.message });
      return connection.close(CLOSE_CODES.roomFull, 'room full');
    }
    membership = { room, peer };
    clearTimeout(helloTimer);
    if (snapshot !== null) counters.snapshotHandedOut();
  }

  function handle(frame: ClientFrame): void {
    switch (frame.type) {
      case 'hello': {
        if (membership || joining) return refuse('already-joined', 'this connection has already joined a room');
        joining = true;
        // The snapshot is read while the room is got ready; a client sends only pings until its welcome.
        Promise.all([hub.prepare(frame.room), snapshots.load(frame.room)])
          .then(([release, snapshot]) => {
            try {
              // The socket may have closed meanwhile.
              if (reading) admit(frame.room, peerIdOf(frame.resume), snapshot);
            } finally {
              release();
            }
          })
          .catch(failed);
        return;
      }
      case 'send': {
        if (!membership) return refuse('not-joined', 'say hello before sending');
        // A broadcast costs one per receiver, so a member cannot make the server multiply its flood.
        const copies = hub.copies(membership.room, membership.peer, frame.to);
        if (copies > 0 && !allowed(fanout.take(copies), 'fanout-limited')) return;
        const routed = hub.route(membership.room, membership.peer, frame.to, frame.box);
        if (routed === 'unknown-peer') return refuse('unknown-peer', 'no such peer in this room');
        return counters.envelopeRouted();
      }
      case 'ping':
        return sendFrame({ type: 'pong' });
      case 'tree': {
        if (!membership) return refuse('not-joined', 'say hello before joining the tree');
        const { type: _, ...claim } = frame;
        return hub.claim(membership.room, membership.peer, claim);
      }
      case 'save': {
        if (!membership) return refuse('not-joined', 'say hello before saving');
        return snapshots.save(membership.room, frame);
      }
      case 'bye': {
        if (membership) hub.leave(connection, membership.room, membership.peer);
        membership = null;
        return connection.close(NORMAL_CLOSURE, 'bye');
      }
      default:
        return assertNever(frame);
    }
  }

  function onMessage(data: RawData, isBinary: boolean): void {
    if (!reading) return;
    // The cheap check comes first, so a flood costs us no parsing.
    if (!allowed(rate.take(), 'rate-limited')) return;
    if (isBinary) return refuse('bad-frame', 'binary frames are not accepted');
    const parsed = parseClientFrame(data.toString());
    if (!parsed.ok) return refuse(parseRefusal(parsed.error.code), parsed.error.message);
    handle(parsed.value);
  }

  /** A bug, not the client's fault; only the error's name is logged, as its message may quote the frame. */
  function failed(error: unknown): void {
    log.error({ event: 'handler-failed', error: error instanceof Error ? error.name : typeof error });
    connection.close(INTERNAL_ERROR, 'internal error');
  }

  ws.on('message', (data, isBinary) => {
    try {
      onMessage(data, isBinary);
    } catch (error) {
      failed(error);
    }
  });
  // ws reports oversized frames, bad UTF-8 and protocol violations here and closes the socket itself.
  ws.on('error', (error: Error & { code?: string }) => {
    counters.frameRejected(error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'too-large' : 'protocol-error');
    log.debug({ event: 'socket-error', code: error.code ?? error.name });
  });
  ws.once('close', () => {
    reading = false;
    clearTimeout(helloTimer);
    // Any close but bye counts as a drop; the hub ignores it if a newer connection took over the peer id.
    if (membership) hub.drop(connection, membership.room, membership.peer);
    membership = null;
    options.onClose();
  });

  return connection;
}
