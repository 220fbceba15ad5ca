// Market tools end to end: SDK Client over stdio -> built server -> the simulator's state machine.
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const FAST = { OLARES_MARKET_POLL_MS: '20' };
const UNINSTALL_ROUTE = 'DELETE /market/app-store/api/v2/apps/:name';

describe('market tools (Olares 1.12.6)', () => {
  let box: TestBox;
  let mcp: McpSession;
  let answer: 'accept' | 'decline' = 'accept';
  let asked: any[] = [];

  beforeAll(async () => {
    box = await makeBox({ marketStepMs: 100 });
    await box.login('bob@olares.com');
    mcp = await connect({ ...box.env, ...FAST }, { elicitation: { form: {} } });
    mcp.client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params);
      return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
    });
  });
  afterAll(async () => {
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
    const states = progress.map((m) => m.replace(/^firefox: /, '').split(' ')[0]);
    // The box moves on its own clock: whichever progressing states a poll caught, in order, then running.
    expect(states.length).toBeGreaterThanOrEqual(3);
    expect(states[states.length - 1]).toBe('running');
    expect(
      states.slice(0, -1).every((s) => ['pending', 'downloading', 'installing', 'initializing'].includes(s)),
    ).toBe(true);
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
    answer = 'decline';
    asked = [];
    const declined = await mcp.call('market_uninstall', { app: 'firefox' });
    expect(declined.isError).toBe(true);
    expect(textOf(declined)).toMatch(/declined; nothing was changed/);
    expect(asked[0].message).toContain('firefox');
    expect(box.sim.count(UNINSTALL_ROUTE)).toBe(0);
    answer = 'accept';
    const r = await mcp.call('market_uninstall', { app: 'firefox', wait: true });
    expect(r.structuredContent).toMatchObject({ status: 'success', finalState: 'uninstalled' });
    expect(box.sim.count(UNINSTALL_ROUTE)).toBe(1);
    expect(box.sim.journal.filter((j) => j.key === 'market uninstall').pop()?.body).toMatchObject({
      app_name: 'firefox',
      source: 'market.olares',
      sync: true,
    });
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
  });

  it('reports an install failure and a cancel mid-download', async () => {
    const failed = await mcp.call('market_install', { app: 'brokenapp', wait: true });
    expect(failed.isError).toBeFalsy();
    expect(failed.structuredContent).toMatchObject({ status: 'failed', finalState: 'installFailed' });
    expect(textOf(failed)).toMatch(/FAILED: install 'brokenapp' failed: state=installFailed/);
    await mcp.call('market_install', { app: 'jellyfin' });
    const c = await mcp.call('market_cancel', { app: 'jellyfin', wait: true });
    expect(c.isError, textOf(c)).toBeFalsy();
    expect(c.structuredContent.status).toBe('success');
    expect(c.structuredContent.finalState).toMatch(/^(pending|downloading|installing)Canceled$/);
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
      await mcp.call('market_install', { app: 'firefox', wait: true });
      const stop = await mcp.call('market_stop', { app: 'firefox', wait: true });
      expect(stop.structuredContent.status, textOf(stop)).toBe('success');
      expect(box.sim.journal.filter((j) => j.key === 'market stop').pop()?.body).toEqual({
        appName: 'firefox',
        all: false,
      });
      const restart = await mcp.call('market_restart', { app: 'firefox' });
      expect(textOf(restart)).toMatch(/requires Olares >= 1.12.6/);
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
