import { diffWords, diffWordsWithSpace } from 'diff';

/**
 * Word-level diffs for people to read: what someone else changed while one was away, and
 * an amendment's wording against the text as it stands. One function, so both read alike.
 */
export interface DiffPart {
  /** `gap`: a long unchanged run left out of the middle of a `same` part. */
  readonly op: 'same' | 'ins' | 'del' | 'gap';
  readonly text: string;
}

/** Past this many edits the diff is shown as "all of it replaced" instead of word by word. */
const MAX_EDIT_LENGTH = 4_000;

/** Unchanged runs longer than this keep only CONTEXT_CHARS at each end next to a change. */
const LONG_RUN = 280;
const CONTEXT_CHARS = 90;

/** Word-level diff from `mine` to `merged`; long unchanged stretches are shortened to a gap. */
export function wordDiff(mine: string, merged: string): DiffPart[] {
  const changes = diffWords(mine, merged, { maxEditLength: MAX_EDIT_LENGTH });
  if (!changes) {
    return [
      ...(mine ? [{ op: 'del' as const, text: mine }] : []),
      ...(merged ? [{ op: 'ins' as const, text: merged }] : []),
    ];
  }
  const parts: DiffPart[] = [];
  changes.forEach((c, i) => {
    if (c.added || c.removed) {
      parts.push({ op: c.added ? 'ins' : 'del', text: c.value });
      return;
    }
    if (c.value.length <= LONG_RUN) {
      parts.push({ op: 'same', text: c.value });
      return;
    }
    const first = i === 0;
    const last = i === changes.length - 1;
    const head = first ? '' : cutAt(c.value, CONTEXT_CHARS, 'end');
    const tail = last ? '' : cutAt(c.value, CONTEXT_CHARS, 'start');
    if (head) parts.push({ op: 'same', text: head });
    parts.push({ op: 'gap', text: ' … ' });
    if (tail) parts.push({ op: 'same', text: tail });
  });
  return parts;
}

/** About `n` characters from the start (`end` of the cut) or the end of `text`, on a word boundary. */
function cutAt(text: string, n: number, keep: 'end' | 'start'): string {
  if (keep === 'end') {
    const cut = text.slice(0, n);
    const space = cut.lastIndexOf(' ');
    return space > n / 2 ? cut.slice(0, space) : cut;
  }
  const cut = text.slice(-n);
  const space = cut.indexOf(' ');
  return space >= 0 && space < n / 2 ? cut.slice(space + 1) : cut;
}

/**
 * A word diff exact to the character, for documents that must rebuild both texts (the Word
 * record's tracked changes): the parts other than `ins` join to `from`, those other than
 * `del` to `to`. Unlike `wordDiff` nothing is left out, and the whitespace between two
 * changes joins them, so a replaced phrase reads as one deletion and one insertion.
 */
export function exactWordDiff(from: string, to: string): DiffPart[] {
  const changes = diffWordsWithSpace(from, to, { maxEditLength: MAX_EDIT_LENGTH });
  if (!changes) {
    return [...(from ? [{ op: 'del' as const, text: from }] : []), ...(to ? [{ op: 'ins' as const, text: to }] : [])];
  }
  type Op = 'same' | 'ins' | 'del';
  const parts: { op: Op; text: string }[] = [];
  const op = (c: { added: boolean; removed: boolean }): Op => (c.added ? 'ins' : c.removed ? 'del' : 'same');
  changes.forEach((c, i) => {
    const between =
      op(c) === 'same' &&
      /^\s+$/.test(c.value) &&
      i > 0 &&
      op(changes[i - 1]!) !== 'same' &&
      i + 1 < changes.length &&
      op(changes[i + 1]!) !== 'same';
    const pieces = between
      ? [
          { op: 'del' as const, text: c.value },
          { op: 'ins' as const, text: c.value },
        ]
      : [{ op: op(c), text: c.value }];
    for (const q of pieces) {
      // One change's deletions before its insertions, each joined: "~~old words~~ new words".
      const last = parts.at(-1);
      if (last?.op === q.op) last.text += q.text;
      else if (q.op === 'del' && last?.op === 'ins' && parts.at(-2)?.op === 'del') parts.at(-2)!.text += q.text;
      else if (q.op === 'del' && last?.op === 'ins') parts.splice(-1, 0, { ...q });
      else parts.push({ ...q });
    }
  });
  return parts;
}
