/**
 * What a V8 heap snapshot holds, by self size: totals per node type (objects, strings,
 * code, arrays…), the constructors with the most bytes, and the largest single strings
 * (module sources and source maps show up there). Used by measure-server.ts; also
 *
 *   node --import tsx test/scripts/heap-summary.ts file.heapsnapshot
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const mb = (n: number) => (n / 1048576).toFixed(2).padStart(7);

export function summarizeHeapSnapshot(file: string, top = 25): string {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const byType = new Map<string, { bytes: number; count: number }>();
  const byName = new Map<string, { bytes: number; count: number }>();
  const bigStrings: { bytes: number; text: string }[] = [];
  let total = 0;
  const add = (m: Map<string, { bytes: number; count: number }>, key: string, bytes: number) => {
    const e = m.get(key) ?? { bytes: 0, count: 0 };
    e.bytes += bytes;
    e.count += 1;
    m.set(key, e);
  };
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name = snap.strings[snap.nodes[i + nameAt]!] ?? '';
    const bytes = snap.nodes[i + sizeAt]!;
    total += bytes;
    add(byType, type, bytes);
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
      if (bytes > 50_000) bigStrings.push({ bytes, text: name.slice(0, 70).replace(/\s+/g, ' ') });
    } else {
      add(byName, `${type}: ${name.slice(0, 60)}`, bytes);
    }
  }
  const rows = (m: Map<string, { bytes: number; count: number }>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, n)
      .map(([k, v]) => `  ${mb(v.bytes)} MiB ${String(v.count).padStart(8)}  ${k}`)
      .join('\n');
  bigStrings.sort((a, b) => b.bytes - a.bytes);
  return [
    `total self size ${mb(total).trim()} MiB`,
    'by node type:',
    rows(byType, 12),
    `largest constructors / names (top ${top}):`,
    rows(byName, top),
    `strings over 50 kB: ${bigStrings.length}, ${mb(bigStrings.reduce((s, b) => s + b.bytes, 0)).trim()} MiB`,
    ...bigStrings.slice(0, 12).map((b) => `  ${mb(b.bytes)} MiB  ${JSON.stringify(b.text)}`),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) console.log(`${file}\n${summarizeHeapSnapshot(file)}\n`);
}
