/**
 * The app's routes: what a path shows. Pure, so the route table is tested without a page.
 */
export type Route =
  | { name: 'boards' }
  | { name: 'board'; boardId: string; view: BoardPage }
  | { name: 'record'; boardId: string }
  | { name: 'signin' }
  | { name: 'signup' }
  | { name: 'invite'; token: string }
  | { name: 'not-found'; path: string };

/** The query parameter of a search in a board: its results list and the words the open point marks. */
export const SEARCH_PARAM = 'q';

/** A point opened at one delegation's position (a matrix cell, a rationale's search hit): its row in view, its threads first. */
export const POSITION_PARAM = 'position';

/** A point opened at one comment (a search hit): its thread unfolded, the comment in view. */
export const COMMENT_PARAM = 'comment';

/** A point opened at one of its amendments (a row of the amendments page): that amendment in view. */
export const AMENDMENT_PARAM = 'amendment';

/**
 * A board's pages: its points (`/b/<id>`), the position matrix (`/b/<id>/matrix`), the
 * board's open amendments (`/b/<id>/amendments`) and its published versions, compared
 * (`/b/<id>/versions`).
 */
export type BoardPage = 'points' | 'matrix' | 'amendments' | 'versions';

const BOARD_PAGES: readonly BoardPage[] = ['matrix', 'amendments', 'versions'];

/** The query parameters of a comparison on the versions page: a version id, and a version id or `live`. */
export const COMPARE_FROM_PARAM = 'from';
export const COMPARE_TO_PARAM = 'to';

/** The path of a board's page. */
export function boardPath(boardId: string, page: BoardPage = 'points'): string {
  const base = `/b/${encodeURIComponent(boardId)}`;
  return page === 'points' ? base : `${base}/${page}`;
}

/**
 * The board's printable negotiation record (`/b/<id>/record`), against a version (`?from=`)
 * or, without one, the latest published version.
 */
export function recordPath(boardId: string, fromVersionId?: string): string {
  const base = `/b/${encodeURIComponent(boardId)}/record`;
  return fromVersionId ? `${base}?${new URLSearchParams({ [COMPARE_FROM_PARAM]: fromVersionId })}` : base;
}

/** Where an amendment opens: its point on the Points page, the amendment in view. */
export function amendmentPath(boardId: string, amendment: { pointId: string; id: string }): string {
  const params = new URLSearchParams({ point: amendment.pointId, [AMENDMENT_PARAM]: amendment.id });
  return `${boardPath(boardId)}?${params}`;
}

/** Where a search hit opens: its point, with the rationale's delegation or the comment in view and the words marked. */
export function hitPath(
  boardId: string,
  hit: { pointId: string; field: string; stakeholderId?: string; commentId?: string },
  query: string,
): string {
  const params = new URLSearchParams({
    point: hit.pointId,
    [SEARCH_PARAM]: query,
    ...(hit.field === 'rationale' && hit.stakeholderId ? { [POSITION_PARAM]: hit.stakeholderId } : {}),
    ...(hit.field === 'comment' && hit.commentId ? { [COMMENT_PARAM]: hit.commentId } : {}),
  });
  return `${boardPath(boardId)}?${params}`;
}

export function matchRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'boards' };
  if (pathname === '/signin' || pathname === '/signin/') return { name: 'signin' };
  if (pathname === '/signup' || pathname === '/signup/') return { name: 'signup' };
  const board = /^\/b\/([^/]+)(?:\/([a-z]+))?\/?$/.exec(pathname);
  if (board?.[1]) {
    const boardId = safeDecode(board[1]);
    if (board[2] === undefined) return { name: 'board', boardId, view: 'points' };
    const view = BOARD_PAGES.find((p) => p === board[2]);
    if (view) return { name: 'board', boardId, view };
    if (board[2] === 'record') return { name: 'record', boardId };
  }
  const invite = /^\/invite\/([^/]+)\/?$/.exec(pathname);
  if (invite?.[1]) return { name: 'invite', token: safeDecode(invite[1]) };
  return { name: 'not-found', path: pathname };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
