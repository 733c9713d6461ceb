import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { FORWARDED_HEADER } from './peerForwarding.ts';

/** Headers that describe one hop, not the request (RFC 9110 §7.6.1), minus the upgrade's own. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** How long the owner may take to accept a forwarded connection. */
const CONNECT_TIMEOUT_MS = 5_000;
/** How long a forwarded request may go without a byte either way (an export takes a while). */
const REQUEST_IDLE_MS = 60_000;

/** One agent for every forwarded request: keep-alive connections to the other instances. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** The request's headers as sent, without hop-by-hop ones (if `dropHopByHop`) or a forwarding claim. */
function headerLines(rawHeaders: readonly string[], dropHopByHop: boolean): [string, string][] {
  const lines: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (lower === FORWARDED_HEADER || (dropHopByHop && HOP_BY_HOP.has(lower))) continue;
    lines.push([name, rawHeaders[i + 1]!]);
  }
  return lines;
}

/**
 * Passes a websocket upgrade on to the owner as bytes: the request line and headers as the
 * client sent them plus the signed forwarding header, then the two sockets piped together.
 * The owner authenticates the client itself (cookie or token) and runs the whole protocol;
 * this instance never decodes a frame. TCP carries order and backpressure end to end: a
 * client that stops reading stops the pipe, and the owner's slow-reader limit closes it.
 */
export function forwardUpgrade(
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  ownerUrl: string,
  forwardedHeader: string,
  onFailed: () => void,
): void {
  const target = new URL(ownerUrl);
  const upstream = net.connect({
    host: target.hostname,
    port: Number(target.port || (target.protocol === 'https:' ? 443 : 80)),
  });
  upstream.setNoDelay(true);
  if (socket instanceof net.Socket) socket.setNoDelay(true);
  upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error('owner did not accept in time')));
  let connected = false;
  upstream.once('connect', () => {
    connected = true;
    upstream.setTimeout(0);
    const lines = headerLines(req.rawHeaders, false).map(([name, value]) => `${name}: ${value}\r\n`);
    upstream.write(
      `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n${lines.join('')}${FORWARDED_HEADER}: ${forwardedHeader}\r\n\r\n`,
    );
    if (head.length > 0) upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
  upstream.on('error', () => {
    if (!connected) {
      onFailed();
      // The client's handshake fails; its provider retries with backoff (by then the owner
      // is back, or its lease has lapsed and another instance serves the board).
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n',
      );
    } else {
      socket.destroy();
    }
  });
  upstream.on('close', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
  socket.on('close', () => upstream.destroy());
}

/**
 * Passes an HTTP request on to the owner and its answer back, streaming both ways. Mounted
 * before any body parser, so the body arrives untouched. `unreachable` is called if the
 * owner cannot be reached before it answered (the caller answers 503; nothing was done).
 */
export function forwardRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  /** The request's whole path and query (Express rewrites `req.url` below a mount point). */
  pathAndQuery: string,
  ownerUrl: string,
  forwardedHeader: string,
  unreachable: () => void,
): void {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of headerLines(req.rawHeaders, true)) {
    const existing = headers[name];
    headers[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [String(existing)]), value];
  }
  headers[FORWARDED_HEADER] = forwardedHeader;
  const upstream = http.request(new URL(pathAndQuery, ownerUrl), {
    method: req.method ?? 'GET',
    headers,
    agent,
    timeout: REQUEST_IDLE_MS,
  });
  upstream.on('response', (answer) => {
    const out: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
    }
    res.writeHead(answer.statusCode ?? 502, out);
    answer.pipe(res);
  });
  upstream.on('timeout', () => upstream.destroy(new Error('owner did not answer in time')));
  upstream.on('error', () => {
    if (res.headersSent) res.destroy();
    else unreachable();
  });
  req.pipe(upstream);
}
