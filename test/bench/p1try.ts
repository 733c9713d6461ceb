import { startBenchServer } from '/work/main/test/bench/lib/servers.ts';
import { fanOut } from '/work/main/test/bench/scenarios/p1-fanout.ts';
import { pinSelf } from '/work/main/test/bench/lib/proc.ts';
pinSelf(1);
for (const flavor of (process.argv[2] ?? 'parley,reference,hocuspocus').split(',') as any[]) {
  const s = await startBenchServer(flavor);
  try { console.log(flavor, JSON.stringify(await fanOut(s, { clients: Number(process.argv[3] ?? 50), observers: 10, editsPerSecond: 2, seconds: 4 }))); }
  catch (e) { console.error(flavor, e); }
  finally { await s.stop(); }
}
