/**
 * The floor for "join → first audio" on this machine: pages of the same browser that connect
 * plain RTCPeerConnections through a bare WebSocket relay at the click, with no crypto and no
 * room logic. The socket opens with the page (as any app's would) and the relay keeps every page
 * told who has joined and who has left (whose link it then closes); the microphone, the
 * connections, the offers and the answers all wait for the click, and the newcomer offers to
 * everyone already joined (a full mesh, so a room of any size). The tone tooling hears it exactly
 * as it hears Porch: it taps every remote WebRTC track.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

// A string, not a function: the page gets it as is (no bundler, no __name wrappers).
const PAGE = `<!doctype html><meta charset="utf-8"><title>Plain WebRTC</title>
<label>Your name <input name="name"></label> <button>Join</button>
<script>
const ws = new WebSocket('ws://' + location.host + '/relay' + location.search);
const send = (message) => ws.send(JSON.stringify(message));
let stream = null;
let joined = [];
const links = new Map();
const players = [];
function connection(peer) {
  const pc = new RTCPeerConnection();
  links.set(peer, pc);
  for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);
  pc.onicecandidate = (e) => e.candidate && send({ to: peer, candidate: e.candidate });
  pc.ontrack = (e) => {
    const audio = new Audio();
    audio.srcObject = e.streams[0];
    audio.play().catch(() => {});
    players.push(audio);
  };
  return pc;
}
async function handle(message) {
  const pc = links.get(message.from);
  if (message.joined) {
    joined = message.joined;
  } else if (message.left !== undefined) {
    links.get(message.left)?.close();
    links.delete(message.left);
  } else if (message.offer && stream) {
    const answering = connection(message.from);
    await answering.setRemoteDescription(message.offer);
    await answering.setLocalDescription(await answering.createAnswer());
    send({ to: message.from, answer: answering.localDescription });
  } else if (message.answer && pc) {
    await pc.setRemoteDescription(message.answer);
  } else if (message.candidate && pc) {
    await pc.addIceCandidate(message.candidate);
  }
}
let queue = Promise.resolve();
ws.onmessage = (e) => (queue = queue.then(() => handle(JSON.parse(e.data))).catch((error) => console.error(error)));
document.querySelector('button').onclick = async () => {
  stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  send({ join: true });
  for (const peer of joined) {
    const pc = connection(peer);
    pc.setLocalDescription(await pc.createOffer()).then(() => send({ to: peer, offer: pc.localDescription }));
  }
};
</script>`;

export interface PlainWebRtc {
  /** A page of a room of its own: pages opened with the same `room` relay to each other. */
  url(room: string): string;
  stop(): Promise<void>;
}

export async function startPlainWebRtc(): Promise<PlainWebRtc> {
  const http: Server = createServer((_request, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  const wss = new WebSocketServer({ server: http, path: '/relay' });
  // Each page is known by a number; a message goes to the page it names, from the page that sent it.
  const rooms = new Map<string, Map<number, WebSocket>>();
  const joined = new Map<string, number[]>();
  let next = 0;
  wss.on('connection', (socket, req) => {
    const room = new URL(req.url ?? '/', 'http://localhost').searchParams.get('room') ?? '';
    const id = next++;
    const members = rooms.get(room) ?? new Map<number, WebSocket>();
    rooms.set(room, members.set(id, socket));
    socket.send(JSON.stringify({ joined: joined.get(room) ?? [] }));
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { to?: number; join?: true };
      if (message.join) {
        joined.set(room, [...(joined.get(room) ?? []), id]);
        for (const other of members.values()) other.send(JSON.stringify({ joined: joined.get(room) }));
      } else {
        members.get(message.to ?? -1)?.send(JSON.stringify({ ...message, from: id }));
      }
    });
    socket.on('close', () => {
      members.delete(id);
      joined.set(room, (joined.get(room) ?? []).filter((other) => other !== id));
      // A page that left is closed by the others, as any app would: a link left open keeps costing them.
      for (const other of members.values()) other.send(JSON.stringify({ left: id }));
      if (members.size === 0) [rooms, joined].forEach((map) => map.delete(room));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, 'localhost', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: (room) => `http://localhost:${port}/?room=${encodeURIComponent(room)}`,
    async stop() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
