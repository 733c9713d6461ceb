/**
 * Helpers for the security, auth and fuzz integration tests: a stock y-websocket provider
 * that records what crosses its socket, raw websockets kept open, a raw TCP websocket that
 * never answers a close frame, frame encoders, tokens the server must refuse, REST cookie
 * helpers, a board watcher with an awareness barrier, and a seeded PRNG.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { MESSAGE, SYNC, YJS_PATH_PREFIX } from '@parley/shared/protocol';
import type { Role } from '@parley/shared/permissions';
import { signAccessToken } from '../../server/src/accounts/accessTokens.ts';
import { connectClient, waitFor, type StockClient } from './clients.ts';
import type { RunningServer } from './server.ts';
import { demoLinks, identity, mintToken, type TestIdentity } from './tokens.ts';

// ------------------------------------------------------------------ frames

export function syncFrame(sub: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE.sync);
  encoding.writeVarUint(e, sub);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

export const updateFrame = (update: Uint8Array) => syncFrame(SYNC.update, update);
export const step1Frame = (doc: Y.Doc) => syncFrame(SYNC.step1, Y.encodeStateVector(doc));

export function awarenessFrame(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE.awareness);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/** An awareness update by hand: varUint count, then per entry varUint id, varUint clock, varString JSON. */
export function awarenessUpdate(entries: { clientId: number; clock: number; state: unknown }[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(e, entry.clientId);
    encoding.writeVarUint(e, entry.clock);
    encoding.writeVarString(e, JSON.stringify(entry.state));
  }
  return encoding.toUint8Array(e);
}

export function queryAwarenessFrame(): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE.queryAwareness);
  return encoding.toUint8Array(e);
}

/**
 * A v1 update holding only a GC struct (a run of clock values without content) for
 * `client` from `clock`. Yjs integrates it and advances the client's state.
 */
export function gcOnlyUpdate(client: number, clock: number, length: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // one client
  encoding.writeVarUint(e, 1); // one struct
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, clock);
  encoding.writeUint8(e, 0); // info: GC
  encoding.writeVarUint(e, length);
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}

/** The (type, sync sub-type) of a y-websocket frame, for recording what a client sent. */
export function frameKind(frame: Uint8Array): string {
  if (frame[0] === MESSAGE.sync) return ['sync-step1', 'sync-step2', 'sync-update'][frame[1]!] ?? 'sync-?';
  if (frame[0] === MESSAGE.awareness) return 'awareness';
  if (frame[0] === MESSAGE.queryAwareness) return 'query-awareness';
  return `type-${frame[0]}`;
}

/** Captures the update(s) an edit produces on a replica of `base`, merged into one v1 update. */
export function updateOf(base: Y.Doc, edit: (doc: Y.Doc) => void, clientID?: number): Uint8Array {
  const replica = new Y.Doc();
  if (clientID !== undefined) replica.clientID = clientID;
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(base));
  const updates: Uint8Array[] = [];
  replica.on('update', (u: Uint8Array) => updates.push(u));
  edit(replica);
  replica.destroy();
  return Y.mergeUpdates(updates);
}

// ------------------------------------------------------------------ stock client, recorded

export interface RecordedClient {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  /** Resolves once the first sync with the server completed. */
  readonly synced: Promise<void>;
  /** Every frame the provider sent / received, over all its sockets. */
  readonly sent: Uint8Array[];
  readonly received: Uint8Array[];
  /** Close codes of every server-side close so far. */
  readonly closes: number[];
  /** Resolves with the first close code the server sent. */
  readonly closed: Promise<number>;
  destroy(): void;
}

/**
 * A stock `y-websocket` provider (as `connectClient` makes) whose socket class records the
 * frames and close codes, so a test can tell what crossed the wire and in which message.
 */
export function connectRecorded(
  wsUrl: string,
  docName: string,
  params: Record<string, string> = {},
  /** Extra upgrade headers, e.g. a session cookie (a browser would send it by itself). */
  headers: Record<string, string> = {},
): RecordedClient {
  const sent: Uint8Array[] = [];
  const received: Uint8Array[] = [];
  const closes: number[] = [];
  class RecordingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
      this.on('message', (data: ArrayBuffer | Buffer) => received.push(new Uint8Array(data as ArrayBuffer)));
    }
    override send(data: unknown, ...rest: unknown[]): void {
      sent.push(new Uint8Array(data as Uint8Array));
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }
  }
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${wsUrl}${YJS_PATH_PREFIX}`, docName, doc, {
    WebSocketPolyfill: RecordingWebSocket as unknown as typeof globalThis.WebSocket,
    params,
    disableBc: true,
  });
  let resolveClosed: (code: number) => void = () => {};
  const closed = new Promise<number>((resolve) => (resolveClosed = resolve));
  provider.on('connection-close', (event: CloseEvent | null) => {
    if (event) {
      closes.push(event.code);
      resolveClosed(event.code);
    }
  });
  const synced = new Promise<void>((resolve) => {
    if (provider.synced) resolve();
    else provider.on('sync', (isSynced: boolean) => isSynced && resolve());
  });
  return {
    doc,
    provider,
    synced,
    sent,
    received,
    closes,
    closed,
    destroy: () => {
      try {
        provider.destroy();
      } catch {
        // y-websocket 3.1 throws here when Yjs changed the doc's client id (a clock clash):
        // its awareness has no meta for the new id. The socket is closed by then.
      }
      doc.destroy();
    },
  };
}

/** Resolves when `promise` does, or rejects after `ms` with a readable message. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

// ------------------------------------------------------------------ raw sockets kept open

export interface OpenRaw {
  readonly ws: WebSocket;
  readonly frames: Buffer[];
  /** Resolves on open; rejects if the upgrade fails (with the HTTP status if any). */
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The HTTP status of a refused upgrade, once known. */
  readonly refusedStatus: () => number | null;
}

export function openRaw(url: string, headers: Record<string, string> = {}): OpenRaw {
  const ws = new WebSocket(url, { headers });
  const frames: Buffer[] = [];
  let status: number | null = null;
  ws.on('message', (d: Buffer) => frames.push(d));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      status = res.statusCode ?? null;
      reject(new Error(`upgrade refused with HTTP ${status}`));
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
  opened.catch(() => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('error', () => {});
  return { ws, frames, opened, closed, refusedStatus: () => status };
}

/**
 * A websocket client on a bare TCP socket that never answers the server's close frame,
 * as a hostile client may: it keeps sending after the server has closed its side.
 */
export interface StubbornSocket {
  readonly opened: Promise<void>;
  /** Resolves with the close code when the server's close frame arrives. */
  readonly closeFrame: Promise<number>;
  /** Binary frames received (payloads). */
  readonly frames: Buffer[];
  send(payload: Uint8Array): void;
  destroy(): void;
}

/** A masked client-to-server binary frame (RFC 6455 §5.2). */
function maskedFrame(payload: Uint8Array): Buffer {
  const mask = crypto.randomBytes(4);
  const len = payload.length;
  let header: Buffer;
  if (len < 126) header = Buffer.from([0x82, 0x80 | len]);
  else if (len < 65536) header = Buffer.from([0x82, 0x80 | 126, len >> 8, len & 0xff]);
  else {
    header = Buffer.alloc(10);
    header[0] = 0x82;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= mask[i % 4]!;
  return Buffer.concat([header, mask, masked]);
}

export function stubbornSocket(
  port: number,
  pathAndQuery: string,
  headers: Record<string, string> = {},
  /** Frames written in the same TCP write as the upgrade request, before any answer. */
  pipelined: Uint8Array[] = [],
): StubbornSocket {
  const sock = net.connect(port, '127.0.0.1');
  const key = crypto.randomBytes(16).toString('base64');
  const frames: Buffer[] = [];
  let buf = Buffer.alloc(0);
  let upgraded = false;
  let resolveOpen: () => void = () => {};
  let rejectOpen: (e: Error) => void = () => {};
  let resolveClose: (code: number) => void = () => {};
  const opened = new Promise<void>((res, rej) => ((resolveOpen = res), (rejectOpen = rej)));
  const closeFrame = new Promise<number>((res) => (resolveClose = res));
  opened.catch(() => {});
  sock.on('connect', () => {
    const extra = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    sock.write(
      Buffer.concat([
        Buffer.from(
          `GET ${pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
        ),
        ...pipelined.map(maskedFrame),
      ]),
    );
  });
  sock.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (!upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString();
      buf = buf.subarray(end + 4);
      if (!head.startsWith('HTTP/1.1 101')) {
        rejectOpen(new Error(head.split('\r\n')[0]));
        return;
      }
      upgraded = true;
      resolveOpen();
    }
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0]! & 0x0f;
      let len = buf[1]! & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        offset = 10;
      }
      if (buf.length < offset + len) return;
      const payload = buf.subarray(offset, offset + len);
      buf = buf.subarray(offset + len);
      if (opcode === 0x8) resolveClose(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
      else if (opcode === 0x2) frames.push(Buffer.from(payload));
    }
  });
  sock.on('error', () => {});
  sock.on('close', () => resolveClose(1006));
  return {
    opened,
    closeFrame,
    frames,
    send(payload: Uint8Array) {
      sock.write(maskedFrame(payload));
    },
    destroy: () => sock.destroy(),
  };
}

// ------------------------------------------------------------------ tokens and cookies

export async function tokenFor(
  server: Pick<RunningServer, 'dataDir'>,
  role: Role,
  stakeholderId: string | null,
  name?: string,
): Promise<{ who: TestIdentity; token: string }> {
  const who = identity(role, stakeholderId, name);
  return { who, token: await mintToken(server, who) };
}

/**
 * Tokens for `who` on `boardId` that the server must refuse, made from `good` (the control,
 * which it accepts): one with a signature byte flipped, one signed with another key, an
 * unsigned alg "none" token with the good one's claims, and one that has expired (this
 * waits the second it takes to expire).
 */
export async function badTokens(
  server: Pick<RunningServer, 'dataDir'>,
  who: TestIdentity,
  boardId = 'demo',
): Promise<{ good: string; flipped: string; foreignKey: string; algNone: string; expired: string }> {
  const good = await mintToken(server, who, boardId);
  const [h, p, sig] = good.split('.') as [string, string, string];
  const mid = Math.floor(sig.length / 2);
  const flipped = `${h}.${p}.${sig.slice(0, mid)}${sig[mid] === 'A' ? 'B' : 'A'}${sig.slice(mid + 1)}`;
  const foreignKey = await signAccessToken(new TextEncoder().encode('not-the-server-secret-'.repeat(3)), {
    userId: who.userId,
    boardId,
    role: who.role,
    stakeholderId: who.stakeholderId,
    name: who.name,
  });
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  const algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
  const expired = await mintToken(server, who, boardId, 1);
  const exp = (JSON.parse(Buffer.from(expired.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
  await waitFor(() => Date.now() >= exp * 1000 + 200, 'the one-second token to expire', 5_000);
  return { good, flipped, foreignKey, algNone, expired };
}

/** The `name=value` part of a response's session cookie, or null. */
export function sessionCookie(res: Response): string | null {
  const raw = res.headers.getSetCookie().find((c) => c.startsWith('parley_session='));
  if (!raw) return null;
  const pair = raw.split(';')[0]!;
  return pair === 'parley_session=' ? null : pair;
}

/** Signs in as a demo person through their one-click link; returns the session cookie. */
export async function demoCookie(server: RunningServer, role: Role, stakeholderId: string | null): Promise<string> {
  const link = demoLinks(server).find((l) => l.role === role && l.stakeholderId === stakeholderId);
  if (!link) throw new Error(`no demo link for ${role}/${stakeholderId}`);
  const res = await fetch(link.url.replace(/^https?:\/\/[^/]+/, server.url), { redirect: 'manual' });
  const cookie = sessionCookie(res);
  if (res.status !== 303 || !cookie) throw new Error(`demo sign-in failed with ${res.status}`);
  return cookie;
}

export async function postJson(
  server: RunningServer,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// ------------------------------------------------------------------ watching a board

export interface BoardWatch {
  /** An observer's replica of the board: what the room applied reaches it. */
  readonly watcher: StockClient;
  /**
   * An awareness round trip from a second observer through the board's room: frames the
   * room handled before it are visible on the watcher after it.
   */
  barrier(): Promise<void>;
  /** Disconnects both observers. */
  destroy(): void;
}

/** Two observers of `boardId` (by token), both synced: a watcher and a barrier sender. */
export async function watchBoard(
  server: Pick<RunningServer, 'wsUrl' | 'dataDir'>,
  boardId = 'demo',
): Promise<BoardWatch> {
  const observer = async () =>
    connectClient(server.wsUrl, boardId, { token: await mintToken(server, identity('observer', null), boardId) });
  const watcher = await observer();
  const sender = await observer();
  await Promise.all([watcher.synced, sender.synced]);
  let seq = 0;
  return {
    watcher,
    barrier: async () => {
      const n = ++seq;
      sender.provider.awareness.setLocalStateField('barrier', n);
      await waitFor(
        () =>
          (watcher.provider.awareness.getStates().get(sender.doc.clientID) as { barrier?: number } | undefined)
            ?.barrier === n,
        'the awareness barrier',
      );
    },
    destroy: () => {
      watcher.destroy();
      sender.destroy();
    },
  };
}

export { prng } from './prng.ts';
