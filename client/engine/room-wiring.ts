/**
 * How a room's parts are made from what the shell gives it (RoomDeps): the codec, the log, our
 * own acts, the media and the signaling client, each wired to the callbacks room.ts routes.
 */
import { fromBase64Url, toBase64Url } from '../../shared/encoding.ts';
import { createNewLinks, type NewLinks, type NewLinksDeps } from './new-links.ts';
import type { PeerMessage } from '../../shared/peer-message.ts';
import type { ActBody } from '../../shared/room-acts.ts';
import { isStaff, mayEnter, roleOf, type RoomRules, type RoomState } from '../../shared/room-state.ts';
import { safetyNumberOf } from '../../shared/safety-number.ts';
import type { CreatedAs } from './first-acts.ts';
import { createLogSync, type LogSync } from './log-sync.ts';
import type { Membership } from './membership.ts';
import { createOwnActs, type OwnActs, type OwnActsDeps } from './own-acts.ts';
import type { ParticipantList } from './participant-list.ts';
import type { TreePart } from './tree-part.ts';
import { createRoomMedia, type RoomMedia } from './room-media.ts';
import { standingOf } from './room-overview.ts';
import type { RoomDeps, RoomView } from './room-types.ts';
import type { BackgroundSign } from './background-signer.ts';
import { createSealedCodec, type EnvelopeCodec } from './sealed-codec.ts';
import { createSignalingClient, type SignalingClient, type SignalingClientOptions, type SignalingStatus } from './signaling-client.ts';
import type { WritableStore } from './store.ts';
import { createRoomEpochs, type RoomEpochs, type RoomEpochsDeps } from './room-epochs.ts';
import { createRoomPresence, type RoomPresence, type RoomPresenceDeps } from './room-presence.ts';
import { createRoomSnapshots, type RoomSnapshots, type RoomSnapshotsDeps } from './room-snapshots.ts';
import { stateDigest } from '../../shared/checkpoint.ts';
import { epochIdOf } from '../../shared/epoch-key.ts';
import type { Timers } from './timers.ts';
import type { ServerFrame } from '../../shared/protocol.ts';
import { inFrameOrder } from './signature-check.ts';
import type { Inbox } from './room-inbox.ts';

type Frame = Exclude<ServerFrame, { type: 'pong' }>;

export interface LogContext {
  rules: RoomRules;
  membership: Membership;
  timers: Timers;
  sendTo(to: string, message: PeerMessage): void;
  refresh(): void;
  onRefused(): void;
  mayAct(): boolean;
  letsIn(peerId: string, room?: RoomState): boolean;
  /** Signs as us off the main thread (background-signer.ts), where the shell gave a way to. */
  signInBackground: BackgroundSign | null;
  remake(act: ActBody): boolean;
}

/** The room's signed log as this member keeps it, shared with everyone it can reach. */
export function logSyncFor(deps: RoomDeps, { rules, membership, timers, sendTo, refresh, onRefused, mayAct, letsIn, remake, signInBackground }: LogContext): LogSync {
  return createLogSync({
    roomId: deps.roomId,
    rules,
    identity: deps.identity,
    send: sendTo,
    members: () => membership.reachable(),
    letsIn,
    remake,
    keyOf: membership.keyOf,
    timers,
    onChange: refresh,
    mayAct,
    onRefused: () => {
      onRefused();
      refresh();
    },
    ...(deps.trace ? { trace: deps.trace } : {}),
    ...(deps.signatures ? { signatures: deps.signatures } : {}),
    ...(signInBackground ? { signInBackground } : {}),
  });
}

/** The room's snapshot, saved by its host and opened with the keys this browser holds (room-snapshots.ts). */
export function snapshotsFor(deps: RoomDeps, { rules, logSync, epochs, timers, holdsLog, save }: Pick<RoomSnapshotsDeps, 'rules' | 'timers' | 'holdsLog' | 'save'> & { logSync: LogSync; epochs: RoomEpochs }): RoomSnapshots {
  const linkKey = { bytes: deps.roomKey, epoch: null };
  return createRoomSnapshots({
    roomId: deps.roomId,
    rules,
    identity: deps.identity,
    log: logSync.log,
    sealKey() {
      const { epoch } = logSync.log().state;
      const bytes = epochs.current();
      return epoch === null ? linkKey : bytes && { bytes, epoch };
    },
    newestKey() {
      const [bytes] = epochs.held();
      return bytes ? { bytes, epoch: epochIdOf(bytes) } : linkKey;
    },
    holdsLog,
    save,
    adopt: logSync.adoptSnapshot,
    checkpoint: () => logSync.perform({ type: 'checkpoint', state: stateDigest(logSync.log().state) }),
    seenVersion: deps.snapshotVersion ?? 0,
    ...(deps.onSnapshotVersion ? { onVersion: deps.onSnapshotVersion } : {}),
    timers,
    ...(deps.trace ? { trace: deps.trace } : {}),
  });
}

/** The acts we make by ourselves once we hold the room's log (own-acts.ts). */
export function ownActsFor(deps: RoomDeps, context: Omit<OwnActsDeps, 'created' | 'trace'>): OwnActs {
  return createOwnActs({ ...context, created: createdAs(deps), ...(deps.trace ? { trace: deps.trace } : {}) });
}

const createdAs = (deps: RoomDeps): CreatedAs => ({ ...(deps.createdKind ? { kind: deps.createdKind } : {}), ...(deps.title ? { title: deps.title } : {}) });

/** Connects to the room's server; its status shows on the view, and a full room or another tab ends the session. */
export function connectSignaling(
  deps: RoomDeps,
  options: Pick<SignalingClientOptions, 'resume' | 'onFrame' | 'timers'>,
  { show, end }: { show(status: SignalingStatus): void; end(phase: 'room-full' | 'replaced'): void },
): SignalingClient {
  const client = createSignalingClient({ url: deps.signalingUrl, room: deps.roomId, ...options, ...(deps.createSocket ? { createSocket: deps.createSocket } : {}) });
  client.status.subscribe((status) => {
    show(status);
    if (status.kind === 'room-full' || status.kind === 'replaced') end(status.kind);
  });
  client.connect();
  return client;
}

/** What decides whom the room lets in: its log, its rules, and who holds which key. */
export interface RoomGate {
  room(): RoomState;
  rules: RoomRules;
  selfKey: string;
  membership: Membership;
}

/** Whether the log lets a member in: not removed, not waiting in the lobby. */
export const letsInBy =
  ({ room, rules, membership }: RoomGate) =>
  (peerId: string, within: RoomState = room()): boolean => {
    const key = membership.keyOf(peerId);
    return key !== null && mayEnter(within, rules, key);
  };

const insideBy = ({ room, rules, selfKey }: RoomGate) => (): boolean => mayEnter(room(), rules, selfKey);

/** The members we can reach whom the log lets in, by peer id. */
const letInBy = (gate: RoomGate) => {
  const letsIn = letsInBy(gate);
  return (): string[] => gate.membership.reachable().filter((peer) => letsIn(peer));
};

/** The keys of the room's broadcasts, handed only to members the log lets in. */
export function epochsFor(deps: RoomDeps, gate: RoomGate, context: Pick<RoomEpochsDeps, 'send' | 'timers' | 'onHeld'>): RoomEpochs {
  return createRoomEpochs({
    ...context,
    room: gate.room,
    letIn: letInBy(gate),
    mayHold: letsInBy(gate),
    inside: insideBy(gate),
    ...(deps.keptKeys ? { kept: deps.keptKeys } : {}),
    ...(deps.onKeys ? { onKept: deps.onKeys } : {}),
    ...(deps.trace ? { trace: deps.trace } : {}),
  });
}

/** Links everyone here may move to, handed only to members the log lets in. */
export function newLinksFor(gate: RoomGate, send: NewLinksDeps['send']): NewLinks {
  const letIn = letInBy(gate);
  const hostKey = fromBase64Url(gate.rules.hostKey);
  if (!hostKey) throw new Error('the room link names a host key that is not base64url');
  // Not whoever is only looking in: the person has not joined, and nothing moves them.
  return createNewLinks({ hostKey, send, letIn: () => letIn().filter((peer) => !gate.membership.isLooking(peer)) });
}

/** What we tell members about ourselves: inside, to anyone the room lets in; in the lobby, to staff only. */
export function presenceFor(gate: RoomGate, context: Omit<RoomPresenceDeps, 'hears' | 'inside' | 'listed' | 'letsIn'>): RoomPresence {
  const letsIn = letsInBy(gate);
  const inside = insideBy(gate);
  const { room, rules, membership } = gate;
  return createRoomPresence({
    ...context,
    inside,
    hears: (peer) => (inside() ? letsIn(peer) : isStaff(roleOf(room(), rules, membership.keyOf(peer) ?? ''))),
    letsIn,
    listed: () => membership.reachable(),
  });
}

export interface CodecContext {
  timers: Timers;
  state: WritableStore<RoomView>;
  participants: ParticipantList;
  /** Whoever introduced itself, to be answered with our own introduction. */
  answer(peerId: string): void;
  epochs: RoomEpochs;
  signInBackground: BackgroundSign | null;
}

/** Seals what we send and opens what members send; who proved which key, and who fails checks, shows on the view. */
export function sealedCodecFor(deps: RoomDeps, { room, rules, selfKey, membership }: RoomGate, { timers, state, participants, answer, epochs, signInBackground }: CodecContext): EnvelopeCodec {
  return createSealedCodec({
    roomId: deps.roomId,
    roomKey: deps.roomKey,
    epochs,
    identity: deps.identity,
    selfId: () => state.get().selfId,
    now: timers.now,
    onIntroduced: (peerId, publicKey) => {
      const key = toBase64Url(publicKey);
      membership.introduce(peerId, key);
      if (membership.isListed(peerId)) participants.patch(peerId, { safetyNumber: safetyNumberOf(publicKey), key, standing: standingOf(room(), rules, key, selfKey) });
      answer(peerId);
    },
    onConfirmed: (peerId) => membership.confirm(peerId),
    ...(deps.signatures ? { checked: deps.signatures.checked } : {}),
    ...(signInBackground ? { signInBackground } : {}),
    onRejected: (peerId, reason) => {
      const blame = membership.reject(peerId, reason);
      if (blame === 'server') state.update((s) => ({ ...s, tampered: s.tampered + 1 }));
      else if (blame === 'unsecured' && membership.isListed(peerId)) participants.patch(peerId, { security: blame });
    },
  });
}

/**
 * The server's frames to the inbox in the order they came, each introduction once its signatures
 * were checked ahead (signature-check.ts). Only while `active`: once we have left, what the server
 * still says (while a relay hands over) is not ours to act on.
 */
export function framesFor(deps: RoomDeps, codec: EnvelopeCodec, inbox: Inbox, active: () => boolean): (frame: Frame) => void {
  return inFrameOrder(deps.signatures, (frame) => (frame.type === 'msg' ? codec.claims(frame.from, frame.box) : []), (frame) => void (active() && inbox.onFrame(frame)));
}

export interface MediaContext {
  timers: Timers;
  mayHear(peerId: string): boolean;
  /** Our place in the relay tree: how the stage reaches us, for the view, and whether we mix for those we feed. */
  tree: Pick<TreePart, 'route' | 'mixes'>;
  state: WritableStore<RoomView>;
  membership: Membership;
  participants: ParticipantList;
  sendTo(to: string, message: PeerMessage): void;
  active(): boolean;
  mayLink(peerId: string): boolean;
  /** Hide my IP address: every link this room makes is relayed only. */
  relayOnly(): boolean;
  /** The person joined: nothing plays before. */
  listening(): boolean;
}

/** The room's media, wired to the real (or fake) devices and to the view. */
export function wireMedia(deps: RoomDeps, { timers, state, membership, participants, sendTo, active, mayLink, mayHear, tree, relayOnly, listening }: MediaContext): RoomMedia {
  return createRoomMedia({
    timers,
    // Read per link: the choice is made on joining, after the media is wired.
    createLink: (options) =>
      deps.createLink({ ...options, relayOnly: relayOnly(), onRelayRefused: () => state.update((s) => (s.relay === 'refused' ? s : { ...s, relay: 'refused' })) }),
    player: deps.player,
    microphone: deps.microphone,
    frameWorker: deps.frameWorker ?? (() => null),
    ...(deps.carrierTrack ? { carrierTrack: deps.carrierTrack } : {}),
    ...(deps.stageMix ? { stageMix: deps.stageMix } : {}),
    mixes: tree.mixes,
    muted: () => state.get().muted,
    active,
    listening,
    isListed: membership.isListed,
    mayLink,
    mayHear,
    onRelay: (relay) => state.update((s) => ({ ...s, route: tree.route(relay) })),
    ...(deps.trace ? { trace: deps.trace } : {}),
    sendSignal: (to, conn, data) => sendTo(to, { kind: 'signal', conn, data }),
    newConnId: () => toBase64Url(deps.randomBytes(12)),
    onMicrophone: (change) => state.update((s) => ({ ...s, microphone: change.status, inputs: change.inputs, inputId: change.inputId })),
    onConnection: (peerId, connection) => participants.patch(peerId, { connection }),
    // A member we unlinked (lobby, removal, a speaker back in the audience) stays shown while it is in the room.
    onUnlinked: (peerId) => {
      if (!membership.isListed(peerId)) participants.remove(peerId);
      else participants.patch(peerId, { connection: 'unlinked' });
    },
  });
}

/** Whether the join form can offer to hide the address; a failed check counts as no relay. */
export async function askForRelay(deps: RoomDeps, state: WritableStore<RoomView>): Promise<void> {
  if (!deps.relayOffered) return;
  const offered = await deps.relayOffered().catch(() => false);
  // A relay that already refused us stays 'refused', whatever the server says it offers.
  state.update((s) => (s.relay === 'refused' ? s : { ...s, relay: offered ? 'offered' : 'absent' }));
}
