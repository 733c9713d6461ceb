import * as awarenessProtocol from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { awarenessUserFor, type AwarenessUser } from '@parley/shared/protocol';
import { ROOT, STAKEHOLDER } from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import { pinAwarenessUpdate } from '../codec/awarenessPinning.ts';
import type { Connection } from '../endpoint/Connection.ts';
import { encodeAwareness } from '../codec/messageCodec.ts';

/** Awareness client ids one connection may speak for. */
export const MAX_AWARENESS_IDS_PER_CONNECTION = 4;

/**
 * Who is in a room: the y-protocols awareness states of its connections, each pinned to
 * the connection's authenticated user (identity is the server's to say, never the
 * client's), relayed to everyone at once.
 */
export class RoomPresence {
  readonly awareness: awarenessProtocol.Awareness;
  /** Which connection owns each awareness client id in this room. */
  private readonly owners = new Map<number, Connection>();

  constructor(
    doc: Y.Doc,
    private readonly connections: ReadonlySet<Connection>,
    /** The board doc (a private-notes room's too), to colour people by their stakeholder. */
    private readonly boardDoc: Y.Doc,
  ) {
    this.awareness = new awarenessProtocol.Awareness(doc);
    // The server is not a participant: it publishes no awareness state of its own.
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onUpdate);
  }

  /** Sends a joiner (or a client that asked) everyone present, if anyone is. */
  greet(conn: Connection, evenIfEmpty = false): void {
    const present = [...this.awareness.getStates().keys()];
    if (present.length > 0 || evenIfEmpty) conn.send(encodeAwareness(this.awareness, present));
  }

  /**
   * Applies a connection's awareness update once pinned to its user; entries for ids the
   * connection does not own (stock clients echo everyone's changes back) are dropped, and
   * `charge` (the message budget) is asked only when something is left.
   */
  receive(conn: Connection, principal: Principal, update: Uint8Array, charge: () => boolean): void {
    const pinned = pinAwarenessUpdate(update, this.pinnedUser(principal), (id) => this.claim(conn, id));
    if (pinned && charge()) awarenessProtocol.applyAwarenessUpdate(this.awareness, pinned, conn);
  }

  /** A connection left: its states go, and its ids are free again. */
  leave(conn: Connection): void {
    for (const id of conn.awarenessClientIds) {
      if (this.owners.get(id) === conn) this.owners.delete(id);
    }
    if (conn.awarenessClientIds.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...conn.awarenessClientIds], null);
    }
  }

  destroy(): void {
    this.awareness.destroy();
  }

  /** A connection may speak only for awareness ids it owns; the first free one is its own. */
  private claim(conn: Connection, clientId: number): boolean {
    const owner = this.owners.get(clientId);
    if (owner === conn) return true;
    if (owner !== undefined && owner.isOpen) return false;
    // One tab publishes one id; a few more cover a doc recreated in the same connection.
    // Without a cap one socket could fill everyone's presence list with made-up people.
    if (conn.awarenessClientIds.size >= MAX_AWARENESS_IDS_PER_CONNECTION) return false;
    // A client reuses its id after reconnecting; a closed owner no longer holds it.
    this.owners.set(clientId, conn);
    conn.awarenessClientIds.add(clientId);
    return true;
  }

  /** The identity the server shows for a principal in presence and remote cursors. */
  private pinnedUser(principal: Principal): AwarenessUser {
    const sid = principal.stakeholderId ?? '';
    const stakeholder = this.boardDoc.getMap<Y.Map<unknown>>(ROOT.stakeholders).get(sid);
    return awarenessUserFor(principal, stakeholder?.get(STAKEHOLDER.color));
  }

  private readonly onUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = [...change.added, ...change.updated, ...change.removed];
    if (changed.length === 0) return;
    if (origin && typeof origin === 'object' && 'awarenessClientIds' in origin) {
      for (const id of change.removed) (origin as Connection).awarenessClientIds.delete(id);
    }
    const frame = encodeAwareness(this.awareness, changed);
    for (const conn of this.connections) conn.send(frame);
  };
}
