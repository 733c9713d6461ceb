#!/usr/bin/env node
// Builds the server into server/dist/ for `npm start`, which then runs plain `node` on it:
// no TypeScript compiled in the process on every start (`npm run dev` and the tests keep
// `tsx`). esbuild bundles server/src and the shared code it imports (`@parley/shared/*`
// resolves to TypeScript sources) into ES modules side by side:
//
//   dist/main.js          the server (src/main.ts)
//   dist/importWorker.js  the import worker Piscina loads (importWorker.ts, wherever it
//                         sits below src/); ImportPool finds it beside the module it runs in
//   dist/searchWorker.js  the search index's worker (searchWorker.ts), found the same way
//   dist/versionWorker.js the versions' worker (versionWorker.ts), found the same way
//
// Packages from node_modules stay external: Node loads them as it does under tsx (and
// better-sqlite3 is native). In the bundle `import.meta.url` is dist/main.js's: dist/ sits
// at the depth of src/, so the repository root config.ts computes from it is the same
// (BUILD1 checks it through the client it serves); a module that computes a path from its
// own URL must sit directly in src/ for that to hold.
//
// `npm start` runs the build as `node --max-semi-space-size=4 dist/main.js`: a young
// generation of 8 MiB instead of up to 32 (docs/PERFORMANCE.md, "Start-up and memory").
//
//   node build.mjs              build
//   node build.mjs --if-needed  build only when an input is newer than the output
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const serverDir = dirname(fileURLToPath(import.meta.url));
const distDir = join(serverDir, 'dist');
const outputs = ['main.js', 'importWorker.js', 'searchWorker.js', 'versionWorker.js'].map((f) => join(distDir, f));
const inputs = [
  join(serverDir, 'src'),
  join(serverDir, 'package.json'),
  fileURLToPath(import.meta.url),
  resolve(serverDir, '..', 'shared', 'src'),
  resolve(serverDir, '..', 'shared', 'package.json'),
  resolve(serverDir, '..', 'tsconfig.base.json'),
];

/** Newest modification time (ms) of a file, or of any file below a folder. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a deleted file changes its folder's time
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry.name)));
  }
  return newest;
}

/** Every file below a folder. */
function filesBelow(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesBelow(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** The one file of that name below src/ (found by name: folders may be regrouped). */
function findSource(name) {
  const found = filesBelow(join(serverDir, 'src')).filter((f) => basename(f) === name);
  if (found.length !== 1)
    throw new Error(`server/build.mjs: expected one ${name} in server/src, found ${found.length}`);
  return found[0];
}

if (process.argv.includes('--if-needed')) {
  const builtAt = outputs.every(existsSync) ? Math.min(...outputs.map((f) => statSync(f).mtimeMs)) : -1;
  if (builtAt >= Math.max(...inputs.map(newestMtime))) {
    console.log('server: dist is up to date, skipping build');
    process.exit(0);
  }
  console.log(builtAt < 0 ? 'server: no build yet, building…' : 'server: sources changed, rebuilding…');
}

/** Bare imports stay external except the workspace's own TypeScript package. */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@parley/') ? undefined : { path: args.path, external: true },
    );
  },
};

const started = performance.now();
const result = await build({
  absWorkingDir: serverDir,
  entryPoints: {
    main: 'src/main.ts',
    importWorker: findSource('importWorker.ts'),
    searchWorker: findSource('searchWorker.ts'),
    versionWorker: findSource('versionWorker.ts'),
  },
  outdir: distDir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Class and function names stay as written (logs and errors print them).
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [externalPackages],
  write: false,
});

// Each file is written beside its final name and renamed over it, so a server starting
// while another build runs never reads half a file.
mkdirSync(distDir, { recursive: true });
for (const file of result.outputFiles) {
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, file.path);
}
console.log(`server: built dist/ in ${Math.round(performance.now() - started)} ms`);
