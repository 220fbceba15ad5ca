// Typed clients per Olares service, bound to one session. Built lazily: a call pays only for
// the clients it uses.
import type { AuthContext, Session } from '../auth/index.js';
import { OlaresHttp } from '../transport/http.js';
import { boxFactsFor } from './boxFacts.js';
import { ControlHubClient } from './controlHub.js';
import { DashboardClient } from './dashboard.js';
import { DesktopClient } from './desktop.js';
import { FilesClient } from './files/index.js';
import { MarketClient } from './market.js';
import { SettingsClient } from './settings.js';
import { ClusterObjectsClient } from './workloads.js';

export class OlaresClients {
  readonly http: OlaresHttp;
  private cache = new Map<string, unknown>();

  constructor(
    readonly session: Session,
    readonly auth: AuthContext,
  ) {
    this.http = new OlaresHttp(session);
  }

  get olaresId() {
    return this.session.identity.olaresId;
  }

  /** The box's Olares version, remembered per profile (boxFacts.ts), for verbs a release added. */
  boxVersion(op: string, signal?: AbortSignal): Promise<string> {
    return this.market.backendVersion(op, signal);
  }

  private clientFor<T>(key: string, make: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as T;
  }

  /** Reachability of every service the tools use (doctor). */
  probeServices() {
    const services = ['auth', 'desktop', 'files', 'market', 'dashboard', 'control-hub'] as const;
    return Promise.all(
      services.map(async (service) => ({ service, ...(await this.http.reachable(service)) })),
    );
  }

  get desktop() {
    return this.clientFor('desktop', () => new DesktopClient(this.http));
  }
  get files() {
    return this.clientFor('files', () => new FilesClient(this.http, boxFactsFor(this.auth)));
  }
  get market() {
    return this.clientFor('market', () => new MarketClient(this.http, this));
  }
  get controlHub() {
    return this.clientFor('controlHub', () => new ControlHubClient(this.http));
  }
  /** Workloads, jobs, cronjobs, node and namespace objects, identity (the workloads toolset). */
  get clusterObjects() {
    return this.clientFor('clusterObjects', () => new ClusterObjectsClient(this.http));
  }
  get dashboard() {
    return this.clientFor('dashboard', () => new DashboardClient(this.http));
  }
  get settings() {
    return this.clientFor('settings', () => new SettingsClient(this.http));
  }
}
