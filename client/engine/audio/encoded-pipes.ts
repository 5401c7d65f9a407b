/**
 * The encoded audio frames of one connection, for relaying: what arrives on each slot can be
 * copied onward, unchanged, and frames from elsewhere can be sent on a slot. No decoding and no
 * re-encoding, so a hop adds next to no delay and the speaker's bytes arrive intact.
 *
 * Chromium's `encodedInsertableStreams` (DESIGN.md, "Testing recipe"): a connection opened with it
 * must pipe every sender and receiver, or nothing flows at all. Each receiver's frames go to a
 * hook and then to the connection's own decoder; each sender writes both its own track's frames
 * and whatever is forwarded to it.
 */

/** Chromium's non-standard half of the API; the standard one (RTCRtpScriptTransform) cannot relay between connections. */
interface EncodedStreams {
  readable: ReadableStream<RTCEncodedAudioFrame>;
  writable: WritableStream<RTCEncodedAudioFrame>;
}
type WithEncodedStreams = { createEncodedStreams(): EncodedStreams };

/** Whether this browser can relay: it can take a connection's frames out and put others in. */
export const canRelayFrames = (): boolean =>
  typeof RTCRtpSender !== 'undefined' &&
  'createEncodedStreams' in RTCRtpSender.prototype &&
  typeof (globalThis as { RTCEncodedAudioFrame?: unknown }).RTCEncodedAudioFrame === 'function';

/** The configuration a connection needs before it can be piped. */
export const ENCODED_CONFIG = { encodedInsertableStreams: true } as const;

export interface EncodedPipes {
  /** Pipes every transceiver not piped yet; call whenever transceivers may have been added. */
  adopt(transceivers: readonly RTCRtpTransceiver[]): void;
  /** Sends a copy of `frame` on `slot` (no-op while that slot is not piped). */
  send(slot: number, frame: RTCEncodedAudioFrame): void;
  close(): void;
}

type FrameCopy = new (frame: RTCEncodedAudioFrame) => RTCEncodedAudioFrame;

export function createEncodedPipes(onFrame: (slot: number, frame: RTCEncodedAudioFrame) => void): EncodedPipes {
  const piped = new WeakSet<RTCRtpTransceiver>();
  const writers: WritableStreamDefaultWriter<RTCEncodedAudioFrame>[] = [];
  const Copy = (globalThis as unknown as { RTCEncodedAudioFrame: FrameCopy }).RTCEncodedAudioFrame;
  let closed = false;

  // A write fails only once the connection is closing; the frame is then not wanted anywhere.
  const write = (writer: WritableStreamDefaultWriter<RTCEncodedAudioFrame>, frame: RTCEncodedAudioFrame): void => {
    writer.write(frame).catch(() => {});
  };

  function pipeSender(slot: number, sender: RTCRtpSender): void {
    const streams = (sender as unknown as WithEncodedStreams).createEncodedStreams();
    const writer = streams.writable.getWriter();
    writers[slot] = writer;
    void streams.readable.pipeTo(new WritableStream({ write: (frame) => write(writer, frame) })).catch(() => {});
  }

  function pipeReceiver(slot: number, receiver: RTCRtpReceiver): void {
    const streams = (receiver as unknown as WithEncodedStreams).createEncodedStreams();
    const decoder = streams.writable.getWriter();
    const sink = new WritableStream<RTCEncodedAudioFrame>({
      write(frame) {
        if (closed) return;
        onFrame(slot, frame);
        write(decoder, frame);
      },
    });
    void streams.readable.pipeTo(sink).catch(() => {});
  }

  return {
    adopt(transceivers) {
      transceivers.forEach((transceiver, slot) => {
        if (closed || piped.has(transceiver) || transceiver.receiver.track.kind !== 'audio') return;
        piped.add(transceiver);
        pipeSender(slot, transceiver.sender);
        pipeReceiver(slot, transceiver.receiver);
      });
    },
    send(slot, frame) {
      const writer = writers[slot];
      if (!closed && writer) write(writer, new Copy(frame));
    },
    close() {
      closed = true;
      writers.length = 0;
    },
  };
}
