/**
 * When a comment's body shows folded (CONVUI5): past ~600 characters or 8 lines a comment
 * would fill a phone's screen, so it shows clipped to about that with "Show more". A body
 * only a little over the line is not folded: unfolding it would reveal a word or two.
 */
export const FOLD_CHARS = 600;
export const FOLD_LINES = 8;
/** How far past the character limit a body may go and still show whole. */
const SLACK_CHARS = 90;

export function shouldFold(body: string): boolean {
  if (body.length > FOLD_CHARS + SLACK_CHARS) return true;
  let lines = 1;
  for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) if (++lines > FOLD_LINES) return true;
  return false;
}
