// dashboard_overview's views end to end: built server over stdio -> the simulator's dashboard
// host. One tool, a `view` argument and olares-cli's window arguments (since, or start with end).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const NODES = 'GET /dashboard/kapis/monitoring.kubesphere.io/v1alpha3/nodes';

describe('dashboard views', () => {
  let box: TestBox;
  let mcp: McpSession;
  const view = async (args: Record<string, unknown>) => {
    const r = await mcp.call('dashboard_overview', args);
    expect(r.isError, textOf(r)).toBeFalsy();
    return r.structuredContent;
  };

  beforeAll(async () => {
    box = await makeBox();
    await box.login('alice@olares.com');
    await box.login('bob@olares.com');
    mcp = await connect({ ...box.env, OLARES_PROFILE: 'alice@olares.com' });
  });
  afterAll(async () => {
    await mcp?.close();
    await box?.close();
  });

  it('without a view it is still the overview', async () => {
    const r = await view({});
    expect(r.physical.items.length).toBeGreaterThan(0);
    expect(r.rows).toBeUndefined();
  });

  it('cpu, memory and pods: one row per node, last sample and the peak of the window', async () => {
    const cpu = await view({ view: 'cpu' });
    expect(cpu.rows).toEqual([
      expect.objectContaining({
        node: 'olares',
        cores: 16,
        utilPercent: 25,
        peakUtilPercent: 30,
        load1: 2.5,
      }),
    ]);
    const memory = await view({ view: 'memory' });
    expect(memory.rows[0]).toMatchObject({ node: 'olares', totalGiB: 64, usedGiB: 24, utilPercent: 37.5 });
    const pods = await view({ view: 'pods' });
    expect(pods.rows[0]).toMatchObject({ running: 87, quota: 110, utilPercent: 79 });
  });

  it('disk: one row per SMART disk with its capacity', async () => {
    const disk = await view({ view: 'disk' });
    expect(disk.rows).toEqual([
      expect.objectContaining({
        node: 'olares',
        device: 'nvme0n1',
        type: 'SSD',
        healthy: true,
        usedGiB: 300,
        availableGiB: 600,
        temperatureC: 41,
      }),
    ]);
  });

  it('network, gpu and fan', async () => {
    const net = await view({ view: 'network' });
    expect(net.rows.map((r: any) => [r.iface, r.up])).toEqual([
      ['enp3s0', true],
      ['wlan0', false],
    ]);
    const gpu = await view({ view: 'gpu' });
    expect(gpu.rows[0]).toMatchObject({ id: 'GPU-5f1c2d3e', coreUtilPercent: 35, node: 'olares' });
    const fan = await view({ view: 'fan' });
    expect(fan.rows[0]).toMatchObject({ cpuFanRpm: 1300, gpuFanRpm: 1500, cpuFanMaxRpm: 2900 });
  });

  it('a box without the subsystem says unavailable, not failed', async () => {
    box.sim.addFault({
      match: 'POST /dashboard/hami/api/vgpu/v1/gpus',
      kind: 'status',
      status: 404,
      times: 1,
    });
    const gpu = await view({ view: 'gpu' });
    expect(gpu).toMatchObject({ rows: [], unavailable: expect.stringMatching(/no GPU integration/) });
    box.sim.addFault({
      match: 'GET /dashboard/user-service/api/mdns/olares-one/cpu-gpu',
      kind: 'status',
      status: 404,
      times: 1,
    });
    const fan = await view({ view: 'fan' });
    expect(fan.unavailable).toMatch(/Olares One/);
  });

  it('a normal user may not read node metrics: unavailable for the role', async () => {
    const r = await mcp.call('dashboard_overview', { view: 'cpu', profile: 'bob@olares.com' });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent.unavailable).toMatch(/role may not read cpu/);
  });

  it('the window arguments reach the box as olares-cli sends them', async () => {
    const before = box.sim.count(NODES);
    const r = await view({ view: 'cpu', start: '2026-11-26T08:00:00Z', end: '2026-11-26T09:00:00Z' });
    expect(r.window).toEqual({ start: '2026-11-26T08:00:00.000Z', end: '2026-11-26T09:00:00.000Z' });
    expect(box.sim.count(NODES)).toBe(before + 1);
    const since = await view({ view: 'memory', since: '6h' });
    const span = Date.parse(since.window.end) - Date.parse(since.window.start);
    expect(span).toBe(6 * 3600 * 1000);
  });

  it('bad views and windows get one clear message each, before any request', async () => {
    const before = box.sim.count(NODES);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ view: 'temperature' }, /view/],
      [{ view: 'cpu', since: 'yesterday' }, /since "yesterday" is not a duration/],
      [{ view: 'cpu', since: '9000h' }, /between 1s and 720h/],
      [
        { view: 'cpu', since: '1h', start: '2026-11-26T08:00:00Z', end: '2026-11-26T09:00:00Z' },
        /cannot be combined/,
      ],
      [{ view: 'cpu', start: '2026-11-26T08:00:00Z' }, /go together/],
      [{ view: 'cpu', start: '2026-11-26T09:00:00Z', end: '2026-11-26T08:00:00Z' }, /before end/],
      [{ view: 'cpu', start: 'monday', end: '2026-11-26T08:00:00Z' }, /RFC 3339/],
    ];
    for (const [args, message] of cases) {
      const r = await mcp.call('dashboard_overview', args);
      expect(r.isError, JSON.stringify(args)).toBe(true);
      expect(textOf(r), JSON.stringify(args)).toMatch(message);
    }
    expect(box.sim.count(NODES)).toBe(before);
  });
});
