/**
 * Opus on RTP payload type 109 on every link. A relay forwards a speaker's frames unchanged, and
 * Chromium will not change a frame's payload type (it throws), so a frame goes out under the
 * number it came in with. Chromium numbers Opus 111 and Firefox 109, and an offer's numbers hold
 * for its link: a Firefox listener whose link a Firefox offer made would drop, unheard, every
 * frame a Chromium relay forwards to it under 111. Firefox does not take its own numbers changed,
 * Chromium does; so Chromium's descriptions are renumbered to Firefox's before they are set, and
 * every link agrees.
 */
export const OPUS_PAYLOAD_TYPE = '109';

export function opusAs109(sdp: string): string {
  const opus = /^a=rtpmap:(\d+) opus\/48000/im.exec(sdp)?.[1];
  // Where 109 already names another codec, renumbering would collide: left as it is.
  if (opus === undefined || opus === OPUS_PAYLOAD_TYPE || new RegExp(`^a=rtpmap:${OPUS_PAYLOAD_TYPE} `, 'm').test(sdp)) return sdp;
  const renumber = (field: string): string => (field === opus ? OPUS_PAYLOAD_TYPE : field);
  const attribute = new RegExp(`^a=(rtpmap|fmtp|rtcp-fb):${opus}(?= |$)`);
  return sdp
    .split('\r\n')
    .map((line) => {
      if (line.startsWith('m=audio ')) return line.split(' ').map((field, i) => (i < 3 ? field : renumber(field))).join(' ');
      // Redundant audio names its Opus by number: a=fmtp:63 111/111.
      const red = /^(a=fmtp:\d+ )(\d+(?:\/\d+)+)$/.exec(line);
      if (red) return `${red[1]}${red[2]!.split('/').map(renumber).join('/')}`;
      return line.replace(attribute, `a=$1:${OPUS_PAYLOAD_TYPE}`);
    })
    .join('\r\n');
}
