/** Seal + open throughput and the bytes each kind of envelope adds, measured on this machine. */
import { createIdentity, createSessionKeys, randomBytes } from '../shared/crypto.ts';
import { fromBase64Url, utf8 } from '../shared/encoding.ts';
import { openEnvelope, pairKey, sealIntroduction, sealPairMessage } from '../shared/envelope.ts';
import type { PeerMessage } from '../shared/peer-message.ts';
import type { Row } from './stats.ts';

const ROOM_ID = 'bench-room-id-0000000';
const ANN = 'AAAAAAAAAAAAAAAA';
const BEN = 'BBBBBBBBBBBBBBBB';

const CANDIDATE: PeerMessage = {
  kind: 'signal',
  conn: 'c0nnect10n1d',
  data: {
    type: 'candidate',
    candidate: { candidate: 'candidate:842163049 1 udp 1677729535 127.0.0.1 49152 typ host generation 0 ufrag abcd network-cost 999', sdpMLineIndex: 0, sdpMid: '0' },
  },
};
const PRESENCE: PeerMessage = { kind: 'presence', name: 'Ann', muted: false };

function measure(durationMs: number, once: (seq: number) => void): number {
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) once(++count);
  return Math.round(count / ((performance.now() - started) / 1000));
}

export function envelopeRows(durationMs = 1500): Row[] {
  const roomKey = randomBytes(32);
  const identity = createIdentity();
  const [annSession, benSession] = [createSessionKeys(), createSessionKeys()];
  const annToBen = pairKey(annSession, benSession.publicKey, ROOM_ID, ANN, BEN);
  const benFromAnn = pairKey(benSession, annSession.publicKey, ROOM_ID, ANN, BEN);
  const open = (box: string, seq: number, pair: Uint8Array | null): void => {
    const opened = openEnvelope(box, { roomId: ROOM_ID, roomKeys: [roomKey], from: ANN, self: BEN, session: benSession, pairKey: pair, lastSeq: seq - 1, now: Date.now() });
    if (!opened.ok) throw new Error(`benchmark envelope failed to open: ${opened.error}`);
  };
  const kinds = [
    {
      label: 'pair message (ICE candidate)',
      body: utf8(JSON.stringify(CANDIDATE)),
      seal: (seq: number, body: Uint8Array) => sealPairMessage(BEN, { seq, ts: Date.now() }, body, annToBen),
      pair: benFromAnn,
    },
    {
      label: 'introduction (presence, signed)',
      body: utf8(JSON.stringify(PRESENCE)),
      seal: (seq: number, body: Uint8Array) =>
        sealIntroduction(ANN, '*', { seq, ts: Date.now() }, body, { roomId: ROOM_ID, roomKey, identity, session: annSession }),
      pair: null,
    },
  ];
  return kinds.map(({ label, body, seal, pair }) => {
    const sealedBytes = fromBase64Url(seal(1, body))!.length;
    return {
      envelope: label,
      'body bytes': body.length,
      'overhead bytes': sealedBytes - body.length,
      'seal+open per s (one core)': measure(durationMs, (seq) => open(seal(seq, body), seq, pair)),
    };
  });
}
