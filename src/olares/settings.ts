// Typed client for what `olares-cli settings` reads through the desktop host: user-service
// (/api/...) and the BFL backup-server (/apis/backup/v1/...) share that origin
// (cli/cmd/ctl/settings/client.go). Every answer is the BFL envelope {code, message, data}.
// Secrets the wire carries (a custom domain's certificate key, a repo salt) are dropped here,
// so no caller can hand them on.
import { InvalidInputError } from '../errors.js';
import type { OlaresHttp } from '../transport/http.js';
import { unwrapUserService as unwrap } from './desktop.js';

const BACKUP = '/apis/backup/v1/plans/backup';

export interface UserRow {
  name: string;
  displayName?: string;
  roles: string[];
  state?: string;
  createdAt?: number;
  cpuLimit?: string;
  memoryLimit?: string;
}

export interface EntranceRow {
  name: string;
  title?: string;
  state?: string;
  authLevel?: string;
  invisible: boolean;
  url?: string;
}

/** A custom domain setup without its certificate and key (secrets), only whether they exist. */
export interface DomainSetup {
  thirdLevelDomain?: string;
  thirdPartyDomain?: string;
  cnameStatus?: string;
  cnameTarget?: string;
  cnameTargetStatus?: string;
  certConfigured: boolean;
}

export interface BackupPlan {
  id: string;
  name: string;
  backupType?: string;
  location?: string;
  status?: string;
  progress?: number;
  size?: string;
  nextBackupAt?: number;
  createdAt?: number;
}

export interface Snapshot {
  id: string;
  status?: string;
  progress?: number;
  size?: number;
  createdAt?: number;
}

/** Names that become one URL segment: a market app, an entrance, a backup plan id. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkSegment(what: string, value: string): string {
  if (!SEGMENT.test(value) || value.includes('..'))
    throw new InvalidInputError(
      `${what} "${value.slice(0, 60)}" is malformed: letters, digits, ".", "_" and "-" only, at most 100 characters`,
    );
  return value;
}

export class SettingsClient {
  constructor(private readonly http: OlaresHttp) {}

  private async get(path: string, endpoint: string, query?: Record<string, number>, signal?: AbortSignal) {
    return unwrap(await this.http.json('desktop', path, { query, signal }), endpoint);
  }

  /** BFL user-info (olares-cli pkg/whoami): the name and the role on this box. */
  async whoami(signal?: AbortSignal): Promise<{ name: string; role: string }> {
    const { r, env } = await this.get(
      '/api/backend/v1/user-info',
      'GET /api/backend/v1/user-info',
      {},
      signal,
    );
    const d = r.record(env.data, 'data');
    return { name: r.str(d.name, 'data.name'), role: r.optStr(d.owner_role, 'data.owner_role') ?? '' };
  }

  async version(signal?: AbortSignal): Promise<{ osVersion?: string; olaresId?: string }> {
    const { r, env } = await this.get('/api/olares-info', 'GET /api/olares-info', {}, signal);
    const d = r.optRecord(env.data, 'data');
    return {
      osVersion: r.optStr(d.osVersion, 'data.osVersion'),
      olaresId: r.optStr(d.olaresId, 'data.olaresId'),
    };
  }

  /** user-service asks Olares Space for the newest release (settings/me/check_update.go). */
  async checkUpdate(
    signal?: AbortSignal,
  ): Promise<{ current?: string; latest?: string; available: boolean }> {
    const { r, env } = await this.get('/api/checkLastOsVersion', 'GET /api/checkLastOsVersion', {}, signal);
    const d = r.optRecord(env.data, 'data');
    return {
      current: r.optStr(d.current_version, 'data.current_version'),
      latest: r.optStr(d.new_version, 'data.new_version'),
      available: d.is_new === true,
    };
  }

  /** app-service's user list through user-service: everyone for an admin, only oneself otherwise. */
  async users(signal?: AbortSignal): Promise<UserRow[]> {
    const { r, env } = await this.get('/api/users/v2', 'GET /api/users/v2', {}, signal);
    return r.optArray(env.data, 'data').map((raw, i) => {
      const u = r.record(raw, `data[${i}]`);
      const at = (k: string) => `data[${i}].${k}`;
      return {
        name: r.str(u.name, at('name')),
        displayName: r.optStr(u.display_name, at('display_name')),
        roles: r.optArray(u.roles, at('roles')).map((x, j) => r.str(x, `${at('roles')}[${j}]`)),
        state: r.optStr(u.state, at('state')),
        createdAt: r.optNum(u.creation_timestamp, at('creation_timestamp')),
        cpuLimit: r.optStr(u.cpu_limit, at('cpu_limit')),
        memoryLimit: r.optStr(u.memory_limit, at('memory_limit')),
      };
    });
  }

  async entrances(app: string, signal?: AbortSignal): Promise<EntranceRow[]> {
    checkSegment('market app name', app);
    const endpoint = 'GET /api/applications/{app}/entrances';
    const { r, env } = await this.get(`/api/applications/${app}/entrances`, endpoint, {}, signal);
    return r.optArray(r.optRecord(env.data, 'data').items, 'data.items').map((raw, i) => {
      const e = r.record(raw, `data.items[${i}]`);
      const at = (k: string) => `data.items[${i}].${k}`;
      return {
        name: r.str(e.name, at('name')),
        title: r.optStr(e.title, at('title')),
        state: r.optStr(e.state, at('state')),
        authLevel: r.optStr(e.authLevel, at('authLevel')),
        invisible: e.invisible === true,
        url: r.optStr(e.url, at('url')),
      };
    });
  }

  async domain(app: string, entrance: string, signal?: AbortSignal): Promise<DomainSetup> {
    checkSegment('market app name', app);
    checkSegment('entrance name', entrance);
    const endpoint = 'GET /api/applications/{app}/{entrance}/setup/domain';
    const { r, env } = await this.get(
      `/api/applications/${app}/${entrance}/setup/domain`,
      endpoint,
      {},
      signal,
    );
    const d = r.optRecord(env.data, 'data');
    return {
      thirdLevelDomain: r.optStr(d.third_level_domain, 'data.third_level_domain'),
      thirdPartyDomain: r.optStr(d.third_party_domain, 'data.third_party_domain'),
      cnameStatus: r.optStr(d.cname_status, 'data.cname_status'),
      cnameTarget: r.optStr(d.cname_target, 'data.cname_target'),
      cnameTargetStatus: r.optStr(d.cname_target_status, 'data.cname_target_status'),
      certConfigured: typeof d.cert === 'string' && d.cert.trim() !== '',
    };
  }

  async backupPlans(offset: number, limit: number, signal?: AbortSignal) {
    const { r, env } = await this.get(BACKUP, `GET ${BACKUP}`, { offset, limit }, signal);
    const d = r.optRecord(env.data, 'data');
    const plans = r.optArray(d.backups, 'data.backups').map((raw, i): BackupPlan => {
      const p = r.record(raw, `data.backups[${i}]`);
      const at = (k: string) => `data.backups[${i}].${k}`;
      return {
        id: r.str(p.id, at('id')),
        name: r.optStr(p.name, at('name')) ?? '',
        backupType: r.optStr(p.backupType, at('backupType')),
        location: r.optStr(p.location, at('location')),
        status: r.optStr(p.status, at('status')),
        progress: r.optNum(p.progress, at('progress')),
        size: r.optStr(p.size, at('size')),
        nextBackupAt: r.optNum(p.nextBackupTimestamp, at('nextBackupTimestamp')),
        createdAt: r.optNum(p.createAt, at('createAt')),
      };
    });
    return { plans, total: r.optNum(d.totalCount, 'data.totalCount') ?? plans.length };
  }

  async snapshots(planId: string, offset: number, limit: number, signal?: AbortSignal) {
    checkSegment('backup plan id', planId);
    const endpoint = `GET ${BACKUP}/{id}/snapshots`;
    const { r, env } = await this.get(`${BACKUP}/${planId}/snapshots`, endpoint, { offset, limit }, signal);
    const d = r.optRecord(env.data, 'data');
    const snapshots = r.optArray(d.snapshots, 'data.snapshots').map((raw, i): Snapshot => {
      const s = r.record(raw, `data.snapshots[${i}]`);
      const at = (k: string) => `data.snapshots[${i}].${k}`;
      return {
        id: r.str(s.id, at('id')),
        status: r.optStr(s.status, at('status')),
        progress: r.optNum(s.progress, at('progress')),
        size: r.optNum(s.size, at('size')),
        createdAt: r.optNum(s.createAt, at('createAt')),
      };
    });
    return { snapshots, total: r.optNum(d.totalCount, 'data.totalCount') ?? snapshots.length };
  }

  /** The web app's "Run now" (BackupDetail.vue): one POST with {event: "create"}. */
  async runSnapshot(planId: string, signal?: AbortSignal): Promise<void> {
    checkSegment('backup plan id', planId);
    const endpoint = `POST ${BACKUP}/{id}/snapshots`;
    unwrap(
      await this.http.json('desktop', `${BACKUP}/${planId}/snapshots`, {
        method: 'POST',
        json: { event: 'create' },
        signal,
      }),
      endpoint,
    );
  }
}
