// Installing an app that needs a secret, as an agent without forms would: the server generates
// the value, sends it to the box once and never returns it; the result says where the user reads
// it and carries the app's URL. market_list and market_status answer different questions.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const installBodies = (box: TestBox) =>
  box.sim.journal.filter((j) => j.key === 'market install').map((j) => j.body as any);
/** app-service GetAppID: the first 8 hex digits of md5(app name). */
const appId = (app: string) => createHash('md5').update(app).digest('hex').slice(0, 8);

describe('market: generated secrets and app URLs', () => {
  let box: TestBox;
  let mcp: McpSession;

  beforeAll(async () => {
    box = await makeBox({ marketStepMs: 20 });
    await box.login('bob@olares.com');
    mcp = await connect({ ...box.env, OLARES_MARKET_POLL_MS: '20' });
  });
  afterAll(async () => {
    await mcp?.close();
    await box?.close();
  });

  it('market_get names each entrance URL as the box derives it', async () => {
    const r = await mcp.call('market_get', { app: 'n8n' });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent.entrances).toEqual([
      { name: 'web', title: 'n8n', url: `https://${appId('n8n')}.bob.olares.com` },
    ]);
    expect(appId('n8n')).toMatch(/^[0-9a-f]{8}$/);
  });

  it('refuses to generate a variable the app does not declare, or one also given, and sends nothing', async () => {
    const unknown = await mcp.call('market_install', { app: 'n8n', generateEnvs: ['PATH'] });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(
      /generateEnvs names PATH, which 'n8n' does not declare \(it declares: N8N_ENCRYPTION_KEY\)/,
    );
    const both = await mcp.call('market_install', {
      app: 'n8n',
      envs: { N8N_ENCRYPTION_KEY: 'x' },
      generateEnvs: ['N8N_ENCRYPTION_KEY'],
    });
    expect(textOf(both)).toMatch(/both given in envs and named in generateEnvs/);
    const bad = await mcp.call('market_install', { app: 'n8n', generateEnvs: ['1BAD'] });
    expect(textOf(bad)).toMatch(/env name "1BAD" is invalid/);
    expect(installBodies(box)).toEqual([]);
  });

  it('installs with a generated secret that no result shows, and gives the URL and where to read the value', async () => {
    const missing = await mcp.call('market_install', { app: 'n8n' });
    expect(textOf(missing)).toMatch(/generateEnvs: \["N8N_ENCRYPTION_KEY"\]/);
    const r = await mcp.call('market_install', {
      app: 'n8n',
      generateEnvs: ['N8N_ENCRYPTION_KEY'],
      wait: true,
    });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({
      status: 'success',
      urls: [`https://${appId('n8n')}.bob.olares.com`],
      generatedEnvs: ['N8N_ENCRYPTION_KEY'],
    });
    expect(textOf(r)).toMatch(/Settings > Applications > n8n > Environment variables/);
    const sent = installBodies(box).pop().envs;
    expect(sent).toHaveLength(1);
    expect(sent[0].envName).toBe('N8N_ENCRYPTION_KEY');
    const value: string = sent[0].value;
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(textOf(r)).not.toContain(value);
    expect(JSON.stringify(r.structuredContent)).not.toContain(value);
    for (const tool of ['market_status', 'market_list'])
      expect(
        JSON.stringify(await mcp.call(tool, { ...(tool === 'market_list' ? { mine: true } : {}) })),
      ).not.toContain(value);
  });

  it('market_list mine and market_status answer different questions', async () => {
    const list = await mcp.call('market_list', { mine: true });
    const status = await mcp.call('market_status');
    const n8nRow = list.structuredContent.apps.find((a: any) => a.name === 'n8n');
    expect(n8nRow).toEqual({
      name: 'n8n',
      title: 'n8n',
      version: '1.40.0',
      installed: '1.40.0',
      source: 'market.olares',
      categories: ['Productivity', 'Developer Tools'],
    });
    expect(n8nRow.state).toBeUndefined();
    expect(status.structuredContent.apps.find((a: any) => a.name === 'n8n')).toMatchObject({
      state: 'running',
    });
    expect(status.structuredContent.apps[0].title).toBeUndefined();
  });
});

describe('entrance URL rule', () => {
  it('matches the worked example cited in the wire fixture', async () => {
    const { entranceUrls } = await import('../src/olares/links.js');
    const { readFileSync } = await import('node:fs');
    const fixture = JSON.parse(
      readFileSync(new URL('./fixtures/wire/market/apps-detail-entrances.json', import.meta.url), 'utf8'),
    );
    const example = /For n8n as bob@olares\.com: (\S+)/.exec(fixture.provenance.note)?.[1];
    const one = entranceUrls(
      'n8n',
      { entrances: [{ name: 'web', index: 0 }], entranceCount: 1 },
      'bob.olares.com',
    );
    expect(one.map((e) => e.url)).toEqual([example]);
    // Several entrances: each gets its position, hidden ones keep theirs.
    const two = entranceUrls(
      'n8n',
      {
        entrances: [
          { name: 'web', index: 0 },
          { name: 'api', index: 2 },
        ],
        entranceCount: 3,
      },
      'bob.olares.com',
    );
    expect(two.map((e) => e.url)).toEqual([
      `https://${appId('n8n')}0.bob.olares.com`,
      `https://${appId('n8n')}2.bob.olares.com`,
    ]);
  });
});
