// The clients of the endpoints issue 16 adds read their contract fixtures into typed results,
// drop what must never leave them (a certificate key, a library's salt), and fail with one
// WireShapeError naming service, endpoint and field when a field changes shape.
import { describe, expect, it } from 'vitest';
import { WireShapeError } from '../src/errors.js';
import { DashboardClient } from '../src/olares/dashboard.js';
import { compress, extract } from '../src/olares/files/archive.js';
import { listRepos } from '../src/olares/files/repos.js';
import { SettingsClient } from '../src/olares/settings.js';
import type { OlaresHttp } from '../src/transport/http.js';
import { loadFixtures } from './helpers/wire.js';

const fixtures = loadFixtures();
const bodyOf = (file: string) => {
  const f = fixtures.find((x) => x.file === file);
  if (!f) throw new Error(`no fixture ${file}`);
  return structuredClone(f.response.body);
};

/** A transport that answers every request with `answer(path)` and records what was asked. */
function stub(answer: (path: string, query?: unknown) => unknown) {
  const asked: Array<{ service: string; path: string; opts: any }> = [];
  const http = {
    olaresId: 'alice@olares.com',
    async json(service: string, path: string, opts: any = {}) {
      asked.push({ service, path, opts });
      return answer(path, opts.query);
    },
  } as unknown as OlaresHttp;
  return { http, asked };
}

describe('settings client on its fixtures', () => {
  const client = (answer: (path: string) => unknown) => new SettingsClient(stub(answer).http);

  it('reads the update check, users, entrances, backups and snapshots', async () => {
    expect(await client(() => bodyOf('desktop/check-last-os-version.json')).checkUpdate()).toEqual({
      current: '1.12.6',
      latest: '1.12.7',
      available: true,
    });
    const users = await client(() => bodyOf('desktop/users-v2-admin.json')).users();
    expect(users.map((u) => [u.name, u.roles])).toEqual([
      ['alice', ['owner']],
      ['bob', ['normal']],
    ]);
    const entrances = await client(() => bodyOf('desktop/app-entrances.json')).entrances('firefox');
    expect(entrances[0]).toMatchObject({ name: 'firefox', authLevel: 'private', invisible: false });
    const plans = await client(() => bodyOf('desktop/backup-plans.json')).backupPlans(0, 50);
    expect(plans).toMatchObject({ total: 1, plans: [{ id: 'plan-alice-documents', status: 'completed' }] });
    const snaps = await client(() => bodyOf('desktop/backup-snapshots.json')).snapshots(
      'plan-alice-documents',
      0,
      1,
    );
    expect(snaps).toMatchObject({ total: 2, snapshots: [{ id: 'snap-alice-2', size: 110100480 }] });
  });

  it('never hands on the certificate or its key, only whether one is set', async () => {
    const domain = await client(() => bodyOf('desktop/app-domain-setup.json')).domain('n8n', 'n8n');
    expect(domain).toMatchObject({ thirdPartyDomain: 'flows.example.com', certConfigured: true });
    expect(JSON.stringify(domain)).not.toMatch(/PRIVATE KEY|CERTIFICATE|sim-secret-key/);
  });

  it('a changed field fails naming the endpoint and the field; a failed envelope names its code', async () => {
    const body = bodyOf('desktop/backup-plans.json') as any;
    body.data.backups[0].id = { nested: true };
    await expect(client(() => body).backupPlans(0, 50)).rejects.toThrow(WireShapeError);
    await expect(client(() => body).backupPlans(0, 50)).rejects.toThrow(/data\.backups\[0\]\.id/);
    await expect(
      client(() => ({ code: 1, message: 'backup x not found' })).snapshots('x', 0, 1),
    ).rejects.toThrow(/code 1: backup x not found/);
  });

  it('names that would become URL segments are checked before any request', async () => {
    const { http, asked } = stub(() => ({ code: 0, data: { items: [] } }));
    const s = new SettingsClient(http);
    for (const bad of ['../x', 'a/b', '', 'x'.repeat(101), 'a..b'])
      await expect(s.entrances(bad)).rejects.toThrow(/malformed/);
    await expect(s.runSnapshot('plan/../../x')).rejects.toThrow(/malformed/);
    expect(asked).toEqual([]);
  });
});

describe('files archive and Sync library clients on their fixtures', () => {
  it('compress and extract return the task id; a refusal in the body is an error', async () => {
    const req = { destination: '/drive/Home/w.zip', format: 'zip', conflict: 'rename' as const };
    const c = stub(() => bodyOf('files/archive-compress.json'));
    expect(await compress(c.http, 'olares', { ...req, sources: ['/drive/Home/a.txt'] })).toBe(
      'task5f0c1d2e3a4b',
    );
    expect(c.asked[0]).toMatchObject({ path: '/api/archive/olares/compress', opts: { method: 'POST' } });
    expect(c.asked[0].opts.json).toMatchObject({ sources: ['/drive/Home/a.txt'], preserveSymlinks: false });
    const e = stub(() => bodyOf('files/archive-extract.json'));
    expect(await extract(e.http, 'olares', { ...req, source: '/drive/Home/w.zip' })).toBe('task6a1d2e3f4b5c');
    const refused = stub(() => ({ code: 1, msg: 'no handler for storage' }));
    await expect(extract(refused.http, 'olares', { ...req, source: '/x.zip' })).rejects.toThrow(
      /no handler for storage/,
    );
    const noId = stub(() => ({ code: 0, msg: 'success' }));
    await expect(compress(noId.http, 'olares', { ...req, sources: ['/a'] })).rejects.toThrow(WireShapeError);
  });

  it('lists every kind of library, without the salt, tolerating string booleans and sizes', async () => {
    const mine = bodyOf('files/repos-mine.json') as any;
    const shared = {
      repos: [
        {
          repo_id: 'r2',
          repo_name: 'Team',
          encrypted: 'true',
          size: '1024',
          share_permission: 'r',
          user_name: 'alice',
        },
      ],
    };
    const { http, asked } = stub((_path, query: any) =>
      query?.type === 'share_to_me' ? shared : query?.type ? { repos: null } : mine,
    );
    const repos = await listRepos(http);
    expect(repos).toEqual([
      expect.objectContaining({
        id: mine.repos[0].repo_id,
        kind: 'mine',
        permission: 'rw',
        encrypted: false,
      }),
      {
        id: 'r2',
        name: 'Team',
        kind: 'shared-with-me',
        permission: 'r',
        owner: 'alice',
        encrypted: true,
        size: 1024,
        modified: undefined,
      },
    ]);
    expect(asked.map((a) => a.opts.query?.type)).toEqual([undefined, 'share_to_me', 'shared']);
    expect(JSON.stringify(repos)).not.toMatch(/salt/);
  });
});

describe('dashboard views client on its fixtures', () => {
  const client = (answer: () => unknown) => new DashboardClient(stub(answer).http);

  it('reads node series with the last sample and the window peak', async () => {
    const rows = await client(() => bodyOf('dashboard/monitoring-nodes-cpu.json')).nodeSeries(
      ['node_cpu_total', 'node_cpu_utilisation'],
      { start: 1, end: 2, step: '1s' },
    );
    expect(rows.find((r) => r.metric === 'node_cpu_utilisation')).toMatchObject({
      labels: { node: 'olares' },
      last: 0.25,
      peak: 0.3,
    });
  });

  it('reads interfaces, GPUs and fans', async () => {
    expect((await client(() => bodyOf('dashboard/system-ifs.json')).networkInterfaces())[0]).toMatchObject({
      iface: 'enp3s0',
      up: true,
      hostIp: true,
      mtu: 1500,
    });
    expect((await client(() => bodyOf('dashboard/hami-gpus.json')).gpus())[0]).toMatchObject({
      id: 'GPU-5f1c2d3e',
      health: 'true',
      vramTotal: 24564,
    });
    expect(await client(() => bodyOf('dashboard/olares-one-fans.json')).fans()).toEqual({
      cpuFanRpm: 1300,
      cpuTemperatureC: 58,
      gpuFanRpm: 1500,
      gpuTemperatureC: 50,
    });
  });

  it('a changed field fails naming the endpoint and the field', async () => {
    const body = bodyOf('dashboard/hami-gpus.json') as any;
    body.list[0].uuid = null;
    await expect(client(() => body).gpus()).rejects.toThrow(
      /POST \/hami\/api\/vgpu\/v1\/gpus.*list\[0\]\.uuid/,
    );
  });
});
