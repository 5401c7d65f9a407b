/** Seal + open throughput and the bytes the envelope adds, measured on this machine. */
import { createIdentity, randomBytes } from '../shared/crypto.ts';
import { fromBase64Url, utf8 } from '../shared/encoding.ts';
import { openEnvelope, sealEnvelope } from '../shared/envelope.ts';
import type { PeerMessage } from '../shared/peer-message.ts';
import type { Row } from './stats.ts';

const ROOM_ID = 'bench-room-id-0000000';
const FROM = 'AAAAAAAAAAAAAAAA';
const TO = 'BBBBBBBBBBBBBBBB';

const CANDIDATE: PeerMessage = {
  kind: 'signal',
  conn: 'c0nnect10n1d',
  data: { type: 'candidate', candidate: { candidate: 'candidate:842163049 1 udp 1677729535 127.0.0.1 49152 typ host generation 0 ufrag abcd network-cost 999', sdpMLineIndex: 0, sdpMid: '0' } },
};
const PRESENCE: PeerMessage = { kind: 'presence', name: 'Ann', muted: false };

export function envelopeRows(durationMs = 2000): Row[] {
  const roomKey = randomBytes(32);
  const identity = createIdentity();
  const rows: Row[] = [];
  for (const [label, message, introduce] of [
    ['ICE candidate', CANDIDATE, false],
    ['presence (introduces key)', PRESENCE, true],
  ] as const) {
    const body = utf8(JSON.stringify(message));
    const seal = (seq: number): string =>
      sealEnvelope({ from: FROM, to: TO, seq, ts: Date.now(), body }, { roomId: ROOM_ID, roomKey, identity, introduce });
    const box = seal(1);
    let count = 0;
    const started = performance.now();
    while (performance.now() - started < durationMs) {
      const sealed = seal(count + 1);
      const opened = openEnvelope(sealed, {
        roomId: ROOM_ID, roomKey, from: FROM, self: TO, knownKey: identity.publicKey, lastSeq: count, now: Date.now(),
      });
      if (!opened.ok) throw new Error(`benchmark envelope failed to open: ${opened.error}`);
      count++;
    }
    const perSecond = Math.round(count / ((performance.now() - started) / 1000));
    const sealedBytes = fromBase64Url(box)!.length;
    rows.push({
      message: label,
      'body bytes': body.length,
      'sealed bytes': sealedBytes,
      'overhead bytes': sealedBytes - body.length,
      'box chars on the wire': box.length,
      'seal+open per s (one core)': perSecond,
    });
  }
  return rows;
}
