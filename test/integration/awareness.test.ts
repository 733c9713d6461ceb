/**
 * Presence identity is the server's: a client cannot show itself as someone else, nor
 * remove or overwrite another client's presence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { AwarenessState } from '@parley/shared/protocol';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { MAX_AWARENESS_IDS_PER_CONNECTION } from '../../server/src/collab/room/RoomPresence.ts';
import { awarenessFrame, awarenessUpdate, openRaw, tokenFor, type OpenRaw } from '../helpers/security.ts';

const SPOOF = {
  name: 'Someone Else',
  id: 'u-other',
  stakeholderId: 'russia',
  color: '#000000',
  colorLight: '#00000033',
};

describe('awareness identity', () => {
  let server: RunningServer;
  const clients: StockClient[] = [];
  const raws: OpenRaw[] = [];
  let viewer: StockClient;

  const stateOf = (c: StockClient, clientId: number) =>
    c.provider.awareness.getStates().get(clientId) as (AwarenessState & Record<string, unknown>) | undefined;

  async function client(role: 'delegate' | 'observer', sid: string | null, name: string) {
    const { who, token } = await tokenFor(server, role, sid, name);
    const c = connectClient(server.wsUrl, 'demo', { token });
    clients.push(c);
    await c.synced;
    return { c, who, token };
  }

  beforeAll(async () => {
    server = await startServer();
    viewer = (await client('observer', null, 'Viewer')).c;
  });

  afterAll(async () => {
    for (const r of raws) r.ws.terminate();
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('AWARE1: a spoofed awareness user shows to others as the real, token-given identity', async () => {
    const { c: spoofer, who } = await client('delegate', 'ukraine', 'Real Ukraine Delegate');
    spoofer.provider.awareness.setLocalState({ user: SPOOF, focus: { pointId: 'p-spoof' } });
    const id = spoofer.doc.clientID;
    await waitFor(() => stateOf(viewer, id)?.focus?.pointId === 'p-spoof', 'the spoofer presence to arrive');
    expect(stateOf(viewer, id)!.user).toEqual({
      id: who.userId,
      name: 'Real Ukraine Delegate',
      stakeholderId: 'ukraine',
      role: 'delegate',
      color: '#ca8a04',
      colorLight: '#ca8a0433',
    });
    // A late joiner (sent the room's awareness on join) sees the same pinned identity.
    const late = (await client('observer', null, 'Late viewer')).c;
    await waitFor(() => stateOf(late, id) !== undefined, 'the late joiner to receive presence');
    expect(stateOf(late, id)!.user).toMatchObject({ id: who.userId, name: 'Real Ukraine Delegate' });
    // Changing only the spoofed user later does not get through either.
    spoofer.provider.awareness.setLocalState({ user: { ...SPOOF, name: 'Another Fake' }, focus: { pointId: 'p-2' } });
    await waitFor(() => stateOf(viewer, id)?.focus?.pointId === 'p-2', 'the second presence update');
    expect(stateOf(viewer, id)!.user).toMatchObject({ id: who.userId, name: 'Real Ukraine Delegate' });
    expect(JSON.stringify([...viewer.provider.awareness.getStates().values()])).not.toMatch(
      /Someone Else|Another Fake|u-other/,
    );
  });

  it("AWARE2: a client cannot remove or overwrite another client's awareness state by using its clientID", async () => {
    const { c: victim, who: victimWho } = await client('delegate', 'russia', 'Victim');
    victim.provider.awareness.setLocalState({ focus: { pointId: 'victim-focus' } });
    const victimId = victim.doc.clientID;
    await waitFor(() => stateOf(viewer, victimId)?.focus?.pointId === 'victim-focus', 'the victim presence');
    const victimClock = (viewer.provider.awareness.meta.get(victimId)?.clock ?? 0) as number;

    const { token } = await tokenFor(server, 'delegate', 'ukraine', 'Attacker');
    const attacker = openRaw(`${server.wsUrl}/yjs/demo?token=${token}`);
    raws.push(attacker);
    await attacker.opened;
    await waitFor(() => attacker.frames.length > 0, 'the attacker to join');
    const ownId = 0x7ffffff0;
    let barrier = 0;
    let ownClock = 0;
    /** The attacker's own presence, as a barrier: frames it sent before are handled by then. */
    const sendOwn = async () => {
      barrier++;
      attacker.ws.send(awarenessFrame(awarenessUpdate([{ clientId: ownId, clock: ++ownClock, state: { barrier } }])));
      await waitFor(() => stateOf(viewer, ownId)?.['barrier'] === barrier, 'the attacker barrier');
    };
    await sendOwn();

    // 1. Removal by hand: the victim's id with a newer clock and a null state.
    attacker.ws.send(awarenessFrame(awarenessUpdate([{ clientId: victimId, clock: victimClock + 100, state: null }])));
    // 2. Overwrite, encoded by y-protocols from a scratch Awareness whose doc has the victim's id.
    const scratchDoc = new Y.Doc();
    scratchDoc.clientID = victimId;
    const scratch = new awarenessProtocol.Awareness(scratchDoc);
    for (let i = 0; i < victimClock + 200; i++) scratch.setLocalState({ focus: { pointId: 'hijacked' }, user: SPOOF });
    attacker.ws.send(awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(scratch, [victimId])));
    scratch.destroy();
    scratchDoc.destroy();
    // 3. Both together with the attacker's own entry in one update: only its own entry counts.
    attacker.ws.send(
      awarenessFrame(
        awarenessUpdate([
          { clientId: victimId, clock: victimClock + 500, state: { focus: { pointId: 'hijacked-2' } } },
          { clientId: ownId, clock: ++ownClock, state: { mixed: true } },
        ]),
      ),
    );
    await waitFor(() => stateOf(viewer, ownId)?.['mixed'] === true, "the attacker's own entry of the mixed update");
    await sendOwn();

    for (const observer of [viewer, victim]) {
      const state = stateOf(observer, victimId);
      expect(state, 'victim presence removed').toBeDefined();
      expect(state!.focus).toEqual({ pointId: 'victim-focus' });
    }
    expect(stateOf(viewer, victimId)!.user).toMatchObject({ id: victimWho.userId, name: 'Victim' });
    // The attacker's own entries carry the attacker's pinned identity, not the spoof.
    expect(stateOf(viewer, ownId)!.user).toMatchObject({ name: 'Attacker', stakeholderId: 'ukraine' });
    // The attacker's socket was not closed: the refusal is silent, the connection still works.
    expect(attacker.ws.readyState).toBe(attacker.ws.OPEN);

    // The victim's own later update still goes through.
    victim.provider.awareness.setLocalStateField('focus', { pointId: 'victim-moved' });
    await waitFor(() => stateOf(viewer, victimId)?.focus?.pointId === 'victim-moved', "the victim's next update");
  });

  it(`AWARE3: one connection speaks for at most ${MAX_AWARENESS_IDS_PER_CONNECTION} awareness ids; further ids are dropped`, async () => {
    const { token } = await tokenFor(server, 'delegate', 'ukraine', 'Crowd maker');
    const raw = openRaw(`${server.wsUrl}/yjs/demo?token=${token}`);
    raws.push(raw);
    await raw.opened;
    await waitFor(() => raw.frames.length > 0, 'the crowd maker to join');
    const base = 0x6ff00000;
    const fake = Array.from({ length: 50 }, (_, i) => ({ clientId: base + i, clock: 1, state: { fake: i } }));
    raw.ws.send(awarenessFrame(awarenessUpdate(fake)));
    // A later entry under an id it already holds is the barrier: the whole update was handled.
    raw.ws.send(awarenessFrame(awarenessUpdate([{ clientId: base, clock: 2, state: { fake: 'done' } }])));
    await waitFor(() => stateOf(viewer, base)?.['fake'] === 'done', 'the barrier entry');
    const shown = [...viewer.provider.awareness.getStates().keys()].filter((id) => id >= base && id < base + 50);
    expect(shown).toHaveLength(MAX_AWARENESS_IDS_PER_CONNECTION);
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
  });
});
