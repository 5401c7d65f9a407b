import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opusAs109 } from './opus-payload.ts';

const sdp = (...lines: string[]): string => [...lines, ''].join('\r\n');

const CHROMIUM_OFFER = sdp(
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'a=mid:0',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:110 telephone-event/48000',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63',
  'a=mid:1',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:63 111/111',
);

test('Chromium’s Opus is renumbered 109, everywhere the description names it, and nothing else moves', () => {
  assert.equal(
    opusAs109(CHROMIUM_OFFER),
    sdp(
      'v=0',
      'm=audio 9 UDP/TLS/RTP/SAVPF 109 63 9 0 8 13 110 126',
      'a=mid:0',
      'a=rtpmap:109 opus/48000/2',
      'a=rtcp-fb:109 transport-cc',
      'a=fmtp:109 minptime=10;useinbandfec=1',
      'a=rtpmap:63 red/48000/2',
      'a=fmtp:63 109/109',
      'a=rtpmap:110 telephone-event/48000',
      'm=audio 9 UDP/TLS/RTP/SAVPF 109 63',
      'a=mid:1',
      'a=rtpmap:109 opus/48000/2',
      'a=fmtp:63 109/109',
    ),
  );
});

test('a description that already numbers Opus 109 (Firefox’s) is left as it is', () => {
  const firefox = sdp('m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101', 'a=rtpmap:109 opus/48000/2', 'a=fmtp:109 maxplaybackrate=48000');
  assert.equal(opusAs109(firefox), firefox);
});

test('where 109 names another codec, nothing is renumbered rather than two codecs sharing a number', () => {
  const taken = sdp('m=audio 9 UDP/TLS/RTP/SAVPF 111 109', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:109 ISAC/16000');
  assert.equal(opusAs109(taken), taken);
});
