import { css } from 'lit';
import { theme } from '../theme.ts';

/** The room page's layout (room-page.ts): header, stage and audience, staff tools, the controls bar. */
export const roomStyles = [
  theme,
  css`
    :host {
      display: block;
      /* Layout follows the room's own width, not the window's: the widget may be a narrow column. */
      container-type: inline-size;
    }
    header {
      display: flex;
      justify-content: space-between;
      align-items: baseline;
      gap: 0.5em 1em;
      flex-wrap: wrap;
      margin-bottom: 1em;
    }
    h1 {
      font-size: 1.6em;
      margin: 0;
      overflow-wrap: anywhere;
    }
    .description {
      margin: 0.3em 0 0;
      color: var(--muted-ink);
      max-width: 40em;
      overflow-wrap: anywhere;
    }
    .route {
      flex-basis: 100%;
      margin: 0;
      color: var(--muted-ink);
      font-size: 0.9em;
    }
    .count {
      color: var(--muted-ink);
      display: flex;
      align-items: center;
      gap: 0.6em;
    }
    .pill {
      font-size: 0.8em;
      font-weight: 700;
      padding: 0.25em 0.75em;
      border-radius: 999px;
      background: #e3f1e8;
      color: var(--ok);
    }
    .pill.warn {
      background: #fdf0e1;
      color: var(--warn);
    }
    .pill.quiet {
      background: var(--line);
      color: var(--ink);
    }
    .notices {
      display: grid;
      gap: 0.5em;
      margin-bottom: 1em;
    }
    .notices:empty {
      display: none;
    }
    .visually-hidden {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
    form {
      display: grid;
      gap: 1em;
    }
    label.check {
      display: flex;
      align-items: center;
      gap: 0.5em;
    }
    label.check input {
      min-height: 0;
      width: 1.2em;
      height: 1.2em;
      margin: 0;
      padding: 0;
    }
    label.check:has(input:disabled) {
      color: var(--muted-ink);
    }
    porch-invite-banner {
      margin-bottom: 1em;
    }
    .layout {
      display: grid;
      gap: 1.25em;
    }
    @container (min-width: 56em) {
      .layout.with-aside {
        grid-template-columns: minmax(0, 1fr) 18em;
        align-items: start;
      }
    }
    aside {
      display: grid;
      gap: 0.75em;
    }
    section + section {
      margin-top: 1.25em;
    }
    h2 {
      font-size: 1.05em;
      margin: 0 0 0.714em;
    }
    h2 .n {
      color: var(--muted-ink);
      font-weight: 600;
    }
    .people {
      display: flex;
      flex-wrap: wrap;
      gap: 1.25em 0.5em;
      justify-content: flex-start;
    }
    .people.stage {
      min-height: 8em;
    }
    .person {
      display: grid;
      justify-items: center;
      align-content: start;
      gap: 0.35em;
      width: 8em;
    }
    .person porch-participant {
      width: 100%;
    }
    /* Staff see everyone as a card, so each person's buttons read as theirs. */
    .people.managing {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(9.5em, 1fr));
      gap: 0.5em;
    }
    .people.managing .person {
      width: auto;
      padding: 0.75em 0.4em 0.6em;
      background: var(--surface);
      border: 1px solid var(--line);
      border-radius: var(--radius);
    }
    button.verify {
      min-height: 32px;
      padding: 0.187em 0.875em;
      font-size: 0.8em;
      font-weight: 600;
      color: var(--muted-ink);
    }
    button.verify.verified {
      color: var(--ok);
    }
    button.verify.changed {
      color: var(--bad);
      border-color: var(--bad);
    }
    .controls {
      position: sticky;
      bottom: 0.5em;
      margin-top: 1.25em;
      z-index: 1;
    }
    details {
      margin-top: 1.25em;
    }
    summary {
      cursor: pointer;
      font-weight: 600;
      margin-bottom: 0.75em;
    }
    .hint {
      color: var(--muted-ink);
      font-size: 0.85em;
      margin: 0;
    }
    .lobby h2 {
      margin-bottom: 0.4em;
    }
    .ended {
      display: grid;
      gap: 1em;
      justify-items: start;
    }
    .ended p {
      margin: 0;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75em;
      align-items: center;
    }
    a {
      color: var(--accent);
      font-weight: 600;
    }
    a:focus-visible {
      outline: 3px solid color-mix(in srgb, var(--accent) 45%, transparent);
      outline-offset: 2px;
      border-radius: 4px;
    }
    @container (max-width: 30em) {
      .person {
        width: 6.6em;
      }
      .people {
        gap: 1em 0.5em;
      }
    }
    /* On someone else's page the bar scrolls with the room instead of floating over their page. */
    :host([embedded]) .controls {
      position: static;
    }
    :host([compact]) .description,
    :host([compact]) .invite,
    :host([compact]) aside,
    :host([compact]) form .hint,
    :host([compact]) section .hint {
      display: none;
    }
    :host([compact]) .people.stage {
      min-height: 0;
    }
    :host([compact]) h1 {
      font-size: 1.2em;
    }
  `,
];
