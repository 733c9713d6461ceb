import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { MESSAGE, SYNC } from '@parley/shared/protocol';
import { WsTransport } from './wsTransport.ts';

/** How each server frames the y-sync protocol. */
export type Flavor = 'parley' | 'reference' | 'hocuspocus';

/** Hocuspocus message types (packages/common): sync replies and auth differ from y-websocket. */
const HOCUSPOCUS = { sync: 0, auth: 2, syncReply: 4, authToken: 0 } as const;

export interface ClientOptions {
  readonly flavor: Flavor;
  /** ws://host:port */
  readonly baseUrl: string;
  readonly docName: string;
  readonly token?: string;
  /** Apply every update received (an "observer"); otherwise only the initial sync. */
  readonly decode: boolean;
  /** Ask Parley for durable-save acknowledgements. */
  readonly savedAcks?: boolean;
}

/**
 * One load-generator client speaking y-sync to any of the three servers. It owns a Y.Doc
 * that outlives connections (so it can go offline and merge back), applies the initial
 * sync always and later updates only when decoding, and reports when updates arrive.
 */
export class SyncClient {
  readonly doc = new Y.Doc();
  transport: WsTransport | null = null;
  /** Called after a received update is applied (decoding clients only). */
  onApplied: (update: Uint8Array) => void = () => undefined;
  onSaved: (count: number) => void = () => undefined;
  private syncedResolve: (() => void) | null = null;
  private synced = false;
  private readonly prefix: Uint8Array;
  framesReceived = 0;

  constructor(readonly opts: ClientOptions) {
    const e = encoding.createEncoder();
    if (opts.flavor === 'hocuspocus') encoding.writeVarString(e, opts.docName);
    this.prefix = encoding.toUint8Array(e);
    // Local edits go out as they happen, like a provider's.
    this.doc.on('update', this.sendLocalUpdate);
  }

  /** While set, local edits are encoded into it instead of sent (see `prepare`). */
  private held: Uint8Array[] | null = null;

  private readonly sendLocalUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return;
    if (this.held) this.held.push(this.syncFrame(SYNC.update, update));
    else this.sendSync(SYNC.update, update);
  };

  /**
   * Makes edits now and returns their update frames, for `sendPrepared` to send later: a
   * load generator makes a run's edits before the run, so that making them (Yjs
   * transactions, encoding) costs nothing while it is measured. Only for a client that does
   * not decode what it receives, whose doc then changes by its own edits alone.
   */
  prepare(make: () => void): Uint8Array[] {
    const frames: Uint8Array[] = [];
    this.held = frames;
    try {
      make();
    } finally {
      this.held = null;
    }
    return frames;
  }

  /** Sends frames from `prepare`; false when the connection is closed. */
  sendPrepared(frames: readonly Uint8Array[]): boolean {
    if (!this.transport?.isOpen) return false;
    for (const frame of frames) this.transport.send(frame);
    return true;
  }

  /**
   * Applies a received update with the 'update' listener detached: Yjs re-encodes every
   * transaction for 'update' listeners, which would double an observer's decoding cost.
   */
  private applyRemote(update: Uint8Array): void {
    this.doc.off('update', this.sendLocalUpdate);
    try {
      Y.applyUpdate(this.doc, update, this);
    } finally {
      this.doc.on('update', this.sendLocalUpdate);
    }
  }

  get url(): string {
    const { flavor, baseUrl, docName, token } = this.opts;
    if (flavor === 'parley') return `${baseUrl}/yjs/${docName}?token=${encodeURIComponent(token ?? '')}`;
    if (flavor === 'hocuspocus') return `${baseUrl}/`;
    return `${baseUrl}/${docName}`;
  }

  /** Connects and resolves once the server's sync step 2 has been applied. */
  async connect(): Promise<void> {
    this.synced = false;
    const transport = await WsTransport.connect(this.url);
    this.transport = transport;
    transport.onMessage = (payload) => this.receive(payload);
    const done = new Promise<void>((resolve, reject) => {
      this.syncedResolve = resolve;
      transport.onClose = () => {
        if (!this.synced) reject(new Error(`${this.opts.flavor}: connection closed before sync`));
      };
    });
    if (this.opts.flavor === 'hocuspocus') {
      const e = this.frame(HOCUSPOCUS.auth);
      encoding.writeVarUint(e, HOCUSPOCUS.authToken);
      encoding.writeVarString(e, this.opts.token ?? 'bench');
      transport.send(encoding.toUint8Array(e));
    }
    if (this.opts.savedAcks) transport.send(encoding.toUint8Array(this.frame(MESSAGE.subscribeSaved)));
    this.sendSync(SYNC.step1, Y.encodeStateVector(this.doc));
    await done;
    transport.wantPayloads = this.opts.decode;
    // Parley's message types are one-byte varUints: its saved acks can be picked out of the
    // counted frames by their first byte, without handing out every fan-out payload.
    if (this.opts.savedAcks) transport.keepFirstBytes = new Set([MESSAGE.saved]);
  }

  disconnect(): void {
    this.transport?.destroy();
    this.transport = null;
  }

  destroy(): void {
    this.transport?.close();
    this.transport = null;
    this.doc.destroy();
  }

  get framesCounted(): number {
    return (this.transport?.framesReceived ?? 0) + this.framesReceived;
  }

  private frame(type: number): encoding.Encoder {
    const e = encoding.createEncoder();
    encoding.writeUint8Array(e, this.prefix);
    encoding.writeVarUint(e, type);
    return e;
  }

  private syncFrame(sub: number, data: Uint8Array): Uint8Array {
    const e = this.frame(MESSAGE.sync);
    encoding.writeVarUint(e, sub);
    encoding.writeVarUint8Array(e, data);
    return encoding.toUint8Array(e);
  }

  private sendSync(sub: number, data: Uint8Array): void {
    if (!this.transport?.isOpen) return;
    this.transport.send(this.syncFrame(sub, data));
  }

  private receive(payload: Uint8Array): void {
    const d = decoding.createDecoder(payload);
    if (this.opts.flavor === 'hocuspocus') decoding.readVarString(d);
    const type = decoding.readVarUint(d);
    if (type === MESSAGE.saved) {
      this.onSaved(decoding.readVarUint(d));
      return;
    }
    const isSync = type === MESSAGE.sync || (this.opts.flavor === 'hocuspocus' && type === HOCUSPOCUS.syncReply);
    if (!isSync) return; // awareness, auth replies, sync status: not measured
    const sub = decoding.readVarUint(d);
    const data = decoding.readVarUint8Array(d);
    if (sub === SYNC.step1) {
      this.sendSync(SYNC.step2, Y.encodeStateAsUpdate(this.doc, data));
      return;
    }
    if (!this.synced && sub === SYNC.step2) {
      this.applyRemote(data);
      this.synced = true;
      this.syncedResolve?.();
      return;
    }
    if (this.opts.decode) {
      this.applyRemote(data);
      this.onApplied(data);
    }
  }
}
