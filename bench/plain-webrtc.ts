/**
 * The floor for "join → first audio" on this machine: two pages of the same browser that connect
 * a plain RTCPeerConnection through a bare WebSocket relay at the click, with no crypto and no
 * room logic. The socket opens with the page (as any app's would); the microphone, the
 * connection, the offer and the answer all wait for the click. The tone tooling hears it exactly
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
let pc = null;
const players = [];
async function connection() {
  pc = new RTCPeerConnection();
  for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);
  pc.onicecandidate = (e) => e.candidate && send({ candidate: e.candidate });
  pc.ontrack = (e) => {
    const audio = new Audio();
    audio.srcObject = e.streams[0];
    audio.play().catch(() => {});
    players.push(audio);
  };
  return pc;
}
async function handle(message) {
  if (message.offer && stream) {
    await connection();
    await pc.setRemoteDescription(message.offer);
    await pc.setLocalDescription(await pc.createAnswer());
    send({ answer: pc.localDescription });
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
  await connection();
  await pc.setLocalDescription(await pc.createOffer());
  send({ offer: pc.localDescription });
};
</script>`;

export interface PlainWebRtc {
  /** A page for a pair of its own: pages opened with the same `room` relay to each other. */
  url(room: string): string;
  stop(): Promise<void>;
}

export async function startPlainWebRtc(): Promise<PlainWebRtc> {
  const http: Server = createServer((_request, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  const wss = new WebSocketServer({ server: http, path: '/relay' });
  const rooms = new Map<string, Set<WebSocket>>();
  wss.on('connection', (socket, req) => {
    const room = new URL(req.url ?? '/', 'http://localhost').searchParams.get('room') ?? '';
    const members = rooms.get(room) ?? new Set();
    rooms.set(room, members.add(socket));
    socket.on('message', (data) => {
      for (const other of members) if (other !== socket) other.send(data.toString());
    });
    socket.on('close', () => {
      members.delete(socket);
      if (members.size === 0) rooms.delete(room);
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
