import type { WebSocket } from 'ws';

/**
 * Finds connections whose other end vanished without a close (sleeping laptops, dropped
 * networks): TCP alone can take many minutes to notice. Every `intervalMs` each socket is
 * pinged; one that has not answered the previous ping by then is terminated, so a dead
 * socket is gone within two intervals. Browsers answer pings by themselves.
 */
export interface Heartbeat {
  watch(ws: WebSocket): void;
  stop(): void;
}

export function createHeartbeat(options: { intervalMs: number }): Heartbeat {
  /** Whether each socket has answered since the last ping. */
  const answered = new Map<WebSocket, boolean>();

  const timer = setInterval(() => {
    for (const [ws, alive] of answered) {
      if (!alive) {
        answered.delete(ws);
        ws.terminate();
        continue;
      }
      answered.set(ws, false);
      ws.ping();
    }
  }, options.intervalMs);
  // The HTTP server keeps the process alive; the heartbeat alone should not.
  timer.unref();

  return {
    watch(ws) {
      answered.set(ws, true);
      ws.on('pong', () => {
        if (answered.has(ws)) answered.set(ws, true);
      });
      ws.once('close', () => answered.delete(ws));
    },
    stop() {
      clearInterval(timer);
      answered.clear();
    },
  };
}
