import type { ClientSocket } from './hub.ts';

/**
 * A member connected to another node, as this node's room registry holds it: what is sent to it
 * goes over the room bus to the node that holds its socket.
 */
export class RemoteSocket implements ClientSocket {
  constructor(
    readonly node: string,
    private readonly deliver: (text: string, from?: string) => void,
  ) {}

  send(text: string, from?: string): void {
    this.deliver(text, from);
  }

  /** Its own node closes it, when it hears that a newer connection took the peer over. */
  close(): void {}
}

export const isRemote = (handle: ClientSocket | null | undefined): handle is RemoteSocket => handle instanceof RemoteSocket;
