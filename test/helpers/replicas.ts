import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { MESSAGE, YJS_PATH_PREFIX, subscribeSavedFrame } from '@parley/shared/protocol';

/**
 * Helpers for the reliability tests (CONV*, CRASH*): stock y-websocket providers on a
 * caller-owned `Y.Doc` (so a replica can outlive its connection and even its server), and
 * an exact ledger of which content each "saved" acknowledgement covers.
 */

/** A terminal close the stock provider received (4400–4499: it stops reconnecting). */
export interface TerminalClose {
  readonly code: number;
  readonly reason: string;
}

export interface Replica {
  readonly doc: Y.Doc;
  provider: WebsocketProvider;
  /** Terminal closes seen by any provider of this replica; tests assert it stays empty. */
  readonly terminalCloses: TerminalClose[];
}

/**
 * A stock `WebsocketProvider` (with `ws`, no BroadcastChannel) on an existing doc. Records
 * terminal closes (the stock provider gives up after a 44xx close, which would otherwise
 * surface only as a convergence timeout).
 */
export function attachProvider(
  wsUrl: string,
  docName: string,
  doc: Y.Doc,
  params: Record<string, string>,
  terminalCloses: TerminalClose[],
  opts: { connect?: boolean } = {},
): WebsocketProvider {
  const provider = new WebsocketProvider(`${wsUrl}${YJS_PATH_PREFIX}`, docName, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params,
    disableBc: true,
    connect: opts.connect ?? true,
    // Keep reconnect backoff short: the tests wait on conditions, not on fixed sleeps.
    maxBackoffTime: 500,
  });
  provider.on('closed', (event: { code: number; reason: string }) => {
    terminalCloses.push({ code: event.code, reason: event.reason });
  });
  return provider;
}

export function newReplica(wsUrl: string, docName: string, params: Record<string, string>): Replica {
  const doc = new Y.Doc();
  const terminalCloses: TerminalClose[] = [];
  return { doc, terminalCloses, provider: attachProvider(wsUrl, docName, doc, params, terminalCloses) };
}

/**
 * Resolves once the provider finished a sync with the server on its current connection;
 * rejects after `timeoutMs` (saying how the provider's connections ended) instead of hanging.
 */
export function synced(provider: WebsocketProvider, timeoutMs = 20_000): Promise<void> {
  if (provider.synced) return Promise.resolve();
  const closes: string[] = [];
  const onClose = (event: { code: number; reason: string } | null) =>
    closes.push(event ? `${event.code} ${event.reason}` : 'closed locally');
  provider.on('connection-close', onClose);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      provider.off('sync', on);
      reject(
        new Error(
          `provider did not sync within ${timeoutMs} ms (${provider.url}; connected=${provider.wsconnected}; ` +
            `closes: ${closes.join(', ') || 'none'})`,
        ),
      );
    }, timeoutMs);
    const on = (isSynced: boolean) => {
      if (!isSynced) return;
      provider.off('sync', on);
      clearTimeout(timer);
      resolve();
    };
    provider.on('sync', on);
  }).finally(() => provider.off('connection-close', onClose));
}

/**
 * Same state vector and same delete set: the replicas hold the same document. (Equal state
 * vectors alone are not enough: a deletion adds no clock, so a replica that has not yet
 * received one still has the same state vector.)
 */
export function sameState(a: Y.Doc, b: Y.Doc): boolean {
  return Y.equalSnapshots(Y.snapshot(a), Y.snapshot(b));
}

export function stateVectorOf(doc: Y.Doc): string {
  return Buffer.from(Y.encodeStateVector(doc)).toString('hex');
}

/** A readable state vector ({ clientId: clock }) for failure messages. */
export function describeStateVector(doc: Y.Doc): string {
  return JSON.stringify(Object.fromEntries(Y.decodeStateVector(Y.encodeStateVector(doc))));
}

// ------------------------------------------------------------------------- saved ledger

/** One websocket connection of a provider, as the ledger sees it. */
interface LedgerConnection {
  readonly ws: WebSocket;
  /** Labels carried by each update-bearing message sent on this connection, in order. */
  readonly sent: string[][];
  /** The latest `saved` count received on this connection. */
  acked: number;
}

export interface SavedLedger {
  /** Every label whose carrying message the server acknowledged as durably stored. */
  acknowledged(): Set<string>;
  /** Update-bearing messages sent and acknowledged, over all connections so far. */
  totals(): { sent: number; acked: number; connections: number };
  /** Every label carried by an update-bearing message sent so far, over all connections. */
  sentLabels(): Set<string>;
  /** Acks that broke the protocol (beyond what was sent, or going backwards). */
  readonly violations: readonly string[];
  /** Whether every update-bearing message sent on the current connection is acknowledged. */
  allAcked(): boolean;
}

/**
 * Records, for one provider, exactly which content each durable "saved" acknowledgement
 * covers (PROTOCOL.md, "Durable saved acknowledgements").
 *
 * Mapping. The ack count k on a connection covers the first k update-bearing messages the
 * client sent on that connection (sync step 2 and update, counted from 1). Rather than
 * infer what each message carried from the order of local transactions (fragile: the
 * stock provider may send an update before its sync step 2 when a local edit lands between
 * the socket opening and the server's sync step 1), the ledger wraps the socket's `send`
 * and decodes every outgoing sync step 2 / update, and `labelsOf` extracts the labels
 * (e.g. unique words) from the update's inserted content. A label is acknowledged when a
 * message that carried it is covered by an ack on the connection it was sent on. Counts
 * restart with each connection, so the ledger keeps one record per socket.
 *
 * The provider's `ws` is wrapped when the provider emits `status: connecting` (right after
 * it created the socket, before it can send anything).
 */
export function savedLedger(provider: WebsocketProvider, labelsOf: (update: Uint8Array) => string[]): SavedLedger {
  const connections: LedgerConnection[] = [];
  const acknowledged = new Set<string>();
  const violations: string[] = [];
  const current = () => connections.find((c) => c.ws === (provider.ws as unknown as WebSocket));

  const attach = () => {
    const ws = provider.ws as unknown as WebSocket | null;
    if (!ws || connections.some((c) => c.ws === ws)) return;
    const record: LedgerConnection = { ws, sent: [], acked: 0 };
    connections.push(record);
    const send = ws.send.bind(ws) as (data: Uint8Array) => void;
    (ws as unknown as { send: (data: Uint8Array) => void }).send = (data: Uint8Array) => {
      const bytes = data instanceof Uint8Array ? data : new Uint8Array(data as ArrayBuffer);
      const d = decoding.createDecoder(bytes);
      if (decoding.readVarUint(d) === 0) {
        const syncType = decoding.readVarUint(d);
        if (syncType === 1 || syncType === 2) record.sent.push(labelsOf(decoding.readVarUint8Array(d)));
      }
      send(data);
    };
  };
  provider.on('status', ({ status }: { status: string }) => {
    if (status === 'connecting') attach();
    if (status === 'connected') {
      attach();
      provider.ws?.send(subscribeSavedFrame());
    }
  });
  attach();
  if (provider.wsconnected) {
    provider.ws?.send(subscribeSavedFrame());
  }
  // The stock provider ignores frames from sockets it has let go of, so an ack always
  // belongs to the provider's current socket.
  provider.messageHandlers[MESSAGE.saved] = (_encoder, decoder) => {
    const count = decoding.readVarUint(decoder);
    const record = current();
    if (!record) return;
    if (count > record.sent.length || count < record.acked) {
      violations.push(`ack ${count} after ${record.acked}, with ${record.sent.length} update messages sent`);
    }
    for (let i = record.acked; i < Math.min(count, record.sent.length); i++)
      for (const label of record.sent[i]!) acknowledged.add(label);
    record.acked = Math.max(record.acked, count);
  };

  return {
    acknowledged: () => acknowledged,
    violations,
    sentLabels: () => new Set(connections.flatMap((c) => c.sent.flat())),
    totals: () => ({
      sent: connections.reduce((n, c) => n + c.sent.length, 0),
      acked: connections.reduce((n, c) => n + c.acked, 0),
      connections: connections.length,
    }),
    allAcked: () => {
      const record = current();
      return record !== undefined && provider.wsconnected && record.acked === record.sent.length;
    },
  };
}

/** Every string inserted by an update (Y.Text runs, map/array string values). */
export function insertedStrings(update: Uint8Array): string[] {
  const out: string[] = [];
  for (const s of Y.decodeUpdate(update).structs) {
    if (!(s instanceof Y.Item)) continue;
    const content = s.content;
    if (content instanceof Y.ContentString) out.push(content.str);
  }
  return out;
}
