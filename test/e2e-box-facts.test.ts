import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectConfirming, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const NODES_ROUTE = 'GET /files/api/nodes/';
const VERSION_ROUTE = 'GET /desktop/api/olares-info';
const PASTE_ROUTE = 'PATCH /files/api/paste/:node/';

describe('box facts are remembered per profile', () => {
  let box: TestBox;
  let mcp: McpSession;

  beforeEach(async () => {
    box = await makeBox({ marketStepMs: 50 });
    await box.login('bob@olares.com');
    mcp = await connectConfirming({ ...box.env, OLARES_MARKET_POLL_MS: '20' });
    box.sim.resetCounters();
  });
  afterEach(async () => {
    await mcp?.close();
    await box?.close();
  });

  const copy = (to: string) =>
    mcp.call('files_cp', { sources: ['drive/Home/Documents/welcome.txt'], destination: `drive/Home/${to}` });

  it('two copies read the node list once', async () => {
    for (const to of ['one.txt', 'two.txt']) {
      const r = await copy(to);
      expect(r.structuredContent?.results?.[0]?.status, textOf(r)).toBe('completed');
    }
    expect(box.sim.count(PASTE_ROUTE)).toBe(2);
    expect(box.sim.count(NODES_ROUTE)).toBe(1);
  });

  it('a paste the node refuses drops the node list, so the next copy reads it again', async () => {
    expect((await copy('one.txt')).structuredContent?.results?.[0]?.status).toBe('completed');
    box.sim.addFault({ match: PASTE_ROUTE, kind: 'status', status: 502, times: 1 });
    const refused = await copy('two.txt');
    expect(refused.structuredContent?.results?.[0]?.status, textOf(refused)).not.toBe('completed');
    expect((await copy('three.txt')).structuredContent?.results?.[0]?.status).toBe('completed');
    expect(box.sim.count(NODES_ROUTE)).toBe(2);
  });

  it('two lifecycle calls read the box version once', async () => {
    const install = await mcp.call('market_install', { app: 'firefox', wait: true });
    expect(install.structuredContent?.status, textOf(install)).toBe('success');
    for (const tool of ['market_stop', 'market_resume']) {
      const r = await mcp.call(tool, { app: 'firefox', wait: true });
      expect(r.isError, textOf(r)).toBeFalsy();
    }
    expect(box.sim.count('POST /market/app-store/api/v2/apps/stop')).toBe(1);
    expect(box.sim.count('POST /market/app-store/api/v2/apps/resume')).toBe(1);
    expect(box.sim.count(VERSION_ROUTE)).toBe(1);
  });

  it("a market that refuses the remembered version's body drops the version, so the next call reads it again", async () => {
    await box.close();
    await mcp.close();
    box = await makeBox({ marketStepMs: 50, osVersion: '1.12.5' });
    await box.login('bob@olares.com');
    mcp = await connectConfirming({ ...box.env, OLARES_MARKET_POLL_MS: '20' });
    const install = await mcp.call('market_install', { app: 'firefox', wait: true });
    expect(install.structuredContent?.status, textOf(install)).toBe('success');
    const stop = await mcp.call('market_stop', { app: 'firefox', wait: true });
    expect(stop.isError, textOf(stop)).toBeFalsy();
    box.sim.resetCounters();
    // The box is upgraded meanwhile: the 1.12.5 body it was sent is refused with a 400.
    box.sim.options.osVersion = '1.12.6';
    const stale = await mcp.call('market_resume', { app: 'firefox', wait: true });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toMatch(/app_name is required/);
    const fresh = await mcp.call('market_resume', { app: 'firefox', wait: true });
    expect(fresh.isError, textOf(fresh)).toBeFalsy();
    expect(box.sim.count(VERSION_ROUTE)).toBe(1);
  });
});
