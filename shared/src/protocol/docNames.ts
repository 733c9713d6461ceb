/**
 * Document names. A board doc is named by its board id; a stakeholder's private notes doc
 * is `<boardId>~<stakeholderId>`. The pattern is strict (lowercase ASCII, digits, dash) so
 * a name can never be a path, an escape or an invisible character.
 */
export const BOARD_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62})$/;
export const STAKEHOLDER_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,31})$/;
/** What BOARD_ID_PATTERN and STAKEHOLDER_ID_PATTERN allow, in words for error messages. */
export const ID_CHARACTERS = 'lowercase letters, digits and dashes';
/** The error for a board id that does not match BOARD_ID_PATTERN. */
export const INVALID_BOARD_ID_MESSAGE = `Board ids are ${ID_CHARACTERS}`;
/** The longest board id, `~`, and the longest stakeholder id. */
export const MAX_DOC_NAME_LENGTH = 63 + 1 + 32;

export type DocName = { kind: 'board'; boardId: string } | { kind: 'private'; boardId: string; stakeholderId: string };

export function parseDocName(name: string): DocName | null {
  if (name.length === 0 || name.length > MAX_DOC_NAME_LENGTH) return null;
  const parts = name.split('~');
  const [boardId, stakeholderId] = parts;
  if (parts.length > 2 || boardId === undefined || !BOARD_ID_PATTERN.test(boardId)) return null;
  if (stakeholderId === undefined) return { kind: 'board', boardId };
  if (!STAKEHOLDER_ID_PATTERN.test(stakeholderId)) return null;
  return { kind: 'private', boardId, stakeholderId };
}

export function isValidBoardId(id: string): boolean {
  return BOARD_ID_PATTERN.test(id);
}

export function privateDocName(boardId: string, stakeholderId: string): string {
  return `${boardId}~${stakeholderId}`;
}
