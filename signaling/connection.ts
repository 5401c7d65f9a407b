import type { RawData, WebSocket } from 'ws';
import { peerIdOf } from '../shared/peer-id.ts';
import { CLOSE_CODES, ERROR_CODES, parseClientFrame, type ClientFrame, type ErrorCode, type ServerFrame } from '../shared/protocol.ts';
import { assertNever } from '../shared/result.ts';
import type { ClientSocket, Hub } from './hub.ts';
import { createRateLimiter, MAX_BUFFERED_BYTES, MAX_ERROR_FRAMES } from './limits.ts';
import type { Log } from './log.ts';

export interface ConnectionOptions {
  hub: Hub;
  rateLimitPerS: number;
  rateBurst: number;
  log: Log;
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

const isErrorCode = (code: string): code is ErrorCode => (ERROR_CODES as readonly string[]).includes(code);

export function createConnection(ws: WebSocket, options: ConnectionOptions): Connection {
  const { hub, log } = options;
  const rate = createRateLimiter({
    ratePerS: options.rateLimitPerS,
    burst: options.rateBurst,
    nowMs: () => performance.now(),
  });
  let membership: Membership | null = null;
  /** False once we close (bye, refusal, replacement, abuse): nothing more is read. */
  let reading = true;
  let errorFrames = 0;

  const connection: Connection = {
    send(text) {
      if (ws.readyState !== OPEN) return;
      // A client that stopped reading would make us buffer without bound; it can reconnect and resume.
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        log.warn({ event: 'slow-consumer', bufferedBytes: ws.bufferedAmount });
        ws.terminate();
        return;
      }
      ws.send(text);
    },
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

  function refuse(code: ErrorCode, message: string): void {
    sendFrame({ type: 'error', code, message });
    // unknown-peer can happen to a working client (the peer just left), so it is not held against it.
    if (code === 'unknown-peer') return;
    errorFrames += 1;
    if (errorFrames > MAX_ERROR_FRAMES) closeForPolicy('errors');
  }

  function closeForPolicy(why: 'errors' | 'flood'): void {
    log.warn({ event: 'policy-close', why, errorFrames });
    connection.close(CLOSE_CODES.policy, why === 'flood' ? 'rate limit exceeded' : 'too many bad frames');
  }

  function handle(frame: ClientFrame): void {
    switch (frame.type) {
      case 'hello': {
        if (membership) return refuse('already-joined', 'this connection has already joined a room');
        const peer = peerIdOf(frame.resume);
        const joined = hub.join(connection, frame.room, peer);
        if (!joined.ok) {
          sendFrame({ type: 'error', code: joined.error.code, message: joined.error.message });
          return connection.close(CLOSE_CODES.roomFull, 'room full');
        }
        membership = { room: frame.room, peer };
        return;
      }
      case 'send': {
        if (!membership) return refuse('not-joined', 'say hello before sending');
        const routed = hub.route(membership.room, membership.peer, frame.to, frame.box);
        if (routed === 'unknown-peer') refuse('unknown-peer', 'no such peer in this room');
        return;
      }
      case 'ping':
        return sendFrame({ type: 'pong' });
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
    const verdict = rate.take();
    if (verdict === 'abusive') return closeForPolicy('flood');
    if (verdict !== 'ok') {
      if (verdict.first) sendFrame({ type: 'error', code: 'rate-limited', message: 'slow down; frames are being dropped' });
      return;
    }
    if (isBinary) return refuse('bad-frame', 'binary frames are not accepted');
    const parsed = parseClientFrame(data.toString());
    if (!parsed.ok) return refuse(isErrorCode(parsed.error.code) ? parsed.error.code : 'bad-frame', parsed.error.message);
    handle(parsed.value);
  }

  ws.on('message', (data, isBinary) => {
    try {
      onMessage(data, isBinary);
    } catch (error) {
      // A bug, not the client's fault; only the error's name is logged, as its message may quote the frame.
      log.error({ event: 'handler-failed', error: error instanceof Error ? error.name : typeof error });
      connection.close(INTERNAL_ERROR, 'internal error');
    }
  });
  // ws reports oversized frames, bad UTF-8 and protocol violations here and closes the socket itself.
  ws.on('error', (error: Error & { code?: string }) => {
    log.debug({ event: 'socket-error', code: error.code ?? error.name });
  });
  ws.once('close', () => {
    reading = false;
    // Any close but bye counts as a drop; the hub ignores it if a newer connection took over the peer id.
    if (membership) hub.drop(connection, membership.room, membership.peer);
    membership = null;
    options.onClose();
  });

  return connection;
}
