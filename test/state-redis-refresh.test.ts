// Replicas sharing state through a real redis-server (OLARES_STATE=redis): one refresh per stale
// token across processes, and a lease holder that stalls past its lease writes nothing.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { splitVersioned } from '../src/auth/redis/scripts.js';
import { OlaresHttp } from '../src/transport/http.js';
import { newKey, redisEnv, redisSkipReason } from './helpers/redis.js';
import { privateRedis } from './helpers/redisHooks.js';
import { makeBox, type TestBox } from './helpers/sim.js';
import { eventually, gate } from './helpers/wait.js';

const run = promisify(execFile);
const CHILD = join(import.meta.dirname, 'fixtures', 'echo-calls.ts');
const REFRESH = 'POST /auth/api/refresh';
const ID = 'bob@olares.com';

describe.skipIf(redisSkipReason)('shared state: refresh across replicas', () => {
  const shared = privateRedis();
  let box: TestBox;
  const keys = { OLARES_MCP_TOKEN_KEY: newKey(), OLARES_MCP_STATE_KEY: newKey() };
  const tokenKey = () => `test-olares-mcp:token:${ID}`;
  const storedVersion = async () => splitVersioned(await shared.raw.get(tokenKey())).version;

  afterEach(async () => {
    await box?.auth.state.close();
    await box?.close();
    await shared.raw.flushall();
  });

  async function loggedInBox(opts: { rotateRefreshTokens?: boolean } = {}) {
    box = await makeBox({
      ...opts,
      env: redisEnv(shared.server, { ...keys, OLARES_MCP_LOCK_STALE_MS: '2000' }),
    });
    await box.login(ID);
    const store = await box.auth.stores.forWrite();
    expect(store.backend).toBe('redis');
    const rec = (await store.get(ID))!;
    const expired = await box.sim.issueAccessToken(box.sim.userById(ID)!, { ttlSec: -5 });
    await store.set({ ...rec, accessToken: expired });
  }

  it('8 processes x 20 calls with an expired token make exactly one /api/refresh', async () => {
    await loggedInBox();
    // A slow first refresh: the other replicas, started meanwhile, must find the lease taken and
    // pick the new token up from the store instead of refreshing again.
    box.sim.addFault({ match: REFRESH, kind: 'latency', ms: 1500, times: 1 });
    const children = await Promise.all(
      Array.from({ length: 8 }, () =>
        run(process.execPath, ['--import', 'tsx', CHILD, '20'], { env: box.env, timeout: 90_000 }),
      ),
    );
    const results = children.map((c) => JSON.parse(c.stdout.trim().split('\n').pop()!));
    expect(results.flatMap((r) => r.failures)).toEqual([]);
    expect(results.reduce((a, r) => a + r.ok, 0)).toBe(160);
    expect(box.sim.count(REFRESH)).toBe(1);
    expect(results.reduce((a, r) => a + r.refreshes, 0)).toBe(1);
  });

  // rotate=false: the stalled holder gets a grant and must discard it; rotate=true: its refresh
  // token was already rotated by the new holder, so it gets a 401 and must not stamp the record.
  it.each([false, true])(
    'a holder stalled past its lease writes nothing (rotating refresh tokens: %s)',
    async (rotate) => {
      await loggedInBox({ rotateRefreshTokens: rotate });
      const before = await storedVersion();
      const held = gate();
      box.sim.addFault({ match: REFRESH, kind: 'latency', until: held.opened, times: 1 });
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, '1'], {
        env: box.env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        await eventually(() => box.sim.count(REFRESH) === 1, "the first holder's /api/refresh", 30_000);
        child.kill('SIGSTOP'); // stalled: no renewal, and the lease runs out
        await eventually(
          async () => (await shared.raw.exists(`test-olares-mcp:lease:${ID}`)) === 0,
          'the lease to lapse',
        );
        const http = new OlaresHttp(await box.auth.session());
        expect((await http.json<any>('desktop', '/api/echo')).data.user).toBe(ID);
        expect(box.sim.count(REFRESH)).toBe(2);
        const winner = (await (await box.auth.stores.forWrite()).get(ID))!;
        held.open();
        child.kill('SIGCONT');
        await exited;
        expect(JSON.parse(out.trim())).toMatchObject({ ok: 1, failures: [] });
        const after = (await (await box.auth.stores.forWrite()).get(ID))!;
        expect(after.accessToken).toBe(winner.accessToken);
        expect(after.invalidatedAt).toBeUndefined();
        expect(await storedVersion()).toBe(before + 1);
      } finally {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
    },
  );
});
