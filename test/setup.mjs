// Makes sure Debian's Chromium is present before browser tests and benchmarks run.
// Fast and silent when it is already installed. CI runs as root and gets it from apt
// (~1 min); anyone else is told what to install.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM = '/usr/bin/chromium';
const PACKAGES = ['chromium', 'fonts-noto-color-emoji'];

if (existsSync(CHROMIUM)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    `test setup: ${CHROMIUM} is missing and this is not root, so it cannot be installed here.\n` +
      `Install it, then run the tests again:\n\n` +
      `  sudo apt-get update && sudo apt-get install -y ${PACKAGES.join(' ')}\n`,
  );
  process.exit(1);
}

/** Runs a command with its output shown, stopping the setup if it fails. */
function run(command, args, env = {}) {
  console.log(`test setup: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.error) {
    console.error(`test setup: could not run ${command}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) {
    console.error(`test setup: ${command} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

console.log(`test setup: ${CHROMIUM} is missing; installing ${PACKAGES.join(', ')} with apt`);
const started = Date.now();
run('apt-get', ['update']);
run('apt-get', ['install', '-y', ...PACKAGES], { DEBIAN_FRONTEND: 'noninteractive' });

if (!existsSync(CHROMIUM)) {
  console.error(`test setup: apt-get finished but ${CHROMIUM} is still missing`);
  process.exit(1);
}
console.log(`test setup: chromium installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
