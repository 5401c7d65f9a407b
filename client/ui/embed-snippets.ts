/**
 * The two ways to put a room on another website, as the text a site owner pastes: the custom
 * element (needs a script) and the iframe (needs none). Both lead to the room's own server.
 */
export interface EmbedSnippets {
  element: string;
  iframe: string;
}

const escapeAttribute = (text: string): string => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The snippets for a room link (`https://host/r/#secret`); null for anything else. */
export function embedSnippets(link: string): EmbedSnippets | null {
  if (!URL.canParse(link)) return null;
  const url = new URL(link);
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/r/' || url.hash.length < 2) return null;
  const frame = `${url.origin}/embed/${url.hash}`;
  return {
    element: `<script type="module" src="${escapeAttribute(`${url.origin}/embed.js`)}"></script>\n<porch-room link="${escapeAttribute(link)}"></porch-room>`,
    iframe: `<iframe src="${escapeAttribute(frame)}" allow="microphone; autoplay" title="Porch room" style="width: 100%; height: 520px; border: 0"></iframe>`,
  };
}
