// The workloads toolset end to end: SDK Client over stdio -> built server (OLARES_TOOLSETS=all)
// -> simulator. Each verb, its refusals, the confirmation gate (a form that says yes, a client
// without forms, strict mode's approval link), dryRun leaving the simulated cluster as it was, and
// no secret value in any described spec.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hiddenFields, pageRequest } from './helpers/browser.js';
import { boxContent, connect, connectConfirming, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const SCALE_ROUTE = 'PATCH /control-hub/apis/apps/v1/namespaces/:ns/:kind/:name';
const POD_DELETE_ROUTE = 'DELETE /control-hub/api/v1/namespaces/:ns/pods/:pod';
const RERUN_ROUTE = 'POST /control-hub/kapis/operations.kubesphere.io/v1alpha2/namespaces/:ns/jobs/:name';
const CRON_PATCH_ROUTE = 'PATCH /control-hub/apis/batch/v1/namespaces/:ns/cronjobs/:name';
const ALICE = 'user-space-alice';
/** Values the simulator puts in specs that no tool may ever return. */
const SECRETS = ['sim-applied-secret', 'secretKeyRef', '-secrets', '"UTC"', 'value: UTC'];

describe('workloads toolset', () => {
  let box: TestBox;
  let mcp: McpSession;
  const others: McpSession[] = [];
  const all = (env: NodeJS.ProcessEnv = {}) => ({ ...box.env, OLARES_TOOLSETS: 'all', ...env });

  beforeEach(async () => {
    box = await makeBox();
    await box.login('alice@olares.com', { name: 'alice' });
    await box.login('bob@olares.com', { name: 'bob' });
    await box.auth.profiles.use('alice');
    mcp = await connectConfirming(all());
  });
  afterEach(async () => {
    for (const s of others.splice(0)) await s.close();
    await mcp?.close();
    await box?.close();
  });

  const ok = async (tool: string, args: Record<string, unknown> = {}) => {
    const r = await mcp.call(tool, args);
    expect(r.isError, textOf(r)).toBeFalsy();
    return r;
  };
  const podsOf = async (namespace: string, app: string) =>
    (await ok('cluster_pods', { namespace, labelSelector: `app=${app}` })).structuredContent.pods.map(
      (p: any) => p.name as string,
    );
  const workload = async (namespace: string, kind: string, name: string) =>
    (await ok('cluster_workloads', { namespace, kind, name })).structuredContent.workload;

  it('is off by default and served with OLARES_TOOLSETS=all or a list naming it', async () => {
    const names = async (env: NodeJS.ProcessEnv) => {
      const s = await connect(env);
      others.push(s);
      return (await s.listTools()).map((t) => t.name);
    };
    expect(await names(box.env)).not.toContain('cluster_workloads');
    const listed = await names({ ...box.env, OLARES_TOOLSETS: 'cluster,workloads' });
    expect(listed.filter((n) => !n.startsWith('cluster_pod'))).toEqual(
      expect.arrayContaining([
        'cluster_context',
        'cluster_workloads',
        'cluster_workload_change',
        'cluster_jobs',
        'cluster_job_change',
        'cluster_describe',
      ]),
    );
    const tools = await mcp.listTools();
    const hints = (n: string) => tools.find((t) => t.name === n)?.annotations;
    for (const n of ['cluster_context', 'cluster_workloads', 'cluster_jobs', 'cluster_describe'])
      expect(hints(n)?.readOnlyHint, n).toBe(true);
    for (const n of ['cluster_workload_change', 'cluster_job_change'])
      expect(hints(n), n).toMatchObject({ readOnlyHint: false, destructiveHint: true });
  });

  it('says who I am, my role and my namespaces from the box, whatever the arguments say', async () => {
    const me = (await ok('cluster_context')).structuredContent;
    expect(me).toMatchObject({
      olaresId: 'alice@olares.com',
      username: 'alice',
      role: 'platform-admin',
      roleLabel: 'Cluster Admin',
      admin: true,
      namespaces: ['user-space-alice', 'user-system-alice'],
    });
    const bob = (await ok('cluster_context', { profile: 'bob' })).structuredContent;
    expect(bob).toMatchObject({
      username: 'bob',
      admin: false,
      namespaces: ['user-space-bob', 'user-system-bob'],
    });
    const claimed = await mcp.call('cluster_context', { username: 'alice', role: 'platform-admin' });
    expect(claimed.isError).toBe(true);
  });

  it('lists workloads of each kind and shows one with its rollout status and images', async () => {
    const mine = (await ok('cluster_workloads', { namespace: ALICE })).structuredContent;
    expect(mine.workloads.map((w: any) => `${w.kind}/${w.name} ${w.ready}`).sort()).toEqual([
      'Deployment/firefox 1/1',
      'Deployment/jellyfin 1/1',
      'Deployment/n8n 1/1',
      'Deployment/pending-app 0/1',
      'Deployment/worker 0/1',
    ]);
    const sts = (await ok('cluster_workloads', { kind: 'statefulset' })).structuredContent.workloads;
    expect(sts).toEqual([
      {
        kind: 'StatefulSet',
        namespace: 'os-platform',
        name: 'citus',
        ready: '1/1',
        images: ['beclab/citus:1.0'],
      },
    ]);
    const n8n = await workload(ALICE, 'deployment', 'n8n');
    expect(n8n).toMatchObject({
      ready: '1/1',
      desired: 1,
      updated: 1,
      converged: true,
      strategy: 'RollingUpdate',
      selector: 'app=n8n',
    });
    expect(n8n.containers).toEqual([{ container: 'n8n', image: 'n8nio/n8n:1.40.0' }]);
    expect(await workload(ALICE, 'deployment', 'worker')).toMatchObject({ ready: '0/1', converged: false });
    expect(await workload('kube-system', 'daemonset', 'kube-proxy')).toMatchObject({
      desired: 1,
      converged: true,
    });
    const paged = (await ok('cluster_workloads', { limit: 2 })).structuredContent;
    expect(paged.workloads.length).toBeLessThanOrEqual(6);
    expect(paged.nextPage).toBe(2);
  });

  it('scales, stops and starts once confirmed; dryRun and a count already reached change nothing', async () => {
    const dry = await ok('cluster_workload_change', {
      namespace: ALICE,
      kind: 'deployment',
      name: 'firefox',
      action: 'scale',
      replicas: 3,
      dryRun: true,
    });
    expect(dry.structuredContent).toMatchObject({
      dryRun: true,
      changed: false,
      replicasBefore: 1,
      replicas: 3,
    });
    expect(box.sim.count(SCALE_ROUTE)).toBe(0);
    expect(await podsOf(ALICE, 'firefox')).toHaveLength(1);

    const up = await ok('cluster_workload_change', {
      namespace: ALICE,
      kind: 'deployment',
      name: 'firefox',
      action: 'scale',
      replicas: 3,
    });
    expect(up.structuredContent).toMatchObject({
      confirmed: true,
      changed: true,
      replicas: 3,
      dryRun: false,
    });
    expect(await podsOf(ALICE, 'firefox')).toHaveLength(3);
    expect(await workload(ALICE, 'deployment', 'firefox')).toMatchObject({ ready: '3/3', converged: true });
    const running = await ok('cluster_workload_change', {
      namespace: ALICE,
      kind: 'deployment',
      name: 'firefox',
      action: 'start',
    });
    expect(running.structuredContent).toMatchObject({ changed: false, replicas: 3 });
    expect(textOf(running)).toMatch(/already has 3 replica\(s\); nothing changed \(use action "scale"/);
    expect(box.sim.count(SCALE_ROUTE)).toBe(1);

    await ok('cluster_workload_change', {
      namespace: ALICE,
      kind: 'deployment',
      name: 'firefox',
      action: 'stop',
    });
    expect(await podsOf(ALICE, 'firefox')).toEqual([]);
    const again = await ok('cluster_workload_change', {
      namespace: ALICE,
      kind: 'deployment',
      name: 'firefox',
      action: 'stop',
    });
    expect(textOf(again)).toMatch(/already has 0 replica\(s\); nothing changed/);
    expect(box.sim.count(SCALE_ROUTE)).toBe(2);

    const citus = { namespace: 'os-platform', kind: 'statefulset', name: 'citus' };
    await ok('cluster_workload_change', { ...citus, action: 'stop' });
    expect(await podsOf('os-platform', 'citus')).toEqual([]);
    const start = await ok('cluster_workload_change', { ...citus, action: 'start', replicas: 2 });
    expect(start.structuredContent).toMatchObject({ replicasBefore: 0, replicas: 2, changed: true });
    expect((await podsOf('os-platform', 'citus')).sort()).toEqual(['citus-0', 'citus-1']);
    const audit = await readFile(join(box.home, 'audit.log'), 'utf8');
    expect(audit).toMatch(/"phase":"attempt".*"tool":"cluster_workload_change"/);
  });

  it('restarts a workload by deleting the pods its selector picks, so the controller recreates them', async () => {
    const before = await podsOf(ALICE, 'jellyfin');
    const dry = await ok('cluster_workload_change', {
      namespace: ALICE,
      kind: 'deployment',
      name: 'jellyfin',
      action: 'restart',
      dryRun: true,
    });
    expect(dry.structuredContent).toMatchObject({ dryRun: true, pods: before });
    expect(box.sim.count(POD_DELETE_ROUTE)).toBe(0);
    const r = await ok('cluster_workload_change', {
      namespace: ALICE,
      kind: 'deployment',
      name: 'jellyfin',
      action: 'restart',
    });
    expect(r.structuredContent).toMatchObject({ confirmed: true, changed: true, pods: before });
    expect(box.sim.count(POD_DELETE_ROUTE)).toBe(1);
    const after = await podsOf(ALICE, 'jellyfin');
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
  });

  it('refuses bad counts, kinds, names and views with one clear message each, before any change', async () => {
    const change = (args: Record<string, unknown>) =>
      mcp.call('cluster_workload_change', { namespace: ALICE, kind: 'deployment', name: 'firefox', ...args });
    for (const replicas of [-1, 10_000, 2.5]) {
      const r = await change({ action: 'scale', replicas });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(
        new RegExp(`replicas must be a whole number from 0 to 100 for scale \\(got ${replicas}\\)`),
      );
    }
    expect(textOf(await change({ action: 'scale' }))).toMatch(/scale needs replicas \(0 to 100\)/);
    expect(textOf(await change({ action: 'start', replicas: 0 }))).toMatch(/from 1 to 100 for start/);
    expect(textOf(await change({ action: 'restart', replicas: 2 }))).toMatch(
      /replicas applies to scale and start only/,
    );
    const ds = await change({
      kind: 'daemonset',
      name: 'kube-proxy',
      namespace: 'kube-system',
      action: 'scale',
      replicas: 2,
    });
    expect(textOf(ds)).toMatch(/a DaemonSet has no replicas .* use action "restart"/);
    expect(textOf(await change({ name: 'Firefox_1', action: 'stop' }))).toMatch(
      /name "Firefox_1" is not a valid Kubernetes name/,
    );
    const badKind = await change({ kind: 'cronjob', action: 'stop' });
    expect(badKind.isError).toBe(true);
    expect(textOf(badKind)).toMatch(/deployment.*statefulset.*daemonset/s);
    const badAction = await change({ action: 'delete' });
    expect(badAction.isError).toBe(true);
    const badView = await mcp.call('cluster_jobs', {
      namespace: 'os-framework',
      name: 'db-migrate',
      view: 'jobs',
    });
    expect(textOf(badView)).toMatch(/view "jobs" is not one of a job's views: detail, pods, events/);
    const unknownView = await mcp.call('cluster_jobs', {
      namespace: 'os-framework',
      name: 'db-migrate',
      view: 'logs',
    });
    expect(unknownView.isError).toBe(true);
    expect(textOf(await mcp.call('cluster_jobs', { view: 'pods' }))).toMatch(/view needs name/);
    expect(textOf(await mcp.call('cluster_workloads', { name: 'firefox', kind: 'deployment' }))).toMatch(
      /needs namespace/,
    );
    expect(textOf(await mcp.call('cluster_describe', { kind: 'pod', name: 'x' }))).toMatch(
      /pod needs namespace/,
    );
    const ghost = await mcp.call('cluster_workloads', {
      namespace: ALICE,
      kind: 'deployment',
      name: 'ghost',
    });
    expect(textOf(ghost)).toMatch(/deployment user-space-alice\/ghost not found .*cluster_workloads/);
    const asBob = await change({ action: 'stop', profile: 'bob' });
    expect(textOf(asBob)).toMatch(
      /permission denied: bob@olares.com may not read deployment user-space-alice\/firefox/,
    );
    const noPod = await mcp.call('cluster_describe', { kind: 'pod', namespace: 'kube-system', name: 'nope' });
    expect(textOf(noPod)).toMatch(
      /pod kube-system\/nope not found .*cluster_pods \{namespace: "kube-system"\}/,
    );
    expect(box.sim.count(SCALE_ROUTE) + box.sim.count(POD_DELETE_ROUTE)).toBe(0);
  });

  it("lists jobs and cronjobs, shows a job's pods and events and a cronjob's jobs", async () => {
    const jobs = (await ok('cluster_jobs', { namespace: 'os-framework' })).structuredContent.jobs;
    expect(jobs.map((j: any) => `${j.name} ${j.status} ${j.completions}`).sort()).toEqual([
      'db-migrate Complete 1/1',
      'nightly-backup-29390580 Complete 1/1',
    ]);
    const crons = (await ok('cluster_jobs', { kind: 'cronjob' })).structuredContent.cronjobs;
    expect(crons).toEqual([
      expect.objectContaining({ name: 'nightly-backup', schedule: '0 3 * * *', suspended: false }),
    ]);
    const detail = (await ok('cluster_jobs', { namespace: 'os-framework', name: 'db-migrate' }))
      .structuredContent.detail;
    expect(detail).toMatchObject({
      status: 'Complete',
      backoffLimit: 6,
      containers: [{ container: 'main', image: 'beclab/backup-server:0.3.1' }],
    });
    const pods = (await ok('cluster_jobs', { namespace: 'os-framework', name: 'db-migrate', view: 'pods' }))
      .structuredContent.pods;
    expect(pods).toEqual([
      expect.objectContaining({ name: expect.stringMatching(/^db-migrate-/), status: 'Succeeded' }),
    ]);
    const events = (
      await ok('cluster_jobs', { namespace: 'os-framework', name: 'db-migrate', view: 'events' })
    ).structuredContent.events;
    expect(events).toEqual([
      expect.objectContaining({ reason: 'SuccessfulCreate', message: `Created pod: ${pods[0].name}` }),
    ]);
    const made = (
      await ok('cluster_jobs', {
        namespace: 'os-framework',
        kind: 'cronjob',
        name: 'nightly-backup',
        view: 'jobs',
      })
    ).structuredContent.jobs;
    expect(made.map((j: any) => j.name)).toEqual(['nightly-backup-29390580']);
    const bobs = await mcp.call('cluster_jobs', { namespace: 'os-framework', profile: 'bob' });
    expect(textOf(bobs)).toMatch(/permission denied: bob@olares.com may not list jobs in os-framework/);
  });

  it('reruns a job and suspends and resumes a cronjob once confirmed; dryRun changes nothing', async () => {
    const rerun = (args: Record<string, unknown> = {}) =>
      ok('cluster_job_change', { namespace: 'os-framework', name: 'db-migrate', action: 'rerun', ...args });
    expect((await rerun({ dryRun: true })).structuredContent).toMatchObject({
      dryRun: true,
      resourceVersion: '500',
    });
    expect(box.sim.count(RERUN_ROUTE)).toBe(0);
    expect((await rerun()).structuredContent).toMatchObject({
      confirmed: true,
      changed: true,
      resourceVersion: '500',
    });
    expect(box.sim.count(RERUN_ROUTE)).toBe(1);
    const pods = (await ok('cluster_jobs', { namespace: 'os-framework', name: 'db-migrate', view: 'pods' }))
      .structuredContent.pods;
    expect(pods.map((p: any) => p.status).sort()).toEqual(['Running', 'Succeeded']);

    const cron = (action: string, dryRun?: boolean) =>
      ok('cluster_job_change', { namespace: 'os-framework', name: 'nightly-backup', action, dryRun });
    expect((await cron('suspend', true)).structuredContent).toMatchObject({ dryRun: true, suspended: false });
    expect(box.sim.count(CRON_PATCH_ROUTE)).toBe(0);
    expect((await cron('suspend')).structuredContent).toMatchObject({
      confirmed: true,
      suspended: true,
      changed: true,
    });
    expect(textOf(await cron('suspend'))).toMatch(/already suspended; nothing changed/);
    expect(box.sim.count(CRON_PATCH_ROUTE)).toBe(1);
    expect((await cron('resume')).structuredContent).toMatchObject({ suspended: false, changed: true });
    const listed = (await ok('cluster_jobs', { kind: 'cronjob', namespace: 'os-framework' }))
      .structuredContent;
    expect(listed.cronjobs[0].suspended).toBe(false);
  });

  it('without a form: runs unconfirmed when asked to, declines stop everything, strict mode needs the approval link', async () => {
    const args = { namespace: ALICE, kind: 'deployment', name: 'firefox', action: 'scale', replicas: 2 };
    const noForms = await connect(all());
    others.push(noForms);
    const ran = await noForms.call('cluster_workload_change', args);
    expect(ran.structuredContent).toMatchObject({
      confirmed: false,
      confirmReason: 'client cannot show forms',
      replicas: 2,
    });

    const declining = await connect(all(), { elicitation: { form: {} } });
    others.push(declining);
    declining.onElicit(async () => ({ action: 'decline' }));
    const declined = await declining.call('cluster_job_change', {
      namespace: 'os-framework',
      name: 'nightly-backup',
      action: 'suspend',
    });
    expect(textOf(declined)).toMatch(/declined; nothing was changed/);
    expect(box.sim.count(CRON_PATCH_ROUTE)).toBe(0);

    const strict = await connect(all({ OLARES_CONFIRM: 'strict' }));
    others.push(strict);
    const stop = { namespace: ALICE, kind: 'deployment', name: 'firefox', action: 'stop' };
    const held = await strict.call('cluster_workload_change', stop);
    expect(textOf(held)).toMatch(/needs the user's approval and nothing was changed yet/);
    expect(box.sim.count(SCALE_ROUTE)).toBe(1);
    const url = textOf(held).match(/http:\/\/127\.0\.0\.1:\d+\/approve\/[A-Za-z0-9_-]+/)![0];
    const page = await pageRequest(url);
    expect(page.html).toContain('firefox');
    await pageRequest(url, {
      method: 'POST',
      body: new URLSearchParams({ ...hiddenFields(page.html), decision: 'approve' }).toString(),
    });
    const approved = await strict.call('cluster_workload_change', stop);
    expect(approved.structuredContent).toMatchObject({ confirmed: true, replicas: 0 });
    expect(box.sim.count(SCALE_ROUTE)).toBe(2);
  });

  it('describes pods, workloads, jobs and cronjobs as YAML without any secret value; nodes and namespaces in detail', async () => {
    const [n8n] = await podsOf(ALICE, 'n8n');
    const targets = [
      { kind: 'pod', name: n8n, namespace: ALICE },
      { kind: 'deployment', name: 'firefox', namespace: ALICE },
      { kind: 'statefulset', name: 'citus', namespace: 'os-platform' },
      { kind: 'job', name: 'db-migrate', namespace: 'os-framework' },
      { kind: 'cronjob', name: 'nightly-backup', namespace: 'os-framework' },
    ];
    for (const t of targets) {
      const r = await ok('cluster_describe', t);
      const yaml = boxContent(r);
      expect(yaml, t.kind).toContain(`name: ${t.name}`);
      expect(yaml, t.kind).toMatch(/- name: TZ\n\s+value: "<redacted>"/);
      expect(yaml, t.kind).toMatch(/- name: DB_PASSWORD\n\s+valueFrom: "<redacted>"/);
      expect(r.structuredContent.withheld, t.kind).toContain('env values');
    }
    const deployment = await ok('cluster_describe', targets[1]);
    expect(deployment.structuredContent.withheld).toContain('last-applied-configuration');
    const wire = JSON.stringify(mcp.messages);
    for (const secret of SECRETS) expect(wire, secret).not.toContain(secret);

    const node = await ok('cluster_describe', { kind: 'node', name: 'olares' });
    expect(textOf(node)).toMatch(/node olares: Ready, kubelet v1\.28\.4, cpu 16, memory 65536Mi/);
    expect(boxContent(node)).toMatch(/allocatable:\n\s+cpu: "16"/);
    const ns = await ok('cluster_describe', { kind: 'namespace', name: ALICE });
    expect(textOf(ns)).toMatch(/namespace user-space-alice: Active, workspace alice-workspace/);
    const forBob = await mcp.call('cluster_describe', { kind: 'node', name: 'olares', profile: 'bob' });
    expect(textOf(forBob)).toMatch(/permission denied: bob@olares.com may not read node "olares"/);
  });
});
