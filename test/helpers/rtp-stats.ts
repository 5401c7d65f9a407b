/**
 * What a page's RTCPeerConnections send and receive, from getStats(). Install COLLECT_CONNECTIONS
 * as an init script before the page loads; rtpReport then reads every connection it made.
 */
import type { Page } from 'playwright-core';

/** What one RTCPeerConnection of a page sends and receives, as getStats() tells it. */
export interface LinkReport {
  /** The page's n-th connection, so reports taken at different times can be matched. */
  id: number;
  /** 'offer' on the side that initiated, 'answer' on the other. */
  role: string | null;
  connection: string;
  /** currentDirection of each audio transceiver. */
  audioTransceivers: (string | null)[];
  /** Audio m-lines in the negotiated SDP. */
  audioMLines: number;
  packetsSent: number;
  /** Packets sent so far by each audio stream (outbound-rtp), by its stats id. */
  packetsByStream: Record<string, number>;
  /** Audio payload and headers sent, for upload figures. */
  bytesSent: number;
  packetsReceived: number;
  /** Audio samples played out on this link, and how many of them the receiver made up for lost or late frames. */
  samplesReceived: number;
  concealedSamples: number;
  /** The m-lines this side gathered ICE candidates for: one when bundled, one per m-line when not. */
  candidateMids: number;
}

declare global {
  interface Window {
    __rtpReport?: () => Promise<LinkReport[]>;
  }
}

// A string, not a function: tsx would wrap inner functions in a __name() the page lacks.
export const COLLECT_CONNECTIONS = `(() => {
  const connections = [];
  const Base = window.RTCPeerConnection;
  class Collected extends Base {
    constructor(...args) {
      super(...args);
      this.__mids = new Set();
      this.addEventListener('icecandidate', (e) => {
        if (e.candidate && e.candidate.candidate) this.__mids.add(e.candidate.sdpMid);
      });
      connections.push(this);
    }
  }
  window.RTCPeerConnection = Collected;
  window.__rtpReport = async () => {
    const reports = [];
    for (const pc of connections) {
      if (pc.connectionState === 'closed') continue;
      let packetsSent = 0;
      const packetsByStream = {};
      let bytesSent = 0;
      let packetsReceived = 0;
      let samplesReceived = 0;
      let concealedSamples = 0;
      (await pc.getStats()).forEach((s) => {
        if (s.kind !== 'audio') return;
        if (s.type === 'outbound-rtp') packetsSent += s.packetsSent ?? 0;
        if (s.type === 'outbound-rtp') packetsByStream[s.id] = s.packetsSent ?? 0;
        if (s.type === 'outbound-rtp') bytesSent += (s.bytesSent ?? 0) + (s.headerBytesSent ?? 0);
        if (s.type === 'inbound-rtp') packetsReceived += s.packetsReceived ?? 0;
        if (s.type === 'inbound-rtp') samplesReceived += s.totalSamplesReceived ?? 0;
        if (s.type === 'inbound-rtp') concealedSamples += s.concealedSamples ?? 0;
      });
      reports.push({
        id: connections.indexOf(pc),
        role: pc.localDescription ? pc.localDescription.type : null,
        connection: pc.connectionState,
        audioTransceivers: pc.getTransceivers().filter((t) => t.receiver.track.kind === 'audio').map((t) => t.currentDirection),
        audioMLines: ((pc.remoteDescription && pc.remoteDescription.sdp) || '').split('\\r\\n').filter((l) => l.startsWith('m=audio')).length,
        packetsSent,
        packetsByStream,
        bytesSent,
        packetsReceived,
        samplesReceived,
        concealedSamples,
        candidateMids: pc.__mids.size,
      });
    }
    return reports;
  };
})();`;

export const rtpReport = (page: Page): Promise<LinkReport[]> => page.evaluate(() => window.__rtpReport!());

/** What each connected link of a page sent over the next `ms`: audio packets and bytes, and on how many streams (slots). */
export async function sentDuring(page: Page, ms: number): Promise<{ packets: number; bytes: number; streams: number }[]> {
  const before = await rtpReport(page);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await rtpReport(page);
  return after
    .filter((link) => link.connection === 'connected')
    .map((link) => {
      const earlier = before.find((b) => b.id === link.id);
      const streams = Object.entries(link.packetsByStream).filter(([id, sent]) => sent > (earlier?.packetsByStream[id] ?? 0)).length;
      return { packets: link.packetsSent - (earlier?.packetsSent ?? 0), bytes: link.bytesSent - (earlier?.bytesSent ?? 0), streams };
    });
}
