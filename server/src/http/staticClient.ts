import fs from 'node:fs';
import path from 'node:path';
import { type RequestHandler, Router } from 'express';
import expressStaticGzip from 'express-static-gzip';

/** A year: Vite names every asset after a hash of its content, so it never changes. */
const HASHED_ASSET_MAX_AGE = 'public, max-age=31536000, immutable';

/**
 * Serves the built client, with a history-API fallback to index.html for app routes such
 * as /b/<boardId>. If the client was never built, says how to build it instead of a 404.
 */
export function staticClient(distDir: string): Router {
  const router = Router();
  const indexHtml = path.join(distDir, 'index.html');
  const assetsDir = path.join(distDir, 'assets') + path.sep;
  router.use(
    // The build writes each asset also brotli- and gzip-compressed (vite-plugin-compression2);
    // a browser that accepts them gets those bytes as they are, with no work per request.
    // The copies are listed when the server starts (`npm start` builds first); a client
    // rebuilt under a running server is served uncompressed until the next start.
    expressStaticGzip(distDir, {
      enableBrotli: true,
      orderPreference: ['br', 'gz'],
      index: false,
      serveStatic: {
        index: false,
        maxAge: '1h',
        setHeaders: (res, file) => {
          const name = path.basename(file).replace(/\.(br|gz)$/, '');
          // The service worker and the shell must be revalidated, or an update waits an hour.
          if (name === 'sw.js' || name === 'index.html' || name.endsWith('.webmanifest')) {
            res.setHeader('Cache-Control', 'no-cache');
          } else if (file.startsWith(assetsDir)) {
            res.setHeader('Cache-Control', HASHED_ASSET_MAX_AGE);
          }
        },
      },
    }),
  );
  const fallback: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path.startsWith('/api/') || req.path.startsWith('/yjs')) return next();
    if (!fs.existsSync(indexHtml)) {
      res.status(503).type('text/plain').send('The Parley client is not built. Run `npm run build` (or `npm start`).');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexHtml);
  };
  router.use(fallback);
  return router;
}
