// npm run test:live [-- --record]: builds, then runs test/live against the box named by
// OLARES_LIVE_URL_TEMPLATE; --record also saves its sanitized answers as captured fixtures.
import { spawnSync } from 'node:child_process';

const record = process.argv.includes('--record');
if (!process.env.OLARES_LIVE_URL_TEMPLATE)
  console.warn(
    'test:live: OLARES_LIVE_URL_TEMPLATE is not set (e.g. https://{service}.alice.olares.com); every live case will be skipped',
  );
const run = (cmd, args, env = process.env) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('npm', ['run', 'build']);
run('npx', ['vitest', 'run', '--config', 'vitest.live.config.ts'], {
  ...process.env,
  OLARES_LIVE_RECORD: record ? '1' : '',
});
