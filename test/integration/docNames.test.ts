import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { CLOSE } from '@parley/shared/protocol';
import { encodeSyncStep1 } from '../../server/src/collab/codec/messageCodec.ts';
import { rawSession } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { identity, mintToken } from '../helpers/tokens.ts';

describe('document names', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  const storedDocs = () => {
    const db = new Database(path.join(server.dataDir, 'parley.sqlite'), { readonly: true });
    try {
      return (db.prepare('SELECT DISTINCT doc FROM updates').pluck().all() as string[]).sort();
    } finally {
      db.close();
    }
  };

  const invalid: [string, string][] = [
    ['../x', '../x'],
    ['an empty name', ''],
    ['a 5,000-character name', 'a'.repeat(5000)],
    ['a percent-encoded dot-dot', '%2e%2e'],
    ['an encoded slash', 'demo%2fx'],
    ['a NUL byte', 'demo%00'],
    ['upper case', 'Demo'],
    ['a nested path', 'demo/extra'],
    ['a private-notes name with a traversal', 'demo~../x'],
  ];

  it.each(invalid)('NAME1: %s is refused with the invalid-name close code before any data', async (_label, name) => {
    const result = await rawSession(
      `${server.wsUrl}/yjs/x`,
      [encodeSyncStep1(new Y.Doc())],
      10_000,
      `/yjs/${name}?token=t`,
    );
    expect(result.closeCode).toBe(CLOSE.invalidDocName);
    expect(result.frames).toHaveLength(0);
  });

  it('NAME2: an unknown board is refused with the unknown-board close code, and no doc is created', async () => {
    const before = storedDocs();
    const token = await mintToken(server, identity('owner', 'us'), 'no-such-board');
    const result = await rawSession(`${server.wsUrl}/yjs/no-such-board?token=${token}`, [encodeSyncStep1(new Y.Doc())]);
    expect(result.closeCode).toBe(CLOSE.unknownBoard);
    expect(result.frames).toHaveLength(0);
    expect(storedDocs()).toEqual(before);
    expect(before).toEqual(['demo']);
    const db = new Database(path.join(server.dataDir, 'parley.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT id FROM boards').pluck().all()).toEqual(['demo']);
    } finally {
      db.close();
    }
    expect(fs.readdirSync(server.dataDir).every((f) => f.startsWith('parley.sqlite') || f === 'signing-secret')).toBe(
      true,
    );
  });

  it('NAME3: a websocket upgrade outside /yjs is refused', async () => {
    await expect(rawSession(`${server.wsUrl}/other/demo`, [], 5_000)).resolves.toMatchObject({ closeCode: 1006 });
  });
});
