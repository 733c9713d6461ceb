import { describe, expect, it } from 'vitest';
import { newCategoryId, newCommentId, newId, newPointId, newThreadId } from '@parley/shared/model';

describe('IDS1: generated ids', () => {
  it('IDS1: ids are the type prefix followed by 12 lowercase base-36 characters', () => {
    expect(newCategoryId()).toMatch(/^c_[a-z0-9]{12}$/);
    expect(newPointId()).toMatch(/^p_[a-z0-9]{12}$/);
    expect(newThreadId()).toMatch(/^t_[a-z0-9]{12}$/);
    expect(newCommentId()).toMatch(/^m_[a-z0-9]{12}$/);
    expect(newId('x-')).toMatch(/^x-[a-z0-9]{12}$/);
  });

  it('IDS1: ids never contain ":" (position keys are "pointId:stakeholderId")', () => {
    for (let i = 0; i < 200; i++) expect(newPointId()).not.toContain(':');
  });

  it('IDS1: 10,000 ids are all distinct and use the whole alphabet', () => {
    const ids = Array.from({ length: 10_000 }, () => newPointId());
    expect(new Set(ids).size).toBe(ids.length);
    const chars = new Set(ids.join('').replaceAll('p_', ''));
    expect(chars.size).toBe(36);
  });
});
