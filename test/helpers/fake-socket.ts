import type { ServerFrame } from '../../shared/protocol.ts';
import type { SocketLike } from '../../client/engine/signaling-client.ts';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** A WebSocket for engine tests: records what the client sends; the test plays server and network. */
export class FakeSocket implements SocketLike {
  readyState = CONNECTING;
  readonly sent: string[] = [];
  readonly closeCalls: (number | undefined)[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url = '') {}
  send(data: string): void {
    if (this.readyState !== OPEN) throw new Error('send on a socket that is not open');
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closeCalls.push(code);
    if (this.readyState <= OPEN) this.readyState = CLOSING;
  }
  // What the server and network do:
  serverOpens(): void {
    this.readyState = OPEN;
    this.onopen?.({});
  }
  serverSends(frame: ServerFrame | string): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }
  closes(code: number): void {
    this.readyState = CLOSED;
    this.onerror?.({});
    this.onclose?.({ code });
  }
  sentFrames(): unknown[] {
    return this.sent.map((s) => JSON.parse(s) as unknown);
  }
}
