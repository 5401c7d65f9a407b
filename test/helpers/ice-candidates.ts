/**
 * Which ICE candidates a page's RTCPeerConnections gathered, which reached them from the other
 * side, and which pair carries the media. Install RECORD_CANDIDATES as an init script before the
 * page loads; candidateReport then reads every connection the page made, closed ones included.
 *
 * Candidates travel inside sealed envelopes, so the test cannot read them on the wire; the
 * receiving page is where they can be seen: every candidate handed to addIceCandidate, every
 * a=candidate line of a remote description, and what getStats lists as remote candidates (which
 * also holds peer-reflexive ones learned from connectivity checks, never signaled at all).
 */
import type { Page } from 'playwright-core';

export interface CandidateReport {
  /** iceTransportPolicy the app asked for ('all' when it did not say). */
  policy: string;
  connection: string;
  /** Types (host, srflx, prflx, relay) of candidates this page gathered and could signal. */
  gathered: string[];
  /** Types of the candidates that reached this page from the other one, by signaling. */
  signaled: string[];
  /** Types of every remote candidate the browser knows of, peer-reflexive ones included. */
  remoteStats: string[];
  /** The pair carrying the media: local and remote candidate types, or null before one is chosen. */
  selected: { local: string; remote: string } | null;
}

declare global {
  interface Window {
    __candidateReport?: () => Promise<CandidateReport[]>;
  }
}

// A string, not a function: tsx would wrap inner functions in a __name() the page lacks.
export const RECORD_CANDIDATES = `(() => {
  const records = [];
  const typeOf = (line) => (/ typ ([a-z]+)/.exec(line) || [])[1] || 'unknown';
  const Base = window.RTCPeerConnection;
  class Recorded extends Base {
    constructor(...args) {
      super(...args);
      const record = { pc: this, policy: (args[0] && args[0].iceTransportPolicy) || 'all', gathered: [], signaled: [] };
      records.push(record);
      this.__record = record;
      this.addEventListener('icecandidate', (e) => {
        if (e.candidate && e.candidate.candidate) record.gathered.push(typeOf(e.candidate.candidate));
      });
    }
    addIceCandidate(candidate, ...rest) {
      const line = candidate && (typeof candidate === 'string' ? candidate : candidate.candidate);
      if (line) this.__record.signaled.push(typeOf(line));
      return super.addIceCandidate(candidate, ...rest);
    }
    setRemoteDescription(description, ...rest) {
      const sdp = (description && description.sdp) || '';
      for (const line of sdp.split(/\\r?\\n/)) if (line.startsWith('a=candidate:')) this.__record.signaled.push(typeOf(line));
      return super.setRemoteDescription(description, ...rest);
    }
  }
  window.RTCPeerConnection = Recorded;
  window.__candidateReport = async () => {
    const reports = [];
    for (const record of records) {
      const pc = record.pc;
      const stats = new Map();
      // A closed connection keeps what it gathered and was sent, but has no stats to give.
      if (pc.connectionState !== 'closed') (await pc.getStats()).forEach((s) => stats.set(s.id, s));
      const remoteStats = [];
      let selected = null;
      for (const s of stats.values()) {
        if (s.type === 'remote-candidate') remoteStats.push(s.candidateType);
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          const pair = stats.get(s.selectedCandidatePairId);
          const local = pair && stats.get(pair.localCandidateId);
          const remote = pair && stats.get(pair.remoteCandidateId);
          if (local && remote) selected = { local: local.candidateType, remote: remote.candidateType };
        }
      }
      reports.push({ policy: record.policy, connection: pc.connectionState, gathered: record.gathered, signaled: record.signaled, remoteStats, selected });
    }
    return reports;
  };
})();`;

export const candidateReport = (page: Page): Promise<CandidateReport[]> => page.evaluate(() => window.__candidateReport!());
