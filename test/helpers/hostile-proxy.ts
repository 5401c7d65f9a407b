/**
 * A man in the middle that plays a malicious signaling-server operator. Pages load from the
 * proxy's origin (every HTTP request is forwarded to the real server), so their WebSocket to
 * /ws reaches the proxy, which relays each frame to and from the real server and records it.
 *
 * Attack switches can be flipped mid-test; each one is something a real operator could do,
 * since the server (or anyone between browser and server) sees every frame in the clear.
 * Only the contents of `box` are out of its reach: it holds neither the room key nor anyone's
 * identity key.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { createIdentity, createSessionKeys, randomBytes } from '../../shared/crypto.ts';
import { fromBase64Url, toBase64Url, utf8 } from '../../shared/encoding.ts';
import { sealIntroduction } from '../../shared/envelope.ts';

export interface RecordedFrame {
  dir: 'up' | 'down';
  /** The peer id of the browser on this connection, once the server welcomed it. */
  peer: string | null;
  text: string;
  /** Set on frames the proxy made up or altered. */
  forged?: true;
}

interface Connection {
  peer: string | null;
  browser: WebSocket;
  upstream: WebSocket;
  /** Genuine msg frames this browser was sent, exactly as the server sent them. */
  received: { from: string; text: string }[];
}

type Json = Record<string, unknown>;

export interface HostileProxy {
  readonly url: string;
  frames(): RecordedFrame[];
  /** Method and path of every HTTP request forwarded (pages, scripts, the /ws upgrade). */
  requests(): string[];
  /** Peer ids in the order the server welcomed them. */
  peers(): string[];
  /** Called synchronously as the server welcomes a browser, before the browser sees it. */
  onNextWelcome(listener: (peer: string, others: readonly string[]) => void): void;
  flipByteIn(match: { from?: string; to?: string }): void;
  /** Re-sends genuine envelopes `to` already got (all, the `first` n or the `last` n); returns how many. */
  replay(options: { to: string; from?: string; first?: number; last?: number }): number;
  injectPeer(to: string, options?: { name?: string }): { peer: string; forged: number };
  /** Announces `from` (gone by now) to `to` and hands `to` what `from` once sent `capturedAt`; returns how many. */
  resurrect(options: { from: string; capturedAt: string; to: string }): number;
  swap(options: { a: string; b: string; at?: string }): void;
  redirect(options: { from: string; to: string; toInstead: string }): void;
  /** From now on, hands `to` a copy of every envelope any other browser sends anyone, as if routed to it. */
  copyAllTo(to: string): void;
  /** From now on, drops every envelope between `a` and `b`, both ways, though each still sees the other in the room. */
  withhold(options: { a: string; b: string }): void;
  /** Switches every attack off (recording continues). */
  stopAttacks(): void;
  close(): Promise<void>;
}

const matches = (want: string | undefined, actual: string | null): boolean => want === undefined || want === actual;

export async function startHostileProxy(targetUrl: string): Promise<HostileProxy> {
  const target = new URL(targetUrl);
  const frames: RecordedFrame[] = [];
  const requests: string[] = [];
  const connections = new Set<Connection>();
  const welcomed: string[] = [];
  const fakePeers = new Set<string>();
  const welcomeListeners: ((peer: string, others: readonly string[]) => void)[] = [];
  let flips: { from?: string; to?: string }[] = [];
  let swaps: { a: string; b: string; at?: string }[] = [];
  let redirects: { from: string; to: string; toInstead: string }[] = [];
  let copyTo: string | null = null;
  let withholds: { a: string; b: string }[] = [];

  const connectionOf = (peer: string): Connection => {
    const found = [...connections].find((c) => c.peer === peer);
    if (!found) throw new Error(`hostile proxy: no browser connected as ${peer}`);
    return found;
  };
  const deliver = (conn: Connection, frame: Json, forged: boolean): void => {
    const text = JSON.stringify(frame);
    // Only untouched envelopes count as captured, so replays never compound.
    if (frame.type === 'msg' && !forged) conn.received.push({ from: String(frame.from), text });
    frames.push({ dir: 'down', peer: conn.peer, text, ...(forged ? { forged: true as const } : {}) });
    if (conn.browser.readyState === WebSocket.OPEN) conn.browser.send(text);
  };

  /** Every server→browser frame passes here; attacks rewrite only `msg` frames. */
  function down(conn: Connection, text: string): void {
    let frame: Json;
    try {
      frame = JSON.parse(text) as Json;
    } catch {
      frames.push({ dir: 'down', peer: conn.peer, text });
      return void conn.browser.send(text);
    }
    if (frame.type === 'welcome' && typeof frame.peer === 'string') {
      conn.peer = frame.peer;
      if (!welcomed.includes(frame.peer)) welcomed.push(frame.peer);
      welcomeListeners.splice(0).forEach((listener) => listener(String(frame.peer), frame.peers as string[]));
    }
    if (frame.type !== 'msg' || typeof frame.from !== 'string' || typeof frame.box !== 'string') {
      return deliver(conn, frame, false);
    }
    const original = text;
    // Withholding: the operator keeps two members' messages (their acts among them) from each other, so each goes its own way.
    if (withholds.some(({ a, b }) => (frame.from === a && conn.peer === b) || (frame.from === b && conn.peer === a))) return;
    // Redirect: the operator routes A's envelope for C to D instead, hoping D takes it as meant for it.
    const detour = redirects.find((r) => r.from === frame.from && r.to === conn.peer);
    if (detour) return deliver(connectionOf(detour.toInstead), frame, true);
    // Swap: the operator stamps A's envelopes as B's and B's as A's, to make one person speak as another.
    const swap = swaps.find((s) => matches(s.at, conn.peer) && (s.a === frame.from || s.b === frame.from));
    if (swap) frame.from = frame.from === swap.a ? swap.b : swap.a;
    // Bit flip: the operator alters a box in transit (say, to swap the DTLS fingerprint in an SDP it hopes to find).
    if (flips.some((f) => matches(f.from, String(frame.from)) && matches(f.to, conn.peer))) {
      const bytes = fromBase64Url(frame.box);
      if (bytes && bytes.length > 0) {
        const at = Math.floor(bytes.length / 2);
        bytes[at] = bytes[at]! ^ 0x01;
        frame.box = toBase64Url(bytes);
      }
    }
    deliver(conn, frame, JSON.stringify(frame) !== original);
  }

  /** Every browser→server frame passes here. */
  function up(conn: Connection, upstream: WebSocket, text: string): void {
    frames.push({ dir: 'up', peer: conn.peer, text });
    let frame: Json | null = null;
    try {
      frame = JSON.parse(text) as Json;
    } catch {
      frame = null;
    }
    // Copy: the operator hands a member everything sent in the room, hoping it can read more than it was sent.
    const copy = copyTo !== null && frame?.type === 'send' && conn.peer !== copyTo && frame.to !== copyTo ? [...connections].find((c) => c.peer === copyTo) : undefined;
    if (copy && frame) deliver(copy, { type: 'msg', from: conn.peer, box: frame.box, ...(frame.to === '*' ? { all: true } : {}) }, true);
    // Envelopes for a peer the proxy made up have nowhere to go; a real operator would swallow them.
    if (frame?.type === 'send' && typeof frame.to === 'string' && fakePeers.has(frame.to)) return;
    if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
  }

  const wss = new WebSocketServer({ noServer: true });
  const http = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer: IncomingMessage) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  http.on('upgrade', (req, socket, head) => {
    requests.push(`${req.method} ${req.url} (upgrade)`);
    if ((req.url ?? '').split('?', 1)[0] !== '/ws') return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (browser) => {
      const upstream = new WebSocket(`ws://${target.host}/ws`);
      const conn: Connection = { peer: null, browser, upstream, received: [] };
      connections.add(conn);
      const early: string[] = [];
      const text = (data: RawData): string => (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)).toString('utf8');
      browser.on('message', (data) => (upstream.readyState === WebSocket.CONNECTING ? early.push(text(data)) : up(conn, upstream, text(data))));
      upstream.on('open', () => early.splice(0).forEach((t) => up(conn, upstream, t)));
      upstream.on('message', (data) => down(conn, text(data)));
      // Close codes 1005/1006 may not be sent; anything else (4000 replaced, 4001 room full…) passes on.
      const sendable = (code: number): number | undefined => (code === 1005 || code === 1006 ? undefined : code);
      upstream.on('close', (code, reason) => browser.close(sendable(code), reason));
      browser.on('close', (code, reason) => {
        connections.delete(conn);
        if (upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
        else upstream.close(sendable(code), reason);
      });
      upstream.on('error', () => browser.terminate());
      browser.on('error', () => upstream.terminate());
    });
  });
  await new Promise<void>((resolve) => http.listen(0, resolve));
  const { port } = http.address() as AddressInfo;

  return {
    url: `http://localhost:${port}`,
    frames: () => [...frames],
    requests: () => [...requests],
    peers: () => [...welcomed],
    onNextWelcome(listener) {
      welcomeListeners.push(listener);
    },
    flipByteIn(match) {
      flips.push(match);
    },
    // Replay: the operator re-sends an envelope the browser already got (exact copy), e.g. an old
    // offer to reset a call, or an old "unmuted" presence to contradict a newer one.
    replay({ to, from, first, last }) {
      const conn = connectionOf(to);
      const all = conn.received.filter((r) => matches(from, r.from));
      const earlier = last === undefined ? all.slice(0, first ?? Infinity) : all.slice(-last);
      for (const r of earlier) deliver(conn, JSON.parse(r.text) as Json, true);
      return earlier.length;
    },
    // Injection: the operator announces a member who is not there and introduces it with forged
    // envelopes: one sealed under a key it made up (it lacks the room key), and genuine boxes it
    // captured from others, re-stamped as coming from the fake member.
    injectPeer(to, { name = 'Mallory' } = {}) {
      const conn = connectionOf(to);
      // Above every real id, so the attacked browser would be the one to send an offer.
      const peer = `zzzzzzzz${toBase64Url(randomBytes(6))}`;
      fakePeers.add(peer);
      deliver(conn, { type: 'joined', peer }, true);
      const madeUp = sealIntroduction(
        peer,
        '*',
        { seq: 1, ts: Date.now() },
        utf8(JSON.stringify({ kind: 'presence', name, muted: false })),
        { roomId: 'made-up-room-id-0000', roomKey: randomBytes(32), identity: createIdentity(), session: createSessionKeys() },
      );
      const boxes = [madeUp, ...conn.received.map((r) => (JSON.parse(r.text) as Json).box as string).slice(0, 5)];
      for (const box of boxes) deliver(conn, { type: 'msg', from: peer, box }, true);
      return { peer, forged: boxes.length };
    },
    // Resurrection: the operator brings back someone who left, announcing them to a newcomer and
    // replaying the genuine envelopes they sent another member (their broadcast presence among
    // them) while those are still within the receivers' clock window.
    resurrect({ from, capturedAt, to }) {
      const conn = connectionOf(to);
      const boxes = connectionOf(capturedAt).received.filter((r) => r.from === from);
      deliver(conn, { type: 'joined', peer: from }, true);
      for (const r of boxes) deliver(conn, JSON.parse(r.text) as Json, true);
      return boxes.length;
    },
    swap(options) {
      swaps.push(options);
    },
    redirect(options) {
      redirects.push(options);
    },
    copyAllTo(to) {
      copyTo = to;
    },
    withhold(options) {
      withholds.push(options);
    },
    stopAttacks() {
      withholds = [];
      flips = [];
      swaps = [];
      redirects = [];
      copyTo = null;
    },
    async close() {
      for (const conn of connections) {
        conn.browser.terminate();
        conn.upstream.terminate();
      }
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
