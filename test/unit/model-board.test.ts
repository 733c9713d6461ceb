import { describe, expect, it } from 'vitest';
import {
  LIMITS,
  SCHEMA_VERSION,
  addStakeholder,
  initBoard,
  listStakeholders,
  readMeta,
  toBoardJson,
  updateMeta,
  updateStakeholder,
  type StakeholderId,
} from '@parley/shared/model';
import { GOV, NGO, ann, expectOneMutation, expectRefused, newDoc, seededBoard } from './helpers.ts';

const BIZ = 'biz' as StakeholderId;

describe('MODEL3: board meta', () => {
  it('MODEL3: initBoard writes a cleaned title, trimmed description, demo flag and schema version', () => {
    const doc = newDoc();
    expectOneMutation(doc, 'initBoard', null, () =>
      initBoard(doc, { title: '  Recovery \n\t plan  ', description: '  Line one\nLine two  ', isDemo: true }),
    );
    expect(toBoardJson(doc).meta).toEqual({
      title: 'Recovery plan',
      description: 'Line one\nLine two',
      isDemo: true,
      schemaVersion: SCHEMA_VERSION,
    });
  });

  it('MODEL3: initBoard defaults to no description and not a demo', () => {
    const doc = newDoc();
    initBoard(doc, { title: 'Plan' });
    expect(readMeta(doc)).toEqual({ title: 'Plan', description: '', isDemo: false, schemaVersion: SCHEMA_VERSION });
  });

  it('MODEL3: initBoard refuses an empty, blank or over-long title and writes nothing', () => {
    const doc = newDoc();
    expectRefused(doc, () => initBoard(doc, { title: '' }), 'invalid');
    expectRefused(doc, () => initBoard(doc, { title: ' \n\t ' }), 'invalid');
    expectRefused(doc, () => initBoard(doc, { title: 'x'.repeat(LIMITS.titleLength + 1) }), 'invalid');
    expect(doc.getMap('meta').size).toBe(0);
    initBoard(doc, { title: 'x'.repeat(LIMITS.titleLength) });
    expect(readMeta(doc).title).toHaveLength(LIMITS.titleLength);
  });

  it('MODEL3: updateMeta patches only the given fields', () => {
    const { doc } = seededBoard();
    expectOneMutation(doc, 'updateMeta', ann.userId, () => updateMeta(doc, ann, { title: '  New   title ' }));
    expect(readMeta(doc)).toMatchObject({ title: 'New title', description: 'Draft for comment' });
    updateMeta(doc, ann, { description: '  Final  ' });
    expect(readMeta(doc)).toMatchObject({ title: 'New title', description: 'Final' });
  });

  it('MODEL3: updateMeta refuses a blank or over-long title, even alongside a valid description', () => {
    const { doc } = seededBoard();
    expectRefused(doc, () => updateMeta(doc, ann, { title: '   ' }), 'invalid');
    expectRefused(
      doc,
      () => updateMeta(doc, ann, { title: 'y'.repeat(LIMITS.titleLength + 1), description: 'ok' }),
      'invalid',
    );
    expect(readMeta(doc).description).toBe('Draft for comment');
  });

  it('MODEL3: the view reads a doc without meta as an untitled board', () => {
    expect(readMeta(newDoc())).toEqual({
      title: 'Untitled board',
      description: '',
      isDemo: false,
      schemaVersion: SCHEMA_VERSION,
    });
  });
});

describe('MODEL3: stakeholders', () => {
  it('MODEL3: addStakeholder appends in order with cleaned name and lower-case colour', () => {
    const { doc } = seededBoard();
    const id = expectOneMutation(doc, 'addStakeholder', ann.userId, () =>
      addStakeholder(doc, ann, { id: BIZ, name: '  Business   council ', short: ' BIZ ', color: '#AABBCC' }),
    );
    expect(id).toBe(BIZ);
    const list = listStakeholders(doc);
    expect(list.map((s) => s.id)).toEqual([GOV, NGO, BIZ]);
    expect(list[2]).toMatchObject({ id: BIZ, name: 'Business council', short: 'BIZ', color: '#aabbcc' });
    expect(list[0]!.order < list[1]!.order && list[1]!.order < list[2]!.order).toBe(true);
  });

  it('MODEL3: addStakeholder refuses a duplicate id', () => {
    const { doc } = seededBoard();
    expectRefused(
      doc,
      () => addStakeholder(doc, ann, { id: GOV, name: 'Again', short: 'AG', color: '#000000' }),
      'conflict',
    );
  });

  it.each([
    ['an empty id', { id: '', name: 'N', short: 'N', color: '#000000' }],
    ['an uppercase id', { id: 'Gov2', name: 'N', short: 'N', color: '#000000' }],
    ['an id with a slash', { id: 'a/b', name: 'N', short: 'N', color: '#000000' }],
    ['an id with a tilde', { id: 'a~b', name: 'N', short: 'N', color: '#000000' }],
    ['an id starting with a dash', { id: '-ab', name: 'N', short: 'N', color: '#000000' }],
    ['a 33-char id', { id: 'a'.repeat(33), name: 'N', short: 'N', color: '#000000' }],
    ['a colour name', { id: 'biz', name: 'N', short: 'N', color: 'red' }],
    ['a short colour', { id: 'biz', name: 'N', short: 'N', color: '#abc' }],
    ['a blank name', { id: 'biz', name: '  ', short: 'N', color: '#000000' }],
    ['a 101-char name', { id: 'biz', name: 'n'.repeat(101), short: 'N', color: '#000000' }],
    ['a blank short name', { id: 'biz', name: 'N', short: '', color: '#000000' }],
    ['a 9-char short name', { id: 'biz', name: 'N', short: 'ABCDEFGHI', color: '#000000' }],
  ])('MODEL2: addStakeholder refuses %s and writes nothing', (_label, input) => {
    const { doc } = seededBoard();
    expectRefused(doc, () => addStakeholder(doc, ann, input as Parameters<typeof addStakeholder>[2]), 'invalid');
    expect(listStakeholders(doc)).toHaveLength(2);
  });

  it('MODEL3: updateStakeholder patches name, short name and colour', () => {
    const { doc } = seededBoard();
    expectOneMutation(doc, 'updateStakeholder', ann.userId, () =>
      updateStakeholder(doc, ann, GOV, { name: ' Ministry ', short: 'MIN', color: '#FF0000' }),
    );
    expect(listStakeholders(doc)[0]).toMatchObject({ id: GOV, name: 'Ministry', short: 'MIN', color: '#ff0000' });
    updateStakeholder(doc, ann, GOV, { short: 'M' });
    expect(listStakeholders(doc)[0]).toMatchObject({ name: 'Ministry', short: 'M', color: '#ff0000' });
  });

  it('MODEL2: updateStakeholder refuses an unknown stakeholder', () => {
    const { doc } = seededBoard();
    expectRefused(doc, () => updateStakeholder(doc, ann, BIZ, { name: 'X' }), 'not-found');
  });

  it('MODEL2: updateStakeholder refuses a bad colour, blank name or over-long short name', () => {
    const { doc } = seededBoard();
    expectRefused(doc, () => updateStakeholder(doc, ann, GOV, { color: 'blue' }), 'invalid');
    expectRefused(doc, () => updateStakeholder(doc, ann, GOV, { name: '' }), 'invalid');
    expectRefused(doc, () => updateStakeholder(doc, ann, GOV, { short: 'TOOLONGXX' }), 'invalid');
  });

  it('MODEL2: updateStakeholder with a valid name and a bad colour writes nothing (no partial patch)', () => {
    const { doc } = seededBoard();
    expectRefused(doc, () => updateStakeholder(doc, ann, GOV, { name: 'Ministry', color: 'blue' }), 'invalid');
    expect(listStakeholders(doc)[0]!.name).toBe('Government');
  });

  it('MODEL2: updateStakeholder with a valid name and a bad short name writes nothing (no partial patch)', () => {
    const { doc } = seededBoard();
    expectRefused(doc, () => updateStakeholder(doc, ann, GOV, { name: 'Ministry', short: '' }), 'invalid');
    expect(listStakeholders(doc)[0]!.name).toBe('Government');
  });
});
