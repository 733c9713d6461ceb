import { listPoints, pointText } from '@parley/shared/model';
import { BOARD, clientFor, participant, tokenFor } from '../lib/board.ts';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/scenario.ts';
import type { BenchServer, LoopDelay } from '../lib/servers.ts';
import { distribution, median, sleep } from '../lib/stats.ts';
import { P2_FULL, buildBoard, startPrepared } from './p2-late-joiner.ts';

/** Versions published, each after an edit (so each publish encodes the board afresh). */
const PUBLISHES = { quick: 4, full: 8 } as const;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await work();
  return { ms: performance.now() - t, value };
}

/**
 * P8 on the P2 board (~1.9 MB state, written as ~6,000 updates): an editor publishes a
 * version after each of a few edits, timing the POST and the room's event-loop stall
 * around it; then compares versions: the first comparison of two versions (both decoded
 * for the first time), the same again (decoded versions are kept), and a version against
 * the live board.
 */
async function rounds(server: BenchServer, quick: boolean): Promise<ScenarioResult> {
  const built = await buildBoard(server, P2_FULL);
  const editor = participant(0, 'editor');
  const headers = {
    authorization: `Bearer ${await tokenFor(editor)}`,
    'content-type': 'application/json',
  };
  const typist = await clientFor(server, editor, { decode: false });
  try {
    await typist.connect();
    const pointId = listPoints(typist.doc)[0]!.id;
    const versions: string[] = [];
    const publishMs: number[] = [];
    const stalls: LoopDelay[] = [];
    for (let i = 0; i < (quick ? PUBLISHES.quick : PUBLISHES.full); i++) {
      pointText(typist.doc, pointId, 'body')!.insert(0, `Round ${i}: `);
      await sleep(200);
      await server.loopDelay(); // resets the histogram
      const { ms, value } = await timed(() =>
        fetch(`${server.httpUrl}/api/boards/${BOARD}/versions`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ name: `Round ${i}` }),
        }),
      );
      const body = (await value.json()) as { id?: string };
      if (value.status !== 201 || !body.id) throw new Error(`P8: publishing answered ${value.status}`);
      stalls.push(await server.loopDelay());
      publishMs.push(ms);
      versions.push(body.id);
    }
    const compare = async (from: string, to: string) => {
      const { ms, value } = await timed(() =>
        fetch(`${server.httpUrl}/api/boards/${BOARD}/compare?from=${from}&to=${to}`, { headers }),
      );
      const body = (await value.json()) as { points?: unknown[] };
      if (value.status !== 200 || !body.points) throw new Error(`P8: compare answered ${value.status}`);
      return { ms, points: body.points.length };
    };
    const cold: number[] = [];
    const warm: number[] = [];
    const live: number[] = [];
    let changedPoints = 0;
    // Pairs far apart, so each cold comparison decodes two versions not decoded before.
    for (let i = 0; i + 1 < versions.length; i += 2) {
      const first = await compare(versions[i]!, versions[i + 1]!);
      cold.push(first.ms);
      changedPoints = first.points;
      warm.push((await compare(versions[i]!, versions[i + 1]!)).ms);
      live.push((await compare(versions[i]!, 'live')).ms);
    }
    return {
      stateMb: built.state.byteLength / 2 ** 20,
      publishMs: distribution(publishMs),
      publishLoopStallMs: {
        p50: median(stalls.map((s) => s.max)),
        p99: Math.max(...stalls.map((s) => s.p99)),
        max: Math.max(...stalls.map((s) => s.max)),
      },
      compareColdMs: median(cold),
      compareWarmMs: median(warm),
      compareLiveMs: median(live),
      compareWorstMs: Math.max(...cold, ...warm, ...live),
      changedPoints,
    };
  } finally {
    typist.destroy();
  }
}

export const roundsScenario: Scenario = {
  id: 'P8',
  title: 'rounds: publish a version of the P2 board; compare two versions of it',
  flavors: ['parley'],
  run: async (ctx: ScenarioContext) => {
    const { server, keeper } = await startPrepared(ctx);
    try {
      return [
        {
          label: `P2 board, ${ctx.quick ? PUBLISHES.quick : PUBLISHES.full} versions`,
          result: await rounds(server, ctx.quick),
        },
      ];
    } finally {
      keeper.destroy();
      await server.stop();
    }
  },
};
