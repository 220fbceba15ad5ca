// 8 server processes share one OLARES_MCP_HOME, 20 concurrent calls each, all with an expired
// token: how many /api/refresh reach the box (must be 1 per expiry), how many calls the box
// refused, and the wall time against the same burst with a fresh token.
import { makeBox } from '../test/helpers/sim.js';
import { type BenchResult, CLI, median, quick, report, round } from './lib.js';
import { connectStdio } from './mcp.js';

const CANDIDATES: Array<[string, Record<string, unknown>]> = [
  ['files_ls', { path: 'drive/Home' }],
  ['market_list', {}],
  ['cluster_namespaces', {}],
  ['dashboard_overview', {}],
];

/** Every token the simulator issues (login and refresh) lives this long. */
const TOKEN_TTL_SEC = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchStampede(): Promise<BenchResult> {
  const processes = quick ? 4 : 8;
  const callsEach = quick ? 5 : 20;
  const pairs = quick ? 1 : 3;
  const box = await makeBox();
  const servers: Awaited<ReturnType<typeof connectStdio>>[] = [];
  try {
    box.sim.options.accessTokenTtlSec = TOKEN_TTL_SEC;
    let issuedAt = Date.now();
    await box.login('alice@olares.com');
    servers.push(
      ...(await Promise.all(
        Array.from({ length: processes }, () =>
          connectStdio(process.execPath, [CLI], {
            ...box.env,
            OLARES_MCP_DEBUG: process.env.OLARES_MCP_DEBUG ?? '',
          }),
        ),
      )),
    );
    const { tools } = await servers[0].client.listTools();
    const pick = CANDIDATES.find(([name]) => tools.some((t) => t.name === name));
    if (!pick) return { name: 'refresh-stampede', figures: { skipped: 'no network tool registered' } };
    const [tool, args] = pick;
    const burst = async () => {
      const t0 = performance.now();
      const results = await Promise.all(
        servers.flatMap((s) =>
          Array.from({ length: callsEach }, () => s.client.callTool({ name: tool, arguments: args })),
        ),
      );
      return { ms: performance.now() - t0, failed: results.filter((r: any) => r.isError).length };
    };

    // One burst on the valid token first: both measured bursts then run on warm (JIT-compiled)
    // servers, client and simulator, and the expired one measures only the expiry.
    await burst();
    let refreshes = 0;
    let refused = 0;
    let failed = 0;
    const expiredMs: number[] = [];
    const freshMs: number[] = [];
    for (let i = 0; i < pairs; i++) {
      await sleep(Math.max(0, issuedAt + TOKEN_TTL_SEC * 1000 + 500 - Date.now()));
      const refreshesBefore = box.sim.count('POST /auth/api/refresh');
      const refusedBefore = box.sim.refusals();
      issuedAt = Date.now();
      const expired = await burst();
      refreshes = Math.max(refreshes, box.sim.count('POST /auth/api/refresh') - refreshesBefore);
      refused += box.sim.refusals() - refusedBefore;
      const fresh = await burst(); // the token refreshed above is still good for seconds
      expiredMs.push(expired.ms);
      freshMs.push(fresh.ms);
      failed += expired.failed + fresh.failed;
    }
    const ratio = round(median(expiredMs.map((ms, i) => ms / freshMs[i])));
    return {
      name: 'refresh-stampede',
      figures: {
        tool,
        processes,
        callsEach,
        pairs,
        refreshesPerExpiry: refreshes,
        refusedPerExpiry: round(refused / pairs, 1),
        failed,
        expiredMs: round(median(expiredMs), 1),
        freshMs: round(median(freshMs), 1),
      },
      ratio,
      goal: 'refreshesPerExpiry == 1, failed == 0, median ratio <= 1.5',
      pass: refreshes === 1 && failed === 0 && ratio <= 1.5,
    };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await box.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchStampede());
