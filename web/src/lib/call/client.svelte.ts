import { CallSession } from './session.svelte';
import { SignallingClient, type ServerEvent } from './signalling';

export interface CallClientHandlers {
  /** A call began (or resumed) for this side; the event carries the call's service session. */
  started?: (event: Extract<ServerEvent, { type: 'callStarted' }>) => void;
  /** The call is over, with the appliance's reason (or the lost-connection reason when this side gave up). */
  ended: (reason: string) => void;
  /** Anything that is not about the call itself (the queue, the customer's place in it). */
  other?: (event: ServerEvent) => void;
}

/**
 * The connection of a kiosk or an agent console to the appliance, and the call it is in. Kiosk and
 * agent pages differ only in what they show around it.
 */
export class CallClient {
  session = $state<CallSession | null>(null);
  online = $state(false);
  readonly signalling: SignallingClient;

  constructor(
    kioskToken: string | null,
    private readonly lostReason: 'customer-lost' | 'agent-lost',
    private readonly handlers: CallClientHandlers,
  ) {
    this.signalling = new SignallingClient(kioskToken, (event) => this.onEvent(event), (connected) => {
      this.online = connected;
      this.session?.connectionChanged(connected, () => this.ended(this.lostReason));
    });
    this.signalling.start();
  }

  private onEvent(event: ServerEvent): void {
    if (event.type === 'callStarted') {
      this.session ??= new CallSession(this.signalling);
      this.session.handle(event);
      this.handlers.started?.(event);
    } else if (event.type === 'callEnded') {
      this.ended(event.reason);
    } else if (!this.session?.handle(event)) {
      this.handlers.other?.(event);
    }
  }

  private ended(reason: string): void {
    this.session?.close();
    this.session = null;
    this.handlers.ended(reason);
  }

  stop(): void {
    this.session?.close();
    this.session = null;
    this.signalling.stop();
  }
}
