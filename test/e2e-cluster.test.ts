// Cluster and dashboard tools end to end: SDK Client over stdio -> built server -> simulator.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const DELETE_ROUTE = 'DELETE /control-hub/api/v1/namespaces/:ns/pods/:pod';

// Each test gets its own box and session, so any one of them runs alone.
describe('cluster and dashboard tools', () => {
  let box: TestBox;
  let mcp: McpSession;
  let answer: 'accept' | 'decline' = 'accept';

  beforeEach(async () => {
    answer = 'accept';
    box = await makeBox();
    await box.login('alice@olares.com', { name: 'alice' });
    await box.login('bob@olares.com', { name: 'bob' });
    await box.auth.profiles.use('alice');
    mcp = await connect(box.env, { elicitation: { form: {} } });
    mcp.onElicit(async () =>
      answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' },
    );
  });
  afterEach(async () => {
    await mcp?.close();
    await box?.close();
  });

  const podNamed = async (ns: string, prefix: string) => {
    const r = await mcp.call('cluster_pods', { namespace: ns, limit: 100 });
    return r.structuredContent.pods.find((p: any) => p.name.startsWith(`${prefix}-`)).name as string;
  };

  it('lists every visible pod across pages without duplicates', async () => {
    const first = await mcp.call('cluster_pods', { limit: 10 });
    expect(first.isError, textOf(first)).toBeFalsy();
    const total = first.structuredContent.total;
    expect(total).toBeGreaterThan(20);
    const seen: string[] = [];
    for (let page = 1; page <= Math.ceil(total / 10); page++) {
      const r = await mcp.call('cluster_pods', { limit: 10, page });
      seen.push(...r.structuredContent.pods.map((p: any) => `${p.namespace}/${p.name}`));
      expect(r.structuredContent.nextPage).toBe(page * 10 < total ? page + 1 : undefined);
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(new Set(seen.map((s) => s.split('/')[0]))).toContain('os-framework');
    const filtered = await mcp.call('cluster_pods', {
      namespace: 'user-space-alice',
      labelSelector: 'app=n8n',
      fieldSelector: 'status.phase=Running',
    });
    expect(filtered.structuredContent.pods).toEqual([
      expect.objectContaining({ ready: '2/2', status: 'Running' }),
    ]);
    const pending = await mcp.call('cluster_pods', { fieldSelector: 'status.phase=Pending' });
    expect(pending.structuredContent.pods.every((p: any) => p.status === 'ContainerCreating')).toBe(true);
  });

  it('describes a pod without env values, reads events', async () => {
    const name = await podNamed('user-space-alice', 'n8n');
    const r = await mcp.call('cluster_pod_get', { namespace: 'user-space-alice', pod: name });
    expect(r.structuredContent).toMatchObject({
      status: 'Running',
      controlledBy: 'ReplicaSet/n8n-7d9f',
      node: 'olares',
    });
    expect(r.structuredContent.containers.map((c: any) => c.name)).toEqual(['n8n', 'sidecar']);
    expect(r.structuredContent.containers[0].envNames).toEqual(['TZ', 'DB_PASSWORD']);
    expect(JSON.stringify(r.structuredContent)).not.toContain('secretKeyRef');
    const crashy = await podNamed('user-space-alice', 'worker');
    const ev = await mcp.call('cluster_pod_events', { namespace: 'user-space-alice', pod: crashy });
    expect(ev.structuredContent.events.map((e: any) => e.reason)).toEqual(['Scheduled', 'Pulled', 'BackOff']);
  });

  it('tails logs exactly, picks the first container, reads previous logs and caps output', async () => {
    const name = await podNamed('user-space-alice', 'n8n');
    const r = await mcp.call('cluster_pod_logs', { namespace: 'user-space-alice', pod: name, tail: 7 });
    expect(r.structuredContent).toMatchObject({ container: 'n8n', lines: 7, truncated: false });
    const lines = r.structuredContent.log.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[6]).toBe(`${name}/n8n log line 500`);
    expect(lines[0]).toBe(`${name}/n8n log line 494`);
    const def = await mcp.call('cluster_pod_logs', {
      namespace: 'user-space-alice',
      pod: name,
      container: 'sidecar',
    });
    expect(def.structuredContent.lines).toBe(50);
    const capped = await mcp.call('cluster_pod_logs', {
      namespace: 'user-space-alice',
      pod: name,
      tail: 500,
      maxBytes: 2048,
    });
    expect(capped.structuredContent.truncated).toBe(true);
    expect(capped.structuredContent.log).toMatch(/^\[\.\.\. \d+ earlier bytes cut at maxBytes=2048/);
    expect(capped.structuredContent.log.trim().endsWith('log line 500')).toBe(true);
    const crashy = await podNamed('user-space-alice', 'worker');
    const prev = await mcp.call('cluster_pod_logs', {
      namespace: 'user-space-alice',
      pod: crashy,
      previous: true,
      tail: 1,
    });
    expect(prev.structuredContent.log).toMatch(/\[previous\].*panic: simulated crash/);
    const noPrev = await mcp.call('cluster_pod_logs', {
      namespace: 'user-space-alice',
      pod: name,
      previous: true,
    });
    expect(textOf(noPrev)).toMatch(/previous terminated container/);
    const badTail = await mcp.call('cluster_pod_logs', { namespace: 'user-space-alice', pod: name, tail: 0 });
    expect(badTail.isError).toBe(true);
  });

  it('restarts and deletes with confirmation and dry run', async () => {
    const name = await podNamed('user-space-alice', 'jellyfin');
    const dry = await mcp.call('cluster_pod_delete', {
      namespace: 'user-space-alice',
      pod: name,
      dryRun: true,
    });
    expect(dry.structuredContent).toMatchObject({ dryRun: true, controlledBy: 'ReplicaSet/jellyfin-7d9f' });
    expect(box.sim.count(DELETE_ROUTE)).toBe(0);
    answer = 'decline';
    const declined = await mcp.call('cluster_pod_restart', { namespace: 'user-space-alice', pod: name });
    expect(textOf(declined)).toMatch(/declined; nothing was changed/);
    expect(box.sim.count(DELETE_ROUTE)).toBe(0);
    answer = 'accept';
    const r = await mcp.call('cluster_pod_restart', { namespace: 'user-space-alice', pod: name });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(box.sim.count(DELETE_ROUTE)).toBe(1);
    const after = await podNamed('user-space-alice', 'jellyfin');
    expect(after).not.toBe(name);
  });

  it('reports nodes, namespaces, application spaces and status lanes', async () => {
    const nodes = await mcp.call('cluster_nodes');
    expect(nodes.structuredContent.nodes).toEqual([
      expect.objectContaining({ name: 'olares', status: 'Ready', roles: 'control-plane,worker', cpu: '16' }),
    ]);
    const ns = await mcp.call('cluster_namespaces');
    expect(ns.structuredContent.namespaces.map((n: any) => n.name)).toEqual(
      expect.arrayContaining(['os-framework', 'user-space-alice', 'user-space-bob']),
    );
    const apps = await mcp.call('cluster_apps');
    // Real group titles (ks-apiserver-proxy namespaceGroup): user names, plus Shared and System.
    expect(apps.structuredContent.groups).toEqual(
      expect.arrayContaining([
        { group: 'alice', namespaces: ['user-space-alice', 'user-system-alice'] },
        { group: 'bob', namespaces: ['user-space-bob', 'user-system-bob'] },
        { group: 'Shared', namespaces: ['difyserver-shared'] },
        expect.objectContaining({ group: 'System', namespaces: expect.arrayContaining(['os-framework']) }),
      ]),
    );
    const st = await mcp.call('cluster_app_status', { namespace: 'user-space-alice' });
    // The crash-looping pod keeps its Running phase but is neither ready nor healthy.
    expect(st.structuredContent.pods).toMatchObject({ running: 4, pending: 1, total: 5 });
    expect(st.structuredContent.pods.unhealthy).toEqual([
      { name: expect.stringMatching(/^pending-app-/), problem: 'pending too long' },
      { name: expect.stringMatching(/^worker-/), problem: 'CrashLoopBackOff' },
    ]);
    expect(textOf(st)).toMatch(
      /pods 3\/5 healthy \(pending-app-\w+: pending too long, worker-\w+: CrashLoopBackOff\)/,
    );
    expect(st.structuredContent.workloads.Deployment).toEqual({ ready: 3, total: 5 });
    expect(st.structuredContent.events).toHaveLength(5);
    box.sim.addFault({
      match: 'GET /control-hub/kapis/resources.kubesphere.io/v1alpha3/namespaces/:ns/pods',
      kind: 'status',
      status: 500,
      times: 1,
    });
    const partial = await mcp.call('cluster_app_status', { namespace: 'user-space-alice' });
    expect(partial.isError).toBeFalsy();
    expect(partial.structuredContent.podsError).toMatch(/HTTP 500/);
    expect(partial.structuredContent.workloads).toBeDefined();
  });

  it('gives the dashboard overview with each figure once, in the unit its field names', async () => {
    const r = await mcp.call('dashboard_overview');
    expect(r.isError, textOf(r)).toBeFalsy();
    const { physical, quota, ranking } = r.structuredContent;
    expect(physical.items.map((i: any) => i.metric)).toEqual([
      'cpu',
      'memory',
      'disk',
      'pods',
      'net_in',
      'net_out',
    ]);
    expect(physical.items[0]).toEqual({ metric: 'cpu', used: 2.1, total: 16, unit: 'cores', percent: 13 });
    expect(quota.items[1]).toEqual({ metric: 'memory', used: 4, total: 16, unit: 'GiB', percent: 25 });
    expect(ranking.items.map((i: any) => i.app)).toEqual(['n8n', 'jellyfin', 'firefox', 'files']);
    expect(ranking.items[3]).toMatchObject({ rank: 4, pods: 1, namespace: 'user-space-alice' });
    // No raw/display pairs: no figure appears twice in the text block.
    const text = textOf(r);
    expect(text).not.toMatch(/"raw"|"display"/);
    expect(text).not.toMatch(/2\.10 \/ 16\.00|"utilisation"/); // the old display copy
    expect(text).toMatch(/busiest: \w+ at \d+%/);
    expect(text.length).toBeLessThan(1600);
  });

  it('reports a permission problem, not a login problem, for a normal user', async () => {
    const before = box.sim.count('POST /auth/api/refresh');
    const nodes = await mcp.call('cluster_nodes', { profile: 'bob' });
    expect(nodes.isError).toBe(true);
    expect(textOf(nodes)).toMatch(
      /^permission denied: bob@olares.com may not list nodes.*Logging in again will not help/,
    );
    expect(box.sim.count('POST /auth/api/refresh')).toBe(before + 1); // one refresh, then the verdict
    const other = await mcp.call('cluster_pods', { namespace: 'os-framework', profile: 'bob' });
    expect(textOf(other)).toMatch(/permission denied/);
    const mine = await mcp.call('cluster_pods', { profile: 'bob' });
    expect(mine.structuredContent.pods.every((p: any) => p.namespace.endsWith('-bob'))).toBe(true);
    const del = await mcp.call('cluster_pod_delete', {
      namespace: 'user-space-alice',
      pod: await podNamed('user-space-alice', 'firefox'),
      profile: 'bob',
    });
    expect(textOf(del)).toMatch(/permission denied/);
  });

  it('answers "is anything unhealthy" in one call, with the last exit of each restarting pod', async () => {
    const r = await mcp.call('cluster_pods', { unhealthy: true });
    expect(r.isError, textOf(r)).toBeFalsy();
    const rows = r.structuredContent.pods;
    // alice is the owner: both users' crash loops and stuck pods, nothing healthy.
    expect(rows.map((p: any) => `${p.namespace}/${p.name.replace(/-\w+$/, '')}:${p.problem}`).sort()).toEqual(
      [
        'user-space-alice/pending-app:pending too long',
        'user-space-alice/worker:CrashLoopBackOff',
        'user-space-bob/pending-app:pending too long',
        'user-space-bob/worker:CrashLoopBackOff',
      ],
    );
    expect(r.structuredContent.total).toBe(4);
    const worker = rows.find((p: any) => p.namespace === 'user-space-alice' && p.name.startsWith('worker-'));
    expect(worker).toMatchObject({
      ready: '0/1',
      status: 'CrashLoopBackOff',
      restarts: 12,
      lastExit: { container: 'worker', reason: 'Error', exitCode: 1, at: '2026-11-26T09:58:00Z' },
    });
    // Compact rows: what pod_get has (node, IPs, creation time) is not repeated per pod.
    expect(Object.keys(worker).sort()).toEqual(
      ['lastExit', 'name', 'namespace', 'problem', 'ready', 'restarts', 'status'].sort(),
    );
    const mine = await mcp.call('cluster_pods', { unhealthy: true, profile: 'bob' });
    expect(mine.structuredContent.pods.every((p: any) => p.namespace === 'user-space-bob')).toBe(true);
    expect(mine.structuredContent.total).toBe(2);
    const healthyNs = await mcp.call('cluster_pods', { unhealthy: true, namespace: 'os-framework' });
    expect(healthyNs.structuredContent.pods).toEqual([]);
    expect(textOf(healthyNs)).toMatch(/no unhealthy pods in os-framework/);
    const get = await mcp.call('cluster_pod_get', { namespace: 'user-space-alice', pod: worker.name });
    expect(get.structuredContent.containers[0]).toMatchObject({
      state: 'Waiting (CrashLoopBackOff)',
      restartCount: 12,
      lastExit: { reason: 'Error', exitCode: 1, at: '2026-11-26T09:58:00Z' },
    });
    expect(textOf(get)).toMatch(/last exit Error code 1/);
  });

  it('filters log lines by a pattern on the server and says how many matched of how many read', async () => {
    const worker = await podNamed('user-space-alice', 'worker');
    const r = await mcp.call('cluster_pod_logs', {
      namespace: 'user-space-alice',
      pod: worker,
      previous: true,
      pattern: 'PANIC|no-such-text',
    });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ lines: 1, matched: 1, scanned: 500, truncated: false });
    expect(r.structuredContent.log).toBe(`[previous] ${worker}/worker log line 500 panic: simulated crash\n`);
    expect(textOf(r)).toMatch(/1 of 500 scanned line\(s\) matched "PANIC\|no-such-text"/);
    // The tail applies to the matches: the last 3 of the lines holding "line 4".
    const some = await mcp.call('cluster_pod_logs', {
      namespace: 'user-space-alice',
      pod: worker,
      pattern: 'line 4',
      tail: 3,
    });
    expect(some.structuredContent.matched).toBe(111); // 4, 40-49, 400-499
    expect(some.structuredContent.log.trim().split('\n')).toEqual([
      `${worker}/worker log line 497`,
      `${worker}/worker log line 498`,
      `${worker}/worker log line 499`,
    ]);
    const none = await mcp.call('cluster_pod_logs', {
      namespace: 'user-space-alice',
      pod: worker,
      pattern: 'zzz',
    });
    expect(none.structuredContent).toMatchObject({ lines: 0, matched: 0, scanned: 500, log: '' });
    const empty = await mcp.call('cluster_pod_logs', {
      namespace: 'user-space-alice',
      pod: worker,
      pattern: ' | ',
    });
    expect(textOf(empty)).toMatch(/pattern is empty/);
  });

  it('refuses bad input with the fix and keeps serving', async () => {
    const bangEq = await mcp.call('cluster_pods', { fieldSelector: 'status.phase!=Running' });
    expect(textOf(bangEq)).toMatch(
      /uses the '!=' operator which the upstream KubeSphere pods endpoint does not support/,
    );
    const unknownField = await mcp.call('cluster_pods', { fieldSelector: 'spec.foo=bar' });
    expect(textOf(unknownField)).toMatch(/field "spec.foo" is not supported/);
    const badSel = await mcp.call('cluster_pods', { labelSelector: 'app in (a,b' });
    expect(textOf(badSel)).toMatch(/labelSelector: .* is not a valid term/);
    const noNs = await mcp.call('cluster_pods', { namespace: 'nope' });
    expect(textOf(noNs)).toMatch(/namespace "nope" not found .*cluster_namespaces/);
    const noPod = await mcp.call('cluster_pod_get', { namespace: 'user-space-alice', pod: 'ghost' });
    expect(textOf(noPod)).toMatch(/pod user-space-alice\/ghost not found .*cluster_pods/);
    const badName = await mcp.call('cluster_pod_logs', { namespace: 'User Space', pod: 'x' });
    expect(textOf(badName)).toMatch(/not a valid Kubernetes name/);
    expect((await mcp.call('cluster_namespaces')).isError).toBeFalsy();
  });
});
