// embed.js: defines <porch-room> for any page that loads it.
import './porch-room.ts';
