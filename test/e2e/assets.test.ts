/**
 * How the built client is served (HTTP8). An e2e file, though no browser is needed: the
 * e2e files run one at a time and share the one client build, which the server must find
 * at start (the precompressed copies are listed when the static middleware is made).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClientBuilt } from '../helpers/browser.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

describe('the built client over HTTP', () => {
  let server: RunningServer;
  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('HTTP8: the client is served precompressed (brotli, else gzip, else as is) and hashed assets are cached for a year, the shell revalidated', async () => {
    const shell = await fetch(`${server.url}/`);
    expect(shell.headers.get('cache-control')).toBe('no-cache');
    const script = /src="(\/assets\/index-[^"]+\.js)"/.exec(await shell.text())?.[1];
    expect(script, 'the shell names its script').toBeDefined();
    const plain = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    const original = Buffer.from(await plain.arrayBuffer());
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    for (const [accept, encoding] of [
      ['br, gzip', 'br'],
      ['gzip', 'gzip'],
    ] as const) {
      const res = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': accept } });
      expect(res.headers.get('content-encoding'), accept).toBe(encoding);
      // Sent compressed, far smaller; fetch decodes it back to the very same script.
      expect(Number(res.headers.get('content-length')), accept).toBeLessThan(original.length / 2);
      expect(Buffer.from(await res.arrayBuffer()).equals(original), accept).toBe(true);
      expect(res.headers.get('cache-control'), accept).toBe('public, max-age=31536000, immutable');
    }
  });
});
