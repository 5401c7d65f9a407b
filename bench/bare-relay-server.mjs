// The baseline for bench/server-load.ts: a bare `ws` server that relays each text frame to the
// other sockets of its room (the first frame names the room), with no validation, limits,
// crypto or logging. It prints the same "listening" line as Porch's server and answers
// /metrics with its resident memory, so one harness drives both.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const rooms = new Map();
const http = createServer((req, res) => {
  res.end(`process_resident_memory_bytes ${process.memoryUsage().rss}\n`);
});
const wss = new WebSocketServer({ server: http, path: '/ws' });
wss.on('connection', (ws) => {
  let room = null;
  ws.on('message', (data) => {
    if (room === null) {
      room = String(data);
      if (!rooms.has(room)) rooms.set(room, new Set());
      rooms.get(room).add(ws);
      return;
    }
    for (const other of rooms.get(room)) if (other !== ws) other.send(data, { binary: false });
  });
  ws.on('close', () => rooms.get(room)?.delete(ws));
});
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ event: 'listening', port: http.address().port }));
});
process.on('SIGTERM', () => process.exit(0));
