// Many processes, one OLARES_MCP_HOME: exactly one /api/refresh per stale token, rotating
// refresh tokens survive, and a SIGKILLed lock holder does not wedge the others.
import { execFile, spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthContext } from '../src/auth/index.js';
import { OlaresHttp } from '../src/transport/http.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, 'fixtures');
const REFRESH = 'POST /auth/api/refresh';

describe('refresh across processes', () => {
  let box: TestBox;
  const expire = async () => {
    const rec = (await box.auth.stores.file.get('bob@olares.com'))!;
    await box.auth.stores.file.set({
      ...rec,
      accessToken: await box.sim.issueAccessToken(box.sim.userById('bob@olares.com')!, { ttlSec: -5 }),
    });
  };
  beforeEach(async () => {
    box = await makeBox();
    await box.login('bob@olares.com');
  });
  afterEach(() => box.close());

  it('8 processes x 5 concurrent calls with an expired token make exactly one refresh', async () => {
    await expire();
    // The first refresh is slow: the other processes, started meanwhile, must wait for it under
    // the lock and take its token from the store. Without the slow answer, tsx start-up alone
    // staggers them enough that a missing lock goes unseen in about half the runs.
    box.sim.addFault({ match: REFRESH, kind: 'latency', ms: 1500, times: 1 });
    const children = await Promise.all(
      Array.from({ length: 8 }, () =>
        run(process.execPath, ['--import', 'tsx', join(FIXTURES, 'echo-calls.ts'), '5'], {
          env: box.env,
          timeout: 60_000,
        }),
      ),
    );
    const results = children.map((c) => JSON.parse(c.stdout.trim().split('\n').pop()!));
    expect(results.flatMap((r) => r.failures)).toEqual([]);
    expect(results.reduce((a, r) => a + r.ok, 0)).toBe(40);
    expect(box.sim.count(REFRESH)).toBe(1);
    expect(results.reduce((a, r) => a + r.refreshes, 0)).toBe(1);
  });

  it('recovers from a SIGKILLed lock holder after the stale window, with one refresh', async () => {
    await expire();
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', join(FIXTURES, 'lock-holder.ts'), box.auth.paths.locks, 'bob@olares.com'],
      { env: box.env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d) => String(d).includes('locked') && resolve());
      holder.on('exit', () => reject(new Error('lock holder exited early')));
    });
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    // The dead holder's last touch of the lock: the lock is honoured until 2 s after it.
    const [lockName] = await readdir(box.auth.paths.locks);
    const lastTouch = Math.floor((await stat(join(box.auth.paths.locks, lockName))).mtimeMs);
    const auth = new AuthContext({ ...box.env, OLARES_MCP_LOCK_STALE_MS: '2000' });
    const http = new OlaresHttp(await auth.session());
    const body = await http.json<any>('desktop', '/api/echo');
    const takeoverMs = Date.now() - lastTouch;
    expect(body.data.user).toBe('bob@olares.com');
    expect(box.sim.count(REFRESH)).toBe(1);
    // Taken over only once the lock went stale: a refresher that ignored the lock would be done
    // within a few hundred ms of the kill.
    expect(takeoverMs).toBeGreaterThanOrEqual(2000);
    console.info(`lock takeover after SIGKILL: ${takeoverMs} ms after the last touch (stale window 2000 ms)`);
  });
});
