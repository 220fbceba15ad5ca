// What `olares-cli settings` reads through the desktop host (cli/cmd/ctl/settings/client.go):
// the OS update check, a market app's entrances and their domain setup, backup plans and their
// snapshots. Every answer is the BFL envelope {code, message, data}; shapes follow the CLI's
// structs, cited in test/fixtures/wire/desktop/*.json.
import { readJson, sendJson } from './http.js';
import type { Simulator } from './server.js';

const BACKUP = '/apis/backup/v1/plans/backup';
const ok = (data: unknown) => ({ code: 0, message: '', data });

/** Entrances per market app, as BFL lists them (settings/apps/list.go appEntrance). */
const ENTRANCES: Record<string, Array<Record<string, unknown>>> = {
  firefox: [{ name: 'firefox', title: 'Firefox', state: 'running', authLevel: 'private', invisible: false }],
  n8n: [
    { name: 'n8n', title: 'n8n', state: 'running', authLevel: 'private', invisible: false },
    { name: 'webhook', title: 'Webhook', state: 'running', authLevel: 'public', invisible: true },
  ],
};

interface SimSnapshot {
  id: string;
  createAt: number;
  size: number;
  status: string;
  progress: number;
}

/** One plan per user, created on first read, with two finished snapshots. */
function backupState() {
  const plans = new Map<string, { id: string; name: string; snapshots: SimSnapshot[] }>();
  return (local: string) => {
    let plan = plans.get(local);
    if (!plan) {
      const day = 86_400;
      const now = Math.floor(Date.now() / 1000);
      plan = {
        id: `plan-${local}-documents`,
        name: 'Documents',
        snapshots: [
          {
            id: `snap-${local}-1`,
            createAt: now - 2 * day,
            size: 104_857_600,
            status: 'completed',
            progress: 100,
          },
          {
            id: `snap-${local}-2`,
            createAt: now - day,
            size: 110_100_480,
            status: 'completed',
            progress: 100,
          },
        ],
      };
      plans.set(local, plan);
    }
    return plan;
  };
}

export function registerSettings(sim: Simulator) {
  sim.route('desktop', 'GET', '/api/checkLastOsVersion', ({ res }) => {
    sendJson(res, 200, ok({ current_version: sim.options.osVersion, new_version: '1.12.7', is_new: true }));
  });

  sim.route('desktop', 'GET', '/api/applications/:app/entrances', ({ res, params, user }) => {
    const items = (ENTRANCES[params.app] ?? []).map((e) => ({
      ...e,
      id: `${e.name}-id`,
      icon: '',
      openMethod: 'default',
      reason: '',
      url: `https://${e.name}.${user!.local}.olares.com`,
    }));
    sendJson(res, 200, ok({ items }));
  });

  sim.route('desktop', 'GET', '/api/applications/:app/:entrance/setup/domain', ({ res, params }) => {
    const custom = params.app === 'n8n' && params.entrance === 'n8n';
    sendJson(
      res,
      200,
      ok({
        third_level_domain: custom ? 'flows' : '',
        third_party_domain: custom ? 'flows.example.com' : '',
        cname_status: custom ? 'ThirdParty' : 'None',
        cname_target: custom ? 'n8n.alice.olares.com' : '',
        cname_target_status: custom ? 'active' : '',
        // The wire carries the certificate and its key; a client must never pass the key on.
        cert: custom ? '-----BEGIN CERTIFICATE-----\nsim\n-----END CERTIFICATE-----' : '',
        key: custom ? '-----BEGIN PRIVATE KEY-----\nsim-secret-key\n-----END PRIVATE KEY-----' : '',
      }),
    );
  });

  registerBackup(sim);
}

function registerBackup(sim: Simulator) {
  const planOf = backupState();
  sim.route('desktop', 'GET', BACKUP, ({ res, user }) => {
    const p = planOf(user!.local);
    const last = p.snapshots[p.snapshots.length - 1];
    const plan = {
      id: p.id,
      name: p.name,
      backupType: 'file',
      backupAppTypeName: '',
      size: String(last.size),
      restoreSize: '',
      path: '/Home/Documents',
      progress: last.progress,
      nextBackupTimestamp: Math.floor(Date.now() / 1000) + 3600,
      location: 'space',
      locationConfigName: '',
      status: last.status === 'running' ? 'running' : 'completed',
      createAt: p.snapshots[0].createAt,
    };
    sendJson(res, 200, ok({ backups: [plan], totalCount: 1 }));
  });

  sim.route('desktop', 'GET', `${BACKUP}/:id/snapshots`, ({ res, params, user, url }) => {
    const p = planOf(user!.local);
    if (params.id !== p.id) return sendJson(res, 200, { code: 1, message: `backup ${params.id} not found` });
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const newestFirst = [...p.snapshots].reverse();
    sendJson(
      res,
      200,
      ok({ snapshots: newestFirst.slice(offset, offset + limit), totalCount: p.snapshots.length }),
    );
  });

  sim.route('desktop', 'POST', `${BACKUP}/:id/snapshots`, async ({ req, res, params, user }) => {
    const p = planOf(user!.local);
    const body = await readJson<{ event?: string }>(req);
    if (params.id !== p.id) return sendJson(res, 200, { code: 1, message: `backup ${params.id} not found` });
    if (body?.event !== 'create') return sendJson(res, 400, { code: 1, message: 'event must be create' });
    p.snapshots.push({
      id: `snap-${user!.local}-${p.snapshots.length + 1}`,
      createAt: Math.floor(Date.now() / 1000),
      size: 0,
      status: 'running',
      progress: 0,
    });
    sendJson(res, 200, ok(null));
  });
}
