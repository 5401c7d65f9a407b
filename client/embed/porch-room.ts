import { LitElement, html, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import { openRoom } from '../engine/open-room.ts';
import { isLookingIn, type Room, type RoomView } from '../engine/room-types.ts';
import type { RoomPage } from '../ui/room-page.ts';
import { theme } from '../ui/theme.ts';
import '../ui/room-page.ts';
import { eventsBetween, type WidgetEvent } from './widget-events.ts';
import { nameHint, parseRole, type WidgetRole } from './widget-options.ts';
import { widgetStyles } from './widget-styles.ts';

type Opened = { kind: 'closed' } | { kind: 'opening' } | { kind: 'failed'; message: string } | { kind: 'open'; room: Room; link: string };

/** Attributes removed (or set to null by a framework) read as empty. */
const text = (value: string | null | undefined): string => (value ?? '').trim();

/**
 * `<porch-room link="https://host/r/#…">`: a Porch room on any page. It opens the room through
 * the engine's front door, as the app does, and shows the app's room page inside its own shadow
 * root. The page hears from it through `porch-*` events and drives it with join(), leave(),
 * mute() and unmute(). Attributes: `link`, `name` (offered in the join form), `role`
 * (`listener`, or `speaker` to take a seat where the room gives one) and `compact`.
 * `name` and `role` are read when the room opens; a new `link` opens another room.
 */
@customElement('porch-room')
export class PorchRoomElement extends LitElement {
  @property() link = '';
  @property({ attribute: 'name' }) offeredName = '';
  @property({ attribute: 'role' }) seatRole = '';
  @property({ type: Boolean, reflect: true }) compact = false;
  @state() private opened: Opened = { kind: 'closed' };
  @query('porch-room-page') private page!: RoomPage | null;
  /** Counts openings, so one that finishes after a newer one (or after removal) is dropped. */
  private generation = 0;
  /** The link last opened (or being opened); null once closed. */
  private openedLink: string | null = null;
  private unsubscribe: (() => void) | null = null;
  private lastView: RoomView | null = null;
  /** The page was hidden before its person joined: if the browser restores it, the room opens afresh. */
  private hiddenLookingIn = false;
  private readyTold = false;
  /** join() was called before the Join button showed: join as soon as it does. */
  private joinWanted = false;
  /** From the role attribute; a bad one is a porch-error and leaves the person listening. */
  private joinAs: WidgetRole = 'listener';

  static override styles = [theme, widgetStyles];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('pagehide', this.onPageHide);
    window.addEventListener('pageshow', this.onPageShow);
    if (this.openedLink === null) void this.open();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('pagehide', this.onPageHide);
    window.removeEventListener('pageshow', this.onPageShow);
    // Moving the element (taken out and put back in the same task) keeps the person in the room.
    queueMicrotask(() => {
      if (!this.isConnected) this.close();
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('seatRole')) {
      const role = parseRole(this.seatRole);
      if (!role.ok) this.tell({ type: 'porch-error', detail: role.error });
      this.joinAs = role.ok ? role.value : 'listener';
    }
    if (changed.has('link') && this.isConnected && text(this.link) !== this.openedLink) void this.open();
  }

  protected override updated(): void {
    if (this.opened.kind !== 'open' || this.readyTold || this.lastView?.phase !== 'ready' || !this.page) return;
    this.readyTold = true;
    this.tell({ type: 'porch-ready', detail: {} });
    if (this.joinWanted) this.join();
  }

  /**
   * Joins as the Join button does, under the name in the form (an empty name is a porch-error);
   * before the button shows, as soon as it does; after leaving, into the room opened afresh.
   */
  join(): void {
    const phase = this.opened.kind === 'open' ? this.lastView?.phase : undefined;
    if (phase === 'joining' || phase === 'joined') return;
    if (this.opened.kind === 'failed') {
      this.tell({ type: 'porch-error', detail: { code: 'not-open', message: this.opened.message } });
      return;
    }
    this.joinWanted = true;
    if (phase !== undefined && phase !== 'ready') return void this.open();
    if (phase !== 'ready' || !this.readyTold) return;
    this.joinWanted = false;
    if (this.page?.join()) return;
    this.tell({ type: 'porch-error', detail: { code: 'name-needed', message: 'Type a name to join the room.' } });
  }

  /**
   * Leaves the room the person joined. Before they join the form stays, opened afresh: a reader
   * who was looking in is no longer linked with anyone, until they turn to the widget again.
   */
  leave(): void {
    this.joinWanted = false;
    if (this.opened.kind !== 'open') return;
    const view = this.lastView;
    if (view?.phase === 'joining' || view?.phase === 'joined') this.opened.room.leave();
    else if (isLookingIn(view)) void this.open(this.page?.typedName);
  }

  mute(): void {
    if (this.opened.kind === 'open') this.opened.room.setMuted(true);
  }

  unmute(): void {
    if (this.opened.kind === 'open') this.opened.room.setMuted(false);
  }

  /** Whether joined or only looking in, nothing of the person stays behind. */
  private readonly onPageHide = (): void => {
    this.joinWanted = false;
    if (this.opened.kind !== 'open') return;
    this.hiddenLookingIn = isLookingIn(this.lastView);
    this.opened.room.leave({ unloading: true });
  };

  /** Back from the back/forward cache: a reader who had only looked in finds the join form, not "Rejoin". */
  private readonly onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted && this.hiddenLookingIn) void this.open(this.page?.typedName);
    this.hiddenLookingIn = false;
  };

  /** `typed`: the name the person typed before the room was opened afresh. */
  private async open(typed = ''): Promise<void> {
    const joinWanted = this.joinWanted;
    this.close();
    this.joinWanted = joinWanted;
    const generation = ++this.generation;
    const link = text(this.link);
    this.openedLink = link;
    if (!link) {
      this.opened = { kind: 'failed', message: 'This widget has no room link yet.' };
      return;
    }
    this.opened = { kind: 'opening' };
    const name = typed || nameHint(this.offeredName);
    const result = await openRoom(link, name ? { name } : {});
    // Removed from the page, or pointed at another room, while this one opened.
    if (generation !== this.generation) {
      if (result.ok) result.value.room.leave();
      return;
    }
    if (!result.ok) {
      this.opened = { kind: 'failed', message: result.error.message };
      this.tell({ type: 'porch-error', detail: result.error });
      return;
    }
    const { room } = result.value;
    this.opened = { kind: 'open', ...result.value };
    this.lastView = room.state.get();
    this.readyTold = false;
    this.unsubscribe = room.state.subscribe((view) => this.onView(view));
  }

  /** Leaves the room shown without telling the page (it asked for this, or took the element away). */
  private close(): void {
    this.generation += 1;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.opened.kind === 'open') this.opened.room.leave();
    this.opened = { kind: 'closed' };
    this.lastView = null;
    this.openedLink = null;
    this.joinWanted = false;
  }

  private onView(view: RoomView): void {
    const previous = this.lastView;
    this.lastView = view;
    if (previous) for (const event of eventsBetween(previous, view)) this.tell(event);
    this.requestUpdate();
  }

  private tell(event: WidgetEvent): void {
    this.dispatchEvent(new CustomEvent(event.type, { detail: event.detail, bubbles: true, composed: true }));
  }

  override render() {
    const opened = this.opened;
    return html`<div class="frame" part="frame">
      ${opened.kind === 'open'
        ? keyed(
            opened.room,
            html`<porch-room-page
              embedded
              ?compact=${this.compact}
              .seat=${this.joinAs === 'speaker'}
              .room=${opened.room}
              .link=${opened.link}
              exportparts="header, title, join-form, join-button, controls, people"
              @rejoin=${() => void this.open()}
            ></porch-room-page>`,
          )
        : html`<p class="status" role=${opened.kind === 'failed' ? 'alert' : 'status'}>
            ${opened.kind === 'failed' ? opened.message : 'Opening the room…'}
          </p>`}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-room': PorchRoomElement;
  }
}
