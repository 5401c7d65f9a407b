import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { createRoomSecret, parseRoomFragment, roomIdOf, roomKeyOf, roomLink } from '../../shared/room-link.ts';
import { createBrowserSession } from '../engine/browser-session.ts';
import { loadProfile, saveProfile, type Profile } from '../engine/profile-store.ts';
import type { Room } from '../engine/room.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { loadRoomDraft, saveRoomDraft, type RoomDraft } from '../engine/room-drafts.ts';
import { theme } from './theme.ts';
import './landing-page.ts';
import './room-page.ts';

type Route =
  | { kind: 'landing' }
  | { kind: 'room'; session: Room; link: string; profile: Profile }
  | { kind: 'bad-link'; message: string }
  | { kind: 'loading' };

/** Routes between the landing page and a room, and owns the room session's lifetime. */
@customElement('porch-app')
export class AppShell extends LitElement {
  @state() private route: Route = { kind: 'loading' };

  static override styles = [
    theme,
    css`
      :host {
        display: block;
        min-height: 100vh;
        background: var(--bg);
      }
      .top {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        padding: 1rem 1.25rem;
        max-width: 60rem;
        margin: 0 auto;
      }
      .brand {
        font-weight: 800;
        font-size: 1.2rem;
        color: var(--ink);
        text-decoration: none;
      }
      .dot {
        width: 0.7rem;
        height: 0.7rem;
        border-radius: 50%;
        background: var(--accent);
      }
      main {
        max-width: 60rem;
        margin: 0 auto;
        padding: 0 1.25rem 2rem;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onLocation);
    window.addEventListener('pagehide', this.onPageHide);
    void this.onLocation();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onLocation);
    window.removeEventListener('pagehide', this.onPageHide);
  }

  /** Leaving explicitly lets the others see us go at once instead of after a grace period. */
  private readonly onPageHide = (): void => {
    if (this.route.kind === 'room') this.route.session.leave();
  };

  private readonly onLocation = async (): Promise<void> => {
    if (this.route.kind === 'room') this.route.session.leave();
    if (!location.pathname.startsWith('/r')) {
      this.route = { kind: 'landing' };
      return;
    }
    const parsed = parseRoomFragment(location.hash);
    if (!parsed.ok) {
      this.route = { kind: 'bad-link', message: parsed.error.message };
      return;
    }
    const roomId = roomIdOf(parsed.value);
    const [profile, draft] = await Promise.all([loadProfile(), loadRoomDraft(roomId)]);
    const session = createBrowserSession({
      roomId,
      roomKey: roomKeyOf(parsed.value),
      hostKey: toBase64Url(parsed.value.hostKey),
      identity: profile.identity,
      origin: new URL(location.href),
      ...(draft ? { title: draft.title, createdKind: draft.kind } : {}),
    });
    this.route = { kind: 'room', session, link: roomLink(location.origin, parsed.value), profile };
  };

  private async createRoom(draft: RoomDraft): Promise<void> {
    const profile = await loadProfile();
    const secret = createRoomSecret(profile.identity.publicKey);
    await saveRoomDraft(roomIdOf(secret), draft);
    history.pushState(null, '', `/r/#${secret.text}`);
    await this.onLocation();
  }

  override render() {
    return html`
      <div class="top"><span class="dot" aria-hidden="true"></span><a class="brand" href="/">Porch</a></div>
      <main>${this.renderRoute()}</main>
    `;
  }

  private renderRoute() {
    const route = this.route;
    switch (route.kind) {
      case 'loading':
        return html`<p role="status">Loading…</p>`;
      case 'landing':
        return html`<porch-landing @create-room=${(e: CustomEvent<RoomDraft>) => this.createRoom(e.detail)}></porch-landing>`;
      case 'bad-link':
        return html`<div class="card" role="alert"><p>${route.message}</p><a href="/">Start a new room</a></div>`;
      case 'room':
        return html`<porch-room
          .session=${route.session}
          .link=${route.link}
          .initialName=${route.profile.name}
          @name-change=${(e: CustomEvent<string>) => saveProfile({ ...route.profile, name: e.detail })}
        ></porch-room>`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-app': AppShell;
  }
}
