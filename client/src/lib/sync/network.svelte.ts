/**
 * The browser's own idea of the network (`navigator.onLine` and the window `online` /
 * `offline` events). "Online" only means a network interface is up: whether the server
 * answers is for the providers to find out. "Offline" is reliable, though, and an open
 * websocket is not closed by it, so sessions disconnect at once when it fires.
 */
class NetworkState {
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);

  constructor() {
    if (typeof window === 'undefined') return;
    window.addEventListener('online', () => (this.online = true));
    window.addEventListener('offline', () => (this.online = false));
  }
}

export const network = new NetworkState();

/** Calls `onChange(online)` on every `online` / `offline` event; returns an unsubscribe. */
export function onNetworkChange(onChange: (online: boolean) => void): () => void {
  const up = () => onChange(true);
  const down = () => onChange(false);
  window.addEventListener('online', up);
  window.addEventListener('offline', down);
  return () => {
    window.removeEventListener('online', up);
    window.removeEventListener('offline', down);
  };
}
