import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import { MAX_NAME_LENGTH } from '../../shared/peer-message.ts';
import { assertNever } from '../../shared/result.ts';
import type { Participant, Room, RoomView } from '../engine/room.ts';
import type { ActRequest } from '../engine/room-types.ts';
import { StoreController } from './controllers/store-controller.ts';
import { roomStyles } from './components/room-styles.ts';
import { hereNowText, hideAddressHint, liveness, routeText, statusLines } from './status-text.ts';
import type { RoomActionEvent } from './components/room-action.ts';
import type { VerifyDialog } from './components/verify-dialog.ts';

/**
 * What only the room itself shows (room-parts.ts), fetched once joining draws near: nobody waits
 * for it to see the Join button. Kept here once loaded, so every later page draws it at once.
 */
type RoomParts = typeof import('./room-parts.ts');
let roomParts: RoomParts | null = null;
let loadingParts: Promise<RoomParts> | null = null;
const loadRoomParts = (): Promise<RoomParts> =>
  (loadingParts ??= import('./room-parts.ts').then(
    (parts) => (roomParts = parts),
    (error: unknown) => {
      // The next sign of joining tries again.
      loadingParts = null;
      throw error;
    },
  ));

/** How long "that change was not made" stays up. */
const REFUSED_NOTICE_MS = 5_000;

/**
 * A room: the join form before joining, then the stage above the audience, staff tools beside
 * them, and the person's own controls along the bottom. The app shows it full page; the widget
 * shows it `embedded` in someone else's page, where it keeps its keys and links to itself.
 *
 * Raises `rejoin` when the person asks to come back after leaving; the shell opens the room again.
 */
@customElement('porch-room-page')
export class RoomPage extends LitElement {
  @property({ attribute: false }) room!: Room;
  @property() link = '';
  @property({ type: Boolean, reflect: true }) embedded = false;
  /** Only the people and the controls: for a narrow strip on someone else's page. */
  @property({ type: Boolean, reflect: true }) compact = false;
  /** Whether joining takes a seat where the room gives one (see JoinOptions). */
  @property({ type: Boolean }) seat = true;
  @state() private name = '';
  @state() private hideAddress = false;
  @state() private verifying: Participant | null = null;
  @state() private announcement = { n: 0, text: '' };
  @state() private refused = false;
  @state() private inviteShown = false;
  /** The person asked to see the whole audience. */
  @state() private everyone = false;
  private view!: StoreController<RoomView>;
  /** The state last rendered, to tell screen readers what changed. */
  private previous: RoomView | null = null;
  /** We asked to leave the stage ourselves, so it is not announced as being moved. */
  private leftStage = false;
  private refusedTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the audience shown changes with nothing else changing (a newcomer stops being new), and the timer that draws it then. */
  private peopleChangeAt: number | null = null;
  private peopleTimer: ReturnType<typeof setTimeout> | undefined;

  static override styles = roomStyles;

  /**
   * Drawn in a task of its own, after the one that changed the room: a Join click's task then
   * ends once it has taken the seat, asked for the microphone and enabled what we hear, and what
   * it waits for (the microphone's track, the introduction's signature) need not queue behind the
   * room's first render (measured: the click's task some 30 ms shorter in a room of three).
   */
  protected override async scheduleUpdate(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    super.scheduleUpdate();
  }

  /** What the person has typed in the join form: kept when the room is opened afresh before they join. */
  get typedName(): string {
    return this.name;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.view ??= new StoreController(this, this.room.state);
    this.name ||= this.room.state.get().name;
    this.hideAddress ||= this.room.state.get().hideAddress;
    // The app's page is the room's own: it comes in while the person types a name. On someone
    // else's page the widget waits for a sign of interest (wantParts).
    if (!this.embedded) this.room.lookIn();
    this.keyTarget().addEventListener('keydown', this.onKey);
    this.addEventListener('room-action', this.onAction);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.keyTarget().removeEventListener('keydown', this.onKey);
    this.removeEventListener('room-action', this.onAction);
    clearTimeout(this.refusedTimer);
    clearTimeout(this.peopleTimer);
  }

  /** On someone else's page the M key is theirs, except while the person is inside the widget. */
  private keyTarget(): EventTarget {
    return this.embedded ? this : window;
  }

  private readonly onKey = (e: Event): void => {
    if (!(e instanceof KeyboardEvent)) return;
    const typing = e.composedPath().some((t) => t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement);
    if (typing || e.ctrlKey || e.metaKey || e.altKey || e.key.toLowerCase() !== 'm') return;
    const s = this.view.value;
    if (s.phase !== 'joined' || s.overview.role === 'listener') return;
    this.room.setMuted(!s.muted);
  };

  /** Everything a component asks for reaches the engine here, and nowhere else. */
  private readonly onAction = (e: RoomActionEvent): void => {
    e.stopPropagation();
    const action = e.detail;
    switch (action.type) {
      case 'act':
        return this.perform(action.act);
      case 'set-muted':
        return this.room.setMuted(action.muted);
      case 'select-input':
        return void this.room.selectInput(action.deviceId);
      case 'react':
        return this.room.react(action.emoji);
      case 'mark-verified':
        return this.room.markVerified(action.peerId);
      case 'leave':
        return this.room.leave();
      default:
        return assertNever(action);
    }
  };

  private perform(act: ActRequest): void {
    if (act.type === 'leave-stage') this.leftStage = true;
    const done = this.room.perform(act);
    clearTimeout(this.refusedTimer);
    this.refused = !done;
    if (!done) this.refusedTimer = setTimeout(() => (this.refused = false), REFUSED_NOTICE_MS);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const s = this.view.value;
    if (s === this.previous) return;
    const wasJoined = this.previous?.phase === 'joined';
    // Nothing is said before the room is drawn: until then there is nothing to hear about.
    const said = roomParts?.announcements(this.previous, s, { leftStage: this.leftStage }) ?? [];
    if (s.overview.role === 'listener') this.leftStage = false;
    this.previous = s;
    if (said.length > 0) this.announcement = { n: this.announcement.n + 1, text: said.join('. ') };
    // The app follows the room to its new link (app-shell.ts); an embedded room's page keeps its own link.
    // Only someone who joined is taken along. Whoever listened goes on listening; the host gives the new room this one's type and title.
    const seat = s.overview.role !== 'listener';
    if (wasJoined && s.phase === 'moved' && s.movedTo && !this.embedded) this.dispatchEvent(new CustomEvent('moved', { detail: { link: s.movedTo, name: s.name, seat } }));
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    clearTimeout(this.peopleTimer);
    // A render that was waiting for its task when the page let go of us sets no timer again.
    if (this.peopleChangeAt !== null && this.isConnected) this.peopleTimer = setTimeout(() => this.requestUpdate(), this.peopleChangeAt - Date.now());
  }

  /**
   * Fetches the room's parts when joining draws near — the person types a name, points at or
   * tabs to the form, or joins — and draws the room once they are here.
   */
  private readonly wantParts = (): void => {
    this.room.lookIn();
    if (roomParts) return;
    loadRoomParts().then(
      () => this.requestUpdate(),
      (error: unknown) => console.warn('porch: the room did not load', error),
    );
  };

  /** Joins under the name in the form, as the Join button does; false while the name is empty. */
  join(): boolean {
    this.wantParts();
    const name = this.name.trim();
    const s = this.view.value;
    if (!name || s.phase !== 'ready') return false;
    // The room shows its invitation closed: its QR code is made again only if the person opens it.
    this.inviteShown = false;
    // Still checking: the choice stands, and links fail rather than go direct if no relay turns up.
    void this.room.join(name, { seat: this.seat, hideAddress: this.hideAddress && s.relay !== 'absent' });
    return true;
  }

  private readonly onSubmit = (e: Event): void => {
    e.preventDefault();
    this.join();
  };

  override render() {
    const s = this.view.value;
    const inRoom = s.phase === 'joining' || s.phase === 'joined';
    const count = s.participants.filter((p) => !p.standing.waiting).length + (s.phase === 'joined' ? 1 : 0);
    const pill = liveness(s);
    const route = routeText(s);
    return html`
      <header part="header">
        <div class="heading">
          <h1 part="title">${s.title || 'Porch room'}</h1>
          ${inRoom && s.overview.description ? html`<p class="description">${s.overview.description}</p>` : nothing}
        </div>
        ${s.phase === 'joined'
          ? html`<span class="count"><span class="pill ${pill.tone}">${pill.text}</span> ${count} ${count === 1 ? 'person' : 'people'} here</span>`
          : nothing}
        ${route ? html`<p class="route" part="route">${route}</p>` : nothing}
      </header>
      <div class="notices" role="status" aria-live="polite">
        ${statusLines(s).map((l) => html`<div class="notice ${l.tone === 'bad' ? 'bad' : ''}">${l.text}</div>`)}
        ${this.refused && inRoom ? html`<div class="notice">That change was not made: you may no longer have the right, or it was already done.</div>` : nothing}
      </div>
      <div class="visually-hidden" aria-live="polite">${keyed(this.announcement.n, html`<p>${this.announcement.text}</p>`)}</div>
      ${s.phase === 'ready' ? this.renderJoin(s) : nothing} ${inRoom ? this.renderRoom(s) : nothing}
      ${inRoom || s.phase === 'ready' ? nothing : this.renderEnded(s)}
    `;
  }

  private renderJoin(s: RoomView) {
    const here = hereNowText(s);
    return html`
      <form class="card" part="join-form" @submit=${this.onSubmit} @input=${this.wantParts} @focusin=${this.wantParts} @pointerover=${this.wantParts}>
        ${here ? html`<p class="hint" part="here-now" role="status">${here}</p>` : nothing}
        <label>
          Your name
          <input
            name="name"
            autocomplete="nickname"
            maxlength=${MAX_NAME_LENGTH}
            required
            .value=${this.name}
            @input=${(e: Event) => (this.name = (e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="check">
          <input
            type="checkbox"
            name="hide-address"
            aria-describedby="hide-address-hint"
            .checked=${this.hideAddress && s.relay !== 'absent'}
            ?disabled=${s.relay === 'checking' || s.relay === 'absent'}
            @change=${(e: Event) => this.room.setHideAddress((this.hideAddress = (e.target as HTMLInputElement).checked))}
          />
          Hide my IP address
        </label>
        <p class="hint" id="hide-address-hint">${hideAddressHint[s.relay]}</p>
        <button class="primary" part="join-button" type="submit" ?disabled=${!this.name.trim()}>Join</button>
        <p class="hint">
          Listeners aren't asked for the microphone; your browser asks only when you go on stage. Audio goes straight to the people in
          the room. Until you join, nobody here sees you and you hear nothing.
        </p>
      </form>
      ${this.renderInvite(!this.embedded)}
    `;
  }

  /** Its contents are made on first opening: nobody waits for a QR code to join. */
  private renderInvite(open: boolean) {
    return html`<details class="invite" ?open=${open} @toggle=${(e: Event) => (this.inviteShown ||= (e.target as HTMLDetailsElement).open)}>
      <summary>Invite people</summary>
      ${this.inviteShown ? html`${this.renderShare()} ${this.embedded ? nothing : this.renderEmbed()}` : nothing}
    </details>`;
  }

  /** The app shows the invitation open, so its page brings the share panel (app-shell.ts); the widget's loads on first opening. */
  private renderShare() {
    import('./components/share-panel.ts').catch((error: unknown) => console.warn('porch: the share panel did not load', error));
    return html`<porch-share-panel .link=${this.link}></porch-share-panel>`;
  }

  /** Drawn once its parts are here; until then the notices above say the room is being joined. */
  private renderRoom(s: RoomView) {
    if (!roomParts) {
      this.wantParts();
      return nothing;
    }
    const { view, changesAt } = roomParts.renderRoomBody(s, {
      now: Date.now(),
      everyone: this.everyone,
      showEveryone: (everyone) => (this.everyone = everyone),
      verify: (p) => void this.verify(p),
      verifying: this.verifying,
      invite: this.renderInvite(false),
    });
    this.peopleChangeAt = changesAt;
    return view;
  }

  /** The app's Embed dialog loads with the invitation it sits in: nobody joining waits for it, and the widget never does. */
  private renderEmbed() {
    import('./components/embed-dialog.ts').catch((error: unknown) => console.warn('porch: the Embed dialog did not load', error));
    return html`<porch-embed-dialog .link=${this.link}></porch-embed-dialog>`;
  }

  private async verify(p: Participant): Promise<void> {
    this.verifying = p;
    await this.updateComplete;
    this.renderRoot.querySelector<VerifyDialog>('porch-verify-dialog')?.show();
  }

  private renderEnded(s: RoomView) {
    const again = this.embedded ? nothing : html`<a href="/">Start a new room</a>`;
    switch (s.phase) {
      case 'removed':
        return html`<div class="card ended">
          <p>A host or moderator took you out of this room, so you can't rejoin it with this browser.</p>
          ${again}
        </div>`;
      case 'ended':
        return html`<div class="card ended"><p>Thanks for being part of it.</p>${again}</div>`;
      case 'moved':
        if (!s.movedTo) return html`<div class="card ended"><p>Ask someone in the room for its new link.</p>${again}</div>`;
        return this.embedded
          ? html`<div class="card ended"><a href=${s.movedTo} target="_blank" rel="noopener">Open the new link</a></div>`
          : html`<div class="card ended"><p>Taking you to the new link…</p></div>`;
      default:
        return html`<div class="card ended">
          ${s.phase === 'left' ? html`<p>Thanks for stopping by.</p>` : nothing}
          <div class="row"><button class="primary" @click=${() => this.dispatchEvent(new Event('rejoin'))}>Rejoin</button> ${again}</div>
        </div>`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-room-page': RoomPage;
  }
}
