// Cluster and dashboard tools for a regular (non-admin) user, against the simulator doing what
// ks-apiserver-proxy does for one (docs/wire/market.md, docs/wire/cluster.md M4, M5, C6-C8).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const CAPI_MONITORING = 'GET /dashboard/capi/monitoring.kubesphere.io/v1alpha3/:type';

describe('cluster and dashboard for a regular user', () => {
  let box: TestBox;
  let mcp: McpSession;

  // A box per test: each runs alone (-t), and no test sees another's apps or pods.
  beforeEach(async () => {
    box = await makeBox();
    await box.login('bob@olares.com');
    mcp = await connect(box.env);
  });
  afterEach(async () => {
    await mcp?.close();
    await box?.close();
  });

  it('pages the whole pod list the proxy returns, without repeats', async () => {
    const first = await mcp.call('cluster_pods', { limit: 4 });
    expect(first.isError, textOf(first)).toBeFalsy();
    const { total } = first.structuredContent;
    expect(total).toBe(6); // bob's five app pods and his vault-server
    expect(first.structuredContent.pods).toHaveLength(4);
    expect(first.structuredContent.nextPage).toBe(2);
    const second = await mcp.call('cluster_pods', { limit: 4, page: 2 });
    expect(second.structuredContent.pods).toHaveLength(2);
    expect(second.structuredContent.nextPage).toBeUndefined();
    const names = [...first.structuredContent.pods, ...second.structuredContent.pods].map(
      (p: any) => `${p.namespace}/${p.name}`,
    );
    expect(new Set(names).size).toBe(6);
    expect(names.every((n) => n.split('/')[0].split('-').includes('bob'))).toBe(true);
    const past = await mcp.call('cluster_pods', { limit: 4, page: 3 });
    expect(past.structuredContent.pods).toEqual([]);
  });

  it("finds every namespace of the user's even when the proxy's filtered pages have holes", async () => {
    const seen: string[] = [];
    let page: number | undefined = 1;
    while (page) {
      const r: any = await mcp.call('cluster_namespaces', { limit: 2, page });
      expect(r.isError, textOf(r)).toBeFalsy();
      expect(r.structuredContent.total).toBe(3);
      seen.push(...r.structuredContent.namespaces.map((n: any) => n.name));
      page = r.structuredContent.nextPage;
    }
    expect(seen.sort()).toEqual(['difyserver-shared', 'user-space-bob', 'user-system-bob']);
  });

  it('groups application spaces under the user name, without Shared or System', async () => {
    const r = await mcp.call('cluster_apps');
    expect(r.structuredContent.groups).toEqual([
      { group: 'bob', namespaces: ['user-space-bob', 'user-system-bob'] },
    ]);
  });

  it('reads the physical section from the per-user monitoring path', async () => {
    const before = box.sim.count(CAPI_MONITORING);
    const r = await mcp.call('dashboard_overview');
    expect(r.isError, textOf(r)).toBeFalsy();
    const { physical, quota: user, ranking } = r.structuredContent;
    expect(physical.error).toBeUndefined();
    expect(physical.note).toMatch(/sub-account may not read cluster-wide metrics/);
    expect(physical.items[0]).toMatchObject({ metric: 'cpu', used: 1.05, total: 8, unit: 'cores' });
    expect(box.sim.count(CAPI_MONITORING)).toBe(before + 1);
    expect(user.items).toHaveLength(2);
    expect(ranking.items.length).toBeGreaterThan(0);
  });

  it('reports a section this role cannot read as not available, and keeps the others', async () => {
    box.sim.addFault({ match: CAPI_MONITORING, kind: 'status', status: 403 });
    try {
      const r = await mcp.call('dashboard_overview');
      expect(r.isError, textOf(r)).toBeFalsy();
      const { physical, quota: user, ranking } = r.structuredContent;
      expect(physical.error).toBeUndefined();
      expect(physical.items).toEqual([]);
      expect(physical.unavailable).toMatch(/^not available to this role: bob@olares.com/);
      expect(user.items).toHaveLength(2);
      expect(ranking.error).toBeUndefined();
    } finally {
      box.sim.clearFaults();
    }
  });
});
