import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp, type ParleyApp } from '../../server/src/app.ts';
import { EnvSchema, loadConfig } from '../../server/src/config.ts';
import { createLogger } from '../../server/src/logger.ts';

/**
 * The docs checked against the code they describe, so that they cannot drift: the routes and
 * variables come from the running code (the Express app's router stacks, the config schema),
 * never from a list kept here.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (rel: string) => fs.readFileSync(path.join(REPO, rel), 'utf8');

/** The body of the `## <heading>` section of a Markdown file, up to the next `## `. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l === `## ${heading}`);
  if (start < 0) throw new Error(`no "## ${heading}" section`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The code spans in the first column of a Markdown table's rows. */
function firstColumnCode(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l))
    .flatMap((l) => [...(l.split(/(?<!\\)\|/)[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

/** Every file under a directory (relative to the repo) with one of these endings. */
function filesUnder(rel: string, extensions: readonly string[]): string[] {
  return pathsUnder(rel).filter((p) => extensions.some((ext) => p.endsWith(ext)));
}

/** Every file and folder (with a trailing slash) under a directory, skipping dependencies and builds. */
function pathsUnder(rel: string): string[] {
  return fs.readdirSync(path.join(REPO, rel), { withFileTypes: true }).flatMap((entry) => {
    const child = `${rel}/${entry.name}`;
    if (!entry.isDirectory()) return [child];
    if (['node_modules', 'dist', 'artifacts'].includes(entry.name) || entry.name.startsWith('.')) return [];
    return [`${child}/`, ...pathsUnder(child)];
  });
}

// ---- Routes -------------------------------------------------------------------------------

/** The parts of Express 5's router layers (the `router` package) that say what is routed. */
interface RouterLayer {
  readonly rawPath?: unknown;
  readonly route?: { readonly path: unknown; readonly methods: Record<string, boolean | undefined> };
  readonly handle: { readonly stack?: readonly RouterLayer[] };
}

/** `METHOD /full/path` for every route handler reachable from a router stack. */
function routesOf(stack: readonly RouterLayer[], prefix: string): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const { path: routePath, methods } = layer.route;
      if (typeof routePath !== 'string') throw new Error(`a route path that is not a string: ${String(routePath)}`);
      return Object.keys(methods)
        .filter((m) => methods[m])
        .map((m) => `${m === '_all' ? 'ALL' : m.toUpperCase()} ${prefix}${routePath}`);
    }
    const inner = layer.handle.stack;
    if (!Array.isArray(inner)) return []; // plain middleware
    if (typeof layer.rawPath !== 'string')
      throw new Error(`a router mounted on a non-string path: ${String(layer.rawPath)}`);
    return routesOf(inner, layer.rawPath === '/' ? prefix : `${prefix}${layer.rawPath}`);
  });
}

/** `METHOD /path` from the first column of API.md's HTTP table, without query or options. */
function documentedRoutes(apiMd: string): string[] {
  return firstColumnCode(section(apiMd, 'HTTP'))
    .map((code) => /^(GET|HEAD|POST|PUT|PATCH|DELETE|ALL) (\/[^\s?[]*)/.exec(code))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);
}

describe('docs/API.md against the code (unit)', () => {
  let dataDir: string;
  let app: ParleyApp;
  let routes: string[];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-docs-'));
    const config = loadConfig({
      PARLEY_DATA_DIR: dataDir,
      PARLEY_CLIENT_DIST: dataDir,
      PARLEY_SEED_DEMO: 'false',
      LOG_LEVEL: 'silent',
      LOG_FORMAT: 'json',
    });
    // The Express app is what createApp hands to http.createServer (socket.io then wraps the
    // server's request listener, so it is caught here). The server is built but never listens.
    const createServer = vi.spyOn(http, 'createServer');
    let express: { router: { stack: RouterLayer[] } } | undefined;
    try {
      app = await createApp(config, createLogger(config));
      express = createServer.mock.calls[0]?.[0] as unknown as typeof express;
    } finally {
      createServer.mockRestore();
    }
    if (!express) throw new Error('createApp did not build its server with http.createServer(app)');
    routes = routesOf(express.router.stack, '');
  });

  afterAll(async () => {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('DOCS1: the HTTP table lists every Express route handler, and nothing else as a route', () => {
    // The walk must have found the routers (app.get, and the ones mounted under /api).
    expect(routes).toContain('GET /healthz');
    expect(routes).toContain('POST /api/auth/signin');
    const documented = documentedRoutes(read('docs/API.md'));
    expect(
      routes.filter((r) => !documented.includes(r)),
      'routes missing from docs/API.md',
    ).toEqual([]);
    expect(
      documented.filter((r) => !routes.includes(r)),
      'docs/API.md routes the server does not have',
    ).toEqual([]);
  });

  it('DOCS2: the configuration table lists every environment variable the server reads, and no other', () => {
    const fromSchema = Object.keys(EnvSchema.shape);
    // Reads outside the schema (the CLI's, the fault hook's, npm's INIT_CWD), found in the source.
    const fromSource = new Set<string>();
    for (const file of [...filesUnder('server/src', ['.ts']), ...filesUnder('shared/src', ['.ts'])]) {
      const source = read(file);
      for (const m of source.matchAll(
        /\b(?:process\.)?env(?:\.([A-Z_][A-Z0-9_]*)|\[\s*(['"`])([A-Z_][A-Z0-9_]*)\2\s*\])/g,
      )) {
        fromSource.add(m[1] ?? m[3]!);
      }
      // A computed name would escape the scan above.
      expect(source, `${file} reads process.env by a computed name`).not.toMatch(/process\.env\[\s*[^'"`\s]/);
    }
    const read_ = new Set([...fromSchema, ...fromSource]);
    const documented = firstColumnCode(section(read('docs/API.md'), 'Configuration (environment)'));
    expect(fromSchema.length).toBeGreaterThan(20);
    expect(
      [...read_].filter((v) => !documented.includes(v)),
      'variables missing from docs/API.md',
    ).toEqual([]);
    expect(
      documented.filter((v) => !read_.has(v)),
      'docs/API.md variables nothing reads',
    ).toEqual([]);
  });
});

// ---- Section references -------------------------------------------------------------------

/** A heading or a reference to one, compared without quotes, case or spacing. */
const headingKey = (text: string) =>
  text
    .replace(/["'`“”‘’]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

/** A Markdown file's headings, outside fenced code blocks. */
function headingsOf(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').flatMap((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^#{1,6} (.+)$/.exec(line);
    return m ? [m[1]!] : [];
  });
}

/** The doc a reference names: `docs/X.md`, or a root file such as README.md. */
function docPath(name: string): string | null {
  const base = path.basename(name);
  for (const candidate of [`docs/${base}`, base]) if (fs.existsSync(path.join(REPO, candidate))) return candidate;
  return null;
}

describe('section references (unit)', () => {
  it('DOCS4: every `X.md, "Section"` reference in the source and the docs names a heading X.md has, and no heading repeats', () => {
    const sources = [
      ...['server/src', 'shared/src', 'client/src'].flatMap((dir) => filesUnder(dir, ['.ts', '.svelte'])),
      ...filesUnder('docs', ['.md']),
      'README.md',
      'client/README.md',
    ];
    const broken: string[] = [];
    let references = 0;
    for (const file of sources) {
      // A comment's reference may wrap: join its lines, dropping the comment markers.
      const text = read(file).replace(/\s*\n\s*(?:\*(?!\/)|\/\/)?\s*/g, ' ');
      for (const m of text.matchAll(/\b((?:docs\/)?[A-Z][A-Z_]*\.md),?\s+["“]([^"”]{2,80})["”]/g)) {
        references++;
        const doc = docPath(m[1]!);
        const headings = doc ? headingsOf(read(doc)).map(headingKey) : [];
        if (!headings.includes(headingKey(m[2]!)))
          broken.push(`${file}: ${m[1]}, "${m[2]}"${doc ? '' : ' (no such doc)'}`);
      }
    }
    expect(references).toBeGreaterThan(3);
    expect(broken).toEqual([]);

    // And no heading is used twice among the docs, so a section has one name and one place.
    const seen = new Map<string, string>();
    const repeated: string[] = [];
    for (const doc of filesUnder('docs', ['.md'])) {
      for (const heading of headingsOf(read(doc))) {
        const other = seen.get(headingKey(heading));
        if (other) repeated.push(`"${heading}" in ${other} and ${doc}`);
        seen.set(headingKey(heading), doc);
      }
    }
    expect(repeated).toEqual([]);
  });
});

// ---- The parts list -----------------------------------------------------------------------

/** A file or folder name in a parts-list description: `TokenBucket.ts`, `guard/`, `lib/api.ts`. */
const PART_NAME = /(?<![\w./-])((?:[\w.-]+\/)*[\w.-]+\.(?:ts|svelte|mjs|js|css|html)|(?:[\w.-]+\/)+)(?![\w/])/g;
/** Names that start at the repository root rather than at their entry's folder. */
const FROM_ROOT = /^(?:server|shared|client|test|docs)\//;

const isPresent = (rel: string) => {
  const full = path.join(REPO, rel);
  return rel.endsWith('/') ? fs.existsSync(full) && fs.statSync(full).isDirectory() : fs.existsSync(full);
};

describe('docs/ARCHITECTURE.md against the tree (unit)', () => {
  it('DOCS3: every path the parts list names exists, every part of server/src, shared/src and client/src is in it, and every file the page names exists', () => {
    const architecture = read('docs/ARCHITECTURE.md');
    const block = /```\n([\s\S]*?)```/.exec(section(architecture, 'Parts'))?.[1];
    if (!block) throw new Error('no code block under "## Parts"');

    // Each entry starts at the line's start with a path from the root; its description (on
    // the same and the indented lines below) names files and folders relative to the entry.
    const named: string[] = [];
    let folder = '';
    for (const line of block.split('\n')) {
      let description = line;
      if (/^\S/.test(line)) {
        const entry = line.split(/\s/, 1)[0]!;
        named.push(entry);
        folder = entry.endsWith('/') ? entry : `${path.posix.dirname(entry)}/`;
        description = line.slice(entry.length);
      }
      for (const m of description.matchAll(PART_NAME)) named.push(FROM_ROOT.test(m[1]!) ? m[1]! : folder + m[1]!);
    }
    expect(named.length).toBeGreaterThan(30);
    expect(
      named.filter((p) => !isPresent(p)),
      'named in the parts list, not in the tree',
    ).toEqual([]);

    const parts = ['server/src', 'shared/src', 'client/src'].flatMap((dir) =>
      fs
        .readdirSync(path.join(REPO, dir), { withFileTypes: true })
        .map((e) => `${dir}/${e.name}${e.isDirectory() ? '/' : ''}`),
    );
    expect(
      parts.filter((p) => !named.some((n) => n === p || (p.endsWith('/') && n.startsWith(p)))),
      'in the tree, not in the parts list',
    ).toEqual([]);

    // The rest of the page names files too (`collab/endpoint/wsFrame.ts`, `shared/src/import`): each
    // must exist, from the root or as the end of a path in the tree.
    const tree = ['server', 'shared', 'client', 'test', 'docs'].flatMap((dir) => pathsUnder(dir));
    const stale = [...architecture.matchAll(/`([\w.-]+(?:\/[\w.-]+)*\/?)`/g)]
      .map((m) => m[1]!)
      .filter((name) => name.includes('/') || /\.(?:ts|svelte|mjs|js)$/.test(name))
      .filter((name) => !isPresent(name) && !tree.some((p) => p.endsWith(`/${name}`)));
    expect(stale, 'files the page names that do not exist').toEqual([]);
  });
});
