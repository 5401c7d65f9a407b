import { fromBase64Url, toBase64Url } from '../../shared/encoding.ts';
import { createEpochKey, EPOCH_KEY_BYTES, epochIdOf } from '../../shared/epoch-key.ts';
import type { PeerMessage } from '../../shared/peer-message.ts';
import type { RoomState } from '../../shared/room-state.ts';
import type { Cancel, Timers } from './timers.ts';

/**
 * The keys the room's broadcasts are sealed under (shared/epoch-key.ts). The log names the current
 * epoch by id; its key comes pairwise from whoever removed or locked, or from any member we ask,
 * and only a member the log lets in is ever handed it. Until we hold it we broadcast nothing the
 * link's key would open for everyone (room.ts holds our presence back).
 */
export interface RoomEpochsDeps {
  room(): RoomState;
  send(to: string, message: PeerMessage): void;
  /** Members the room lets in (not removed, not waiting in the lobby), by peer id. */
  letIn(): string[];
  mayHold(peerId: string): boolean;
  /** The room lets us in: nobody hands the key to anyone else, so only then is it worth asking. */
  inside(): boolean;
  timers: Timers;
  /** We hold the current epoch's key now, having lacked it. */
  onHeld(): void;
  /** Keys this browser kept from earlier visits, oldest first (room-keys-store.ts). */
  kept?: readonly Uint8Array[];
  /** The keys we hold changed: the shell keeps them for the next visit. */
  onKept?(keys: readonly Uint8Array[]): void;
  trace?: (line: string) => void;
}

export interface RoomEpochs {
  /** The key broadcasts go under now; null while the room is in no epoch (the link's key serves). */
  current(): Uint8Array | null;
  /** Every key a broadcast may arrive under, newest first. */
  held(): readonly Uint8Array[];
  /** The log names an epoch whose key we lack. */
  missing(): boolean;
  /** We lack the key, or the log keeps us out: broadcasts we cannot open are to be expected. */
  lacking(): boolean;
  /** A fresh key for an act we are about to make (a removal, a lock); its id goes in the act. */
  start(): string;
  /** Our act took effect: its key goes to everyone the room lets in. */
  handOut(): void;
  onKey(from: string, key: string): void;
  onRequest(from: string, id: string): void;
  /** The log or who is here changed. */
  update(): void;
}

/** Past epochs kept, for broadcasts still on their way under one. */
const KEPT = 3;
/**
 * Keys that came before the act naming them (signatures are checked off the main thread meanwhile):
 * the latest from each member, so that nobody's keys crowd out another's; ours under our own name.
 */
const UNNAMED_SENDERS_KEPT = 256;
/** Not a peer id the server hands out (those are base64url): where the key we made waits for our act. */
const SELF = '(self)';
const ASK_EVERY_MS = 1500;
/** How often one member is answered: a key is one message, but asking must not become a way to make us send. */
const ANSWER_EVERY_MS = 1000;
/** Requesters remembered for that: more than a room holds. */
const ANSWERED_KEPT = 256;

export function createRoomEpochs(deps: RoomEpochsDeps): RoomEpochs {
  const trace = deps.trace ?? (() => {});
  /** By id, oldest first. */
  const keys = new Map<string, Uint8Array>();
  /** By who handed it (SELF for one we made). */
  const unnamed = new Map<string, { id: string; key: Uint8Array }>();
  const answeredAt = new Map<string, number>();
  let made: string | null = null;
  let asking: Cancel | null = null;
  let asked = 0;
  for (const key of (deps.kept ?? []).slice(-(KEPT + 1))) if (key.length === EPOCH_KEY_BYTES) keys.set(epochIdOf(key), key);

  const wanted = (): string | null => deps.room().epoch;
  const missing = (): boolean => {
    const id = wanted();
    return id !== null && !keys.has(id);
  };

  function hold(id: string, key: Uint8Array): void {
    const lacked = missing();
    keys.delete(id);
    keys.set(id, key);
    while (keys.size > KEPT + 1) keys.delete(keys.keys().next().value!);
    deps.onKept?.([...keys.values()]);
    if (lacked && !missing()) {
      trace('epoch: holding the current key');
      deps.onHeld();
    }
  }

  /** Asks one member after another until someone hands us the key. */
  function ask(): void {
    const id = wanted();
    const peers = deps.letIn();
    if (id === null || !missing() || !deps.inside() || peers.length === 0) return;
    const peer = peers[asked++ % peers.length]!;
    trace(`epoch: asking ${peer}`);
    deps.send(peer, { kind: 'epoch-request', epoch: id });
  }

  function update(): void {
    const id = wanted();
    const early = [...unnamed].find(([, handed]) => handed.id === id);
    if (id !== null && early) {
      unnamed.delete(early[0]);
      hold(id, early[1].key);
    }
    if (missing() && !asking) {
      ask();
      asking = deps.timers.every(ASK_EVERY_MS, ask);
    } else if (!missing() && asking) {
      asking();
      asking = null;
    }
  }

  return {
    current() {
      const id = wanted();
      return id === null ? null : (keys.get(id) ?? null);
    },
    held: () => [...keys.values()].reverse(),
    missing,
    lacking: () => missing() || !deps.inside(),
    start() {
      const key = createEpochKey();
      made = epochIdOf(key);
      unnamed.set(SELF, { id: made, key });
      return made;
    },
    handOut() {
      const id = made;
      made = null;
      if (id === null || id !== wanted()) return;
      update();
      const key = keys.get(id);
      if (key) for (const peer of deps.letIn()) deps.send(peer, { kind: 'epoch-key', key: toBase64Url(key) });
    },
    onKey(from, text) {
      const key = fromBase64Url(text);
      if (!key || key.length !== EPOCH_KEY_BYTES || !deps.mayHold(from)) return;
      const id = epochIdOf(key);
      if (keys.has(id)) return;
      unnamed.delete(from);
      unnamed.set(from, { id, key });
      if (unnamed.size > UNNAMED_SENDERS_KEPT) unnamed.delete(unnamed.keys().next().value!);
      update();
    },
    onRequest(from, id) {
      const key = keys.get(id);
      const now = deps.timers.now();
      if (!key || id !== wanted() || !deps.mayHold(from) || now - (answeredAt.get(from) ?? -Infinity) < ANSWER_EVERY_MS) return;
      answeredAt.delete(from);
      answeredAt.set(from, now);
      if (answeredAt.size > ANSWERED_KEPT) answeredAt.delete(answeredAt.keys().next().value!);
      deps.send(from, { kind: 'epoch-key', key: toBase64Url(key) });
    },
    update,
  };
}
