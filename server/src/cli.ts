import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { boardToMarkdown, comparisonToMarkdown } from '@parley/shared/export';
import { MAX_IMPORT_BYTES, decodeUtf8, parseJsonPlan, parseMarkdownPlan, type BoardPlan } from '@parley/shared/import';
import { LIMITS, compareBoards, newVersionId, oneLineText, snapshotOf, type BoardSnapshot } from '@parley/shared/model';
import * as Y from 'yjs';
import { ROLES, stakeholderMismatch, type Role } from '@parley/shared/permissions';
import { ID_CHARACTERS, STAKEHOLDER_ID_PATTERN, isValidBoardId } from '@parley/shared/protocol';
import { DEFAULT_TOKEN_TTL_SECONDS, signAccessToken } from './accounts/accessTokens.ts';
import { hashPassword, passwordProblem } from './accounts/passwords.ts';
import type { AccountStore } from './accounts/AccountStore.ts';
import { newOpaqueToken } from './accounts/secrets.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createBoardFromPlan, planForSetup, withOwnerStakeholder } from './boards/createBoards.ts';
import { readBoardJson, withStoredBoard } from './persistence/readBoard.ts';
import { packVersionState, unpackVersionState } from './versions/versionState.ts';
import { openStores, type Stores } from './persistence/openStores.ts';
import { SQLITE_FILE } from './persistence/sqlite/SqliteStorage.ts';
import type { Storage } from './persistence/Storage.ts';
import { versionHistoryRow } from './history/versionEntry.ts';

/** The admin CLI: `npm run parley -- <command>`. Reads the same data dir as the server. */
class CliError extends Error {}

function boardIdArg(value: string): string {
  if (!isValidBoardId(value)) throw new InvalidArgumentError(`board ids are ${ID_CHARACTERS}`);
  return value;
}
function stakeholderArg(value: string): string {
  if (!STAKEHOLDER_ID_PATTERN.test(value)) throw new InvalidArgumentError(`stakeholder ids are ${ID_CHARACTERS}`);
  return value;
}
function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}
function roleOption() {
  return new Option('--role <role>', 'role on the board').choices(ROLES).makeOptionMandatory();
}

/**
 * Opens the server's store: PostgreSQL if PARLEY_DATABASE_URL is set, else the data dir's
 * SQLite file, which it refuses to create (a typo in PARLEY_DATA_DIR should not).
 */
async function withStore<T>(fn: (s: Omit<Stores, 'close'> & { config: Config; where: string }) => Promise<T>) {
  const config = loadConfig();
  if (!config.databaseUrl && !fs.existsSync(path.join(config.dataDir, SQLITE_FILE))) {
    throw new CliError(`no Parley data in ${config.dataDir} (start the server once, or set PARLEY_DATA_DIR)`);
  }
  let stores: Stores;
  try {
    stores = await openStores({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, secret: config.secret });
  } catch (err) {
    // The URL is not repeated: it may hold a password.
    if (config.databaseUrl) throw new CliError(`cannot open the PostgreSQL database: ${(err as Error).message}`);
    throw err;
  }
  try {
    return await fn({ ...stores, config, where: config.databaseUrl ? 'the PostgreSQL database' : config.dataDir });
  } finally {
    await stores.close();
  }
}

async function requireBoard(storage: Storage, boardId: string): Promise<void> {
  if (!(await storage.boardExists(boardId))) throw new CliError(`no board "${boardId}"`);
}

function checkRoleStakeholder(role: Role, stakeholder: string | undefined): string | null {
  const mismatch = stakeholderMismatch(role, stakeholder);
  if (mismatch === 'observer-has-stakeholder')
    throw new CliError('observers belong to no stakeholder; drop --stakeholder');
  if (mismatch === 'stakeholder-missing')
    throw new CliError(`a ${role} belongs to a stakeholder; pass --stakeholder <sid>`);
  return stakeholder ?? null;
}

const program = new Command()
  .name('parley')
  .description('Parley admin CLI. Uses PARLEY_DATA_DIR (default ./data), or PARLEY_DATABASE_URL, like the server.')
  .showHelpAfterError();

program
  .command('export')
  .description('print a board as JSON or Markdown')
  .requiredOption('--board <id>', 'board id', boardIdArg)
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'md']).default('json'))
  .action(async (opts: { board: string; format: 'json' | 'md' }) => {
    await withStore(async ({ storage, where }) => {
      const board = await readBoardJson(storage, opts.board);
      if (!board) throw new CliError(`no board "${opts.board}" in ${where}`);
      process.stdout.write(opts.format === 'md' ? boardToMarkdown(board) : `${JSON.stringify(board, null, 2)}\n`);
    });
  });

program
  .command('token')
  .description('print a short-lived signed access token (alone on stdout)')
  .requiredOption('--board <id>', 'board id', boardIdArg)
  .addOption(roleOption())
  .option('--stakeholder <sid>', 'stakeholder the holder acts for (not for observers)', stakeholderArg)
  .option('--name <name>', 'display name', 'CLI user')
  .option('--user <id>', 'user id the token speaks for (default: a new random id)')
  .option('--ttl <seconds>', 'lifetime in seconds', positiveInt, DEFAULT_TOKEN_TTL_SECONDS)
  .action(
    async (opts: { board: string; role: Role; stakeholder?: string; name: string; user?: string; ttl: number }) => {
      const stakeholderId = checkRoleStakeholder(opts.role, opts.stakeholder);
      await withStore(async ({ storage, signingSecret }) => {
        await requireBoard(storage, opts.board);
        const token = await signAccessToken(signingSecret, {
          userId: opts.user ?? `t_${newOpaqueToken().slice(0, 12)}`,
          boardId: opts.board,
          role: opts.role,
          stakeholderId,
          name: opts.name,
          ttlSeconds: opts.ttl,
        });
        process.stdout.write(`${token}\n`);
      });
    },
  );

program
  .command('invite')
  .description('print an invite link that makes whoever accepts it a member')
  .requiredOption('--board <id>', 'board id', boardIdArg)
  .addOption(roleOption())
  .option('--stakeholder <sid>', 'stakeholder the member belongs to (not for observers)', stakeholderArg)
  .option('--hours <n>', 'hours until the link expires', positiveInt, 24 * 7)
  .option('--uses <n>', 'how many people may use the link', positiveInt, 1)
  .option('--base-url <url>', 'server URL for the link (default PARLEY_PUBLIC_URL or http://localhost:PORT)')
  .action(
    async (opts: {
      board: string;
      role: Role;
      stakeholder?: string;
      hours: number;
      uses: number;
      baseUrl?: string;
    }) => {
      const stakeholderId = checkRoleStakeholder(opts.role, opts.stakeholder);
      await withStore(async ({ storage, accounts, config }) => {
        await requireBoard(storage, opts.board);
        const token = newOpaqueToken();
        await accounts.createInvite(
          {
            boardId: opts.board,
            role: opts.role,
            stakeholderId,
            createdBy: null,
            expiresAt: Date.now() + opts.hours * 3_600_000,
            maxUses: opts.uses,
          },
          token,
        );
        const base = (opts.baseUrl ?? config.publicUrl ?? `http://localhost:${config.port || 3000}`).replace(
          /\/+$/,
          '',
        );
        process.stdout.write(`${base}/invite/${token}\n`);
      });
    },
  );

/** The account named by `--owner`, or none; an unknown email is an error before anything is made. */
async function ownerByEmail(accounts: AccountStore, email: string | undefined) {
  if (email === undefined) return null;
  const found = await accounts.findUserByEmail(email);
  if (!found) throw new CliError(`no user with email ${email} (create one with \`user add\`)`);
  return found;
}

function titleArg(value: string): string {
  const title = oneLineText(value);
  if (!title || title.length > LIMITS.titleLength) {
    throw new InvalidArgumentError(`must be 1 to ${LIMITS.titleLength} characters`);
  }
  return title;
}

const board = program.command('board').description('manage boards');

board
  .command('create')
  .description('create an empty board with its stakeholders; prints the new board id as the last line')
  .requiredOption('--title <title>', 'board title', titleArg)
  .requiredOption(
    '--stakeholder <name...>',
    'stakeholder delegation names, in order (ids, short labels and colours are derived)',
  )
  .option('--description <text>', 'board description')
  .option('--owner <email>', "the owner's account, who belongs to the first stakeholder (default: no members yet)")
  .action(async (opts: { title: string; stakeholder: string[]; description?: string; owner?: string }) => {
    const names = opts.stakeholder.map(oneLineText);
    if (names.some((n) => !n || n.length > LIMITS.stakeholderNameLength)) {
      throw new CliError(`stakeholder names must be 1 to ${LIMITS.stakeholderNameLength} characters`);
    }
    if (new Set(names.map((n) => n.toLowerCase())).size !== names.length) {
      throw new CliError('two stakeholders have the same name');
    }
    if ((opts.description ?? '').trim().length > LIMITS.descriptionLength) {
      throw new CliError(`the description is longer than ${LIMITS.descriptionLength} characters`);
    }
    await withStore(async ({ storage, accounts }) => {
      const owner = await ownerByEmail(accounts, opts.owner);
      const plan = planForSetup({
        title: opts.title,
        description: opts.description,
        stakeholders: names.map((name) => ({ name })),
        start: 'empty',
      });
      const id = await createBoardFromPlan(storage, accounts, plan, {
        ...(owner ? { owner: { userId: owner.id, stakeholderId: plan.stakeholders[0]!.id } } : {}),
      });
      for (const s of plan.stakeholders) process.stdout.write(`stakeholder\t${s.id}\t${s.name}\n`);
      process.stdout.write(`${id}\n`);
    });
  });

for (const [name, archived] of [
  ['archive', true],
  ['unarchive', false],
] as const) {
  board
    .command(name)
    .description(
      archived
        ? 'make a board read-only for everyone (a running server applies it when the board next loads; PATCH /api/boards/:id applies it at once)'
        : 'make an archived board writable again (a running server applies it when the board next loads)',
    )
    .requiredOption('--board <id>', 'board id', boardIdArg)
    .action(async (opts: { board: string }) => {
      await withStore(async ({ storage }) => {
        if (!(await storage.setBoardArchived(opts.board, archived))) throw new CliError(`no board "${opts.board}"`);
        process.stdout.write(`${opts.board} ${archived ? 'archived' : 'unarchived'}\n`);
      });
    });
}

board
  .command('delete')
  .description(
    'delete a board for good: its log, notes, members, invites and sign-in links (stop the server first, or use DELETE /api/boards/:id)',
  )
  .requiredOption('--board <id>', 'board id', boardIdArg)
  .requiredOption('--confirm <title>', "the board's current title, typed")
  .action(async (opts: { board: string; confirm: string }) => {
    await withStore(async ({ storage, accounts }) => {
      const found = await storage.getBoard(opts.board);
      if (!found) throw new CliError(`no board "${opts.board}"`);
      if (oneLineText(opts.confirm) !== found.title) {
        throw new CliError(`--confirm is not the board's current title ("${found.title}"); nothing was deleted`);
      }
      await storage.deleteBoard(opts.board);
      await accounts.forgetBoard(opts.board);
      process.stdout.write(`${opts.board} deleted\n`);
    });
  });

program
  .command('import <file>')
  .description(
    'create a board from a Markdown plan or a JSON export (.md or .json); prints the new board id as the last line',
  )
  .option('--title <title>', "board title (default: the file's title)", titleArg)
  .option(
    '--owner <email>',
    "the owner's account, who belongs to the file's first stakeholder (default: no members yet)",
  )
  .action(async (file: string, opts: { title?: string; owner?: string }) => {
    let bytes: Buffer;
    try {
      if (fs.statSync(file).size > MAX_IMPORT_BYTES) {
        throw new CliError(`${file}: the file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MiB`);
      }
      bytes = fs.readFileSync(file);
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const decoded = decodeUtf8(new Uint8Array(bytes));
    if (!decoded.ok) throw new CliError(`${file}: ${decoded.message}`);
    const isJson = /\.json$/i.test(file) || /^\s*[{[]/.test(decoded.text);
    const result = isJson ? parseJsonPlan(decoded.text) : parseMarkdownPlan(decoded.text);
    if (!result.ok)
      throw new CliError(
        `${file}:${result.error.line}${result.error.column ? `:${result.error.column}` : ''}: ${result.error.message}`,
      );
    await withStore(async ({ storage, accounts }) => {
      const owner = await ownerByEmail(accounts, opts.owner);
      let plan: BoardPlan = result.plan;
      let stakeholderId: string | undefined;
      if (owner) ({ plan, stakeholderId } = withOwnerStakeholder(plan));
      const id = await createBoardFromPlan(storage, accounts, plan, {
        ...(opts.title ? { title: opts.title } : {}),
        ...(owner && stakeholderId ? { owner: { userId: owner.id, stakeholderId } } : {}),
      });
      process.stdout.write(
        `imported "${opts.title ?? plan.meta.title}": ${plan.categories.length} categories, ${plan.points.length} points, ${plan.stakeholders.length} stakeholders, ${plan.positions.length} positions, ${plan.threads.length} threads\n`,
      );
      process.stdout.write(`${id}\n`);
    });
  });

const version = program.command('version').description('published versions of a board (rounds)');

version
  .command('publish')
  .description("publish the board's stored state as a named version; prints its id alone as the last line")
  .requiredOption('--board <id>', 'board id', boardIdArg)
  .requiredOption('--name <name>', 'the version\'s name, e.g. "Round 2 draft"')
  .option('--note <note>', 'a note for readers', '')
  .action(async (opts: { board: string; name: string; note: string }) => {
    const name = oneLineText(opts.name);
    if (name === '' || name.length > LIMITS.versionNameLength) {
      throw new CliError(`--name must be 1 to ${LIMITS.versionNameLength} characters`);
    }
    if (opts.note.length > LIMITS.versionNoteLength) {
      throw new CliError(`--note is longer than ${LIMITS.versionNoteLength} characters`);
    }
    await withStore(async ({ storage }) => {
      const state = await withStoredBoard(storage, opts.board, (doc) => packVersionState(Y.encodeStateAsUpdate(doc)));
      if (!state) throw new CliError(`no board "${opts.board}"`);
      const id = newVersionId();
      const summary = {
        id,
        boardId: opts.board,
        name,
        note: opts.note.trim(),
        createdBy: null,
        createdByName: 'CLI',
        createdAt: Date.now(),
      };
      // Its activity entry too: a running server's sweep finds it within seconds and
      // notifies the members (or its next start does).
      await storage.createVersion(summary, state, versionHistoryRow(summary, null));
      process.stdout.write(`published "${name}"\n${id}\n`);
    });
  });

version
  .command('list')
  .description("list a board's versions, newest first: id, time, name")
  .requiredOption('--board <id>', 'board id', boardIdArg)
  .action(async (opts: { board: string }) => {
    await withStore(async ({ storage }) => {
      await requireBoard(storage, opts.board);
      for (const v of await storage.listVersions(opts.board)) {
        process.stdout.write(`${v.id}\t${new Date(v.createdAt).toISOString()}\t${v.name}\n`);
      }
    });
  });

version
  .command('compare')
  .description('what changed between two versions, or a version and the live board')
  .requiredOption('--board <id>', 'board id', boardIdArg)
  .requiredOption('--from <version>', 'a version id')
  .requiredOption('--to <version>', 'a version id, or "live"')
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'md']).default('json'))
  .action(async (opts: { board: string; from: string; to: string; format: 'json' | 'md' }) => {
    await withStore(async ({ storage }) => {
      await requireBoard(storage, opts.board);
      const side = async (id: string): Promise<{ label: string; snapshot: BoardSnapshot }> => {
        if (id === 'live') {
          const snapshot = await withStoredBoard(storage, opts.board, snapshotOf);
          return { label: 'the live board', snapshot: snapshot! };
        }
        const found = await storage.readVersion(opts.board, id);
        if (!found) throw new CliError(`no version "${id}" of board "${opts.board}"`);
        const doc = new Y.Doc();
        try {
          Y.applyUpdate(doc, unpackVersionState(found.state));
          return { label: found.summary.name, snapshot: snapshotOf(doc) };
        } finally {
          doc.destroy();
        }
      };
      if (opts.from === 'live') throw new CliError('--from must be a version id');
      const from = await side(opts.from);
      const to = await side(opts.to);
      const comparison = compareBoards(from.snapshot, to.snapshot);
      process.stdout.write(
        opts.format === 'md'
          ? comparisonToMarkdown(comparison, { from: from.label, to: to.label }, to.snapshot.board)
          : `${JSON.stringify(comparison, null, 2)}\n`,
      );
    });
  });

const user = program.command('user').description('manage user accounts');

user
  .command('add')
  .description('create a user (reads the password from PARLEY_NEW_PASSWORD, or none: sign-in by link only)')
  .requiredOption('--email <email>', 'email address')
  .requiredOption('--name <name>', 'display name')
  .action(async (opts: { email: string; name: string }) => {
    const password = process.env['PARLEY_NEW_PASSWORD'];
    if (password !== undefined) {
      const problem = passwordProblem(password);
      if (problem) throw new CliError(problem);
    }
    await withStore(async ({ accounts }) => {
      const created = await accounts.createUser({
        email: opts.email,
        name: opts.name,
        passwordHash: password === undefined ? null : await hashPassword(password),
      });
      process.stdout.write(`${created.id}\n`);
    });
  });

user
  .command('list')
  .description('list users')
  .action(async () => {
    await withStore(async ({ accounts }) => {
      for (const u of await accounts.listUsers()) {
        process.stdout.write(`${u.id}\t${u.email}\t${u.name}${u.disabled ? '\t(disabled)' : ''}\n`);
      }
    });
  });

user
  .command('grant')
  .description('make a user a member of a board with a role')
  .requiredOption('--email <email>', 'the user')
  .requiredOption('--board <id>', 'board id', boardIdArg)
  .addOption(roleOption())
  .option('--stakeholder <sid>', 'stakeholder (not for observers)', stakeholderArg)
  .action(async (opts: { email: string; board: string; role: Role; stakeholder?: string }) => {
    const stakeholderId = checkRoleStakeholder(opts.role, opts.stakeholder);
    await withStore(async ({ storage, accounts }) => {
      await requireBoard(storage, opts.board);
      const found = await accounts.findUserByEmail(opts.email);
      if (!found) throw new CliError(`no user with email ${opts.email}`);
      await accounts.setMembership({ boardId: opts.board, userId: found.id, role: opts.role, stakeholderId });
    });
  });

for (const [name, disabled] of [
  ['disable', true],
  ['enable', false],
] as const) {
  user
    .command(name)
    .description(
      disabled
        ? 'disable a user: end their sessions, refuse their access tokens, close their sockets'
        : 'enable a disabled user (access tokens minted before stay refused)',
    )
    .requiredOption('--email <email>', 'the user')
    .action(async (opts: { email: string }) => {
      await withStore(async ({ accounts }) => {
        const found = await accounts.findUserByEmail(opts.email);
        if (!found) throw new CliError(`no user with email ${opts.email}`);
        await accounts.setUserDisabled(found.id, disabled);
      });
    });
}

user
  .command('revoke-sessions')
  .description(
    'sign a user out everywhere and refuse their access tokens minted until now (a running server closes their sockets within about a second)',
  )
  .requiredOption('--email <email>', 'the user')
  .action(async (opts: { email: string }) => {
    await withStore(async ({ accounts }) => {
      const found = await accounts.findUserByEmail(opts.email);
      if (!found) throw new CliError(`no user with email ${opts.email}`);
      process.stdout.write(`${await accounts.revokeUserSessions(found.id)} sessions revoked\n`);
    });
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof CliError || err instanceof ConfigError) {
    process.stderr.write(`parley: ${err.message}\n`);
    process.exit(1);
  }
  if (err instanceof Error && err.name === 'AccountError') {
    process.stderr.write(`parley: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
});
