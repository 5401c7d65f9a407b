/**
 * A load balancer for tests, as an operator puts one in front of several signaling nodes: a TCP
 * proxy on loopback that sends each new connection to the first of its upstream ports that
 * accepts it. Pages load and connect through it; when their node goes down, their reconnect lands
 * on the next one. Bytes pass unchanged, so the Host header names the proxy, as behind nginx with
 * `proxy_set_header Host $host`.
 */
import { connect, createServer, type Socket } from 'node:net';

const HOST = '127.0.0.1';

export interface FailoverProxy {
  url: string;
  close(): Promise<void>;
}

/** The first upstream that accepts a connection, or null when none does. */
async function firstAccepting(ports: readonly number[]): Promise<Socket | null> {
  for (const port of ports) {
    const upstream = await new Promise<Socket | null>((resolve) => {
      const socket = connect(port, HOST);
      socket.once('connect', () => resolve(socket));
      socket.once('error', () => resolve(null));
    });
    if (upstream) return upstream;
  }
  return null;
}

export async function startFailoverProxy(upstreamPorts: readonly number[]): Promise<FailoverProxy> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.pause();
    client.on('error', () => client.destroy());
    client.once('close', () => open.delete(client));
    void firstAccepting(upstreamPorts).then((upstream) => {
      if (!upstream || client.destroyed) return void (upstream?.destroy(), client.destroy());
      open.add(upstream);
      upstream.on('error', () => upstream.destroy());
      upstream.once('close', () => {
        open.delete(upstream);
        client.destroy();
      });
      client.once('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
