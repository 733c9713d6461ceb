/**
 * `npm run bench [-- --quick] [--only P1,P4] [--out file.json]`
 *
 * Runs each scenario against Parley and the peers in one run, one server process at a
 * time pinned to core 0 with this generator pinned to core 1, and prints, per scenario,
 * every metric side by side with Parley's ratio to the best peer and the brief's targets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkTargets, type TargetCheck } from './lib/targets.ts';
import { pinSelf, selfCpuSeconds } from './lib/proc.ts';
import type { Scenario, ScenarioResult } from './lib/scenario.ts';
import { GENERATOR_CORE, REPO_ROOT, startBenchServer } from './lib/servers.ts';
import type { Flavor } from './lib/syncClient.ts';
import { loadScenarios } from './scenarios/index.ts';
import { formatTable } from './lib/report.ts';

export interface BenchRow {
  readonly scenario: string;
  readonly title: string;
  readonly label: string;
  readonly results: Partial<Record<Flavor, ScenarioResult | { error: string }>>;
  readonly targets: TargetCheck[];
}

function parse() {
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        out: { type: 'string', default: path.join(REPO_ROOT, 'bench-results.json') },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    return values;
  } catch (err) {
    console.error(
      `bench: ${(err as Error).message}\nusage: npm run bench -- [--quick] [--only P1,P4] [--out file.json]`,
    );
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const args = parse();
  if (args.help) {
    console.log('usage: npm run bench -- [--quick] [--only P1,P4] [--out file.json]');
    return;
  }
  const pinned = pinSelf(GENERATOR_CORE);
  const scenarios: Scenario[] = (await loadScenarios(args.quick)).filter(
    (s) => !args.only || args.only.split(',').some((id) => s.id === id || s.id.startsWith(`${id}/`)),
  );
  if (scenarios.length === 0) {
    console.error(`bench: no scenario matches --only ${args.only}`);
    process.exit(2);
  }
  const started = performance.now();
  const rows: BenchRow[] = [];
  for (const scenario of scenarios) {
    const byLabel = new Map<string, BenchRow>();
    for (const flavor of scenario.flavors) {
      process.stderr.write(`${scenario.id} ${flavor} … `);
      const t0 = performance.now();
      try {
        const out = await scenario.run({ flavor, quick: args.quick, start: (o) => startBenchServer(flavor, o) });
        for (const { label, result } of out) {
          const row = byLabel.get(label) ?? {
            scenario: scenario.id,
            title: scenario.title,
            label,
            results: {},
            targets: [],
          };
          row.results[flavor] = result;
          byLabel.set(label, row);
        }
        process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      } catch (err) {
        process.stderr.write(`failed: ${(err as Error).message}\n`);
        const row = byLabel.get('') ?? {
          scenario: scenario.id,
          title: scenario.title,
          label: '',
          results: {},
          targets: [],
        };
        row.results[flavor] = { error: (err as Error).message };
        byLabel.set('', row);
      }
    }
    for (const row of byLabel.values()) {
      row.targets.push(...checkTargets(row.scenario, row.results));
      rows.push(row);
      console.log(formatTable(row));
    }
  }
  const machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    pinned,
    generatorCpuSeconds: selfCpuSeconds(),
    wallSeconds: (performance.now() - started) / 1000,
  };
  fs.writeFileSync(
    args.out,
    `${JSON.stringify({ date: new Date().toISOString(), quick: args.quick, machine, rows }, null, 2)}\n`,
  );
  const missed = rows.flatMap((r) => r.targets.filter((t) => !t.met));
  console.log(
    `\n${rows.reduce((n, r) => n + r.targets.length, 0) - missed.length} targets met, ${missed.length} missed` +
      ` · ${machine.wallSeconds.toFixed(0)} s · results in ${path.relative(process.cwd(), args.out)}`,
  );
}

await main();
