// What the room page shows only once the person is in the room (room-body.ts) and what it says to
// screen readers there (announcements.ts). Loaded when joining draws near (room-page.ts): nobody
// waits for it to see the Join button.
export { announcements } from './announcements.ts';
export { renderRoomBody } from './room-body.ts';
