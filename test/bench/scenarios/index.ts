import type { Scenario } from '../lib/scenario.ts';
import { fanOutScenarios } from './p1-fanout.ts';
import { lateJoinerScenario } from './p2-late-joiner.ts';
import { offlineMergeScenario } from './p3-offline-merge.ts';
import { durableSaveScenario } from './p4-durable-save.ts';
import { coldLoadScenario } from './p5-cold-load.ts';
import { clientScenario, clientScenarioLarge } from './p6-client.ts';
import { importScenario } from './p7-import.ts';
import { roundsScenario } from './p8-rounds.ts';
import { matrixSearchScenario } from './p9-matrix-search.ts';
import { instancesScenario } from './p10-instances.ts';

/** Every scenario, in the order PERFORMANCE.md lists them. */
export async function loadScenarios(quick: boolean): Promise<Scenario[]> {
  return [
    ...fanOutScenarios(quick),
    lateJoinerScenario,
    offlineMergeScenario,
    durableSaveScenario,
    coldLoadScenario,
    clientScenario,
    clientScenarioLarge,
    importScenario,
    roundsScenario,
    matrixSearchScenario,
    instancesScenario,
  ];
}
