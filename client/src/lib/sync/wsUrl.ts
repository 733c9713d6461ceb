import { YJS_PATH_PREFIX } from '@parley/shared/protocol';

/** `ws://host` or `wss://host` for the page's own origin (the server or the dev proxy). */
export function wsOrigin(loc: Pick<Location, 'protocol' | 'host'> = location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}`;
}

/** Base URL for the y-websocket provider; it appends `/<docName>` itself. */
export function yjsServerUrl(loc: Pick<Location, 'protocol' | 'host'> = location): string {
  return wsOrigin(loc) + YJS_PATH_PREFIX;
}
