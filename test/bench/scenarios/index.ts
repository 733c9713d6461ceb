import type { Scenario } from '../lib/scenario.ts';
import { fanOutScenarios } from './p1-fanout.ts';

/** Every scenario, in the order PERFORMANCE.md lists them. */
export async function loadScenarios(quick: boolean): Promise<Scenario[]> {
  return [...fanOutScenarios(quick)];
}
