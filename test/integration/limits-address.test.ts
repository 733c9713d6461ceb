import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE, MESSAGE } from '@parley/shared/protocol';
import { waitFor } from '../helpers/clients.ts';
import { startServer } from '../helpers/server.ts';
import { identity, mintToken } from '../helpers/tokens.ts';

describe('per-address message budget', () => {
  it("LIMIT5: connections from one address share a budget of ten connections' worth; past it they are closed with 4429", async () => {
    // Per connection 5 msg/s with a burst of 10, so the address gets a burst of 100.
    const server = await startServer({
      env: { PARLEY_MAX_CONNECTIONS_PER_IP: '50', PARLEY_MESSAGES_PER_SECOND: '5', PARLEY_MESSAGE_BURST: '10' },
    });
    const token = await mintToken(server, identity('observer', null));
    const sockets: { ws: WebSocket; closeCode: number | null; answers: number }[] = [];
    try {
      for (let i = 0; i < 15; i++) {
        const ws = new WebSocket(`${server.wsUrl}/yjs/demo?token=${token}`);
        const entry = { ws, closeCode: null as number | null, answers: 0 };
        ws.on('message', (data: Buffer) => {
          if (data[0] === MESSAGE.awareness) entry.answers++;
        });
        ws.on('close', (code) => (entry.closeCode = code));
        sockets.push(entry);
        await new Promise((resolve) => ws.once('open', resolve));
      }
      // Each socket stays within its own burst (9 of 10) — 135 in all, past the address's 100.
      for (const s of sockets) for (let i = 0; i < 9; i++) s.ws.send(new Uint8Array([MESSAGE.queryAwareness]));
      await waitFor(() => sockets.some((s) => s.closeCode !== null), 'the address budget to run out');
      const limited = sockets.filter((s) => s.closeCode === CLOSE.rateLimited).length;
      expect(limited).toBeGreaterThan(0);
      expect(limited).toBeLessThan(sockets.length);
      // No socket exceeded its own budget, so only the shared one can have closed them.
      expect(sockets.every((s) => s.answers <= 9)).toBe(true);
    } finally {
      for (const s of sockets) s.ws.terminate();
      await server.stop();
    }
  });
});
