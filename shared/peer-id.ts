import { derive } from './crypto.ts';
import { toBase64Url, utf8 } from './encoding.ts';

const PEER_ID_BYTES = 12;

/**
 * The server derives each peer id from the client's secret resume token, so a client keeps
 * its id across reconnects and server restarts, and nobody can claim an id without the token.
 */
export const peerIdOf = (resumeSecret: string): string =>
  toBase64Url(derive('porch peer id', utf8(resumeSecret), PEER_ID_BYTES));
