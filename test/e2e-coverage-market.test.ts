// The market verbs issue 16 adds, end to end against the simulator: list filters and category
// counts, a confirmed clone under its own title, and a GPU binding on resume and restart.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, connectConfirming, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const FAST = { OLARES_MARKET_POLL_MS: '20' };
const CLONE_ROUTE = 'POST /market/app-store/api/v2/apps/:name/clone';
const bodies = (box: TestBox, op: string) =>
  box.sim.journal.filter((j) => j.key === `market ${op}`).map((j) => j.body as any);

describe('market coverage: filters, clone, compute binding', () => {
  let box: TestBox;
  let mcp: McpSession;

  beforeEach(async () => {
    box = await makeBox({ marketStepMs: 50 });
    await box.login('bob@olares.com');
    mcp = await connectConfirming({ ...box.env, ...FAST });
  });
  afterEach(async () => {
    await mcp?.close();
    await box?.close();
  });

  it('market_list: source and category filters, and counts per category', async () => {
    const all = await mcp.call('market_list', {});
    const fromSource = await mcp.call('market_list', { source: 'market.olares' });
    expect(fromSource.structuredContent.total).toBe(all.structuredContent.total);
    const ai = await mcp.call('market_list', { category: 'ai' });
    expect(ai.structuredContent.apps.map((a: any) => a.name).sort()).toEqual(['comfyui', 'dify', 'vllm']);
    const counts = await mcp.call('market_list', { limit: 1 });
    // Counted over every page, not only the one shown.
    expect(counts.structuredContent.categoryCounts).toMatchObject({ AI: 3, Productivity: 2, Utilities: 2 });
    expect(counts.structuredContent.apps).toHaveLength(1);
    expect(ai.structuredContent.categoryCounts).toEqual({ AI: 3 });
    const unknown = await mcp.call('market_list', { source: 'nowhere' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(
      /source 'nowhere' is not one of this box's market sources: market.olares/,
    );
  });

  it('market_list {mine}: counts over the installed market apps only', async () => {
    const inst = await mcp.call('market_install', { app: 'firefox', wait: true });
    expect(inst.structuredContent?.status, textOf(inst)).toBe('success');
    const mine = await mcp.call('market_list', { mine: true });
    expect(mine.structuredContent.categoryCounts).toEqual({ Productivity: 1 });
  });

  it('market_install {cloneTitle}: a confirmed clone under its own title, followed to running', async () => {
    const r = await mcp.call('market_install', { app: 'firefox', cloneTitle: 'Firefox Dev', wait: true });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ operation: 'clone', status: 'success', confirmed: true });
    const instance = r.structuredContent.app;
    expect(instance).toMatch(/^firefox[0-9a-f]{4}$/);
    expect(bodies(box, 'clone')).toEqual([
      {
        source: 'market.olares',
        app_name: 'firefox',
        title: 'Firefox Dev',
        sync: true,
        entrances: [{ name: 'web', title: 'Firefox Dev' }],
      },
    ]);
    const status = await mcp.call('market_status', { app: instance });
    expect(status.structuredContent.apps[0].state).toBe('running');
  });

  it('a clone is refused for single-instance apps, bad titles, and without a yes', async () => {
    const single = await mcp.call('market_install', { app: 'jellyfin', cloneTitle: 'Second' });
    expect(single.isError).toBe(true);
    expect(textOf(single)).toMatch(/does not support clone/);
    for (const title of ['', ' ', 'x'.repeat(31)]) {
      const bad = await mcp.call('market_install', { app: 'firefox', cloneTitle: title });
      expect(bad.isError, JSON.stringify(title)).toBe(true);
      expect(textOf(bad)).toMatch(/1 to 30 printable characters/);
    }
    const mixed = await mcp.call('market_install', { app: 'firefox', cloneTitle: 'Dev', version: '1.2.3' });
    expect(textOf(mixed)).toMatch(/drop version/);
    const strict = await connect({ ...box.env, OLARES_CONFIRM: 'strict', OLARES_FORMS: 'off' });
    try {
      const r = await strict.call('market_install', { app: 'firefox', cloneTitle: 'Firefox Dev' });
      expect(r.isError).toBe(true);
    } finally {
      await strict.close();
    }
    expect(box.sim.count(CLONE_ROUTE)).toBe(0);
  });

  it('market_resume {computeBinding}: binds the free GPU the box offered', async () => {
    await mcp.call('market_install', { app: 'vllm', wait: true });
    await mcp.call('market_stop', { app: 'vllm', wait: true });
    const refused = await mcp.call('market_resume', { app: 'vllm' });
    expect(textOf(refused)).toMatch(/call again with computeBinding: \["node-1:gpu-1"\]/);
    const taken = await mcp.call('market_resume', { app: 'vllm', computeBinding: ['node-1:gpu-0'] });
    expect(taken.isError).toBe(true);
    const r = await mcp.call('market_resume', {
      app: 'vllm',
      computeBinding: ['node-1:gpu-1:8'],
      wait: true,
    });
    expect(r.structuredContent?.status, textOf(r)).toBe('success');
    expect(bodies(box, 'resume').at(-1)).toEqual({
      app_name: 'vllm',
      source: 'market.olares',
      computeBinding: [{ nodeName: 'node-1', deviceId: 'gpu-1', memory: 8 * 2 ** 30 }],
    });
  });

  it('market_restart {computeBinding}: the same body to /apps/restart', async () => {
    await mcp.call('market_install', { app: 'vllm', wait: true });
    await mcp.call('market_stop', { app: 'vllm', wait: true });
    const r = await mcp.call('market_restart', { app: 'vllm', computeBinding: ['node-1:gpu-1:512Mi'] });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(bodies(box, 'restart').at(-1)).toEqual({
      app_name: 'vllm',
      source: 'market.olares',
      computeBinding: [{ nodeName: 'node-1', deviceId: 'gpu-1', memory: 512 * 2 ** 20 }],
    });
  });

  it('malformed bindings are refused before anything is sent; 1.12.5 refuses a binding', async () => {
    for (const binding of ['gpu-1', 'node-1:', 'node-1:gpu-1:0', 'node-1:gpu-1:8Ti', '../x:gpu-1']) {
      const r = await mcp.call('market_resume', { app: 'vllm', computeBinding: [binding] });
      expect(r.isError, binding).toBe(true);
      expect(textOf(r), binding).toMatch(/is not node:device\[:mem\]/);
    }
    expect(bodies(box, 'resume')).toEqual([]);
    const old = await makeBox({ osVersion: '1.12.5', marketStepMs: 50 });
    try {
      await old.login('bob@olares.com');
      const session = await connectConfirming({ ...old.env, ...FAST });
      try {
        await session.call('market_install', { app: 'firefox', wait: true });
        await session.call('market_stop', { app: 'firefox', wait: true });
        const r = await session.call('market_resume', { app: 'firefox', computeBinding: ['node-1:gpu-1'] });
        expect(textOf(r)).toMatch(/computeBinding requires Olares 1.12.6\+, but this box runs 1.12.5/);
      } finally {
        await session.close();
      }
    } finally {
      await old.close();
    }
  });
});
