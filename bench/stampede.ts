// 8 server processes share one OLARES_MCP_HOME, 20 concurrent calls each, all with an expired
// token: how many /api/refresh reach the box (must be 1), and the wall time against the same
// run with a fresh token.
import { makeBox } from '../test/helpers/sim.js';
import { type BenchResult, CLI, quick, report, round } from './lib.js';
import { connectStdio } from './mcp.js';

const CANDIDATES: Array<[string, Record<string, unknown>]> = [
  ['files_ls', { path: 'drive/Home' }],
  ['market_list', {}],
  ['cluster_namespaces', {}],
  ['dashboard_overview', {}],
];

export async function benchStampede(): Promise<BenchResult> {
  const processes = quick ? 4 : 8;
  const callsEach = quick ? 5 : 20;
  const box = await makeBox();
  const servers: Awaited<ReturnType<typeof connectStdio>>[] = [];
  try {
    // A token that outlives the warm-up call but not the wait below.
    box.sim.options.accessTokenTtlSec = 4;
    await box.login('alice@olares.com');
    box.sim.options.accessTokenTtlSec = 3600;
    servers.push(
      ...(await Promise.all(
        Array.from({ length: processes }, () => connectStdio(process.execPath, [CLI], box.env)),
      )),
    );
    const { tools } = await servers[0].client.listTools();
    const pick = CANDIDATES.find(([name]) => tools.some((t) => t.name === name));
    if (!pick) return { name: 'refresh-stampede', figures: { skipped: 'no network tool registered' } };
    const [tool, args] = pick;
    const round_ = async () => {
      const t0 = performance.now();
      const results = await Promise.all(
        servers.flatMap((s) =>
          Array.from({ length: callsEach }, () => s.client.callTool({ name: tool, arguments: args })),
        ),
      );
      return { ms: performance.now() - t0, failed: results.filter((r: any) => r.isError).length };
    };
    // Warm every process with one call on the still-valid token, so both rounds compare the
    // same warm servers and the expired round measures only the refresh and its coordination.
    await Promise.all(servers.map((s) => s.client.callTool({ name: tool, arguments: args })));
    await new Promise((r) => setTimeout(r, 4500)); // let the token expire
    const before = box.sim.count('POST /auth/api/refresh');
    const stale = await round_();
    const refreshes = box.sim.count('POST /auth/api/refresh') - before;
    const fresh = await round_();
    const ratio = round(stale.ms / fresh.ms);
    return {
      name: 'refresh-stampede',
      figures: {
        tool,
        processes,
        callsEach,
        refreshes,
        failed: stale.failed + fresh.failed,
        expiredMs: round(stale.ms, 1),
        freshMs: round(fresh.ms, 1),
      },
      ratio,
      goal: 'refreshes == 1, failed == 0, ratio <= 1.5',
      pass: refreshes === 1 && stale.failed + fresh.failed === 0 && ratio <= 1.5,
    };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await box.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchStampede());
