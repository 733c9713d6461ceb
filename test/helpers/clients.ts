import type { ClientRequest } from 'node:http';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { YJS_PATH_PREFIX } from '@parley/shared/protocol';

export interface StockClient {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  /** Resolves once the first sync with the server completed. */
  readonly synced: Promise<void>;
  destroy(): void;
}

/** A stock y-websocket provider, exactly as a third-party client would connect. */
export function connectClient(wsUrl: string, docName: string, params: Record<string, string> = {}): StockClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${wsUrl}${YJS_PATH_PREFIX}`, docName, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params,
    disableBc: true,
  });
  const synced = new Promise<void>((resolve) => {
    if (provider.synced) resolve();
    else provider.once('sync', (isSynced: boolean) => isSynced && resolve());
  });
  return {
    doc,
    provider,
    synced,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Polls until `check` returns true (or throws a readable timeout). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface RawResult {
  readonly closeCode: number;
  readonly closeReason: string;
  /** Every frame received before the close. */
  readonly frames: Buffer[];
}

/**
 * Opens a raw websocket, optionally sends frames, and resolves when the server closes it.
 * `rawPath` replaces the request path byte for byte, bypassing URL normalisation (which
 * would turn `/yjs/../x` into `/x`), as a hand-crafted client could.
 */
export function rawSession(
  url: string,
  send: Uint8Array[] = [],
  timeoutMs = 10_000,
  rawPath?: string,
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      ...(rawPath === undefined
        ? {}
        : {
            finishRequest: (req: ClientRequest) => {
              req.path = rawPath;
              req.end();
            },
          }),
    });
    const frames: Buffer[] = [];
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`server did not close ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('open', () => {
      for (const f of send) ws.send(f);
    });
    ws.on('message', (data: Buffer) => frames.push(data));
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ closeCode: code, closeReason: reason.toString(), frames });
    });
    ws.on('error', () => {
      /* the close event carries the outcome */
    });
  });
}

export function stateEquals(a: Y.Doc, b: Y.Doc): boolean {
  return Buffer.from(Y.encodeStateVector(a)).equals(Buffer.from(Y.encodeStateVector(b)));
}
