import { MAX_NAME_LENGTH } from '../../shared/peer-message.ts';
import { err, ok, type Result } from '../../shared/result.ts';

/**
 * What a site owner chooses for the widget, from the element's attributes or the iframe's
 * fragment: both are written by someone else, so both are parsed here, strictly.
 */
export type WidgetRole = 'listener' | 'speaker';

export interface FrameOptions {
  /** The room link the iframe opens: this server's /r/ with the fragment's room secret. */
  link: string;
  name?: string;
  role: WidgetRole;
  compact: boolean;
}

/** `listener` (the default: absent or empty) or `speaker`, who takes a seat where the room gives one. */
export function parseRole(text: string | null | undefined): Result<WidgetRole> {
  const role = text?.trim() ?? '';
  if (role === '' || role === 'listener') return ok('listener');
  if (role === 'speaker') return ok('speaker');
  return err({ code: 'bad-role', message: `role must be "listener" or "speaker", not ${JSON.stringify(role.slice(0, 40))}` });
}

/** A name hint longer than a name may be is cut, not refused: the person can still edit it. */
export const nameHint = (text: string | null | undefined): string | undefined => text?.trim().slice(0, MAX_NAME_LENGTH) || undefined;

const FRAME_KEYS = new Set(['name', 'role', 'compact']);

/**
 * The iframe's fragment: the room secret as in a room link, then optionally `&name=…`, `&role=…`
 * and `&compact`. Options ride in the fragment, like the secret, so the server never sees them.
 */
export function parseFrameHash(origin: string, hash: string): Result<FrameOptions> {
  const [secret = '', ...rest] = hash.replace(/^#/, '').split('&');
  const params = new URLSearchParams(rest.join('&'));
  for (const key of params.keys()) {
    if (!FRAME_KEYS.has(key)) return err({ code: 'bad-option', message: `unknown embed option ${JSON.stringify(key.slice(0, 40))}: use name, role or compact` });
  }
  const role = parseRole(params.get('role'));
  if (!role.ok) return role;
  const name = nameHint(params.get('name'));
  return ok({ link: `${origin}/r/#${secret}`, role: role.value, compact: params.has('compact'), ...(name ? { name } : {}) });
}
