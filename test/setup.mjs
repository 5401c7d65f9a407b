// Makes sure what the tests and benchmarks run against is installed: Debian's Chromium and
// Firefox ESR, coturn's turnserver for the TURN tests, and redis-server for the tests of several nodes. Fast and silent
// when all are present. CI runs as root and gets what is missing from apt (~1 min); anyone else
// is told what to install.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** Each tool the tests run, and the Debian packages that bring it. */
const NEEDS = [
  { tool: '/usr/bin/chromium', packages: ['chromium', 'fonts-noto-color-emoji'] },
  { tool: '/usr/bin/turnserver', packages: ['coturn'] },
  { tool: '/usr/bin/redis-server', packages: ['redis-server'] },
  { tool: '/usr/bin/firefox-esr', packages: ['firefox-esr'] },
];

const missing = NEEDS.filter((need) => !existsSync(need.tool));
if (missing.length === 0) process.exit(0);
const tools = missing.map((need) => need.tool).join(', ');
const packages = missing.flatMap((need) => need.packages);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    `test setup: ${tools} missing and this is not root, so it cannot be installed here.\n` +
      `Install it, then run the tests again:\n\n` +
      `  sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}\n`,
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

console.log(`test setup: ${tools} missing; installing ${packages.join(', ')} with apt`);
const started = Date.now();
run('apt-get', ['update']);
run('apt-get', ['install', '-y', ...packages], { DEBIAN_FRONTEND: 'noninteractive' });

const still = missing.filter((need) => !existsSync(need.tool));
if (still.length > 0) {
  console.error(`test setup: apt-get finished but ${still.map((need) => need.tool).join(', ')} still missing`);
  process.exit(1);
}
console.log(`test setup: ${packages.join(', ')} installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
