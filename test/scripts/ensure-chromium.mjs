#!/usr/bin/env node
// Makes sure a Chromium binary is available for the e2e tests (playwright-core drives the
// system Chromium; it never downloads browsers). Looks at $CHROMIUM_PATH, then
// /usr/bin/chromium. When neither exists and we run as root on Debian (as in CI), installs
// Debian's `chromium` package with apt-get; otherwise exits 1 saying how to install it.
// Plain Node, no dependencies.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';

const DEFAULT_PATH = '/usr/bin/chromium';

function isExecutable(file) {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    failWithHelp(`CHROMIUM_PATH=${fromEnv} is not an executable file.`);
  }
  return isExecutable(DEFAULT_PATH) ? DEFAULT_PATH : null;
}

function run(cmd, args, env = process.env) {
  console.log(`ensure-chromium: $ ${cmd} ${args.join(' ')}`);
  const result = spawnSync(cmd, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  if (result.error) {
    console.error(`ensure-chromium: could not run ${cmd}: ${result.error.message}`);
    return false;
  }
  if (result.status !== 0) {
    console.error(`ensure-chromium: ${cmd} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
    return false;
  }
  return true;
}

function failWithHelp(reason) {
  console.error(
    [
      `ensure-chromium: ${reason}`,
      'The end-to-end tests need a Chromium browser. Install it with:',
      '    sudo apt-get install chromium',
      'or point CHROMIUM_PATH at an existing Chromium/Chrome binary, e.g.:',
      '    CHROMIUM_PATH=/path/to/chromium npm test',
    ].join('\n'),
  );
  process.exit(1);
}

let binary = findChromium();

if (!binary) {
  const isDebian = existsSync('/etc/debian_version');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isDebian || !isRoot) {
    failWithHelp(`no Chromium found at ${DEFAULT_PATH} and CHROMIUM_PATH is not set.`);
  }
  console.log(`ensure-chromium: no Chromium at ${DEFAULT_PATH}; installing Debian's chromium package…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!run('apt-get', ['update'], env) || !run('apt-get', ['install', '-y', 'chromium'], env)) {
    failWithHelp('installing chromium with apt-get failed.');
  }
  binary = findChromium();
  if (!binary) failWithHelp(`apt-get install chromium succeeded but ${DEFAULT_PATH} is still missing.`);
}

const version = spawnSync(binary, ['--version'], { encoding: 'utf8' });
const versionText = version.status === 0 ? version.stdout.trim() : 'version unknown';
console.log(`ensure-chromium: using ${binary} (${versionText})`);
