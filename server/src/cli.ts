import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { boardToMarkdown } from '@parley/shared/export';
import { ROLES, type Role } from '@parley/shared/permissions';
import { STAKEHOLDER_ID_PATTERN, isValidBoardId } from '@parley/shared/protocol';
import { DEFAULT_TOKEN_TTL_SECONDS, signAccessToken } from './auth/accessTokens.ts';
import { hashPassword, passwordProblem } from './auth/passwords.ts';
import { loadSigningSecret, newOpaqueToken } from './auth/secrets.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { readBoardJson } from './storage/readBoard.ts';
import { SqliteAccountStore } from './storage/SqliteAccountStore.ts';
import { SQLITE_FILE, SqliteStorage } from './storage/SqliteStorage.ts';

/** The admin CLI: `npm run parley -- <command>`. Reads the same data dir as the server. */
class CliError extends Error {}

function boardIdArg(value: string): string {
  if (!isValidBoardId(value)) throw new InvalidArgumentError('board ids are lowercase letters, digits and dashes');
  return value;
}
function stakeholderArg(value: string): string {
  if (!STAKEHOLDER_ID_PATTERN.test(value))
    throw new InvalidArgumentError('stakeholder ids are lowercase letters, digits and dashes');
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

/** Opens the data dir's store; refuses to create one (a typo in PARLEY_DATA_DIR should not). */
async function withStore<T>(
  fn: (s: { storage: SqliteStorage; accounts: SqliteAccountStore; config: Config }) => Promise<T>,
) {
  const config = loadConfig();
  if (!fs.existsSync(path.join(config.dataDir, SQLITE_FILE))) {
    throw new CliError(`no Parley data in ${config.dataDir} (start the server once, or set PARLEY_DATA_DIR)`);
  }
  const storage = new SqliteStorage(config.dataDir);
  try {
    return await fn({ storage, accounts: new SqliteAccountStore(storage.db), config });
  } finally {
    await storage.close();
  }
}

async function requireBoard(storage: SqliteStorage, boardId: string): Promise<void> {
  if (!(await storage.boardExists(boardId))) throw new CliError(`no board "${boardId}"`);
}

function checkRoleStakeholder(role: Role, stakeholder: string | undefined): string | null {
  if (role === 'observer') {
    if (stakeholder) throw new CliError('observers belong to no stakeholder; drop --stakeholder');
    return null;
  }
  if (!stakeholder) throw new CliError(`a ${role} belongs to a stakeholder; pass --stakeholder <sid>`);
  return stakeholder;
}

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
    await withStore(async ({ storage, config }) => {
      const board = await readBoardJson(storage, opts.board);
      if (!board) throw new CliError(`no board "${opts.board}" in ${config.dataDir}`);
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
      await withStore(async ({ storage, config }) => {
        await requireBoard(storage, opts.board);
        const token = await signAccessToken(loadSigningSecret(config.dataDir, config.secret), {
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
