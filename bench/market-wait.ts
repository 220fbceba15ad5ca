// How quickly market_install {wait: true} notices that the box settled, and what the wait
// costs in state polls: from the sim's statusTime of `running` to the tool result, against the
// poll interval. Run: OLARES_MCP_CLI=<build>/cli.js node --import tsx bench/market-wait.ts [--quick]
import { marketControl } from '../sim/market.js';
import { makeBox } from '../test/helpers/sim.js';
import { type BenchResult, CLI, median, quick, report, round } from './lib.js';
import { connectStdio } from './mcp.js';

const STATE = 'GET /market/app-store/api/v2/market/state';

export async function benchMarketWait(): Promise<BenchResult> {
  const n = quick ? 3 : 10;
  const pollMs = 100;
  const box = await makeBox({ marketStepMs: 50 });
  const mcp = await connectStdio(process.execPath, [CLI], {
    ...box.env,
    OLARES_MARKET_POLL_MS: String(pollMs),
  });
  try {
    await box.login('bob@olares.com');
    const lag: number[] = [];
    const polls: number[] = [];
    for (let i = 0; i < n; i++) {
      const before = box.sim.count(STATE);
      const r: any = await mcp.client.callTool({
        name: 'market_install',
        arguments: { app: 'firefox', wait: true },
      });
      const returned = Date.now();
      if (r.structuredContent?.status !== 'success') throw new Error(JSON.stringify(r.content));
      const row = marketControl(box.sim).row('bob', 'firefox');
      lag.push(returned - Date.parse(row?.statusTime ?? ''));
      polls.push(box.sim.count(STATE) - before);
      const un: any = await mcp.client.callTool({
        name: 'market_uninstall',
        arguments: { app: 'firefox', wait: true },
      });
      if (un.structuredContent?.status !== 'success') throw new Error(JSON.stringify(un.content));
    }
    const ratio = round(median(lag) / pollMs);
    return {
      name: 'market-wait',
      figures: {
        installs: n,
        pollMs,
        settleToResultMs: round(median(lag)),
        statePollsPerInstall: median(polls),
      },
      ratio,
      goal: '<= 1.5 (noticed within one poll interval plus overhead)',
      pass: ratio <= 1.5,
    };
  } finally {
    await mcp.close();
    await box.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchMarketWait());
