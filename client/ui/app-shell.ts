import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import { createRoomLink, openRoom } from '../engine/open-room.ts';
import type { RoomDraft } from '../engine/room-drafts.ts';
import { isLookingIn, type Room } from '../engine/room-types.ts';
import { theme } from './theme.ts';
import './landing-page.ts';
import './room-page.ts';
// The app shows a room's invitation open beside its Join button: the share panel comes with the page.
import './components/share-panel.ts';

type Route =
  | { kind: 'landing' }
  | { kind: 'room'; room: Room; link: string }
  | { kind: 'bad-link'; message: string }
  | { kind: 'loading' };

/** Everyone moved to a new link (room-page.ts): where, and how the person was in the room. */
interface Moved {
  link: string;
  name: string;
  /** They were on stage, and take a seat again where the new room gives one to anyone. */
  seat: boolean;
}

/** Routes between the landing page and a room, and owns the room's lifetime. */
@customElement('porch-app')
export class AppShell extends LitElement {
  @state() private route: Route = { kind: 'loading' };
  /** The page was hidden before its person joined: if the browser restores it, it opens the room afresh. */
  private hiddenLookingIn = false;
  /** Counts openings, so that only the latest one is shown (a Rejoin, a link change and a restore may overlap). */
  private generation = 0;

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
        gap: 0.5em;
        padding: 1em 1.25em;
        max-width: 60em;
        margin: 0 auto;
      }
      .brand {
        font-weight: 800;
        font-size: 1.2em;
        color: var(--ink);
        text-decoration: none;
      }
      .dot {
        width: 0.7em;
        height: 0.7em;
        border-radius: 50%;
        background: var(--accent);
      }
      main {
        max-width: 60em;
        margin: 0 auto;
        padding: 0 1.25em 2em;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHashChange);
    window.addEventListener('pagehide', this.onPageHide);
    window.addEventListener('pageshow', this.onPageShow);
    void this.onLocation();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHashChange);
    window.removeEventListener('pagehide', this.onPageHide);
    window.removeEventListener('pageshow', this.onPageShow);
  }

  /** Leaving explicitly lets the others see us go at once instead of after a grace period. */
  private readonly onPageHide = (): void => {
    if (this.route.kind !== 'room') return;
    this.hiddenLookingIn = isLookingIn(this.route.room.state.get());
    this.route.room.leave({ unloading: true });
  };

  /** Back from the back/forward cache: someone who had only looked in finds the join form, not "Rejoin". */
  private readonly onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted && this.hiddenLookingIn) void this.onLocation(this.renderRoot.querySelector('porch-room-page')?.typedName);
    this.hiddenLookingIn = false;
  };

  private readonly onHashChange = (): void => void this.onLocation();

  /** Everyone moved to a new link: we follow, joined again under our name, and the old link leaves the history. */
  private async follow({ link, name, seat }: Moved): Promise<void> {
    if (location.href === link) return;
    history.replaceState(null, '', link);
    await this.onLocation(name);
    if (this.route.kind === 'room' && location.href === link) await this.route.room.join(name, { seat });
  }

  /** `typed`: the name the person typed before the room was opened afresh. */
  private readonly onLocation = async (typed = ''): Promise<void> => {
    const generation = ++this.generation;
    if (this.route.kind === 'room') this.route.room.leave();
    if (!location.pathname.startsWith('/r')) {
      this.route = { kind: 'landing' };
      return;
    }
    const href = location.href;
    const opened = await openRoom(href, typed ? { name: typed } : {});
    // The person may have moved on (another link, back to the landing page, Rejoin again) while it opened.
    if (location.href !== href || generation !== this.generation) {
      if (opened.ok) opened.value.room.leave();
      return;
    }
    this.route = opened.ok ? { kind: 'room', ...opened.value } : { kind: 'bad-link', message: opened.error.message };
  };

  private async createRoom(draft: RoomDraft): Promise<void> {
    const link = await createRoomLink(location.origin, draft);
    history.pushState(null, '', link);
    await this.onLocation();
  }

  override render() {
    return html`
      <header class="top"><span class="dot" aria-hidden="true"></span><a class="brand" href="/">Porch</a></header>
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
        // A new page per room: a rejoined room is a new room object with its own store.
        return keyed(
          route.room,
          html`<porch-room-page
            .room=${route.room}
            .link=${route.link}
            @rejoin=${() => void this.onLocation()}
            @moved=${(e: CustomEvent<Moved>) => void this.follow(e.detail)}
          ></porch-room-page>`,
        );
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-app': AppShell;
  }
}
