import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CommittedRelay } from '../../server/src/collab/relay/CommittedRelay.ts';
import type { Connection } from '../../server/src/collab/endpoint/Connection.ts';
import { spanOf, type TransactionSpan } from '../../server/src/collab/relay/transactionSpans.ts';
import type { WireFrame } from '../../server/src/collab/endpoint/wsFrame.ts';

/** What one connection was sent, write by write. */
type Write = { kind: 'alone' | 'together'; frames: string[] };

/** The relay's side of a Connection: it asked for saved acks and is sent frames. */
function fakeConnection(name: string) {
  const writes: Write[] = [];
  const label = (frame: Uint8Array) => (frame[0] === 100 ? `ack ${frame[1]}` : 'update');
  const conn = {
    name,
    writes,
    wantsSavedAcks: true,
    send(frame: Uint8Array) {
      writes.push({ kind: 'alone', frames: [label(frame)] });
    },
    sendFrames(frames: WireFrame[]) {
      writes.push({ kind: frames.length > 1 ? 'together' : 'alone', frames: frames.map((f) => label(f.payload)) });
    },
  };
  return conn;
}

function edit(doc: Y.Doc, text: string): { update: Uint8Array; span: TransactionSpan } {
  let update: Uint8Array | null = null;
  let span: TransactionSpan | null = null;
  const onUpdate = (u: Uint8Array) => (update = u);
  const onTransaction = (tr: Y.Transaction) => (span = spanOf(tr));
  doc.on('update', onUpdate);
  doc.on('afterTransaction', onTransaction);
  doc.getText('t').insert(0, text);
  doc.off('update', onUpdate);
  doc.off('afterTransaction', onTransaction);
  return { update: update!, span: span! };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 40));

describe('saved acks ride the relay', () => {
  it('RELAY6 an ack owed while a flush is pending goes out in the same write as that connection’s relay frame; the unechoed sender gets its ack alone; with no flush pending an ack goes out at once', async () => {
    const doc = new Y.Doc();
    const a = fakeConnection('a');
    const b = fakeConnection('b');
    const c = fakeConnection('c');
    const recipients = new Set([a, b, c] as unknown as Connection[]);
    // 3 connections at 100 frames/s: a flush waits out a 16 ms window after the last one.
    const relay = new CommittedRelay(doc, recipients, 100, () => undefined);
    const asConn = (x: typeof a) => x as unknown as Connection;

    // A first commit flushes at once (no flush before it), so a later one waits for the window.
    const first = edit(doc, 'one ');
    relay.add(first.update, first.span, asConn(a), Promise.resolve());
    await new Promise((resolve) => setImmediate(resolve));
    expect(b.writes).toEqual([{ kind: 'alone', frames: ['update'] }]);
    for (const x of [a, b, c]) x.writes.length = 0;

    const second = edit(doc, 'two ');
    relay.add(second.update, second.span, asConn(a), Promise.resolve());
    await new Promise((resolve) => setImmediate(resolve));
    // a's two messages and b's one are stored: their acks become due while the flush waits.
    relay.trackSaved(asConn(a), Promise.resolve());
    relay.trackSaved(asConn(a), Promise.resolve());
    relay.trackSaved(asConn(b), Promise.resolve());
    // Nothing is written until the window ends: the acks wait for the frame.
    expect(a.writes).toEqual([]);
    expect(b.writes).toEqual([]);
    await settle();
    expect(b.writes).toEqual([{ kind: 'together', frames: ['ack 1', 'update'] }]);
    expect(c.writes).toEqual([{ kind: 'alone', frames: ['update'] }]);
    // a sent the only update of the batch, so it gets no echo, but still its ack.
    expect(a.writes).toEqual([{ kind: 'alone', frames: ['ack 2'] }]);

    // The window has passed, so the next commit flushes at once; an ack that the same
    // commit makes due a few promise steps later (a connection's ack chain) still rides
    // that flush.
    await settle();
    for (const x of [a, b, c]) x.writes.length = 0;
    const third = edit(doc, 'three ');
    const stored = Promise.resolve();
    relay.add(third.update, third.span, asConn(b), stored);
    relay.trackSaved(asConn(c), stored);
    await settle();
    expect(c.writes).toEqual([{ kind: 'together', frames: ['ack 1', 'update'] }]);
    expect(a.writes).toEqual([{ kind: 'alone', frames: ['update'] }]);

    // No flush pending: the ack goes out alone, once its store promise has resolved.
    relay.trackSaved(asConn(c), Promise.resolve());
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.writes.at(-1)).toEqual({ kind: 'alone', frames: ['ack 2'] });
    relay.close();
    doc.destroy();
  });
});
