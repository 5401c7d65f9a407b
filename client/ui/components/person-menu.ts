import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { theme } from '../theme.ts';
import type { Participant } from '../../engine/room.ts';
import { roomAct } from './room-action.ts';
import { actionsOn, type PersonAction } from './person-rights.ts';

/**
 * What staff may do to one person, behind one button on them, "Actions for Ben" (the WAI-ARIA
 * menu button pattern). The items name the person ("Mute Ben"), so the only control on the page
 * named "Mute" is the viewer's own. Opening moves focus to the first item; the arrow keys, Home
 * and End move it; Escape closes and returns focus to the button, as choosing an item does; Tab
 * or a click elsewhere closes.
 * Loaded with the staff tools (staff-tools.ts), and naming the actions with them: only staff are
 * given actions on others. Draws nothing when there are none.
 * @fires room-action - detail: the act chosen.
 */
@customElement('porch-person-menu')
export class PersonMenu extends LitElement {
  @property({ attribute: false }) person!: Participant;
  @state() private open = false;

  static override styles = [
    theme,
    css`
      :host {
        position: relative;
        display: inline-block;
      }
      button {
        min-height: 32px;
        padding: 0.256em 0.769em;
        font-size: 0.78em;
      }
      [role='menu'] {
        position: absolute;
        z-index: 2;
        top: calc(100% + 4px);
        left: 50%;
        transform: translateX(-50%);
        display: grid;
        padding: 0.3em;
        background: var(--surface);
        border: 1px solid var(--line);
        border-radius: 10px;
        box-shadow: 0 6px 20px rgb(42 36 32 / 0.18);
      }
      [role='menuitem'] {
        border: 0;
        border-radius: 6px;
        text-align: start;
        white-space: nowrap;
        font-size: 0.9em;
        min-height: 36px;
      }
      [role='menuitem']:hover,
      [role='menuitem']:focus-visible {
        background: var(--bg);
      }
      .danger {
        color: var(--bad);
      }
    `,
  ];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('pointerdown', this.onPointerDown);
  }

  // `open` is private, which PropertyValues<this> cannot name.
  protected override updated(changed: PropertyValues): void {
    if (changed.has('open')) window[this.open ? 'addEventListener' : 'removeEventListener']('pointerdown', this.onPointerDown);
  }

  override render() {
    const actions = actionsOn(this.person);
    if (actions.length === 0) return nothing;
    const name = this.person.name;
    return html`<button
        aria-haspopup="menu"
        aria-expanded=${this.open}
        aria-controls=${this.open ? 'menu' : nothing}
        aria-label="Actions for ${name}"
        @click=${() => (this.open ? this.close(false) : this.show(0))}
        @keydown=${this.onButtonKey}
      >
        Actions
      </button>
      ${this.open
        ? html`<div id="menu" role="menu" aria-label="Actions for ${name}" @keydown=${this.onMenuKey}>
            ${actions.map(
              (a) => html`<button role="menuitem" tabindex="-1" class=${a.danger ? 'danger' : ''} @click=${() => this.choose(a)}>${a.label}</button>`,
            )}
          </div>`
        : nothing}`;
  }

  private items(): HTMLButtonElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLButtonElement>('[role=menuitem]')];
  }

  /** Opens the menu with the item at `at` focused (-1: the last). */
  private async show(at: number): Promise<void> {
    this.open = true;
    await this.updateComplete;
    this.items().at(at)?.focus();
  }

  private close(refocus: boolean): void {
    this.open = false;
    if (refocus) this.renderRoot.querySelector('button')?.focus();
  }

  private choose(action: PersonAction): void {
    this.close(true);
    this.dispatchEvent(roomAct(action.act));
  }

  private readonly onButtonKey = (e: KeyboardEvent): void => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    void this.show(e.key === 'ArrowDown' ? 0 : -1);
  };

  private readonly onMenuKey = (e: KeyboardEvent): void => {
    if (e.key === 'Tab') return this.close(false);
    if (e.key === 'Escape') {
      e.preventDefault();
      return this.close(true);
    }
    const items = this.items();
    const at = items.indexOf(this.renderRoot.querySelector(':focus') as HTMLButtonElement);
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: -1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    items.at(next % items.length)?.focus();
  };

  /** A press anywhere outside closes the menu, leaving focus where the press put it. */
  private readonly onPointerDown = (e: Event): void => {
    if (!e.composedPath().includes(this)) this.close(false);
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-person-menu': PersonMenu;
  }
}
