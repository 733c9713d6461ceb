import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  DEMO_STAKEHOLDERS,
  ENTRY_ID_PATTERN,
  FALLBACK_COLOR,
  LIMITS,
  ModelError,
  addStakeholder,
  initBoard,
  isStakeholderColor,
  lightColor,
  nextStakeholderColor,
  safeColor,
  shortLabelFor,
  STAKEHOLDER_PALETTE,
  stakeholderIdFor,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import {
  OBSERVER_REFUSAL,
  ROLES,
  belongsToStakeholder,
  can,
  mayWrite,
  stakeholderMismatch,
  type Principal,
} from '@parley/shared/permissions';
import {
  ID_CHARACTERS,
  INVALID_BOARD_ID_MESSAGE,
  MESSAGE,
  awarenessUserFor,
  subscribeSavedFrame,
} from '@parley/shared/protocol';
import { stakeholdersFor } from '@parley/shared/import';
import { checkBoardChanges } from '../../server/src/collab/guard/boardRules.ts';
import { planShapeError } from '../../server/src/collab/guard/planSchema.ts';

const principal = (role: Principal['role'], stakeholderId: string | null): Principal => ({
  userId: 'u1' as UserId,
  name: 'Ann',
  role,
  stakeholderId: stakeholderId as StakeholderId | null,
});

describe('rules defined once in shared/ (unit: shared/src/model/colors.ts, permissions, protocol)', () => {
  it('RULES2: a stakeholder colour is #rrggbb in any case; anything else shows as the fallback, and the awareness user of a principal carries the colour shown', () => {
    for (const valid of ['#1d4ed8', '#ABCDEF', '#000000']) expect(isStakeholderColor(valid)).toBe(true);
    for (const invalid of ['1d4ed8', '#1d4ed', '#1d4ed8ff', '#ggg000', 'red', '', null, undefined, 42]) {
      expect(isStakeholderColor(invalid)).toBe(false);
      expect(safeColor(invalid)).toBe(FALLBACK_COLOR);
    }
    expect(safeColor('#ABCDEF')).toBe('#abcdef');
    expect(lightColor('#ABCDEF')).toBe('#abcdef33');
    expect(lightColor('nope')).toBe(`${FALLBACK_COLOR}33`);

    // The mutations and the guard take and refuse the same colours.
    const doc = new Y.Doc();
    initBoard(doc, { title: 'B' });
    expect(() =>
      addStakeholder(doc, null, { id: 'bad' as StakeholderId, name: 'Bad', short: 'B', color: 'red' }),
    ).toThrow(ModelError);
    addStakeholder(doc, null, { id: 'ok' as StakeholderId, name: 'Ok', short: 'O', color: '#ABCDEF' });
    const stored = doc.getMap<Y.Map<unknown>>('stakeholders').get('ok')?.get('color');
    expect(stored).toBe('#abcdef');
    expect(planShapeError('stakeholders', ['us', 'color'], { kind: 'value', value: '#ABCDEF' })).toBeNull();
    expect(planShapeError('stakeholders', ['us', 'color'], { kind: 'value', value: 'red' })).not.toBeNull();

    const user = awarenessUserFor(principal('delegate', 'us'), '#1D4ED8');
    // Field order is what goes over the wire as JSON.
    expect(JSON.stringify(user)).toBe(
      JSON.stringify({
        id: 'u1',
        name: 'Ann',
        color: '#1d4ed8',
        colorLight: '#1d4ed833',
        stakeholderId: 'us',
        role: 'delegate',
      }),
    );
    const observer = awarenessUserFor(principal('observer', null), undefined);
    expect(observer).toMatchObject({ color: FALLBACK_COLOR, colorLight: `${FALLBACK_COLOR}33`, stakeholderId: '' });
  });

  it('RULES3: observers write nothing and belong to no stakeholder; every other member belongs to exactly one', () => {
    for (const role of ROLES) {
      expect(mayWrite({ role })).toBe(role !== 'observer');
      expect(belongsToStakeholder(role)).toBe(role !== 'observer');
    }
    const observer = principal('observer', null);
    expect(can(observer, { kind: 'reply' })).toBe(false);
    expect(can(observer, { kind: 'read-private-notes', stakeholderId: 'us' })).toBe(false);
    // The guard refuses any change by an observer before it looks at what the change is.
    expect(checkBoardChanges(observer, new Y.Doc(), [{} as never])).toEqual({ ok: false, reason: OBSERVER_REFUSAL });

    expect(stakeholderMismatch('observer', null)).toBeNull();
    expect(stakeholderMismatch('observer', undefined)).toBeNull();
    expect(stakeholderMismatch('observer', 'us')).toBe('observer-has-stakeholder');
    for (const role of ['owner', 'editor', 'delegate'] as const) {
      expect(stakeholderMismatch(role, 'us')).toBeNull();
      expect(stakeholderMismatch(role, null)).toBe('stakeholder-missing');
      expect(stakeholderMismatch(role, undefined)).toBe('stakeholder-missing');
    }
  });

  it('RULES4: the board-id message, the id limits and the subscribeSaved frame come from one place: entry ids are short and never hold ":"; the frame is its type as one varUint', () => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MESSAGE.subscribeSaved);
    expect(subscribeSavedFrame()).toEqual(encoding.toUint8Array(e));

    expect(INVALID_BOARD_ID_MESSAGE).toBe(`Board ids are ${ID_CHARACTERS}`);
    expect(INVALID_BOARD_ID_MESSAGE).toBe('Board ids are lowercase letters, digits and dashes');
    expect(ENTRY_ID_PATTERN.test('p_' + 'a'.repeat(LIMITS.entryIdLength - 2))).toBe(true);
    expect(ENTRY_ID_PATTERN.test('p_' + 'a'.repeat(LIMITS.entryIdLength - 1))).toBe(false);
    expect(ENTRY_ID_PATTERN.test('p:1')).toBe(false);
    expect(ENTRY_ID_PATTERN.test('')).toBe(false);
    const long = 'x'.repeat(LIMITS.entryIdLength + 1);
    expect(planShapeError('points', [long], { kind: 'type', type: 'map' })).toBe(
      `"${long.slice(0, 40)}" is not a valid id here.`,
    );
    expect(
      planShapeError('points', ['p1', 'deletedBy'], { kind: 'value', value: 'u'.repeat(LIMITS.idFieldLength) }),
    ).toBeNull();
    expect(
      planShapeError('points', ['p1', 'deletedBy'], { kind: 'value', value: 'u'.repeat(LIMITS.idFieldLength + 1) }),
    ).not.toBeNull();
  });

  it("RULES5: a new stakeholder's id, short label and colour come from one place: ids are the name folded to a-z, 0-9 and dashes, unique; labels are initials or a word's first letters; the next colour is the palette's farthest from those in use", () => {
    expect(stakeholderIdFor('Türkiye', new Set())).toBe('turkiye');
    expect(stakeholderIdFor('European partners', new Set(['european-partners']))).toBe('european-partners-2');
    expect(stakeholderIdFor('***', new Set())).toBe('stakeholder');
    // Cut at 24 characters, a trailing dash is dropped rather than left invalid.
    expect(stakeholderIdFor('abcdefghijklmnopqrstuvw xyz', new Set())).toBe('abcdefghijklmnopqrstuvw');
    expect(shortLabelFor('United States')).toBe('US');
    expect(shortLabelFor('Russia')).toBe('RUS');
    expect(shortLabelFor('A b c d e f g h i j')).toHaveLength(LIMITS.stakeholderShortLength);

    expect(nextStakeholderColor([])).toBe(STAKEHOLDER_PALETTE[0]);
    const used: string[] = [];
    for (let i = 0; i < STAKEHOLDER_PALETTE.length; i++) used.push(nextStakeholderColor(used));
    // Every palette colour once before any repeats, whatever order distance picks them in.
    expect(new Set(used)).toEqual(new Set(STAKEHOLDER_PALETTE));
    const demoColors = DEMO_STAKEHOLDERS.map((d) => d.color);
    expect(demoColors).not.toContain(nextStakeholderColor(demoColors));

    // The importers derive the same.
    const [imported] = stakeholdersFor([{ name: 'United States' }]);
    expect(imported).toMatchObject({ id: 'united-states', short: 'US', color: STAKEHOLDER_PALETTE[0] });
  });
});
