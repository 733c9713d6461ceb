import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { boardToMarkdown } from '@parley/shared/export';
import { isValidBoardId } from '@parley/shared/protocol';
import { ConfigError, loadConfig } from './config.ts';
import { readBoardJson } from './storage/readBoard.ts';
import { SQLITE_FILE, SqliteStorage } from './storage/SqliteStorage.ts';

/** The admin CLI: `npm run parley -- <command>`. Reads the same data dir as the server. */
function boardIdArg(value: string): string {
  if (!isValidBoardId(value)) throw new InvalidArgumentError('board ids are lowercase letters, digits and dashes');
  return value;
}

class CliError extends Error {}

const program = new Command()
  .name('parley')
  .description('Parley admin CLI. Uses PARLEY_DATA_DIR (default ./data) like the server.')
  .showHelpAfterError();

program
  .command('export')
  .description('print a board as JSON or Markdown')
  .requiredOption('--board <id>', 'board id', boardIdArg)
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'md']).default('json'))
  .action(async (opts: { board: string; format: 'json' | 'md' }) => {
    const config = loadConfig();
    if (!fs.existsSync(path.join(config.dataDir, SQLITE_FILE))) {
      throw new CliError(`no Parley data in ${config.dataDir} (start the server once, or set PARLEY_DATA_DIR)`);
    }
    const storage = new SqliteStorage(config.dataDir);
    try {
      const board = await readBoardJson(storage, opts.board);
      if (!board) throw new CliError(`no board "${opts.board}" in ${config.dataDir}`);
      process.stdout.write(opts.format === 'md' ? boardToMarkdown(board) : `${JSON.stringify(board, null, 2)}\n`);
    } finally {
      await storage.close();
    }
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof CliError || err instanceof ConfigError) {
    process.stderr.write(`parley: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
});
