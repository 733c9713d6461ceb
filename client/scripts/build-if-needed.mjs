#!/usr/bin/env node
// Runs `vite build` only when client/dist/index.html is missing or older than any source
// that goes into the bundle (client/src, client/index.html, client/vite.config.ts,
// client/svelte.config.js, shared/src). `npm start` calls this so a fresh clone just works
// and a second start does not rebuild for nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const clientDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sharedSrc = resolve(clientDir, '..', 'shared', 'src');
const builtIndex = join(clientDir, 'dist', 'index.html');

/** Newest modification time (ms) of a file, or of any file below a folder. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry.name)));
  }
  return newest;
}

const inputs = [
  join(clientDir, 'src'),
  join(clientDir, 'index.html'),
  join(clientDir, 'vite.config.ts'),
  join(clientDir, 'svelte.config.js'),
  join(clientDir, 'package.json'),
  sharedSrc,
];

const builtAt = existsSync(builtIndex) ? statSync(builtIndex).mtimeMs : -1;
const newestInput = Math.max(...inputs.map(newestMtime));

if (builtAt >= newestInput) {
  console.log('client: dist is up to date, skipping build');
  process.exit(0);
}

console.log(builtAt < 0 ? 'client: no build yet, building…' : 'client: sources changed, rebuilding…');
const result = spawnSync('npx', ['vite', 'build'], {
  cwd: clientDir,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
process.exit(result.status ?? 1);
