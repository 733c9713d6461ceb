import { describe, expect, it } from 'vitest';
import { MAX_DOC_NAME_LENGTH, isValidBoardId, parseDocName, privateDocName } from '@parley/shared/protocol';

describe('DOCNAME1: valid document names', () => {
  it('DOCNAME1: a board id names the board doc', () => {
    expect(parseDocName('demo')).toEqual({ kind: 'board', boardId: 'demo' });
    expect(parseDocName('a')).toEqual({ kind: 'board', boardId: 'a' });
    expect(parseDocName('0-board-2')).toEqual({ kind: 'board', boardId: '0-board-2' });
  });

  it("DOCNAME1: board~stakeholder names a stakeholder's private doc", () => {
    expect(parseDocName('demo~ukraine')).toEqual({ kind: 'private', boardId: 'demo', stakeholderId: 'ukraine' });
    expect(parseDocName('b1~gov-2')).toEqual({ kind: 'private', boardId: 'b1', stakeholderId: 'gov-2' });
  });

  it('DOCNAME1: long names within the limits are accepted', () => {
    // BOARD_ID_PATTERN allows 63 characters (MAX_DOC_NAME_LENGTH budgets 64; see report).
    const board = 'b'.repeat(63);
    const sh = 's'.repeat(32);
    expect(parseDocName(board)).toEqual({ kind: 'board', boardId: board });
    expect(parseDocName(`${board}~${sh}`)).toEqual({ kind: 'private', boardId: board, stakeholderId: sh });
    expect(`${board}~${sh}`.length).toBeLessThanOrEqual(MAX_DOC_NAME_LENGTH);
  });

  it('DOCNAME1: privateDocName round-trips through parseDocName', () => {
    expect(parseDocName(privateDocName('demo', 'ukraine'))).toEqual({
      kind: 'private',
      boardId: 'demo',
      stakeholderId: 'ukraine',
    });
  });
});

describe('DOCNAME2: refused document names', () => {
  it.each([
    ['empty', ''],
    ['parent path', '../x'],
    ['dot dot', '..'],
    ['single dot', '.'],
    ['url-encoded dots', '%2e%2e'],
    ['url-encoded slash', 'a%2fb'],
    ['slash', 'a/b'],
    ['backslash', 'a\\b'],
    ['absolute path', '/etc/passwd'],
    ['NUL byte', 'demo\u0000'],
    ['NUL inside', 'de\u0000mo'],
    ['newline', 'demo\n'],
    ['trailing space', 'demo '],
    ['uppercase', 'Demo'],
    ['uppercase stakeholder', 'demo~Ukraine'],
    ['non-ASCII letter', 'démo'],
    ['zero-width space', 'de\u200bmo'],
    ['fullwidth letters', 'ｄｅｍｏ'],
    ['leading dash', '-demo'],
    ['leading dash stakeholder', 'demo~-x'],
    ['underscore', 'de_mo'],
    ['dot', 'demo.json'],
    ['5,000 characters', 'a'.repeat(5_000)],
    ['65-char board id', 'b'.repeat(65)],
    ['33-char stakeholder id', `demo~${'s'.repeat(33)}`],
    ['two tildes', 'a~b~c'],
    ['empty stakeholder', 'demo~'],
    ['empty board', '~ukraine'],
    ['only a tilde', '~'],
  ])('DOCNAME2: refuses %s', (_label, name) => {
    expect(parseDocName(name)).toBeNull();
  });

  it('DOCNAME2: isValidBoardId agrees with the board part of parseDocName', () => {
    for (const id of ['demo', 'a', 'b'.repeat(63), '0-x']) expect(isValidBoardId(id)).toBe(true);
    for (const id of ['', 'Demo', 'a/b', '..', 'demo~x', 'b'.repeat(65), '-a', 'a\u0000']) {
      expect(isValidBoardId(id)).toBe(false);
    }
  });
});
