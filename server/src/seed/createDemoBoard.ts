import * as Y from 'yjs';
import {
  DEMO_STAKEHOLDERS,
  addCategory,
  addPoint,
  addStakeholder,
  initBoard,
  type StakeholderId,
} from '@parley/shared/model';
import type { Storage } from '../persistence/Storage.ts';
import { DEMO_BOARD_ID, DEMO_CATEGORIES, DEMO_DESCRIPTION, DEMO_TITLE, demoPointBody } from './demoContent.ts';

/** Builds the demo board's initial state as one update. */
export function buildDemoState(): Uint8Array {
  const doc = new Y.Doc();
  try {
    initBoard(doc, { title: DEMO_TITLE, description: DEMO_DESCRIPTION, isDemo: true });
    for (const s of DEMO_STAKEHOLDERS) {
      addStakeholder(doc, null, { ...s, id: s.id as StakeholderId });
    }
    for (const category of DEMO_CATEGORIES) {
      const categoryId = addCategory(doc, null, category.title);
      for (const title of category.points) {
        addPoint(doc, null, { categoryId, title, body: demoPointBody(title) });
      }
    }
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/** Creates the demo board on first start; returns true if it was created now. */
export async function ensureDemoBoard(storage: Storage): Promise<boolean> {
  if (await storage.boardExists(DEMO_BOARD_ID)) return false;
  try {
    await storage.createBoard(DEMO_BOARD_ID, DEMO_TITLE, buildDemoState());
  } catch (err) {
    // Another instance on the same database created it first.
    if (await storage.boardExists(DEMO_BOARD_ID)) return false;
    throw err;
  }
  return true;
}
