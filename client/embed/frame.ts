// embed/frame.js: the iframe form. It shows one <porch-room> for the room in this page's
// fragment and carries its methods and events across the frame (frame-messages.ts).
import { frameEventMessage, parseFrameCommand } from './frame-messages.ts';
import { PorchRoomElement } from './porch-room.ts';
import { WIDGET_EVENT_TYPES, type WidgetEvent } from './widget-events.ts';
import { parseFrameHash } from './widget-options.ts';

/**
 * Events go only to the page that framed us. Where the browser names its origin
 * (location.ancestorOrigins) they are addressed to it; elsewhere (Firefox) to any, as the server
 * lets only the origins in PORCH_ALLOWED_ORIGINS frame /embed/ (CSP frame-ancestors).
 */
const parentOrigin = location.ancestorOrigins?.[0] ?? '*';
const tellParent = (event: WidgetEvent): void => {
  if (window.parent !== window) window.parent.postMessage(frameEventMessage(event), parentOrigin);
};

const widget = new PorchRoomElement();
for (const type of WIDGET_EVENT_TYPES) {
  widget.addEventListener(type, (e) => tellParent({ type, detail: (e as CustomEvent).detail } as WidgetEvent));
}

function showRoomOfFragment(): void {
  const options = parseFrameHash(location.origin, location.hash);
  if (!options.ok) {
    const alert = Object.assign(document.createElement('p'), { textContent: options.error.message });
    alert.setAttribute('role', 'alert');
    document.body.replaceChildren(alert);
    tellParent({ type: 'porch-error', detail: options.error });
    return;
  }
  widget.offeredName = options.value.name ?? '';
  widget.seatRole = options.value.role;
  widget.compact = options.value.compact;
  widget.link = options.value.link;
  if (!widget.isConnected) document.body.replaceChildren(widget);
}

window.addEventListener('message', (e) => {
  if (e.source !== window.parent || window.parent === window) return;
  const command = parseFrameCommand(e.data);
  if (command) widget[command]();
});
window.addEventListener('hashchange', showRoomOfFragment);
showRoomOfFragment();
