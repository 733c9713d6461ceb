import { registerSW } from 'virtual:pwa-register';
import { auth } from '../state/auth.svelte.ts';
import { countUnsaved } from './offline-data.ts';

const RETRY_MS = 5_000;

/**
 * Registers the service worker that keeps the app shell for offline starts
 * (vite-plugin-pwa, `autoUpdate`). When a new version has taken over, the page reloads
 * onto it, but only at a safe moment: nothing unsaved, and nobody typing in a visible tab.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  registerSW({
    immediate: true,
    onNeedReload: reloadWhenSafe,
    onRegisterError: (err: unknown) => console.warn('Parley: the offline app shell is not available', err),
  });
}

function reloadWhenSafe() {
  const user = auth.user;
  const unsaved = user ? countUnsaved(user.id) : 0;
  const typing = document.activeElement?.closest('[contenteditable="true"], input, textarea, select') ?? null;
  if (unsaved === 0 && (typing === null || document.visibilityState === 'hidden')) {
    location.reload();
  } else {
    setTimeout(reloadWhenSafe, RETRY_MS);
  }
}
