import fs from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, Router } from 'express';

/**
 * Serves the built client, with a history-API fallback to index.html for app routes such
 * as /b/<boardId>. If the client was never built, says how to build it instead of a 404.
 */
export function staticClient(distDir: string): Router {
  const router = Router();
  const indexHtml = path.join(distDir, 'index.html');
  router.use(
    express.static(distDir, {
      index: false,
      maxAge: '1h',
      // The service worker and the shell must be revalidated, or an update waits an hour.
      setHeaders: (res, file) => {
        const name = path.basename(file);
        if (name === 'sw.js' || name === 'index.html' || name.endsWith('.webmanifest')) {
          res.setHeader('Cache-Control', 'no-cache');
        }
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
