import assert from 'node:assert/strict';
import { parseServerFrame, type PlanFrame, type ServerFrame } from '../../shared/protocol.ts';
import type { ClientSocket } from '../../signaling/hub.ts';

export interface RecordingSocket extends ClientSocket {
  /** Every frame the hub sent, each checked with the browser's own parser. */
  frames: ServerFrame[];
  /** Who each frame was from, as the hub said (undefined for server frames). */
  senders: (string | undefined)[];
  closedWith: number | null;
  plans(): PlanFrame[];
}

/** A client socket for hub tests: records what it was sent and how it was closed. */
export function recordingSocket(): RecordingSocket {
  const socket: RecordingSocket = {
    frames: [],
    senders: [],
    closedWith: null,
    plans: () => socket.frames.filter((f): f is PlanFrame => f.type === 'plan'),
    send(text, from) {
      const parsed = parseServerFrame(text);
      if (!parsed.ok) assert.fail(`hub sent an invalid frame: ${parsed.error.message}`);
      socket.frames.push(parsed.value);
      socket.senders.push(from);
    },
    close(code) {
      socket.closedWith = code;
    },
  };
  return socket;
}
