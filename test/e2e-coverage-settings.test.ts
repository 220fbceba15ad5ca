// The settings toolset end to end: built server over stdio -> the simulator's desktop host.
// Off by default, so each session asks for it; the snapshot run goes through the gate.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, connectConfirming, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const SETTINGS = { OLARES_TOOLSETS: 'settings' };

describe('settings tools', () => {
  let box: TestBox;
  let mcp: McpSession;

  beforeAll(async () => {
    box = await makeBox();
    await box.login('alice@olares.com');
    await box.login('bob@olares.com');
    mcp = await connectConfirming({ ...box.env, ...SETTINGS, OLARES_PROFILE: 'alice@olares.com' });
  });
  afterAll(async () => {
    await mcp?.close();
    await box?.close();
  });

  it('is off by default and served when asked for', async () => {
    const plain = await connect(box.env);
    try {
      const names: string[] = (await plain.client.listTools()).tools.map((t: { name: string }) => t.name);
      expect(names.some((n) => n.startsWith('settings_'))).toBe(false);
    } finally {
      await plain.close();
    }
    const names: string[] = (await mcp.client.listTools()).tools.map((t: { name: string }) => t.name);
    expect(names.filter((n) => n.startsWith('settings_')).sort()).toEqual([
      'settings_backup_run',
      'settings_backups',
      'settings_entrances',
      'settings_me',
      'settings_users',
    ]);
  });

  it('settings_me: name, role, version and the update check', async () => {
    const r = await mcp.call('settings_me');
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({
      name: 'alice',
      role: 'owner',
      osVersion: '1.12.6',
      update: { current: '1.12.6', latest: '1.12.7', available: true },
    });
    expect(box.sim.count('GET /desktop/api/checkLastOsVersion')).toBeGreaterThan(0);
  });

  it('settings_me: a failed update check leaves the rest standing', async () => {
    box.sim.addFault({ match: 'GET /desktop/api/checkLastOsVersion', kind: 'status', status: 502, times: 1 });
    const r = await mcp.call('settings_me');
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent.name).toBe('alice');
    expect(r.structuredContent.update.error).toMatch(/502/);
  });

  it('settings_users: an owner sees everyone, a normal user only themself', async () => {
    const all = await mcp.call('settings_users');
    expect(all.structuredContent.users.map((u: any) => [u.name, u.roles])).toEqual([
      ['alice', ['owner']],
      ['bob', ['normal']],
    ]);
    const self = await mcp.call('settings_users', { profile: 'bob@olares.com' });
    expect(self.structuredContent.users.map((u: any) => u.name)).toEqual(['bob']);
  });

  it('settings_entrances: entrances, and domains without the certificate key', async () => {
    const r = await mcp.call('settings_entrances', { app: 'n8n', domains: true });
    expect(r.isError, textOf(r)).toBeFalsy();
    const [main, hook] = r.structuredContent.entrances;
    expect(main).toMatchObject({ name: 'n8n', authLevel: 'private', invisible: false });
    expect(main.domain).toMatchObject({ thirdPartyDomain: 'flows.example.com', certConfigured: true });
    expect(hook).toMatchObject({ name: 'webhook', authLevel: 'public', invisible: true });
    const wire = JSON.stringify(mcp.messages);
    expect(wire).not.toMatch(/PRIVATE KEY|sim-secret-key|BEGIN CERTIFICATE/);
  });

  it('settings_entrances: a malformed market app name is refused before any request', async () => {
    const before = box.sim.count('GET /desktop/api/applications/:app/entrances');
    for (const app of ['../etc', 'a/b', 'x'.repeat(101)]) {
      const r = await mcp.call('settings_entrances', { app });
      expect(r.isError, app).toBe(true);
      expect(textOf(r), app).toMatch(/malformed|<=100 characters/);
    }
    expect(box.sim.count('GET /desktop/api/applications/:app/entrances')).toBe(before);
  });

  it('settings_backups: plans, then one plan’s snapshots newest first, paged', async () => {
    const plans = await mcp.call('settings_backups');
    expect(plans.structuredContent.plans).toHaveLength(1);
    const plan = plans.structuredContent.plans[0].id;
    const page1 = await mcp.call('settings_backups', { plan, limit: 1 });
    expect(page1.structuredContent).toMatchObject({ total: 2, nextPage: 2 });
    expect(page1.structuredContent.snapshots[0].id).toBe('snap-alice-2');
    const page2 = await mcp.call('settings_backups', { plan, limit: 1, page: 2 });
    expect(page2.structuredContent.snapshots[0].id).toBe('snap-alice-1');
    expect(page2.structuredContent.nextPage).toBeUndefined();
  });

  it('settings_backups: out-of-range counts and unknown plans get one clear message', async () => {
    for (const args of [{ limit: 0 }, { limit: 10_000 }, { page: -1 }]) {
      const r = await mcp.call('settings_backups', args);
      expect(r.isError, JSON.stringify(args)).toBe(true);
    }
    const unknown = await mcp.call('settings_backups', { plan: 'no-such-plan' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/no-such-plan not found/);
  });

  it('settings_backup_run: dry run changes nothing; a confirmed run starts a snapshot and is audited', async () => {
    const route = 'POST /desktop/apis/backup/v1/plans/backup/:id/snapshots';
    const plan = 'plan-alice-documents';
    const dry = await mcp.call('settings_backup_run', { plan, dryRun: true });
    expect(dry.structuredContent).toMatchObject({ plan, dryRun: true });
    expect(box.sim.count(route)).toBe(0);
    const run = await mcp.call('settings_backup_run', { plan });
    expect(run.isError, textOf(run)).toBeFalsy();
    expect(run.structuredContent).toMatchObject({ plan, dryRun: false, confirmed: true });
    expect(box.sim.count(route)).toBe(1);
    const snaps = await mcp.call('settings_backups', { plan });
    expect(snaps.structuredContent.snapshots[0].status).toBe('running');
    const audit = await readFile(join(box.home, 'audit.log'), 'utf8');
    expect(audit).toMatch(/settings_backup_run/);
  });

  it('settings_backup_run: refused without a yes when the client cannot ask', async () => {
    const strict = await connect({ ...box.env, ...SETTINGS, OLARES_CONFIRM: 'strict', OLARES_FORMS: 'off' });
    try {
      const route = 'POST /desktop/apis/backup/v1/plans/backup/:id/snapshots';
      const before = box.sim.count(route);
      const r = await strict.call('settings_backup_run', {
        plan: 'plan-alice-documents',
        profile: 'alice@olares.com',
      });
      expect(r.isError).toBe(true);
      expect(box.sim.count(route)).toBe(before);
    } finally {
      await strict.close();
    }
  });
});
