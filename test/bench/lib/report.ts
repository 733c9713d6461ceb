import type { BenchRow } from '../run.ts';
import type { Metric, ScenarioResult } from './scenario.ts';
import type { Flavor } from './syncClient.ts';

const FLAVORS: readonly Flavor[] = ['parley', 'reference', 'hocuspocus'];

/** Flattens nested metrics (latency distributions, loop delay) to dotted names. */
export function flatten(result: ScenarioResult | { error: string }): Map<string, number | string | boolean> {
  const out = new Map<string, number | string | boolean>();
  const visit = (prefix: string, value: Metric | object) => {
    if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) if (k !== 'type') visit(prefix ? `${prefix}.${k}` : k, v as Metric);
    } else {
      out.set(prefix, value);
    }
  };
  visit('', result);
  return out;
}

/** Rates are better higher; everything else the bench reports (times, CPU, memory, losses) lower. */
const higherIsBetter = (metric: string) => /PerSecond|perSecond|equal|converged/.test(metric);

function cell(v: number | string | boolean | undefined): string {
  if (v === undefined) return '–';
  if (typeof v === 'boolean') return v ? 'yes' : 'NO';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

export function formatTable(row: BenchRow): string {
  const flat = new Map(FLAVORS.map((f) => [f, row.results[f] ? flatten(row.results[f]!) : null]));
  const metrics = [...new Set(FLAVORS.flatMap((f) => [...(flat.get(f)?.keys() ?? [])]))];
  const present = FLAVORS.filter((f) => flat.get(f));
  const header = ['metric', ...present, ...(present.length > 1 ? ['parley ÷ best peer'] : [])];
  const lines = metrics.map((m) => {
    const values = present.map((f) => flat.get(f)!.get(m));
    const ours = flat.get('parley')?.get(m);
    const peers = present
      .filter((f) => f !== 'parley')
      .map((f) => flat.get(f)!.get(m))
      .filter((v): v is number => typeof v === 'number');
    let ratio = '';
    if (typeof ours === 'number' && peers.length > 0) {
      const best = higherIsBetter(m) ? Math.max(...peers) : Math.min(...peers);
      ratio = best === 0 ? (ours === 0 ? '1.00' : '∞') : (ours / best).toFixed(2);
    }
    return [m, ...values.map(cell), ...(present.length > 1 ? [ratio] : [])];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cols: string[]) =>
    cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const targetLines = row.targets.map((t) => `  ${t.met ? '✓' : '✗'} ${t.text}`);
  return [
    `\n${row.scenario} — ${row.title}${row.label ? ` (${row.label})` : ''}`,
    fmt(header),
    ...lines.map(fmt),
    ...targetLines,
  ].join('\n');
}
