import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TEST_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** A rule id: capitals, then digits, with digits allowed inside (`GUARD14`, `E2E31`). */
const RULE_ID = '[A-Z][A-Z0-9]*[0-9]';
/** A test title opens with its rule id: `it('GUARD14: …'`, `test("E2E3 …"`, `it(\`AWARE3: …\``. */
const TITLE = new RegExp(`\\b(?:it|test)(?:\\.fails|\\.skip|\\.only)?\\(\\s*['"\`](${RULE_ID})\\b`, 'g');

describe('the spec and the tests (unit: test/SPEC.md)', () => {
  it('SPEC1: every rule a test title quotes is defined in test/SPEC.md', () => {
    const spec = fs.readFileSync(path.join(TEST_ROOT, 'SPEC.md'), 'utf8');
    const defined = new Set([...spec.matchAll(new RegExp(`\\*\\*(${RULE_ID})\\*\\*`, 'g'))].map((m) => m[1]!));
    const quoted = new Map<string, string>();
    for (const file of testFiles(TEST_ROOT)) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(TITLE)) quoted.set(m[1]!, path.relative(TEST_ROOT, file));
    }
    expect(quoted.size).toBeGreaterThan(100);
    const undefinedRules = [...quoted].filter(([id]) => !defined.has(id)).map(([id, file]) => `${id} (${file})`);
    expect(undefinedRules).toEqual([]);
  });
});
