import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  parseServerFrame,
  type ClientFrame,
  type ServerFrame,
} from '../../shared/protocol.ts';
import { createSendPacer, type SendPacer } from './send-pacer.ts';
import { createStore, type Store } from './store.ts';
import { createTimers, type Cancel, type Timers } from './timers.ts';

export type SignalingStatus =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: number }
  | { kind: 'connected' }
  | { kind: 'reconnecting'; attempt: number; retryInMs: number }
  | { kind: 'room-full' }
  | { kind: 'replaced' }
  | { kind: 'closed' };

/** The subset of the browser WebSocket the client uses, so tests can inject their own. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface SignalingClientOptions {
  url: string;
  room: string;
  resume: string;
  createSocket?: (url: string) => SocketLike;
  timers?: Timers;
  random?: () => number;
  onFrame: (frame: Exclude<ServerFrame, { type: 'pong' }>) => void;
}

export interface SignalingClient {
  readonly status: Store<SignalingStatus>;
  connect(): void;
  send(frame: Exclude<ClientFrame, { type: 'hello' }>): boolean;
  /**
   * Says goodbye so others see us leave at once, then closes for good. Idempotent. What waits goes
   * first as far as the budget allows, then `last` (a frame that must not be dropped with the
   * rest, like the room's last snapshot), then the goodbye.
   */
  close(last?: Exclude<ClientFrame, { type: 'hello' }>): void;
}

const OPEN = 1;
const MAX_BACKOFF_MS = 5000;
const FIRST_BACKOFF_MS = 250;
/** Browsers cannot see WebSocket pings, so a silently dead path is only noticed by our own. */
const PING_INTERVAL_MS = 10_000;
const MISSED_PINGS_BEFORE_DEAD = 2;

export function createSignalingClient(options: SignalingClientOptions): SignalingClient {
  const createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
  const timers = options.timers ?? createTimers();
  const random = options.random ?? Math.random;
  const status = createStore<SignalingStatus>({ kind: 'idle' });

  let socket: SocketLike | null = null;
  let attempt = 0;
  let retryTimer: Cancel | null = null;
  let pingTimer: Cancel | null = null;
  let missedPings = 0;
  let finished = false;
  /** Paces what we send on the current connection, once its welcome told us the budget. */
  let pacer: SendPacer | null = null;
  /** Who else the server lists: a broadcast costs one copy each. */
  const others = new Set<string>();

  function stopPacing(): void {
    pacer?.stop();
    pacer = null;
  }

  function stopPinging(): void {
    pingTimer?.();
    pingTimer = null;
  }

  function schedulePing(ws: SocketLike): void {
    pingTimer = timers.after(PING_INTERVAL_MS, () => {
      pingTimer = null;
      if (socket !== ws) return;
      if (missedPings >= MISSED_PINGS_BEFORE_DEAD) return abandon(ws);
      missedPings += 1;
      ws.send(JSON.stringify({ type: 'ping' }));
      schedulePing(ws);
    });
  }

  /** Gives up on a socket that went quiet without closing; its close event may never come. */
  function abandon(ws: SocketLike): void {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    ws.close();
    socket = null;
    stopPinging();
    stopPacing();
    scheduleRetry();
  }

  function open(): void {
    if (finished) return;
    status.set({ kind: 'connecting', attempt });
    const ws = createSocket(options.url);
    socket = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, room: options.room, resume: options.resume }));
      missedPings = 0;
      schedulePing(ws);
    };
    ws.onmessage = (ev) => {
      missedPings = 0;
      if (typeof ev.data !== 'string') return;
      const parsed = parseServerFrame(ev.data);
      if (!parsed.ok) return;
      const frame = parsed.value;
      if (frame.type === 'pong') return;
      if (frame.type === 'welcome') {
        attempt = 0;
        stopPacing();
        pacer = createSendPacer({ limits: frame.limits, timers, write: (text) => ws.send(text) });
        others.clear();
        for (const peer of frame.peers) others.add(peer);
        status.set({ kind: 'connected' });
      }
      if (frame.type === 'joined') others.add(frame.peer);
      if (frame.type === 'left') others.delete(frame.peer);
      options.onFrame(frame);
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (socket !== ws) return;
      socket = null;
      stopPinging();
      stopPacing();
      if (finished) return;
      if (ev.code === CLOSE_CODES.roomFull) return finish({ kind: 'room-full' });
      if (ev.code === CLOSE_CODES.replaced) return finish({ kind: 'replaced' });
      scheduleRetry();
    };
  }

  function scheduleRetry(): void {
    const base = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt);
    // Jitter spreads a whole room's reconnects after a server restart.
    const retryInMs = Math.round(base * (0.75 + random() * 0.5));
    attempt += 1;
    status.set({ kind: 'reconnecting', attempt, retryInMs });
    retryTimer = timers.after(retryInMs, () => {
      retryTimer = null;
      open();
    });
  }

  function finish(final: SignalingStatus): void {
    finished = true;
    retryTimer?.();
    retryTimer = null;
    stopPinging();
    stopPacing();
    const ws = socket;
    socket = null;
    if (ws && ws.readyState <= OPEN) ws.close(1000);
    status.set(final);
  }

  return {
    status,
    connect() {
      if (socket || finished || retryTimer !== null) return;
      open();
    },
    send(frame) {
      if (!socket || socket.readyState !== OPEN || status.get().kind !== 'connected' || !pacer) return false;
      const copies = frame.type !== 'send' ? () => 0 : frame.to === '*' ? () => others.size : () => 1;
      pacer.send(JSON.stringify(frame), copies);
      return true;
    },
    close(last) {
      if (finished) return;
      if (socket?.readyState === OPEN && status.get().kind === 'connected') {
        // What we said last (a seat given up) goes before the goodbye, as far as the budget allows.
        pacer?.flush(last ? 2 : 1);
        if (last) socket.send(JSON.stringify(last));
        socket.send(JSON.stringify({ type: 'bye' }));
      }
      finish({ kind: 'closed' });
    },
  };
}
