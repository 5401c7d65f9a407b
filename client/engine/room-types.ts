import type { RouteView } from './tree-part.ts';
import type { Identity } from '../../shared/crypto.ts';
import type { Reaction } from '../../shared/peer-message.ts';
import type { ActBody } from '../../shared/room-acts.ts';
import type { RoomKind } from '../../shared/room-state.ts';
import type { AudioInput, Microphone, MicrophoneStatus } from './audio/microphone.ts';
import type { RemotePlayer } from './audio/remote-player.ts';
import type { SilentTrack } from './audio/silent-track.ts';
import type { StageMix } from './audio/stage-mix.ts';
import type { PeerConnectionState } from './mesh.ts';
import type { PeerLinkFactory } from './peer-adapter.ts';
import type { SignalingStatus, SocketLike } from './signaling-client.ts';
import type { RoomOverview, StandingView } from './room-overview.ts';
import type { Store } from './store.ts';
import type { VerifiedPerson } from './verification.ts';
import type { Clock } from './timers.ts';
import type { BackgroundSigner } from './background-signer.ts';
import type { SignatureCheck } from './signature-check.ts';
import type { HandedLink } from './new-links.ts';

/** How we are linked with someone: 'unlinked' where the topology has us hold no link (two listeners). */
export type ConnectionView = PeerConnectionState | 'unlinked';

/** What a room session is, needs and shows: the engine's face to the UI shells. */
export interface Participant {
  id: string;
  name: string;
  muted: boolean;
  connection: ConnectionView;
  speaking: boolean;
  /** From the identity key the person proved they hold; null until they introduced themselves. */
  safetyNumber: string | null;
  /** 'unsecured': envelopes sealed under keys they hold keep failing checks (see membership.ts). */
  security: 'ok' | 'unsecured';
  /** Their identity key (base64url), once introduced: what roles and bans refer to. */
  key: string | null;
  standing: StandingView;
  /** An emoji they sent a moment ago, shown briefly. */
  reaction: Reaction | null;
  /** When the server announced them arriving while we were in the room (ms); null for those already here when we came. */
  arrivedAt: number | null;
}

export type RoomPhase = 'ready' | 'joining' | 'joined' | 'left' | 'room-full' | 'replaced' | 'removed' | 'ended' | 'moved';

export interface RoomView {
  phase: RoomPhase;
  /** Where everyone moved to (phase 'moved'), if we were handed the link; null otherwise. */
  movedTo: string | null;
  signaling: SignalingStatus;
  microphone: MicrophoneStatus;
  muted: boolean;
  name: string;
  /** Known to the creator and learned from members; the server never sees it. */
  title: string;
  selfId: string | null;
  safetyNumber: string;
  selfSpeaking: boolean;
  /** Everyone else, in the order they became known. */
  participants: readonly Participant[];
  /** Envelopes dropped that only the server (or the network) could have made: it is tampering. */
  tampered: number;
  inputs: readonly AudioInput[];
  inputId: string | null;
  /** Before joining, what this browser remembers choosing; once joined, what the person chose (JoinOptions). */
  hideAddress: boolean;
  /**
   * Whether the server offers a TURN relay, without which the address cannot be hidden ('checking':
   * not known yet; 'refused': it does, but the relay turned the credentials it gave us away).
   */
  relay: 'checking' | 'offered' | 'absent' | 'refused';
  /** Our own identity key (base64url). */
  selfKey: string;
  /** Whom this browser's person verified, on any visit (verification.ts says what that means for someone here). */
  verified: readonly VerifiedPerson[];
  overview: RoomOverview;
  reaction: Reaction | null;
  /** How the stage's audio reaches us (tree-part.ts). */
  route: RouteView;
  /**
   * The server keeps a snapshot of the room we cannot open (a removal or lock since we were here,
   * or we never were): we wait for a member who can let us in (room-snapshots.ts).
   */
  sealedOut: boolean;
  /** As host: the server would not keep our last save of the room. */
  snapshotRefused: boolean;
}

/** Linked with the room but not joined: someone who opened the link and has not clicked Join (see Room.lookIn). */
export const isLookingIn = (view: RoomView | null): boolean => view?.phase === 'ready' && view.signaling.kind !== 'idle';

export interface RoomDeps {
  signalingUrl: string;
  roomId: string;
  microphone: Microphone;
  player: RemotePlayer;
  roomKey: Uint8Array;
  identity: Identity;
  createLink: PeerLinkFactory;
  /** The frame worker relaying links use (audio/encoded-pipes.ts); absent or null: frames are switched on the page. */
  frameWorker?: () => Worker | null;
  /** A silent track of our own, for forwarded frames to ride in where the browser needs one (Firefox; audio/encoded-pipes.ts). */
  carrierTrack?: () => SilentTrack;
  /** A mix of the stage, for a relay whose upload cannot carry every speaker (audio/stage-mix.ts); absent: it forwards each. */
  stageMix?: () => StageMix;
  randomBytes: (n: number) => Uint8Array;
  /** The host's identity key, bound by the room link. */
  hostKey: string;
  /** How many can be on stage, host included. */
  stageMax?: number;
  clock?: Clock;
  /** The name this browser remembers for its person, offered in the join form. */
  name?: string;
  /** Whether this browser's person chose to hide their IP address last time, offered in the join form. */
  hideAddress?: boolean;
  /** Asks the server whether it offers a TURN relay; absent: it does not. */
  relayOffered?: () => Promise<boolean>;
  /** The person joined under this name and choice: the shell remembers them for next time. */
  onJoin?: (name: string, options: { hideAddress: boolean }) => void;
  /** The person changed "Hide my IP address" before joining: remembered at once, as it rules links made before Join. */
  onHideAddress?: (hidden: boolean) => void;
  title?: string;
  /** What the creator chose on the landing page; the host's client declares it to the room. */
  createdKind?: RoomKind;
  createSocket?: (url: string) => SocketLike;
  /** Diagnostics about the room log, for the console. */
  trace?: (line: string) => void;
  /** Checks acts' signatures ahead of the log (signature-check.ts); absent: the log checks each itself. */
  signatures?: SignatureCheck;
  /** Makes what signs as us off the main thread (background-signer.ts): introductions, and the seat Join takes, signed ahead; absent: all is signed on the page. */
  signerFor?: BackgroundSigner;
  /** Whom the person verified before; the shell keeps the list when it changes. */
  verified?: readonly VerifiedPerson[];
  onVerified?: (verified: readonly VerifiedPerson[]) => void;
  /** Keys of the room's broadcasts this browser kept from earlier visits, oldest first (room-memory.ts). */
  keptKeys?: readonly Uint8Array[];
  /** The keys of the room's broadcasts we hold changed: the shell keeps them for the next visit. */
  onKeys?: (keys: readonly Uint8Array[]) => void;
  /** The newest version of the room's snapshot this browser has seen (room-memory.ts); 0: none. */
  snapshotVersion?: number;
  onSnapshotVersion?: (version: number) => void;
  /** The link to open for a room everyone here moved to; the shell remembers what the room was, for its host. */
  linkOf: (handed: HandedLink) => string;
}

/** What the person asks of the room: an act, where a new link is made by the engine itself (new-links.ts). */
export type ActRequest = Exclude<ActBody, { type: 'new-link' }> | { type: 'new-link' };

export interface JoinOptions {
  /** Take a seat on the stage where the room gives one to anyone (a hangout); default true. */
  seat?: boolean;
  /**
   * Hide my IP address: every link uses relayed paths only, so members never learn this
   * browser's addresses (the TURN relay and the signaling server still do). Links fail rather
   * than go direct where no relay is offered. Default: what this browser remembers choosing.
   */
  hideAddress?: boolean;
}

export interface Room {
  readonly state: Store<RoomView>;
  /**
   * While the person reads the page and types a name, the room comes in: we connect, learn the
   * room's log and link with those we will hear, introduced as looking in (no name). Nothing plays
   * and the microphone stays closed until join(); members show us to nobody until then.
   */
  lookIn(): void;
  /** Before joining: the person changed "Hide my IP address"; links already made are made again relayed only. */
  setHideAddress(hidden: boolean): void;
  /** Joins under this name: only announcing us, taking a seat and the microphone are left where we looked in. */
  join(name: string, options?: JoinOptions): Promise<void>;
  setMuted(muted: boolean): void;
  selectInput(deviceId: string): Promise<void>;
  /** Signs and shares an act on the room (raise hand, invite, mute, remove…); false when we lack the right. */
  perform(act: ActRequest): boolean;
  react(emoji: Reaction): void;
  /** The person compared safety numbers with this member and they matched. */
  markVerified(peerId: string): void;
  /** `unloading`: the page is going away, so what leaving would put off (a relay's handover) happens now. */
  leave(options?: { unloading?: boolean }): void;
}
