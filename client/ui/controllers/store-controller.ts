import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Store } from '../../engine/store.ts';

/** Re-renders its host whenever an engine store changes, for as long as the host is connected. */
export class StoreController<T> implements ReactiveController {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly store: Store<T>,
  ) {
    host.addController(this);
  }

  get value(): T {
    return this.store.get();
  }

  hostConnected(): void {
    this.unsubscribe = this.store.subscribe(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
