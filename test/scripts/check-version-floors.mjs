// Offline check of the dependency versions below which known high-severity advisories
// apply (RELIABILITY.md, "Version floors"). Walks every installed copy in node_modules,
// so a vulnerable nested copy fails too. Complements `npm audit`, which needs the network.
import fs from 'node:fs';
import path from 'node:path';

const FLOORS = {
  ws: '8.21.0',
  'socket.io-parser': '4.2.6',
  'engine.io': '6.6.9',
  express: '5.1.0',
};

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function compare(a, b) {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

function* packageDirs(dir, depth = 0) {
  if (depth > 8 || !fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.name.startsWith('@')) {
      yield* packageDirs(full, depth);
      continue;
    }
    yield full;
    yield* packageDirs(path.join(full, 'node_modules'), depth + 1);
  }
}

let problems = 0;
let checked = 0;
for (const dir of packageDirs(path.join(root, 'node_modules'))) {
  const name = path.relative(path.join(root, 'node_modules'), dir).split('node_modules/').pop();
  const floor = FLOORS[name];
  if (!floor) continue;
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  checked++;
  if (compare(version, floor) < 0) {
    problems++;
    console.error(`${name}@${version} at ${path.relative(root, dir)} is below the advisory floor ${floor}`);
  }
}
console.log(`version floors: ${checked} installed copies checked, ${problems} below their floor`);
process.exit(problems > 0 ? 1 : 0);
