// Contract fixtures of the market, control-hub, dashboard and desktop hosts
// (test/fixtures/wire/<service>/<case>.json, derived from the real servers' source or from
// olares-cli): their format, that every simulator route of these hosts has one, that the client
// parsers read every success body and every failed check, that a changed field fails with one
// clear message, and that the simulator answers in the same shape.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../sim/server.js';
import { WireShapeError } from '../src/errors.js';
import {
  parseAppDetail,
  parseEventList,
  parseGroups,
  parseKsList,
  parseObject,
  parsePod,
  type Workload,
} from '../src/olares/k8sWire.js';
import {
  FailedCheckError,
  failedCheck,
  parseCatalog,
  parseDetail,
  parseEnvelope,
  parseRows,
} from '../src/olares/marketWire.js';

interface Fixture {
  file: string;
  endpoint: string;
  case: string;
  provenance: { kind: string; repo: string; commit: string; file: string; line: string; note: string };
  request: { method: string; path: string; headers?: Record<string, string>; body?: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

const SERVICES = ['market', 'control-hub', 'dashboard', 'desktop'];
const DIR = join(import.meta.dirname, 'fixtures', 'wire');
const fixtures: Fixture[] = SERVICES.flatMap((service) =>
  readdirSync(join(DIR, service))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: `${service}/${f}`, ...JSON.parse(readFileSync(join(DIR, service, f), 'utf8')) })),
);
const byEndpoint = (suffix: string) => fixtures.filter((f) => f.endpoint.endsWith(suffix));
const ok = (f: Fixture) => f.response.status >= 200 && f.response.status < 300;
const envelopeOf = (f: Fixture) =>
  parseEnvelope(JSON.stringify(f.response.body), f.response.status, f.endpoint);

/** Simulator-only routes that no real box serves, so no fixture can describe them. */
const SIM_ONLY = new Set(['* /desktop/api/echo']);

describe('wire fixtures: market, control-hub, dashboard, desktop', () => {
  it('are well formed, with a provenance that names the source', () => {
    expect(fixtures.length).toBeGreaterThan(40);
    for (const f of fixtures) {
      expect(f.endpoint, f.file).toMatch(/^(GET|POST|PUT|PATCH|DELETE|\*) \/[a-z-]+\//);
      expect(f.file, f.file).toBe(`${f.endpoint.split('/')[1]}/${f.case}.json`);
      expect(['derived', 'cli-only'], f.file).toContain(f.provenance.kind);
      if (f.provenance.kind === 'cli-only') {
        expect(f.provenance.repo, f.file).toBe('beclab/Olares');
        expect(f.provenance.file, f.file).toMatch(/^cli\//);
      }
      for (const k of ['repo', 'commit', 'file', 'line', 'note'] as const)
        expect(f.provenance[k], `${f.file} provenance.${k}`).toBeTruthy();
      expect(f.request.method, f.file).toBe(f.endpoint.split(' ')[0]);
      expect(f.response.headers['content-type'], f.file).toBeTruthy();
    }
  });

  it('cover every route the simulator registers on these hosts', async () => {
    const sim = await startSimulator();
    try {
      const routes = (
        sim as unknown as { routes: Array<{ service: string; method: string; pattern: string }> }
      ).routes;
      const keys = routes
        .filter((r) => SERVICES.includes(r.service))
        .map((r) => `${r.method} /${r.service}${r.pattern}`)
        .filter((k) => !SIM_ONLY.has(k));
      expect(keys.length).toBeGreaterThan(30);
      const covered = new Set(fixtures.map((f) => f.endpoint));
      expect(keys.filter((k) => !covered.has(k))).toEqual([]);
    } finally {
      await sim.close();
    }
  });

  it('parse into typed results', () => {
    const catalog = parseCatalog(envelopeOf(byEndpoint('/market/data')[0]).data);
    expect(catalog).toEqual([
      {
        name: 'firefox',
        title: 'Firefox',
        version: '1.3.0',
        source: 'market.olares',
        categories: ['Productivity'],
      },
    ]);
    const rows = parseRows(envelopeOf(byEndpoint('/market/state')[0]).data);
    expect(rows.map((r) => [r.name, r.state, r.statusTime])).toEqual([
      ['firefox', 'running', '2026-11-20T10:00:00Z'],
      ['jellyfin', 'stopped', undefined],
    ]);
    const detail = (c: string) => parseDetail(envelopeOf(fixtures.find((f) => f.case === c)!).data, 'x');
    expect(detail('apps-detail-postgres')?.envs).toEqual([
      { name: 'N8N_ENCRYPTION_KEY', required: true, description: 'Key that encrypts stored credentials' },
    ]);
    expect(detail('apps-detail-redis-raw-data')?.envs.map((e) => e.name)).toEqual(['N8N_ENCRYPTION_KEY']);
    expect(detail('apps-detail-client-server')).toMatchObject({ apiVersion: 'v2', title: 'Dify' });
    expect(detail('apps-detail-client-server')?.subCharts.some((c) => c.shared)).toBe(true);
    expect(detail('apps-detail-unknown-app')).toBeUndefined();
    const ksLists = fixtures.filter(
      (x) => ok(x) && x.endpoint.startsWith('GET /control-hub/kapis') && !x.endpoint.endsWith('/:name'),
    );
    for (const f of ksLists)
      expect(parseKsList(f.response.body, f.endpoint).items.length, f.file).toBeGreaterThan(0);
    const object = (c: string) => {
      const f = fixtures.find((x) => x.case === c)!;
      return parseObject<Workload>(f.response.body, f.endpoint);
    };
    expect(object('node-get').metadata.name).toBe('olares');
    expect(object('workload-get').spec?.selector?.matchLabels).toEqual({ app: 'n8n' });
    expect(object('workload-scale').spec?.replicas).toBe(2);
    expect(object('cronjob-suspend')).toMatchObject({ spec: { suspend: true } });
    const me = fixtures.find((f) => f.case === 'app-detail-owner')!;
    expect(parseAppDetail(me.response.body, me.endpoint)).toMatchObject({
      username: 'alice',
      globalrole: 'platform-admin',
      systemNamespaces: ['os-framework', 'os-platform', 'kube-system'],
    });
    expect(parseEventList(byEndpoint('/events')[0].response.body, 'events')).toHaveLength(1);
    expect(parsePod(fixtures.find((f) => f.case === 'pod-get')!.response.body, 'pod').metadata.name).toBe(
      'firefox-ddddd',
    );
    const groups = parseGroups(fixtures.find((f) => f.case === 'namespace-groups-admin')!.response.body, 'g');
    expect(groups.map((g) => g.title)).toEqual(['alice', 'bob', 'Shared', 'System']);
    const regular = parseKsList(
      fixtures.find((f) => f.case === 'namespaces-regular-filtered-page')!.response.body,
      'ns',
    );
    expect(regular).toMatchObject({ totalItems: 1, total: 8 });
  });

  it('decode every failed check, whatever status wraps it', () => {
    const checks = fixtures.filter((f) => /failed-check|compute-mode|gpu-binding/.test(f.case));
    expect(checks.map((f) => f.response.status).sort()).toEqual([422, 500, 500, 500]);
    for (const f of checks) {
      const check = failedCheck(envelopeOf(f));
      expect(check, f.file).toBeInstanceOf(FailedCheckError);
      expect(check?.check.type, f.file).not.toBe('unknown');
    }
    const refused = fixtures.find((f) => f.case === 'install-refused')!;
    expect(failedCheck(envelopeOf(refused))).toBeUndefined();
  });

  it('fail one clear error naming service, endpoint and field when a field changes', () => {
    const state = structuredClone(byEndpoint('/market/state')[0].response.body) as any;
    state.data.user_data.sources['market.olares'].app_state_latest[1].status = 'stopped';
    const err = (() => {
      try {
        parseRows(state.data);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(WireShapeError);
    expect((err as Error).message).toBe(
      "market answered GET /market/state in an unexpected shape: field 'data.user_data.sources.market.olares.app_state_latest[1].status' is string, expected an object. This box may run a version olares-mcp does not know yet",
    );
    const pods = { items: [{ metadata: { namespace: 'x' } }], totalItems: 1 };
    expect(() => parseKsList(pods, 'GET /kapis/resources.kubesphere.io/v1alpha3/pods')).toThrow(
      "control-hub answered GET /kapis/resources.kubesphere.io/v1alpha3/pods in an unexpected shape: field 'items[0].metadata.name' is undefined",
    );
  });
});

/** Every key of the fixture's body exists in the simulator's body with the same JSON type. */
function shapeGaps(fixture: unknown, sim: unknown, at = ''): string[] {
  if (fixture === null || fixture === undefined) return [];
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(fixture) !== kind(sim)) return [`${at || '(body)'}: ${kind(fixture)} vs ${kind(sim)}`];
  if (Array.isArray(fixture))
    return fixture.length && (sim as unknown[]).length
      ? shapeGaps(fixture[0], (sim as unknown[])[0], `${at}[0]`)
      : [];
  if (kind(fixture) !== 'object') return [];
  return Object.entries(fixture as Record<string, unknown>).flatMap(([k, v]) =>
    k in (sim as object)
      ? shapeGaps(v, (sim as Record<string, unknown>)[k], `${at}.${k}`)
      : [`${at}.${k}: missing`],
  );
}

describe('the simulator answers in the fixtures shape', () => {
  let sim: Simulator;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    sim = await startSimulator();
    for (const u of sim.users.values()) tokens.set(u.local, await sim.issueAccessToken(u));
  });
  afterAll(async () => {
    await sim?.close();
  });

  const REPLAYED = fixtures.filter(
    (f) =>
      ok(f) &&
      typeof f.response.body === 'object' &&
      !/\/pods\/:pod|\/:ns$|restart|stop|resume|install|upgrade|apps\/:name/.test(f.endpoint) &&
      !['apps-detail-redis-raw-data', 'apps-detail-unknown-app'].includes(f.case),
  );

  it('for every success fixture of a read endpoint', async () => {
    expect(REPLAYED.length).toBeGreaterThan(20);
    const gaps: string[] = [];
    for (const f of REPLAYED) {
      const service = f.endpoint.split('/')[1];
      const user = /regular/.test(f.case) ? 'bob' : 'alice';
      const res = await fetch(`${sim.url}/${service}${f.request.path}`, {
        method: f.request.method,
        headers: {
          'x-authorization': tokens.get(user)!,
          'content-type': 'application/json',
          ...f.request.headers,
        },
        body: f.request.body === undefined ? undefined : JSON.stringify(f.request.body),
      });
      expect(res.status, f.file).toBe(f.response.status);
      gaps.push(...shapeGaps(f.response.body, await res.json()).map((g) => `${f.file} ${g}`));
    }
    expect(gaps).toEqual([]);
  });
});
