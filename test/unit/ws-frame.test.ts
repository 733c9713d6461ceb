import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { wsBinaryFrame } from '../../server/src/collab/endpoint/wsFrame.ts';

/** `ws`'s own framing of a server message (its Sender is not in the type definitions). */
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] };
};
const wsFrame = (payload: Buffer) =>
  Buffer.concat(Sender.frame(payload, { fin: true, opcode: 2, mask: false, readOnly: false, rsv1: false }));

describe('pre-framed broadcasts', () => {
  it('RELAY7 a broadcast framed once is byte for byte the frame ws would write, at every length class', () => {
    for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 200_000]) {
      const payload = Buffer.alloc(length, length % 251);
      expect(wsBinaryFrame(payload).equals(wsFrame(payload)), `length ${length}`).toBe(true);
    }
  });
});
