import type { BenchServer, LoopDelay, StartOptions } from './servers.ts';
import type { Distribution } from './stats.ts';
import type { Flavor } from './syncClient.ts';

/** What a scenario gets from the runner for one server under test. */
export interface ScenarioContext {
  readonly flavor: Flavor;
  /** `npm run bench -- --quick`: smaller sizes, whole run under 3 minutes. */
  readonly quick: boolean;
  /** Starts a fresh server of `flavor` pinned to the server core; the scenario stops it. */
  start(opts?: StartOptions): Promise<BenchServer>;
}

export type Metric = number | boolean | string | Distribution | LoopDelay;

/** One row of results: named metrics (times in ms, sizes in MB, CPU in seconds or cores). */
export type ScenarioResult = Record<string, Metric>;

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** Servers it runs against (the peers have nothing to measure in some scenarios). */
  readonly flavors: readonly Flavor[];
  /** One or more rows (e.g. one per N); each row gets a label. */
  run(ctx: ScenarioContext): Promise<{ label: string; result: ScenarioResult }[]>;
}
