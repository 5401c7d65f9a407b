import { EventEmitter } from 'events';

/**
 * simple-peer extends a Node Duplex stream for its data-channel byte stream, which Porch never
 * uses (audio travels as media tracks; signaling goes over the WebSocket). This stands in for
 * readable-stream with only what simple-peer touches, saving about 15 KB gzipped.
 */
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
