import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * The header one instance adds when it passes a client's connection or request on to the
 * board's owner: who forwarded it, the client's own address, and a MAC over both under a
 * key derived from the instances' shared signing secret. The owner then counts the client
 * (per-address limits, logs) by its own address rather than the forwarder's, and never
 * forwards it again. A client cannot forge it without the secret.
 */
export const FORWARDED_HEADER = 'x-parley-forwarded';

const LABEL = 'parley instance forwarding v1';

export interface Forwarded {
  readonly by: string;
  readonly clientAddress: string;
}

export class PeerKey {
  private readonly key: Buffer;

  constructor(signingSecret: Uint8Array) {
    this.key = createHmac('sha256', signingSecret).update(LABEL).digest();
  }

  /** The header value for a client at `clientAddress`, forwarded by instance `by`. */
  sign(by: string, clientAddress: string): string {
    return `${encodeURIComponent(by)};${encodeURIComponent(clientAddress)};${this.mac(by, clientAddress)}`;
  }

  /** The verified forwarding a request carries, or null (none, or forged). */
  verify(headers: IncomingHttpHeaders): Forwarded | null {
    const raw = headers[FORWARDED_HEADER];
    if (typeof raw !== 'string') return null;
    const [by, address, mac, ...rest] = raw.split(';');
    if (by === undefined || address === undefined || mac === undefined || rest.length > 0) return null;
    let forwarded: Forwarded;
    try {
      forwarded = { by: decodeURIComponent(by), clientAddress: decodeURIComponent(address) };
    } catch {
      return null;
    }
    const expected = Buffer.from(this.mac(forwarded.by, forwarded.clientAddress));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? forwarded : null;
  }

  /** The client's own address: the forwarder's word for it if verified, else the socket's. */
  clientAddress(req: IncomingMessage): string {
    return this.verify(req.headers)?.clientAddress ?? req.socket.remoteAddress ?? 'unknown';
  }

  private mac(by: string, clientAddress: string): string {
    return createHmac('sha256', this.key).update(`${by}\n${clientAddress}`).digest('base64url');
  }
}
