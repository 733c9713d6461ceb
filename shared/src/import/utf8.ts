import { decodeUtf8 as decodeValidUtf8 } from 'lib0/string';

/** Decodes a file's bytes as UTF-8, or names the line of the first byte that is not UTF-8. */
export function decodeUtf8(
  bytes: Uint8Array,
): { ok: true; text: string } | { ok: false; line: number; message: string } {
  const offset = firstInvalidByte(bytes);
  if (offset === bytes.length) return { ok: true, text: decodeValidUtf8(bytes) };
  {
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 10) line++;
    return { ok: false, line, message: `line ${line}: the file is not UTF-8 text (save it as UTF-8 and try again)` };
  }
}

function firstInvalidByte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const need =
      c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const n = b[i + k];
      if (n === undefined || (n & 0xc0) !== 0x80) return i;
    }
    // Overlong, surrogate and out-of-range forms.
    const n1 = b[i + 1] ?? 0;
    if (
      (c === 0xe0 && n1 < 0xa0) ||
      (c === 0xed && n1 > 0x9f) ||
      (c === 0xf0 && n1 < 0x90) ||
      (c === 0xf4 && n1 > 0x8f)
    ) {
      return i;
    }
    i += need + 1;
  }
  return b.length;
}
