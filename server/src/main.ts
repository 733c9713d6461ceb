import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';

/** The process entry point: the only module with side effects at import. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config);
  const app = await createApp(config, log);
  const port = await app.listen();
  const base = config.publicUrl ?? `http://localhost:${port}`;
  const links = await app.demoLinks(base);
  // Structured for scripts and tests; a terminal gets the table below instead.
  if (links.length > 0 && config.logFormat === 'json') log.info({ links }, 'demo sign-in links');
  log.info({ port, url: base, dataDir: config.dataDir }, 'listening');
  // In plain lines as well when the logs are JSON (piped to a file or a log collector):
  // a person reading the output must not have to dig the links out of one JSON line.
  const width = Math.max(...links.map((l) => l.label.length), 0) + 2;
  const rows = links.map((l) => `    ${l.label.padEnd(width)}${l.url}`).join('\n');
  console.log(
    `\n  Parley is running at ${base}\n  Demo board:          ${base}/b/demo\n` +
      (links.length > 0 ? `\n  Sign in to the demo as (links valid for a week):\n${rows}\n` : ''),
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down; storing everything first');
    app.close().then(
      () => {
        log.info('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        log.fatal({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
