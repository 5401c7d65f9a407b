/**
 * A modified client: a real member of the room (it holds the link, so the room key, and has
 * its own identity) that speaks the protocol from Node and signs whatever it likes. It is what
 * an attacker with a patched app can do; honest pages must refuse its acts on their own.
 */
import { WebSocket } from 'ws';
import { createIdentity, randomBytes } from '../../shared/crypto.ts';
import { fromBase64Url, toBase64Url } from '../../shared/encoding.ts';
import { PROTOCOL_VERSION, parseServerFrame } from '../../shared/protocol.ts';
import type { ActBody, SignedAct } from '../../shared/room-acts.ts';
import { append, createLog, fromCheckpoint, lengthOf, signNext, type RoomLog } from '../../shared/room-log.ts';
import { verifyCheckpoint } from '../../shared/checkpoint.ts';
import { MAX_ACTS_PER_MESSAGE, type PeerMessage } from '../../shared/peer-message.ts';
import { CHECKPOINT_EVERY } from '../../client/engine/log-checkpoints.ts';
import { pollUntil } from './poll.ts';
import { parseRoomFragment, roomIdOf, roomKeyOf } from '../../shared/room-link.ts';
import { createSealedCodec } from '../../client/engine/sealed-codec.ts';

export interface RogueMember {
  readonly key: string;
  /** Signs `act` for the next place of the log it learned, and sends it to everyone introduced. */
  forge(act: ActBody): SignedAct;
  /**
   * Floods the log live: `count` hand toggles under throwaway identities, 40 to a message, each
   * batch signed on the head it has learned, so that an honest host takes them all. Once the host
   * is due to checkpoint, it waits to hear that checkpoint, so the next batch goes on top of it;
   * when it hears none, an act of the host's went in first, and it learns the host's log again.
   */
  flood(count: number, signal?: AbortSignal): Promise<void>;
  /** How many places of the room log it holds. */
  logLength(): number;
  /** Its peer id, once welcomed. */
  peerId(): string | null;
  /** Everything its codec opened, whoever it came from and however it got here, with when. */
  heard(): readonly { at: number; from: string; message: PeerMessage }[];
  /** Epoch keys it was handed (it keeps them all, and tries them on everything). */
  epochKeys(): number;
  /** Asks every member it knows for the room log from the start. */
  askForLog(): void;
  close(): void;
}

/** Hand toggles by one fresh identity, signed one after another on top of `log`. */
function floodBatch(log: RoomLog, size: number): { log: RoomLog; entries: SignedAct[] } {
  const who = createIdentity();
  const entries: SignedAct[] = [];
  let current = log;
  for (let i = 0; i < size; i++) {
    const signed = signNext(current, { type: i % 2 ? 'lower-hand' : 'raise-hand' }, who);
    const result = append(current, signed, { signedHere: true });
    if (!result.ok) throw new Error(`rogue member: its own flood was refused (${result.reason})`);
    current = result.log;
    entries.push(signed);
  }
  return { log: current, entries };
}

export async function joinAsRogue(link: string, name: string): Promise<RogueMember> {
  const url = new URL(link);
  const secret = parseRoomFragment(url.hash);
  if (!secret.ok) throw new Error(`rogue member: bad link ${link}`);
  const roomId = roomIdOf(secret.value);
  const identity = createIdentity();
  const key = toBase64Url(identity.publicKey);
  let selfId: string | null = null;
  const introduced = new Set<string>();
  /** The longest log a member's presence has claimed, and who claimed it: it floods only once it holds that much. */
  let heardLength = -1;
  let claimer: string | null = null;
  // The log it learns from members, with the honest rules (only so that forged acts sit at the head).
  const rules = { hostKey: toBase64Url(secret.value.hostKey), stageMax: 8 };
  let log: RoomLog = createLog(roomId, rules);
  const heard: { at: number; from: string; message: PeerMessage }[] = [];
  const epochKeys: Uint8Array[] = [];
  const presence: PeerMessage = { kind: 'presence', name, muted: false };
  const codec = createSealedCodec({
    roomId,
    roomKey: roomKeyOf(secret.value),
    epochs: { current: () => epochKeys.at(-1) ?? null, held: () => epochKeys, lacking: () => true },
    identity,
    selfId: () => selfId,
    onIntroduced: (peer) => {
      introduced.add(peer);
      // Answered for the member's visit: that confirms it as here, as an honest page's answer does.
      queueMicrotask(() => send(peer, presence));
    },
    onConfirmed: () => {},
    onRejected: () => {},
  });
  const socket = new WebSocket(new URL('/ws', url.origin).href.replace(/^http/, 'ws'));
  const send = (to: string, message: PeerMessage): void => {
    socket.send(JSON.stringify({ type: 'send', to, box: codec.seal(to, message) }));
  };

  socket.on('message', (data) => {
    const frame = parseServerFrame(String(data));
    if (!frame.ok) return;
    const f = frame.value;
    if (f.type === 'welcome') {
      selfId = f.peer;
      send('*', presence);
    } else if (f.type === 'joined') {
      send(f.peer, presence);
    } else if (f.type === 'msg') {
      const message = codec.open(f.from, f.box, f.all === true);
      if (message) heard.push({ at: Date.now(), from: f.from, message });
      if (message?.kind === 'epoch-key') epochKeys.push(fromBase64Url(message.key)!);
      if (message?.kind === 'presence' && (message.log ?? -1) >= heardLength) [heardLength, claimer] = [message.log ?? 0, f.from];
      if (message?.kind === 'presence' && (message.log ?? 0) > lengthOf(log)) send(f.from, { kind: 'acts-request', from: 0 });
      if (message?.kind === 'checkpoint' && message.checkpoint.act.n >= lengthOf(log) && verifyCheckpoint(message.checkpoint, roomId, rules)) {
        log = fromCheckpoint(roomId, rules, message.checkpoint);
      }
      if (message?.kind === 'acts') {
        for (const entry of message.entries) {
          const next = append(log, entry);
          if (next.ok) log = next.log;
        }
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      socket.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, room: roomId, resume: toBase64Url(randomBytes(32)) }));
      resolve();
    });
    socket.once('error', reject);
  });

  return {
    key,
    forge(act) {
      const signed = signNext(log, act, identity);
      for (const peer of introduced) send(peer, { kind: 'acts', entries: [signed] });
      return signed;
    },
    async flood(count, signal) {
      await pollUntil('a member to flood, and its log', () => heardLength >= 0 && lengthOf(log) >= heardLength, (ready) => ready);
      for (let sent = 0; sent < count && !signal?.aborted; ) {
        const batch = floodBatch(log, Math.min(MAX_ACTS_PER_MESSAGE, count - sent));
        log = batch.log;
        for (const peer of introduced) send(peer, { kind: 'acts', entries: batch.entries });
        sent += batch.entries.length;
        const checkpointed = await pollUntil('the host to checkpoint', () => lengthOf(log) - log.usage.since < CHECKPOINT_EVERY, (done) => done, { timeoutMs: 5_000 }).catch(() => false);
        // An act of the host's went in first, so the batch was not taken: learn the host's log again.
        if (!checkpointed && claimer !== null) {
          log = createLog(roomId, rules);
          send(claimer, { kind: 'acts-request', from: 0 });
          await new Promise((resolve) => setTimeout(resolve, 2_000));
        }
      }
    },
    logLength: () => lengthOf(log),
    peerId: () => selfId,
    heard: () => heard,
    epochKeys: () => epochKeys.length,
    askForLog() {
      for (const peer of introduced) send(peer, { kind: 'acts-request', from: 0 });
    },
    close: () => socket.close(),
  };
}
