import { css } from 'lit';
import { theme } from '../theme.ts';

/** The room page's layout (room-page.ts): header, stage and audience, staff tools, the controls bar. */
export const roomStyles = [
  theme,
  css`
    :host {
      display: block;
    }
    header {
      display: flex;
      justify-content: space-between;
      align-items: baseline;
      gap: 0.5rem 1rem;
      flex-wrap: wrap;
      margin-bottom: 1rem;
    }
    h1 {
      font-size: 1.6rem;
      margin: 0;
      overflow-wrap: anywhere;
    }
    .description {
      margin: 0.3rem 0 0;
      color: var(--muted-ink);
      max-width: 40rem;
      overflow-wrap: anywhere;
    }
    .count {
      color: var(--muted-ink);
      display: flex;
      align-items: center;
      gap: 0.6rem;
    }
    .pill {
      font-size: 0.8rem;
      font-weight: 700;
      padding: 0.2rem 0.6rem;
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
      gap: 0.5rem;
      margin-bottom: 1rem;
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
      gap: 1rem;
    }
    porch-invite-banner {
      margin-bottom: 1rem;
    }
    .layout {
      display: grid;
      gap: 1.25rem;
    }
    @media (min-width: 56rem) {
      .layout.with-aside {
        grid-template-columns: minmax(0, 1fr) 18rem;
        align-items: start;
      }
    }
    aside {
      display: grid;
      gap: 0.75rem;
    }
    section + section {
      margin-top: 1.25rem;
    }
    h2 {
      font-size: 1.05rem;
      margin: 0 0 0.75rem;
    }
    h2 .n {
      color: var(--muted-ink);
      font-weight: 600;
    }
    .people {
      display: flex;
      flex-wrap: wrap;
      gap: 1.25rem 0.5rem;
      justify-content: flex-start;
    }
    .people.stage {
      min-height: 8rem;
    }
    .person {
      display: grid;
      justify-items: center;
      align-content: start;
      gap: 0.35rem;
      width: 8rem;
    }
    .person porch-participant {
      width: 100%;
    }
    /* Staff see everyone as a card, so each person's buttons read as theirs. */
    .people.managing {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr));
      gap: 0.5rem;
    }
    .people.managing .person {
      width: auto;
      padding: 0.75rem 0.4rem 0.6rem;
      background: var(--surface);
      border: 1px solid var(--line);
      border-radius: var(--radius);
    }
    button.verify {
      min-height: 32px;
      padding: 0.15rem 0.7rem;
      font-size: 0.8rem;
      font-weight: 600;
      color: var(--muted-ink);
    }
    .controls {
      position: sticky;
      bottom: 0.5rem;
      margin-top: 1.25rem;
      z-index: 1;
    }
    details {
      margin-top: 1.25rem;
    }
    summary {
      cursor: pointer;
      font-weight: 600;
      margin-bottom: 0.75rem;
    }
    .hint {
      color: var(--muted-ink);
      font-size: 0.85rem;
      margin: 0;
    }
    .lobby h2 {
      margin-bottom: 0.4rem;
    }
    .ended {
      display: grid;
      gap: 1rem;
      justify-items: start;
    }
    .ended p {
      margin: 0;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
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
    @media (max-width: 30rem) {
      .person {
        width: 6.6rem;
      }
      .people {
        gap: 1rem 0.5rem;
      }
    }
  `,
];
