/**
 * Which lines of a long grid to put in the DOM: those in the scroll box's view plus an
 * overscan on each side, and the line holding focus wherever it is (removing the focused
 * element would drop focus to the page); with the height of the lines left out between
 * them, which the grid fills with spacers so that its scrollbar is that of every line. A 500-point matrix
 * is 4,500 cells, and laying them out and painting them took most of a second; the view
 * holds a few hundred. Every line has a fixed height (the grid's CSS takes it from here),
 * so nothing needs measuring.
 */

/** The height of a point's row and of a category's heading row, in px. */
export const LINE_PX = { row: 36, section: 60 } as const;

/** How far beyond each edge of the view lines are rendered, so a scroll shows no blank before the next frame. */
const OVERSCAN_PX = 6 * LINE_PX.row;

/** Up to this many lines the grid renders them all (the demo board has 32): nothing to gain below it. */
export const RENDER_ALL_UP_TO = 100;

/** Lines' tops from the first line's, with the total height last (`tops[n]`). */
export type LineTops = readonly number[];

export function lineTops(heights: readonly number[]): LineTops {
  const tops = new Array<number>(heights.length + 1);
  tops[0] = 0;
  for (let i = 0; i < heights.length; i++) tops[i + 1] = tops[i]! + heights[i]!;
  return tops;
}

/** The part of the lines in view, in px from the first line's top. */
export interface LineView {
  readonly top: number;
  readonly height: number;
}

/** Lines [start, end): the ones in view and the overscan. */
export interface LineWindow {
  readonly start: number;
  readonly end: number;
}

/**
 * The lines to render for `view`; none before the view is measured (the grid measures it
 * as soon as it is in the DOM, before the first paint), rather than a guess to lay out.
 */
export function lineWindow(tops: LineTops, view: LineView | null): LineWindow {
  const count = tops.length - 1;
  if (count <= RENDER_ALL_UP_TO) return { start: 0, end: count };
  if (view === null) return { start: 0, end: 0 };
  // The first line whose bottom is below the overscanned top, and the first whose top is at or below the overscanned bottom.
  const start = Math.min(firstAbove(tops, view.top - OVERSCAN_PX, 1) - 1, count);
  const end = Math.max(start, Math.min(firstAbove(tops, view.top + view.height + OVERSCAN_PX, 0), count));
  return { start, end };
}

/** What to render, top to bottom: a gap of `px` height, or lines [start, end). */
export type LinePiece =
  | { readonly kind: 'gap'; readonly px: number }
  | { readonly kind: 'lines'; readonly start: number; readonly end: number };

/** The window's lines and line `pinned` (-1: none) when outside it, with the gaps around them. */
export function linePieces(tops: LineTops, win: LineWindow, pinned: number): LinePiece[] {
  const runs: [number, number][] = [[win.start, win.end]];
  if (pinned >= 0 && pinned < tops.length - 1 && (pinned < win.start || pinned >= win.end)) {
    if (pinned < win.start) runs.unshift([pinned, pinned + 1]);
    else runs.push([pinned, pinned + 1]);
  }
  const pieces: LinePiece[] = [];
  let at = 0;
  for (const [start, end] of runs) {
    if (start === end) continue;
    if (tops[start]! > tops[at]!) pieces.push({ kind: 'gap', px: tops[start]! - tops[at]! });
    pieces.push({ kind: 'lines', start, end });
    at = end;
  }
  const total = tops[tops.length - 1]!;
  if (total > tops[at]!) pieces.push({ kind: 'gap', px: total - tops[at]! });
  return pieces;
}

/** The smallest i ≥ from with tops[i] > y (tops.length when there is none): tops are ascending. */
function firstAbove(tops: LineTops, y: number, from: number): number {
  let lo = from;
  let hi = tops.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tops[mid]! > y) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The scroll position that shows the line from `top` to `bottom` (px from the first line)
 * in a view of `height` px that is now at `scrolled`, moving as little as possible.
 */
export function scrollToShow(top: number, bottom: number, scrolled: number, height: number): number {
  if (top < scrolled) return top;
  if (bottom > scrolled + height) return bottom - height;
  return scrolled;
}
