import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestHandler } from 'express';
import { YJS_PATH_PREFIX, parseDocName } from '@parley/shared/protocol';
import { HttpError } from '../http/errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { OwnerUnknownError, type BoardLocation, type BoardOwnership } from './BoardOwnership.ts';
import { forwardRequest, forwardUpgrade } from './forwardToOwner.ts';
import type { PeerKey } from './peerForwarding.ts';

/** Paths under /api/boards/ that name no board (the import route). */
const NOT_BOARD_IDS = new Set(['import']);

/**
 * Sends each board's clients to the instance that serves it: a websocket or a board route
 * that arrives here for a board another instance owns is passed on to that instance, once
 * (a forwarded one is never forwarded again; if ownership moved meanwhile it is refused
 * with "try again" and the client's retry finds the new owner). Everything else is
 * served here, and loading a board here takes its lease.
 */
export class OwnerRouting {
  private openForwards = 0;

  constructor(
    private readonly ownership: BoardOwnership,
    private readonly peers: PeerKey,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {}

  get forwardsOpen(): number {
    return this.openForwards;
  }

  /**
   * Takes a `/yjs/<doc>` upgrade: forwards it to the board's owner, or hands it to `serve`
   * here. Returns false for any other path.
   */
  handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    serve: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
  ): boolean {
    const rawPath = (req.url ?? '/').split('?', 1)[0]!;
    if (!rawPath.startsWith(`${YJS_PATH_PREFIX}/`)) return false;
    const boardId = parseDocName(rawPath.slice(YJS_PATH_PREFIX.length + 1))?.boardId;
    if (boardId === undefined || this.peers.verify(req.headers)) {
      serve(req, socket, head);
      return true;
    }
    this.locate(boardId).then(
      (where) => {
        if (socket.destroyed) return;
        if (where.kind === 'here') {
          serve(req, socket, head);
          return;
        }
        this.metrics?.forwardedConnections.inc();
        this.openForwards++;
        socket.once('close', () => this.openForwards--);
        forwardUpgrade(req, socket, head, where.owner.url, this.signFor(req), () => {
          this.metrics?.forwardFailures.inc();
          this.log.warn({ boardId, owner: where.owner.url }, 'could not reach the instance serving a board');
        });
      },
      () => socket.destroy(),
    );
    return true;
  }

  /** Express middleware for `/api/boards/:boardId…`: mounted before any body parser. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const boardId = req.params['boardId'];
      if (typeof boardId !== 'string' || NOT_BOARD_IDS.has(boardId) || this.peers.verify(req.headers)) {
        next();
        return;
      }
      this.locate(boardId).then((where) => {
        if (where.kind === 'here') {
          next();
          return;
        }
        this.metrics?.forwardedRequests.inc();
        forwardRequest(req, res, req.originalUrl, where.owner.url, this.signFor(req), () => {
          this.metrics?.forwardFailures.inc();
          next(new HttpError(503, 'owner_unreachable', 'The server holding this board cannot be reached; try again.'));
        });
      }, next);
    };
  }

  /** Where to serve a board; if Redis cannot say, here (loading it will then refuse with 1013/503). */
  private async locate(boardId: string): Promise<BoardLocation> {
    try {
      return await this.ownership.locate(boardId);
    } catch (err) {
      if (err instanceof OwnerUnknownError) return { kind: 'here' };
      throw err;
    }
  }

  private signFor(req: IncomingMessage): string {
    return this.peers.sign(this.ownership.self.id, req.socket.remoteAddress ?? 'unknown');
  }
}
