// Market tools against the simulator answering the way the real servers do
// (docs/wire/market.md, docs/wire/cluster.md M1-M3, C1-C5, C9 and the app-name hardening note).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { marketControl } from '../sim/market.js';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const FAST = { OLARES_MARKET_POLL_MS: '20', OLARES_CONFIRM: 'off' };
const OLARES_INFO = 'GET /desktop/api/olares-info';
const bodies = (box: TestBox, op: string) =>
  box.sim.journal.filter((j) => j.key === `market ${op}`).map((j) => j.body);
const marketRequests = (box: TestBox) =>
  [...box.sim.counters.entries()].filter(([k]) => k.includes(' /market/')).reduce((a, [, n]) => a + n, 0);

/** Waits (polling the simulator, with a deadline) until bob's row of the app is in the state. */
async function reaches(box: TestBox, app: string, state: string) {
  const deadline = Date.now() + 10_000;
  while (marketControl(box.sim).row('bob', app)?.state !== state) {
    if (Date.now() > deadline) throw new Error(`${app} never reached ${state}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const STATE = 'GET /market/app-store/api/v2/market/state';

/**
 * Runs a waiting call while the box lags: the request is taken but its row stays as it was, and
 * the clock is held until the call has polled the state after sending (the row it checks before
 * sending, then two polls: the second one starts only after the first answer was judged), so the
 * first poll surely sees the stale row.
 */
async function withStaleFirstPoll(box: TestBox, call: () => Promise<any>) {
  const clock = marketControl(box.sim);
  const polls = box.sim.count(STATE);
  clock.lag(true);
  clock.hold(true);
  try {
    const pending = call();
    const deadline = Date.now() + 10_000;
    while (box.sim.count(STATE) < polls + 3) {
      if (Date.now() > deadline) throw new Error('the call never polled the state');
      await new Promise((r) => setTimeout(r, 5));
    }
    clock.hold(false);
    return await pending;
  } finally {
    clock.hold(false);
    clock.lag(false);
  }
}

async function session(opts: Parameters<typeof makeBox>[0] = {}, who = 'bob@olares.com') {
  const box = await makeBox({ marketStepMs: 40, ...opts });
  await box.login(who);
  const mcp = await connect({ ...box.env, ...FAST });
  return { box, mcp };
}

describe('market fidelity (Olares 1.12.6, market main)', () => {
  let box: TestBox;
  let mcp: McpSession;

  // A box per test: each runs alone (-t), and no test sees another's apps or pods.
  beforeEach(async () => {
    ({ box, mcp } = await session());
  });
  afterEach(async () => {
    await mcp?.close();
    await box?.close();
  });

  it('decodes failed checks the public market wraps in HTTP 500', async () => {
    const env = await mcp.call('market_install', { app: 'n8n' });
    expect(env.isError).toBe(true);
    expect(textOf(env)).toMatch(/Missing required values: N8N_ENCRYPTION_KEY/);
    expect(textOf(env)).toMatch(/call market_install again with envs: \{"N8N_ENCRYPTION_KEY": "<value>"\}/);
    const modes = await mcp.call('market_install', { app: 'comfyui' });
    expect(textOf(modes)).toMatch(/computeMode set to one of: cpu, nvidia$/);
    expect(bodies(box, 'install')).toHaveLength(2);
  });

  it('reads env variables from app_info.app_entry.envs when raw_data is absent', async () => {
    const get = await mcp.call('market_get', { app: 'n8n' });
    expect(get.isError, textOf(get)).toBeFalsy();
    expect(get.structuredContent).toMatchObject({
      title: 'n8n',
      envs: [
        { name: 'N8N_ENCRYPTION_KEY', required: true, description: 'Key that encrypts stored credentials' },
      ],
    });
    expect(textOf(get)).not.toContain('[object Object]');
  });

  it('validates app names before any request: . and .. never reach a URL', async () => {
    const before = marketRequests(box);
    for (const [tool, app] of [
      ['market_stop', '..'],
      ['market_install', '.'],
      ['market_get', 'a/b'],
      ['market_uninstall', '../install'],
      ['market_status', 'UPPER'],
    ]) {
      const r = await mcp.call(tool, { app });
      expect(r.isError, `${tool} ${app}`).toBe(true);
      expect(textOf(r)).toMatch(/is not a valid Olares app name.*market_list/);
    }
    expect(marketRequests(box)).toBe(before);
  });

  it('always cascades stop and uninstall of a client/server app on 1.12.6+', async () => {
    const inst = await mcp.call('market_install', { app: 'dify', wait: true });
    expect(inst.structuredContent.status, textOf(inst)).toBe('success');
    const stop = await mcp.call('market_stop', { app: 'dify', cascade: false, wait: true });
    expect(stop.structuredContent).toMatchObject({ status: 'success', cascade: true });
    expect(textOf(stop)).toMatch(/client\/server app/);
    expect(bodies(box, 'stop').pop()).toEqual({ app_name: 'dify', source: 'market.olares', all: true });
    const un = await mcp.call('market_uninstall', { app: 'dify', wait: true });
    expect(un.structuredContent).toMatchObject({ status: 'success', cascade: true });
    expect(bodies(box, 'uninstall').pop()).toMatchObject({ app_name: 'dify', all: true });
  });

  it('leaves an ordinary app alone unless cascade is asked for', async () => {
    await mcp.call('market_install', { app: 'firefox', wait: true });
    const stop = await mcp.call('market_stop', { app: 'firefox', wait: true });
    expect(stop.structuredContent).toMatchObject({ status: 'success', cascade: false });
    expect(bodies(box, 'stop').pop()).toMatchObject({ app_name: 'firefox', all: false });
    const resume = await mcp.call('market_resume', { app: 'firefox', wait: true });
    expect(resume.structuredContent.status).toBe('success');
    await mcp.call('market_stop', { app: 'firefox', cascade: true, wait: true });
    expect(bodies(box, 'stop').pop()).toMatchObject({ app_name: 'firefox', all: true });
    await mcp.call('market_resume', { app: 'firefox', wait: true });
  });

  it('refuses lifecycle calls while /api/olares-info is unreadable, naming the cause', async () => {
    const installed = await mcp.call('market_install', { app: 'firefox', wait: true });
    expect(installed.structuredContent?.status, textOf(installed)).toBe('success');
    const stops = bodies(box, 'stop').length;
    box.sim.addFault({ match: OLARES_INFO, kind: 'status', status: 502 });
    try {
      const r = await mcp.call('market_stop', { app: 'firefox' });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(
        /Olares version of this box is unknown \(GET desktop \/api\/olares-info: .*502/,
      );
      expect(textOf(r)).toMatch(/Nothing was sent\. Fix: check the desktop service with the doctor tool/);
      expect(bodies(box, 'stop')).toHaveLength(stops);
    } finally {
      box.sim.clearFaults();
    }
    const ok = await mcp.call('market_stop', { app: 'firefox', wait: true });
    expect(ok.structuredContent.status, textOf(ok)).toBe('success');
    await mcp.call('market_resume', { app: 'firefox', wait: true });
  });

  it('takes HTTP 202 "task still running" as accepted', async () => {
    const installed = await mcp.call('market_install', { app: 'firefox', wait: true });
    expect(installed.structuredContent?.status, textOf(installed)).toBe('success');
    marketControl(box.sim).stillRunning(true);
    try {
      const r = await mcp.call('market_stop', { app: 'firefox' });
      expect(r.isError, textOf(r)).toBeFalsy();
      expect(r.structuredContent.status).toBe('accepted');
      expect(r.structuredContent.message).toMatch(/still working on it \(HTTP 202\)/);
    } finally {
      marketControl(box.sim).stillRunning(false);
    }
    await reaches(box, 'firefox', 'stopped');
    const resume = await mcp.call('market_resume', { app: 'firefox', wait: true });
    expect(resume.structuredContent.status, textOf(resume)).toBe('success');
  });

  it('does not settle a restart on a row without a status time, nor on the row from before', async () => {
    const installed = await mcp.call('market_install', { app: 'firefox', wait: true });
    expect(installed.structuredContent?.status, textOf(installed)).toBe('success');
    marketControl(box.sim).patch('bob', 'firefox', { statusTime: '' });
    const r = await withStaleFirstPoll(box, () => mcp.call('market_restart', { app: 'firefox', wait: true }));
    expect(r.structuredContent.status, textOf(r)).toBe('success');
    const seen: string[] = r.structuredContent.statesSeen.map((s: string) => s.split(' ')[0]);
    expect(seen[0]).toBe('running');
    // It polled past the stale row (which state in between it caught depends on the machine's load).
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[seen.length - 1]).toBe('running');
  });

  it('does not report the stale canceled row of an earlier install as the new install failing', async () => {
    const clock = marketControl(box.sim);
    clock.hold(true);
    await mcp.call('market_install', { app: 'jellyfin' });
    const cancel = await mcp.call('market_cancel', { app: 'jellyfin' });
    expect(cancel.isError, textOf(cancel)).toBeFalsy();
    clock.hold(false);
    await reaches(box, 'jellyfin', 'pendingCanceled');
    expect(clock.row('bob', 'jellyfin')).toMatchObject({ state: 'pendingCanceled', opType: 'cancel' });
    const r = await withStaleFirstPoll(box, () =>
      mcp.call('market_install', { app: 'jellyfin', wait: true }),
    );
    expect(r.structuredContent.status, textOf(r)).toBe('success');
    expect(r.structuredContent.statesSeen[0]).toMatch(/^pendingCanceled/);
  });

  it('says to stop then resume when the market has no restart route (HTTP 405)', async () => {
    const installed = await mcp.call('market_install', { app: 'firefox', wait: true });
    expect(installed.structuredContent?.status, textOf(installed)).toBe('success');
    box.sim.addFault({
      match: 'POST /market/app-store/api/v2/apps/restart',
      kind: 'status',
      status: 405,
      times: 1,
    });
    const r = await mcp.call('market_restart', { app: 'firefox' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/no restart route \(HTTP 405.*Nothing was changed\. Fix: market_stop/);
  });
});

describe('market fidelity: the other backends', () => {
  it('decodes a failed check passed through as HTTP 422 (newer backend)', async () => {
    const { box, mcp } = await session({ marketCheckStatus: 422 });
    try {
      const r = await mcp.call('market_install', { app: 'comfyui' });
      expect(textOf(r)).toMatch(/computeMode set to one of: cpu, nvidia$/);
      const env = await mcp.call('market_install', { app: 'n8n' });
      expect(textOf(env)).toMatch(/Missing required values: N8N_ENCRYPTION_KEY/);
    } finally {
      await mcp.close();
      await box.close();
    }
  });

  it('reads raw_data envs from the Redis-backed market', async () => {
    const { box, mcp } = await session({ marketRawData: true });
    try {
      const get = await mcp.call('market_get', { app: 'n8n' });
      expect(get.structuredContent.envs).toEqual([
        expect.objectContaining({ name: 'N8N_ENCRYPTION_KEY', required: true }),
      ]);
    } finally {
      await mcp.close();
      await box.close();
    }
  });

  it('on 1.12.5 cascades a client/server uninstall only on a single-user box', async () => {
    // bob (a normal user) sees only himself in /api/users/v2: single-user for him, as in the SPA.
    const single = await session({ osVersion: '1.12.5' });
    try {
      await single.mcp.call('market_install', { app: 'dify', wait: true });
      const un = await single.mcp.call('market_uninstall', { app: 'dify', wait: true });
      expect(un.structuredContent, textOf(un)).toMatchObject({ status: 'success', cascade: true });
      expect(bodies(single.box, 'uninstall')).toEqual([{ sync: true, all: true, deleteData: false }]);
    } finally {
      await single.mcp.close();
      await single.box.close();
    }
    // alice owns a two-user box: the shared server stays unless she asks.
    const multi = await session({ osVersion: '1.12.5' }, 'alice@olares.com');
    try {
      await multi.mcp.call('market_install', { app: 'dify', wait: true });
      const un = await multi.mcp.call('market_uninstall', { app: 'dify', wait: true });
      expect(un.structuredContent, textOf(un)).toMatchObject({ status: 'success', cascade: false });
      expect(bodies(multi.box, 'uninstall')).toEqual([{ sync: true, all: false, deleteData: false }]);
    } finally {
      await multi.mcp.close();
      await multi.box.close();
    }
  });
});
