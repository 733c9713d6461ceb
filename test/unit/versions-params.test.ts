/**
 * Unit: the versions page's state in its URL (client/src/lib/components/versions/version-params.ts).
 */
import { describe, expect, it } from 'vitest';
import { readVersionsPage, versionsHref } from '../../client/src/lib/components/versions/version-params.ts';

const IDS = ['v_newest000000', 'v_older0000000'];

describe('the versions page’s URL', () => {
  it('ROUND19 by default the latest version against the live board, inline, everything; the URL’s from, to, view, changes and open win when they name versions; a side that is not a version falls back to the default; changing one keeps the others', () => {
    expect(readVersionsPage(new URLSearchParams(), IDS)).toEqual({
      from: 'v_newest000000',
      to: 'live',
      view: 'inline',
      changesOnly: false,
      open: null,
    });
    expect(readVersionsPage(new URLSearchParams(), [])).toMatchObject({ from: null, to: 'live' });
    const params = new URLSearchParams({
      from: 'v_older0000000',
      to: 'v_newest000000',
      view: 'side',
      changes: 'only',
      open: 'v_older0000000',
    });
    expect(readVersionsPage(params, IDS)).toEqual({
      from: 'v_older0000000',
      to: 'v_newest000000',
      view: 'side',
      changesOnly: true,
      open: 'v_older0000000',
    });
    expect(readVersionsPage(new URLSearchParams({ from: 'v_gone', to: 'v_gone', view: 'x' }), IDS)).toMatchObject({
      from: 'v_newest000000',
      to: 'live',
      view: 'inline',
    });

    const url = new URL('https://parley.test/b/demo/versions?from=v_older0000000&to=live&view=side');
    expect(versionsHref(url, { to: 'v_newest000000' })).toBe(
      '/b/demo/versions?from=v_older0000000&to=v_newest000000&view=side',
    );
    expect(versionsHref(url, { view: 'inline', changesOnly: true })).toBe(
      '/b/demo/versions?from=v_older0000000&to=live&changes=only',
    );
    expect(versionsHref(new URL('https://parley.test/b/demo/versions?open=v_x&from=a'), { open: null })).toBe(
      '/b/demo/versions?from=a',
    );
  });
});
