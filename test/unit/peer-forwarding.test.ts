import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { FORWARDED_HEADER, PeerKey } from '../../server/src/scale/peerForwarding.ts';

const secret = (s: string) => new TextEncoder().encode(s);
const request = (headers: Record<string, string>, remoteAddress = '10.0.0.9') =>
  ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe('forwarding between instances (unit: server/src/scale/peerForwarding.ts)', () => {
  it('SCALE4 a forwarded client counts by the address its forwarder vouched for under the shared secret; a forged, altered or foreign-keyed header is ignored and the socket address counts', () => {
    const key = new PeerKey(secret('s'.repeat(40)));
    const header = key.sign('instance-a', '203.0.113.7');
    expect(key.verify({ [FORWARDED_HEADER]: header })).toEqual({ by: 'instance-a', clientAddress: '203.0.113.7' });
    expect(key.clientAddress(request({ [FORWARDED_HEADER]: header }))).toBe('203.0.113.7');

    const altered = header.replace('203.0.113.7', '198.51.100.1');
    const otherKey = new PeerKey(secret('t'.repeat(40))).sign('instance-a', '203.0.113.7');
    for (const forged of [altered, otherKey, 'instance-a;203.0.113.7;', 'garbage', `${header};x`]) {
      expect(key.verify({ [FORWARDED_HEADER]: forged })).toBeNull();
      expect(key.clientAddress(request({ [FORWARDED_HEADER]: forged }))).toBe('10.0.0.9');
    }
    expect(key.clientAddress(request({}))).toBe('10.0.0.9');
  });
});
