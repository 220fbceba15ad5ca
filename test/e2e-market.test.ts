// Market tools end to end: SDK Client over stdio -> built server -> the simulator's state machine.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { marketControl } from '../sim/market.js';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';
import { eventually } from './helpers/wait.js';

const FAST = { OLARES_MARKET_POLL_MS: '20' };
const UNINSTALL_ROUTE = 'DELETE /market/app-store/api/v2/apps/:name';
const STATE_ROUTE = 'GET /market/app-store/api/v2/market/state';
const bodies = (box: TestBox, op: string) =>
  box.sim.journal.filter((j) => j.key === `market ${op}`).map((j) => j.body);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls market_status until the app is in one of the states (the sim clock moves on its own). */
async function until(mcp: McpSession, app: string, states: string[], ms = 15_000) {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    const r = await mcp.call('market_status', { app });
    last = r.structuredContent?.apps?.[0]?.state ?? textOf(r);
    if (states.includes(last)) return last;
    await sleep(15);
  }
  throw new Error(`${app} never reached ${states.join('|')} (last: ${last})`);
}

// Each test gets its own box and session and installs what it needs, so any one of them runs
// alone (`npx vitest run test/e2e-market.test.ts -t ...`).
describe('market tools (Olares 1.12.6)', () => {
  let box: TestBox;
  let mcp: McpSession;
  let answer: 'accept' | 'decline' = 'accept';
  let asked: any[] = [];
  /** The test's starting point: `app` installed and running. */
  const installed = async (app: string, args: Record<string, unknown> = {}) => {
    const r = await mcp.call('market_install', { app, ...args, wait: true });
    expect(r.structuredContent?.status, textOf(r)).toBe('success');
  };

  beforeEach(async () => {
    answer = 'accept';
    asked = [];
    box = await makeBox({ marketStepMs: 100 });
    await box.login('bob@olares.com');
    mcp = await connect({ ...box.env, ...FAST }, { elicitation: { form: {} } });
    mcp.onElicit(async (params: any) => {
      asked.push(params);
      return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
    });
  });
  afterEach(async () => {
    await mcp?.close();
    await box?.close();
  });

  it('lists the catalog and shows an app with its env variables', async () => {
    const list = await mcp.call('market_list');
    expect(list.structuredContent.apps.map((a: any) => a.name)).toEqual(
      expect.arrayContaining(['firefox', 'n8n', 'comfyui']),
    );
    const get = await mcp.call('market_get', { app: 'n8n' });
    expect(get.structuredContent.envs).toEqual([
      expect.objectContaining({ name: 'N8N_ENCRYPTION_KEY', required: true }),
    ]);
    const unknown = await mcp.call('market_get', { app: 'no-such-app' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/not found in source 'market.olares'/);
  });

  it('installs with wait and reports the states as progress', async () => {
    const progress: string[] = [];
    const r = await mcp.call(
      'market_install',
      { app: 'firefox', version: '1.2.3', wait: true },
      { onprogress: (p) => progress.push(p.message) },
    );
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({
      app: 'firefox',
      operation: 'install',
      status: 'success',
      finalState: 'running',
      version: '1.2.3',
      user: 'bob@olares.com',
    });
    // The box moves on its own clock: whichever progressing states a poll caught, in order, then
    // running. The result's statesSeen is the server's record; the notifications carried them.
    const seen: string[] = r.structuredContent.statesSeen.map((l: string) => l.split(' ')[0]);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen[seen.length - 1]).toBe('running');
    expect(
      seen.slice(0, -1).every((s) => ['pending', 'downloading', 'installing', 'initializing'].includes(s)),
    ).toBe(true);
    // The client may resolve the call before it has handled the last notification (seen once in
    // CI); every notification it did handle names a state, in the order the server saw them.
    const notified = progress.map((m) => m.replace(/^firefox: /, '').split(' ')[0]);
    expect(notified.length).toBeGreaterThanOrEqual(2);
    expect(notified).toEqual(seen.slice(0, notified.length));
    const install = box.sim.journal.filter((j) => j.key === 'market install');
    expect(install).toHaveLength(1); // exactly one request for the operation
    expect(install[0].body).toMatchObject({
      source: 'market.olares',
      app_name: 'firefox',
      version: '1.2.3',
      sync: true,
    });
    const st = await mcp.call('market_status', { app: 'firefox' });
    expect(st.structuredContent.apps).toEqual([
      expect.objectContaining({ name: 'firefox', state: 'running', version: '1.2.3' }),
    ]);
    const again = await mcp.call('market_install', { app: 'firefox' });
    expect(textOf(again)).toMatch(/already installed \(state running/);
  });

  it('stops, resumes, restarts and upgrades, refusing operations the state does not allow', async () => {
    await installed('firefox', { version: '1.2.3' });
    const refused = await mcp.call('market_resume', { app: 'firefox' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/cannot resume 'firefox' in state 'running'.*Allowed now: .*market_stop/);
    let r = await mcp.call('market_stop', { app: 'firefox', wait: true });
    expect(r.structuredContent).toMatchObject({ status: 'success', finalState: 'stopped' });
    r = await mcp.call('market_resume', { app: 'firefox', wait: true });
    expect(r.structuredContent).toMatchObject({ status: 'success', finalState: 'running' });
    r = await mcp.call('market_restart', { app: 'firefox', wait: true });
    expect(r.structuredContent.status).toBe('success');
    expect(r.structuredContent.statesSeen.join(' ')).toMatch(/stopping.*resuming.*running/);
    r = await mcp.call('market_upgrade', { app: 'firefox', wait: true });
    expect(r.structuredContent).toMatchObject({ status: 'success', version: '1.3.0', finalState: 'running' });
    const stop = box.sim.journal.filter((j) => j.key === 'market stop').pop();
    expect(stop?.body).toEqual({ app_name: 'firefox', source: 'market.olares', all: false });
  });

  it('asks before uninstalling; a decline sends nothing, an accept uninstalls', async () => {
    await installed('firefox');
    asked = [];
    const dry = await mcp.call('market_uninstall', { app: 'firefox', deleteData: true, dryRun: true });
    expect(dry.structuredContent).toMatchObject({ dryRun: true, status: 'accepted', state: 'running' });
    expect(textOf(dry)).toMatch(/dry run: would uninstall 'firefox' and delete its data/);
    expect(asked).toHaveLength(0);
    expect(box.sim.count(UNINSTALL_ROUTE)).toBe(0);
    answer = 'decline';
    const declined = await mcp.call('market_uninstall', { app: 'firefox' });
    expect(declined.isError).toBe(true);
    expect(textOf(declined)).toMatch(/declined; nothing was changed/);
    expect(asked[0].message).toContain('firefox');
    expect(box.sim.count(UNINSTALL_ROUTE)).toBe(0);
    answer = 'accept';
    const r = await mcp.call('market_uninstall', { app: 'firefox', wait: true });
    expect(r.structuredContent).toMatchObject({ status: 'success', finalState: 'uninstalled' });
    expect(box.sim.count(UNINSTALL_ROUTE)).toBe(1);
    expect(bodies(box, 'uninstall').pop()).toEqual({
      app_name: 'firefox',
      source: 'market.olares',
      sync: true,
      all: false,
      deleteData: false,
      version: '1.3.0',
    });
    const gone = await mcp.call('market_uninstall', { app: 'firefox' });
    expect(textOf(gone)).toMatch(/not installed \(state uninstalled\); nothing to uninstall/);
    expect(box.sim.count(UNINSTALL_ROUTE)).toBe(1);
  });

  it('turns a missing env var into an actionable error, then installs with it', async () => {
    const r = await mcp.call('market_install', { app: 'n8n' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/Missing required values: N8N_ENCRYPTION_KEY/);
    expect(textOf(r)).toMatch(/call market_install again with envs: \{"N8N_ENCRYPTION_KEY"/);
    const ok = await mcp.call('market_install', {
      app: 'n8n',
      envs: { N8N_ENCRYPTION_KEY: 'k3y' },
      wait: true,
    });
    expect(ok.structuredContent).toMatchObject({ status: 'success', finalState: 'running' });
    const gpu = await mcp.call('market_install', { app: 'comfyui' });
    expect(textOf(gpu)).toMatch(/computeMode set to one of: cpu, nvidia/);
    const gpuOk = await mcp.call('market_install', { app: 'comfyui', computeMode: 'cpu' });
    expect(gpuOk.structuredContent.status).toBe('accepted');
    expect(bodies(box, 'install').pop()).toEqual({
      source: 'market.olares',
      app_name: 'comfyui',
      version: '1.0.0',
      sync: true,
      selectedGpuType: 'cpu',
    });
    // The failed checks were answered by the box: one request each, including the retries.
    expect(bodies(box, 'install').filter((b: any) => b.app_name === 'n8n')).toHaveLength(2);
    expect(bodies(box, 'install').filter((b: any) => b.app_name === 'n8n')[1]).toMatchObject({
      envs: [{ envName: 'N8N_ENCRYPTION_KEY', value: 'k3y' }],
    });
  });

  it('reports an install failure and a cancel mid-download', async () => {
    const failed = await mcp.call('market_install', { app: 'brokenapp', wait: true });
    expect(failed.isError).toBeFalsy();
    expect(failed.structuredContent).toMatchObject({ status: 'failed', finalState: 'installFailed' });
    expect(textOf(failed)).toMatch(/FAILED: install 'brokenapp' failed: state=installFailed/);
    // installFailed is not "installed": installing again is allowed and sends the request.
    const retry = await mcp.call('market_install', { app: 'brokenapp' });
    expect(retry.structuredContent?.status, textOf(retry)).toBe('accepted');
    expect(bodies(box, 'install').filter((b: any) => b.app_name === 'brokenapp')).toHaveLength(2);
    const ghost = await mcp.call('market_install', { app: 'ghostimage', wait: true });
    expect(ghost.structuredContent).toMatchObject({ status: 'failed', finalState: 'downloadFailed' });

    await mcp.call('market_install', { app: 'jellyfin' });
    // Freeze the box's clock the moment the download starts (the simulator runs in this process,
    // so the check and the hold happen in one tick): a loaded machine cannot let the download
    // finish before the cancel lands. The clock runs again once the cancel request has arrived.
    const clock = marketControl(box.sim);
    await eventually(() => clock.row('bob', 'jellyfin')?.state === 'downloading', 'jellyfin downloading');
    clock.hold(true);
    const cancelsBefore = box.sim.count('DELETE /market/app-store/api/v2/apps/:name/install');
    const pending = mcp.call('market_cancel', { app: 'jellyfin', wait: true });
    try {
      await eventually(
        () => box.sim.count('DELETE /market/app-store/api/v2/apps/:name/install') > cancelsBefore,
        'the cancel request',
      );
    } finally {
      clock.hold(false);
    }
    const c = await pending;
    expect(c.isError, textOf(c)).toBeFalsy();
    expect(c.structuredContent).toMatchObject({ status: 'success', finalState: 'downloadingCanceled' });
    expect(bodies(box, 'cancel').pop()).toEqual({
      app_name: 'jellyfin',
      source: 'market.olares',
      sync: true,
      version: '10.9.1',
    });
    // Nothing left to cancel: refused locally with the state and what to do, no request sent.
    const cancels = box.sim.count('DELETE /market/app-store/api/v2/apps/:name/install');
    const again = await mcp.call('market_cancel', { app: 'jellyfin' });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/state downloadingCanceled.*market_install/);
    expect(box.sim.count('DELETE /market/app-store/api/v2/apps/:name/install')).toBe(cancels);
  });

  it('refuses unknown apps with a clear error and keeps serving', async () => {
    await installed('n8n', { envs: { N8N_ENCRYPTION_KEY: 'k3y' } });
    const installs = bodies(box, 'install').length;
    const unknown = await mcp.call('market_install', { app: 'no-such-app' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/not found in source 'market.olares'.*market_list/);
    expect(bodies(box, 'install')).toHaveLength(installs); // refused before the install request
    // With a version too: the catalog is read first (for the env names and the URLs), so nothing is sent.
    const withVersion = await mcp.call('market_install', { app: 'no-such-app', version: '1.0.0' });
    expect(withVersion.isError).toBe(true);
    expect(textOf(withVersion)).toMatch(/not found in source 'market.olares'.*market_list/);
    expect(bodies(box, 'install')).toHaveLength(installs);
    const stop = await mcp.call('market_stop', { app: 'no-such-app' });
    expect(stop.isError).toBe(true);
    expect(textOf(stop)).toMatch(/'no-such-app' is not installed/);
    const status = await mcp.call('market_status', { app: 'no-such-app' });
    expect(status.isError).toBe(true);
    const list = await mcp.call('market_list', { mine: true });
    expect(list.isError).toBeFalsy();
    expect(list.structuredContent.apps.map((a: any) => a.name)).toContain('n8n');
  });

  it('ends a wait when the client cancels, and leaves the install running on the box', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const call = mcp.call(
      'market_install',
      { app: 'jellyfin', wait: true },
      {
        signal: ac.signal,
        onprogress: (p) => {
          seen.push(p.message);
          ac.abort();
        },
      },
    );
    await expect(call).rejects.toThrow();
    expect(seen[0]).toMatch(/^jellyfin: (pending|downloading)/);
    const cancels = bodies(box, 'cancel').length;
    // The server logs when its wait loop stops; from then on it must not poll again.
    const stopped =
      /market_install: the client cancelled the call; stopped waiting for install of 'jellyfin' \(last state: \w+\); the operation itself continues/;
    await eventually(() => stopped.test(mcp.stderr.join('')), 'the server to stop waiting');
    const polls = box.sim.count(STATE_ROUTE);
    await sleep(200); // ten poll intervals: a loop still running would have polled by now
    expect(box.sim.count(STATE_ROUTE)).toBe(polls);
    // The operation itself goes on: no cancel request, and the app still reaches running.
    expect(await until(mcp, 'jellyfin', ['running'])).toBe('running');
    expect(bodies(box, 'cancel')).toHaveLength(cancels);
  });

  it('gives up a wait after 5 consecutive state errors and says the app may still move', async () => {
    await installed('n8n', { envs: { N8N_ENCRYPTION_KEY: 'k3y' } });
    // The first state read (the row lookup) passes, then every poll fails. In 2026-07-28 the
    // handler runs again after the confirmation round, so its lookup comes twice.
    const lookups = mcp.era === 'modern' ? 2 : 1;
    box.sim.addFault({ match: STATE_ROUTE, kind: 'status', status: 500, skip: lookups, times: 5 });
    const r = await mcp.call('market_stop', { app: 'n8n', wait: true });
    box.sim.clearFaults();
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent.status).toBe('waiting');
    expect(textOf(r)).toMatch(/watch aborted after 5 consecutive errors.*market_status/);
    expect(await until(mcp, 'n8n', ['stopped'])).toBe('stopped');
  });

  it('does not call an uninstall done on a failed state read: only a row it read counts', async () => {
    await installed('firefox');
    const clock = marketControl(box.sim);
    // The clock stands still, so the app stays `uninstalling` until the test lets it go on.
    clock.hold(true);
    const sent = () => bodies(box, 'uninstall').length > 0;
    let failedAt = 0;
    box.sim.addFault({
      match: STATE_ROUTE,
      kind: 'status',
      status: 500,
      times: 1,
      // The wait's first read (the first after the request) fails; the lookup before it passes.
      when: () => {
        if (!sent()) return false;
        failedAt = box.sim.count(STATE_ROUTE);
        return true;
      },
    });
    try {
      let returned = false;
      const pending = mcp.call('market_uninstall', { app: 'firefox', wait: true }).finally(() => {
        returned = true;
      });
      await eventually(
        () => returned || (failedAt > 0 && box.sim.count(STATE_ROUTE) > failedAt + 1),
        'the wait to read the state again after the failed read',
      );
      // Two reads after the failed one saw `uninstalling`: the wait must still be going.
      expect(returned).toBe(false);
      clock.hold(false);
      const r = await pending;
      expect(r.structuredContent, textOf(r)).toMatchObject({ status: 'success', finalState: 'uninstalled' });
      expect(r.structuredContent.statesSeen).toEqual(['uninstalling (uninstall)', 'uninstalled (uninstall)']);
      expect(marketControl(box.sim).row('bob', 'firefox')?.state).toBe('uninstalled');
    } finally {
      clock.hold(false);
      box.sim.clearFaults();
    }
  });

  it('turns a GPU binding check on resume into the devices that could take it', async () => {
    const inst = await mcp.call('market_install', { app: 'vllm', wait: true });
    expect(inst.structuredContent?.status, textOf(inst)).toBe('success');
    const stop = await mcp.call('market_stop', { app: 'vllm', wait: true });
    expect(stop.structuredContent?.status, textOf(stop)).toBe('success');
    const r = await mcp.call('market_resume', { app: 'vllm' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(
      /needs a GPU binding \(nvidia: device-vram-insufficient:gpu-0\); devices that could take it: node-1:gpu-1/,
    );
    expect(await until(mcp, 'vllm', ['stopped'])).toBe('stopped'); // nothing changed
  });

  it('refuses to cancel a resuming app below Olares 1.12.7', async () => {
    await installed('n8n', { envs: { N8N_ENCRYPTION_KEY: 'k3y' } });
    const stopped = await mcp.call('market_stop', { app: 'n8n', wait: true });
    expect(stopped.structuredContent?.status, textOf(stopped)).toBe('success');
    const clock = marketControl(box.sim);
    clock.hold(true); // freeze the box so the app stays in resuming
    try {
      const resumed = await mcp.call('market_resume', { app: 'n8n' });
      expect(resumed.structuredContent).toMatchObject({ status: 'accepted', state: 'stopped' });
      const c = await mcp.call('market_cancel', { app: 'n8n' });
      expect(c.isError).toBe(true);
      expect(textOf(c)).toMatch(
        /requires Olares >= 1.12.7 \(canceling a resuming app\), but this box runs 1.12.6/,
      );
    } finally {
      clock.hold(false);
    }
    expect(await until(mcp, 'n8n', ['running'])).toBe('running');
    expect(bodies(box, 'resume').pop()).toEqual({ app_name: 'n8n', source: 'market.olares' });
  });

  it('says when a wait runs out, and the app is still moving', async () => {
    const quick = await connect({ ...box.env, OLARES_MARKET_POLL_MS: '10', OLARES_MARKET_WAIT_MS: '10' });
    try {
      const r = await quick.call('market_install', { app: 'firefox', wait: true });
      expect(r.isError).toBeFalsy();
      expect(r.structuredContent.status).toBe('waiting');
      expect(textOf(r)).toMatch(/watch timed out \(last state: \w+/);
    } finally {
      await quick.close();
    }
  });
});

describe('market on Olares 1.12.5', () => {
  it('sends the old request bodies', async () => {
    const box = await makeBox({ marketStepMs: 30, osVersion: '1.12.5' });
    const mcp = await connect({ ...box.env, ...FAST });
    try {
      await box.login('bob@olares.com');
      const gpu = await mcp.call('market_install', { app: 'comfyui', computeMode: 'nvidia' });
      expect(gpu.isError).toBe(true);
      expect(textOf(gpu)).toMatch(/computeMode requires Olares 1.12.6\+.*without computeMode/);
      expect(bodies(box, 'install')).toHaveLength(0);
      const inst = await mcp.call('market_install', { app: 'firefox', wait: true });
      expect(inst.structuredContent.status, textOf(inst)).toBe('success');
      expect(bodies(box, 'install')).toEqual([
        { source: 'market.olares', app_name: 'firefox', version: '1.3.0', sync: true },
      ]);
      const stop = await mcp.call('market_stop', { app: 'firefox', wait: true });
      expect(stop.structuredContent.status, textOf(stop)).toBe('success');
      expect(box.sim.journal.filter((j) => j.key === 'market stop').pop()?.body).toEqual({
        appName: 'firefox',
        all: false,
      });
      const restart = await mcp.call('market_restart', { app: 'firefox' });
      expect(textOf(restart)).toMatch(/requires Olares >= 1.12.6/);
      expect(bodies(box, 'restart')).toHaveLength(0);
      const resume = await mcp.call('market_resume', { app: 'firefox', wait: true });
      expect(resume.structuredContent.status, textOf(resume)).toBe('success');
      expect(bodies(box, 'resume')).toEqual([{ appName: 'firefox' }]);
      await mcp.call('market_install', { app: 'jellyfin' });
      const cancel = await mcp.call('market_cancel', { app: 'jellyfin', wait: true });
      expect(cancel.structuredContent.status, textOf(cancel)).toBe('success');
      expect(bodies(box, 'cancel')).toEqual([{ sync: true }]);
      const un = await mcp.call('market_uninstall', { app: 'firefox', wait: true });
      expect(un.structuredContent.status).toBe('success');
      expect(box.sim.journal.filter((j) => j.key === 'market uninstall').pop()?.body).toEqual({
        sync: true,
        all: false,
        deleteData: false,
      });
    } finally {
      await mcp.close();
      await box.close();
    }
  });
});
