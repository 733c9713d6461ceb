/**
 * A tiny history router: the current URL as reactive state, `navigate()` for pushState,
 * and a document-level click handler that turns same-origin <a href> clicks into
 * client-side navigation (so links stay real links: Tab, Enter, middle-click all work).
 */
import { SEARCH_PARAM, matchRoute } from './routes.ts';

export {
  COMMENT_PARAM,
  POSITION_PARAM,
  SEARCH_PARAM,
  boardPath,
  hitPath,
  matchRoute,
  type BoardPage,
  type Route,
} from './routes.ts';

/**
 * A `?next=` return path, if it is a path on this site (never `//evil.example` or
 * `https://…`, so a crafted sign-in link cannot send people elsewhere); else the fallback.
 */
export function safeNext(next: string | null | undefined, fallback = '/'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  try {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a throwaway parse, never reactive state
    const url = new URL(next, location.origin);
    return url.origin === location.origin ? url.pathname + url.search + url.hash : fallback;
  } catch {
    return fallback;
  }
}

/** `/signin?next=<the current page>` */
export function signInHref(next: string = location.pathname + location.search): string {
  return `/signin?next=${encodeURIComponent(next)}`;
}

class Router {
  url = $state.raw(new URL(location.href));
  route = $derived(matchRoute(this.url.pathname));
  /** The search in the board (`?q=`), '' when there is none. */
  search = $derived(this.url.searchParams.get(SEARCH_PARAM) ?? '');

  constructor() {
    window.addEventListener('popstate', () => this.#sync());
  }

  #sync() {
    this.url = new URL(location.href);
  }

  navigate(href: string, { replace = false }: { replace?: boolean } = {}) {
    const next = new URL(href, location.href);
    if (next.origin !== location.origin) {
      location.assign(next);
      return;
    }
    if (next.href === location.href) return;
    const samePage = next.pathname === location.pathname;
    if (replace) history.replaceState(history.state, '', next);
    else history.pushState(null, '', next);
    this.#sync();
    if (!samePage) window.scrollTo(0, 0);
  }

  /** Sets (or, with null, removes) one query parameter, keeping the others. */
  setParam(key: string, value: string | null, opts: { replace?: boolean } = {}) {
    const next = new URL(location.href);
    if (value === null) next.searchParams.delete(key);
    else next.searchParams.set(key, value);
    this.navigate(next.href, opts);
  }

  /** Returns the href for the current page with one query parameter changed. */
  hrefWithParam(key: string, value: string): string {
    const next = new URL(this.url.href);
    next.searchParams.set(key, value);
    return next.pathname + next.search + next.hash;
  }

  /** Install once: intercepts plain clicks on same-origin links. */
  interceptLinks(root: Document = document): () => void {
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = (event.target as Element | null)?.closest?.('a');
      if (!anchor || !anchor.href || anchor.hasAttribute('download')) return;
      if (anchor.target && anchor.target !== '_self') return;
      if (anchor.dataset['native'] !== undefined) return;
      const url = new URL(anchor.href);
      if (url.origin !== location.origin) return;
      event.preventDefault();
      this.navigate(url.href);
    };
    root.addEventListener('click', onClick);
    return () => root.removeEventListener('click', onClick);
  }
}

export const router = new Router();
