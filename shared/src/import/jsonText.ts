/**
 * A strict JSON reader (RFC 8259) that remembers where each value starts, so an import can
 * name the line and column of a syntax error and of a value that is well-formed but wrong
 * (an unknown stance). `JSON.parse` reports neither on Node 20.
 */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: TextPosition,
  ) {
    super(message);
  }
}

export interface LocatedJson {
  readonly value: unknown;
  /** Where the value at a path (keys and indices from the root) starts; the nearest known one. */
  positionOf(path: readonly (string | number)[]): TextPosition;
}

const MAX_DEPTH = 64;

export function parseLocatedJson(text: string): LocatedJson {
  // Line starts, for turning offsets into line and column (1-based, columns in UTF-16 units).
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const at = (offset: number): TextPosition => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  // Each container's start and its members' starts.
  const starts = new WeakMap<object, { self: number; members: Map<string | number, number> }>();
  let i = 0;

  const error = (message: string, offset = i): never => {
    throw new JsonSyntaxError(message, at(Math.min(offset, text.length)));
  };
  const describe = (offset: number) =>
    offset >= text.length ? 'the end of the file' : `"${String.fromCodePoint(text.codePointAt(offset)!)}"`;
  const skipSpace = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else return;
    }
  };

  const parseString = (): string => {
    const start = i;
    i++; // opening quote
    let out = '';
    let chunk = i;
    for (;;) {
      if (i >= text.length) error('a string is not closed', start);
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(chunk, i);
        i++;
        return out;
      }
      if (c < 32) error('a control character (such as a line break) inside a string must be escaped');
      if (c === 92) {
        out += text.slice(chunk, i);
        const e = text[i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          error('an invalid escape in a string');
        }
        chunk = i;
        continue;
      }
      i++;
    }
  };

  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

  const parseValue = (depth: number): unknown => {
    skipSpace();
    if (depth > MAX_DEPTH) error(`nesting deeper than ${MAX_DEPTH} levels`);
    const c = text[i];
    if (c === '{') {
      const obj: Record<string, unknown> = {};
      const members = new Map<string | number, number>();
      starts.set(obj, { self: i, members });
      i++;
      skipSpace();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipSpace();
        if (text[i] !== '"') error(`expected a property name in double quotes, found ${describe(i)}`);
        const keyStart = i;
        const key = parseString();
        skipSpace();
        if (text[i] !== ':') error(`expected ":" after the property name, found ${describe(i)}`);
        i++;
        skipSpace();
        members.set(key, i);
        // defineProperty: a "__proto__" key is data, never the object's prototype.
        const value = parseValue(depth + 1);
        if (Object.prototype.hasOwnProperty.call(obj, key)) error(`the property "${key}" appears twice`, keyStart);
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
        skipSpace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        error(`expected "," or "}" in an object, found ${describe(i)}`);
      }
    }
    if (c === '[') {
      const arr: unknown[] = [];
      const members = new Map<string | number, number>();
      starts.set(arr, { self: i, members });
      i++;
      skipSpace();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        skipSpace();
        members.set(arr.length, i);
        arr.push(parseValue(depth + 1));
        skipSpace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        error(`expected "," or "]" in a list, found ${describe(i)}`);
      }
    }
    if (c === '"') return parseString();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m && m[0] !== '' && m[0] !== '-') {
      i += m[0].length;
      return Number(m[0]);
    }
    return error(`expected a value, found ${describe(i)}`);
  };

  const value = parseValue(0);
  skipSpace();
  if (i < text.length) error(`unexpected ${describe(i)} after the end of the JSON value`);

  return {
    value,
    positionOf(path) {
      let node: unknown = value;
      let offset = 0;
      for (const key of path) {
        const info = typeof node === 'object' && node !== null ? starts.get(node) : undefined;
        if (!info) break;
        offset = info.self;
        const member = info.members.get(key);
        if (member === undefined) break;
        offset = member;
        node = (node as Record<string | number, unknown>)[key];
      }
      return at(offset);
    },
  };
}
