import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CLOSE,
  CLOSE_ACTION,
  CLOSE_REASON,
  FATAL_CLOSE_CODES,
  closeAction,
  type CloseCode,
} from '@parley/shared/protocol';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The rows of docs/PROTOCOL.md's "Close codes" table, as their cells. */
function closeCodeRows(): string[][] {
  const lines = fs.readFileSync(path.join(REPO, 'docs/PROTOCOL.md'), 'utf8').split('\n');
  const start = lines.indexOf('## Close codes');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines
    .slice(start + 1, end)
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l))
    .slice(1) // the header
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

const ACTIONS = ['reconnect', 'reconnect-later', 'refresh-access', 'resync', 'sign-in', 'give-up'];

describe('close codes (unit: shared/src/protocol/closeCodes.ts)', () => {
  it('RULES1: every close code has a reason and an action, and PROTOCOL.md lists exactly the codes in CLOSE with their names and actions', () => {
    const codes = Object.values(CLOSE) as CloseCode[];
    expect(new Set(codes).size).toBe(codes.length);
    expect(Object.keys(CLOSE_ACTION).map(Number).sort()).toEqual([...codes].sort());
    expect(Object.keys(CLOSE_REASON).map(Number).sort()).toEqual([...codes].sort());
    for (const code of codes) expect(ACTIONS).toContain(CLOSE_ACTION[code]);
    // Codes the server does not name (the browser's 1006, ws's 1009) are retried.
    expect(closeAction(1006)).toBe('reconnect');
    expect(closeAction(1009)).toBe('reconnect');
    expect([...FATAL_CLOSE_CODES].sort()).toEqual(
      [CLOSE.unauthorized, CLOSE.unknownBoard, CLOSE.invalidDocName].sort(),
    );

    const documented = new Map<number, { name: string; action: string }>();
    for (const [code, name, , action] of closeCodeRows()) {
      // Rows such as 1009 "(ws)" are codes ws sends by itself, not the server's.
      const named = /^`(\w+)`$/.exec(name ?? '');
      if (!named) continue;
      expect(documented.has(Number(code)), `${code} listed twice`).toBe(false);
      documented.set(Number(code), { name: named[1]!, action: (action ?? '').replace(/`/g, '') });
    }
    const inCode = new Map(
      (Object.entries(CLOSE) as [string, CloseCode][]).map(([name, code]) => [
        code as number,
        { name, action: CLOSE_ACTION[code] as string },
      ]),
    );
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(inCode));
  });
});
