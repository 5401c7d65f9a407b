/**
 * simple-peer extends a Node Duplex stream for its data-channel byte stream, which Porch never
 * uses (audio travels as media tracks; signaling goes over the WebSocket). This stands in for
 * readable-stream, and for the Node EventEmitter beneath it, with only what simple-peer and
 * peer-adapter.ts touch (on, once, removeListener, emit), saving about 17 KB gzipped.
 */
type Listener = ((...args: unknown[]) => void) & { original?: Listener };

class EventEmitter {
  private readonly listeners = new Map<string, Listener[]>();

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  once(event: string, listener: Listener): this {
    const once: Listener = (...args) => {
      this.removeListener(event, listener);
      listener.apply(this, args);
    };
    once.original = listener;
    return this.on(event, once);
  }

  removeListener(event: string, listener: Listener): this {
    const list = this.listeners.get(event) ?? [];
    const at = list.findIndex((l) => l === listener || l.original === listener);
    if (at >= 0) this.listeners.set(event, list.filter((_, i) => i !== at));
    return this;
  }

  /** As in Node, an 'error' nobody listens to is thrown rather than lost. */
  emit(event: string, ...args: unknown[]): boolean {
    const list = this.listeners.get(event) ?? [];
    if (list.length === 0 && event === 'error') throw args[0];
    for (const listener of list) listener.apply(this, args);
    return list.length > 0;
  }
}

export class Duplex extends EventEmitter {
  readable = true;
  writable = true;
  _readableState = { ended: false };
  _writableState = { finished: false };

  push(chunk: unknown): boolean {
    if (chunk === null) this._readableState.ended = true;
    else this.emit('data', chunk);
    return true;
  }

  end(): void {
    this._writableState.finished = true;
  }
}

export default { Duplex };
