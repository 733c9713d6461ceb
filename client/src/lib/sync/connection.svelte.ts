import type { WebsocketProvider } from 'y-websocket';
import { CLOSE_REASON, closeAction, isFatalAction, reconnectsBySelf, type CloseCode } from '@parley/shared/protocol';
import { network } from './network.svelte.ts';

/**
 * The connection as the user sees it:
 * - `connecting`: the first attempt (or the first after the browser came back online) is
 *   under way, nothing has failed yet;
 * - `connected`: the socket is open;
 * - `disconnected`: the browser is offline, or the socket was lost or never came up; the
 *   provider keeps retrying with backoff (not while the browser is offline), and the status
 *   stays here until a retry succeeds, so it does not flicker between "connecting" and
 *   "disconnected" on every retry: a refused attempt fails within milliseconds, every couple
 *   of seconds. Only a retry still under way after SLOW_ATTEMPT_MS (the server is reachable
 *   but slow to answer, or the network swallows packets) shows as `connecting` again, until
 *   it succeeds or fails;
 * - `fatal`: the server closed with a code after which retrying cannot help (its
 *   CLOSE_ACTION is `sign-in` or `give-up`); we stop reconnecting and show why.
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected' | 'fatal';

/** How long a retry must be under way before the badge says "Connecting…" again. */
export const SLOW_ATTEMPT_MS = 1500;

export function closeReason(code: number, serverReason?: string): string {
  const known = (CLOSE_REASON as Record<number, string | undefined>)[code];
  return known ?? (serverReason || `connection closed (code ${code})`);
}

export class ConnectionState {
  status = $state<ConnectionStatus>('connecting');
  /** True once the first full sync with the server finished in this session. */
  everSynced = $state(false);
  synced = $state(false);
  /** Set when `status` is `fatal`. */
  fatalCode = $state<CloseCode | number | null>(null);
  fatalReason = $state<string | null>(null);

  #provider: WebsocketProvider;
  #off: (() => void)[] = [];
  /** Set while a retry after a failure is under way, to show it once it is slow (SLOW_ATTEMPT_MS). */
  #slowAttempt: ReturnType<typeof setTimeout> | null = null;
  /**
   * Whether this connection should be up when the network is. False after a fatal close
   * and after a close the session's owner handles (a `resync` or `refresh-access` close
   * action) until it calls `reconnect()`, so coming back online does not resend a refused
   * change.
   */
  #wanted = true;

  constructor(provider: WebsocketProvider) {
    this.#provider = provider;
    this.status = provider.wsconnected ? 'connected' : network.online ? 'connecting' : 'disconnected';
    this.synced = provider.synced;
    this.everSynced = provider.synced;

    const onStatus = ({ status }: { status: 'connected' | 'disconnected' | 'connecting' }) => {
      if (this.status === 'fatal') return;
      if (status === 'connected') {
        this.#clearSlowAttempt();
        this.status = 'connected';
      } else if (status === 'disconnected') {
        this.#clearSlowAttempt();
        this.status = 'disconnected';
      } else if (this.status === 'disconnected' && this.#slowAttempt === null) {
        // A retry: before the first failure the state is already 'connecting'; after a
        // loss it stays 'disconnected' unless this attempt turns out to be a slow one.
        this.#slowAttempt = setTimeout(() => {
          this.#slowAttempt = null;
          if (this.status === 'disconnected' && network.online && this.#provider.wsconnecting) {
            this.status = 'connecting';
          }
        }, SLOW_ATTEMPT_MS);
      }
    };
    const onClose = (event: CloseEvent | null) => {
      this.#clearSlowAttempt();
      if (event && isFatalAction(closeAction(event.code))) {
        // Stop the provider's reconnect loop; the shouldReconnect option does the same,
        // this keeps it stopped even if a caller swapped that option.
        this.#provider.shouldConnect = false;
        this.#wanted = false;
        this.fatalCode = event.code;
        this.fatalReason = closeReason(event.code, event.reason);
        this.status = 'fatal';
      } else {
        if (event && !reconnectsBySelf(closeAction(event.code))) this.#wanted = false;
        if (this.status === 'connecting') this.status = 'disconnected';
      }
    };
    const onSync = (synced: boolean) => {
      this.synced = synced;
      if (synced) this.everSynced = true;
    };
    provider.on('status', onStatus);
    provider.on('connection-close', onClose);
    provider.on('sync', onSync);
    this.#off.push(
      () => provider.off('status', onStatus),
      () => provider.off('connection-close', onClose),
      () => provider.off('sync', onSync),
    );
  }

  /**
   * Stops for good and shows `reason` (for example after the server refused this client's
   * changes several times in a row: reloading again would only loop).
   */
  fail(code: number, reason: string) {
    this.#clearSlowAttempt();
    this.#wanted = false;
    this.#provider.disconnect();
    this.fatalCode = code;
    this.fatalReason = reason;
    this.status = 'fatal';
  }

  /** First connect, once the local copy is loaded (the session holds the provider back until then). */
  start() {
    this.#connectIfOnline();
  }

  /** Reconnects after a close the session's owner handled (an access change). */
  reconnect() {
    if (this.status === 'fatal') return;
    this.#wanted = true;
    this.#connectIfOnline();
  }

  /** Try again after a fatal close (for example after signing in again). */
  retry() {
    this.fatalCode = null;
    this.fatalReason = null;
    this.status = 'connecting';
    this.#wanted = true;
    this.#connectIfOnline();
  }

  /**
   * The browser went offline. An open websocket is not closed by that (it would only time
   * out much later), so drop it now: the status says "offline" at once, and nothing is
   * retried until the network is back.
   */
  goOffline() {
    if (this.status === 'fatal') return;
    this.#clearSlowAttempt();
    this.#provider.disconnect();
    this.status = 'disconnected';
  }

  /** The browser is back online: connect now (the provider's sync step 2 merges everything). */
  goOnline() {
    if (this.status === 'fatal' || !this.#wanted) return;
    this.#connectIfOnline();
  }

  #connectIfOnline() {
    if (!network.online) {
      this.status = 'disconnected';
      return;
    }
    if (!this.#provider.wsconnected) this.status = 'connecting';
    this.#provider.connect();
  }

  #clearSlowAttempt() {
    if (this.#slowAttempt !== null) clearTimeout(this.#slowAttempt);
    this.#slowAttempt = null;
  }

  destroy() {
    this.#clearSlowAttempt();
    for (const off of this.#off) off();
    this.#off = [];
  }
}
