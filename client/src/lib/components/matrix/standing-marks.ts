import type { Standing } from '@parley/shared/model';

/**
 * The symbol each standing shows in the matrix beside its colour and its words, so that
 * no cell reads by colour alone.
 */
export const STANDING_SYMBOL: Record<Standing, string> = {
  support: '✓',
  'support-with-changes': '±',
  oppose: '✕',
  undecided: '?',
  none: '–',
};
