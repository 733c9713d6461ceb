import { afterEach, describe, expect, it } from 'vitest';
import { listPoints, pointText } from '@parley/shared/model';
import { newReplica, synced, type Replica } from '../helpers/replicas.ts';
import { waitFor } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { identity, mintToken } from '../helpers/tokens.ts';
import { CLOSE } from '@parley/shared/protocol';

describe('edits of one turn (integration: real server, stock y-websocket providers)', () => {
  let server: RunningServer | null = null;
  const replicas: Replica[] = [];
  afterEach(async () => {
    for (const r of replicas.splice(0)) {
      r.provider.destroy();
      r.doc.destroy();
    }
    await server?.stop();
    server = null;
  });

  it("EDIT1: edits that reach the server together are guarded one by one: an observer's update in the middle of an editor's burst is refused alone, and every editor edit is applied and relayed", async () => {
    server = await startServer();
    const join = async (who: Parameters<typeof identity>) => {
      const r = newReplica(server!.wsUrl, 'demo', { token: await mintToken(server!, identity(...who)) });
      replicas.push(r);
      await synced(r.provider);
      return r;
    };
    const editor = await join(['editor', 'us']);
    const observer = await join(['observer', null]);
    const witness = await join(['observer', null]);
    const [p] = listPoints(editor.doc);
    const body = (r: Replica) => pointText(r.doc, p!.id, 'body')!.toString();

    // One synchronous burst: the three frames leave together and land in one server turn
    // (or, on a slow machine, in more; the outcome must be the same).
    pointText(editor.doc, p!.id, 'body')!.insert(0, '[e1] ');
    pointText(observer.doc, p!.id, 'body')!.insert(0, '[forbidden] ');
    pointText(editor.doc, p!.id, 'body')!.insert(0, '[e2] ');
    pointText(editor.doc, p!.id, 'body')!.insert(0, '[e3] ');

    await waitFor(() => observer.terminalCloses.length > 0, "the observer's refusal");
    expect(observer.terminalCloses[0]!.code).toBe(CLOSE.forbiddenUpdate);
    await waitFor(() => body(witness).startsWith('[e3] [e2] [e1] '), "the editor's edits to reach the witness");
    expect(body(witness)).not.toContain('[forbidden]');
    expect(body(editor)).not.toContain('[forbidden]');
  });
});
